package app_test

import (
	"fmt"
	"testing"

	"github.com/clientele/clientele/api"
	"github.com/clientele/clientele/internal/db"
)

func newAddress(street string) api.AddressInput {
	return api.AddressInput{FirstName: "Ada", LastName: "Lovelace", Street: []string{street}, City: "London", CountryCode: "GB"}
}

func ids(list any) []string {
	var out []string
	for _, item := range list.([]any) {
		out = append(out, item.(map[string]any)["id"].(string))
	}
	return out
}

// defaultsOf returns the ids of the default billing and shipping addresses of a book.
func defaultsOf(t *testing.T, book []any) (billing, shipping string) {
	t.Helper()
	for _, item := range book {
		a := item.(map[string]any)
		if a["isDefaultBilling"] == true {
			if billing != "" {
				t.Fatalf("two default billing addresses")
			}
			billing = a["id"].(string)
		}
		if a["isDefaultShipping"] == true {
			if shipping != "" {
				t.Fatalf("two default shipping addresses")
			}
			shipping = a["id"].(string)
		}
	}
	return billing, shipping
}

func TestCountries(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachAddressFace(t, e, func(t *testing.T, f addressFace) {
			all := f.Countries().ok(t)["items"].([]any)
			if len(all) != 249 {
				t.Errorf("%d countries, want the 249 of ISO 3166-1", len(all))
			}
			us := f.Country("us").ok(t)
			regions := us["regions"].([]any)
			found := map[string]string{}
			for _, r := range regions {
				found[r.(map[string]any)["code"].(string)] = r.(map[string]any)["name"].(string)
			}
			if len(regions) != 57 || found["DC"] != "District of Columbia" || found["PR"] != "Puerto Rico" || found["CA"] != "California" {
				t.Errorf("US regions: %d, DC=%q PR=%q", len(regions), found["DC"], found["PR"])
			}
			if ca := f.Country("CA").ok(t); len(ca["regions"].([]any)) != 13 {
				t.Errorf("CA regions: %d", len(ca["regions"].([]any)))
			}
			if fr := f.Country("FR").ok(t); fr["name"] != "France" || len(fr["regions"].([]any)) != 0 {
				t.Errorf("FR = %v", fr)
			}
			f.Country("ZZ").fails(t, "NOT_FOUND")
		})
	})
}

func TestMyAddressBook(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachAddressFace(t, e, func(t *testing.T, f addressFace) {
			_, tok := signUp(t, f, f.Name()+"-book@example.com")
			first := f.CreateMyAddress(tok, newAddress("1 First St")).ok(t)
			if first["isDefaultBilling"] != true || first["isDefaultShipping"] != true || first["type"] != "BILLING_AND_SHIPPING" {
				t.Fatalf("first address = %v", first)
			}
			if c := first["country"].(map[string]any); c["name"] != "United Kingdom" {
				t.Errorf("country = %v", c)
			}
			second := newAddress("2 Second St")
			second.IsDefaultShipping = ptrTo(true)
			second.Type = ptrTo(api.AddressTypeShipping)
			s2 := f.CreateMyAddress(tok, second).ok(t)
			book := f.MyAddresses(tok).ok(t)["items"].([]any)
			if b, s := defaultsOf(t, book); b != first["id"] || s != s2["id"] {
				t.Fatalf("defaults after a new default shipping: %s %s", b, s)
			}
			// A partial update keeps the defaults, and the other fields. (Version 2 was losing the
			// default shipping to the second address.)
			upd := f.UpdateMyAddress(tok, first["id"].(string), map[string]any{"city": "Paris", "countryCode": "FR", "postalCode": "75001"}).ok(t)
			if upd["isDefaultBilling"] != true || upd["city"] != "Paris" || upd["street"].([]any)[0] != "1 First St" || upd["version"] != 3.0 {
				t.Fatalf("after a partial update: %v", upd)
			}
			upd = f.UpdateMyAddress(tok, first["id"].(string), map[string]any{"postalCode": nil}).ok(t)
			if upd["postalCode"] != nil {
				t.Fatalf("null did not clear postalCode: %v", upd["postalCode"])
			}

			me := f.Me(tok).ok(t)
			if len(me["addresses"].([]any)) != 2 || me["defaultBillingAddress"].(map[string]any)["id"] != first["id"] ||
				me["defaultShippingAddress"].(map[string]any)["id"] != s2["id"] {
				t.Fatalf("me: addresses %v billing %v shipping %v", me["addresses"], me["defaultBillingAddress"], me["defaultShippingAddress"])
			}

			us := newAddress("1600 Pennsylvania Ave NW")
			us.CountryCode, us.City = "US", "Washington"
			us.Region = &api.RegionInput{Code: ptr("dc")}
			w := f.CreateMyAddress(tok, us).ok(t)
			if r := w["region"].(map[string]any); r["code"] != "DC" || r["name"] != "District of Columbia" {
				t.Errorf("region = %v", r)
			}
			f.UpdateMyAddress(tok, w["id"].(string), map[string]any{"region": nil}).fails(t, "VALIDATION_FAILED", "region.code")

			bad := api.AddressInput{FirstName: "A", LastName: "B", City: "C", Street: []string{"ok", " "}, CountryCode: "ZZ"}
			f.CreateMyAddress(tok, bad).fails(t, "VALIDATION_FAILED", "street[1]", "countryCode")
			bad = newAddress("x")
			bad.Street = []string{"1", "2", "3", "4", "5"}
			bad.CountryCode, bad.Region = "US", &api.RegionInput{Code: ptr("XX")}
			f.CreateMyAddress(tok, bad).fails(t, "VALIDATION_FAILED", "street", "region.code")
			f.UpdateMyAddress(tok, first["id"].(string), map[string]any{"street": []string{}}).fails(t, "VALIDATION_FAILED", "street")

			// Another customer's address does not exist for me.
			_, other := signUp(t, f, f.Name()+"-other@example.com")
			f.UpdateMyAddress(other, first["id"].(string), map[string]any{"city": "Rome"}).fails(t, "NOT_FOUND")
			f.DeleteMyAddress(other, first["id"].(string)).fails(t, "NOT_FOUND")
			f.MyAddresses("").fails(t, "UNAUTHENTICATED")

			// Deleting the default billing address leaves no default billing address.
			f.DeleteMyAddress(tok, first["id"].(string)).ok(t)
			book = f.MyAddresses(tok).ok(t)["items"].([]any)
			if b, s := defaultsOf(t, book); b != "" || s != s2["id"] || len(book) != 2 {
				t.Fatalf("after deleting the default billing address: billing %q shipping %q (%d left)", b, s, len(book))
			}
		})
	})
}

func TestAdminAddressBooks(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachAddressFace(t, e, func(t *testing.T, f addressFace) {
			admin := adminToken(t, f)
			c, tok := signUp(t, f, f.Name()+"-admin-book@example.com")
			id := c["id"].(string)
			a := f.CreateCustomerAddress(admin, id, newAddress("1 Admin St")).ok(t)
			f.UpdateCustomerAddress(admin, id, a["id"].(string), map[string]any{"label": "Home"}).ok(t)
			f.CreateCustomerAddress(tok, id, newAddress("x")).fails(t, "FORBIDDEN")
			f.CustomerAddresses(tok, id).fails(t, "FORBIDDEN")
			f.CreateCustomerAddress(admin, "01900000-0000-7000-8000-000000000000", newAddress("x")).fails(t, "NOT_FOUND")

			// A bad entry fails the whole replacement, naming its position.
			bad := newAddress("3")
			bad.CountryCode = "QQ"
			f.ReplaceCustomerAddresses(admin, id, []api.AddressInput{newAddress("1"), newAddress("2"), bad}).
				fails(t, "VALIDATION_FAILED", "addresses[2].countryCode")
			twice := []api.AddressInput{newAddress("1"), newAddress("2")}
			twice[0].IsDefaultBilling, twice[1].IsDefaultBilling = ptrTo(true), ptrTo(true)
			f.ReplaceCustomerAddresses(admin, id, twice).fails(t, "VALIDATION_FAILED", "addresses[1].isDefaultBilling")
			if got := ids(f.CustomerAddresses(admin, id).ok(t)["items"]); len(got) != 1 || got[0] != a["id"] {
				t.Fatalf("a failed replacement changed the book: %v", got)
			}

			in := []api.AddressInput{newAddress("1 New St"), newAddress("2 New St")}
			in[1].IsDefaultShipping = ptrTo(true)
			book := f.ReplaceCustomerAddresses(admin, id, in).ok(t)["items"].([]any)
			if b, s := defaultsOf(t, book); len(book) != 2 || b != ids(book)[0] || s != ids(book)[1] {
				t.Fatalf("replaced book: %d addresses, billing %s shipping %s", len(book), b, s)
			}
			if got := ids(f.CustomerAddresses(admin, id).ok(t)["items"]); len(got) != 2 || got[0] == a["id"] {
				t.Fatalf("book after replacement: %v", got)
			}
			f.DeleteCustomerAddress(admin, id, a["id"].(string)).fails(t, "NOT_FOUND")
			f.DeleteCustomerAddress(admin, id, ids(book)[0]).ok(t)
			if got := f.ReplaceCustomerAddresses(admin, id, nil).ok(t)["items"]; got != nil && len(got.([]any)) != 0 {
				t.Fatalf("an empty replacement left %v", got)
			}
		})
	})
}

func TestCustomerGroups(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachAddressFace(t, e, func(t *testing.T, f addressFace) {
			admin := adminToken(t, f)
			name := f.Name() + " VIP"
			seeded := f.Groups(admin, 200, "").ok(t)
			names := map[string]bool{}
			for _, g := range seeded["items"].([]any) {
				names[g.(map[string]any)["name"].(string)] = true
			}
			if !names["General"] || !names["Wholesale"] || !names["Retailer"] {
				t.Fatalf("seeded groups missing: %v", names)
			}

			c, tok := signUp(t, f, f.Name()+"-grouped@example.com")
			if g := c["groups"].([]any); len(g) != 1 || g[0].(map[string]any)["id"] != db.GroupGeneral {
				t.Fatalf("a new customer's groups = %v, want General", g)
			}
			created := f.CreateCustomer(admin, api.CreateCustomerInput{Email: f.Name() + "-wholesale@example.com", FirstName: "W", LastName: "S",
				GroupIds: &[]string{db.GroupWholesale}}).ok(t)
			if g := created["groups"].([]any); len(g) != 1 || g[0].(map[string]any)["name"] != "Wholesale" {
				t.Fatalf("created with groupIds: %v", g)
			}
			f.CreateCustomer(admin, api.CreateCustomerInput{Email: "x-" + f.Name() + "@example.com", FirstName: "W", LastName: "S",
				GroupIds: &[]string{db.GroupRetailer, "01900000-0000-7000-8000-000000000000"}}).fails(t, "VALIDATION_FAILED", "groupIds[1]")

			g := f.CreateGroup(admin, api.CreateCustomerGroupInput{Name: name, Description: ptr("Best customers")}).ok(t)
			gid := g["id"].(string)
			if g["customerCount"] != 0.0 || g["description"] != "Best customers" {
				t.Fatalf("created group = %v", g)
			}
			f.CreateGroup(admin, api.CreateCustomerGroupInput{Name: "  " + f.Name() + " vip "}).fails(t, "CONFLICT", "name")
			f.CreateGroup(admin, api.CreateCustomerGroupInput{Name: ""}).fails(t, "VALIDATION_FAILED", "name")
			f.CreateGroup(tok, api.CreateCustomerGroupInput{Name: "Mine"}).fails(t, "FORBIDDEN")

			cid, wid := c["id"].(string), created["id"].(string)
			g = f.UpdateGroup(admin, gid, map[string]any{"customers": map[string]any{"connect": []string{cid, wid}}}).ok(t)
			if g["customerCount"] != 2.0 {
				t.Fatalf("after connect: %v", g["customerCount"])
			}
			f.UpdateGroup(admin, gid, map[string]any{"customers": map[string]any{"set": []string{cid}, "connect": []string{wid}}}).
				fails(t, "VALIDATION_FAILED", "customers.set")
			f.UpdateGroup(admin, gid, map[string]any{"customers": map[string]any{"connect": []string{"01900000-0000-7000-8000-000000000000"}}}).
				fails(t, "VALIDATION_FAILED", "customers.connect[0]")
			g = f.UpdateGroup(admin, gid, map[string]any{"customers": map[string]any{"disconnect": []string{cid}}, "description": nil}).ok(t)
			if g["customerCount"] != 1.0 || g["description"] != nil {
				t.Fatalf("after disconnect: %v", g)
			}
			members := f.ListCustomers(admin, api.ListCustomersParams{GroupId: &gid}).ok(t)
			if got := ids(members["items"]); len(got) != 1 || got[0] != wid {
				t.Fatalf("customers in the group: %v", got)
			}
			g = f.UpdateGroup(admin, gid, map[string]any{"customers": map[string]any{"set": []string{}}}).ok(t)
			if g["customerCount"] != 0.0 {
				t.Fatalf("after set []: %v", g["customerCount"])
			}

			// An admin moves a customer between groups.
			moved := f.UpdateCustomer(admin, cid, map[string]any{"groupIds": []string{gid, db.GroupRetailer}}).ok(t)
			if len(moved["groups"].([]any)) != 2 {
				t.Fatalf("groups after update: %v", moved["groups"])
			}
			if n := f.Group(admin, gid).ok(t)["customerCount"]; n != 1.0 {
				t.Fatalf("customerCount = %v", n)
			}

			f.DeleteGroup(admin, db.GroupGeneral).fails(t, "CONFLICT")
			f.DeleteGroup(admin, gid).ok(t)
			f.Group(admin, gid).fails(t, "NOT_FOUND")
			if got := f.GetCustomer(admin, cid).ok(t)["groups"].([]any); len(got) != 1 {
				t.Fatalf("groups after the group was deleted: %v", got)
			}
		})
	})
}

func TestCustomerGroupPages(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		admin := adminToken(t, &restFace{e})
		for _, n := range []string{"Alpha", "beta", "Gamma", "delta"} {
			(&restFace{e}).CreateGroup(admin, api.CreateCustomerGroupInput{Name: n}).ok(t)
		}
		eachAddressFace(t, e, func(t *testing.T, f addressFace) {
			var names []string
			cursor := ""
			for range 10 {
				page := f.Groups(admin, 3, cursor).ok(t)
				if page["totalCount"] != 7.0 {
					t.Fatalf("totalCount = %v", page["totalCount"])
				}
				for _, g := range page["items"].([]any) {
					names = append(names, g.(map[string]any)["name"].(string))
				}
				next, _ := page["nextCursor"].(string)
				if next == "" {
					break
				}
				cursor = next
			}
			want := "[Alpha beta delta Gamma General Retailer Wholesale]"
			if got := fmtList(names); got != want {
				t.Fatalf("groups by name: %s, want %s", got, want)
			}
			f.Groups(admin, 0, "").fails(t, "BAD_REQUEST")
		})
	})
}

func fmtList(s []string) string { return fmt.Sprint(s) }

// A group's customers are a connection in GraphQL (REST lists them with ?groupId=).
func TestGroupCustomersConnection(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		f := &graphFace{e}
		for i := range 3 {
			f.Register(registration(fmt.Sprintf("member%d@example.com", i))).ok(t)
		}
		q := `query($id: ID!, $after: String) { customerGroup(id: $id) { name customerCount
			customers(first: 2, after: $after) { totalCount nodes { email } pageInfo { hasNextPage endCursor } } } }`
		g := graphql(t, e.url, e.admin, q, map[string]any{"id": db.GroupGeneral}, "customerGroup").ok(t)
		conn := g["customers"].(map[string]any)
		info := conn["pageInfo"].(map[string]any)
		if g["customerCount"] != 3.0 || conn["totalCount"] != 3.0 || len(conn["nodes"].([]any)) != 2 || info["hasNextPage"] != true {
			t.Fatalf("group = %v", g)
		}
		g = graphql(t, e.url, e.admin, q, map[string]any{"id": db.GroupGeneral, "after": info["endCursor"]}, "customerGroup").ok(t)
		if n := len(g["customers"].(map[string]any)["nodes"].([]any)); n != 1 {
			t.Fatalf("second page has %d customers", n)
		}
	})
}
