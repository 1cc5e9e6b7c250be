package app_test

// The behaviour bugs issue 16 found by holding Clientele against Magento, VirtoCommerce,
// Prismatic and Openfront: name lookups, a lock without an end, erased emails, company names.

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clientele/clientele/api"
)

// TestRoleByNameIgnoresCase: role names are unique case-insensitively, so role(name:) finds a
// role whatever the case. REST's getRole takes only an id.
func TestRoleByNameIgnoresCase(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		g := &graphFace{e}
		role := g.CreateRole(e.admin, api.CreateRoleInput{Name: "Support Desk", Permissions: []string{"customers:read"}}).ok(t)
		byName := func(name string) result {
			return g.call(e.admin, `query($n: String) { role(name: $n) { id name } }`, map[string]any{"n": name}, "role")
		}
		for _, name := range []string{"Support Desk", "support desk", "SUPPORT DESK", "  sUpPoRt dEsK  "} {
			if got := byName(name).ok(t); got["id"] != role["id"] || got["name"] != "Support Desk" {
				t.Errorf("role(name: %q) = %v, want %v", name, got, role["id"])
			}
		}
		if got := byName("super administrator").ok(t); got["name"] != "Super Administrator" {
			t.Errorf("role(name: \"super administrator\") = %v", got)
		}
		byName("Support").fails(t, "NOT_FOUND")
		byName("Support Desk%").fails(t, "NOT_FOUND")
	})
}

// TestCompanyNamesAreNotUniqueAndFilterExactly: two companies may share a name (as Magento and
// Prismatic allow); filter name is an exact, case-insensitive match, search stays a substring
// search, and a customer finds only the companies it may see.
func TestCompanyNamesAreNotUniqueAndFilterExactly(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachCompanyFace(t, e, func(t *testing.T, f companyFace) {
			admin := adminToken(t, f)
			owner, _ := signUp(t, f, f.Name()+"-dup-owner@example.com")
			ownerID := owner["id"].(string)
			_, mine := signUp(t, f, f.Name()+"-dup-mine@example.com")
			name := f.Name() + " Acme GmbH"
			create := func(tok, n string, owned bool) string {
				in := api.CreateCompanyInput{Name: n}
				if owned {
					in.OwnerId = &ownerID
				}
				return f.CreateCompany(tok, in).ok(t)["id"].(string)
			}
			first := create(admin, name, true)
			second := create(admin, strings.ToUpper(name), true) // the same name in other case: allowed
			third := create(mine, name, false)                   // and once more, by a customer
			longer := create(admin, name+" Berlin", true)
			create(admin, f.Name()+" Other", true)

			ids := func(r result) []string {
				var out []string
				for _, it := range r.ok(t)["items"].([]any) {
					out = append(out, it.(map[string]any)["id"].(string))
				}
				slices.Sort(out)
				return out
			}
			sorted := func(s ...string) []string { slices.Sort(s); return s }
			for _, c := range []struct {
				what string
				tok  string
				p    api.ListCompaniesParams
				want []string
			}{
				{"name, as written", admin, api.ListCompaniesParams{Name: &name}, sorted(first, second, third)},
				{"name, other case and spaces", admin, api.ListCompaniesParams{Name: ptr("  " + strings.ToLower(name) + " ")}, sorted(first, second, third)},
				{"name is not a prefix", admin, api.ListCompaniesParams{Name: ptr(f.Name() + " Acme")}, nil},
				{"name has no wildcards", admin, api.ListCompaniesParams{Name: ptr(f.Name() + " Acme%")}, nil},
				{"search is a substring", admin, api.ListCompaniesParams{Search: ptr(strings.ToLower(f.Name() + " acme"))}, sorted(first, second, third, longer)},
				{"name and search together", admin, api.ListCompaniesParams{Name: &name, Search: ptr("berlin")}, nil},
				{"a customer sees only its own", mine, api.ListCompaniesParams{Name: ptr(strings.ToUpper(name))}, []string{third}},
			} {
				if got := ids(f.ListCompanies(c.tok, c.p)); !slices.Equal(got, c.want) {
					t.Errorf("%s: companies %v, want %v", c.what, got, c.want)
				}
			}
		})
	})
}

// TestLockWithoutEndShowsNull: lockCustomer without until locks until unlockCustomer; the
// customer shows isLocked true and lockedUntil null in both APIs, in exports and in the
// audit trail, and signing in is ACCOUNT_LOCKED. A lock with an end shows that end.
func TestLockWithoutEndShowsNull(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachFace(t, e, func(t *testing.T, face face) {
			f := face.(privacyFace)
			admin := adminToken(t, f)
			email := f.Name() + "-forever@example.com"
			c, _ := signUp(t, f, email)
			id := c["id"].(string)
			shows := func(what string, got map[string]any, locked bool, until any) {
				t.Helper()
				if got["isLocked"] != locked || got["lockedUntil"] != until {
					t.Errorf("%s: isLocked %v lockedUntil %v, want %v %v", what, got["isLocked"], got["lockedUntil"], locked, until)
				}
			}
			shows("lockCustomer", f.LockCustomer(admin, id, nil, "fraud").ok(t), true, nil)
			shows("getCustomer", f.GetCustomer(admin, id).ok(t), true, nil)
			shows("exportCustomer", f.ExportCustomer(admin, id).ok(t)["customer"].(map[string]any), true, nil)
			listed := f.ListCustomers(admin, api.ListCustomersParams{Email: &email}).ok(t)["items"].([]any)
			shows("listCustomers", listed[0].(map[string]any), true, nil)
			f.CustomerToken(email, goodPassword).fails(t, "ACCOUNT_LOCKED")
			events := f.AuditEvents(admin, id, "customer.locked").ok(t)["items"].([]any)
			change := events[0].(map[string]any)["changes"].(map[string]any)["lockedUntil"].(map[string]any)
			if v, ok := change["to"]; !ok || v != nil {
				t.Errorf("audit of the lock: lockedUntil %v, want to: null", change)
			}

			// A far end that is still an end is shown as it is.
			end := time.Date(2999, 1, 2, 3, 4, 5, 0, time.UTC)
			shows("lockCustomer until", f.LockCustomer(admin, id, &end, "").ok(t), true, "2999-01-02T03:04:05Z")
			shows("unlockCustomer", f.UnlockCustomer(admin, id).ok(t), false, nil)
			f.CustomerToken(email, goodPassword).ok(t)
		})
	})
}

// zodEmail is the email rule of Zod (v3), a strict validator clients use: unlike
// erased+<id>@invalid, an erased customer's email must pass it.
var zodEmail = regexp.MustCompile(`(?i)^(?:[a-z0-9_'+\-.]*)[a-z0-9_+-]@(?:[a-z0-9][a-z0-9\-]*\.)+[a-z]{2,}$`)

// TestErasedEmailIsAValidReservedAddress: an erased customer's email is
// erased+<id>@erased.invalid, which strict validators accept, and nobody can take an address
// under erased.invalid (which would block that customer's erasure) by registering or editing.
func TestErasedEmailIsAValidReservedAddress(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachFace(t, e, func(t *testing.T, face face) {
			f := face.(privacyFace)
			admin := adminToken(t, f)
			c, tok := signUp(t, f, f.Name()+"-gone@example.com")
			id := c["id"].(string)
			reserved := "erased+" + id + "@erased.invalid"
			f.Register(registration(strings.ToUpper(reserved))).fails(t, "VALIDATION_FAILED", "email")
			f.UpdateMe(tok, map[string]any{"email": reserved, "currentPassword": goodPassword}).fails(t, "VALIDATION_FAILED", "email")
			f.UpdateCustomer(admin, id, map[string]any{"email": "someone@erased.invalid"}).fails(t, "VALIDATION_FAILED", "email")
			f.CreateCustomer(admin, api.CreateCustomerInput{Email: "x@erased.invalid", FirstName: "X", LastName: "Y"}).fails(t, "VALIDATION_FAILED", "email")

			erased := f.EraseCustomer(admin, id).ok(t)
			if erased["email"] != reserved || !zodEmail.MatchString(reserved) || zodEmail.MatchString("erased+"+id+"@invalid") {
				t.Fatalf("erased email %v, want %s (a valid address)", erased["email"], reserved)
			}
			if got := f.GetCustomer(admin, id).ok(t)["email"]; got != reserved {
				t.Fatalf("getCustomer after erase: email %v", got)
			}
		})
	})
}
