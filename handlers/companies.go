package handlers

import (
	"context"

	"github.com/oapi-codegen/nullable"

	"github.com/clientele/clientele/api"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/models"
)

// companies converts companies the caller was allowed to read, with their address books
// (one statement for the lot).
func (s *Server) companies(ctx context.Context, cs []models.Company) ([]api.Company, error) {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	books, err := s.svc.CompanyAddressesOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]api.Company, len(cs))
	for i, c := range cs {
		out[i] = toAPICompany(c, s.addresses(ctx, books[c.ID]))
	}
	return out, nil
}

func (s *Server) company(ctx context.Context, c models.Company) (api.Company, error) {
	out, err := s.companies(ctx, []models.Company{c})
	if err != nil {
		return api.Company{}, err
	}
	return out[0], nil
}

// ListCompanies returns a page of the companies the caller may view.
func (s *Server) ListCompanies(ctx context.Context, r api.ListCompaniesRequestObject) (api.ListCompaniesResponseObject, error) {
	p := r.Params
	filter := service.CompanyFilter{Search: orZero(p.Search), Name: orZero(p.Name), Status: string(orZero(p.Status)), ParentID: orZero(p.ParentId)}
	page, err := s.svc.ListCompanies(ctx, actor(ctx), filter, pageArgs(p.Limit, p.Cursor, p.WithTotal))
	if err != nil {
		return nil, err
	}
	items, err := s.companies(ctx, page.Items)
	if err != nil {
		return nil, err
	}
	return api.ListCompanies200JSONResponse{Items: items, NextCursor: nextCursor(page.NextCursor), TotalCount: page.Total}, nil
}

// GetCompany returns one company.
func (s *Server) GetCompany(ctx context.Context, r api.GetCompanyRequestObject) (api.GetCompanyResponseObject, error) {
	found, err := s.svc.GetCompany(ctx, actor(ctx), r.Id)
	if err != nil {
		return nil, err
	}
	c, err := s.company(ctx, found)
	if err != nil {
		return nil, err
	}
	return api.GetCompany200JSONResponse{Body: c, Headers: api.GetCompany200ResponseHeaders{ETag: etag(c.Version)}}, nil
}

// CreateCompany creates a company; a customer becomes its owner.
func (s *Server) CreateCompany(ctx context.Context, r api.CreateCompanyRequestObject) (api.CreateCompanyResponseObject, error) {
	in := orZero(r.Body)
	c, err := s.svc.CreateCompany(ctx, actor(ctx), service.CompanyInput{
		Name: in.Name, LegalName: in.LegalName, Description: in.Description, Email: in.Email, Phone: in.Phone,
		VatID: in.VatId, BusinessCategory: in.BusinessCategory, ExternalID: in.ExternalId, Status: strOf(in.Status),
		ParentID: in.ParentId, OwnerID: in.OwnerId, Metadata: orZero(in.Metadata), Attributes: fromAPIAttributes(in.Attributes),
	})
	if err != nil {
		return nil, err
	}
	// A company created here has no address yet (its input takes none): no book to read.
	return api.CreateCompany201JSONResponse(toAPICompany(c, []api.Address{})), nil
}

// UpdateCompany applies a merge patch to a company.
func (s *Server) UpdateCompany(ctx context.Context, r api.UpdateCompanyRequestObject) (api.UpdateCompanyResponseObject, error) {
	in := patchBody(r.JSONBody, r.ApplicationMergePatchPlusJSONBody)
	expected, err := ifMatchVersion(r.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	updated, err := s.svc.UpdateCompany(ctx, actor(ctx), r.Id, service.CompanyPatch{
		Name: in.Name, LegalName: clearable(in.LegalName), Description: clearable(in.Description), Email: clearable(in.Email),
		Phone: clearable(in.Phone), VatID: clearable(in.VatId), BusinessCategory: clearable(in.BusinessCategory),
		ExternalID: clearable(in.ExternalId), Status: strOf(in.Status), ParentID: clearable(in.ParentId), OwnerID: in.OwnerId,
		Metadata: metadataPatch(in.Metadata), Attributes: attributesPatch(in.Attributes), ExpectedVersion: expected,
	})
	if err != nil {
		return nil, err
	}
	c, err := s.company(ctx, updated)
	if err != nil {
		return nil, err
	}
	return api.UpdateCompany200JSONResponse(c), nil
}

// DeleteCompany deletes a company.
func (s *Server) DeleteCompany(ctx context.Context, r api.DeleteCompanyRequestObject) (api.DeleteCompanyResponseObject, error) {
	expected, err := ifMatchVersion(r.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	if err := s.svc.DeleteCompany(ctx, actor(ctx), r.Id, expected); err != nil {
		return nil, err
	}
	return api.DeleteCompany204Response{}, nil
}

// ListCompanyAddresses returns a company's address book.
func (s *Server) ListCompanyAddresses(ctx context.Context, r api.ListCompanyAddressesRequestObject) (api.ListCompanyAddressesResponseObject, error) {
	book, err := s.svc.ListCompanyAddresses(ctx, actor(ctx), r.CompanyId)
	if err != nil {
		return nil, err
	}
	return api.ListCompanyAddresses200JSONResponse{Items: s.addresses(ctx, book)}, nil
}

// CreateCompanyAddress adds an address to a company's book.
func (s *Server) CreateCompanyAddress(ctx context.Context, r api.CreateCompanyAddressRequestObject) (api.CreateCompanyAddressResponseObject, error) {
	a, err := s.svc.CreateCompanyAddress(ctx, actor(ctx), r.CompanyId, fromAPIAddress(orZero(r.Body)))
	if err != nil {
		return nil, err
	}
	return api.CreateCompanyAddress201JSONResponse(s.address(ctx, a)), nil
}

// UpdateCompanyAddress patches one of a company's addresses.
func (s *Server) UpdateCompanyAddress(ctx context.Context, r api.UpdateCompanyAddressRequestObject) (api.UpdateCompanyAddressResponseObject, error) {
	p, err := addressPatch(r.JSONBody, r.ApplicationMergePatchPlusJSONBody, r.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	a, err := s.svc.UpdateCompanyAddress(ctx, actor(ctx), r.CompanyId, r.Id, p)
	if err != nil {
		return nil, err
	}
	return api.UpdateCompanyAddress200JSONResponse(s.address(ctx, a)), nil
}

// DeleteCompanyAddress removes one of a company's addresses.
func (s *Server) DeleteCompanyAddress(ctx context.Context, r api.DeleteCompanyAddressRequestObject) (api.DeleteCompanyAddressResponseObject, error) {
	expected, err := ifMatchVersion(r.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	if err := s.svc.DeleteCompanyAddress(ctx, actor(ctx), r.CompanyId, r.Id, expected); err != nil {
		return nil, err
	}
	return api.DeleteCompanyAddress204Response{}, nil
}

// ListCompanyUsers returns a page of a company's users.
func (s *Server) ListCompanyUsers(ctx context.Context, r api.ListCompanyUsersRequestObject) (api.ListCompanyUsersResponseObject, error) {
	p := r.Params
	page, err := s.svc.ListCompanyUsers(ctx, actor(ctx), r.CompanyId, pageArgs(p.Limit, p.Cursor, p.WithTotal))
	if err != nil {
		return nil, err
	}
	return api.ListCompanyUsers200JSONResponse{Items: toAPICompanyUsers(page.Items), NextCursor: nextCursor(page.NextCursor), TotalCount: page.Total}, nil
}

// CreateCompanyUser adds a customer to a company, inviting a new one by email.
func (s *Server) CreateCompanyUser(ctx context.Context, r api.CreateCompanyUserRequestObject) (api.CreateCompanyUserResponseObject, error) {
	in := orZero(r.Body)
	u, err := s.svc.CreateCompanyUser(ctx, actor(ctx), r.CompanyId, service.CompanyUserInput{
		CustomerID: in.CustomerId, Email: in.Email, FirstName: in.FirstName, LastName: in.LastName, Phone: in.Phone,
		JobTitle: in.JobTitle, RoleID: in.RoleId, RoleIDs: orZero(in.RoleIds), TeamID: in.TeamId, Status: strOf(in.Status),
	})
	if err != nil {
		return nil, err
	}
	return api.CreateCompanyUser201JSONResponse(toAPICompanyUser(u)), nil
}

// UpdateCompanyUser applies a merge patch to a company user and its customer.
func (s *Server) UpdateCompanyUser(ctx context.Context, r api.UpdateCompanyUserRequestObject) (api.UpdateCompanyUserResponseObject, error) {
	in := patchBody(r.JSONBody, r.ApplicationMergePatchPlusJSONBody)
	expected, err := ifMatchVersion(r.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	u, err := s.svc.UpdateCompanyUser(ctx, actor(ctx), r.CompanyId, r.Id, service.CompanyUserPatch{
		Email: in.Email, FirstName: in.FirstName, LastName: in.LastName, Phone: clearable(in.Phone),
		JobTitle: clearable(in.JobTitle), RoleID: in.RoleId, RoleIDs: orZero(in.RoleIds), TeamID: clearable(in.TeamId), Status: strOf(in.Status),
		ExpectedVersion: expected,
	})
	if err != nil {
		return nil, err
	}
	return api.UpdateCompanyUser200JSONResponse(toAPICompanyUser(u)), nil
}

// DeleteCompanyUser removes a customer from a company.
func (s *Server) DeleteCompanyUser(ctx context.Context, r api.DeleteCompanyUserRequestObject) (api.DeleteCompanyUserResponseObject, error) {
	expected, err := ifMatchVersion(r.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	if err := s.svc.DeleteCompanyUser(ctx, actor(ctx), r.CompanyId, r.Id, expected); err != nil {
		return nil, err
	}
	return api.DeleteCompanyUser204Response{}, nil
}

// ListCompanyRoles returns a company's roles.
func (s *Server) ListCompanyRoles(ctx context.Context, r api.ListCompanyRolesRequestObject) (api.ListCompanyRolesResponseObject, error) {
	roles, err := s.svc.ListCompanyRoles(ctx, actor(ctx), r.CompanyId)
	if err != nil {
		return nil, err
	}
	return api.ListCompanyRoles200JSONResponse{Items: toAPICompanyRoles(roles)}, nil
}

// CreateCompanyRole creates a company role.
func (s *Server) CreateCompanyRole(ctx context.Context, r api.CreateCompanyRoleRequestObject) (api.CreateCompanyRoleResponseObject, error) {
	in := orZero(r.Body)
	role, err := s.svc.CreateCompanyRole(ctx, actor(ctx), r.CompanyId, service.CompanyRoleInput{Name: in.Name, Permissions: in.Permissions})
	if err != nil {
		return nil, err
	}
	return api.CreateCompanyRole201JSONResponse(toAPICompanyRole(role)), nil
}

// UpdateCompanyRole patches a company role; If-Match or expectedVersion guard against lost
// updates.
func (s *Server) UpdateCompanyRole(ctx context.Context, r api.UpdateCompanyRoleRequestObject) (api.UpdateCompanyRoleResponseObject, error) {
	in := patchBody(r.JSONBody, r.ApplicationMergePatchPlusJSONBody)
	expected, err := expectedVersion(r.Params.IfMatch, in.ExpectedVersion)
	if err != nil {
		return nil, err
	}
	role, err := s.svc.UpdateCompanyRole(ctx, actor(ctx), r.CompanyId, r.Id, service.CompanyRolePatch{
		Name: in.Name, Permissions: in.Permissions, ExpectedVersion: expected,
	})
	if err != nil {
		return nil, err
	}
	return api.UpdateCompanyRole200JSONResponse(toAPICompanyRole(role)), nil
}

// DeleteCompanyRole deletes a company role.
func (s *Server) DeleteCompanyRole(ctx context.Context, r api.DeleteCompanyRoleRequestObject) (api.DeleteCompanyRoleResponseObject, error) {
	expected, err := ifMatchVersion(r.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	if err := s.svc.DeleteCompanyRole(ctx, actor(ctx), r.CompanyId, r.Id, expected); err != nil {
		return nil, err
	}
	return api.DeleteCompanyRole204Response{}, nil
}

// teams converts a company's teams with their users (one service call for all of them).
func (s *Server) teams(ctx context.Context, companyID string, ts []models.CompanyTeam) ([]api.CompanyTeam, error) {
	ids := make([]string, len(ts))
	for i := range ts {
		ids[i] = ts[i].ID
	}
	users, err := s.svc.TeamUsers(ctx, actor(ctx), companyID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]api.CompanyTeam, len(ts))
	for i, t := range ts {
		out[i] = toAPICompanyTeam(t)
		if users != nil { // nil: the caller may not see the company's users
			members := toAPICompanyUsers(users[t.ID])
			out[i].Users = &members
		}
	}
	return out, nil
}

// ListCompanyTeams returns a company's teams with their users.
func (s *Server) ListCompanyTeams(ctx context.Context, r api.ListCompanyTeamsRequestObject) (api.ListCompanyTeamsResponseObject, error) {
	found, err := s.svc.ListCompanyTeams(ctx, actor(ctx), r.CompanyId)
	if err != nil {
		return nil, err
	}
	items, err := s.teams(ctx, r.CompanyId, found)
	if err != nil {
		return nil, err
	}
	return api.ListCompanyTeams200JSONResponse{Items: items}, nil
}

// CreateCompanyTeam creates a team in a company.
func (s *Server) CreateCompanyTeam(ctx context.Context, r api.CreateCompanyTeamRequestObject) (api.CreateCompanyTeamResponseObject, error) {
	in := orZero(r.Body)
	t, err := s.svc.CreateCompanyTeam(ctx, actor(ctx), r.CompanyId, service.CompanyTeamInput{Name: in.Name, Description: in.Description})
	if err != nil {
		return nil, err
	}
	out, err := s.teams(ctx, r.CompanyId, []models.CompanyTeam{t})
	if err != nil {
		return nil, err
	}
	return api.CreateCompanyTeam201JSONResponse(out[0]), nil
}

// UpdateCompanyTeam patches a team; If-Match or expectedVersion guard against lost updates.
func (s *Server) UpdateCompanyTeam(ctx context.Context, r api.UpdateCompanyTeamRequestObject) (api.UpdateCompanyTeamResponseObject, error) {
	in := patchBody(r.JSONBody, r.ApplicationMergePatchPlusJSONBody)
	expected, err := expectedVersion(r.Params.IfMatch, in.ExpectedVersion)
	if err != nil {
		return nil, err
	}
	updated, err := s.svc.UpdateCompanyTeam(ctx, actor(ctx), r.CompanyId, r.Id, service.CompanyTeamPatch{
		Name: in.Name, Description: clearable(in.Description), ExpectedVersion: expected,
	})
	if err != nil {
		return nil, err
	}
	out, err := s.teams(ctx, r.CompanyId, []models.CompanyTeam{updated})
	if err != nil {
		return nil, err
	}
	return api.UpdateCompanyTeam200JSONResponse(out[0]), nil
}

// DeleteCompanyTeam deletes a team; its users stay in the company.
func (s *Server) DeleteCompanyTeam(ctx context.Context, r api.DeleteCompanyTeamRequestObject) (api.DeleteCompanyTeamResponseObject, error) {
	expected, err := ifMatchVersion(r.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	if err := s.svc.DeleteCompanyTeam(ctx, actor(ctx), r.CompanyId, r.Id, expected); err != nil {
		return nil, err
	}
	return api.DeleteCompanyTeam204Response{}, nil
}

// ListCompanyPermissions returns the company permission catalogue.
func (s *Server) ListCompanyPermissions(ctx context.Context, _ api.ListCompanyPermissionsRequestObject) (api.ListCompanyPermissionsResponseObject, error) {
	perms, err := s.svc.CompanyPermissions(ctx, actor(ctx))
	if err != nil {
		return nil, err
	}
	items := make([]api.Permission, len(perms))
	for i, p := range perms {
		items[i] = api.Permission{Name: p.Name, Description: p.Description}
	}
	return api.ListCompanyPermissions200JSONResponse{Items: items}, nil
}

// toAPICompany converts a company with its converted address book; the defaults are the
// book's default addresses.
func toAPICompany(c models.Company, book []api.Address) api.Company {
	billing, shipping := defaultAddresses(book)
	return api.Company{
		Id:                     c.ID,
		Name:                   c.Name,
		LegalName:              nullableOf(c.LegalName),
		Description:            nullableOf(c.Description),
		Email:                  nullableOf(c.Email),
		Phone:                  nullableOf(c.Phone),
		VatId:                  nullableOf(c.VatID),
		BusinessCategory:       nullableOf(c.BusinessCategory),
		ExternalId:             nullableOf(c.ExternalID),
		Status:                 api.CompanyStatus(c.Status),
		ParentId:               nullableOf(c.ParentID),
		OwnerId:                c.OwnerID,
		Addresses:              book,
		DefaultBillingAddress:  billing,
		DefaultShippingAddress: shipping,
		Metadata:               api.Metadata(nonNilMap(c.Metadata)),
		Attributes:             toAPIAttributes(c.Attributes),
		Version:                c.Version,
		CreatedAt:              c.CreatedAt,
		UpdatedAt:              c.UpdatedAt,
	}
}

func toAPICompanyRole(r service.CompanyRoleView) api.CompanyRole {
	return api.CompanyRole{
		Id:          r.ID,
		CompanyId:   r.CompanyID,
		Name:        r.Name,
		Permissions: nonNil(r.Permissions),
		UsersCount:  r.UsersCount,
		Version:     r.Version,
		CreatedAt:   r.CreatedAt,
		UpdatedAt:   r.UpdatedAt,
	}
}

func toAPICompanyRoles(rs []service.CompanyRoleView) []api.CompanyRole {
	out := make([]api.CompanyRole, len(rs))
	for i, r := range rs {
		out[i] = toAPICompanyRole(r)
	}
	return out
}

// toAPICompanyUser converts a membership; its id, email, names and phone are the customer's.
func toAPICompanyUser(u service.CompanyUserView) api.CompanyUser {
	team := nullable.NewNullNullable[api.CompanyTeamRef]()
	if u.Team != nil {
		team.Set(api.CompanyTeamRef{Id: u.Team.ID, Name: u.Team.Name})
	}
	return api.CompanyUser{
		Id:        u.CustomerID,
		CompanyId: u.CompanyID,
		Email:     u.Customer.Email,
		FirstName: u.Customer.FirstName,
		LastName:  u.Customer.LastName,
		Phone:     nullableOf(u.Customer.Phone),
		JobTitle:  nullableOf(u.JobTitle),
		Role:      toAPICompanyRole(u.Role),
		Roles:     toAPICompanyRoles(u.Roles),
		Status:    api.CompanyUserStatus(u.Status),
		Team:      team,
		Version:   u.Version,
		CreatedAt: u.CreatedAt,
		UpdatedAt: u.UpdatedAt,
	}
}

func toAPICompanyUsers(us []service.CompanyUserView) []api.CompanyUser {
	out := make([]api.CompanyUser, len(us))
	for i, u := range us {
		out[i] = toAPICompanyUser(u)
	}
	return out
}

func toAPICompanyTeam(t models.CompanyTeam) api.CompanyTeam {
	return api.CompanyTeam{
		Id:          t.ID,
		CompanyId:   t.CompanyID,
		Name:        t.Name,
		Description: nullableOf(t.Description),
		Version:     t.Version,
		CreatedAt:   t.CreatedAt,
		UpdatedAt:   t.UpdatedAt,
	}
}

// companyRegistration converts the company of a registration, if any.
func companyRegistration(in *api.CompanyRegistrationInput) *service.CompanyRegistration {
	if in == nil {
		return nil
	}
	var address *service.AddressInput
	if in.Address != nil {
		a := fromAPIAddress(*in.Address)
		address = &a
	}
	return &service.CompanyRegistration{
		Name: in.Name, LegalName: in.LegalName, Email: in.Email, Phone: in.Phone, VatID: in.VatId,
		BusinessCategory: in.BusinessCategory, Description: in.Description, Address: address,
	}
}
