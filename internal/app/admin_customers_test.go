package app_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/clientele/clientele/api"
)

func TestAdminCreatesUpdatesAndDeletesCustomers(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachFace(t, e, func(t *testing.T, f face) {
			admin := adminToken(t, f)
			email := f.Name() + "-grace@example.com"
			in := api.CreateCustomerInput{Email: email, FirstName: "Grace", LastName: "Hopper", ExternalId: ptr(f.Name() + "-crm-1"),
				Metadata: &api.Metadata{"source": "crm"}, Status: ptrTo(api.CustomerStatusActive)}
			c := f.CreateCustomer(admin, in).ok(t)
			id := c["id"].(string)
			if c["hasAccount"] != false || c["externalId"] != f.Name()+"-crm-1" || c["metadata"].(map[string]any)["source"] != "crm" {
				t.Fatalf("created = %v", c)
			}
			// No password yet: signing in fails like any wrong credential.
			f.CustomerToken(email, goodPassword).fails(t, "UNAUTHENTICATED")

			dup := in
			dup.Email = "other-" + email
			f.CreateCustomer(admin, dup).fails(t, "CONFLICT", "externalId")
			f.CreateCustomer(admin, api.CreateCustomerInput{Email: email, FirstName: "G", LastName: "H"}).fails(t, "CONFLICT", "email")
			f.CreateCustomer(admin, api.CreateCustomerInput{Email: "x@example.com", FirstName: "", LastName: "", Password: ptr("short")}).
				fails(t, "VALIDATION_FAILED", "firstName", "lastName", "password")

			withPassword := api.CreateCustomerInput{Email: "pw-" + email, FirstName: "P", LastName: "W", Password: ptr(goodPassword)}
			if got := f.CreateCustomer(admin, withPassword).ok(t); got["hasAccount"] != true {
				t.Fatalf("created with password: %v", got)
			}
			customerTok := f.CustomerToken("pw-"+email, goodPassword).ok(t)["token"].(string)

			got := f.GetCustomer(admin, id).ok(t)
			if got["email"] != email || got["version"] != 1.0 {
				t.Fatalf("get = %v", got)
			}
			f.GetCustomer(admin, "01900000-0000-7000-8000-000000000000").fails(t, "NOT_FOUND")

			upd := f.UpdateCustomer(admin, id, map[string]any{"metadata": map[string]any{"tier": "gold"}, "externalId": nil, "lastName": "Hopper-Murray"}).ok(t)
			if upd["externalId"] != nil || upd["lastName"] != "Hopper-Murray" || fmt.Sprint(upd["metadata"]) != "map[tier:gold]" || upd["version"] != 2.0 {
				t.Fatalf("updated = %v", upd)
			}
			f.UpdateCustomer(admin, id, map[string]any{"status": "SLEEPING"}).fails(t, "VALIDATION_FAILED", "status")
			f.UpdateCustomer(admin, "01900000-0000-7000-8000-000000000000", map[string]any{"firstName": "X"}).fails(t, "NOT_FOUND")

			// Deactivating a customer signs it out.
			me := f.Me(customerTok).ok(t)
			f.UpdateCustomer(admin, me["id"].(string), map[string]any{"status": "INACTIVE"}).ok(t)
			f.Me(customerTok).fails(t, "UNAUTHENTICATED")
			f.CustomerToken("pw-"+email, goodPassword).fails(t, "FORBIDDEN")
			f.CustomerToken("pw-"+email, "wrong password!").fails(t, "UNAUTHENTICATED")

			f.DeleteCustomer(admin, id).ok(t)
			f.GetCustomer(admin, id).fails(t, "NOT_FOUND")
			f.DeleteCustomer(admin, id).fails(t, "NOT_FOUND")
			// The email is free again.
			f.Register(registration(email)).ok(t)

			a := f.Register(registration("a-" + email)).ok(t)["id"].(string)
			b := f.Register(registration("b-" + email)).ok(t)["id"].(string)
			res := f.DeleteCustomers(admin, []string{a, b, "01900000-0000-7000-8000-000000000000"}).ok(t)
			if res["deletedCount"] != 2.0 {
				t.Fatalf("deleteCustomers = %v", res)
			}
			f.DeleteCustomers(admin, []string{}).fails(t, "VALIDATION_FAILED", "ids")
		})
	})
}

func TestListCustomers(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		admin := (&restFace{e}).AdminToken(adminEmail, adminPassword).ok(t)["token"].(string)
		lastNames := []string{"Young", "Adams", "Baker", "Clark", "Davis", "Evans", "Baker"}
		var emails []string
		for i, last := range lastNames {
			email := fmt.Sprintf("c%d@example.com", i)
			in := api.CreateCustomerInput{Email: email, FirstName: "Pat", LastName: last}
			if last == "Evans" {
				in.Status = ptrTo(api.CustomerStatusInactive)
			}
			(&restFace{e}).CreateCustomer(admin, in).ok(t)
			emails = append(emails, email)
		}
		eachFace(t, e, func(t *testing.T, f face) {
			// Walk every page of two, in each order, and compare with the expected order.
			for sort, want := range map[api.CustomerSort][]string{
				"email":      emails,
				"-email":     reversed(emails),
				"createdAt":  emails,
				"-createdAt": reversed(emails),
				"lastName":   {"c1@example.com", "c2@example.com", "c6@example.com", "c3@example.com", "c4@example.com", "c5@example.com", "c0@example.com"},
			} {
				var got []string
				var cursor *string
				for page := 0; ; page++ {
					r := f.ListCustomers(admin, api.ListCustomersParams{Limit: ptrTo(2), Cursor: cursor, Sort: &sort}).ok(t)
					if r["totalCount"] != float64(len(emails)) {
						t.Fatalf("%s: totalCount = %v", sort, r["totalCount"])
					}
					for _, c := range r["items"].([]any) {
						got = append(got, c.(map[string]any)["email"].(string))
					}
					next, _ := r["nextCursor"].(string)
					if next == "" {
						break
					}
					cursor = &next
					if page > len(emails) {
						t.Fatalf("%s: pagination does not end", sort)
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("sort %s: got %v, want %v", sort, got, want)
				}
			}

			count := func(p api.ListCustomersParams) int {
				t.Helper()
				r := f.ListCustomers(admin, p).ok(t)
				return len(r["items"].([]any))
			}
			if n := count(api.ListCustomersParams{Search: ptr("BAK")}); n != 2 {
				t.Errorf("search BAK: %d", n)
			}
			if n := count(api.ListCustomersParams{Search: ptr("c3@")}); n != 1 {
				t.Errorf("search c3@: %d", n)
			}
			if n := count(api.ListCustomersParams{Search: ptr("%")}); n != 0 {
				t.Errorf("search %%: %d (LIKE wildcards must be escaped)", n)
			}
			if n := count(api.ListCustomersParams{Email: ptr("C4@Example.com")}); n != 1 {
				t.Errorf("email filter: %d", n)
			}
			if n := count(api.ListCustomersParams{Status: ptrTo(api.CustomerStatusInactive)}); n != 1 {
				t.Errorf("status filter: %d", n)
			}
			future := time.Now().Add(time.Hour)
			if n := count(api.ListCustomersParams{CreatedFrom: &future}); n != 0 {
				t.Errorf("createdFrom in the future: %d", n)
			}
			past := time.Now().Add(-time.Hour)
			if n := count(api.ListCustomersParams{CreatedFrom: &past, CreatedTo: &future}); n != len(emails) {
				t.Errorf("created in the last hour: %d", n)
			}

			noTotal := f.ListCustomers(admin, api.ListCustomersParams{WithTotal: ptrTo(false)}).ok(t)
			if _, ok := noTotal["totalCount"]; ok {
				t.Errorf("totalCount present without being asked for")
			}

			f.ListCustomers(admin, api.ListCustomersParams{Cursor: ptr("not a cursor")}).fails(t, "BAD_REQUEST")
			first := f.ListCustomers(admin, api.ListCustomersParams{Limit: ptrTo(1), Sort: ptrTo(api.CustomerSort("email"))}).ok(t)
			f.ListCustomers(admin, api.ListCustomersParams{Cursor: ptr(first["nextCursor"].(string)), Sort: ptrTo(api.CustomerSort("-createdAt"))}).fails(t, "BAD_REQUEST")
			f.ListCustomers(admin, api.ListCustomersParams{Limit: ptrTo(0)}).fails(t, "BAD_REQUEST")
			f.ListCustomers(admin, api.ListCustomersParams{Limit: ptrTo(201)}).fails(t, "BAD_REQUEST")
			if n := count(api.ListCustomersParams{Limit: ptrTo(200)}); n != len(emails) {
				t.Errorf("limit 200: %d", n)
			}
		})
	})
}

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}
