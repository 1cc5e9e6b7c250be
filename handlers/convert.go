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
	attrs := make([]api.Attribute, len(c.Attributes))
	for i, a := range c.Attributes {
		attrs[i] = api.Attribute{Name: a.Name, Value: a.Value}
	}
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
		LockedUntil:      nullableOf(c.LockedUntil),
		EmailVerified:    c.EmailVerified,
		HasAccount:       c.HasAccount(),
		OnboardingStatus: api.OnboardingStatus(c.OnboardingStatus),
		OrderWebhookUrl:  nullableOf(c.OrderWebhookURL),
		ExternalId:       nullableOf(c.ExternalID),
		Locale:           nullableOf(c.Locale),
		Metadata:         api.Metadata(c.Metadata),
		Attributes:       attrs,
		FailedLoginCount: c.FailedLoginCount,
		LastLoginAt:      nullableOf(c.LastLoginAt),
		ErasedAt:         nullableOf(c.ErasedAt),
		Version:          c.Version,
		CreatedAt:        c.CreatedAt,
		UpdatedAt:        c.UpdatedAt,
	}
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
