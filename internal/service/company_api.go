package service

// This file is the public surface of the company (B2B) part of the service; the bodies are
// in companies.go, company_users.go, company_roles.go and company_teams.go.

import (
	"github.com/clientele/clientele/models"
)

// Company permissions (the company permission catalogue) and the admin permissions that
// reach every company.
const (
	CompanyView            = "company:view"
	CompanyEdit            = "company:edit"
	CompanyAddressesManage = "company:addresses:manage"
	CompanyUsersView       = "company:users:view"
	CompanyUsersManage     = "company:users:manage"
	CompanyRolesManage     = "company:roles:manage"
	CompanyTeamsManage     = "company:teams:manage"

	PermCompaniesRead  = "companies:read"
	PermCompaniesWrite = "companies:write"
)

// Names of the roles every company is created with.
const (
	CompanyAdministrator = "Company Administrator"
	CompanyDefaultUser   = "Default User"
)

// CompanyInput creates a company. An admin must name OwnerID and may set Status; a customer
// becomes the owner itself and its company starts in CLIENTELE_COMPANY_DEFAULT_STATUS.
type CompanyInput struct {
	Name             string
	LegalName        *string
	Description      *string
	Email            *string
	Phone            *string
	VatID            *string
	BusinessCategory *string
	ExternalID       *string
	Status           *string
	ParentID         *string
	OwnerID          *string
	Metadata         map[string]any
	Attributes       []models.Attribute
}

// CompanyPatch is a merge patch of a company. Status is for admins; OwnerID moves ownership
// to an active member (admins and the owner only).
type CompanyPatch struct {
	Name             *string
	LegalName        Clearable[string]
	Description      Clearable[string]
	Email            Clearable[string]
	Phone            Clearable[string]
	VatID            Clearable[string]
	BusinessCategory Clearable[string]
	ExternalID       Clearable[string]
	Status           *string
	ParentID         Clearable[string]
	OwnerID          *string
	Metadata         *map[string]any
	Attributes       *[]models.Attribute
	ExpectedVersion  *int
}

// CompanyFilter narrows the company list; empty fields do not filter.
type CompanyFilter struct {
	Search   string // part of the name
	Name     string // the whole name, case-insensitively: names are not unique
	Status   string
	ParentID string
}

// CompanyRegistration is the company a person registers together with its owner account.
type CompanyRegistration struct {
	Name             string
	LegalName        *string
	Email            *string
	Phone            *string
	VatID            *string
	BusinessCategory *string
	Description      *string
	Address          *AddressInput
}

// Registration is what registerCustomer creates: the customer and, when asked, its company.
type Registration struct {
	Customer models.Customer
	Company  *models.Company
}

// CompanyRoleView is a company role with the number of users holding it.
type CompanyRoleView struct {
	models.CompanyRole
	UsersCount int
}

// CompanyUserView is a membership with what its responses show: the customer's profile, the
// roles in the order given, the first of them (Role, what Magento clients read) and the team.
type CompanyUserView struct {
	models.CompanyUser
	Customer models.Customer
	Role     CompanyRoleView
	Roles    []CompanyRoleView
	Team     *models.CompanyTeam
}

// CompanyUserInput adds a user to a company. Without CustomerID a customer is created for
// Email (without a password, so it gets an INVITATION); CustomerID, admins only, attaches an
// existing customer. RoleID (one role) or RoleIDs (several, the first being the user's role;
// nil: not given) name the roles; neither is the company's Default User role.
type CompanyUserInput struct {
	CustomerID *string
	Email      *string
	FirstName  *string
	LastName   *string
	Phone      *string
	JobTitle   *string
	RoleID     *string
	RoleIDs    []string
	TeamID     *string
	Status     *string
}

// CompanyUserPatch is a merge patch of a membership; Email, FirstName, LastName and Phone
// edit the customer. RoleID or RoleIDs (nil: not given) replace the roles.
type CompanyUserPatch struct {
	Email           *string
	FirstName       *string
	LastName        *string
	Phone           Clearable[string]
	JobTitle        Clearable[string]
	RoleID          *string
	RoleIDs         []string
	TeamID          Clearable[string]
	Status          *string
	ExpectedVersion *int
}

// CompanyRoleInput creates a company role.
type CompanyRoleInput struct {
	Name        string
	Permissions []string
}

// CompanyRolePatch is a merge patch of a company role.
type CompanyRolePatch struct {
	Name            *string
	Permissions     *[]string
	ExpectedVersion *int
}

// CompanyTeamInput creates a team.
type CompanyTeamInput struct {
	Name        string
	Description *string
}

// CompanyTeamPatch is a merge patch of a team.
type CompanyTeamPatch struct {
	Name            *string
	Description     Clearable[string]
	ExpectedVersion *int
}
