package models

import "time"

// Address types.
const (
	AddressBilling            = "BILLING"
	AddressShipping           = "SHIPPING"
	AddressBillingAndShipping = "BILLING_AND_SHIPPING"
)

// Address belongs to one customer (CustomerID) or one company (CompanyID).
type Address struct {
	ID          string     `gorm:"primaryKey;size:36"`
	CustomerID  *string    `gorm:"size:36"`
	CompanyID   *string    `gorm:"size:36"`
	Label       *string    `gorm:"size:255"`
	FirstName   string     `gorm:"size:255;not null"`
	MiddleName  *string    `gorm:"size:255"`
	LastName    string     `gorm:"size:255;not null"`
	Prefix      *string    `gorm:"size:40"`
	Suffix      *string    `gorm:"size:40"`
	Company     *string    `gorm:"size:255"`
	Street      StringList `gorm:"type:text;not null"`
	City        string     `gorm:"size:255;not null"`
	RegionCode  *string    `gorm:"size:16"`
	RegionName  *string    `gorm:"size:255"`
	PostalCode  *string    `gorm:"size:32"`
	CountryCode string     `gorm:"size:2;not null"`
	Phone       *string    `gorm:"size:64"`
	Fax         *string    `gorm:"size:64"`
	VatID       *string    `gorm:"column:vat_id;size:64"`
	Type        string     `gorm:"size:24;not null"`
	// DefaultBillingOf and DefaultShippingOf hold the owner's id while this is its default
	// (NULL otherwise); unique indexes keep one default of each kind per owner.
	DefaultBillingOf  *string   `gorm:"size:36"`
	DefaultShippingOf *string   `gorm:"size:36"`
	Version           int       `gorm:"not null"`
	CreatedAt         time.Time `gorm:"precision:6;not null"`
	UpdatedAt         time.Time `gorm:"precision:6;not null"`
}

// IsDefaultBilling reports whether this is its owner's default billing address.
func (a *Address) IsDefaultBilling() bool { return a.DefaultBillingOf != nil }

// IsDefaultShipping reports whether this is its owner's default shipping address.
func (a *Address) IsDefaultShipping() bool { return a.DefaultShippingOf != nil }

// OwnerID is the id of the customer or company the address belongs to.
func (a *Address) OwnerID() string {
	if a.CustomerID != nil {
		return *a.CustomerID
	}
	if a.CompanyID != nil {
		return *a.CompanyID
	}
	return ""
}

// Country is an ISO 3166-1 country.
type Country struct {
	Code    string   `gorm:"primaryKey;size:2"`
	Name    string   `gorm:"size:255;not null"`
	Regions []Region `gorm:"-"`
}

// Region is a subdivision of a country (a US state, a CA province).
type Region struct {
	CountryCode string `gorm:"primaryKey;size:2"`
	Code        string `gorm:"primaryKey;size:16"`
	Name        string `gorm:"size:255;not null"`
}

// CustomerGroup groups customers (for pricing, segments). IsSystem marks the seeded groups.
type CustomerGroup struct {
	ID          string     `gorm:"primaryKey;size:36"`
	Name        string     `gorm:"size:255;not null"`
	NameKey     string     `gorm:"size:255;not null"`
	Description *string    `gorm:"size:1024"`
	Metadata    JSONObject `gorm:"type:text;not null"`
	IsSystem    bool       `gorm:"not null"`
	Version     int        `gorm:"not null"`
	CreatedAt   time.Time  `gorm:"precision:6;not null"`
	UpdatedAt   time.Time  `gorm:"precision:6;not null"`
}

// CustomerGroupMember puts a customer in a group.
type CustomerGroupMember struct {
	GroupID    string    `gorm:"primaryKey;size:36"`
	CustomerID string    `gorm:"primaryKey;size:36"`
	CreatedAt  time.Time `gorm:"precision:6;not null"`
}
