package app_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/clientele/clientele/api"
)

// inviteWith has by (a token) add a new person to c with in, email set, and signs the person
// in the way they would: by accepting the INVITATION emailed to them.
func inviteWith(t *testing.T, f companyFace, root string, c b2b, by, email string, in api.CreateCompanyUserInput) (user map[string]any, token string) {
	t.Helper()
	in.Email, in.FirstName, in.LastName = &email, ptr("Ada"), ptr("Lovelace")
	user = f.CreateCompanyUser(by, c.id, in).ok(t)
	link := mailedToken(t, f, root, email, "INVITATION")
	return user, f.AcceptInvitation(link, goodPassword, goodPassword).ok(t)["token"].(string)
}

// roleNames returns the names of a company user's roles, in order, and the name of its role.
func roleNames(u map[string]any) (roles []string, role string) {
	for _, r := range u["roles"].([]any) {
		roles = append(roles, obj(r)["name"].(string))
	}
	return roles, obj(u["role"])["name"].(string)
}

// wantRoles fails unless u holds exactly the roles names, in order, the first being its role.
func wantRoles(t *testing.T, u map[string]any, names ...string) {
	t.Helper()
	roles, role := roleNames(u)
	if !slices.Equal(roles, names) || role != names[0] {
		t.Fatalf("roles = %v, role = %s; want %v, role %s", roles, role, names, names[0])
	}
}

// exportedMemberships returns the memberships exportMe lists for token.
func exportedMemberships(t *testing.T, f companyFace, token string) []any {
	t.Helper()
	if g, ok := f.(*graphFace); ok {
		return g.call(token, `{ exportMe { memberships { `+companyUserFields+` } } }`, nil, "exportMe").ok(t)["memberships"].([]any)
	}
	return f.ExportMe(token).ok(t)["memberships"].([]any)
}

// A company user holds several roles: `role` is the first as given, `roles` all of them in
// that order, and the user may do what any of them allows.
func TestCompanyUserSeveralRoles(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachCompanyFace(t, e, func(t *testing.T, f companyFace) {
			root := adminToken(t, f)
			c := registerCompany(t, f, f.Name()+"-owner@example.com", f.Name()+" Acme")
			role := func(name string, permissions ...string) string {
				return f.CreateCompanyRole(c.owner, c.id, api.CreateCompanyRoleInput{Name: name, Permissions: permissions}).ok(t)["id"].(string)
			}
			editor, addresser := role("Editor", "company:edit"), role("Addresser", "company:addresses:manage")
			viewer := role("Viewer", "company:view")
			roles := f.CompanyRoles(c.owner, c.id).ok(t)["items"]
			admin, def := named(t, roles, "Company Administrator")["id"].(string), named(t, roles, "Default User")["id"].(string)

			// Two roles, each with one permission: the user can do both things, and nothing else.
			u, tok := inviteWith(t, f, root, c, c.owner, f.Name()+"-both@example.com",
				api.CreateCompanyUserInput{RoleIds: &[]string{editor, addresser, editor}})
			wantRoles(t, u, "Editor", "Addresser") // a repeated id counts once
			uid := u["id"].(string)
			f.UpdateCompany(tok, c.id, map[string]any{"description": "edited by a user with two roles"}, 0).ok(t)
			f.CreateCompanyAddress(tok, c.id, newAddress("2 Second St")).ok(t)
			f.CompanyUsers(tok, c.id).fails(t, "FORBIDDEN")
			f.GetCompany(tok, c.id).fails(t, "FORBIDDEN")
			if mine := f.ListCompanies(tok, api.ListCompaniesParams{}).ok(t)["items"].([]any); len(mine) != 0 {
				t.Errorf("a user without company:view lists %v", mine)
			}

			// The order given decides `role`.
			v, _ := inviteWith(t, f, root, c, c.owner, f.Name()+"-order@example.com",
				api.CreateCompanyUserInput{RoleIds: &[]string{addresser, editor}})
			wantRoles(t, v, "Addresser", "Editor")
			if r := obj(v["role"]); r["id"] != addresser || r["usersCount"] != 2.0 {
				t.Errorf("role = %v: want Addresser held by 2 users", r)
			}

			// company:view through a second role lists the company, once even when two roles give it.
			w, wTok := inviteWith(t, f, root, c, c.owner, f.Name()+"-view@example.com",
				api.CreateCompanyUserInput{RoleIds: &[]string{def, viewer}})
			wantRoles(t, w, "Default User", "Viewer")
			if mine := ids(f.ListCompanies(wTok, api.ListCompaniesParams{}).ok(t)["items"]); !slices.Equal(mine, []string{c.id}) {
				t.Errorf("companies of a user with company:view from two roles = %v, want [%s]", mine, c.id)
			}
			f.UpdateCompanyUser(c.owner, c.id, w["id"].(string), map[string]any{"roleIds": []string{editor, viewer}}, 0).ok(t)
			if mine := ids(f.ListCompanies(wTok, api.ListCompaniesParams{}).ok(t)["items"]); !slices.Equal(mine, []string{c.id}) {
				t.Errorf("companies of a user with company:view from its second role = %v", mine)
			}

			// roleIds replaces the roles: losing Editor loses company:edit at once.
			u = f.UpdateCompanyUser(c.owner, c.id, uid, map[string]any{"roleIds": []string{addresser}}, 0).ok(t)
			wantRoles(t, u, "Addresser")
			if u["version"] != 2.0 {
				t.Errorf("version = %v, want 2", u["version"])
			}
			f.UpdateCompany(tok, c.id, map[string]any{"description": "no longer"}, 0).fails(t, "FORBIDDEN")
			f.CreateCompanyAddress(tok, c.id, newAddress("3 Third St")).ok(t)
			// roleId is a list of one.
			u = f.UpdateCompanyUser(c.owner, c.id, uid, map[string]any{"roleId": editor}, 0).ok(t)
			wantRoles(t, u, "Editor")
			f.CreateCompanyAddress(tok, c.id, newAddress("4 Fourth St")).fails(t, "FORBIDDEN")

			// Every read of a membership shows the roles: the list, the person's own view and export.
			listed := map[string]map[string]any{}
			for _, item := range f.CompanyUsers(c.owner, c.id).ok(t)["items"].([]any) {
				listed[obj(item)["id"].(string)] = obj(item)
			}
			wantRoles(t, listed[v["id"].(string)], "Addresser", "Editor")
			wantRoles(t, listed[c.ownerID], "Company Administrator")
			vTok := f.CustomerToken(f.Name()+"-order@example.com", goodPassword).ok(t)["token"].(string)
			wantRoles(t, obj(f.MyMemberships(vTok).ok(t)["items"].([]any)[0]), "Addresser", "Editor")
			wantRoles(t, obj(f.CustomerMemberships(root, v["id"].(string)).ok(t)["items"].([]any)[0]), "Addresser", "Editor")
			wantRoles(t, obj(exportedMemberships(t, f, vTok)[0]), "Addresser", "Editor")

			// usersCount counts every holder, whatever the place of the role in the list.
			counts := map[string]float64{}
			for _, r := range f.CompanyRoles(c.owner, c.id).ok(t)["items"].([]any) {
				counts[obj(r)["name"].(string)] = obj(r)["usersCount"].(float64)
			}
			want := map[string]float64{"Company Administrator": 1, "Default User": 0, "Editor": 3, "Addresser": 1, "Viewer": 1}
			for name, n := range want {
				if counts[name] != n {
					t.Errorf("usersCount of %s = %v, want %v (all: %v)", name, counts[name], n, counts)
				}
			}
			// A role held only as a second role still can't be deleted.
			f.DeleteCompanyRole(c.owner, c.id, viewer).fails(t, "CONFLICT")

			// The owner always holds Company Administrator, and may hold others beside it.
			o := f.UpdateCompanyUser(c.owner, c.id, c.ownerID, map[string]any{"roleIds": []string{admin, viewer}}, 0).ok(t)
			wantRoles(t, o, "Company Administrator", "Viewer")
			for _, patch := range []map[string]any{{"roleIds": []string{viewer}}, {"roleId": def}, {"roleIds": []string{editor, addresser}}} {
				f.UpdateCompanyUser(c.owner, c.id, c.ownerID, patch, 0).fails(t, "CONFLICT")
			}
			// A new owner gets Company Administrator first, keeping its roles after it.
			f.UpdateCompany(c.owner, c.id, map[string]any{"ownerId": v["id"]}, 0).ok(t)
			for _, item := range f.CompanyUsers(c.owner, c.id).ok(t)["items"].([]any) {
				if obj(item)["id"] == v["id"] {
					wantRoles(t, obj(item), "Company Administrator", "Addresser", "Editor")
				}
			}
		})
	})
}

// roleId and roleIds are one or the other, never empty, and an unknown id is named: the first
// one, with SPEC §3's message.
func TestCompanyUserRoleIdsValidation(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachCompanyFace(t, e, func(t *testing.T, f companyFace) {
			root := adminToken(t, f)
			c := registerCompany(t, f, f.Name()+"-owner@example.com", f.Name()+" Acme")
			def := named(t, f.CompanyRoles(c.owner, c.id).ok(t)["items"], "Default User")["id"].(string)
			other := registerCompany(t, f, f.Name()+"-other@example.com", f.Name()+" Globex")
			theirs := named(t, f.CompanyRoles(other.owner, other.id).ok(t)["items"], "Default User")["id"].(string)
			u, _ := invite(t, f, root, c, f.Name()+"-grace@example.com", "")
			uid := u["id"].(string)
			const unknown1, unknown2 = "01900000-0000-7000-8000-00000000beef", "01900000-0000-7000-8000-00000000f00d"

			for _, tc := range []struct {
				name    string
				roles   map[string]any
				message string
				field   string
			}{
				{"both roleId and roleIds", map[string]any{"roleId": def, "roleIds": []string{def}}, "Give roleId or roleIds, not both.", "roleIds"},
				{"an empty roleIds", map[string]any{"roleIds": []string{}}, "A company user needs at least one role.", "roleIds"},
				{"unknown ids", map[string]any{"roleIds": []string{def, unknown1, unknown2}}, "No such entity with roleId = " + unknown1, "roleIds[1]"},
				{"another company's role", map[string]any{"roleIds": []string{theirs, def}}, "No such entity with roleId = " + theirs, "roleIds[0]"},
				{"an unknown roleId", map[string]any{"roleId": unknown2}, "No such entity with roleId = " + unknown2, "roleId"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					r := f.UpdateCompanyUser(c.owner, c.id, uid, tc.roles, 0)
					r.fails(t, "VALIDATION_FAILED", tc.field)
					if f.Name() == "rest" && r.Status != 422 {
						t.Errorf("status = %d, want 422", r.Status)
					}
					if !strings.HasPrefix(r.Message, tc.message) {
						t.Errorf("update: message = %q, want it to start with %q", r.Message, tc.message)
					}
					in := api.CreateCompanyUserInput{Email: ptr(f.Name() + "-new@example.com"), FirstName: ptr("N"), LastName: ptr("Ew")}
					if id, ok := tc.roles["roleId"].(string); ok {
						in.RoleId = &id
					}
					if list, ok := tc.roles["roleIds"].([]string); ok {
						in.RoleIds = &list
					}
					r = f.CreateCompanyUser(c.owner, c.id, in)
					r.fails(t, "VALIDATION_FAILED", tc.field)
					if !strings.HasPrefix(r.Message, tc.message) {
						t.Errorf("create: message = %q, want it to start with %q", r.Message, tc.message)
					}
				})
			}
			// Nothing changed; nobody was added.
			users := f.CompanyUsers(c.owner, c.id).ok(t)["items"].([]any)
			if len(users) != 2 {
				t.Fatalf("users = %v", users)
			}
			for _, item := range users {
				if obj(item)["id"] == uid {
					wantRoles(t, obj(item), "Default User")
					if obj(item)["version"] != 1.0 {
						t.Errorf("version = %v, want 1", obj(item)["version"])
					}
				}
			}
		})
	})
}

// Granting is bounded by holding: a member gives, through each path, only permissions its own
// roles hold; every refusal is FORBIDDEN, changes nothing and is audited; staff with
// companies:write grant anything.
func TestCompanyGrantingBoundedByHolding(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachCompanyFace(t, e, func(t *testing.T, f companyFace) {
			root := adminToken(t, f)
			c := registerCompany(t, f, f.Name()+"-owner@example.com", f.Name()+" Acme")
			role := func(name string, permissions ...string) string {
				return f.CreateCompanyRole(c.owner, c.id, api.CreateCompanyRoleInput{Name: name, Permissions: permissions}).ok(t)["id"].(string)
			}
			// The manager's two roles: roles and users management, and viewing.
			managing := role("Managing", "company:roles:manage", "company:users:manage")
			viewing := role("Viewing", "company:view", "company:users:view")
			editor := role("Editor", "company:edit")
			def := named(t, f.CompanyRoles(c.owner, c.id).ok(t)["items"], "Default User")["id"].(string)
			m, mTok := inviteWith(t, f, root, c, c.owner, f.Name()+"-manager@example.com",
				api.CreateCompanyUserInput{RoleIds: &[]string{managing, viewing}})
			mid := m["id"].(string)
			u, _ := invite(t, f, root, c, f.Name()+"-user@example.com", "")
			uid := u["id"].(string)

			refused := func(t *testing.T, r result, target string, wantCount int, wantLacking ...string) {
				t.Helper()
				r.fails(t, "FORBIDDEN")
				if r.Message != "You do not have authorization to perform this action." {
					t.Errorf("message = %q", r.Message)
				}
				events := f.AuditEvents(root, target, "auth.escalation_refused").ok(t)["items"].([]any)
				if len(events) != wantCount {
					t.Fatalf("%d auth.escalation_refused events about %s, want %d: %v", len(events), target, wantCount, events)
				}
				ev := obj(events[0]) // newest first
				lacking := obj(obj(ev["changes"])["permissions"])["to"]
				if ev["actorId"] != mid || ev["targetId"] != target || strs(lacking) == nil || !slices.Equal(strs(lacking), wantLacking) {
					t.Errorf("event = %v, want by %s about %s lacking %v", ev, mid, target, wantLacking)
				}
			}

			// Create a role: only held permissions.
			refused(t, f.CreateCompanyRole(mTok, c.id, api.CreateCompanyRoleInput{Name: "Sneaky",
				Permissions: []string{"company:view", "company:edit", "company:teams:manage"}}), c.id, 1, "company:edit", "company:teams:manage")
			if slices.ContainsFunc(f.CompanyRoles(c.owner, c.id).ok(t)["items"].([]any), func(r any) bool { return obj(r)["name"] == "Sneaky" }) {
				t.Fatal("a refused role was created")
			}
			mine := f.CreateCompanyRole(mTok, c.id, api.CreateCompanyRoleInput{Name: "Union", Permissions: []string{"company:view", "company:users:manage"}}).ok(t)
			mineID := mine["id"].(string)

			// Update a role: only held permissions may be added; the others may stay or go.
			refused(t, f.UpdateCompanyRole(mTok, c.id, mineID, map[string]any{"permissions": []string{"company:view", "company:edit"}}), mineID, 1, "company:edit")
			refused(t, f.UpdateCompanyRole(mTok, c.id, viewing, map[string]any{"permissions": []string{"company:view", "company:users:view", "company:addresses:manage"}}),
				viewing, 1, "company:addresses:manage") // not even to a role of its own
			if p := strs(named(t, f.CompanyRoles(c.owner, c.id).ok(t)["items"], "Union")["permissions"]); !slices.Equal(p, []string{"company:users:manage", "company:view"}) {
				t.Errorf("the refused update changed the role: %v", p)
			}
			f.UpdateCompanyRole(mTok, c.id, editor, map[string]any{"name": "Editors"}).ok(t)                                       // keeps company:edit
			f.UpdateCompanyRole(mTok, c.id, editor, map[string]any{"permissions": []string{"company:view", "company:edit"}}).ok(t) // adds only company:view
			f.UpdateCompanyRole(mTok, c.id, mineID, map[string]any{"permissions": []string{"company:view"}}).ok(t)

			// Assign roles to another user, on create and on update.
			before := len(f.CompanyUsers(c.owner, c.id).ok(t)["items"].([]any))
			refused(t, f.CreateCompanyUser(mTok, c.id, api.CreateCompanyUserInput{Email: ptr(f.Name() + "-new@example.com"),
				FirstName: ptr("N"), LastName: ptr("Ew"), RoleIds: &[]string{viewing, editor}}), c.id, 2, "company:edit")
			if n := len(f.CompanyUsers(c.owner, c.id).ok(t)["items"].([]any)); n != before {
				t.Errorf("a refused createCompanyUser added a user: %d users, was %d", n, before)
			}
			if msgs := f.Messages(root, f.Name()+"-new@example.com", "INVITATION").ok(t)["items"].([]any); len(msgs) != 0 {
				t.Errorf("a refused createCompanyUser invited the person: %v", msgs)
			}
			refused(t, f.UpdateCompanyUser(mTok, c.id, uid, map[string]any{"roleIds": []string{def, editor}}, 0), uid, 1, "company:edit")
			refused(t, f.UpdateCompanyUser(mTok, c.id, uid, map[string]any{"roleId": editor, "jobTitle": "Editor"}, 0), uid, 2, "company:edit")

			// Assign roles to oneself.
			refused(t, f.UpdateCompanyUser(mTok, c.id, mid, map[string]any{"roleIds": []string{managing, viewing, editor}}, 0), mid, 1, "company:edit")
			f.UpdateCompany(mTok, c.id, map[string]any{"description": "x"}, 0).fails(t, "FORBIDDEN")

			// Nothing of it changed the users.
			for _, item := range f.CompanyUsers(c.owner, c.id).ok(t)["items"].([]any) {
				switch obj(item)["id"] {
				case uid:
					wantRoles(t, obj(item), "Default User")
					if obj(item)["jobTitle"] != nil || obj(item)["version"] != 1.0 {
						t.Errorf("user after refusals = %v", item)
					}
				case mid:
					wantRoles(t, obj(item), "Managing", "Viewing")
				}
			}

			// Allowed: roles whose permissions it holds, to others and to itself, and roles the
			// user holds already (given by someone who could).
			u = f.UpdateCompanyUser(mTok, c.id, uid, map[string]any{"roleIds": []string{viewing, mineID}}, 0).ok(t)
			wantRoles(t, u, "Viewing", "Union")
			n := f.CreateCompanyUser(mTok, c.id, api.CreateCompanyUserInput{Email: ptr(f.Name() + "-ok@example.com"),
				FirstName: ptr("O"), LastName: ptr("K")}).ok(t) // Default User: company:view and company:users:view, held
			wantRoles(t, n, "Default User")
			f.UpdateCompanyUser(c.owner, c.id, uid, map[string]any{"roleIds": []string{editor, viewing}}, 0).ok(t)
			u = f.UpdateCompanyUser(mTok, c.id, uid, map[string]any{"roleIds": []string{viewing, editor, def}}, 0).ok(t)
			wantRoles(t, u, "Viewing", "Editors", "Default User")
			m = f.UpdateCompanyUser(mTok, c.id, mid, map[string]any{"roleIds": []string{viewing, managing, mineID}}, 0).ok(t)
			wantRoles(t, m, "Viewing", "Managing", "Union")

			// Staff with companies:write and the owner (Company Administrator) grant anything.
			staff := staffWith(t, f, root, "companies:write")
			f.CreateCompanyRole(staff, c.id, api.CreateCompanyRoleInput{Name: "Everything", Permissions: companyCatalogue}).ok(t)
			f.UpdateCompanyUser(staff, c.id, mid, map[string]any{"roleIds": []string{editor, managing}}, 0).ok(t)
			f.CreateCompanyRole(c.owner, c.id, api.CreateCompanyRoleInput{Name: "All again", Permissions: companyCatalogue}).ok(t)
			// Now that it holds company:edit, the manager may give it.
			n = f.CreateCompanyUser(mTok, c.id, api.CreateCompanyUserInput{Email: ptr(f.Name() + "-editor@example.com"),
				FirstName: ptr("E"), LastName: ptr("D"), RoleIds: &[]string{editor}}).ok(t)
			wantRoles(t, n, "Editors")
		})
	})
}
