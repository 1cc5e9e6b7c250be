package app_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/clientele/clientele/api"
)

// addressFace is the address, country and group half of an API.
type addressFace interface {
	face
	Countries() result
	Country(code string) result
	MyAddresses(token string) result
	CreateMyAddress(token string, in api.AddressInput) result
	UpdateMyAddress(token, id string, patch map[string]any) result
	DeleteMyAddress(token, id string) result
	CustomerAddresses(token, customerID string) result
	CreateCustomerAddress(token, customerID string, in api.AddressInput) result
	UpdateCustomerAddress(token, customerID, id string, patch map[string]any) result
	DeleteCustomerAddress(token, customerID, id string) result
	ReplaceCustomerAddresses(token, customerID string, in []api.AddressInput) result
	Groups(token string, limit int, cursor string) result
	Group(token, id string) result
	CreateGroup(token string, in api.CreateCustomerGroupInput) result
	UpdateGroup(token, id string, patch map[string]any) result
	DeleteGroup(token, id string) result
}

func eachAddressFace(t *testing.T, e *env, fn func(t *testing.T, f addressFace)) {
	eachFace(t, e, func(t *testing.T, f face) { fn(t, f.(addressFace)) })
}

// ---- REST ----

func (r *restFace) Countries() result {
	resp, err := r.e.rest.ListCountriesWithResponse(ctx)
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) Country(c string) result {
	resp, err := r.e.rest.GetCountryWithResponse(ctx, c)
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) MyAddresses(token string) result {
	resp, err := r.e.rest.ListMyAddressesWithResponse(ctx, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) CreateMyAddress(token string, in api.AddressInput) result {
	resp, err := r.e.rest.CreateMyAddressWithResponse(ctx, &api.CreateMyAddressParams{}, in, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) UpdateMyAddress(token, id string, patch map[string]any) result {
	b, _ := json.Marshal(patch)
	resp, err := r.e.rest.UpdateMyAddressWithBodyWithResponse(ctx, id, &api.UpdateMyAddressParams{}, "application/merge-patch+json", bytes.NewReader(b), bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) DeleteMyAddress(token, id string) result {
	resp, err := r.e.rest.DeleteMyAddressWithResponse(ctx, id, &api.DeleteMyAddressParams{}, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) CustomerAddresses(token, customerID string) result {
	resp, err := r.e.rest.ListCustomerAddressesWithResponse(ctx, customerID, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) CreateCustomerAddress(token, customerID string, in api.AddressInput) result {
	resp, err := r.e.rest.CreateCustomerAddressWithResponse(ctx, customerID, &api.CreateCustomerAddressParams{}, in, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) UpdateCustomerAddress(token, customerID, id string, patch map[string]any) result {
	b, _ := json.Marshal(patch)
	resp, err := r.e.rest.UpdateCustomerAddressWithBodyWithResponse(ctx, customerID, id, &api.UpdateCustomerAddressParams{}, "application/merge-patch+json", bytes.NewReader(b), bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) DeleteCustomerAddress(token, customerID, id string) result {
	resp, err := r.e.rest.DeleteCustomerAddressWithResponse(ctx, customerID, id, &api.DeleteCustomerAddressParams{}, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

// replacement is a whole address book as the REST body: nil is the empty book, since a Go
// nil slice would go out as null, which the body's schema refuses.
func replacement(in []api.AddressInput) api.ReplaceAddressesInput {
	if in == nil {
		in = []api.AddressInput{}
	}
	return api.ReplaceAddressesInput{Addresses: in}
}

func (r *restFace) ReplaceCustomerAddresses(token, customerID string, in []api.AddressInput) result {
	resp, err := r.e.rest.ReplaceCustomerAddressesWithResponse(ctx, customerID, &api.ReplaceCustomerAddressesParams{}, replacement(in), bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) Groups(token string, limit int, cursor string) result {
	p := api.ListCustomerGroupsParams{Limit: &limit}
	if cursor != "" {
		p.Cursor = &cursor
	}
	resp, err := r.e.rest.ListCustomerGroupsWithResponse(ctx, &p, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) Group(token, id string) result {
	resp, err := r.e.rest.GetCustomerGroupWithResponse(ctx, id, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) CreateGroup(token string, in api.CreateCustomerGroupInput) result {
	resp, err := r.e.rest.CreateCustomerGroupWithResponse(ctx, &api.CreateCustomerGroupParams{}, in, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) UpdateGroup(token, id string, patch map[string]any) result {
	b, _ := json.Marshal(patch)
	resp, err := r.e.rest.UpdateCustomerGroupWithBodyWithResponse(ctx, id, &api.UpdateCustomerGroupParams{}, "application/merge-patch+json", bytes.NewReader(b), bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) DeleteGroup(token, id string) result {
	resp, err := r.e.rest.DeleteCustomerGroupWithResponse(ctx, id, &api.DeleteCustomerGroupParams{}, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

// ---- GraphQL ----

const addressFields = `id label firstName middleName lastName prefix suffix company street city region { code name }
	postalCode countryCode country { code name } phone fax vatId type isDefaultBilling isDefaultShipping version createdAt updatedAt`

const groupFields = `id name description metadata customerCount version createdAt updatedAt`

// items wraps a GraphQL list result like REST's {items: [...]}.
func items(r result) result {
	if r.Code == "" {
		r.Data = map[string]any{"items": r.Data["value"]}
	}
	return r
}

func (g *graphFace) Countries() result {
	return items(g.call("", `{ countries { code name regions { code name } } }`, nil, "countries"))
}

func (g *graphFace) Country(c string) result {
	return g.call("", `query($c: String!) { country(code: $c) { code name regions { code name } } }`, map[string]any{"c": c}, "country")
}

func (g *graphFace) MyAddresses(token string) result {
	r := g.call(token, `{ me { addresses { `+addressFields+` } } }`, nil, "me")
	if r.Code == "" {
		r.Data = map[string]any{"items": r.Data["addresses"]}
	}
	return r
}

func (g *graphFace) CreateMyAddress(token string, in api.AddressInput) result {
	return g.call(token, `mutation($input: AddressInput!) { createMyAddress(input: $input) { `+addressFields+` } }`,
		map[string]any{"input": asVars(in)}, "createMyAddress")
}

func (g *graphFace) UpdateMyAddress(token, id string, patch map[string]any) result {
	return g.call(token, `mutation($id: ID!, $input: UpdateAddressInput!) { updateMyAddress(id: $id, input: $input) { `+addressFields+` } }`,
		map[string]any{"id": id, "input": patch}, "updateMyAddress")
}

func (g *graphFace) DeleteMyAddress(token, id string) result {
	return g.call(token, `mutation($id: ID!) { deleteMyAddress(id: $id) }`, map[string]any{"id": id}, "deleteMyAddress")
}

func (g *graphFace) CustomerAddresses(token, customerID string) result {
	r := g.call(token, `query($id: ID) { customer(id: $id) { addresses { `+addressFields+` } } }`, map[string]any{"id": customerID}, "customer")
	if r.Code == "" {
		r.Data = map[string]any{"items": r.Data["addresses"]}
	}
	return r
}

func (g *graphFace) CreateCustomerAddress(token, customerID string, in api.AddressInput) result {
	return g.call(token, `mutation($c: ID!, $input: AddressInput!) { createCustomerAddress(customerId: $c, input: $input) { `+addressFields+` } }`,
		map[string]any{"c": customerID, "input": asVars(in)}, "createCustomerAddress")
}

func (g *graphFace) UpdateCustomerAddress(token, customerID, id string, patch map[string]any) result {
	return g.call(token, `mutation($c: ID!, $id: ID!, $input: UpdateAddressInput!) { updateCustomerAddress(customerId: $c, id: $id, input: $input) { `+addressFields+` } }`,
		map[string]any{"c": customerID, "id": id, "input": patch}, "updateCustomerAddress")
}

func (g *graphFace) DeleteCustomerAddress(token, customerID, id string) result {
	return g.call(token, `mutation($c: ID!, $id: ID!) { deleteCustomerAddress(customerId: $c, id: $id) }`,
		map[string]any{"c": customerID, "id": id}, "deleteCustomerAddress")
}

func (g *graphFace) ReplaceCustomerAddresses(token, customerID string, in []api.AddressInput) result {
	vars := make([]any, len(in))
	for i, a := range in {
		vars[i] = asVars(a)
	}
	return items(g.call(token, `mutation($c: ID!, $a: [AddressInput!]!) { replaceCustomerAddresses(customerId: $c, addresses: $a) { `+addressFields+` } }`,
		map[string]any{"c": customerID, "a": vars}, "replaceCustomerAddresses"))
}

func (g *graphFace) Groups(token string, limit int, cursor string) result {
	vars := map[string]any{"n": limit}
	if cursor != "" {
		vars["after"] = cursor
	}
	r := g.call(token, `query($n: Int, $after: String) { customerGroups(first: $n, after: $after) { nodes { `+groupFields+` } pageInfo { hasNextPage endCursor } totalCount } }`,
		vars, "customerGroups")
	return asList(r)
}

func (g *graphFace) Group(token, id string) result {
	return g.call(token, `query($id: ID!) { customerGroup(id: $id) { `+groupFields+` } }`, map[string]any{"id": id}, "customerGroup")
}

func (g *graphFace) CreateGroup(token string, in api.CreateCustomerGroupInput) result {
	return g.call(token, `mutation($input: CreateCustomerGroupInput!) { createCustomerGroup(input: $input) { `+groupFields+` } }`,
		map[string]any{"input": asVars(in)}, "createCustomerGroup")
}

func (g *graphFace) UpdateGroup(token, id string, patch map[string]any) result {
	return g.call(token, `mutation($id: ID!, $input: UpdateCustomerGroupInput!) { updateCustomerGroup(id: $id, input: $input) { `+groupFields+` } }`,
		map[string]any{"id": id, "input": patch}, "updateCustomerGroup")
}

func (g *graphFace) DeleteGroup(token, id string) result {
	return g.call(token, `mutation($id: ID!) { deleteCustomerGroup(id: $id) }`, map[string]any{"id": id}, "deleteCustomerGroup")
}

// asList turns a GraphQL connection into the REST list shape {items, nextCursor, totalCount}.
func asList(r result) result {
	if r.Code != "" {
		return r
	}
	next := any(nil)
	if info := r.Data["pageInfo"].(map[string]any); info["hasNextPage"] == true {
		next = info["endCursor"]
	}
	r.Data = map[string]any{"items": r.Data["nodes"], "nextCursor": next, "totalCount": r.Data["totalCount"]}
	return r
}
