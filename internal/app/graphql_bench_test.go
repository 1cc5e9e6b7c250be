package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/testdb"
)

// The GraphQL reads of the bench's gqlCustomer and gqlCustomers cases, served by the handler
// without a network, on each test database: allocations and this process's CPU time per
// request (cpu-ns/op, which other processes on a busy machine disturb less than ns/op), to
// compare changes to the GraphQL path:
//
//	go test -run '^$' -bench GraphQL -benchmem ./internal/app/
//
// On MySQL the database's own work is in another process and left out. Speed against the
// same-answer baseline is measured by go run ./bench.
const (
	benchCustomerQuery  = `query($id: ID!) { customer(id: $id) { id email firstName lastName status createdAt } }`
	benchCustomersQuery = `query($first: Int) { customers(first: $first) { nodes { id email firstName lastName status createdAt
  addresses { id street city postalCode countryCode isDefaultBilling } groups { id name } } pageInfo { hasNextPage endCursor } } }`
)

func BenchmarkGraphQLCustomer(b *testing.B) {
	eachDialect(b, func(b *testing.B, dialect string) {
		e, ids := benchShop(b, dialect, 1)
		benchGraphQL(b, e, benchCustomerQuery, map[string]any{"id": ids[0]})
	})
}

func BenchmarkGraphQLCustomersPage(b *testing.B) {
	eachDialect(b, func(b *testing.B, dialect string) {
		e, _ := benchShop(b, dialect, 50)
		benchGraphQL(b, e, benchCustomersQuery, map[string]any{"first": 50})
	})
}

func eachDialect(b *testing.B, fn func(b *testing.B, dialect string)) {
	for _, dialect := range testdb.Dialects() {
		b.Run(dialect, func(b *testing.B) { fn(b, dialect) })
	}
}

// benchShop is a server with n customers, each in two groups with two addresses.
func benchShop(b *testing.B, dialect string, n int) (*env, []string) {
	e := newEnv(b, testdb.New(b, dialect))
	var groups []string
	for i := range 2 {
		c := e.send(http.MethodPost, "/v1/customer-groups", e.admin, map[string]any{"name": fmt.Sprintf("Group %d", i)})
		groups = append(groups, mustID(b, c))
	}
	ids := make([]string, n)
	for i := range n {
		c := e.send(http.MethodPost, "/v1/customers", e.admin, map[string]any{
			"email": fmt.Sprintf("c%d@example.com", i), "firstName": "Jane", "lastName": "Doe", "groupIds": groups})
		ids[i] = mustID(b, c)
		for j := range 2 {
			mustID(b, e.send(http.MethodPost, "/v1/customers/"+ids[i]+"/addresses", e.admin, map[string]any{
				"firstName": "Jane", "lastName": "Doe", "street": []string{fmt.Sprintf("%d Main St", j)},
				"city": "Springfield", "postalCode": "12345", "countryCode": "US", "region": map[string]any{"code": "IL"}}))
		}
	}
	return e, ids
}

func mustID(b *testing.B, c call) string {
	b.Helper()
	var out struct{ ID string }
	if err := json.Unmarshal([]byte(c.body), &out); err != nil || out.ID == "" {
		b.Fatalf("%d %s", c.status, c.body)
	}
	return out.ID
}

func benchGraphQL(b *testing.B, e *env, query string, vars map[string]any) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	serve := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.admin)
		rec := httptest.NewRecorder()
		e.app.ServeHTTP(rec, req)
		return rec
	}
	if rec := serve(); rec.Code != http.StatusOK || bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) {
		b.Fatalf("%d %s", rec.Code, rec.Body)
	}
	b.ReportAllocs()
	before := cpuTime(b)
	for b.Loop() {
		serve()
	}
	b.ReportMetric(float64(cpuTime(b)-before)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		b.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
