package app_test

import (
	"encoding/json"
	"testing"

	"github.com/clientele/clientele/api"
)

// selfFace is the self-service part of an API: replaceMyAddresses, isEmailAvailable and
// validatePassword.
type selfFace interface {
	privacyFace
	// ReplaceMyAddresses sends If-Match (REST) or expectedVersion (GraphQL) when version > 0.
	ReplaceMyAddresses(token string, in []api.AddressInput, version int) result
	// ReplaceCustomerAddressesAt is replaceCustomerAddresses at the customer's version.
	ReplaceCustomerAddressesAt(token, customerID string, in []api.AddressInput, version int) result
	IsEmailAvailable(email string) result
	// ValidatePassword leaves email out when it is nil.
	ValidatePassword(password string, email *string) result
}

func eachSelfFace(t *testing.T, e *env, fn func(t *testing.T, f selfFace)) {
	eachFace(t, e, func(t *testing.T, f face) { fn(t, f.(selfFace)) })
}

// ---- REST ----

func (r *restFace) ReplaceMyAddresses(token string, in []api.AddressInput, version int) result {
	resp, err := r.e.rest.ReplaceMyAddressesWithResponse(ctx, &api.ReplaceMyAddressesParams{IfMatch: ifMatch(version)},
		replacement(in), bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) ReplaceCustomerAddressesAt(token, customerID string, in []api.AddressInput, version int) result {
	resp, err := r.e.rest.ReplaceCustomerAddressesWithResponse(ctx, customerID, &api.ReplaceCustomerAddressesParams{IfMatch: ifMatch(version)},
		replacement(in), bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) IsEmailAvailable(email string) result {
	resp, err := r.e.rest.IsEmailAvailableWithResponse(ctx, &api.IsEmailAvailableParams{Email: email})
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) ValidatePassword(password string, email *string) result {
	resp, err := r.e.rest.ValidatePasswordWithResponse(ctx, &api.ValidatePasswordParams{}, api.ValidatePasswordInput{Password: password, Email: email})
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

// ---- GraphQL ----

func addressVars(in []api.AddressInput) []any {
	vars := make([]any, len(in))
	for i, a := range in {
		vars[i] = asVars(a)
	}
	return vars
}

// versionVar is expectedVersion for version; null for 0.
func versionVar(version int) any {
	if version == 0 {
		return nil
	}
	return version
}

func (g *graphFace) ReplaceMyAddresses(token string, in []api.AddressInput, version int) result {
	return items(g.call(token, `mutation($a: [AddressInput!]!, $v: Int) { replaceMyAddresses(addresses: $a, expectedVersion: $v) { `+addressFields+` } }`,
		map[string]any{"a": addressVars(in), "v": versionVar(version)}, "replaceMyAddresses"))
}

func (g *graphFace) ReplaceCustomerAddressesAt(token, customerID string, in []api.AddressInput, version int) result {
	return items(g.call(token, `mutation($c: ID!, $a: [AddressInput!]!, $v: Int) { replaceCustomerAddresses(customerId: $c, addresses: $a, expectedVersion: $v) { `+addressFields+` } }`,
		map[string]any{"c": customerID, "a": addressVars(in), "v": versionVar(version)}, "replaceCustomerAddresses"))
}

func (g *graphFace) IsEmailAvailable(email string) result {
	return g.call("", `query($e: String!) { isEmailAvailable(email: $e) { isEmailAvailable } }`, map[string]any{"e": email}, "isEmailAvailable")
}

func (g *graphFace) ValidatePassword(password string, email *string) result {
	vars := map[string]any{"p": password}
	if email != nil {
		vars["e"] = *email
	}
	return g.call("", `query($p: String!, $e: String) { validatePassword(password: $p, email: $e) { valid errors { code message } } }`,
		vars, "validatePassword")
}

// fieldMessages returns the messages a VALIDATION_FAILED gives field, in order, from either
// API's error body.
func fieldMessages(t *testing.T, r result, field string) []string {
	t.Helper()
	type fieldError struct{ Field, Message string }
	var body struct {
		Errors json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal([]byte(r.Raw), &body); err != nil {
		t.Fatalf("error body %q: %v", r.Raw, err)
	}
	var list []fieldError
	var rest []fieldError // problem+json: errors is [{field, message}]
	var graph []struct {  // GraphQL: errors is [{extensions: {fields: [{field, message}]}}]
		Extensions struct{ Fields []fieldError } `json:"extensions"`
	}
	switch {
	case r.Status >= 400 && json.Unmarshal(body.Errors, &rest) == nil:
		list = rest
	case json.Unmarshal(body.Errors, &graph) == nil && len(graph) > 0:
		list = graph[0].Extensions.Fields
	default:
		t.Fatalf("no field errors in %s", r.Raw)
	}
	var out []string
	for _, f := range list {
		if f.Field == field {
			out = append(out, f.Message)
		}
	}
	return out
}
