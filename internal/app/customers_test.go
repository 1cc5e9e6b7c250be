package app_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/clientele/clientele/api"
)

func registration(email string) api.RegisterCustomerInput {
	return api.RegisterCustomerInput{Email: email, Password: goodPassword, ConfirmPassword: goodPassword, FirstName: "Ada", LastName: "Lovelace"}
}

// signUp registers email and signs it in, returning the customer and its access token.
func signUp(t *testing.T, f face, email string) (map[string]any, string) {
	t.Helper()
	c := f.Register(registration(email)).ok(t)
	tok := f.CustomerToken(email, goodPassword).ok(t)
	return c, tok["token"].(string)
}

func adminToken(t *testing.T, f face) string {
	t.Helper()
	return f.AdminToken(adminEmail, adminPassword).ok(t)["token"].(string)
}

func TestRegisterSignInAndMe(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachFace(t, e, func(t *testing.T, f face) {
			email := f.Name() + "-ada@example.com"
			in := registration("  " + strings.ToUpper(email) + " ")
			in.Prefix, in.MiddleName, in.DateOfBirth = ptr("Dr."), ptr("King"), ptr("1985-12-10")
			in.Attributes = &[]api.Attribute{{Name: "favouriteColour", Value: "green"}}
			c := f.Register(in).ok(t)
			want := map[string]any{
				"email": email, "firstName": "Ada", "lastName": "Lovelace", "fullName": "Dr. Ada King Lovelace",
				"dateOfBirth": "1985-12-10", "gender": "NOT_SPECIFIED", "status": "ACTIVE", "isLocked": false,
				"emailVerified": false, "hasAccount": true, "onboardingStatus": "NOT_STARTED", "version": 1.0,
				"failedLoginCount": 0.0, "phone": nil, "lastLoginAt": nil, "erasedAt": nil,
			}
			for k, v := range want {
				if c[k] != v {
					t.Errorf("%s = %#v, want %#v", k, c[k], v)
				}
			}
			if attrs := c["attributes"].([]any); len(attrs) != 1 || attrs[0].(map[string]any)["value"] != "green" {
				t.Errorf("attributes = %v", c["attributes"])
			}
			for _, secret := range []string{"password", "passwordHash", "securityStamp"} {
				if _, ok := c[secret]; ok {
					t.Errorf("response exposes %s", secret)
				}
			}

			tok := f.CustomerToken(strings.ToUpper(email), goodPassword).ok(t)
			if tok["tokenType"] != "Bearer" || tok["expiresIn"] != 900.0 || tok["refreshToken"] == "" {
				t.Errorf("token = %v", tok)
			}
			me := f.Me(tok["token"].(string)).ok(t)
			if me["id"] != c["id"] || me["lastLoginAt"] == nil {
				t.Errorf("me = %v", me)
			}
		})
	})
}

func TestRegisterRejectsBadInput(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachFace(t, e, func(t *testing.T, f face) {
			f.Register(registration(f.Name() + "@example.com")).ok(t)

			dup := registration(strings.ToUpper(f.Name()) + "@EXAMPLE.com")
			r := f.Register(dup)
			r.fails(t, "CONFLICT", "email")
			if r.Message != "A customer with the same email address already exists." {
				t.Errorf("conflict message = %q", r.Message)
			}

			bad := api.RegisterCustomerInput{Email: "not-an-email", Password: "short", ConfirmPassword: "other", FirstName: " ", LastName: "L",
				DateOfBirth: ptr("2999-01-01"), Locale: ptr("!!"), OrderWebhookUrl: ptr("ftp://x"),
				Attributes: &[]api.Attribute{{Name: "a", Value: "1"}, {Name: "a", Value: "2"}}}
			f.Register(bad).fails(t, "VALIDATION_FAILED", "email", "password", "confirmPassword", "firstName",
				"dateOfBirth", "locale", "orderWebhookUrl", "attributes[1].name")

			for name, pw := range map[string]string{"common": "password123", "email": "same@example.com", "long": strings.Repeat("x", 257)} {
				in := registration("same@example.com")
				in.Password, in.ConfirmPassword = pw, pw
				if r := f.Register(in); r.Code != "VALIDATION_FAILED" || len(r.Fields) != 1 || r.Fields[0] != "password" {
					t.Errorf("%s password: %s %v", name, r.Code, r.Fields)
				}
			}
			gender := registration("gender@example.com")
			gender.Gender = ptrTo(api.Gender("ROBOT"))
			f.Register(gender).fails(t, "VALIDATION_FAILED", "gender")
		})
	})
}

func TestSignInFailures(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachFace(t, e, func(t *testing.T, f face) {
			email := f.Name() + "@example.com"
			f.Register(registration(email)).ok(t)
			for _, attempt := range [][2]string{{email, "wrong password!"}, {"nobody-" + email, goodPassword}} {
				r := f.CustomerToken(attempt[0], attempt[1])
				r.fails(t, "UNAUTHENTICATED")
				if r.Message != "The email or password is incorrect." {
					t.Errorf("message = %q", r.Message)
				}
			}
			f.AdminToken(adminEmail, "wrong password!").fails(t, "UNAUTHENTICATED")
			// The customer's credentials are not an admin's, and vice versa.
			f.AdminToken(email, goodPassword).fails(t, "UNAUTHENTICATED")
			f.CustomerToken(adminEmail, adminPassword).fails(t, "UNAUTHENTICATED")
		})
	})
}

func TestLockoutAfterRepeatedFailures(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachFace(t, e, func(t *testing.T, f face) {
			email := f.Name() + "@example.com"
			c := f.Register(registration(email)).ok(t)
			for range 5 { // the default threshold
				f.CustomerToken(email, "wrong password!").fails(t, "UNAUTHENTICATED")
			}
			f.CustomerToken(email, goodPassword).fails(t, "ACCOUNT_LOCKED")
			// The lockout is of this client IP (see lockout_test.go): the account shows no lock.
			got := f.GetCustomer(adminToken(t, f), c["id"].(string)).ok(t)
			if got["isLocked"] != false || got["lockedUntil"] != nil || got["failedLoginCount"] != 5.0 {
				t.Errorf("locked customer = isLocked %v lockedUntil %v failedLoginCount %v", got["isLocked"], got["lockedUntil"], got["failedLoginCount"])
			}
		})
	})
}

func TestTokensAreScopedToTheirAudience(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachFace(t, e, func(t *testing.T, f face) {
			c, customer := signUp(t, f, f.Name()+"@example.com")
			admin := adminToken(t, f)
			id := c["id"].(string)

			f.Me("").fails(t, "UNAUTHENTICATED")
			f.Me("not-a-jwt").fails(t, "UNAUTHENTICATED")
			f.Me(admin).fails(t, "FORBIDDEN")
			f.CurrentAdmin(customer).fails(t, "FORBIDDEN")
			f.CurrentAdmin("").fails(t, "UNAUTHENTICATED")
			f.GetCustomer(customer, id).fails(t, "FORBIDDEN")
			f.ListCustomers(customer, api.ListCustomersParams{}).fails(t, "FORBIDDEN")
			f.CreateCustomer(customer, api.CreateCustomerInput{Email: "x@example.com", FirstName: "X", LastName: "Y"}).fails(t, "FORBIDDEN")
			f.UpdateCustomer(customer, id, map[string]any{"firstName": "Eve"}).fails(t, "FORBIDDEN")
			f.DeleteCustomer(customer, id).fails(t, "FORBIDDEN")
			f.DeleteCustomers(customer, []string{id}).fails(t, "FORBIDDEN")
			f.DeleteCustomer("", id).fails(t, "UNAUTHENTICATED")
			f.RevokeAdmin(customer, false).fails(t, "FORBIDDEN")
			f.RevokeCustomer(admin, false).fails(t, "FORBIDDEN")

			a := f.CurrentAdmin(admin).ok(t)
			if a["email"] != adminEmail || fmt.Sprint(a["permissions"]) != "[*]" {
				t.Errorf("currentAdmin = %v", a)
			}
			roles := a["roles"].([]any)
			if len(roles) != 1 || roles[0].(map[string]any)["name"] != "Super Administrator" || roles[0].(map[string]any)["adminsCount"] != 1.0 {
				t.Errorf("roles = %v", roles)
			}
		})
	})
}

func TestUpdateMe(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachFace(t, e, func(t *testing.T, f face) {
			email := f.Name() + "@example.com"
			_, tok := signUp(t, f, email)

			c := f.UpdateMe(tok, map[string]any{"phone": "+44 20 7946 0000", "middleName": "Byron", "gender": "FEMALE",
				"attributes": []map[string]string{{"name": "tier", "value": "gold"}}}).ok(t)
			if c["phone"] != "+44 20 7946 0000" || c["middleName"] != "Byron" || c["gender"] != "FEMALE" || c["version"] != 2.0 {
				t.Fatalf("after update: %v", c)
			}
			// null on a field that cannot be cleared is refused and changes nothing.
			f.UpdateMe(tok, map[string]any{"phone": nil, "firstName": nil}).fails(t, "VALIDATION_FAILED", "firstName")
			// null clears a clearable field; absent fields stay.
			c = f.UpdateMe(tok, map[string]any{"phone": nil}).ok(t)
			if c["phone"] != nil || c["middleName"] != "Byron" || c["firstName"] != "Ada" || c["version"] != 3.0 {
				t.Fatalf("after clearing phone: %v", c)
			}
			// An empty patch changes nothing, not even the version.
			if c = f.UpdateMe(tok, map[string]any{}).ok(t); c["version"] != 3.0 {
				t.Fatalf("empty patch bumped version: %v", c["version"])
			}
			f.UpdateMe(tok, map[string]any{"firstName": "", "locale": "??", "orderWebhookUrl": "notaurl", "dateOfBirth": "10/12/1815"}).
				fails(t, "VALIDATION_FAILED", "firstName", "locale", "orderWebhookUrl", "dateOfBirth")
			if got := f.Me(tok).ok(t); got["version"] != 3.0 || got["locale"] != nil {
				t.Fatalf("a failed update wrote: %v", got)
			}

			// Changing the email needs the current password, and signs out every session.
			newEmail := "new-" + email
			f.UpdateMe(tok, map[string]any{"email": newEmail}).fails(t, "VALIDATION_FAILED", "currentPassword")
			f.UpdateMe(tok, map[string]any{"email": newEmail, "currentPassword": "wrong password!"}).fails(t, "VALIDATION_FAILED", "currentPassword")
			f.Register(registration("taken-" + email)).ok(t)
			f.UpdateMe(tok, map[string]any{"email": "TAKEN-" + email, "currentPassword": goodPassword}).fails(t, "CONFLICT", "email")
			c = f.UpdateMe(tok, map[string]any{"email": strings.ToUpper(newEmail), "currentPassword": goodPassword}).ok(t)
			if c["email"] != newEmail || c["emailVerified"] != false {
				t.Fatalf("after email change: %v", c)
			}
			f.Me(tok).fails(t, "UNAUTHENTICATED")
			f.CustomerToken(newEmail, goodPassword).ok(t)
		})
	})
}

func TestChangeMyPasswordEndsOtherSessions(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachFace(t, e, func(t *testing.T, f face) {
			email := f.Name() + "@example.com"
			f.Register(registration(email)).ok(t)
			first := f.CustomerToken(email, goodPassword).ok(t)
			second := f.CustomerToken(email, goodPassword).ok(t)
			tok := first["token"].(string)

			const next = "a brand new passphrase"
			f.ChangeMyPassword(tok, "wrong password!", next, next).fails(t, "VALIDATION_FAILED", "currentPassword")
			f.ChangeMyPassword(tok, goodPassword, next, "mismatch").fails(t, "VALIDATION_FAILED", "confirmPassword")
			f.ChangeMyPassword(tok, goodPassword, "short", "short").fails(t, "VALIDATION_FAILED", "newPassword")

			fresh := f.ChangeMyPassword(tok, goodPassword, next, next).ok(t)
			f.Me(fresh["token"].(string)).ok(t)
			f.Me(tok).fails(t, "UNAUTHENTICATED")
			f.Me(second["token"].(string)).fails(t, "UNAUTHENTICATED")
			f.Refresh(second["refreshToken"].(string)).fails(t, "UNAUTHENTICATED")
			f.Refresh(fresh["refreshToken"].(string)).ok(t)
			f.CustomerToken(email, goodPassword).fails(t, "UNAUTHENTICATED")
			f.CustomerToken(email, next).ok(t)
		})
	})
}

func TestRefreshRotationAndRevocation(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachFace(t, e, func(t *testing.T, f face) {
			email := f.Name() + "@example.com"
			f.Register(registration(email)).ok(t)
			session := f.CustomerToken(email, goodPassword).ok(t)
			other := f.CustomerToken(email, goodPassword).ok(t)

			rotated := f.Refresh(session["refreshToken"].(string)).ok(t)
			if rotated["refreshToken"] == session["refreshToken"] {
				t.Fatal("refresh did not rotate the refresh token")
			}
			f.Me(rotated["token"].(string)).ok(t)
			// Replaying the spent token revokes the whole family, including its newest member.
			f.Refresh(session["refreshToken"].(string)).fails(t, "UNAUTHENTICATED")
			f.Refresh(rotated["refreshToken"].(string)).fails(t, "UNAUTHENTICATED")
			// ...and its access tokens, the one issued before the refresh and the one after.
			f.Me(session["token"].(string)).fails(t, "UNAUTHENTICATED")
			f.Me(rotated["token"].(string)).fails(t, "UNAUTHENTICATED")
			f.Refresh("garbage").fails(t, "UNAUTHENTICATED")

			// Revoking one session leaves the other signed in; it ends the access tokens the
			// session was given before its last refresh too.
			refreshed := f.Refresh(other["refreshToken"].(string)).ok(t)
			f.RevokeCustomer(refreshed["token"].(string), false).ok(t)
			f.Me(refreshed["token"].(string)).fails(t, "UNAUTHENTICATED")
			f.Me(other["token"].(string)).fails(t, "UNAUTHENTICATED")
			f.Refresh(refreshed["refreshToken"].(string)).fails(t, "UNAUTHENTICATED")
			third := f.CustomerToken(email, goodPassword).ok(t)
			fourth := f.CustomerToken(email, goodPassword).ok(t)
			f.Me(third["token"].(string)).ok(t)

			f.RevokeCustomer(third["token"].(string), true).ok(t)
			f.Me(fourth["token"].(string)).fails(t, "UNAUTHENTICATED")
			f.Refresh(fourth["refreshToken"].(string)).fails(t, "UNAUTHENTICATED")

			admin := f.AdminToken(adminEmail, adminPassword).ok(t)
			f.RevokeAdmin(admin["token"].(string), false).ok(t)
			f.CurrentAdmin(admin["token"].(string)).fails(t, "UNAUTHENTICATED")
		})
	})
}

func TestConcurrentRegistrationsOfOneEmail(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		eachFace(t, e, func(t *testing.T, f face) {
			email := f.Name() + "-race@example.com"
			const n = 50
			results := make([]result, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() { results[i] = f.Register(registration(email)) })
			}
			wg.Wait()
			counts := map[string]int{}
			for _, r := range results {
				counts[r.Code]++
			}
			if counts[""] != 1 || counts["CONFLICT"] != n-1 {
				t.Fatalf("outcomes = %v, want 1 success and %d CONFLICT", counts, n-1)
			}
		})
	})
}

func ptr(s string) *string { return &s }

func ptrTo[T any](v T) *T { return &v }
