package app_test

import (
	"strings"
	"testing"

	"github.com/clientele/clientele/api"
)

// TestCreateAdminTakenEmail: an email another admin has (in any case) is a CONFLICT on email
// in the service's words, in both APIs and for the bootstrap super administrator's email too;
// the database's error text stays out of the answer.
func TestCreateAdminTakenEmail(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachStaffFace(t, e, func(t *testing.T, f staffFace) {
			root := adminToken(t, f)
			email := f.Name() + "-staff@example.com"
			f.CreateAdmin(root, api.CreateAdminInput{Email: email, Name: "Staff"}).ok(t)
			for _, taken := range []string{strings.ToUpper(email), adminEmail} {
				r := f.CreateAdmin(root, api.CreateAdminInput{Email: taken, Name: "Again"})
				r.fails(t, "CONFLICT", "email")
				if r.Message != "An admin with the same email address already exists." {
					t.Errorf("message %q", r.Message)
				}
				if low := strings.ToLower(r.Raw); strings.Contains(low, "duplicate") || strings.Contains(low, "unique") {
					t.Errorf("the answer carries the database's text: %s", r.Raw)
				}
			}
		})
	})
}
