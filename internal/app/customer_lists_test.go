package app_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/clientele/clientele/api"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/testdb"
)

// TestCustomerSearchIsACaseInsensitivePrefix: search finds a customer whose email, first
// name or last name starts with it, whatever the case, and nothing that holds it further
// in (it used to be a substring match, which no index serves). LIKE's wildcards are plain
// characters, and the term is trimmed.
func TestCustomerSearchIsACaseInsensitivePrefix(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		rest := &restFace{e}
		for _, c := range []struct{ email, first, last string }{
			{"ann.smith@example.com", "Ann", "Smith"},
			{"bob@mail.test", "Robert", "Annandale"},
			{"zed@example.com", "Joanna", "Blacksmith"},
			{"under_score@example.com", "Percy", "Hundred%"},
		} {
			rest.CreateCustomer(e.admin, api.CreateCustomerInput{Email: c.email, FirstName: c.first, LastName: c.last}).ok(t)
		}
		eachFace(t, e, func(t *testing.T, f face) {
			for search, want := range map[string][]string{
				"ann":         {"ann.smith@example.com", "bob@mail.test"}, // email and first name; last name
				"ANN.S":       {"ann.smith@example.com"},
				"  Smith ":    {"ann.smith@example.com"}, // trimmed; not Blacksmith
				"rob":         {"bob@mail.test"},
				"JOANNA":      {"zed@example.com"},
				"mail.test":   nil, // the middle of an email
				"nna":         nil, // the middle of a first name (Joanna) and of a last name (Annandale)
				"smith":       {"ann.smith@example.com"},
				"blacks":      {"zed@example.com"},
				"under_":      {"under_score@example.com"},
				"under%":      nil,
				"hundred%":    {"under_score@example.com"},
				"hundred_":    nil,
				"nobody":      nil,
				"ann.smith@e": {"ann.smith@example.com"},
			} {
				r := f.ListCustomers(e.admin, api.ListCustomersParams{Search: &search, Sort: ptrTo(api.CustomerSort("email"))}).ok(t)
				var got []string
				for _, c := range r["items"].([]any) {
					got = append(got, c.(map[string]any)["email"].(string))
				}
				if !slices.Equal(got, want) || r["totalCount"] != float64(len(want)) {
					t.Errorf("search %q: %v (totalCount %v), want %v", search, got, r["totalCount"], want)
				}
			}
			// With another filter and across pages.
			r := f.ListCustomers(e.admin, api.ListCustomersParams{Search: ptr("ann"), Email: ptr("bob@mail.test")}).ok(t)
			if items := r["items"].([]any); len(items) != 1 {
				t.Errorf("search with email: %v", items)
			}
			first := f.ListCustomers(e.admin, api.ListCustomersParams{Search: ptr("ann"), Limit: ptrTo(1)}).ok(t)
			next := first["nextCursor"].(string)
			second := f.ListCustomers(e.admin, api.ListCustomersParams{Search: ptr("ann"), Limit: ptrTo(1), Cursor: &next}).ok(t)
			a, b := first["items"].([]any)[0].(map[string]any)["id"], second["items"].([]any)[0].(map[string]any)["id"]
			if a == b || second["nextCursor"] != nil {
				t.Errorf("search pages: %v then %v (next %v)", a, b, second["nextCursor"])
			}
		})
	})
}

// TestCustomerListStatementsDoNotGrowWithThePage: a REST page of customers with their
// addresses and groups is the token check, the page with its address books, and the groups:
// three statements for 5 customers and for 60; the count adds one; company members add their
// memberships' statements, again whatever their number. GraphQL's page with addresses and
// groups is three too. The token is checked in the database on every request here
// (CLIENTELE_REVOCATION_SYNC=0), so the count does not depend on what the revocation memory
// has learnt.
func TestCustomerListStatementsDoNotGrowWithThePage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, func(c *config.Config) { c.RevocationSync = 0 })
		rest := &restFace{e}
		var ids []string
		for i := range 60 {
			c := rest.CreateCustomer(e.admin, api.CreateCustomerInput{Email: fmt.Sprintf("page%02d@example.com", i), FirstName: "Page", LastName: "Counted",
				GroupIds: &[]string{db.GroupGeneral, db.GroupWholesale}}).ok(t)
			ids = append(ids, c["id"].(string))
			rest.CreateCustomerAddress(e.admin, ids[i], newAddress(fmt.Sprintf("%d Main St", i))).ok(t)
		}
		counter := testdb.CountStatements(t, d)
		statements := func(call func() result) int64 {
			t.Helper()
			counter.Reset()
			call().ok(t)
			return counter.N()
		}
		list := func(limit int, total bool) func() result {
			return func() result {
				return rest.ListCustomers(e.admin, api.ListCustomersParams{Limit: &limit, WithTotal: &total, Search: ptr("page")})
			}
		}
		graph := func(first int) func() result {
			return func() result {
				return graphql(t, e.url, e.admin, `query($n: Int) { customers(first: $n) { nodes { id addresses { id city } groups { id name } } } }`,
					map[string]any{"n": first}, "customers")
			}
		}
		check := func(what string, got, want int64) {
			t.Helper()
			if got != want {
				t.Errorf("%s: %d statements, want %d", what, got, want)
			}
		}
		check("REST page of 5", statements(list(5, false)), 3)
		check("REST page of 60", statements(list(60, false)), 3)
		check("REST page of 60 with its count", statements(list(60, true)), 4)
		check("GraphQL page of 5", statements(graph(5)), 3)
		check("GraphQL page of 60", statements(graph(60)), 3)

		// Two company members on the page of 5 (the newest), then on a page of 60.
		owner := ids[59]
		company := rest.CreateCompany(e.admin, api.CreateCompanyInput{Name: "Counted Ltd", OwnerId: &owner}).ok(t)
		rest.CreateCompanyUser(e.admin, company["id"].(string), api.CreateCompanyUserInput{CustomerId: &ids[58]}).ok(t)
		small, large := statements(list(5, false)), statements(list(60, false))
		if small != large || small <= 3 {
			t.Errorf("with company members: a page of 5 ran %d statements, of 60 %d", small, large)
		}
	})
}
