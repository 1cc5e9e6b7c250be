package handlers

import (
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/clientele/clientele/api"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/models"
)

// nullableOf is a JSON value that is null when p is nil.
func nullableOf[T any](p *T) nullable.Nullable[T] {
	if p == nil {
		return nullable.NewNullNullable[T]()
	}
	return nullable.NewNullableWithValue(*p)
}

// clearable turns a merge-patch field into the service's form: absent, null, or a value.
func clearable[T any](n nullable.Nullable[T]) service.Clearable[T] {
	if !n.IsSpecified() {
		return service.Clearable[T]{}
	}
	if n.IsNull() {
		return service.Clearable[T]{Set: true}
	}
	v := n.MustGet()
	return service.Clearable[T]{Set: true, Value: &v}
}

// strOf converts an optional wire enum to an optional string.
func strOf[T ~string](p *T) *string {
	if p == nil {
		return nil
	}
	s := string(*p)
	return &s
}

func toAPICustomer(c models.Customer) api.Customer {
	return api.Customer{
		Id:               c.ID,
		Email:            c.Email,
		FirstName:        c.FirstName,
		MiddleName:       nullableOf(c.MiddleName),
		LastName:         c.LastName,
		Prefix:           nullableOf(c.Prefix),
		Suffix:           nullableOf(c.Suffix),
		FullName:         c.FullName(),
		Phone:            nullableOf(c.Phone),
		DateOfBirth:      nullableOf(c.DateOfBirth),
		Gender:           api.Gender(c.Gender),
		TaxVat:           nullableOf(c.TaxVat),
		IsSubscribed:     c.IsSubscribed,
		Status:           api.CustomerStatus(c.Status),
		IsLocked:         c.IsLocked(time.Now()),
		LockedUntil:      nullableOf(c.ShownLockedUntil()),
		EmailVerified:    c.EmailVerified,
		HasAccount:       c.HasAccount(),
		OnboardingStatus: api.OnboardingStatus(c.OnboardingStatus),
		OrderWebhookUrl:  nullableOf(c.OrderWebhookURL),
		ExternalId:       nullableOf(c.ExternalID),
		Locale:           nullableOf(c.Locale),
		Metadata:         api.Metadata(c.Metadata),
		Attributes:       toAPIAttributes(c.Attributes),
		FailedLoginCount: c.FailedLoginCount,
		LastLoginAt:      nullableOf(c.LastLoginAt),
		ErasedAt:         nullableOf(c.ErasedAt),
		Version:          c.Version,
		CreatedAt:        c.CreatedAt,
		UpdatedAt:        c.UpdatedAt,
	}
}

func toAPIAttributes(in models.Attributes) []api.Attribute {
	out := make([]api.Attribute, len(in))
	for i, a := range in {
		out[i] = api.Attribute{Name: a.Name, Value: a.Value}
	}
	return out
}

func fromAPIAttributes(in *[]api.Attribute) []models.Attribute {
	if in == nil {
		return nil
	}
	out := make([]models.Attribute, len(*in))
	for i, a := range *in {
		out[i] = models.Attribute{Name: a.Name, Value: a.Value}
	}
	return out
}

func toAPIToken(t service.Token) api.Token {
	return api.Token{
		Token:        t.AccessToken,
		RefreshToken: t.RefreshToken,
		TokenType:    api.TokenTypeBearer,
		ExpiresIn:    t.ExpiresIn,
		ExpiresAt:    t.ExpiresAt,
	}
}

func toAPIRole(r service.RoleView) api.Role {
	return api.Role{
		Id:          r.ID,
		Name:        r.Name,
		Description: nullableOf(r.Description),
		Permissions: nonNil(r.Permissions),
		AdminsCount: r.AdminsCount,
		Version:     r.Version,
		CreatedAt:   r.CreatedAt,
		UpdatedAt:   r.UpdatedAt,
	}
}

func toAPIAdmin(a service.AdminView) api.Admin {
	roles := make([]api.Role, len(a.Roles))
	for i, r := range a.Roles {
		roles[i] = toAPIRole(r)
	}
	return api.Admin{
		Id:          a.ID,
		Email:       a.Email,
		Name:        a.Name,
		Status:      api.AdminStatus(a.Status),
		ExternalId:  nullableOf(a.ExternalID),
		HasAccount:  a.HasAccount(),
		Roles:       roles,
		Permissions: nonNil(a.Permissions),
		LastLoginAt: nullableOf(a.LastLoginAt),
		Version:     a.Version,
		CreatedAt:   a.CreatedAt,
		UpdatedAt:   a.UpdatedAt,
	}
}

// nonNil keeps empty lists as [] on the wire.
func nonNil[T any, S ~[]T](s S) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func toAPIAddress(a models.Address, countryName string) api.Address {
	region := nullable.NewNullNullable[api.Region]()
	if a.RegionCode != nil || a.RegionName != nil {
		region.Set(api.Region{Code: deref(a.RegionCode), Name: deref(a.RegionName)})
	}
	return api.Address{
		Id:                a.ID,
		Label:             nullableOf(a.Label),
		FirstName:         a.FirstName,
		MiddleName:        nullableOf(a.MiddleName),
		LastName:          a.LastName,
		Prefix:            nullableOf(a.Prefix),
		Suffix:            nullableOf(a.Suffix),
		Company:           nullableOf(a.Company),
		Street:            nonNil(a.Street),
		City:              a.City,
		Region:            region,
		PostalCode:        nullableOf(a.PostalCode),
		CountryCode:       a.CountryCode,
		Country:           api.CountryRef{Code: a.CountryCode, Name: countryName},
		Phone:             nullableOf(a.Phone),
		Fax:               nullableOf(a.Fax),
		VatId:             nullableOf(a.VatID),
		Type:              api.AddressType(a.Type),
		IsDefaultBilling:  a.IsDefaultBilling(),
		IsDefaultShipping: a.IsDefaultShipping(),
		Version:           a.Version,
		CreatedAt:         a.CreatedAt,
		UpdatedAt:         a.UpdatedAt,
	}
}

// defaultAddresses picks an owner's default billing and shipping addresses out of its book;
// each is null when the book has none.
func defaultAddresses(book []api.Address) (billing, shipping nullable.Nullable[api.Address]) {
	billing, shipping = nullable.NewNullNullable[api.Address](), nullable.NewNullNullable[api.Address]()
	for _, a := range book {
		if a.IsDefaultBilling {
			billing.Set(a)
		}
		if a.IsDefaultShipping {
			shipping.Set(a)
		}
	}
	return billing, shipping
}

func toAPICountry(c models.Country) api.Country {
	regions := make([]api.Region, len(c.Regions))
	for i, r := range c.Regions {
		regions[i] = api.Region{Code: r.Code, Name: r.Name}
	}
	return api.Country{Code: c.Code, Name: c.Name, Regions: regions}
}

func toAPIGroup(g models.CustomerGroup, count int) api.CustomerGroup {
	return api.CustomerGroup{
		Id:            g.ID,
		Name:          g.Name,
		Description:   nullableOf(g.Description),
		Metadata:      api.Metadata(nonNilMap(g.Metadata)),
		CustomerCount: count,
		Version:       g.Version,
		CreatedAt:     g.CreatedAt,
		UpdatedAt:     g.UpdatedAt,
	}
}

func nonNilMap[M ~map[string]any](m M) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// fromAPIAddress converts a new address; the type defaults in the service.
func fromAPIAddress(in api.AddressInput) service.AddressInput {
	var region *service.RegionInput
	if in.Region != nil {
		region = &service.RegionInput{Code: in.Region.Code, Name: in.Region.Name}
	}
	return service.AddressInput{
		Label: in.Label, FirstName: in.FirstName, MiddleName: in.MiddleName, LastName: in.LastName,
		Prefix: in.Prefix, Suffix: in.Suffix, Company: in.Company, Street: in.Street, City: in.City,
		Region: region, PostalCode: in.PostalCode, CountryCode: in.CountryCode, Phone: in.Phone, Fax: in.Fax,
		VatID: in.VatId, Type: strOf(in.Type), IsDefaultBilling: in.IsDefaultBilling, IsDefaultShipping: in.IsDefaultShipping,
	}
}

func fromAPIAddressPatch(in api.UpdateAddressInput) service.AddressPatch {
	region := service.Clearable[service.RegionInput]{}
	if in.Region.IsSpecified() {
		region.Set = true
		if !in.Region.IsNull() {
			r := in.Region.MustGet()
			region.Value = &service.RegionInput{Code: r.Code, Name: r.Name}
		}
	}
	return service.AddressPatch{
		FirstName: in.FirstName, LastName: in.LastName, Street: in.Street, City: in.City, CountryCode: in.CountryCode,
		Type: strOf(in.Type), IsDefaultBilling: in.IsDefaultBilling, IsDefaultShipping: in.IsDefaultShipping,
		Label: clearable(in.Label), MiddleName: clearable(in.MiddleName), Prefix: clearable(in.Prefix),
		Suffix: clearable(in.Suffix), Company: clearable(in.Company), Region: region,
		PostalCode: clearable(in.PostalCode), Phone: clearable(in.Phone), Fax: clearable(in.Fax), VatID: clearable(in.VatId),
	}
}
