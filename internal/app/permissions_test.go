package app_test

import (
	"strings"
	"testing"

	"github.com/clientele/clientele/api"
	"github.com/clientele/clientele/internal/db"
)

// TestEveryAdminOperationChecksItsPermission calls each admin operation as an admin whose
// only permission is another one, as a customer, and anonymously.
func TestEveryAdminOperationChecksItsPermission(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachStaffFace(t, e, func(t *testing.T, f staffFace) {
			root := adminToken(t, f)
			c, customer := signUp(t, f, f.Name()+"-perm@example.com")
			id := c["id"].(string)
			const missing = "01900000-0000-7000-8000-000000000000"
			ops := []struct {
				perm string
				call func(token string) result
			}{
				{"customers:read", func(tok string) result { return f.ListCustomers(tok, api.ListCustomersParams{}) }},
				{"customers:read", func(tok string) result { return f.GetCustomer(tok, id) }},
				{"customers:read", func(tok string) result { return f.CustomerAddresses(tok, id) }},
				{"customers:write", func(tok string) result {
					return f.CreateCustomer(tok, api.CreateCustomerInput{Email: "p@example.com", FirstName: "P", LastName: "Q"})
				}},
				{"customers:write", func(tok string) result { return f.UpdateCustomer(tok, id, map[string]any{"firstName": "P"}) }},
				{"customers:write", func(tok string) result { return f.CreateCustomerAddress(tok, id, newAddress("1")) }},
				{"customers:write", func(tok string) result { return f.UpdateCustomerAddress(tok, id, missing, map[string]any{"city": "X"}) }},
				{"customers:write", func(tok string) result { return f.DeleteCustomerAddress(tok, id, missing) }},
				{"customers:write", func(tok string) result { return f.ReplaceCustomerAddresses(tok, id, nil) }},
				{"customers:delete", func(tok string) result { return f.DeleteCustomer(tok, id) }},
				{"customers:delete", func(tok string) result { return f.DeleteCustomers(tok, []string{id}) }},
				{"customers:lock", func(tok string) result { return f.LockCustomer(tok, id, nil, "") }},
				{"customers:lock", func(tok string) result { return f.UnlockCustomer(tok, id) }},
				{"groups:read", func(tok string) result { return f.Groups(tok, 10, "") }},
				{"groups:read", func(tok string) result { return f.Group(tok, db.GroupGeneral) }},
				{"groups:write", func(tok string) result { return f.CreateGroup(tok, api.CreateCustomerGroupInput{Name: "G"}) }},
				{"groups:write", func(tok string) result { return f.UpdateGroup(tok, db.GroupWholesale, map[string]any{"name": "W"}) }},
				{"groups:write", func(tok string) result { return f.DeleteGroup(tok, missing) }},
				{"admins:read", func(tok string) result { return f.Admins(tok) }},
				{"admins:read", func(tok string) result { return f.Admin(tok, missing) }},
				{"admins:read", func(tok string) result { return f.Roles(tok) }},
				{"admins:read", func(tok string) result { return f.Role(tok, missing) }},
				{"admins:read", func(tok string) result { return f.Permissions(tok) }},
				{"admins:write", func(tok string) result {
					return f.CreateAdmin(tok, api.CreateAdminInput{Email: "a@example.com", Name: "A", Password: ptrTo("an admin passphrase")})
				}},
				{"admins:write", func(tok string) result { return f.UpdateAdmin(tok, missing, map[string]any{"name": "A"}) }},
				{"admins:write", func(tok string) result { return f.DeleteAdmin(tok, missing) }},
				{"roles:write", func(tok string) result {
					return f.CreateRole(tok, api.CreateRoleInput{Name: "R", Permissions: []string{"roles:write"}})
				}},
				{"roles:write", func(tok string) result { return f.UpdateRole(tok, missing, map[string]any{"name": "R"}) }},
				{"roles:write", func(tok string) result { return f.DeleteRole(tok, missing) }},
				{"messages:read", func(tok string) result { return f.Messages(tok, "", "") }},
			}
			for _, op := range ops {
				other := "audit:read"
				if op.perm == other {
					other = "customers:read"
				}
				limited := adminWith(t, f, root, other)
				if r := op.call(limited); r.Code != "FORBIDDEN" {
					t.Errorf("needs %s; an admin with only %s got %q (%s)", op.perm, other, r.Code, r.Raw)
				}
				if r := op.call(customer); r.Code != "FORBIDDEN" {
					t.Errorf("needs %s; a customer got %q", op.perm, r.Code)
				}
				if r := op.call(""); r.Code != "UNAUTHENTICATED" {
					t.Errorf("needs %s; no token got %q", op.perm, r.Code)
				}
			}
			// Then with the permission (some calls delete the customer the others need).
			for _, op := range ops {
				allowed := adminWith(t, f, root, op.perm)
				if r := op.call(allowed); r.Code == "FORBIDDEN" || r.Code == "UNAUTHENTICATED" {
					t.Errorf("an admin with %s was refused: %s", op.perm, r.Raw)
				}
			}
		})
	})
}

// adminWith returns the token of a new admin whose one role grants permission.
func adminWith(t *testing.T, f staffFace, root, permission string) string {
	t.Helper()
	name := f.Name() + " only " + permission
	roles := f.Roles(root).ok(t)["items"].([]any)
	var roleID string
	for _, r := range roles {
		if r.(map[string]any)["name"] == name {
			roleID = r.(map[string]any)["id"].(string)
		}
	}
	if roleID == "" {
		roleID = f.CreateRole(root, api.CreateRoleInput{Name: name, Permissions: []string{permission}}).ok(t)["id"].(string)
	}
	email := f.Name() + "-" + strings.NewReplacer(":", "-", "*", "all").Replace(permission) + "@example.com"
	if r := f.CreateAdmin(root, api.CreateAdminInput{Email: email, Name: name, Password: ptrTo("a limited passphrase"), RoleIds: &[]string{roleID}}); r.Code != "" && r.Code != "CONFLICT" {
		t.Fatalf("create admin: %s", r.Raw)
	}
	return f.AdminToken(email, "a limited passphrase").ok(t)["token"].(string)
}
