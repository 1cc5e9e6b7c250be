package app_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/clientele/clientele/api"
)

// companyFace is the company (B2B) part of an API. Inputs are the REST wire types (or merge
// patches as maps); lists come back as REST shapes them: {items, nextCursor, totalCount}.
// An expectedVersion of 0 means an unconditional write; otherwise REST sends it as If-Match
// and GraphQL as the input's expectedVersion.
type companyFace interface {
	privacyFace
	// RegisterCompany registers a customer with a company and returns {customer, company}.
	RegisterCompany(in api.RegisterCustomerInput) result
	// MyMemberships and CustomerMemberships return a customer's companyMemberships as {items}.
	MyMemberships(token string) result
	CustomerMemberships(token, customerID string) result
	// CompanyCustomers lists the customers with companyId = companyID ({items, totalCount}).
	CompanyCustomers(token, companyID string) result

	ListCompanies(token string, p api.ListCompaniesParams) result
	GetCompany(token, id string) result
	CreateCompany(token string, in api.CreateCompanyInput) result
	UpdateCompany(token, id string, patch map[string]any, expectedVersion int) result
	DeleteCompany(token, id string) result
	// CompanyFamily returns {parent: id or nil, children: [ids]}: the parent the caller may
	// see and the children it may see (GraphQL: company { parent children }; REST: the parent's
	// getCompany and listCompanies?parentId=).
	CompanyFamily(token, id string) result

	CompanyAddresses(token, companyID string) result
	CreateCompanyAddress(token, companyID string, in api.AddressInput) result
	UpdateCompanyAddress(token, companyID, id string, patch map[string]any) result
	DeleteCompanyAddress(token, companyID, id string) result

	CompanyUsers(token, companyID string) result
	CreateCompanyUser(token, companyID string, in api.CreateCompanyUserInput) result
	UpdateCompanyUser(token, companyID, id string, patch map[string]any, expectedVersion int) result
	DeleteCompanyUser(token, companyID, id string) result

	CompanyRoles(token, companyID string) result
	CreateCompanyRole(token, companyID string, in api.CreateCompanyRoleInput) result
	UpdateCompanyRole(token, companyID, id string, patch map[string]any) result
	DeleteCompanyRole(token, companyID, id string) result

	CompanyTeams(token, companyID string) result
	CreateCompanyTeam(token, companyID string, in api.CreateCompanyTeamInput) result
	UpdateCompanyTeam(token, companyID, id string, patch map[string]any) result
	DeleteCompanyTeam(token, companyID, id string) result

	CompanyPermissions(token string) result
}

func eachCompanyFace(t *testing.T, e *env, fn func(t *testing.T, f companyFace)) {
	eachFace(t, e, func(t *testing.T, f face) { fn(t, f.(companyFace)) })
}

// ---- REST ----

func mergePatch(patch map[string]any) *bytes.Reader {
	b, _ := json.Marshal(patch)
	return bytes.NewReader(b)
}

// ifMatch is the If-Match header of an expected version (nil for 0: unconditional).
func ifMatch(version int) *string {
	if version == 0 {
		return nil
	}
	return ptr(`"` + strconv.Itoa(version) + `"`)
}

func (r *restFace) RegisterCompany(in api.RegisterCustomerInput) result {
	resp, err := r.e.rest.RegisterCustomerWithResponse(ctx, &api.RegisterCustomerParams{}, in)
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) MyMemberships(token string) result {
	res := r.Me(token)
	if res.Code == "" {
		res.Data = map[string]any{"items": res.Data["companyMemberships"]}
	}
	return res
}

func (r *restFace) CustomerMemberships(token, customerID string) result {
	res := r.GetCustomer(token, customerID)
	if res.Code == "" {
		res.Data = map[string]any{"items": res.Data["companyMemberships"]}
	}
	return res
}

func (r *restFace) CompanyCustomers(token, companyID string) result {
	return r.ListCustomers(token, api.ListCustomersParams{CompanyId: &companyID})
}

func (r *restFace) ListCompanies(token string, p api.ListCompaniesParams) result {
	resp, err := r.e.rest.ListCompaniesWithResponse(ctx, &p, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) GetCompany(token, id string) result {
	resp, err := r.e.rest.GetCompanyWithResponse(ctx, id, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

// companyETag is the ETag header of getCompany.
func (r *restFace) companyETag(token, id string) string {
	resp, err := r.e.rest.GetCompanyWithResponse(ctx, id, bearer(token))
	if err != nil || resp.StatusCode() != http.StatusOK {
		r.e.t.Fatalf("getCompany: %v %s", err, body(resp))
	}
	return resp.HTTPResponse.Header.Get("ETag")
}

func (r *restFace) CreateCompany(token string, in api.CreateCompanyInput) result {
	resp, err := r.e.rest.CreateCompanyWithResponse(ctx, &api.CreateCompanyParams{}, in, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

// createCompanyKeyed sends createCompany with an Idempotency-Key.
func (r *restFace) createCompanyKeyed(token, key string, in api.CreateCompanyInput) (*api.CreateCompanyResponse, result) {
	resp, err := r.e.rest.CreateCompanyWithResponse(ctx, &api.CreateCompanyParams{IdempotencyKey: &key}, in, bearer(token))
	return resp, restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) UpdateCompany(token, id string, patch map[string]any, expectedVersion int) result {
	resp, err := r.e.rest.UpdateCompanyWithBodyWithResponse(ctx, id, &api.UpdateCompanyParams{IfMatch: ifMatch(expectedVersion)},
		"application/merge-patch+json", mergePatch(patch), bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) DeleteCompany(token, id string) result {
	resp, err := r.e.rest.DeleteCompanyWithResponse(ctx, id, &api.DeleteCompanyParams{}, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) CompanyFamily(token, id string) result {
	c := r.GetCompany(token, id)
	if c.Code != "" {
		return c
	}
	var parent any
	if pid, ok := c.Data["parentId"].(string); ok && r.GetCompany(token, pid).Code == "" {
		parent = pid
	}
	kids := r.ListCompanies(token, api.ListCompaniesParams{ParentId: &id})
	if kids.Code != "" {
		return kids
	}
	children := []any{}
	for _, k := range kids.Data["items"].([]any) {
		children = append(children, k.(map[string]any)["id"])
	}
	c.Data = map[string]any{"parent": parent, "children": children}
	return c
}

func (r *restFace) CompanyAddresses(token, companyID string) result {
	resp, err := r.e.rest.ListCompanyAddressesWithResponse(ctx, companyID, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) CreateCompanyAddress(token, companyID string, in api.AddressInput) result {
	resp, err := r.e.rest.CreateCompanyAddressWithResponse(ctx, companyID, &api.CreateCompanyAddressParams{}, in, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) UpdateCompanyAddress(token, companyID, id string, patch map[string]any) result {
	resp, err := r.e.rest.UpdateCompanyAddressWithBodyWithResponse(ctx, companyID, id, &api.UpdateCompanyAddressParams{},
		"application/merge-patch+json", mergePatch(patch), bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) DeleteCompanyAddress(token, companyID, id string) result {
	resp, err := r.e.rest.DeleteCompanyAddressWithResponse(ctx, companyID, id, &api.DeleteCompanyAddressParams{}, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) CompanyUsers(token, companyID string) result {
	resp, err := r.e.rest.ListCompanyUsersWithResponse(ctx, companyID, &api.ListCompanyUsersParams{}, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) CreateCompanyUser(token, companyID string, in api.CreateCompanyUserInput) result {
	resp, err := r.e.rest.CreateCompanyUserWithResponse(ctx, companyID, &api.CreateCompanyUserParams{}, in, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) UpdateCompanyUser(token, companyID, id string, patch map[string]any, expectedVersion int) result {
	resp, err := r.e.rest.UpdateCompanyUserWithBodyWithResponse(ctx, companyID, id, &api.UpdateCompanyUserParams{IfMatch: ifMatch(expectedVersion)},
		"application/merge-patch+json", mergePatch(patch), bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) DeleteCompanyUser(token, companyID, id string) result {
	resp, err := r.e.rest.DeleteCompanyUserWithResponse(ctx, companyID, id, &api.DeleteCompanyUserParams{}, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) CompanyRoles(token, companyID string) result {
	resp, err := r.e.rest.ListCompanyRolesWithResponse(ctx, companyID, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) CreateCompanyRole(token, companyID string, in api.CreateCompanyRoleInput) result {
	resp, err := r.e.rest.CreateCompanyRoleWithResponse(ctx, companyID, &api.CreateCompanyRoleParams{}, in, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) UpdateCompanyRole(token, companyID, id string, patch map[string]any) result {
	resp, err := r.e.rest.UpdateCompanyRoleWithBodyWithResponse(ctx, companyID, id, &api.UpdateCompanyRoleParams{},
		"application/merge-patch+json", mergePatch(patch), bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) DeleteCompanyRole(token, companyID, id string) result {
	resp, err := r.e.rest.DeleteCompanyRoleWithResponse(ctx, companyID, id, &api.DeleteCompanyRoleParams{}, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) CompanyTeams(token, companyID string) result {
	resp, err := r.e.rest.ListCompanyTeamsWithResponse(ctx, companyID, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) CreateCompanyTeam(token, companyID string, in api.CreateCompanyTeamInput) result {
	resp, err := r.e.rest.CreateCompanyTeamWithResponse(ctx, companyID, &api.CreateCompanyTeamParams{}, in, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) UpdateCompanyTeam(token, companyID, id string, patch map[string]any) result {
	resp, err := r.e.rest.UpdateCompanyTeamWithBodyWithResponse(ctx, companyID, id, &api.UpdateCompanyTeamParams{},
		"application/merge-patch+json", mergePatch(patch), bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) DeleteCompanyTeam(token, companyID, id string) result {
	resp, err := r.e.rest.DeleteCompanyTeamWithResponse(ctx, companyID, id, &api.DeleteCompanyTeamParams{}, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) CompanyPermissions(token string) result {
	resp, err := r.e.rest.ListCompanyPermissionsWithResponse(ctx, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

// ---- GraphQL ----

const (
	companyRoleFields = `id companyId name permissions usersCount version createdAt updatedAt`
	companyUserFields = `id companyId email firstName lastName phone jobTitle status version createdAt updatedAt
		role { ` + companyRoleFields + ` } roles { ` + companyRoleFields + ` } team { id name }`
	companyTeamFields = `id companyId name description version createdAt updatedAt users { ` + companyUserFields + ` }`
	// companyFields are the fields REST's Company has (users, roles and teams have their own
	// operations there).
	companyFields = `id name legalName description email phone vatId businessCategory externalId status parentId ownerId
		metadata attributes { name value } version createdAt updatedAt
		addresses { ` + addressFields + ` } defaultBillingAddress { ` + addressFields + ` } defaultShippingAddress { ` + addressFields + ` }`
)

// withVersion adds expectedVersion to a GraphQL update input (0: none).
func withVersion(patch map[string]any, version int) map[string]any {
	if version == 0 {
		return patch
	}
	out := map[string]any{"expectedVersion": version}
	for k, v := range patch {
		out[k] = v
	}
	return out
}

// listField replaces a result's object by its list field name, as REST's {items}.
func listField(r result, name string) result {
	if r.Code == "" {
		r.Data = map[string]any{"items": r.Data[name]}
	}
	return r
}

func (g *graphFace) RegisterCompany(in api.RegisterCustomerInput) result {
	return g.call("", `mutation($input: RegisterCustomerInput!) { registerCustomer(input: $input) {
			customer { `+customerFields+` companyMemberships { `+companyUserFields+` } } company { `+companyFields+` } } }`,
		map[string]any{"input": asVars(in)}, "registerCustomer")
}

func (g *graphFace) MyMemberships(token string) result {
	return listField(g.call(token, `{ me { companyMemberships { `+companyUserFields+` } } }`, nil, "me"), "companyMemberships")
}

func (g *graphFace) CustomerMemberships(token, customerID string) result {
	return listField(g.call(token, `query($id: ID) { customer(id: $id) { companyMemberships { `+companyUserFields+` } } }`,
		map[string]any{"id": customerID}, "customer"), "companyMemberships")
}

func (g *graphFace) CompanyCustomers(token, companyID string) result {
	return nodesAsItems(g.call(token, `query($f: CustomerFilter) { customers(first: 200, filter: $f) { nodes { id email } totalCount } }`,
		map[string]any{"f": map[string]any{"companyId": companyID}}, "customers"))
}

func (g *graphFace) ListCompanies(token string, p api.ListCompaniesParams) result {
	filter := map[string]any{}
	if p.Search != nil {
		filter["search"] = *p.Search
	}
	if p.Name != nil {
		filter["name"] = *p.Name
	}
	if p.Status != nil {
		filter["status"] = string(*p.Status)
	}
	if p.ParentId != nil {
		filter["parentId"] = *p.ParentId
	}
	vars := map[string]any{"filter": filter}
	if p.Limit != nil {
		vars["first"] = *p.Limit
	}
	if p.Cursor != nil {
		vars["after"] = *p.Cursor
	}
	r := g.call(token, `query($first: Int, $after: String, $filter: CompanyFilter) { companies(first: $first, after: $after, filter: $filter) {
			nodes { `+companyFields+` } pageInfo { hasNextPage endCursor } totalCount } }`, vars, "companies")
	return asList(r)
}

func (g *graphFace) GetCompany(token, id string) result {
	return g.call(token, `query($id: ID!) { company(id: $id) { `+companyFields+` } }`, map[string]any{"id": id}, "company")
}

func (g *graphFace) CreateCompany(token string, in api.CreateCompanyInput) result {
	return g.call(token, `mutation($input: CreateCompanyInput!) { createCompany(input: $input) { `+companyFields+` } }`,
		map[string]any{"input": asVars(in)}, "createCompany")
}

func (g *graphFace) UpdateCompany(token, id string, patch map[string]any, expectedVersion int) result {
	return g.call(token, `mutation($id: ID!, $input: UpdateCompanyInput!) { updateCompany(id: $id, input: $input) { `+companyFields+` } }`,
		map[string]any{"id": id, "input": withVersion(patch, expectedVersion)}, "updateCompany")
}

func (g *graphFace) DeleteCompany(token, id string) result {
	return g.call(token, `mutation($id: ID!) { deleteCompany(id: $id) }`, map[string]any{"id": id}, "deleteCompany")
}

func (g *graphFace) CompanyFamily(token, id string) result {
	r := g.call(token, `query($id: ID!) { company(id: $id) { parent { id } children { id } } }`, map[string]any{"id": id}, "company")
	if r.Code != "" {
		return r
	}
	var parent any
	if p, ok := r.Data["parent"].(map[string]any); ok {
		parent = p["id"]
	}
	children := []any{}
	for _, k := range r.Data["children"].([]any) {
		children = append(children, k.(map[string]any)["id"])
	}
	r.Data = map[string]any{"parent": parent, "children": children}
	return r
}

func (g *graphFace) CompanyAddresses(token, companyID string) result {
	return listField(g.call(token, `query($id: ID!) { company(id: $id) { addresses { `+addressFields+` } } }`,
		map[string]any{"id": companyID}, "company"), "addresses")
}

func (g *graphFace) CreateCompanyAddress(token, companyID string, in api.AddressInput) result {
	return g.call(token, `mutation($c: ID!, $input: AddressInput!) { createCompanyAddress(companyId: $c, input: $input) { `+addressFields+` } }`,
		map[string]any{"c": companyID, "input": asVars(in)}, "createCompanyAddress")
}

func (g *graphFace) UpdateCompanyAddress(token, companyID, id string, patch map[string]any) result {
	return g.call(token, `mutation($c: ID!, $id: ID!, $input: UpdateAddressInput!) { updateCompanyAddress(companyId: $c, id: $id, input: $input) { `+addressFields+` } }`,
		map[string]any{"c": companyID, "id": id, "input": patch}, "updateCompanyAddress")
}

func (g *graphFace) DeleteCompanyAddress(token, companyID, id string) result {
	return g.call(token, `mutation($c: ID!, $id: ID!) { deleteCompanyAddress(companyId: $c, id: $id) }`,
		map[string]any{"c": companyID, "id": id}, "deleteCompanyAddress")
}

func (g *graphFace) CompanyUsers(token, companyID string) result {
	r := g.call(token, `query($id: ID!) { company(id: $id) { users(first: 200) { nodes { `+companyUserFields+` } totalCount } } }`,
		map[string]any{"id": companyID}, "company")
	if r.Code == "" {
		users := r.Data["users"].(map[string]any)
		r.Data = map[string]any{"items": users["nodes"], "totalCount": users["totalCount"]}
	}
	return r
}

func (g *graphFace) CreateCompanyUser(token, companyID string, in api.CreateCompanyUserInput) result {
	return g.call(token, `mutation($c: ID!, $input: CreateCompanyUserInput!) { createCompanyUser(companyId: $c, input: $input) { `+companyUserFields+` } }`,
		map[string]any{"c": companyID, "input": asVars(in)}, "createCompanyUser")
}

func (g *graphFace) UpdateCompanyUser(token, companyID, id string, patch map[string]any, expectedVersion int) result {
	return g.call(token, `mutation($c: ID!, $id: ID!, $input: UpdateCompanyUserInput!) { updateCompanyUser(companyId: $c, id: $id, input: $input) { `+companyUserFields+` } }`,
		map[string]any{"c": companyID, "id": id, "input": withVersion(patch, expectedVersion)}, "updateCompanyUser")
}

func (g *graphFace) DeleteCompanyUser(token, companyID, id string) result {
	return g.call(token, `mutation($c: ID!, $id: ID!) { deleteCompanyUser(companyId: $c, id: $id) }`,
		map[string]any{"c": companyID, "id": id}, "deleteCompanyUser")
}

func (g *graphFace) CompanyRoles(token, companyID string) result {
	return listField(g.call(token, `query($id: ID!) { company(id: $id) { roles { `+companyRoleFields+` } } }`,
		map[string]any{"id": companyID}, "company"), "roles")
}

func (g *graphFace) CreateCompanyRole(token, companyID string, in api.CreateCompanyRoleInput) result {
	return g.call(token, `mutation($c: ID!, $input: CreateCompanyRoleInput!) { createCompanyRole(companyId: $c, input: $input) { `+companyRoleFields+` } }`,
		map[string]any{"c": companyID, "input": asVars(in)}, "createCompanyRole")
}

func (g *graphFace) UpdateCompanyRole(token, companyID, id string, patch map[string]any) result {
	return g.call(token, `mutation($c: ID!, $id: ID!, $input: UpdateCompanyRoleInput!) { updateCompanyRole(companyId: $c, id: $id, input: $input) { `+companyRoleFields+` } }`,
		map[string]any{"c": companyID, "id": id, "input": patch}, "updateCompanyRole")
}

func (g *graphFace) DeleteCompanyRole(token, companyID, id string) result {
	return g.call(token, `mutation($c: ID!, $id: ID!) { deleteCompanyRole(companyId: $c, id: $id) }`,
		map[string]any{"c": companyID, "id": id}, "deleteCompanyRole")
}

func (g *graphFace) CompanyTeams(token, companyID string) result {
	return listField(g.call(token, `query($id: ID!) { company(id: $id) { teams { `+companyTeamFields+` } } }`,
		map[string]any{"id": companyID}, "company"), "teams")
}

func (g *graphFace) CreateCompanyTeam(token, companyID string, in api.CreateCompanyTeamInput) result {
	return g.call(token, `mutation($c: ID!, $input: CreateCompanyTeamInput!) { createCompanyTeam(companyId: $c, input: $input) { `+companyTeamFields+` } }`,
		map[string]any{"c": companyID, "input": asVars(in)}, "createCompanyTeam")
}

func (g *graphFace) UpdateCompanyTeam(token, companyID, id string, patch map[string]any) result {
	return g.call(token, `mutation($c: ID!, $id: ID!, $input: UpdateCompanyTeamInput!) { updateCompanyTeam(companyId: $c, id: $id, input: $input) { `+companyTeamFields+` } }`,
		map[string]any{"c": companyID, "id": id, "input": patch}, "updateCompanyTeam")
}

func (g *graphFace) DeleteCompanyTeam(token, companyID, id string) result {
	return g.call(token, `mutation($c: ID!, $id: ID!) { deleteCompanyTeam(companyId: $c, id: $id) }`,
		map[string]any{"c": companyID, "id": id}, "deleteCompanyTeam")
}

func (g *graphFace) CompanyPermissions(token string) result {
	return items(g.call(token, `{ companyPermissions { name description } }`, nil, "companyPermissions"))
}
