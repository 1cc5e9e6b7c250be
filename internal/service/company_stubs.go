package service

import (
	"context"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/models"
)

// TEMPORARY: replaced by the real bodies in companies.go etc. while the APIs are wired.
var errNotYet = apperr.New(apperr.Internal, "not implemented yet")

func (s *Service) ListCompanies(ctx context.Context, actor auth.Principal, f CompanyFilter, args PageArgs) (Page[models.Company], error) {
	return Page[models.Company]{}, errNotYet
}
func (s *Service) GetCompany(ctx context.Context, actor auth.Principal, id string) (models.Company, error) {
	return models.Company{}, errNotYet
}
func (s *Service) CreateCompany(ctx context.Context, actor auth.Principal, in CompanyInput) (models.Company, error) {
	return models.Company{}, errNotYet
}
func (s *Service) UpdateCompany(ctx context.Context, actor auth.Principal, id string, p CompanyPatch) (models.Company, error) {
	return models.Company{}, errNotYet
}
func (s *Service) DeleteCompany(ctx context.Context, actor auth.Principal, id string, expectedVersion *int) error {
	return errNotYet
}
func (s *Service) CompanyParent(ctx context.Context, actor auth.Principal, c *models.Company) (*models.Company, error) {
	return nil, errNotYet
}
func (s *Service) CompanyChildren(ctx context.Context, actor auth.Principal, id string) ([]models.Company, error) {
	return nil, errNotYet
}
func (s *Service) CompanyOwner(ctx context.Context, actor auth.Principal, c *models.Company) (*models.Customer, error) {
	return nil, errNotYet
}
func (s *Service) ListCompanyAddresses(ctx context.Context, actor auth.Principal, companyID string) ([]models.Address, error) {
	return nil, errNotYet
}
func (s *Service) CreateCompanyAddress(ctx context.Context, actor auth.Principal, companyID string, in AddressInput) (models.Address, error) {
	return models.Address{}, errNotYet
}
func (s *Service) UpdateCompanyAddress(ctx context.Context, actor auth.Principal, companyID, id string, p AddressPatch) (models.Address, error) {
	return models.Address{}, errNotYet
}
func (s *Service) DeleteCompanyAddress(ctx context.Context, actor auth.Principal, companyID, id string, expectedVersion *int) error {
	return errNotYet
}
func (s *Service) ListCompanyUsers(ctx context.Context, actor auth.Principal, companyID string, args PageArgs) (Page[CompanyUserView], error) {
	return Page[CompanyUserView]{}, errNotYet
}
func (s *Service) CreateCompanyUser(ctx context.Context, actor auth.Principal, companyID string, in CompanyUserInput) (CompanyUserView, error) {
	return CompanyUserView{}, errNotYet
}
func (s *Service) UpdateCompanyUser(ctx context.Context, actor auth.Principal, companyID, id string, p CompanyUserPatch) (CompanyUserView, error) {
	return CompanyUserView{}, errNotYet
}
func (s *Service) DeleteCompanyUser(ctx context.Context, actor auth.Principal, companyID, id string, expectedVersion *int) error {
	return errNotYet
}
func (s *Service) MembershipsOf(ctx context.Context, customerIDs []string) (map[string][]CompanyUserView, error) {
	return nil, errNotYet
}
func (s *Service) VisibleCustomer(actor auth.Principal, c *models.Customer) *models.Customer { return nil }
func (s *Service) TeamUsers(ctx context.Context, actor auth.Principal, companyID string, teamIDs []string) (map[string][]CompanyUserView, error) {
	return nil, errNotYet
}
func (s *Service) CompanyPermissions(ctx context.Context, actor auth.Principal) ([]Permission, error) {
	return nil, errNotYet
}
func (s *Service) ListCompanyRoles(ctx context.Context, actor auth.Principal, companyID string) ([]CompanyRoleView, error) {
	return nil, errNotYet
}
func (s *Service) CreateCompanyRole(ctx context.Context, actor auth.Principal, companyID string, in CompanyRoleInput) (CompanyRoleView, error) {
	return CompanyRoleView{}, errNotYet
}
func (s *Service) UpdateCompanyRole(ctx context.Context, actor auth.Principal, companyID, id string, p CompanyRolePatch) (CompanyRoleView, error) {
	return CompanyRoleView{}, errNotYet
}
func (s *Service) DeleteCompanyRole(ctx context.Context, actor auth.Principal, companyID, id string, expectedVersion *int) error {
	return errNotYet
}
func (s *Service) ListCompanyTeams(ctx context.Context, actor auth.Principal, companyID string) ([]models.CompanyTeam, error) {
	return nil, errNotYet
}
func (s *Service) CreateCompanyTeam(ctx context.Context, actor auth.Principal, companyID string, in CompanyTeamInput) (models.CompanyTeam, error) {
	return models.CompanyTeam{}, errNotYet
}
func (s *Service) UpdateCompanyTeam(ctx context.Context, actor auth.Principal, companyID, id string, p CompanyTeamPatch) (models.CompanyTeam, error) {
	return models.CompanyTeam{}, errNotYet
}
func (s *Service) DeleteCompanyTeam(ctx context.Context, actor auth.Principal, companyID, id string, expectedVersion *int) error {
	return errNotYet
}

type newCompany struct{ models.Company }

func (s *Service) registeredCompany(f *apperr.Fields, ownerID string, in CompanyRegistration) *newCompany {
	return &newCompany{}
}
func (s *Service) insertCompany(ctx context.Context, actor auth.Principal, c *newCompany) error {
	return errNotYet
}
