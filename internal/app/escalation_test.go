package app_test

import (
	"slices"
	"testing"

	"github.com/clientele/clientele/api"
)

// refusals returns the auth.escalation_refused events whose actor is actorID.
func refusals(t *testing.T, f privacyFace, root, actorID string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, ev := range f.AuditEvents(root, "", "auth.escalation_refused").ok(t)["items"].([]any) {
		if ev := ev.(map[string]any); ev["actorId"] == actorID {
			out = append(out, ev)
		}
	}
	return out
}

// refusedPermissions is the list of permissions an auth.escalation_refused event names.
func refusedPermissions(ev map[string]any) []any {
	return ev["changes"].(map[string]any)["permissions"].(map[string]any)["to"].([]any)
}

// Granting is bounded by holding (SPEC §3), through roles: an admin puts into a role only
// permissions it holds, `*` only if it holds `*`; a refusal is FORBIDDEN, changes nothing
// and is audited.
func TestRoleGrantsAreBoundedByHolding(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachStaffFace(t, e, func(t *testing.T, face staffFace) {
			f := face.(privacyFace)
			root := adminToken(t, f)
			writer := staffWith(t, f, root, "customers:read", "roles:write")
			writerID := f.CurrentAdmin(writer).ok(t)["id"].(string)
			name := f.Name() + " escalated"

			f.CreateRole(writer, api.CreateRoleInput{Name: name, Permissions: []string{"customers:read", "customers:write"}}).fails(t, "FORBIDDEN", "permissions")
			f.CreateRole(writer, api.CreateRoleInput{Name: name, Permissions: []string{"*"}}).fails(t, "FORBIDDEN", "permissions")
			for _, r := range f.Roles(root).ok(t)["items"].([]any) {
				if r.(map[string]any)["name"] == name {
					t.Fatalf("a refused createRole created %v", r)
				}
			}

			// What it holds, it may grant.
			own := f.CreateRole(writer, api.CreateRoleInput{Name: f.Name() + " readers", Permissions: []string{"customers:read"}}).ok(t)
			ownID := own["id"].(string)
			f.UpdateRole(writer, ownID, map[string]any{"permissions": []string{"customers:read", "customers:delete"}}).fails(t, "FORBIDDEN", "permissions")
			f.UpdateRole(writer, ownID, map[string]any{"permissions": []string{"*"}, "name": "Everything"}).fails(t, "FORBIDDEN", "permissions")
			if got := f.Role(root, ownID).ok(t); got["version"] != own["version"] || got["name"] != own["name"] ||
				!slices.Equal(got["permissions"].([]any), []any{"customers:read"}) {
				t.Fatalf("role after refused updates: %v", got)
			}

			// Keeping or dropping permissions it lacks is no grant.
			wide := f.CreateRole(root, api.CreateRoleInput{Name: f.Name() + " wide", Permissions: []string{"customers:read", "customers:write", "groups:read"}}).ok(t)["id"].(string)
			f.UpdateRole(writer, wide, map[string]any{"name": f.Name() + " wide, renamed"}).ok(t)
			if got := f.UpdateRole(writer, wide, map[string]any{"permissions": []string{"customers:read", "customers:write"}}).ok(t); len(got["permissions"].([]any)) != 2 {
				t.Fatalf("after dropping groups:read: %v", got["permissions"])
			}
			f.UpdateRole(writer, wide, map[string]any{"permissions": []string{"customers:read", "customers:write", "groups:read"}}).fails(t, "FORBIDDEN", "permissions")

			// A super administrator holds `*` and may grant anything.
			f.CreateRole(root, api.CreateRoleInput{Name: f.Name() + " all", Permissions: []string{"*"}}).ok(t)
			f.UpdateRole(root, ownID, map[string]any{"permissions": []string{"customers:read", "customers:delete", "audit:read"}}).ok(t)

			events := refusals(t, f, root, writerID)
			if len(events) != 5 {
				t.Fatalf("%d auth.escalation_refused events for 5 refusals: %v", len(events), events)
			}
			// Newest first: the last refusal was updateRole of wide, lacking groups:read.
			if ev := events[0]; ev["targetId"] != wide || !slices.Equal(refusedPermissions(ev), []any{"groups:read"}) {
				t.Fatalf("the last refusal: %v", ev)
			}
			if ev := events[3]; ev["targetId"] != nil || !slices.Equal(refusedPermissions(ev), []any{"*"}) {
				t.Fatalf("the refused createRole with *: %v", ev)
			}
		})
	})
}

// Granting is bounded by holding, through admins: roles given to an admin (another or
// itself) may hold only permissions the giver holds; the password or email of an admin
// holding more can't be set.
func TestAdminGrantsAreBoundedByHolding(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachStaffFace(t, e, func(t *testing.T, face staffFace) {
			f := face.(privacyFace)
			root := adminToken(t, f)
			rootID := f.CurrentAdmin(root).ok(t)["id"].(string)
			staff := staffWith(t, f, root, "admins:read", "admins:write", "customers:read")
			me := f.CurrentAdmin(staff).ok(t)
			staffID := me["id"].(string)
			ownRole := me["roles"].([]any)[0].(map[string]any)["id"].(string)
			bigger := f.CreateRole(root, api.CreateRoleInput{Name: f.Name() + " bigger", Permissions: []string{"customers:read", "customers:write"}}).ok(t)["id"].(string)
			var super string
			for _, r := range f.Roles(root).ok(t)["items"].([]any) {
				if r.(map[string]any)["name"] == "Super Administrator" {
					super = r.(map[string]any)["id"].(string)
				}
			}

			// Create an admin with a role holding more: refused, nobody created, nobody invited.
			email := f.Name() + "-escalated-admin@example.com"
			f.CreateAdmin(staff, api.CreateAdminInput{Email: email, Name: "Esc", RoleIds: &[]string{bigger}}).fails(t, "FORBIDDEN", "roleIds")
			f.CreateAdmin(staff, api.CreateAdminInput{Email: email, Name: "Esc", RoleIds: &[]string{ownRole, super}}).fails(t, "FORBIDDEN", "roleIds")
			for _, a := range f.Admins(root).ok(t)["items"].([]any) {
				if a.(map[string]any)["email"] == email {
					t.Fatalf("a refused createAdmin created %v", a)
				}
			}
			if n := len(f.Messages(root, email, "").ok(t)["items"].([]any)); n != 0 {
				t.Fatalf("a refused createAdmin queued %d messages", n)
			}

			// With its own role it may (here: an invitation).
			other := f.CreateAdmin(staff, api.CreateAdminInput{Email: email, Name: "Peer", RoleIds: &[]string{ownRole}}).ok(t)
			otherID := other["id"].(string)
			f.UpdateAdmin(staff, otherID, map[string]any{"roleIds": []string{ownRole, bigger}}).fails(t, "FORBIDDEN", "roleIds")
			f.UpdateAdmin(staff, staffID, map[string]any{"roleIds": []string{ownRole, super}}).fails(t, "FORBIDDEN", "roleIds")
			f.UpdateAdmin(staff, staffID, map[string]any{"roleIds": []string{super}, "name": "Me, promoted"}).fails(t, "FORBIDDEN", "roleIds")
			if got := f.Admin(root, otherID).ok(t); got["version"] != other["version"] || len(got["roles"].([]any)) != 1 {
				t.Fatalf("admin after a refused update: %v", got)
			}
			if got := f.CurrentAdmin(staff).ok(t); got["version"] != me["version"] || got["name"] != me["name"] ||
				!slices.Equal(got["permissions"].([]any), me["permissions"].([]any)) {
				t.Fatalf("own admin after refused updates: %v", got)
			}

			// Signing in as a stronger admin is a grant too: its password and email stay.
			f.UpdateAdmin(staff, rootID, map[string]any{"password": "a takeover passphrase"}).fails(t, "FORBIDDEN", "password")
			f.UpdateAdmin(staff, rootID, map[string]any{"email": f.Name() + "-takeover@example.com"}).fails(t, "FORBIDDEN", "email")
			f.AdminToken(adminEmail, adminPassword).ok(t)

			// Within what it holds: its own roles, other fields, an equal admin's password.
			f.UpdateAdmin(staff, staffID, map[string]any{"roleIds": []string{ownRole}, "name": "Still me"}).ok(t)
			f.UpdateAdmin(staff, otherID, map[string]any{"name": "Peer, renamed", "password": "a peer passphrase"}).ok(t)
			f.UpdateAdmin(staff, otherID, map[string]any{"roleIds": []string{}}).ok(t)

			// A super administrator may give anything, to others and itself.
			f.UpdateAdmin(root, otherID, map[string]any{"roleIds": []string{super, bigger}}).ok(t)
			f.UpdateAdmin(root, rootID, map[string]any{"roleIds": []string{super, bigger}}).ok(t)
			f.CreateAdmin(root, api.CreateAdminInput{Email: f.Name() + "-second-root@example.com", Name: "Root 2", RoleIds: &[]string{super}}).ok(t)

			events := refusals(t, f, root, staffID)
			if len(events) != 7 {
				t.Fatalf("%d auth.escalation_refused events for 7 refusals: %v", len(events), events)
			}
			targets := map[any]int{}
			for _, ev := range events {
				targets[ev["targetId"]]++
			}
			if targets[nil] != 2 || targets[otherID] != 1 || targets[staffID] != 2 || targets[rootID] != 2 {
				t.Fatalf("refusals by target: %v", targets)
			}
			if ev := events[2]; !slices.Equal(refusedPermissions(ev), []any{"*"}) {
				t.Fatalf("the refused promotion to Super Administrator: %v", ev)
			}
		})
	})
}
