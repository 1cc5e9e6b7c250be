package service

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/models"
)

// RegionInput names a region by code (validated where the country has a list) or by name.
type RegionInput struct {
	Code *string
	Name *string
}

// AddressInput is a new address.
type AddressInput struct {
	Label             *string
	FirstName         string
	MiddleName        *string
	LastName          string
	Prefix            *string
	Suffix            *string
	Company           *string
	Street            []string
	City              string
	Region            *RegionInput
	PostalCode        *string
	CountryCode       string
	Phone             *string
	Fax               *string
	VatID             *string
	Type              *string
	IsDefaultBilling  *bool
	IsDefaultShipping *bool
}

// AddressPatch is a merge patch of an address; an absent IsDefault* leaves the default alone.
type AddressPatch struct {
	FirstName         *string
	LastName          *string
	Street            *[]string
	City              *string
	CountryCode       *string
	Type              *string
	IsDefaultBilling  *bool
	IsDefaultShipping *bool
	Label             Clearable[string]
	MiddleName        Clearable[string]
	Prefix            Clearable[string]
	Suffix            Clearable[string]
	Company           Clearable[string]
	Region            Clearable[RegionInput]
	PostalCode        Clearable[string]
	Phone             Clearable[string]
	Fax               Clearable[string]
	VatID             Clearable[string]
	ExpectedVersion   *int
}

const maxStreetLines = 4

// ListMyAddresses returns the calling customer's address book.
func (s *Service) ListMyAddresses(ctx context.Context, actor auth.Principal) ([]models.Address, error) {
	if err := requireCustomer(actor); err != nil {
		return nil, err
	}
	return s.customerAddresses(ctx, actor.ID)
}

// ListCustomerAddresses returns a customer's address book.
func (s *Service) ListCustomerAddresses(ctx context.Context, actor auth.Principal, customerID string) ([]models.Address, error) {
	if err := requireAdmin(actor, PermCustomersRead); err != nil {
		return nil, err
	}
	if _, err := s.loadCustomer(ctx, customerID); err != nil {
		return nil, err
	}
	return s.customerAddresses(ctx, customerID)
}

// addressBook is whose addresses an operation works on: a customer's or a company's.
type addressBook struct {
	table  string // the owner's table
	column string // the addresses column naming the owner
	noun   string // the owner in a NOT_FOUND message
	id     string
}

func customerBook(id string) addressBook {
	return addressBook{"customers", "customer_id", "Customer", id}
}
func companyBook(id string) addressBook { return addressBook{"companies", "company_id", "Company", id} }

func (s *Service) customerAddresses(ctx context.Context, customerID string) ([]models.Address, error) {
	byOwner, err := s.AddressesOf(ctx, []string{customerID})
	return byOwner[customerID], err
}

// AddressesOf returns the address books of several customers in one statement, each in
// creation order. It is for callers that already authorized reading those customers
// (dataloaders, list responses).
func (s *Service) AddressesOf(ctx context.Context, customerIDs []string) (map[string][]models.Address, error) {
	return s.addressBooks(ctx, "customer_id", customerIDs, func(a *models.Address) string { return *a.CustomerID })
}

// CompanyAddressesOf returns the address books of several companies in one statement. It is
// for callers that already authorized reading those companies.
func (s *Service) CompanyAddressesOf(ctx context.Context, companyIDs []string) (map[string][]models.Address, error) {
	return s.addressBooks(ctx, "company_id", companyIDs, func(a *models.Address) string { return *a.CompanyID })
}

func (s *Service) addressBooks(ctx context.Context, column string, ownerIDs []string, owner func(*models.Address) string) (map[string][]models.Address, error) {
	out := make(map[string][]models.Address, len(ownerIDs))
	for _, id := range ownerIDs {
		out[id] = []models.Address{}
	}
	rows, err := s.db.Conn(ctx).Raw("SELECT "+s.lists.address.list("a", "")+" FROM addresses a WHERE a."+column+" IN ? ORDER BY a."+column+", a.created_at, a.id", ownerIDs).Rows()
	if err != nil {
		return nil, dbErr(err, "", "")
	}
	var a models.Address
	err = eachRow(rows, s.lists.address.dests(nil, &a), func() { a = models.Address{} }, func() { out[owner(&a)] = append(out[owner(&a)], a) })
	return out, dbErr(err, "", "")
}

// CreateMyAddress adds an address to the calling customer's book.
func (s *Service) CreateMyAddress(ctx context.Context, actor auth.Principal, in AddressInput) (models.Address, error) {
	if err := requireCustomer(actor); err != nil {
		return models.Address{}, err
	}
	return s.createAddress(ctx, actor, customerBook(actor.ID), in)
}

// CreateCustomerAddress adds an address to a customer's book.
func (s *Service) CreateCustomerAddress(ctx context.Context, actor auth.Principal, customerID string, in AddressInput) (models.Address, error) {
	if err := requireAdmin(actor, PermCustomersWrite); err != nil {
		return models.Address{}, err
	}
	return s.createAddress(ctx, actor, customerBook(customerID), in)
}

func (s *Service) createAddress(ctx context.Context, actor auth.Principal, book addressBook, in AddressInput) (models.Address, error) {
	a := s.newAddress(book, in)
	var f apperr.Fields
	s.checkAddress(&f, "", &a, in.Region)
	if err := f.Err(); err != nil {
		return models.Address{}, err
	}
	var out models.Address
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		out = a // setDefaults marks it: each run of the transaction starts from the input
		n, err := s.lockAddressBook(ctx, book)
		if err != nil {
			return err
		}
		first := n == 0 // an owner's first address becomes both defaults
		if err := s.setDefaults(ctx, &out, in.IsDefaultBilling, in.IsDefaultShipping, first); err != nil {
			return err
		}
		if err := s.db.Conn(ctx).Create(&out).Error; err != nil {
			return dbErr(err, "Address", "")
		}
		return s.audit(ctx, actor, "address.created", "address", out.ID, diff(nil, addressSnapshot(&out)))
	})
	return out, err
}

func (s *Service) newAddress(book addressBook, in AddressInput) models.Address {
	now := s.now()
	a := models.Address{
		ID:          newID(),
		Label:       trimmed(in.Label),
		FirstName:   strings.TrimSpace(in.FirstName),
		MiddleName:  trimmed(in.MiddleName),
		LastName:    strings.TrimSpace(in.LastName),
		Prefix:      trimmed(in.Prefix),
		Suffix:      trimmed(in.Suffix),
		Company:     trimmed(in.Company),
		Street:      trimLines(in.Street),
		City:        strings.TrimSpace(in.City),
		PostalCode:  trimmed(in.PostalCode),
		CountryCode: strings.ToUpper(strings.TrimSpace(in.CountryCode)),
		Phone:       trimmed(in.Phone),
		Fax:         trimmed(in.Fax),
		VatID:       trimmed(in.VatID),
		Type:        models.AddressBillingAndShipping,
		Version:     1,
		CreatedAt:   now,
		UpdatedAt:   now,
	}
	if in.Type != nil {
		a.Type = *in.Type
	}
	if book.column == "company_id" {
		a.CompanyID = &book.id
	} else {
		a.CustomerID = &book.id
	}
	return a
}

func trimLines(lines []string) models.StringList {
	out := make(models.StringList, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimSpace(l)
	}
	return out
}

// checkAddress validates a, naming fields under prefix (`addresses[2].`), and resolves its
// region from the input against the country's region list.
func (s *Service) checkAddress(f *apperr.Fields, prefix string, a *models.Address, region *RegionInput) {
	checkRequired(f, prefix+"firstName", "First name", a.FirstName, 255)
	checkRequired(f, prefix+"lastName", "Last name", a.LastName, 255)
	checkOptional(f, prefix+"label", "Label", a.Label, 255)
	checkOptional(f, prefix+"middleName", "Middle name", a.MiddleName, 255)
	checkOptional(f, prefix+"prefix", "Prefix", a.Prefix, 40)
	checkOptional(f, prefix+"suffix", "Suffix", a.Suffix, 40)
	checkOptional(f, prefix+"company", "Company", a.Company, 255)
	checkRequired(f, prefix+"city", "City", a.City, 255)
	checkOptional(f, prefix+"postalCode", "Postal code", a.PostalCode, 32)
	checkOptional(f, prefix+"phone", "Phone", a.Phone, 64)
	checkOptional(f, prefix+"fax", "Fax", a.Fax, 64)
	checkOptional(f, prefix+"vatId", "VAT id", a.VatID, 64)
	checkEnum(f, prefix+"type", a.Type, models.AddressBilling, models.AddressShipping, models.AddressBillingAndShipping)
	switch {
	case len(a.Street) == 0:
		f.Add(prefix+"street", "Street is required: give 1 to 4 lines.")
	case len(a.Street) > maxStreetLines:
		f.Add(prefix+"street", "Street has at most 4 lines.")
	}
	for i, line := range a.Street {
		path := prefix + "street[" + itoa(i) + "]"
		if line == "" {
			f.Add(path, "Street lines must not be empty.")
		}
		checkLen(f, path, "A street line", line, 255)
	}
	country := s.countries.byCode[a.CountryCode]
	if a.CountryCode == "" {
		f.Add(prefix+"countryCode", "Country code is required.")
		return
	}
	if country == nil {
		f.Add(prefix+"countryCode", "No country with code "+a.CountryCode+".")
		return
	}
	if region != nil {
		a.RegionCode, a.RegionName = trimmed(region.Code), trimmed(region.Name)
	}
	if len(country.Regions) == 0 {
		checkOptional(f, prefix+"region.code", "Region code", a.RegionCode, 16)
		checkOptional(f, prefix+"region.name", "Region name", a.RegionName, 255)
		return
	}
	// Countries with a region list need a region from it; its name comes from the list.
	if a.RegionCode == nil {
		f.Add(prefix+"region.code", "A region code is required for "+country.Name+".")
		return
	}
	r, ok := s.countries.region(country, *a.RegionCode)
	if !ok {
		f.Add(prefix+"region.code", "No region "+*a.RegionCode+" in "+country.Name+".")
		return
	}
	a.RegionCode, a.RegionName = &r.Code, &r.Name
}

// lockAddressBook serialises changes to one owner's addresses (the default-address rules
// read, then write) and returns how many addresses it has. It is NOT_FOUND for no owner.
func (s *Service) lockAddressBook(ctx context.Context, book addressBook) (int64, error) {
	if err := s.lockRow(ctx, book.table, book.id); err != nil {
		return 0, err
	}
	conn := s.db.Conn(ctx)
	var exists, n int64
	if err := conn.Table(book.table).Where("id = ?", book.id).Count(&exists).Error; err != nil {
		return 0, dbErr(err, "", "")
	}
	if exists == 0 {
		return 0, apperr.NotFoundf(book.noun)
	}
	err := conn.Model(&models.Address{}).Where(book.column+" = ?", book.id).Count(&n).Error
	return n, dbErr(err, "", "")
}

// setDefaults applies the default flags to a (before it is written): true makes it the
// owner's default and clears the old one, false unsets it, nil leaves it, and force makes
// it both defaults. Callers hold the owner's lock (lockAddressBook).
//
// The old default is found by a plain read and cleared by primary key: an UPDATE … WHERE
// default_billing_of = ? locks a range of that unique index even when it matches nothing,
// and owners' ids being time-ordered, new customers' ranges adjoin, so their first
// addresses deadlocked with each other. Should the read miss a default, the unique index
// refuses the second one (CONFLICT), so the rule holds either way.
func (s *Service) setDefaults(ctx context.Context, a *models.Address, billing, shipping *bool, force bool) error {
	owner := a.OwnerID()
	conn := s.db.Conn(ctx)
	for _, d := range []struct {
		want   *bool
		field  **string
		column string
	}{
		{billing, &a.DefaultBillingOf, "default_billing_of"},
		{shipping, &a.DefaultShippingOf, "default_shipping_of"},
	} {
		switch {
		case force || (d.want != nil && *d.want):
			if *d.field != nil {
				continue // already this owner's default
			}
			var old []string
			if err := conn.Model(&models.Address{}).Where(d.column+" = ? AND id <> ?", owner, a.ID).Pluck("id", &old).Error; err != nil {
				return dbErr(err, "", "")
			}
			if len(old) > 0 {
				err := conn.Model(&models.Address{}).Where("id IN ?", old).
					UpdateColumns(map[string]any{d.column: nil, "version": gorm.Expr("version + 1"), "updated_at": s.now()}).Error
				if err != nil {
					return dbErr(err, "", "")
				}
			}
			*d.field = &owner
		case d.want != nil:
			*d.field = nil
		}
	}
	return nil
}

// UpdateMyAddress patches one of the calling customer's addresses; another customer's
// address is NOT_FOUND.
func (s *Service) UpdateMyAddress(ctx context.Context, actor auth.Principal, id string, p AddressPatch) (models.Address, error) {
	if err := requireCustomer(actor); err != nil {
		return models.Address{}, err
	}
	return s.updateAddress(ctx, actor, customerBook(actor.ID), id, p)
}

// UpdateCustomerAddress patches one of a customer's addresses.
func (s *Service) UpdateCustomerAddress(ctx context.Context, actor auth.Principal, customerID, id string, p AddressPatch) (models.Address, error) {
	if err := requireAdmin(actor, PermCustomersWrite); err != nil {
		return models.Address{}, err
	}
	return s.updateAddress(ctx, actor, customerBook(customerID), id, p)
}

func (s *Service) updateAddress(ctx context.Context, actor auth.Principal, book addressBook, id string, p AddressPatch) (models.Address, error) {
	var out models.Address
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		if _, err := s.lockAddressBook(ctx, book); err != nil {
			return err
		}
		before, err := s.ownedAddress(ctx, book, id)
		if err != nil {
			return err
		}
		if err := checkVersion(p.ExpectedVersion, before.Version); err != nil {
			return err
		}
		a := before
		region := applyAddressPatch(&a, p)
		var f apperr.Fields
		s.checkAddress(&f, "", &a, region)
		if err := f.Err(); err != nil {
			return err
		}
		if err := s.setDefaults(ctx, &a, p.IsDefaultBilling, p.IsDefaultShipping, false); err != nil {
			return err
		}
		changes := diff(addressSnapshot(&before), addressSnapshot(&a))
		if len(changes) == 0 {
			out = before
			return nil
		}
		a.Version, a.UpdatedAt = before.Version+1, s.now()
		if err := s.updateVersioned(ctx, &a, a.ID, before.Version, p.ExpectedVersion, nil); err != nil {
			return err
		}
		out = a
		return s.audit(ctx, actor, "address.updated", "address", a.ID, changes)
	})
	return out, err
}

// ownedAddress loads an address in the book; any other id is NOT_FOUND.
func (s *Service) ownedAddress(ctx context.Context, book addressBook, id string) (models.Address, error) {
	var a models.Address
	err := s.db.Conn(ctx).Where("id = ? AND "+book.column+" = ?", id, book.id).Take(&a).Error
	return a, dbErr(err, "Address", "")
}

// applyAddressPatch writes the present fields of p onto a and returns the region to
// resolve: the patch's, or the current one when the country changes without one.
func applyAddressPatch(a *models.Address, p AddressPatch) *RegionInput {
	for _, f := range []struct {
		dst *string
		v   *string
	}{{&a.FirstName, p.FirstName}, {&a.LastName, p.LastName}, {&a.City, p.City}, {&a.Type, p.Type}} {
		if f.v != nil {
			*f.dst = strings.TrimSpace(*f.v)
		}
	}
	if p.CountryCode != nil {
		a.CountryCode = strings.ToUpper(strings.TrimSpace(*p.CountryCode))
	}
	if p.Street != nil {
		a.Street = trimLines(*p.Street)
	}
	for _, f := range []struct {
		dst *(*string)
		v   Clearable[string]
	}{
		{&a.Label, p.Label}, {&a.MiddleName, p.MiddleName}, {&a.Prefix, p.Prefix}, {&a.Suffix, p.Suffix},
		{&a.Company, p.Company}, {&a.PostalCode, p.PostalCode}, {&a.Phone, p.Phone}, {&a.Fax, p.Fax}, {&a.VatID, p.VatID},
	} {
		if f.v.Set {
			*f.dst = trimmed(f.v.Value)
		}
	}
	switch {
	case p.Region.Set && p.Region.Value == nil:
		return &RegionInput{}
	case p.Region.Set:
		return p.Region.Value
	}
	return &RegionInput{Code: a.RegionCode, Name: a.RegionName}
}

// DeleteMyAddress removes one of the calling customer's addresses.
func (s *Service) DeleteMyAddress(ctx context.Context, actor auth.Principal, id string, expectedVersion *int) error {
	if err := requireCustomer(actor); err != nil {
		return err
	}
	return s.deleteAddress(ctx, actor, customerBook(actor.ID), id, expectedVersion)
}

// DeleteCustomerAddress removes one of a customer's addresses.
func (s *Service) DeleteCustomerAddress(ctx context.Context, actor auth.Principal, customerID, id string, expectedVersion *int) error {
	if err := requireAdmin(actor, PermCustomersWrite); err != nil {
		return err
	}
	return s.deleteAddress(ctx, actor, customerBook(customerID), id, expectedVersion)
}

// deleteAddress removes an address; a deleted default leaves that default empty.
func (s *Service) deleteAddress(ctx context.Context, actor auth.Principal, book addressBook, id string, expectedVersion *int) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		if _, err := s.lockAddressBook(ctx, book); err != nil {
			return err
		}
		a, err := s.ownedAddress(ctx, book, id)
		if err != nil {
			return err
		}
		if err := checkVersion(expectedVersion, a.Version); err != nil {
			return err
		}
		if err := s.db.Conn(ctx).Delete(&models.Address{}, "id = ?", a.ID).Error; err != nil {
			return dbErr(err, "", "")
		}
		return s.audit(ctx, actor, "address.deleted", "address", a.ID, diff(addressSnapshot(&a), nil))
	})
}

// ReplaceMyAddresses replaces the calling customer's whole address book, by the rules of
// ReplaceCustomerAddresses.
func (s *Service) ReplaceMyAddresses(ctx context.Context, actor auth.Principal, in []AddressInput, expectedVersion *int) ([]models.Address, error) {
	if err := requireCustomer(actor); err != nil {
		return nil, err
	}
	return s.replaceAddresses(ctx, actor, actor.ID, in, expectedVersion)
}

// ReplaceCustomerAddresses replaces a customer's whole address book in one transaction. At
// most one address may be marked default of each kind; when none is, the first one is.
// expectedVersion, when set, must be the customer's version.
func (s *Service) ReplaceCustomerAddresses(ctx context.Context, actor auth.Principal, customerID string, in []AddressInput, expectedVersion *int) ([]models.Address, error) {
	if err := requireAdmin(actor, PermCustomersWrite); err != nil {
		return nil, err
	}
	return s.replaceAddresses(ctx, actor, customerID, in, expectedVersion)
}

func (s *Service) replaceAddresses(ctx context.Context, actor auth.Principal, customerID string, in []AddressInput, expectedVersion *int) ([]models.Address, error) {
	if len(in) > MaxAddresses {
		return nil, apperr.Invalid("addresses", "At most "+itoa(MaxAddresses)+" addresses are allowed.")
	}
	addrs := make([]models.Address, len(in))
	var f apperr.Fields
	billing, shipping := -1, -1
	for i, ai := range in {
		prefix := "addresses[" + itoa(i) + "]."
		addrs[i] = s.newAddress(customerBook(customerID), ai)
		s.checkAddress(&f, prefix, &addrs[i], ai.Region)
		for _, d := range []struct {
			want  *bool
			index *int
			field string
		}{{ai.IsDefaultBilling, &billing, "isDefaultBilling"}, {ai.IsDefaultShipping, &shipping, "isDefaultShipping"}} {
			if d.want != nil && *d.want {
				if *d.index >= 0 {
					f.Add(prefix+d.field, "Only one address may be the default of each kind.")
				}
				*d.index = i
			}
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if len(addrs) > 0 {
		billing, shipping = max(billing, 0), max(shipping, 0)
		addrs[billing].DefaultBillingOf = &customerID
		addrs[shipping].DefaultShippingOf = &customerID
	}
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		if _, err := s.lockAddressBook(ctx, customerBook(customerID)); err != nil {
			return err
		}
		if expectedVersion != nil {
			c, err := s.loadCustomer(ctx, customerID)
			if err != nil {
				return err
			}
			if err := checkVersion(expectedVersion, c.Version); err != nil {
				return err
			}
		}
		conn := s.db.Conn(ctx)
		var old []models.Address
		if err := conn.Where("customer_id = ?", customerID).Find(&old).Error; err != nil {
			return dbErr(err, "", "")
		}
		if err := conn.Where("customer_id = ?", customerID).Delete(&models.Address{}).Error; err != nil {
			return dbErr(err, "", "")
		}
		if len(addrs) > 0 {
			if err := conn.Create(&addrs).Error; err != nil {
				return dbErr(err, "Address", "")
			}
		}
		ids := func(as []models.Address) []string {
			out := make([]string, len(as))
			for i := range as {
				out[i] = as[i].ID
			}
			return out
		}
		return s.audit(ctx, actor, "customer.addresses_replaced", "customer", customerID,
			map[string]Change{"addresses": {From: ids(old), To: ids(addrs)}})
	})
	if err != nil {
		return nil, err
	}
	return addrs, nil
}

// MaxAddresses bounds an address book replaced at once.
const MaxAddresses = 100

// addressSnapshot is what the audit trail records of an address.
func addressSnapshot(a *models.Address) map[string]any {
	return map[string]any{
		"label": a.Label, "firstName": a.FirstName, "middleName": a.MiddleName, "lastName": a.LastName,
		"prefix": a.Prefix, "suffix": a.Suffix, "company": a.Company, "street": []string(a.Street), "city": a.City,
		"regionCode": a.RegionCode, "regionName": a.RegionName, "postalCode": a.PostalCode, "countryCode": a.CountryCode,
		"phone": a.Phone, "fax": a.Fax, "vatId": a.VatID, "type": a.Type,
		"isDefaultBilling": a.IsDefaultBilling(), "isDefaultShipping": a.IsDefaultShipping(),
	}
}
