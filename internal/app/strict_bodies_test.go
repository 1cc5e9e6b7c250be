package app_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	clientele "github.com/clientele/clientele"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/testdb"
)

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	spec, err := openapi3.NewLoader().LoadFromData(clientele.OpenAPIYAML)
	if err != nil {
		t.Fatalf("parse openapi.yaml: %v", err)
	}
	return spec
}

// bodyOperation is a REST operation that takes a JSON body.
type bodyOperation struct {
	id, method, path, contentType string
	schema                        *openapi3.Schema
}

// bodyOperations lists every operation of openapi.yaml with a request body, so an operation
// added later is covered without anyone listing it.
func bodyOperations(t *testing.T, spec *openapi3.T) []bodyOperation {
	t.Helper()
	var out []bodyOperation
	for _, path := range spec.Paths.InMatchingOrder() {
		for method, op := range spec.Paths.Find(path).Operations() {
			if op.RequestBody == nil {
				continue
			}
			content := op.RequestBody.Value.Content
			for _, ct := range []string{"application/json", "application/merge-patch+json"} {
				if mt := content.Get(ct); mt != nil {
					out = append(out, bodyOperation{op.OperationID, method, path, ct, mt.Schema.Value})
					break
				}
			}
		}
	}
	if len(out) < 40 {
		t.Fatalf("found only %d operations with a body", len(out))
	}
	return out
}

// sampleProperty is a property of s and a value of its type, to send under a mis-cased key:
// the value must decode, so that only the key is wrong.
func sampleProperty(s *openapi3.Schema) (string, any) {
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range s.Properties {
			if !yield(k) {
				return
			}
		}
	}) {
		p := s.Properties[name].Value
		switch {
		case len(p.Enum) > 0:
			return name, p.Enum[0]
		case p.Type.Is("string") && p.Format != "date-time":
			return name, "x"
		case p.Type.Is("boolean"):
			return name, true
		case p.Type.Is("integer"):
			return name, 1
		case p.Type.Is("array"):
			return name, []any{}
		}
	}
	return "", nil
}

// TestRESTBodiesAreStrict: every operation with a body refuses a key its schema does not name
// and a known key in the wrong case, as BAD_REQUEST naming the key (SPEC §5), on the real
// server. The keys are refused before anything else looks at the request, so the ids in the
// path need not exist.
func TestRESTBodiesAreStrict(t *testing.T) {
	e := newEnv(t, testdb.New(t, db.SQLite))
	spec := loadSpec(t)
	for _, op := range bodyOperations(t, spec) {
		url := e.url + strings.NewReplacer("{id}", "0190c0de-0000-7000-8000-000000000001",
			"{companyId}", "0190c0de-0000-7000-8000-000000000002", "{countryCode}", "US").Replace(op.path)
		mis, value := sampleProperty(op.schema)
		cases := map[string]map[string]any{"unknown key": {"notAField": 1}}
		if mis != "" {
			cased := strings.ToUpper(mis[:1]) + mis[1:]
			cases["mis-cased key"] = map[string]any{cased: value}
		} else {
			t.Errorf("%s: no property to mis-case", op.id)
		}
		for name, body := range cases {
			t.Run(op.id+"/"+name, func(t *testing.T) {
				b, _ := json.Marshal(body)
				resp, got := do(t, op.method, url, op.contentType, string(b), "Authorization", "Bearer "+e.admin)
				if resp.StatusCode != 400 {
					t.Fatalf("status %d, want 400 (%s)", resp.StatusCode, got)
				}
				if code := problemCode(t, resp, got); code != "BAD_REQUEST" {
					t.Errorf("code %q", code)
				}
				var p struct {
					Errors []struct{ Field, Message string }
				}
				_ = json.Unmarshal([]byte(got), &p)
				var key string
				for k := range body {
					key = k
				}
				if len(p.Errors) != 1 || p.Errors[0].Field != key {
					t.Errorf("errors %v, want one naming %s", p.Errors, key)
				}
			})
		}
	}
}

// TestStrictBodyPaths: nested unknown keys and nulls are named by their path; free-form
// objects (metadata) take any key; null is taken only where the schema says nullable.
func TestStrictBodyPaths(t *testing.T) {
	e := newEnv(t, testdb.New(t, db.SQLite))
	_, tok := signUp(t, &restFace{e}, "paths@example.com")
	for _, tc := range []struct {
		name, method, path, contentType, body string
		status                                int
		fields                                []string
	}{
		{"nested unknown key", "PUT", "/v1/me/addresses", "application/json",
			`{"addresses": [{"firstName": "A", "lastName": "B", "street": ["1 Main"], "city": "X", "countryCode": "GB"},
			  {"firstName": "A", "lastName": "B", "street": ["1 Main"], "city": "X", "countryCode": "GB", "region": {"code": "x", "Name": "y"}}]}`,
			400, []string{"addresses[1].region.Name"}},
		{"several unknown keys", "POST", "/v1/auth/register", "application/json",
			`{"Email": "a@example.com", "password": "p", "attributes": [{"name": "n", "value": "v", "extra": 1}]}`,
			400, []string{"Email", "attributes[0].extra"}},
		{"status on updateMe", "PATCH", "/v1/me", "application/merge-patch+json", `{"status": "INACTIVE"}`, 400, []string{"status"}},
		{"metadata on updateMe", "PATCH", "/v1/me", "application/merge-patch+json", `{"metadata": {}}`, 400, []string{"metadata"}},
		{"externalId on updateMe", "PATCH", "/v1/me", "application/merge-patch+json", `{"externalId": "x"}`, 400, []string{"externalId"}},
		{"groupIds on updateMe", "PATCH", "/v1/me", "application/merge-patch+json", `{"groupIds": []}`, 400, []string{"groupIds"}},
		{"null on a field that cannot be cleared", "PATCH", "/v1/me", "application/merge-patch+json",
			`{"firstName": null, "isSubscribed": null, "attributes": null, "phone": null}`, 422, []string{"attributes", "firstName", "isSubscribed"}},
		{"null in a list", "PATCH", "/v1/me", "application/merge-patch+json", `{"attributes": [null]}`, 422, []string{"attributes[0]"}},
		{"null body", "PATCH", "/v1/me", "application/merge-patch+json", `null`, 400, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, got := do(t, tc.method, e.url+tc.path, tc.contentType, tc.body, "Authorization", "Bearer "+tok)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tc.status, got)
			}
			var p struct {
				Errors []struct{ Field string }
			}
			_ = json.Unmarshal([]byte(got), &p)
			var fields []string
			for _, f := range p.Errors {
				fields = append(fields, f.Field)
			}
			if !slices.Equal(fields, tc.fields) {
				t.Errorf("fields %v, want %v (%s)", fields, tc.fields, got)
			}
		})
	}
	// Free-form metadata takes any key, in any case, and null values inside it.
	resp, got := do(t, "PATCH", e.url+"/v1/me", "application/merge-patch+json", `{"middleName": null}`, "Authorization", "Bearer "+tok)
	if resp.StatusCode != 200 {
		t.Fatalf("clearing a nullable field: %d %s", resp.StatusCode, got)
	}
	resp, got = do(t, "POST", e.url+"/v1/customers", "application/json",
		`{"email": "meta@example.com", "firstName": "M", "lastName": "D", "metadata": {"Any": {"Key": null}, "x": [1]}}`,
		"Authorization", "Bearer "+e.admin)
	if resp.StatusCode != 201 || !strings.Contains(got, `"Any":{"Key":null}`) {
		t.Fatalf("free-form metadata: %d %s", resp.StatusCode, got)
	}
}

// TestNullOnFieldsThatCannotBeCleared: both APIs refuse null where a merge patch cannot clear
// the field (SPEC §5), naming it, and change nothing; null still clears a clearable field.
func TestNullOnFieldsThatCannotBeCleared(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachAddressFace(t, e, func(t *testing.T, f addressFace) {
			c, tok := signUp(t, f, f.Name()+"-nulls@example.com")
			id := c["id"].(string)
			admin := adminToken(t, f)
			f.UpdateMe(tok, map[string]any{"firstName": nil}).fails(t, "VALIDATION_FAILED", "firstName")
			f.UpdateMe(tok, map[string]any{"lastName": nil, "isSubscribed": nil, "gender": nil, "attributes": nil}).
				fails(t, "VALIDATION_FAILED", "lastName", "isSubscribed", "gender", "attributes")
			f.UpdateCustomer(admin, id, map[string]any{"status": nil, "metadata": nil, "email": nil}).
				fails(t, "VALIDATION_FAILED", "status", "metadata", "email")
			if me := f.Me(tok).ok(t); me["version"] != 1.0 || me["firstName"] != c["firstName"] {
				t.Fatalf("a refused patch changed the customer: %v", me)
			}
			if got := f.UpdateCustomer(admin, id, map[string]any{"externalId": nil, "phone": nil}).ok(t); got["externalId"] != nil {
				t.Fatalf("clearing: %v", got)
			}

			addr := f.CreateMyAddress(tok, newAddress("1 Main Street")).ok(t)
			f.UpdateMyAddress(tok, addr["id"].(string), map[string]any{"city": nil, "street": nil, "label": nil}).
				fails(t, "VALIDATION_FAILED", "city", "street")
		})
	})
}

// TestRequestSchemasAreClosed: the contract says what the server does. Every object a request
// body can hold names its keys and has `additionalProperties: false`, except free-form objects
// (metadata), which say `additionalProperties: true`; and no request property has a `default`,
// which openapi-typescript would turn into a required field (the default goes in the
// description, and the server applies it).
func TestRequestSchemasAreClosed(t *testing.T) {
	spec := loadSpec(t)
	seen := map[*openapi3.Schema]bool{}
	var walk func(op, path string, s *openapi3.Schema)
	walk = func(op, path string, s *openapi3.Schema) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		if s.Default != nil && path != "" {
			t.Errorf("%s: %s has a default", op, path)
		}
		for _, sub := range s.AllOf {
			walk(op, path, sub.Value)
		}
		if s.Items != nil {
			walk(op, path+"[]", s.Items.Value)
		}
		if !s.Type.Is("object") {
			return
		}
		ap := s.AdditionalProperties
		switch {
		case len(s.Properties) > 0 && (ap.Has == nil || *ap.Has || ap.Schema != nil):
			t.Errorf("%s: the object at %q lacks additionalProperties: false", op, path)
		case len(s.Properties) == 0 && len(s.AllOf) == 0 && (ap.Has == nil || !*ap.Has):
			t.Errorf("%s: the object at %q names no keys and is not marked free-form (additionalProperties: true)", op, path)
		}
		for name, p := range s.Properties {
			walk(op, strings.TrimPrefix(path+"."+name, "."), p.Value)
		}
	}
	for _, op := range bodyOperations(t, spec) {
		walk(op.id, "", op.schema)
	}
}
