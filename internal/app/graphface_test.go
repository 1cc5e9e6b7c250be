package app_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/clientele/clientele/api"
)

// graphFace calls POST /graphql over HTTP on the same server.
type graphFace struct{ e *env }

func (g *graphFace) Name() string { return "graphql" }

const customerFields = `id email firstName middleName lastName prefix suffix fullName phone dateOfBirth gender taxVat
	isSubscribed status isLocked lockedUntil emailVerified hasAccount onboardingStatus orderWebhookUrl externalId locale
	metadata attributes { name value } failedLoginCount lastLoginAt erasedAt version createdAt updatedAt
	addresses { id } defaultBillingAddress { id } defaultShippingAddress { id } groups { id name }`

const tokenFields = `token refreshToken tokenType expiresIn expiresAt`

// gqlResponse is a GraphQL response body.
type gqlResponse struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Message    string `json:"message"`
		Extensions struct {
			Code   string `json:"code"`
			Fields []struct {
				Field   string `json:"field"`
				Message string `json:"message"`
			} `json:"fields"`
		} `json:"extensions"`
	} `json:"errors"`
}

// graphql posts query with variables and returns the result of root field op; path picks
// a nested object of it (registerCustomer returns {customer}).
func graphql(t *testing.T, url, token, query string, vars map[string]any, op string, path ...string) result {
	t.Helper()
	return graphqlVia(t, http.DefaultClient, url, token, query, vars, op, path...)
}

// graphqlVia is graphql through client.
func graphqlVia(t testing.TB, client *http.Client, url, token, query string, vars map[string]any, op string, path ...string) result {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("POST /graphql: %v", err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	res := result{Status: resp.StatusCode, Raw: buf.String()}
	var out gqlResponse
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatalf("decode GraphQL response %q: %v", buf.String(), err)
	}
	if len(out.Errors) > 0 {
		e := out.Errors[0]
		res.Code, res.Message = e.Extensions.Code, e.Message
		for _, f := range e.Extensions.Fields {
			res.Fields = append(res.Fields, f.Field)
		}
		if raw := out.Data[op]; len(raw) > 0 && string(raw) != "null" {
			t.Fatalf("failed field %s has data %s; want null", op, raw)
		}
		return res
	}
	var data any
	if err := json.Unmarshal(out.Data[op], &data); err != nil {
		t.Fatalf("decode data.%s: %v (%s)", op, err, buf.String())
	}
	for _, p := range path {
		data = data.(map[string]any)[p]
	}
	switch v := data.(type) {
	case map[string]any:
		res.Data = v
	default:
		res.Data = map[string]any{"value": v}
	}
	return res
}

// asVars turns a REST input into GraphQL variables: the field names are the same.
func asVars(in any) map[string]any {
	b, _ := json.Marshal(in)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func (g *graphFace) call(token, query string, vars map[string]any, op string, path ...string) result {
	client := g.e.http
	if client == nil {
		client = http.DefaultClient
	}
	return graphqlVia(g.e.t, client, g.e.url, token, query, vars, op, path...)
}

func (g *graphFace) Register(in api.RegisterCustomerInput) result {
	return g.call("", `mutation($input: RegisterCustomerInput!) { registerCustomer(input: $input) { customer { `+customerFields+` } } }`,
		map[string]any{"input": asVars(in)}, "registerCustomer", "customer")
}

func (g *graphFace) CustomerToken(email, password string) result {
	return g.call("", `mutation($e: String!, $p: String!) { generateCustomerToken(email: $e, password: $p) { `+tokenFields+` } }`,
		map[string]any{"e": email, "p": password}, "generateCustomerToken")
}

func (g *graphFace) AdminToken(email, password string) result {
	return g.call("", `mutation($e: String!, $p: String!) { generateAdminToken(email: $e, password: $p) { `+tokenFields+` } }`,
		map[string]any{"e": email, "p": password}, "generateAdminToken")
}

func (g *graphFace) Refresh(refreshToken string) result {
	return g.call("", `mutation($r: String!) { refreshToken(refreshToken: $r) { `+tokenFields+` } }`,
		map[string]any{"r": refreshToken}, "refreshToken")
}

func (g *graphFace) RevokeCustomer(token string, everywhere bool) result {
	return g.call(token, `mutation($e: Boolean) { revokeCustomerToken(everywhere: $e) { result } }`,
		map[string]any{"e": everywhere}, "revokeCustomerToken")
}

func (g *graphFace) RevokeAdmin(token string, everywhere bool) result {
	return g.call(token, `mutation($e: Boolean) { revokeAdminToken(everywhere: $e) { result } }`,
		map[string]any{"e": everywhere}, "revokeAdminToken")
}

func (g *graphFace) Me(token string) result {
	return g.call(token, `{ me { `+customerFields+` } }`, nil, "me")
}

func (g *graphFace) UpdateMe(token string, patch map[string]any) result {
	return g.call(token, `mutation($input: UpdateMeInput!) { updateMe(input: $input) { `+customerFields+` } }`,
		map[string]any{"input": patch}, "updateMe")
}

func (g *graphFace) ChangeMyPassword(token, current, next, confirm string) result {
	return g.call(token, `mutation($c: String!, $n: String!, $f: String!) { changeMyPassword(currentPassword: $c, newPassword: $n, confirmPassword: $f) { `+tokenFields+` } }`,
		map[string]any{"c": current, "n": next, "f": confirm}, "changeMyPassword")
}

// ListCustomers maps the REST parameters onto the GraphQL arguments and reshapes the
// connection like the REST list: {items, nextCursor, totalCount}.
func (g *graphFace) ListCustomers(token string, p api.ListCustomersParams) result {
	vars := map[string]any{}
	filter := map[string]any{}
	if p.Limit != nil {
		vars["first"] = *p.Limit
	}
	if p.Cursor != nil {
		vars["after"] = *p.Cursor
	}
	for k, v := range map[string]*string{"search": p.Search, "email": p.Email, "groupId": p.GroupId} {
		if v != nil {
			filter[k] = *v
		}
	}
	if p.Status != nil {
		filter["status"] = string(*p.Status)
	}
	if p.CreatedFrom != nil {
		filter["createdFrom"] = p.CreatedFrom
	}
	if p.CreatedTo != nil {
		filter["createdTo"] = p.CreatedTo
	}
	vars["filter"] = filter
	if p.Sort != nil {
		s := string(*p.Sort)
		dir := "ASC"
		if s[0] == '-' {
			dir, s = "DESC", s[1:]
		}
		vars["orderBy"] = map[string]any{"field": map[string]string{"createdAt": "CREATED_AT", "email": "EMAIL", "lastName": "LAST_NAME"}[s], "direction": dir}
	}
	total := ""
	if p.WithTotal == nil || *p.WithTotal {
		total = "totalCount"
	}
	res := g.call(token, `query($first: Int, $after: String, $filter: CustomerFilter, $orderBy: CustomerOrder) {
		customers(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
			nodes { `+customerFields+` } edges { cursor node { id } } pageInfo { hasNextPage endCursor } `+total+` } }`,
		vars, "customers")
	if res.Code != "" {
		return res
	}
	page := res.Data
	next := any(nil)
	if info := page["pageInfo"].(map[string]any); info["hasNextPage"] == true {
		next = info["endCursor"]
	}
	res.Data = map[string]any{"items": page["nodes"], "nextCursor": next, "edges": page["edges"]}
	if t, ok := page["totalCount"]; ok {
		res.Data["totalCount"] = t
	}
	return res
}

func (g *graphFace) GetCustomer(token, id string) result {
	return g.call(token, `query($id: ID) { customer(id: $id) { `+customerFields+` } }`, map[string]any{"id": id}, "customer")
}

func (g *graphFace) CreateCustomer(token string, in api.CreateCustomerInput) result {
	return g.call(token, `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { `+customerFields+` } }`,
		map[string]any{"input": asVars(in)}, "createCustomer")
}

func (g *graphFace) UpdateCustomer(token, id string, patch map[string]any) result {
	return g.call(token, `mutation($id: ID!, $input: UpdateCustomerInput!) { updateCustomer(id: $id, input: $input) { `+customerFields+` } }`,
		map[string]any{"id": id, "input": patch}, "updateCustomer")
}

func (g *graphFace) DeleteCustomer(token, id string) result {
	return g.call(token, `mutation($id: ID!) { deleteCustomer(id: $id) }`, map[string]any{"id": id}, "deleteCustomer")
}

func (g *graphFace) DeleteCustomers(token string, ids []string) result {
	return g.call(token, `mutation($ids: [ID!]!) { deleteCustomers(ids: $ids) { deletedCount } }`, map[string]any{"ids": ids}, "deleteCustomers")
}

func (g *graphFace) CurrentAdmin(token string) result {
	return g.call(token, `{ currentAdmin { `+adminFields+` } }`, nil, "currentAdmin")
}
