package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/clientele/clientele/graph"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/internal/testdb"
)

// fuzzQueries take untrusted variables of every kind the schema has: custom scalars (Time,
// Date, JSON), enums, lists, nested inputs, IDs and cursors.
var fuzzQueries = []string{
	`query($f: CustomerFilter, $o: CustomerOrder, $n: Int, $a: String) { customers(first: $n, after: $a, filter: $f, orderBy: $o) { totalCount nodes { id createdAt metadata dateOfBirth } } }`,
	`mutation($in: RegisterCustomerInput!) { registerCustomer(input: $in) { customer { id metadata } } }`,
	`mutation($in: CreateCustomerInput!) { createCustomer(input: $in) { id } }`,
	`mutation($id: ID!, $in: UpdateCustomerInput!) { updateCustomer(id: $id, input: $in) { id } }`,
	`mutation($in: CreateCustomerGroupInput!) { createCustomerGroup(input: $in) { id metadata } }`,
	`mutation($id: ID!, $until: Time, $r: String) { lockCustomer(id: $id, until: $until, reason: $r) { id } }`,
	`mutation($c: ID!, $in: AddressInput!) { createCustomerAddress(customerId: $c, input: $in) { id } }`,
	`query($f: AuditEventFilter, $m: MessageFilter) { auditEvents(filter: $f) { totalCount } messages(filter: $m) { totalCount } }`,
	`query($code: String!) { country(code: $code) { regions { code } } }`,
}

// FuzzGraphQLVariables sends random variables to fixed queries as a super administrator
// (so that every resolver runs): whatever they hold, the answer is never INTERNAL, never a
// 5xx, and every error carries a code.
func FuzzGraphQLVariables(f *testing.F) {
	h := fuzzHandler(f)
	for i, seed := range []string{
		`{"f": {"createdFrom": "2024-01-01T00:00:00Z", "status": "ACTIVE"}, "n": 5}`,
		`{"f": {"createdFrom": "yesterday"}, "o": {"field": "nope"}}`,
		`{"in": {"email": "a@example.com", "password": "long enough password", "confirmPassword": "long enough password", "firstName": "A", "lastName": "B", "metadata": {"k": [1, {"x": null}]}, "dateOfBirth": "1990-01-31"}}`,
		`{"in": {"email": 5, "metadata": "x", "dateOfBirth": {}}}`,
		`{"id": "x", "in": {"groupIds": [1, 2], "attributes": [{"name": "a", "value": "b"}]}}`,
		`{"in": {"name": "g", "metadata": [1]}}`,
		`{"id": "01900000-0000-7000-8000-000000000009", "until": 12}`,
		`{"c": "x", "in": {"street": ["a", 2], "countryCode": "US", "region": {"code": 3}}}`,
		`{"f": {"targetId": {}}, "m": {"to": []}}`,
		`{"code": null}`,
		`[]`, `null`, `"x"`, `{"f": 1e400}`,
	} {
		f.Add(uint8(i), []byte(seed))
	}
	f.Fuzz(func(t *testing.T, which uint8, vars []byte) {
		body, err := json.Marshal(map[string]any{"query": fuzzQueries[int(which)%len(fuzzQueries)], "variables": json.RawMessage(vars)})
		if err != nil {
			// Not JSON: send it as it came, a body the transport must refuse cleanly.
			body = append([]byte(`{"query": "{ __typename }", "variables": `), vars...)
		}
		checkAnswer(t, h, body)
	})
}

// FuzzGraphQLDocuments sends random documents, first through the pre-check: none is
// answered with a 5xx or INTERNAL, or slowly.
func FuzzGraphQLDocuments(f *testing.F) {
	h := fuzzHandler(f)
	for _, q := range append(fuzzQueries,
		`{ a: customer(id: "1") { id } a: customer(id: "2") { email } }`,
		`{ ...A } fragment A on Query { ...B ...B } fragment B on Query { __typename }`,
		`mutation { a: generateCustomerToken(email: "x", password: "y") { token } }`,
		`{ __schema { types { fields { type { ofType { name } } } } } }`,
		`{ countries { code regions { code } } c: countries { name } }`) {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, query string) {
		body, _ := json.Marshal(map[string]any{"query": query})
		start := time.Now()
		checkAnswer(t, h, body)
		if took := time.Since(start); took > 2*time.Second {
			t.Fatalf("answered in %v: %q", took, query)
		}
	})
}

// fuzzHandler is the GraphQL handler on a fresh SQLite database.
func fuzzHandler(f *testing.F) http.Handler {
	d := testdb.New(f, db.SQLite)
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		f.Fatal(err)
	}
	cfg.RateLimitPerEmail, cfg.RateLimitPerIP = 0, 0
	log := slog.New(slog.DiscardHandler)
	svc, err := service.New(context.Background(), d, cfg, log, service.Options{Argon2: &auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1}})
	if err != nil {
		f.Fatal(err)
	}
	return graph.NewHandler(svc, log, graph.Limits{})
}

// fuzzAdmin is a super administrator, so that every resolver runs.
var fuzzAdmin = auth.Principal{Kind: auth.Admin, ID: "01900000-0000-7000-8000-000000000001", Permissions: []string{service.PermAll}}

// checkAnswer posts body and fails on a 5xx, a body that is not JSON, or an error without a
// code or with INTERNAL.
func checkAnswer(t *testing.T, h http.Handler, body []byte) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req = req.WithContext(auth.With(req.Context(), fuzzAdmin))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var out struct {
		Errors []struct {
			Message    string `json:"message"`
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("response is not JSON: %v: %s", err, rec.Body)
	}
	for _, e := range out.Errors {
		if e.Extensions.Code == "" || e.Extensions.Code == "INTERNAL" {
			t.Fatalf("%s: error %q with code %q", body, e.Message, e.Extensions.Code)
		}
	}
}
