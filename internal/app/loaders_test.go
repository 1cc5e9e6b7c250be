package app_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/internal/testdb"
	"github.com/clientele/clientele/models"
)

// TestCustomerPageCostsConstantStatements proves the dataloaders: a GraphQL page of
// customers with addresses, defaults, groups and company memberships (with roles and teams)
// costs the same number of SQL statements for 10 customers as for 100.
func TestCustomerPageCostsConstantStatements(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		admin, err := e.svc.Authenticate(ctx, e.admin)
		if err != nil {
			t.Fatal(err)
		}
		wholesale := []string{db.GroupWholesale, db.GroupGeneral}
		var company models.Company
		var team models.CompanyTeam
		for i := range 100 {
			c, err := e.svc.CreateCustomer(ctx, admin, service.CreateCustomerInput{
				Profile:  service.Profile{Email: fmt.Sprintf("c%03d@example.com", i), FirstName: "Pat", LastName: "Doe"},
				GroupIDs: wholesale,
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, street := range []string{"1 Main St", "2 High St"} {
				in := service.AddressInput{FirstName: "Pat", LastName: "Doe", Street: []string{street}, City: "Leeds", CountryCode: "GB"}
				if _, err := e.svc.CreateCustomerAddress(ctx, admin, c.ID, in); err != nil {
					t.Fatal(err)
				}
			}
			if i == 0 { // the first customer owns the company every other one joins
				if company, err = e.svc.CreateCompany(ctx, admin, service.CompanyInput{Name: "Acme", OwnerID: &c.ID}); err != nil {
					t.Fatal(err)
				}
				if team, err = e.svc.CreateCompanyTeam(ctx, admin, company.ID, service.CompanyTeamInput{Name: "Buyers"}); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if _, err := e.svc.CreateCompanyUser(ctx, admin, company.ID, service.CompanyUserInput{CustomerID: &c.ID, TeamID: &team.ID}); err != nil {
				t.Fatal(err)
			}
		}
		counter := testdb.CountStatements(t, d)
		statements := func(first int) int64 {
			counter.Reset()
			query := `query($n: Int) { customers(first: $n) { nodes { id
				addresses { id street country { name } } defaultBillingAddress { id } defaultShippingAddress { id }
				groups { name customerCount }
				companyMemberships { companyId jobTitle role { name usersCount } roles { name usersCount } team { name } } } } }`
			r := graphql(t, e.url, e.admin, query, map[string]any{"n": first}, "customers")
			nodes := r.ok(t)["nodes"].([]any)
			if len(nodes) != first {
				t.Fatalf("%d nodes, want %d", len(nodes), first)
			}
			node := nodes[0].(map[string]any)
			if len(node["addresses"].([]any)) != 2 || node["defaultBillingAddress"] == nil || len(node["groups"].([]any)) != 2 ||
				len(node["companyMemberships"].([]any)) != 1 {
				t.Fatalf("node = %v", node)
			}
			return counter.N()
		}
		small, large := statements(10), statements(100)
		if small != large {
			t.Fatalf("10 customers cost %d statements, 100 cost %d: nested lists are not batched", small, large)
		}
		t.Logf("a page with addresses, groups and memberships costs %d statements", large)
	})
}

// TestGroupCountsCostConstantStatements: a customer's groups, and an export's, are marshalled
// one after another (graph/internal/execpatch), so their customerCount fields must be queued as
// one batch before: a customer in six groups costs the statements of a customer in one.
func TestGroupCountsCostConstantStatements(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		admin, err := e.svc.Authenticate(ctx, e.admin)
		if err != nil {
			t.Fatal(err)
		}
		var groups []string
		for i := range 6 {
			g, err := e.svc.CreateCustomerGroup(ctx, admin, service.GroupInput{Name: fmt.Sprintf("Group %d", i)})
			if err != nil {
				t.Fatal(err)
			}
			groups = append(groups, g.ID)
		}
		customerIn := func(groups []string) string {
			c, err := e.svc.CreateCustomer(ctx, admin, service.CreateCustomerInput{
				Profile:  service.Profile{Email: fmt.Sprintf("in%d@example.com", len(groups)), FirstName: "Pat", LastName: "Doe"},
				GroupIDs: groups,
			})
			if err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		inOne, inSix := customerIn(groups[:1]), customerIn(groups)
		counter := testdb.CountStatements(t, d)
		for op, query := range map[string]string{
			"customer":       `query($id: ID!) { customer(id: $id) { groups { name customerCount } } }`,
			"exportCustomer": `query($id: ID!) { exportCustomer(id: $id) { groups { name customerCount } } }`,
		} {
			statements := func(id string, want int) int64 {
				counter.Reset()
				got := graphql(t, e.url, e.admin, query, map[string]any{"id": id}, op).ok(t)["groups"].([]any)
				if len(got) != want {
					t.Fatalf("%s: %d groups, want %d", op, len(got), want)
				}
				for _, g := range got {
					if n := g.(map[string]any)["customerCount"]; n != 1.0 && n != 2.0 {
						t.Fatalf("%s: group %v", op, g)
					}
				}
				return counter.N()
			}
			if one, six := statements(inOne, 1), statements(inSix, 6); one != six {
				t.Errorf("%s: a customer in one group costs %d statements, in six %d: customerCount is not batched", op, one, six)
			}
		}
	})
}
