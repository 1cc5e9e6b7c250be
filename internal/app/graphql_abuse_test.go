package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/app"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/testdb"
)

// Bounds on one abusive request (SPEC §9): answered within abuseTime, allocating under
// abuseBytes in the whole process while it is served.
const (
	abuseTime  = 2 * time.Second
	abuseBytes = 64 << 20
)

// graphiqlIntrospection is the query GraphiQL (graphql-js getIntrospectionQuery) sends to
// draw its documentation, copied from the bundle served at /graphql.
func graphiqlIntrospection(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/graphiql_introspection.graphql")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// repeat joins n pieces made by f.
func repeat(n int, f func(i int) string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = f(i)
	}
	return strings.Join(parts, " ")
}

// measured is one request as the server saw it.
type measured struct {
	status int
	body   gqlResponse
	raw    string
	took   time.Duration
	alloc  uint64
}

// postMeasured sends query over HTTP and measures the time and the bytes the process
// allocated while it was answered (the server runs in this process).
func postMeasured(t *testing.T, url, token, query string, vars map[string]any) measured {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /graphql: %v", err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := measured{status: resp.StatusCode, raw: string(raw), took: time.Since(start)}
	runtime.ReadMemStats(&after)
	m.alloc = after.TotalAlloc - before.TotalAlloc
	if err := json.Unmarshal(raw, &m.body); err != nil {
		t.Fatalf("decode %.300s: %v", raw, err)
	}
	return m
}

// refusedCheaply asserts that a request was BAD_REQUEST, cost little and ran nothing.
func (m measured) refusedCheaply(t *testing.T, counter *testdb.Counter, reason string) {
	t.Helper()
	if len(m.body.Errors) == 0 || m.body.Errors[0].Extensions.Code != "BAD_REQUEST" {
		t.Fatalf("want BAD_REQUEST, got %.500s", m.raw)
	}
	if !strings.Contains(m.body.Errors[0].Message, reason) {
		t.Errorf("message %q does not say %q", m.body.Errors[0].Message, reason)
	}
	if len(m.body.Data) != 0 {
		t.Errorf("a refused request has data: %.300s", m.raw)
	}
	if m.took > abuseTime || m.alloc > abuseBytes {
		t.Errorf("answered in %v allocating %d MiB; want under %v and %d MiB", m.took, m.alloc>>20, abuseTime, abuseBytes>>20)
	}
	if n := counter.N(); n != 0 {
		t.Errorf("a refused request ran %d SQL statements", n)
	}
	t.Logf("refused in %v, %d KiB allocated: %s", m.took, m.alloc>>10, m.body.Errors[0].Message)
}

// TestGraphQLAbuseIsRefusedCheaply sends the crafted documents of issue 13 through the real
// server: each is refused before validation or before execution, in bounded time and memory,
// and the server answers normally afterwards.
func TestGraphQLAbuseIsRefusedCheaply(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		intro := graphiqlIntrospection(t)
		introSelection := intro[strings.Index(intro, "__schema"):strings.Index(intro, "fragment FullType")]
		introSelection = introSelection[:strings.LastIndex(introSelection, "}")]
		introFragments := intro[strings.Index(intro, "fragment FullType"):]
		conflict := func(i int) string {
			if i%2 == 0 {
				return fmt.Sprintf(`a: customer(id: "%d") { id }`, i)
			}
			return fmt.Sprintf(`a: customer(id: "%d") { email }`, i)
		}
		// fanOut spreads each fragment ten times into the one above: 10^levels fields.
		fanOut := func(levels int) string {
			var b strings.Builder
			b.WriteString("{ ...F0 }\n")
			for l := range levels {
				fmt.Fprintf(&b, "fragment F%d on Query { %s }\n", l, repeat(10, func(int) string { return fmt.Sprintf("...F%d", l+1) }))
			}
			fmt.Fprintf(&b, "fragment F%d on Query { __typename }\n", levels)
			return b.String()
		}
		fill := func(size int, f func(i int) string) string {
			var b strings.Builder
			b.WriteString("{ ")
			for i := 0; b.Len() < size; i++ {
				b.WriteString(f(i))
				b.WriteByte(' ')
			}
			b.WriteString("}")
			return b.String()
		}

		cases := []struct{ name, query, reason string }{
			{"64 KB of conflicting aliases", fill(64000, conflict), "selections once its fragments are expanded"},
			{"conflicting aliases within the selection limit", "{ " + repeat(400, conflict) + " }", `"a" is selected more than 50 times`},
			{"a document over the byte limit", fill(70000, conflict), "at most 65536 are allowed"},
			{"thousands of __typename aliases", fill(64000, func(i int) string { return fmt.Sprintf("a%d: __typename", i) }), "selections"},
			{"aliased countries", "{ " + repeat(100, func(i int) string { return fmt.Sprintf("c%d: countries { code name regions { code name } }", i) }) + " }", "too complex"},
			{"aliased introspection", "{ " + repeat(3, func(i int) string { return fmt.Sprintf("i%d: %s", i, introSelection) }) + " }\n" + introFragments, "too complex"},
			{"introspection lists nested through types", `{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }`, "introspection depth"},
			{"fragments spreading fragments ten times a level", fanOut(10), "selections"},
			{"hundreds of fragments", "{ " + repeat(101, func(i int) string { return fmt.Sprintf("...F%d", i) }) + " }\n" +
				repeat(101, func(i int) string { return fmt.Sprintf("fragment F%d on Query { a%d: __typename }", i, i) }), "at most 100 are allowed"},
			{"a fragment cycle", `{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }`, "spreads itself"},
			{"a fragment defined twice", `{ ...A } fragment A on Query { __typename } fragment A on Query { ` + repeat(400, conflict) + ` }`, "defined twice"},
			{"an unused fragment full of conflicts", `{ __typename } fragment U on Query { ` + repeat(400, conflict) + ` }`, `"a" is selected more than 50 times`},
			{"nesting deeper than 12", "{ " + strings.Repeat("customers { nodes { ", 7) + "id" + strings.Repeat(" } }", 7) + " }", "nested 15 levels deep"},
		}
		counter := testdb.CountStatements(t, e.db)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				counter.Reset()
				m := postMeasured(t, e.url, e.admin, c.query, nil)
				m.refusedCheaply(t, counter, c.reason)
				// The server still answers.
				graphql(t, e.url, "", `{ countries { code } }`, nil, "countries").ok(t)
			})
		}
	})
}

// TestGraphQLWorstAcceptedDocumentsAreBounded: what the pre-check lets through to validation
// at its limits still costs little there.
func TestGraphQLWorstAcceptedDocumentsAreBounded(t *testing.T) {
	e := newEnv(t, testdb.New(t, db.SQLite))
	// 1,000 selections: 10 response names, each selected 50 times with conflicting arguments.
	conflicts := "{ " + repeat(500, func(i int) string { return fmt.Sprintf(`a%d: customer(id: "%d") { id }`, i%10, i) }) + " }"
	// 100 fragments spread side by side: validation compares each pair.
	spreads := "{ " + repeat(100, func(i int) string { return fmt.Sprintf("...F%d", i) }) + " }\n" +
		repeat(100, func(i int) string { return fmt.Sprintf("fragment F%d on Query { a%d: __typename }", i, i) })
	// 999 aliases of __typename.
	typenames := "{ " + repeat(999, func(i int) string { return fmt.Sprintf("a%d: __typename", i) }) + " }"
	for name, q := range map[string]string{"conflicts": conflicts, "fragment pairs": spreads, "typenames": typenames} {
		t.Run(name, func(t *testing.T) {
			m := postMeasured(t, e.url, e.admin, q, nil)
			if m.took > abuseTime || m.alloc > abuseBytes {
				t.Errorf("answered in %v allocating %d MiB; want under %v and %d MiB", m.took, m.alloc>>20, abuseTime, abuseBytes>>20)
			}
			t.Logf("answered in %v, %d KiB allocated, %d errors", m.took, m.alloc>>10, len(m.body.Errors))
		})
	}
}

// TestGraphQLOnePasswordFieldPerRequest: 400 aliased sign-ins ran 300 argon2id checks before;
// now any second password-checking field, however aliased or spread, refuses the whole
// request before anything runs: no check, no failed-login count, no audit row.
func TestGraphQLOnePasswordFieldPerRequest(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		f := &graphFace{e}
		c := f.Register(registration("victim@example.com")).ok(t)
		counter := testdb.CountStatements(t, e.db)
		signIn := func(i int) string {
			return fmt.Sprintf(`t%d: generateCustomerToken(email: "victim@example.com", password: "guess %d") { token }`, i, i)
		}
		for name, q := range map[string]string{
			"400 aliases": "mutation { " + repeat(400, signIn) + " }",
			"two through fragments": `mutation { ...A ... on Mutation { ...B } }
				fragment A on Mutation { generateCustomerToken(email: "victim@example.com", password: "x") { token } }
				fragment B on Mutation { eraseMe(password: "x") { id } }`,
			"a sign-in and a registration": `mutation { generateAdminToken(email: "root@example.com", password: "x") { token }
				registerCustomer(input: {email: "new@example.com", password: "long enough password", confirmPassword: "long enough password", firstName: "A", lastName: "B"}) { customer { id } } }`,
		} {
			t.Run(name, func(t *testing.T) {
				counter.Reset()
				m := postMeasured(t, e.url, "", q, nil)
				m.refusedCheaply(t, counter, "at most one sign-in or password operation")
			})
		}
		got := graphql(t, e.url, e.admin, `query($id: ID!) { customer(id: $id) { failedLoginCount isLocked } }`, map[string]any{"id": c["id"]}, "customer").ok(t)
		if got["failedLoginCount"] != float64(0) || got["isLocked"] != false {
			t.Errorf("refused sign-ins were counted: %v", got)
		}
		events := graphql(t, e.url, e.admin, `query($id: ID!) { auditEvents(filter: {targetId: $id}) { nodes { action } } }`, map[string]any{"id": c["id"]}, "auditEvents").ok(t)
		if strings.Contains(fmt.Sprint(events), "login_failed") {
			t.Errorf("a refused sign-in left an audit row: %v", events)
		}
		// One sign-in alone still works.
		f.CustomerToken("victim@example.com", goodPassword).ok(t)
	})
}

// TestGraphiQLIntrospectionStillWorks: the query GraphiQL sends passes every limit, and so do
// two copies of it; the field and complexity limits stop the floods, not the tools.
func TestGraphiQLIntrospectionStillWorks(t *testing.T) {
	e := newEnv(t, testdb.New(t, db.SQLite))
	intro := graphiqlIntrospection(t)
	m := postMeasured(t, e.url, "", intro, nil)
	if len(m.body.Errors) != 0 || !strings.Contains(string(m.body.Data["__schema"]), `"name":"Customer"`) {
		t.Fatalf("introspection: %.500s", m.raw)
	}
	selection := intro[strings.Index(intro, "__schema"):strings.Index(intro, "fragment FullType")]
	selection = selection[:strings.LastIndex(selection, "}")]
	twice := "{ a: " + selection + " b: " + selection + " }\n" + intro[strings.Index(intro, "fragment FullType"):]
	if m := postMeasured(t, e.url, "", twice, nil); len(m.body.Errors) != 0 {
		t.Fatalf("two introspections: %.500s", m.raw)
	}
}

// TestGraphQLMalformedScalars: a bad Time, Date or JSON value, in a variable or a literal, is
// VALIDATION_FAILED naming the input field, never INTERNAL (SPEC §5).
func TestGraphQLMalformedScalars(t *testing.T) {
	e := newEnv(t, testdb.New(t, db.SQLite))
	for _, c := range []struct {
		query string
		vars  map[string]any
		op    string
		field string
	}{
		{`query($t: Time) { customers(filter: {createdFrom: $t}) { totalCount } }`, map[string]any{"t": "yesterday"}, "customers", "filter.createdFrom"},
		{`query($t: Time) { customers(filter: {createdTo: $t}) { totalCount } }`, map[string]any{"t": map[string]any{"a": 1}}, "customers", "filter.createdTo"},
		{`{ customers(filter: {createdFrom: 5}) { totalCount } }`, nil, "customers", "filter.createdFrom"},
		{`mutation { lockCustomer(id: "x", until: "next week") { id } }`, nil, "lockCustomer", "until"},
		{`mutation($m: JSON) { createCustomerGroup(input: {name: "g", metadata: $m}) { id } }`, map[string]any{"m": []any{1, 2}}, "createCustomerGroup", "metadata"},
		{`mutation { createCustomerGroup(input: {name: "g", metadata: "x"}) { id } }`, nil, "createCustomerGroup", "metadata"},
		{`mutation($d: Date) { createCustomer(input: {email: "d@example.com", firstName: "a", lastName: "b", dateOfBirth: $d}) { id } }`, map[string]any{"d": map[string]any{}}, "createCustomer", "dateOfBirth"},
		{`mutation($d: Date) { createCustomer(input: {email: "d@example.com", firstName: "a", lastName: "b", dateOfBirth: $d}) { id } }`, map[string]any{"d": "31/01/1990"}, "createCustomer", "dateOfBirth"},
	} {
		graphql(t, e.url, e.admin, c.query, c.vars, c.op).fails(t, "VALIDATION_FAILED", c.field)
	}
}

// TestGraphQLNonJSONBody: a POST that is not application/json gets a GraphQL error body a
// client can read (415, BAD_REQUEST), not a bare text message.
func TestGraphQLNonJSONBody(t *testing.T) {
	e := newEnv(t, testdb.New(t, db.SQLite))
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", ""} {
		resp, body := do(t, "POST", e.url+"/graphql", ct, `{"query":"{ __typename }"}`)
		var out gqlResponse
		if err := json.Unmarshal([]byte(body), &out); err != nil || resp.StatusCode != http.StatusUnsupportedMediaType ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") ||
			len(out.Errors) != 1 || out.Errors[0].Extensions.Code != "BAD_REQUEST" {
			t.Errorf("Content-Type %q: %d %s %s", ct, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
}

// TestGraphQLStopsWhenTheRequestIsDone: once the request's context is done (the client went
// away, the deadline passed), no further field resolves: a mutation of 50 password-reset
// requests runs none of them, each failing UNAVAILABLE in the words REST's 503 uses.
func TestGraphQLStopsWhenTheRequestIsDone(t *testing.T) {
	d := testdb.New(t, db.SQLite)
	e := newEnv(t, d)
	h, err := app.New(e.svc, slog.New(slog.DiscardHandler), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	counter := testdb.CountStatements(t, d)
	q := "mutation { " + repeat(50, func(i int) string {
		return fmt.Sprintf(`r%d: requestPasswordReset(email: "someone%d@example.com") { accepted }`, i, i)
	}) + " }"
	b, _ := json.Marshal(map[string]any{"query": q})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(b)).WithContext(ctx)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out gqlResponse
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	if len(out.Errors) != 50 || out.Errors[0].Extensions.Code != "UNAVAILABLE" ||
		out.Errors[0].Message != "The request was cancelled or timed out." {
		t.Errorf("cancelled request: %.300s", rec.Body.String())
	}
	if n := counter.N(); n != 0 {
		t.Errorf("a cancelled request ran %d SQL statements", n)
	}
}
