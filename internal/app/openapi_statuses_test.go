package app_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/testdb"
)

// producibleStatuses is what the server can answer for op, derived from its route and the
// middleware in front of it (internal/app/app.go), not listed by hand:
//   - every /v1 operation: 400 (JSONBodies refuses a body of another media type; parameters
//     and cursors can be bad), 500 (the recover middleware), 503 (Deadline, an unreachable
//     database);
//   - a request body: 413 (BodyLimit) and 422 (null where the schema has no nullable);
//   - security: 401 (a missing or bad token), and 403 where only one kind of token is taken
//     (the other kind is refused; an admin may also lack the permission);
//   - a path parameter: 404; If-Match: 412; Idempotency-Key: 409 (a key reused with another
//     body, or still in progress).
//
// The operation's own refusals (409 on a unique email, 429, 423 …) are the service's and
// stay listed by hand. The probes (/healthz, /readyz) have none of this middleware.
func producibleStatuses(spec *openapi3.T, path string, op *openapi3.Operation) []string {
	if !strings.HasPrefix(path, "/v1/") {
		return nil
	}
	want := []string{"400", "500", "503"}
	if op.RequestBody != nil {
		want = append(want, "413", "422")
	}
	schemes := tokenKinds(spec, op)
	if len(schemes) > 0 {
		want = append(want, "401")
	}
	if len(schemes) == 1 {
		want = append(want, "403")
	}
	for _, p := range op.Parameters {
		switch {
		case p.Value.In == "path":
			want = append(want, "404")
		case p.Value.In == "header" && p.Value.Name == "If-Match":
			want = append(want, "412")
		case p.Value.In == "header" && p.Value.Name == "Idempotency-Key":
			want = append(want, "409")
		}
	}
	slices.Sort(want)
	return slices.Compact(want)
}

// tokenKinds are the security schemes an operation takes (customerAuth, adminAuth).
func tokenKinds(spec *openapi3.T, op *openapi3.Operation) []string {
	sec := spec.Security
	if op.Security != nil {
		sec = *op.Security
	}
	var kinds []string
	for _, req := range sec {
		for name := range req {
			kinds = append(kinds, name)
		}
	}
	slices.Sort(kinds)
	return slices.Compact(kinds)
}

// TestOpenAPIListsEveryStatus: every status an operation can produce is in openapi.yaml, as a
// problem+json answer with the Problem schema, so generated clients get typed errors.
func TestOpenAPIListsEveryStatus(t *testing.T) {
	spec := loadSpec(t)
	problem := spec.Components.Schemas["Problem"].Value
	for _, path := range spec.Paths.InMatchingOrder() {
		item := spec.Paths.Find(path)
		for method, op := range item.Operations() {
			for _, status := range producibleStatuses(spec, path, op) {
				r := op.Responses.Value(status)
				if r == nil {
					t.Errorf("%s (%s %s) can answer %s, which openapi.yaml does not list", op.OperationID, method, path, status)
					continue
				}
				mt := r.Value.Content.Get("application/problem+json")
				if mt == nil || mt.Schema == nil || mt.Schema.Value != problem {
					t.Errorf("%s: %s is not a problem+json answer with the Problem schema", op.OperationID, status)
				}
			}
		}
	}
}

// TestDerivedStatusesHappen checks the derivation against the running server where that is
// cheap: a body over 1 MiB is 413 on every operation with a body, and the wrong kind of token
// is 403 on every operation that takes only one kind.
func TestDerivedStatusesHappen(t *testing.T) {
	e := newEnv(t, testdb.New(t, db.SQLite))
	_, customer := signUp(t, &restFace{e}, "statuses@example.com")
	spec := loadSpec(t)
	big := `{"x": "` + strings.Repeat("a", 1<<20) + `"}`
	for _, path := range spec.Paths.InMatchingOrder() {
		item := spec.Paths.Find(path)
		for method, op := range item.Operations() {
			url := e.url + strings.NewReplacer("{id}", "0190c0de-0000-7000-8000-000000000001",
				"{companyId}", "0190c0de-0000-7000-8000-000000000002", "{customerId}", "0190c0de-0000-7000-8000-000000000003",
				"{code}", "US").Replace(path)
			contentType, body := "", ""
			if op.RequestBody != nil {
				contentType, body = "application/json", "{}"
				if op.RequestBody.Value.Content.Get(contentType) == nil {
					contentType = "application/merge-patch+json"
				}
				t.Run(op.OperationID+"/413", func(t *testing.T) {
					resp, got := do(t, method, url, contentType, big, "Authorization", "Bearer "+e.admin)
					if resp.StatusCode != 413 || problemCode(t, resp, got) != "PAYLOAD_TOO_LARGE" {
						t.Errorf("status %d (%.200s)", resp.StatusCode, got)
					}
				})
			}
			kinds := tokenKinds(spec, op)
			if len(kinds) != 1 {
				continue
			}
			wrong := map[string]string{"customerAuth": e.admin, "adminAuth": customer}[kinds[0]]
			t.Run(op.OperationID+"/403", func(t *testing.T) {
				resp, got := do(t, method, url, contentType, body, "Authorization", "Bearer "+wrong)
				if resp.StatusCode != 403 || problemCode(t, resp, got) != "FORBIDDEN" {
					t.Errorf("the other kind of token: status %d (%.200s)", resp.StatusCode, got)
				}
			})
		}
	}
}
