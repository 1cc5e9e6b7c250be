package app_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/clientele/clientele/api"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/testdb"
)

// TestHotReadsCheckTheTokenInTheirStatement: getCustomer and getMe check the caller's token in
// the statement that reads the customer. They must refuse exactly what every other operation
// refuses, and say UNAUTHENTICATED or FORBIDDEN before NOT_FOUND, so a bad token learns nothing
// about which customers exist.
func TestHotReadsCheckTheTokenInTheirStatement(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachStaffFace(t, e, func(t *testing.T, f staffFace) {
			root := adminToken(t, f)
			ada, adaToken := signUp(t, f, f.Name()+"-hot@example.com")
			id := ada["id"].(string)
			const missing = "01900000-0000-7000-8000-000000000000"

			reader := adminWith(t, f, root, "customers:read")
			revokedReader := adminWith(t, f, root, "customers:read")
			f.RevokeAdmin(revokedReader, false).ok(t)
			limited := adminWith(t, f, root, "audit:read")

			_, revokedCustomer := signUp(t, f, f.Name()+"-hot-revoked@example.com")
			f.RevokeCustomer(revokedCustomer, false).ok(t)
			_, staleCustomer := signUp(t, f, f.Name()+"-hot-stale@example.com")
			f.ChangeMyPassword(staleCustomer, goodPassword, goodPassword+"!", goodPassword+"!").ok(t)
			apiToken := f.RegenerateCustomerToken(adaToken).ok(t)["token"].(string)
			tampered := reader[:len(reader)-2] + "xx"

			for _, c := range []struct {
				name string
				call result
				want string // error code, "" for success
			}{
				{"reader reads", f.GetCustomer(reader, id), ""},
				{"reader, no such customer", f.GetCustomer(reader, missing), "NOT_FOUND"},
				{"revoked admin", f.GetCustomer(revokedReader, id), "UNAUTHENTICATED"},
				{"revoked admin, no such customer", f.GetCustomer(revokedReader, missing), "UNAUTHENTICATED"},
				{"tampered admin token", f.GetCustomer(tampered, id), "UNAUTHENTICATED"},
				{"admin without customers:read, no such customer", f.GetCustomer(limited, missing), "FORBIDDEN"},
				{"customer token", f.GetCustomer(adaToken, id), "FORBIDDEN"},
				{"no token", f.GetCustomer("", id), "UNAUTHENTICATED"},
				{"me", f.Me(adaToken), ""},
				{"me with an API token", f.Me(apiToken), ""},
				{"me with an admin token", f.Me(reader), "FORBIDDEN"},
				{"me with a revoked token", f.Me(revokedCustomer), "UNAUTHENTICATED"},
				{"me with a token older than a password change", f.Me(staleCustomer), "UNAUTHENTICATED"},
			} {
				if c.call.Code != c.want {
					t.Errorf("%s: got %q, want %q (%s)", c.name, c.call.Code, c.want, c.call.Raw)
				}
			}
			if got := f.Me(apiToken).ok(t)["id"]; got != id {
				t.Errorf("me with an API token is %v, want %s", got, id)
			}

			// A token checked once stays checked for the rest of its request, and a revocation
			// takes effect on the next one.
			f.GetCustomer(reader, id).ok(t)
			f.RevokeAdmin(reader, false).ok(t)
			f.GetCustomer(reader, id).fails(t, "UNAUTHENTICATED")
		})
	})
}

// TestCustomerRepresentationIsTheSameWhicheverWayItIsRead: getCustomer and getMe read a
// customer and its lists in one statement (JSON aggregates); lists and writes read them with
// AddressesOf, GroupsOf and MembershipsOf. Both must give the same REST Customer, to the
// microsecond.
func TestCustomerRepresentationIsTheSameWhicheverWayItIsRead(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		f := &restFace{e}
		root := adminToken(t, f)
		c := registerCompany(t, f, "many-lists@example.com", "Lists Ltd")
		full := api.AddressInput{
			FirstName: "Ada", MiddleName: ptr("K"), LastName: "Lovelace", Prefix: ptr("Dr."), Suffix: ptr("PhD"),
			Company: ptr("Analytical \"Engines\" ÆØÅ"), Street: []string{"12 St James's Square", "Flat 3"}, City: "London",
			Region: &api.RegionInput{Name: ptr("Greater London")}, PostalCode: ptr("SW1Y 4LB"), CountryCode: "GB", Phone: ptr("+44 20 7946 0000"),
			Fax: ptr("+44 20 7946 0001"), VatId: ptr("GB123456789"), Label: ptr("Home"),
			IsDefaultBilling: ptrTo(true), IsDefaultShipping: ptrTo(true),
		}
		f.CreateMyAddress(c.owner, full).ok(t)
		f.CreateMyAddress(c.owner, newAddress("2 Side St")).ok(t)
		f.UpdateGroup(root, db.GroupWholesale, map[string]any{"customers": map[string]any{"connect": []string{c.ownerID}}}).ok(t)
		// A name holding the separators of the statement's group list, and more than ASCII.
		tricky := f.CreateGroup(root, api.CreateCustomerGroupInput{Name: "Trade: 12:ab,Ω"}).ok(t)["id"].(string)
		f.UpdateGroup(root, tricky, map[string]any{"customers": map[string]any{"connect": []string{c.ownerID}}}).ok(t)

		byID := f.GetCustomer(root, c.ownerID).ok(t)
		me := f.Me(c.owner).ok(t)
		listed := f.ListCustomers(root, api.ListCustomersParams{Email: ptr("many-lists@example.com")}).ok(t)["items"].([]any)
		if len(listed) != 1 {
			t.Fatalf("listed %d customers, want 1", len(listed))
		}
		if len(byID["addresses"].([]any)) != 2 || len(byID["groups"].([]any)) != 3 || len(byID["companyMemberships"].([]any)) != 1 {
			t.Fatalf("getCustomer lost a list: %v", byID)
		}
		// An admin with two roles reads one row per role and address; each address comes once.
		var roleIDs []string
		for _, perm := range []string{"customers:read", "audit:read"} {
			roleIDs = append(roleIDs, f.CreateRole(root, api.CreateRoleInput{Name: "two roles " + perm, Permissions: []string{perm}}).ok(t)["id"].(string))
		}
		f.CreateAdmin(root, api.CreateAdminInput{Email: "two-roles@example.com", Name: "Two", Password: ptrTo("a two-role passphrase"), RoleIds: &roleIDs}).ok(t)
		twoRoles := f.AdminToken("two-roles@example.com", "a two-role passphrase").ok(t)["token"].(string)
		byTwoRoles := f.GetCustomer(twoRoles, c.ownerID).ok(t)
		for name, got := range map[string]map[string]any{"getMe": me, "listCustomers": listed[0].(map[string]any), "getCustomer by an admin with two roles": byTwoRoles} {
			if !reflect.DeepEqual(got, byID) {
				t.Errorf("%s differs from getCustomer:\n%v\n%v", name, got, byID)
			}
		}
	})
}

// TestHotReadsCostOneStatement: the caller's check, the customer and the lists its REST
// representation embeds come in one statement; a company member adds its memberships and roles.
func TestHotReadsCostOneStatement(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		f := &restFace{e}
		c, tok := signUp(t, f, "counted@example.com")
		f.CreateMyAddress(tok, newAddress("1 Counted St")).ok(t)
		id := c["id"].(string)
		member := registerCompany(t, f, "counted-member@example.com", "Counted Ltd")
		for _, c := range []struct {
			name string
			call func() result
			want int64
		}{
			{"REST getMe", func() result { return f.Me(tok) }, 1},
			{"REST getCustomer", func() result { return f.GetCustomer(e.admin, id) }, 1},
			{"GraphQL customer", func() result {
				return graphql(t, e.url, e.admin, `query($id: ID!) { customer(id: $id) { id email } }`, map[string]any{"id": id}, "customer")
			}, 1},
			{"GraphQL me", func() result { return graphql(t, e.url, tok, `{ me { id email } }`, nil, "me") }, 1},
			// and company_users, then the roles (no team; the customer is known)
			{"REST getMe of a company member", func() result { return f.Me(member.owner) }, 3},
		} {
			counter := testdb.CountStatements(t, d)
			c.call().ok(t)
			if n := counter.N(); n != c.want {
				t.Errorf("%s ran %d statements, want %d", c.name, n, c.want)
			}
		}
	})
}

// TestGroupListCutShortIsReadApart: MySQL cuts a GROUP_CONCAT at group_concat_max_len with
// only a warning. Clientele sets it high, but a URL (or a proxy) may not; the groups of a
// one-statement read must then still all be there, read apart.
func TestGroupListCutShortIsReadApart(t *testing.T) {
	for _, limit := range []string{"46", "48", "100"} { // mid-entry and at an entry's end
		t.Run(limit, func(t *testing.T) {
			u := testdb.URL(t, db.MySQL) + "?group_concat_max_len=" + limit
			d, err := db.Open(u)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = d.Close() })
			if err := d.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			e := newEnv(t, d)
			f := &restFace{e}
			c, tok := signUp(t, f, "cut-short@example.com")
			id := c["id"].(string)
			for _, g := range []string{db.GroupWholesale, db.GroupRetailer} {
				f.UpdateGroup(e.admin, g, map[string]any{"customers": map[string]any{"connect": []string{id}}}).ok(t)
			}
			listed := f.ListCustomers(e.admin, api.ListCustomersParams{Email: ptr("cut-short@example.com")}).ok(t)["items"].([]any)
			want := listed[0].(map[string]any)["groups"]
			for name, got := range map[string]any{"getCustomer": f.GetCustomer(e.admin, id).ok(t)["groups"], "getMe": f.Me(tok).ok(t)["groups"]} {
				if !reflect.DeepEqual(got, want) || len(got.([]any)) != 3 {
					t.Errorf("%s groups = %v, want %v", name, got, want)
				}
			}
		})
	}
}
