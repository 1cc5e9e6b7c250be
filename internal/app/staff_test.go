package app_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clientele/clientele/api"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/testdb"
)

var tokenInLink = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)

// mailedToken reads the one-time token of the newest message of template to email, through
// the admin messages API, as a person would click the link in the email.
func mailedToken(t *testing.T, f staffFace, admin, email, template string) string {
	t.Helper()
	msgs := f.Messages(admin, email, template).ok(t)["items"].([]any)
	if len(msgs) == 0 {
		t.Fatalf("no %s message to %s", template, email)
	}
	m := msgs[0].(map[string]any)
	if !strings.Contains(m["body"].(string), "http://localhost:8080/") {
		t.Fatalf("message body has no link: %q", m["body"])
	}
	match := tokenInLink.FindStringSubmatch(m["body"].(string))
	if match == nil {
		t.Fatalf("no token in %q", m["body"])
	}
	return match[1]
}

func TestPasswordResetVerificationAndInvitation(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachStaffFace(t, e, func(t *testing.T, f staffFace) {
			admin := adminToken(t, f)
			email := f.Name() + "-life@example.com"
			_, session := signUp(t, f, email)

			// Registration mailed a verification link.
			verified := f.VerifyEmail(mailedToken(t, f, admin, email, "VERIFY_EMAIL")).ok(t)
			if verified["emailVerified"] != true {
				t.Fatalf("verifyEmail: %v", verified["emailVerified"])
			}
			f.VerifyEmail("not-a-real-token").fails(t, "VALIDATION_FAILED", "token")
			if r := f.SendVerifyEmail("nobody-" + email).ok(t); r["accepted"] != true {
				t.Fatalf("sendVerifyEmail for an unknown email: %v", r)
			}

			// The same answer for an unknown email; a link for a real one.
			f.RequestPasswordReset("nobody-" + email).ok(t)
			if n := len(f.Messages(admin, "nobody-"+email, "").ok(t)["items"].([]any)); n != 0 {
				t.Fatalf("%d messages to an unknown email", n)
			}
			f.RequestPasswordReset(strings.ToUpper(email)).ok(t)
			reset := mailedToken(t, f, admin, email, "PASSWORD_RESET")
			const next = "a freshly reset passphrase"
			f.ResetPassword(reset, next, "mismatch").fails(t, "VALIDATION_FAILED", "confirmPassword")
			tok := f.ResetPassword(reset, next, next).ok(t)
			f.Me(tok["token"].(string)).ok(t)
			f.ResetPassword(reset, "yet another passphrase", "yet another passphrase").fails(t, "VALIDATION_FAILED", "token")
			f.Me(session).fails(t, "UNAUTHENTICATED")
			f.CustomerToken(email, goodPassword).fails(t, "UNAUTHENTICATED")
			f.CustomerToken(email, next).ok(t)
			if n := len(f.Messages(admin, email, "PASSWORD_CHANGED").ok(t)["items"].([]any)); n != 1 {
				t.Fatalf("%d PASSWORD_CHANGED messages", n)
			}

			// An admin-created customer without a password is invited.
			invited := "invited-" + email
			c := f.CreateCustomer(admin, api.CreateCustomerInput{Email: invited, FirstName: "In", LastName: "Vited"}).ok(t)
			if c["hasAccount"] != false {
				t.Fatalf("hasAccount = %v", c["hasAccount"])
			}
			tok = f.AcceptInvitation(mailedToken(t, f, admin, invited, "INVITATION"), "an invited passphrase", "an invited passphrase").ok(t)
			me := f.Me(tok["token"].(string)).ok(t)
			if me["hasAccount"] != true || me["emailVerified"] != true {
				t.Fatalf("after accepting: hasAccount %v emailVerified %v", me["hasAccount"], me["emailVerified"])
			}
			f.Messages(session, email, "").fails(t, "UNAUTHENTICATED")
		})
	})
}

func TestAPITokenLockAndUnlock(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachStaffFace(t, e, func(t *testing.T, f staffFace) {
			admin := adminToken(t, f)
			email := f.Name() + "-lock@example.com"
			c, session := signUp(t, f, email)
			api1 := f.RegenerateCustomerToken(session).ok(t)["token"].(string)
			if !strings.HasPrefix(api1, "clt_") {
				t.Fatalf("API token %q", api1)
			}
			if me := f.Me(api1).ok(t); me["id"] != c["id"] {
				t.Fatalf("me with the API token: %v", me["id"])
			}
			api2 := f.RegenerateCustomerToken(api1).ok(t)["token"].(string)
			f.Me(api1).fails(t, "UNAUTHENTICATED")
			f.RegenerateCustomerToken(admin).fails(t, "FORBIDDEN")

			id := c["id"].(string)
			f.LockCustomer(session, id, nil, "x").fails(t, "FORBIDDEN")
			past := time.Now().Add(-time.Minute)
			f.LockCustomer(admin, id, &past, "x").fails(t, "VALIDATION_FAILED", "until")
			locked := f.LockCustomer(admin, id, nil, "chargeback").ok(t)
			if locked["isLocked"] != true {
				t.Fatalf("lockCustomer: %v", locked["isLocked"])
			}
			f.Me(session).fails(t, "UNAUTHENTICATED")
			f.Me(api2).fails(t, "UNAUTHENTICATED")
			f.CustomerToken(email, goodPassword).fails(t, "ACCOUNT_LOCKED")
			if u := f.UnlockCustomer(admin, id).ok(t); u["isLocked"] != false || u["lockedUntil"] != nil {
				t.Fatalf("unlockCustomer: %v %v", u["isLocked"], u["lockedUntil"])
			}
			f.CustomerToken(email, goodPassword).ok(t)
		})
	})
}

func TestAdminsAndRoles(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachStaffFace(t, e, func(t *testing.T, f staffFace) {
			admin := adminToken(t, f)
			if n := len(f.Permissions(admin).ok(t)["items"].([]any)); n != 14 {
				t.Fatalf("%d permissions", n)
			}
			role := f.CreateRole(admin, api.CreateRoleInput{Name: f.Name() + " support", Permissions: []string{"customers:read"}}).ok(t)
			rid := role["id"].(string)
			f.CreateRole(admin, api.CreateRoleInput{Name: "x", Permissions: []string{"nope"}}).fails(t, "VALIDATION_FAILED", "permissions[0]")
			f.CreateRole(admin, api.CreateRoleInput{Name: strings.ToUpper(f.Name()) + " SUPPORT", Permissions: []string{"*"}}).fails(t, "CONFLICT", "name")

			email := f.Name() + "-agent@example.com"
			agent := f.CreateAdmin(admin, api.CreateAdminInput{Email: email, Name: "Agent", Password: ptrTo("an agent passphrase"), RoleIds: &[]string{rid}}).ok(t)
			f.CreateAdmin(admin, api.CreateAdminInput{Email: email, Name: "Again", Password: ptrTo("an agent passphrase")}).fails(t, "CONFLICT", "email")
			agentTok := f.AdminToken(email, "an agent passphrase").ok(t)["token"].(string)
			f.ListCustomers(agentTok, api.ListCustomersParams{}).ok(t)
			f.CreateCustomer(agentTok, api.CreateCustomerInput{Email: "no@example.com", FirstName: "N", LastName: "O"}).fails(t, "FORBIDDEN")
			f.Admin(agentTok, agent["id"].(string)).ok(t)
			f.Admins(agentTok).fails(t, "FORBIDDEN")

			// A stale expectedVersion is refused and changes nothing.
			v := role["version"].(float64)
			f.UpdateRole(admin, rid, map[string]any{"permissions": []string{"customers:read", "customers:write"}, "expectedVersion": v}).ok(t)
			f.UpdateRole(admin, rid, map[string]any{"name": "Renamed", "expectedVersion": v}).fails(t, "PRECONDITION_FAILED")
			if got := f.Role(admin, rid).ok(t); got["name"] == "Renamed" || got["version"] != v+1 || got["adminsCount"] != 1.0 {
				t.Fatalf("role after a stale update: %v", got)
			}
			// The new permission applies to the agent at once.
			f.CreateCustomer(agentTok, api.CreateCustomerInput{Email: f.Name() + "-by-agent@example.com", FirstName: "N", LastName: "O"}).ok(t)

			f.DeleteRole(admin, rid).fails(t, "CONFLICT")
			f.UpdateAdmin(admin, agent["id"].(string), map[string]any{"roleIds": []string{}, "name": "Former agent"}).ok(t)
			f.DeleteRole(admin, rid).ok(t)
			f.Role(admin, rid).fails(t, "NOT_FOUND")

			root := f.CurrentAdmin(admin).ok(t)["id"].(string)
			f.DeleteAdmin(admin, root).fails(t, "CONFLICT")
			f.UpdateAdmin(admin, root, map[string]any{"status": "INACTIVE"}).fails(t, "CONFLICT")
			f.DeleteAdmin(admin, agent["id"].(string)).ok(t)
			f.Admin(admin, agent["id"].(string)).fails(t, "NOT_FOUND")
			if n := len(f.Roles(admin).ok(t)["items"].([]any)); n < 1 {
				t.Fatalf("roles: %d", n)
			}
		})
	})
}

// REST's optimistic concurrency speaks ETag and If-Match.
func TestRoleETagAndIfMatch(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		f := &restFace{e}
		admin := adminToken(t, f)
		rid := f.CreateRole(admin, api.CreateRoleInput{Name: "Auditors", Permissions: []string{"audit:read"}}).ok(t)["id"].(string)
		resp, _ := do(t, "GET", e.url+"/v1/roles/"+rid, "", "", "Authorization", "Bearer "+admin)
		if got := resp.Header.Get("ETag"); got != `"1"` {
			t.Fatalf("ETag = %q", got)
		}
		resp, body := do(t, "PATCH", e.url+"/v1/roles/"+rid, "application/merge-patch+json", `{"description": "reads the trail"}`,
			"Authorization", "Bearer "+admin, "If-Match", `"7"`)
		if resp.StatusCode != http.StatusPreconditionFailed || problemCode(t, resp, body) != "PRECONDITION_FAILED" {
			t.Fatalf("stale If-Match: %d %s", resp.StatusCode, body)
		}
		resp, body = do(t, "PATCH", e.url+"/v1/roles/"+rid, "application/merge-patch+json", `{"description": "reads the trail"}`,
			"Authorization", "Bearer "+admin, "If-Match", `"1"`)
		if resp.StatusCode != 200 || !strings.Contains(body, `"version":2`) {
			t.Fatalf("matching If-Match: %d %s", resp.StatusCode, body)
		}
	})
}

func TestRateLimitedSignIn(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, testdb.New(t, dialect), func(c *config.Config) { c.RateLimitPerEmail = 2 })
			eachFace(t, e, func(t *testing.T, f face) {
				email := f.Name() + "-limited@example.com"
				f.CustomerToken(email, "a wrong password").fails(t, "UNAUTHENTICATED")
				f.CustomerToken(email, "a wrong password").fails(t, "UNAUTHENTICATED")
				r := f.CustomerToken(email, "a wrong password")
				r.fails(t, "RATE_LIMITED")
				if f.Name() == "rest" && r.Status != http.StatusTooManyRequests {
					t.Fatalf("status %d", r.Status)
				}
			})
			resp, _ := do(t, "POST", e.url+"/v1/auth/customer/token", "application/json", `{"email":"rest-limited@example.com","password":"x"}`)
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 || s > 61 {
				t.Fatalf("Retry-After = %q", resp.Header.Get("Retry-After"))
			}
		})
	}
}
