package app_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/clientele/clientele/api"
)

// b2b is a company registered through one API together with its owner, who is signed in.
type b2b struct {
	id      string         // the company's id
	ownerID string         // the owner's customer id
	owner   string         // the owner's access token
	company map[string]any // the company as the registration returned it
}

// registerCompany registers email with a company called name, whose first address is
// "1 Main St", and signs the owner in.
func registerCompany(t *testing.T, f companyFace, email, name string) b2b {
	t.Helper()
	in := registration(email)
	hq := newAddress("1 Main St")
	in.Company = &api.CompanyRegistrationInput{Name: name, LegalName: ptr(name + " Ltd"), Address: &hq}
	reg := f.RegisterCompany(in).ok(t)
	c := reg["company"].(map[string]any)
	return b2b{
		id:      c["id"].(string),
		ownerID: reg["customer"].(map[string]any)["id"].(string),
		owner:   f.CustomerToken(email, goodPassword).ok(t)["token"].(string),
		company: c,
	}
}

// invite has the owner add a new person to the company (roleID "": the Default User role)
// and signs the person in the way they would: by accepting the INVITATION emailed to them.
func invite(t *testing.T, f companyFace, admin string, c b2b, email, roleID string) (user map[string]any, token string) {
	t.Helper()
	in := api.CreateCompanyUserInput{Email: &email, FirstName: ptr("Grace"), LastName: ptr("Hopper")}
	if roleID != "" {
		in.RoleId = &roleID
	}
	user = f.CreateCompanyUser(c.owner, c.id, in).ok(t)
	link := mailedToken(t, f, admin, email, "INVITATION")
	return user, f.AcceptInvitation(link, goodPassword, goodPassword).ok(t)["token"].(string)
}

// staffWith returns the token of a new admin whose one role grants permissions.
func staffWith(t *testing.T, f staffFace, root string, permissions ...string) string {
	t.Helper()
	name := f.Name() + " with " + strings.Join(permissions, " and ")
	role := f.CreateRole(root, api.CreateRoleInput{Name: name, Permissions: permissions}).ok(t)["id"].(string)
	email := f.Name() + "-" + strings.NewReplacer(":", "-", "*", "all").Replace(strings.Join(permissions, "_")) + "@example.com"
	f.CreateAdmin(root, api.CreateAdminInput{Email: email, Name: name, Password: ptrTo("a limited passphrase"), RoleIds: &[]string{role}}).ok(t)
	return f.AdminToken(email, "a limited passphrase").ok(t)["token"].(string)
}

// named returns the item of list called name.
func named(t *testing.T, list any, name string) map[string]any {
	t.Helper()
	for _, item := range list.([]any) {
		if m := item.(map[string]any); m["name"] == name {
			return m
		}
	}
	t.Fatalf("no %q in %v", name, list)
	return nil
}

// strs turns a JSON list of strings into a sorted []string.
func strs(list any) []string {
	var out []string
	for _, s := range list.([]any) {
		out = append(out, s.(string))
	}
	slices.Sort(out)
	return out
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }

var companyCatalogue = []string{"company:addresses:manage", "company:edit", "company:roles:manage", "company:teams:manage",
	"company:users:manage", "company:users:view", "company:view"}

// 1. registerCustomer with a company creates the company, its two roles and the owner's
// membership, in one go.
func TestRegisterCustomerWithCompany(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachCompanyFace(t, e, func(t *testing.T, f companyFace) {
			admin := adminToken(t, f)
			email := f.Name() + "-founder@example.com"
			in := registration(email)
			hq := newAddress("1 Main St")
			in.Company = &api.CompanyRegistrationInput{Name: f.Name() + " Acme", LegalName: ptr("Acme Ltd"), VatId: ptr("GB123456789"),
				Email: ptr("Sales@Acme.example"), Address: &hq}
			reg := f.RegisterCompany(in).ok(t)
			customer, company := obj(reg["customer"]), obj(reg["company"])
			if customer["email"] != email || customer["hasAccount"] != true {
				t.Fatalf("customer = %v", customer)
			}
			id, ownerID := company["id"].(string), customer["id"].(string)
			for k, v := range map[string]any{"name": f.Name() + " Acme", "legalName": "Acme Ltd", "vatId": "GB123456789",
				"email": "sales@acme.example", "status": "ACTIVE", "ownerId": ownerID, "parentId": nil, "version": 1.0} {
				if company[k] != v {
					t.Errorf("company.%s = %#v, want %#v", k, company[k], v)
				}
			}
			book := company["addresses"].([]any)
			if len(book) != 1 {
				t.Fatalf("addresses = %v", book)
			}
			a := obj(book[0])
			if fmt.Sprint(a["street"]) != "[1 Main St]" || a["city"] != "London" || a["countryCode"] != "GB" ||
				a["isDefaultBilling"] != true || a["isDefaultShipping"] != true {
				t.Errorf("address = %v", a)
			}
			if obj(company["defaultBillingAddress"])["id"] != a["id"] || obj(company["defaultShippingAddress"])["id"] != a["id"] {
				t.Errorf("defaults = %v / %v, want %v", company["defaultBillingAddress"], company["defaultShippingAddress"], a["id"])
			}

			// The owner's membership, as the customer and as staff see it.
			tok := f.CustomerToken(email, goodPassword).ok(t)["token"].(string)
			for who, r := range map[string]result{"me": f.MyMemberships(tok), "admin": f.CustomerMemberships(admin, ownerID)} {
				ms := r.ok(t)["items"].([]any)
				if len(ms) != 1 {
					t.Fatalf("%s: memberships = %v", who, ms)
				}
				m := obj(ms[0])
				role := obj(m["role"])
				if m["id"] != ownerID || m["companyId"] != id || m["email"] != email || m["status"] != "ACTIVE" ||
					role["name"] != "Company Administrator" || role["usersCount"] != 1.0 || role["companyId"] != id {
					t.Errorf("%s: membership = %v", who, m)
				}
			}

			// The two roles every company starts with.
			roles := f.CompanyRoles(tok, id).ok(t)["items"].([]any)
			if len(roles) != 2 {
				t.Fatalf("roles = %v", roles)
			}
			if got := strs(named(t, roles, "Company Administrator")["permissions"]); !slices.Equal(got, companyCatalogue) {
				t.Errorf("Company Administrator permissions = %v", got)
			}
			def := named(t, roles, "Default User")
			if got := strs(def["permissions"]); !slices.Equal(got, []string{"company:users:view", "company:view"}) || def["usersCount"] != 0.0 {
				t.Errorf("Default User = %v", def)
			}
			var catalogue []string
			for _, p := range f.CompanyPermissions(tok).ok(t)["items"].([]any) {
				catalogue = append(catalogue, obj(p)["name"].(string))
			}
			if slices.Sort(catalogue); !slices.Equal(catalogue, companyCatalogue) {
				t.Errorf("companyPermissions = %v", catalogue)
			}
			if got := f.GetCompany(tok, id).ok(t); obj(got["defaultShippingAddress"])["id"] != a["id"] || got["ownerId"] != ownerID {
				t.Errorf("getCompany = %v", got)
			}

			// A bad company aborts the whole registration: no customer is left behind.
			half := f.Name() + "-half@example.com"
			bad := registration(half)
			bad.Company = &api.CompanyRegistrationInput{Name: " ", Address: &hq}
			f.RegisterCompany(bad).fails(t, "VALIDATION_FAILED", "company.name")
			f.CustomerToken(half, goodPassword).fails(t, "UNAUTHENTICATED")
		})
	})
}

// 2. The seed scenario: the owner adds a person, then edits the membership twice.
func TestCompanyUserSeedScenario(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachCompanyFace(t, e, func(t *testing.T, f companyFace) {
			admin := adminToken(t, f)
			c := registerCompany(t, f, f.Name()+"-owner@example.com", f.Name()+" Acme")
			buyer := f.CreateCompanyRole(c.owner, c.id, api.CreateCompanyRoleInput{Name: "Buyer", Permissions: []string{"company:view"}}).ok(t)
			if buyer["usersCount"] != 0.0 || fmt.Sprint(buyer["permissions"]) != "[company:view]" || buyer["companyId"] != c.id {
				t.Fatalf("role = %v", buyer)
			}

			email := f.Name() + "-grace@example.com"
			u := f.CreateCompanyUser(c.owner, c.id, api.CreateCompanyUserInput{Email: ptr(strings.ToUpper(email)), FirstName: ptr("Grace"),
				LastName: ptr("Hopper"), Phone: ptr("+44 20 7946 0000")}).ok(t)
			id := u["id"].(string)
			if u["email"] != email || u["companyId"] != c.id || u["status"] != "ACTIVE" || obj(u["role"])["name"] != "Default User" ||
				u["jobTitle"] != nil || u["team"] != nil || u["version"] != 1.0 {
				t.Fatalf("created = %v", u)
			}
			if got := f.GetCustomer(admin, id).ok(t); got["hasAccount"] != false || got["email"] != email {
				t.Fatalf("the new customer = %v", got)
			}
			msgs := f.Messages(admin, email, "INVITATION").ok(t)["items"].([]any)
			if len(msgs) != 1 || obj(msgs[0])["template"] != "INVITATION" || !tokenInLink.MatchString(obj(msgs[0])["body"].(string)) {
				t.Fatalf("invitations = %v", msgs)
			}

			u = f.UpdateCompanyUser(c.owner, c.id, id, map[string]any{"jobTitle": "Head of Purchasing"}, 0).ok(t)
			if u["jobTitle"] != "Head of Purchasing" || u["version"] != 2.0 || u["status"] != "ACTIVE" {
				t.Fatalf("after jobTitle = %v", u)
			}
			u = f.UpdateCompanyUser(c.owner, c.id, id, map[string]any{"status": "INACTIVE", "roleId": buyer["id"]}, 0).ok(t)
			want := map[string]any{"id": id, "email": email, "firstName": "Grace", "lastName": "Hopper", "jobTitle": "Head of Purchasing",
				"phone": "+44 20 7946 0000", "status": "INACTIVE", "version": 3.0}
			for k, v := range want {
				if u[k] != v {
					t.Errorf("%s = %#v, want %#v", k, u[k], v)
				}
			}
			if role := obj(u["role"]); role["id"] != buyer["id"] || role["name"] != "Buyer" || role["usersCount"] != 1.0 {
				t.Errorf("role = %v", role)
			}
			roles := f.CompanyRoles(c.owner, c.id).ok(t)["items"].([]any)
			if named(t, roles, "Buyer")["usersCount"] != 1.0 || named(t, roles, "Default User")["usersCount"] != 0.0 {
				t.Errorf("roles = %v", roles)
			}

			// The invitation still works, but an INACTIVE member holds no company permission.
			tok := f.AcceptInvitation(mailedToken(t, f, admin, email, "INVITATION"), goodPassword, goodPassword).ok(t)["token"].(string)
			f.GetCompany(tok, c.id).fails(t, "FORBIDDEN")
			if ms := f.MyMemberships(tok).ok(t)["items"].([]any); len(ms) != 1 || obj(ms[0])["status"] != "INACTIVE" {
				t.Errorf("memberships = %v", ms)
			}
		})
	})
}

// 3. updateCompanyUser's errors, with SPEC §3's exact codes and texts.
func TestUpdateCompanyUserErrors(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachCompanyFace(t, e, func(t *testing.T, f companyFace) {
			admin := adminToken(t, f)
			c := registerCompany(t, f, f.Name()+"-owner@example.com", f.Name()+" Acme")
			grace, graceTok := invite(t, f, admin, c, f.Name()+"-grace@example.com", "")
			graceID := grace["id"].(string)
			other := registerCompany(t, f, f.Name()+"-other@example.com", f.Name()+" Globex")
			theirRole := named(t, f.CompanyRoles(other.owner, other.id).ok(t)["items"], "Default User")["id"].(string)
			const unknownRole = "01900000-0000-7000-8000-00000000beef"

			for _, tc := range []struct {
				name, token, id string
				patch           map[string]any
				code, message   string
				fields          []string
			}{
				{"a Default User", graceTok, c.ownerID, map[string]any{"firstName": "X"},
					"FORBIDDEN", "You do not have authorization to perform this action.", nil},
				{"a customer who is not a member", c.owner, other.ownerID, map[string]any{"firstName": "X"},
					"NOT_FOUND", "The user with the ID provided in the input.id argument is not assigned to your company.", nil},
				{"an unknown roleId", c.owner, graceID, map[string]any{"roleId": unknownRole},
					"VALIDATION_FAILED", "No such entity with roleId = " + unknownRole, []string{"roleId"}},
				{"another company's role", c.owner, graceID, map[string]any{"roleId": theirRole},
					"VALIDATION_FAILED", "No such entity with roleId = " + theirRole, []string{"roleId"}},
				{"an email taken by another customer", c.owner, graceID, map[string]any{"email": strings.ToUpper(f.Name() + "-other@example.com")},
					"CONFLICT", "A customer with the same email address already exists.", nil},
				{"the owner deactivated", c.owner, c.ownerID, map[string]any{"status": "INACTIVE"}, "CONFLICT", "", nil},
				{"the owner demoted", c.owner, c.ownerID, map[string]any{"roleId": grace["role"].(map[string]any)["id"]}, "CONFLICT", "", nil},
			} {
				t.Run(tc.name, func(t *testing.T) {
					r := f.UpdateCompanyUser(tc.token, c.id, tc.id, tc.patch, 0)
					r.fails(t, tc.code, tc.fields...)
					if !strings.HasPrefix(r.Message, tc.message) {
						t.Errorf("message = %q, want it to start with %q", r.Message, tc.message)
					}
				})
			}
			f.DeleteCompanyUser(c.owner, c.id, c.ownerID).fails(t, "CONFLICT")

			// Nothing changed.
			users := f.CompanyUsers(c.owner, c.id).ok(t)["items"].([]any)
			if len(users) != 2 {
				t.Fatalf("users = %v", users)
			}
			for _, item := range users {
				u := obj(item)
				wantRole := map[string]string{c.ownerID: "Company Administrator", graceID: "Default User"}[u["id"].(string)]
				if obj(u["role"])["name"] != wantRole || u["status"] != "ACTIVE" || u["version"] != 1.0 {
					t.Errorf("user = %v", u)
				}
			}
			if got := f.GetCustomer(admin, graceID).ok(t)["email"]; got != f.Name()+"-grace@example.com" {
				t.Errorf("grace's email = %v", got)
			}
		})
	})
}

// The answers of TestCompanyOperationPermissions's table.
const (
	yes    = "ok"
	no     = "FORBIDDEN"
	hidden = "NOT_FOUND"
	anon   = "UNAUTHENTICATED"
)

// caller is one column of the permissions table.
type caller struct {
	name, token, customerID string // customerID is "" for admins and anonymous callers
}

// 4. Who may do what: every company operation for each kind of caller.
func TestCompanyOperationPermissions(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachCompanyFace(t, e, func(t *testing.T, f companyFace) {
			root := adminToken(t, f)
			c := registerCompany(t, f, f.Name()+"-owner@example.com", f.Name()+" Acme")
			member, memberTok := invite(t, f, root, c, f.Name()+"-member@example.com", "")
			outsider := registerCompany(t, f, f.Name()+"-outsider@example.com", f.Name()+" Globex")
			callers := []caller{
				{"owner", c.owner, c.ownerID},
				{"member (Default User)", memberTok, member["id"].(string)},
				{"member of another company", outsider.owner, outsider.ownerID},
				{"admin with companies:read+write", staffWith(t, f, root, "companies:read", "companies:write"), ""},
				{"admin with companies:read", adminWith(t, f, root, "companies:read"), ""},
				{"admin with companies:write (reads too)", adminWith(t, f, root, "companies:write"), ""},
				{"admin with customers:read", adminWith(t, f, root, "customers:read"), ""},
				{"no token", "", ""},
			}

			// What the calls act on. Deletions get a fresh target each, made by the super admin.
			hq := obj(c.company["addresses"].([]any)[0])["id"].(string)
			target := f.CreateCompanyUser(c.owner, c.id, api.CreateCompanyUserInput{Email: ptr(f.Name() + "-target@example.com"),
				FirstName: ptr("T"), LastName: ptr("Arget")}).ok(t)["id"].(string)
			role := f.CreateCompanyRole(c.owner, c.id, api.CreateCompanyRoleInput{Name: "Approver", Permissions: []string{"company:view"}}).ok(t)["id"].(string)
			team := f.CreateCompanyTeam(c.owner, c.id, api.CreateCompanyTeamInput{Name: "Purchasing"}).ok(t)["id"].(string)
			fresh := func(r result) string { return r.ok(t)["id"].(string) }
			unique := func(what string, n int) string { return fmt.Sprintf("%s %s %d", f.Name(), what, n) }
			email := func(what string, n int) *string { return ptr(fmt.Sprintf("%s-%s-%d@example.com", f.Name(), what, n)) }

			type row [8]string // the answer for each caller, in the order of callers
			ops := []struct {
				name string
				call func(who caller, n int) result
				want row
			}{
				{"listCompanies", func(who caller, n int) result { return f.ListCompanies(who.token, api.ListCompaniesParams{}) },
					row{yes, yes, yes, yes, yes, yes, no, anon}},
				{"getCompany", func(who caller, n int) result { return f.GetCompany(who.token, c.id) },
					row{yes, yes, hidden, yes, yes, yes, no, anon}},
				{"createCompany", func(who caller, n int) result {
					in := api.CreateCompanyInput{Name: unique("Startup", n)}
					if who.customerID == "" {
						in.OwnerId = &c.ownerID // staff name the owner
					}
					return f.CreateCompany(who.token, in)
				}, row{yes, yes, yes, yes, no, yes, no, anon}},
				{"updateCompany", func(who caller, n int) result {
					return f.UpdateCompany(who.token, c.id, map[string]any{"description": unique("edit", n)}, 0)
				}, row{yes, no, hidden, yes, no, yes, no, anon}},
				{"deleteCompany", func(who caller, n int) result {
					doomed := fresh(f.CreateCompany(root, api.CreateCompanyInput{Name: unique("Doomed", n), OwnerId: &c.ownerID}))
					return f.DeleteCompany(who.token, doomed)
				}, row{no, no, no, yes, no, yes, no, anon}},
				{"listCompanyAddresses", func(who caller, n int) result { return f.CompanyAddresses(who.token, c.id) },
					row{yes, yes, hidden, yes, yes, yes, no, anon}},
				{"createCompanyAddress", func(who caller, n int) result {
					return f.CreateCompanyAddress(who.token, c.id, newAddress(unique("Street", n)))
				}, row{yes, no, hidden, yes, no, yes, no, anon}},
				{"updateCompanyAddress", func(who caller, n int) result {
					return f.UpdateCompanyAddress(who.token, c.id, hq, map[string]any{"label": unique("HQ", n)})
				}, row{yes, no, hidden, yes, no, yes, no, anon}},
				{"deleteCompanyAddress", func(who caller, n int) result {
					doomed := fresh(f.CreateCompanyAddress(root, c.id, newAddress(unique("Doomed St", n))))
					return f.DeleteCompanyAddress(who.token, c.id, doomed)
				}, row{yes, no, hidden, yes, no, yes, no, anon}},
				{"listCompanyUsers", func(who caller, n int) result { return f.CompanyUsers(who.token, c.id) },
					row{yes, yes, hidden, yes, yes, yes, no, anon}},
				{"createCompanyUser", func(who caller, n int) result {
					return f.CreateCompanyUser(who.token, c.id, api.CreateCompanyUserInput{Email: email("new", n), FirstName: ptr("N"), LastName: ptr("Ew")})
				}, row{yes, no, hidden, yes, no, yes, no, anon}},
				{"updateCompanyUser", func(who caller, n int) result {
					return f.UpdateCompanyUser(who.token, c.id, target, map[string]any{"jobTitle": unique("Clerk", n)}, 0)
				}, row{yes, no, hidden, yes, no, yes, no, anon}},
				{"deleteCompanyUser", func(who caller, n int) result {
					doomed := fresh(f.CreateCompanyUser(root, c.id, api.CreateCompanyUserInput{Email: email("doomed", n), FirstName: ptr("D"), LastName: ptr("Oomed")}))
					return f.DeleteCompanyUser(who.token, c.id, doomed)
				}, row{yes, no, hidden, yes, no, yes, no, anon}},
				{"listCompanyRoles", func(who caller, n int) result { return f.CompanyRoles(who.token, c.id) },
					row{yes, yes, hidden, yes, yes, yes, no, anon}},
				{"createCompanyRole", func(who caller, n int) result {
					return f.CreateCompanyRole(who.token, c.id, api.CreateCompanyRoleInput{Name: unique("Role", n), Permissions: []string{"company:view"}})
				}, row{yes, no, hidden, yes, no, yes, no, anon}},
				{"updateCompanyRole", func(who caller, n int) result {
					return f.UpdateCompanyRole(who.token, c.id, role, map[string]any{"name": unique("Approver", n)})
				}, row{yes, no, hidden, yes, no, yes, no, anon}},
				{"deleteCompanyRole", func(who caller, n int) result {
					doomed := fresh(f.CreateCompanyRole(root, c.id, api.CreateCompanyRoleInput{Name: unique("Doomed", n), Permissions: []string{}}))
					return f.DeleteCompanyRole(who.token, c.id, doomed)
				}, row{yes, no, hidden, yes, no, yes, no, anon}},
				{"listCompanyTeams", func(who caller, n int) result { return f.CompanyTeams(who.token, c.id) },
					row{yes, yes, hidden, yes, yes, yes, no, anon}},
				{"createCompanyTeam", func(who caller, n int) result {
					return f.CreateCompanyTeam(who.token, c.id, api.CreateCompanyTeamInput{Name: unique("Team", n)})
				}, row{yes, no, hidden, yes, no, yes, no, anon}},
				{"updateCompanyTeam", func(who caller, n int) result {
					return f.UpdateCompanyTeam(who.token, c.id, team, map[string]any{"description": unique("buys things", n)})
				}, row{yes, no, hidden, yes, no, yes, no, anon}},
				{"deleteCompanyTeam", func(who caller, n int) result {
					doomed := fresh(f.CreateCompanyTeam(root, c.id, api.CreateCompanyTeamInput{Name: unique("Doomed", n)}))
					return f.DeleteCompanyTeam(who.token, c.id, doomed)
				}, row{yes, no, hidden, yes, no, yes, no, anon}},
				{"companyPermissions", func(who caller, n int) result { return f.CompanyPermissions(who.token) },
					row{yes, yes, yes, yes, yes, yes, yes, anon}},
			}
			n := 0
			for _, op := range ops {
				for i, who := range callers {
					n++
					r := op.call(who, n)
					got := r.Code
					if got == "" {
						got = yes
					}
					if got != op.want[i] {
						t.Errorf("%s by %s: got %s, want %s (%s)", op.name, who.name, got, op.want[i], r.Raw)
					}
					if got == no && !strings.HasPrefix(r.Message, "You do not have authorization to perform this action.") {
						t.Errorf("%s by %s: FORBIDDEN says %q", op.name, who.name, r.Message)
					}
				}
			}

			// A customer lists the companies it belongs to, not the others.
			if mine := ids(f.ListCompanies(memberTok, api.ListCompaniesParams{}).ok(t)["items"]); !slices.Contains(mine, c.id) || slices.Contains(mine, outsider.id) {
				t.Errorf("the member's companies = %v: want %s, not %s", mine, c.id, outsider.id)
			}
			// Customers can't attach an existing customer by id; staff can.
			f.CreateCompanyUser(c.owner, c.id, api.CreateCompanyUserInput{CustomerId: &outsider.ownerID}).fails(t, "FORBIDDEN")
			if u := f.CreateCompanyUser(root, c.id, api.CreateCompanyUserInput{CustomerId: &outsider.ownerID}).ok(t); u["id"] != outsider.ownerID ||
				obj(u["role"])["name"] != "Default User" {
				t.Errorf("attached = %v", u)
			}
		})
	})
}

// A company that is not ACTIVE is read-only for its members; staff still change it.
func TestBlockedCompanyIsReadOnlyForMembers(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachCompanyFace(t, e, func(t *testing.T, f companyFace) {
			admin := adminToken(t, f)
			c := registerCompany(t, f, f.Name()+"-owner@example.com", f.Name()+" Acme")
			f.UpdateCompany(c.owner, c.id, map[string]any{"status": "BLOCKED"}, 0).fails(t, "FORBIDDEN")
			if got := f.UpdateCompany(admin, c.id, map[string]any{"status": "BLOCKED"}, 0).ok(t); got["status"] != "BLOCKED" || got["version"] != 2.0 {
				t.Fatalf("blocked = %v", got)
			}
			if got := f.GetCompany(c.owner, c.id).ok(t); got["status"] != "BLOCKED" {
				t.Fatalf("the owner reads %v", got)
			}
			f.CompanyUsers(c.owner, c.id).ok(t)
			f.UpdateCompany(c.owner, c.id, map[string]any{"description": "still mine"}, 0).fails(t, "FORBIDDEN")
			f.CreateCompanyUser(c.owner, c.id, api.CreateCompanyUserInput{Email: ptr(f.Name() + "-x@example.com"), FirstName: ptr("X"), LastName: ptr("Y")}).fails(t, "FORBIDDEN")
			f.CreateCompanyRole(c.owner, c.id, api.CreateCompanyRoleInput{Name: "Buyer", Permissions: []string{}}).fails(t, "FORBIDDEN")
			f.UpdateCompany(admin, c.id, map[string]any{"description": "staff edit"}, 0).ok(t)
			f.UpdateCompany(admin, c.id, map[string]any{"status": "ACTIVE"}, 0).ok(t)
			if got := f.UpdateCompany(c.owner, c.id, map[string]any{"description": "mine again"}, 0).ok(t); got["description"] != "mine again" {
				t.Fatalf("after approval = %v", got)
			}
		})
	})
}

// 5. ETag / If-Match, expectedVersion, Idempotency-Key and the audit trail on companies.
func TestCompanyConcurrencyIdempotencyAndAudit(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachCompanyFace(t, e, func(t *testing.T, f companyFace) {
			admin := adminToken(t, f)
			c := registerCompany(t, f, f.Name()+"-owner@example.com", f.Name()+" Acme")
			rest, isREST := f.(*restFace)
			if isREST {
				if etag := rest.companyETag(c.owner, c.id); etag != `"1"` {
					t.Fatalf("ETag = %q", etag)
				}
			}
			f.UpdateCompany(c.owner, c.id, map[string]any{"description": "stale write"}, 7).fails(t, "PRECONDITION_FAILED")
			if got := f.GetCompany(c.owner, c.id).ok(t); got["description"] != nil || got["version"] != 1.0 {
				t.Fatalf("a failed precondition changed the company: %v", got)
			}
			if got := f.UpdateCompany(c.owner, c.id, map[string]any{"description": "fresh write"}, 1).ok(t); got["description"] != "fresh write" || got["version"] != 2.0 {
				t.Fatalf("matching version: %v", got)
			}
			if isREST {
				if etag := rest.companyETag(c.owner, c.id); etag != `"2"` {
					t.Fatalf("ETag after an update = %q", etag)
				}
			}

			u := f.CreateCompanyUser(c.owner, c.id, api.CreateCompanyUserInput{Email: ptr(f.Name() + "-grace@example.com"), FirstName: ptr("Grace"), LastName: ptr("Hopper")}).ok(t)
			id := u["id"].(string)
			f.UpdateCompanyUser(c.owner, c.id, id, map[string]any{"jobTitle": "Buyer"}, 5).fails(t, "PRECONDITION_FAILED")
			if got := f.UpdateCompanyUser(c.owner, c.id, id, map[string]any{"jobTitle": "Buyer"}, 1).ok(t); got["jobTitle"] != "Buyer" || got["version"] != 2.0 {
				t.Fatalf("matching version: %v", got)
			}
			f.UpdateCompanyUser(c.owner, c.id, id, map[string]any{"jobTitle": "Seller"}, 1).fails(t, "PRECONDITION_FAILED")

			// One audit event, for the update that happened.
			events := f.AuditEvents(admin, id, "company_user.updated").ok(t)["items"].([]any)
			if len(events) != 1 {
				t.Fatalf("company_user.updated events = %v", events)
			}
			ev := obj(events[0])
			change := obj(obj(ev["changes"])["jobTitle"])
			if ev["actorType"] != "CUSTOMER" || ev["actorId"] != c.ownerID || ev["targetId"] != id || change["from"] != nil || change["to"] != "Buyer" {
				t.Fatalf("event = %v", ev)
			}

			if !isREST {
				return
			}
			// An Idempotency-Key replay returns the first company and creates no second one.
			in := api.CreateCompanyInput{Name: "Idempotent Industries"}
			first, firstRes := rest.createCompanyKeyed(c.owner, "create-company-1", in)
			again, againRes := rest.createCompanyKeyed(c.owner, "create-company-1", in)
			if first.StatusCode() != 201 || again.StatusCode() != 201 || string(again.Body) != string(first.Body) ||
				again.HTTPResponse.Header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("replay: %d %d replayed=%q\n%s\n%s", first.StatusCode(), again.StatusCode(),
					again.HTTPResponse.Header.Get("Idempotent-Replayed"), firstRes.Raw, againRes.Raw)
			}
			list := f.ListCompanies(admin, api.ListCompaniesParams{Search: ptr("Idempotent")}).ok(t)
			if list["totalCount"] != 1.0 || ids(list["items"])[0] != firstRes.Data["id"] {
				t.Fatalf("companies after the replay = %v", list)
			}
			if ms := f.MyMemberships(c.owner).ok(t)["items"].([]any); len(ms) != 2 {
				t.Fatalf("the owner's memberships after the replay = %v", ms)
			}
			in.Name = "Other Industries"
			_, res := rest.createCompanyKeyed(c.owner, "create-company-1", in)
			res.fails(t, "CONFLICT")
		})
	})
}

// 6. The company hierarchy: cycles are refused, parents with children stay, and GraphQL's
// parent/children show what the caller may see.
func TestCompanyHierarchy(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachCompanyFace(t, e, func(t *testing.T, f companyFace) {
			admin := adminToken(t, f)
			c := registerCompany(t, f, f.Name()+"-owner@example.com", f.Name()+" Acme")
			child := f.CreateCompany(c.owner, api.CreateCompanyInput{Name: f.Name() + " Acme East", ParentId: &c.id}).ok(t)
			childID := child["id"].(string)
			if child["parentId"] != c.id || child["ownerId"] != c.ownerID || child["status"] != "ACTIVE" {
				t.Fatalf("child = %v", child)
			}
			grandchildID := f.CreateCompany(admin, api.CreateCompanyInput{Name: f.Name() + " Acme East 1", ParentId: &childID, OwnerId: &c.ownerID}).ok(t)["id"].(string)

			f.UpdateCompany(c.owner, c.id, map[string]any{"parentId": grandchildID}, 0).fails(t, "VALIDATION_FAILED", "parentId")
			f.UpdateCompany(admin, childID, map[string]any{"parentId": childID}, 0).fails(t, "VALIDATION_FAILED", "parentId")
			if got := f.GetCompany(c.owner, c.id).ok(t); got["parentId"] != nil || got["version"] != 1.0 {
				t.Fatalf("after a refused cycle: %v", got)
			}

			// A franchise under Acme that Acme's owner is not a member of.
			_, frTok := signUp(t, f, f.Name()+"-franchisee@example.com")
			frOwner := f.Me(frTok).ok(t)["id"].(string)
			franchise := f.CreateCompany(admin, api.CreateCompanyInput{Name: f.Name() + " Acme Franchise", ParentId: &c.id, OwnerId: &frOwner}).ok(t)["id"].(string)

			family := func(token, id string, parent any, children ...string) {
				t.Helper()
				got := f.CompanyFamily(token, id).ok(t)
				if got["parent"] != parent || fmt.Sprint(got["children"]) != fmt.Sprint(children) {
					t.Errorf("family of %s = %v, want parent %v children %v", id, got, parent, children)
				}
			}
			family(c.owner, c.id, nil, childID) // the franchise is not the owner's to see
			family(admin, c.id, nil, childID, franchise)
			family(c.owner, childID, c.id, grandchildID)
			family(c.owner, grandchildID, childID)
			family(frTok, franchise, nil) // Acme is not the franchisee's to see

			f.DeleteCompany(admin, childID).fails(t, "CONFLICT")
			f.DeleteCompany(c.owner, grandchildID).fails(t, "FORBIDDEN")
			f.DeleteCompany(admin, grandchildID).ok(t)
			f.GetCompany(admin, grandchildID).fails(t, "NOT_FOUND")
			f.GetCompany(c.owner, grandchildID).fails(t, "NOT_FOUND")
			f.DeleteCompany(admin, childID).ok(t)
			family(admin, c.id, nil, franchise)

			// null clears the parent.
			if got := f.UpdateCompany(admin, franchise, map[string]any{"parentId": nil}, 0).ok(t); got["parentId"] != nil {
				t.Fatalf("parent after clearing = %v", got["parentId"])
			}
			family(admin, c.id, nil)
		})
	})
}

// 7. A company owner can't be erased until the ownership moves to another ACTIVE member.
func TestEraseCompanyOwner(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachCompanyFace(t, e, func(t *testing.T, f companyFace) {
			admin := adminToken(t, f)
			email := f.Name() + "-owner@example.com"
			c := registerCompany(t, f, email, f.Name()+" Acme")
			f.EraseCustomer(admin, c.ownerID).fails(t, "CONFLICT")
			f.EraseMe(c.owner, goodPassword).fails(t, "CONFLICT")
			if me := f.Me(c.owner).ok(t); me["email"] != email || me["erasedAt"] != nil {
				t.Fatalf("a refused erasure changed the owner: %v", me)
			}

			heir, heirTok := invite(t, f, admin, c, f.Name()+"-heir@example.com", "")
			heirID := heir["id"].(string)
			idle := f.CreateCompanyUser(c.owner, c.id, api.CreateCompanyUserInput{Email: ptr(f.Name() + "-idle@example.com"), FirstName: ptr("I"),
				LastName: ptr("Dle"), Status: ptrTo(api.CompanyUserStatus("INACTIVE"))}).ok(t)
			f.UpdateCompany(c.owner, c.id, map[string]any{"ownerId": idle["id"]}, 0).fails(t, "VALIDATION_FAILED", "ownerId")
			f.UpdateCompany(heirTok, c.id, map[string]any{"ownerId": heirID}, 0).fails(t, "FORBIDDEN")

			moved := f.UpdateCompany(c.owner, c.id, map[string]any{"ownerId": heirID}, 0).ok(t)
			if moved["ownerId"] != heirID {
				t.Fatalf("ownerId = %v", moved["ownerId"])
			}
			if ms := f.MyMemberships(heirTok).ok(t)["items"].([]any); len(ms) != 1 || obj(obj(ms[0])["role"])["name"] != "Company Administrator" {
				t.Fatalf("the new owner's membership = %v", ms)
			}

			erased := f.EraseMe(c.owner, goodPassword).ok(t)
			if erased["email"] != "erased+"+c.ownerID+"@erased.invalid" || erased["erasedAt"] == nil {
				t.Fatalf("erased = %v", erased)
			}
			var left []string
			for _, u := range f.CompanyUsers(heirTok, c.id).ok(t)["items"].([]any) {
				left = append(left, obj(u)["id"].(string))
			}
			if slices.Sort(left); !slices.Equal(left, slices.Sorted(slices.Values([]string{heirID, idle["id"].(string)}))) {
				t.Errorf("users after the former owner's erasure = %v", left)
			}
			f.EraseCustomer(admin, heirID).fails(t, "CONFLICT") // the new owner is protected now
		})
	})
}

// 8. listCustomers filtered by companyId returns exactly the company's members.
func TestListCustomersByCompany(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachCompanyFace(t, e, func(t *testing.T, f companyFace) {
			admin := adminToken(t, f)
			a := registerCompany(t, f, f.Name()+"-a@example.com", f.Name()+" Alpha")
			b := registerCompany(t, f, f.Name()+"-b@example.com", f.Name()+" Beta")
			add := func(c b2b, who string) string {
				return f.CreateCompanyUser(c.owner, c.id, api.CreateCompanyUserInput{Email: ptr(f.Name() + "-" + who + "@example.com"),
					FirstName: ptr("M"), LastName: ptr("Ember")}).ok(t)["id"].(string)
			}
			a1, a2 := add(a, "a1"), add(a, "a2")
			f.CreateCompanyUser(admin, b.id, api.CreateCompanyUserInput{CustomerId: &a1}).ok(t) // a1 belongs to both
			signUp(t, f, f.Name()+"-loner@example.com")

			for _, tc := range []struct {
				company string
				want    []string
			}{
				{a.id, []string{a.ownerID, a1, a2}},
				{b.id, []string{b.ownerID, a1}},
				{"01900000-0000-7000-8000-000000000000", nil},
			} {
				list := f.CompanyCustomers(admin, tc.company).ok(t)
				got := ids(list["items"])
				slices.Sort(got)
				want := slices.Sorted(slices.Values(tc.want))
				if !slices.Equal(got, want) || list["totalCount"] != float64(len(want)) {
					t.Errorf("customers of %s = %v (total %v), want %v", tc.company, got, list["totalCount"], want)
				}
			}
			f.CompanyCustomers(a.owner, a.id).fails(t, "FORBIDDEN")
		})
	})
}

// TestCompanyTeamsNeedNoUsersView: teams are part of the company (`company:view`); their
// users are left out of the answer for a caller without `company:users:view`, and a team
// change by such a caller is answered, not refused after the fact.
func TestCompanyTeamsNeedNoUsersView(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachCompanyFace(t, e, func(t *testing.T, f companyFace) {
			root := adminToken(t, f)
			c := registerCompany(t, f, f.Name()+"-owner@example.com", f.Name()+" Acme")
			team := f.CreateCompanyTeam(c.owner, c.id, api.CreateCompanyTeamInput{Name: "Purchasing"}).ok(t)["id"].(string)
			lead := f.CreateCompanyRole(c.owner, c.id, api.CreateCompanyRoleInput{Name: "Team lead",
				Permissions: []string{"company:view", "company:teams:manage"}}).ok(t)["id"].(string)
			_, leadTok := invite(t, f, root, c, f.Name()+"-lead@example.com", lead)

			// The lead sees the teams without their users (not `company:users:view`); the owner with them.
			if r := f.CompanyTeams(leadTok, c.id); r.Code != "" {
				t.Errorf("listCompanyTeams with company:view: %s", r.Raw)
			} else if users := obj(r.Data["items"].([]any)[0])["users"]; users != nil {
				t.Errorf("team users shown without company:users:view: %v", users)
			}
			if owned, _ := teamNamed(t, f, c, "Purchasing"); owned["users"] == nil {
				t.Errorf("the owner's team has no users list: %v", owned)
			}
			if r := f.CreateCompanyTeam(leadTok, c.id, api.CreateCompanyTeamInput{Name: "Logistics"}); r.Code != "" {
				if made, ok := teamNamed(t, f, c, "Logistics"); ok {
					t.Errorf("createCompanyTeam with company:teams:manage: %s %q; the team was created anyway: %v", r.Code, r.Message, made)
				} else {
					t.Errorf("createCompanyTeam with company:teams:manage: %s %q", r.Code, r.Message)
				}
			}
			if r := f.UpdateCompanyTeam(leadTok, c.id, team, map[string]any{"description": "buys things"}); r.Code != "" {
				after, _ := teamNamed(t, f, c, "Purchasing")
				t.Errorf("updateCompanyTeam with company:teams:manage: %s %q; the team changed anyway: %v", r.Code, r.Message, after)
			}
		})
	})
}

// teamNamed reads a team of c as its owner.
func teamNamed(t *testing.T, f companyFace, c b2b, name string) (map[string]any, bool) {
	t.Helper()
	for _, item := range f.CompanyTeams(c.owner, c.id).ok(t)["items"].([]any) {
		if team := obj(item); team["name"] == name {
			return team, true
		}
	}
	return nil, false
}

// TestCompanyCannotChangeSignInEmailsItDoesNotOwn: a company changes neither its owner's
// sign-in email, nor that of a user who also belongs to another company, nor (through this
// operation) its own user's; staff can.
func TestCompanyCannotChangeSignInEmailsItDoesNotOwn(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachCompanyFace(t, e, func(t *testing.T, f companyFace) {
			root := adminToken(t, f)
			c := registerCompany(t, f, f.Name()+"-owner@example.com", f.Name()+" Acme")
			other := registerCompany(t, f, f.Name()+"-other@example.com", f.Name()+" Globex")
			f.CreateCompanyUser(root, c.id, api.CreateCompanyUserInput{CustomerId: &other.ownerID}).ok(t)
			steal := map[string]any{"email": f.Name() + "-thief@example.com"}

			f.UpdateCompanyUser(c.owner, c.id, other.ownerID, steal, 0).fails(t, "FORBIDDEN")
			f.UpdateCompanyUser(c.owner, c.id, c.ownerID, steal, 0).fails(t, "FORBIDDEN")
			if u := f.UpdateCompanyUser(root, c.id, other.ownerID, steal, 0).ok(t); u["email"] != f.Name()+"-thief@example.com" {
				t.Errorf("staff's change = %v", u)
			}
		})
	})
}
