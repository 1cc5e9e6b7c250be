package models

import "time"

// Company statuses.
const (
	CompanyPendingApproval = "PENDING_APPROVAL"
	CompanyActive          = "ACTIVE"
	CompanyBlocked         = "BLOCKED"
	CompanyRejected        = "REJECTED"
)

// Company is an organisation of customers (B2B). ParentID builds the hierarchy; OwnerID is
// the customer who owns it and always holds its Company Administrator role.
type Company struct {
	ID               string     `gorm:"primaryKey;size:36"`
	Name             string     `gorm:"size:255;not null"`
	NameKey          string     `gorm:"size:255;not null"`
	LegalName        *string    `gorm:"size:255"`
	Description      *string    `gorm:"size:4096"`
	Email            *string    `gorm:"size:254"`
	Phone            *string    `gorm:"size:64"`
	VatID            *string    `gorm:"column:vat_id;size:64"`
	BusinessCategory *string    `gorm:"size:255"`
	ExternalID       *string    `gorm:"column:external_id;size:255"`
	Status           string     `gorm:"size:24;not null"`
	ParentID         *string    `gorm:"size:36"`
	OwnerID          string     `gorm:"size:36;not null"`
	Metadata         JSONObject `gorm:"type:text;not null"`
	Attributes       Attributes `gorm:"type:text;not null"`
	Version          int        `gorm:"not null"`
	CreatedAt        time.Time  `gorm:"precision:6;not null"`
	UpdatedAt        time.Time  `gorm:"precision:6;not null"`
}

// Kinds of the two roles every company is created with: the administrator role can't change
// or go, the default role (what new users get) can change but not go.
const (
	CompanyRoleAdministrator = "ADMINISTRATOR"
	CompanyRoleDefault       = "DEFAULT"
)

// CompanyRole is a named set of company permissions, unique by name within its company.
type CompanyRole struct {
	ID          string     `gorm:"primaryKey;size:36"`
	CompanyID   string     `gorm:"size:36;not null"`
	Name        string     `gorm:"size:255;not null"`
	NameKey     string     `gorm:"size:255;not null"`
	Permissions StringList `gorm:"type:text;not null"`
	Kind        *string    `gorm:"size:16"` // nil for roles the company made
	Version     int        `gorm:"not null"`
	CreatedAt   time.Time  `gorm:"precision:6;not null"`
	UpdatedAt   time.Time  `gorm:"precision:6;not null"`
}

// CompanyTeam is a named group of a company's users.
type CompanyTeam struct {
	ID          string    `gorm:"primaryKey;size:36"`
	CompanyID   string    `gorm:"size:36;not null"`
	Name        string    `gorm:"size:255;not null"`
	NameKey     string    `gorm:"size:255;not null"`
	Description *string   `gorm:"size:1024"`
	Version     int       `gorm:"not null"`
	CreatedAt   time.Time `gorm:"precision:6;not null"`
	UpdatedAt   time.Time `gorm:"precision:6;not null"`
}

// CompanyUser is a customer's membership in a company: its roles, team, job title and whether
// the membership is active. RoleIDs are its roles in the order given (CompanyUserRole rows);
// RoleID, a column, is always the first of them.
type CompanyUser struct {
	CompanyID  string    `gorm:"primaryKey;size:36"`
	CustomerID string    `gorm:"primaryKey;size:36"`
	RoleID     string    `gorm:"size:36;not null"`
	RoleIDs    []string  `gorm:"-"`
	TeamID     *string   `gorm:"size:36"`
	JobTitle   *string   `gorm:"size:255"`
	Status     string    `gorm:"size:16;not null"`
	Version    int       `gorm:"not null"`
	CreatedAt  time.Time `gorm:"precision:6;not null"`
	UpdatedAt  time.Time `gorm:"precision:6;not null"`
}

// CompanyUserRole is one of a membership's roles; Ordinal keeps the order they were given in.
type CompanyUserRole struct {
	CompanyID  string `gorm:"primaryKey;size:36"`
	CustomerID string `gorm:"primaryKey;size:36"`
	RoleID     string `gorm:"primaryKey;size:36"`
	Ordinal    int    `gorm:"not null"`
}
