package service_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/internal/testdb"
	"github.com/clientele/clientele/models"
)

// sessBadCredentials is the one message of every failed sign-in (SPEC §7).
const sessBadCredentials = "The email or password is incorrect."

const (
	sessRootEmail   = "root@example.com"
	sessWrongPW     = "wrong horse battery"
	sessNewPassword = "new staple battery horse"
)

// sessFixture is a service over a fresh database with a signed-in super administrator.
type sessFixture struct {
	t     *testing.T
	d     *db.DB
	s     *service.Service
	ctx   context.Context
	admin auth.Principal
}

func newSessFixture(t *testing.T, d *db.DB, mutate ...func(*config.Config)) *sessFixture {
	t.Helper()
	f := &sessFixture{t: t, d: d, s: newService(t, d, mutate...), ctx: context.Background()}
	must[models.Admin](t)(f.s.CreateSuperAdmin(f.ctx, sessRootEmail, goodPassword, "Root"))
	tok := must[service.Token](t)(f.s.GenerateAdminToken(f.ctx, auth.Principal{}, sessRootEmail, goodPassword))
	f.admin = f.authOK(tok.AccessToken)
	if f.admin.Kind != auth.Admin {
		t.Fatalf("admin token gave principal %+v", f.admin)
	}
	return f
}

func (f *sessFixture) register(email string) models.Customer {
	f.t.Helper()
	return must[service.Registration](f.t)(f.s.Register(f.ctx, auth.Principal{}, registerInput(email))).Customer
}

// signIn signs a customer in and returns the token pair and its principal.
func (f *sessFixture) signIn(email, password string) (service.Token, auth.Principal) {
	f.t.Helper()
	tok, err := f.s.GenerateCustomerToken(f.ctx, auth.Principal{}, email, password)
	if err != nil {
		f.t.Fatalf("sign in %s: %v", email, err)
	}
	p := f.authOK(tok.AccessToken)
	if p.Kind != auth.Customer {
		f.t.Fatalf("customer token gave principal %+v", p)
	}
	return tok, p
}

// badCredentials asserts the generic sign-in failure.
func (f *sessFixture) badCredentials(err error) {
	f.t.Helper()
	ae := wantKind(f.t, err, apperr.Unauthenticated)
	if ae.Message != sessBadCredentials || len(ae.Fields) != 0 {
		f.t.Fatalf("sign-in failure = %q %+v, want %q", ae.Message, ae.Fields, sessBadCredentials)
	}
}

func (f *sessFixture) customerSignInFails(email, password string) {
	f.t.Helper()
	_, err := f.s.GenerateCustomerToken(f.ctx, auth.Principal{}, email, password)
	f.badCredentials(err)
}

func (f *sessFixture) authOK(token string) auth.Principal {
	f.t.Helper()
	p, err := f.s.Authenticate(f.ctx, token)
	if err != nil {
		f.t.Fatalf("Authenticate: %v", err)
	}
	return p
}

func (f *sessFixture) authFails(token string) {
	f.t.Helper()
	p, err := f.s.Authenticate(f.ctx, token)
	wantKind(f.t, err, apperr.Unauthenticated)
	if p.ID != "" || p.Kind != auth.Anonymous {
		f.t.Fatalf("rejected token still gave principal %+v", p)
	}
}

func (f *sessFixture) refreshOK(refresh string) service.Token {
	f.t.Helper()
	tok, err := f.s.RefreshToken(f.ctx, auth.Principal{}, refresh)
	if err != nil {
		f.t.Fatalf("RefreshToken: %v", err)
	}
	return tok
}

func (f *sessFixture) refreshFails(refresh string) {
	f.t.Helper()
	tok, err := f.s.RefreshToken(f.ctx, auth.Principal{}, refresh)
	wantKind(f.t, err, apperr.Unauthenticated)
	if tok.AccessToken != "" || tok.RefreshToken != "" {
		f.t.Fatalf("refused refresh still returned %+v", tok)
	}
}

// customer reads a customer as the super administrator.
func (f *sessFixture) customer(id string) models.Customer {
	f.t.Helper()
	return must[models.Customer](f.t)(f.s.GetCustomer(auth.With(f.ctx, f.admin), id))
}

func sessPtr[T any](v T) *T { return &v }

func TestSignInFailuresLookAlike(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := newSessFixture(t, d)
		f.register("ada@example.com")
		noPass := must[models.Customer](t)(f.s.CreateCustomer(f.ctx, f.admin, service.CreateCustomerInput{Profile: registerInput("nopass@example.com").Profile}))
		if noPass.HasAccount() {
			t.Fatalf("customer created without password has an account: %+v", noPass)
		}

		for _, tc := range []struct{ name, email, password string }{
			{"unknown email", "nobody@example.com", goodPassword},
			{"wrong password", "ada@example.com", sessWrongPW},
			{"password of another case", "ada@example.com", "CORRECT HORSE BATTERY"},
			{"empty password", "ada@example.com", ""},
			{"account without password", "nopass@example.com", goodPassword},
			{"account without password, empty password", "nopass@example.com", ""},
			{"admin credentials on the customer sign-in", sessRootEmail, goodPassword},
		} {
			tok, err := f.s.GenerateCustomerToken(f.ctx, auth.Principal{}, tc.email, tc.password)
			if err == nil {
				t.Fatalf("%s: signed in: %+v", tc.name, tok)
			}
			f.badCredentials(err)
		}
		for _, tc := range []struct{ name, email, password string }{
			{"unknown admin", "nobody@example.com", goodPassword},
			{"wrong admin password", sessRootEmail, sessWrongPW},
			{"customer credentials on the admin sign-in", "ada@example.com", goodPassword},
		} {
			_, err := f.s.GenerateAdminToken(f.ctx, auth.Principal{}, tc.email, tc.password)
			f.badCredentials(err)
		}
		// Control: the right password (any case of the email) signs in.
		f.signIn("  ADA@example.com ", goodPassword)
	})
}

func TestInactiveCustomerSignIn(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := newSessFixture(t, d)
		ada := f.register("ada@example.com")
		before, _ := f.signIn("ada@example.com", goodPassword)

		must[models.Customer](t)(f.s.UpdateCustomer(f.ctx, f.admin, ada.ID, service.CustomerPatch{Status: sessPtr(models.StatusInactive)}))

		_, err := f.s.GenerateCustomerToken(f.ctx, auth.Principal{}, "ada@example.com", goodPassword)
		if ae := wantKind(t, err, apperr.Forbidden); ae.Message == sessBadCredentials {
			t.Fatalf("inactive account with the right password got the generic message")
		}
		// With a wrong password an inactive account is indistinguishable from any other failure.
		f.customerSignInFails("ada@example.com", sessWrongPW)
		// Deactivation ended the sessions it had.
		f.authFails(before.AccessToken)
		f.refreshFails(before.RefreshToken)

		must[models.Customer](t)(f.s.UpdateCustomer(f.ctx, f.admin, ada.ID, service.CustomerPatch{Status: sessPtr(models.StatusActive)}))
		f.signIn("ada@example.com", goodPassword)
		f.refreshFails(before.RefreshToken)
	})
}

func TestRefreshRotation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := newSessFixture(t, d)
		f.register("ada@example.com")
		start := time.Now()
		first, p1 := f.signIn("ada@example.com", goodPassword)
		if first.ExpiresIn != 900 || first.ExpiresAt.Before(start.Add(15*time.Minute-time.Second)) || first.ExpiresAt.After(time.Now().Add(15*time.Minute+time.Second)) {
			t.Fatalf("token lifetime: expiresIn %d, expiresAt %v", first.ExpiresIn, first.ExpiresAt)
		}
		if len(first.RefreshToken) < 43 { // 256 bits in base64
			t.Fatalf("refresh token %q is shorter than 256 bits", first.RefreshToken)
		}
		other, _ := f.signIn("ada@example.com", goodPassword)

		second := f.refreshOK(first.RefreshToken)
		if second.AccessToken == first.AccessToken || second.RefreshToken == first.RefreshToken || second.RefreshToken == "" {
			t.Fatalf("refresh did not issue a new pair: %+v", second)
		}
		p2 := f.authOK(second.AccessToken)
		if p2.Kind != auth.Customer || p2.ID != p1.ID || p2.SessionID != p1.SessionID || p2.TokenID == p1.TokenID {
			t.Fatalf("refreshed principal %+v, first %+v", p2, p1)
		}

		// Presenting the spent token fails and revokes the whole family, newest token included.
		f.refreshFails(first.RefreshToken)
		f.refreshFails(second.RefreshToken)
		// The other session is its own family and keeps working.
		f.authOK(f.refreshOK(other.RefreshToken).AccessToken)

		f.refreshFails("not-a-refresh-token")
		f.refreshFails(first.AccessToken)
		for _, blank := range []string{"", "   "} {
			_, err := f.s.RefreshToken(f.ctx, auth.Principal{}, blank)
			if ae := wantKind(t, err, apperr.ValidationFailed); len(ae.Fields) != 1 || ae.Fields[0].Field != "refreshToken" {
				t.Fatalf("blank refresh token: fields %+v", ae.Fields)
			}
		}

		// Refresh tokens are stored only as their SHA-256.
		fresh, _ := f.signIn("ada@example.com", goodPassword)
		sum := sha256.Sum256([]byte(fresh.RefreshToken))
		var plain, hashed int64
		if err := d.Gorm().Model(&models.RefreshToken{}).Where("token_hash = ?", fresh.RefreshToken).Count(&plain).Error; err != nil {
			t.Fatal(err)
		}
		if err := d.Gorm().Model(&models.RefreshToken{}).Where("token_hash = ?", hex.EncodeToString(sum[:])).Count(&hashed).Error; err != nil {
			t.Fatal(err)
		}
		if plain != 0 || hashed != 1 {
			t.Fatalf("rows holding the token in plain text: %d, holding its SHA-256: %d", plain, hashed)
		}
	})
}

func TestConcurrentRefreshSpendsTokenOnce(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := newSessFixture(t, d)
		f.register("ada@example.com")
		tok, _ := f.signIn("ada@example.com", goodPassword)

		const n = 4
		results := make([]service.Token, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { results[i], errs[i] = f.s.RefreshToken(f.ctx, auth.Principal{}, tok.RefreshToken) })
		}
		wg.Wait()
		wins := 0
		for i, err := range errs {
			if err == nil {
				wins++
				// Presenting the token more than once revoked the family, the winner's pair too.
				f.refreshFails(results[i].RefreshToken)
				continue
			}
			if k := apperr.KindOf(err); k != apperr.Unauthenticated {
				t.Errorf("concurrent refresh %d: %v, want UNAUTHENTICATED", i, err)
			}
		}
		if wins > 1 {
			t.Fatalf("one refresh token was spent %d times", wins)
		}
	})
}

func TestRefreshTokenExpires(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := newSessFixture(t, d, func(c *config.Config) { c.RefreshTokenTTL = 500 * time.Millisecond })
		f.register("ada@example.com")
		tok, _ := f.signIn("ada@example.com", goodPassword)
		live, _ := f.signIn("ada@example.com", goodPassword)
		f.refreshOK(live.RefreshToken) // control: usable before it expires
		time.Sleep(600 * time.Millisecond)
		f.refreshFails(tok.RefreshToken)
	})
}

func TestRevokeCustomerToken(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := newSessFixture(t, d)
		f.register("ada@example.com")
		a, pa := f.signIn("ada@example.com", goodPassword)
		b, _ := f.signIn("ada@example.com", goodPassword)

		if err := f.s.RevokeCustomerToken(f.ctx, pa, false); err != nil {
			t.Fatal(err)
		}
		f.authFails(a.AccessToken)
		f.refreshFails(a.RefreshToken)
		// Another session is untouched.
		f.authOK(b.AccessToken)
		b2 := f.refreshOK(b.RefreshToken)
		pb2 := f.authOK(b2.AccessToken)

		c, _ := f.signIn("ada@example.com", goodPassword)
		if err := f.s.RevokeCustomerToken(f.ctx, pb2, true); err != nil {
			t.Fatal(err)
		}
		for _, tok := range []service.Token{b2, c} {
			f.authFails(tok.AccessToken)
			f.refreshFails(tok.RefreshToken)
		}
		// Signing out everywhere does not stop signing in again.
		f.signIn("ada@example.com", goodPassword)

		wantKind(t, f.s.RevokeCustomerToken(f.ctx, f.admin, false), apperr.Forbidden)
		wantKind(t, f.s.RevokeCustomerToken(f.ctx, auth.Principal{}, true), apperr.Unauthenticated)
	})
}

func TestChangeMyPassword(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := newSessFixture(t, d)
		f.register("ada@example.com")
		old, p := f.signIn("ada@example.com", goodPassword)
		other, _ := f.signIn("ada@example.com", goodPassword)

		for _, tc := range []struct {
			name, current, next, confirm, field string
		}{
			{"wrong current password", sessWrongPW, sessNewPassword, sessNewPassword, "currentPassword"},
			{"no current password", "", sessNewPassword, sessNewPassword, "currentPassword"},
			{"new password too short", goodPassword, "short", "short", "newPassword"},
			{"new password is the email", goodPassword, "Ada@Example.com", "Ada@Example.com", "newPassword"},
			{"new password is common", goodPassword, "password1234", "password1234", "newPassword"},
			{"confirmation differs", goodPassword, sessNewPassword, sessNewPassword + "!", "confirmPassword"},
		} {
			tok, err := f.s.ChangeMyPassword(f.ctx, p, tc.current, tc.next, tc.confirm)
			if err == nil {
				t.Fatalf("%s: changed: %+v", tc.name, tok)
			}
			ae := wantKind(t, err, apperr.ValidationFailed)
			if len(ae.Fields) != 1 || ae.Fields[0].Field != tc.field {
				t.Fatalf("%s: fields %+v, want only %s", tc.name, ae.Fields, tc.field)
			}
		}
		// The refused attempts changed nothing.
		f.authOK(old.AccessToken)

		tok := must[service.Token](t)(f.s.ChangeMyPassword(f.ctx, p, goodPassword, sessNewPassword, sessNewPassword))
		f.authOK(tok.AccessToken)
		for _, earlier := range []service.Token{old, other} {
			f.authFails(earlier.AccessToken)
			f.refreshFails(earlier.RefreshToken)
		}
		f.authOK(f.refreshOK(tok.RefreshToken).AccessToken)

		f.customerSignInFails("ada@example.com", goodPassword)
		f.signIn("ada@example.com", sessNewPassword)

		_, err := f.s.ChangeMyPassword(f.ctx, f.admin, goodPassword, sessNewPassword, sessNewPassword)
		wantKind(t, err, apperr.Forbidden)
		_, err = f.s.ChangeMyPassword(f.ctx, auth.Principal{}, goodPassword, sessNewPassword, sessNewPassword)
		wantKind(t, err, apperr.Unauthenticated)
	})
}

func TestAdminEmailChangeSignsCustomerOut(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := newSessFixture(t, d)
		ada := f.register("ada@example.com")
		tok, _ := f.signIn("ada@example.com", goodPassword)

		// A change that is not about sign-in keeps the session.
		must[models.Customer](t)(f.s.UpdateCustomer(f.ctx, f.admin, ada.ID, service.CustomerPatch{FirstName: sessPtr("Augusta")}))
		f.authOK(tok.AccessToken)

		must[models.Customer](t)(f.s.UpdateCustomer(f.ctx, f.admin, ada.ID, service.CustomerPatch{Email: sessPtr("augusta@example.com")}))
		f.authFails(tok.AccessToken)
		f.refreshFails(tok.RefreshToken)
		f.customerSignInFails("ada@example.com", goodPassword)
		f.signIn("augusta@example.com", goodPassword)
	})
}

func TestCustomerAndAdminTokensAreSeparate(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := newSessFixture(t, d)
		ada := f.register("ada@example.com")
		_, cp := f.signIn("ada@example.com", goodPassword)
		if cp.ID != ada.ID || len(cp.Permissions) != 0 {
			t.Fatalf("customer principal %+v", cp)
		}

		_, err := f.s.ListCustomers(f.ctx, cp, service.CustomerFilter{}, "", service.PageArgs{})
		wantKind(t, err, apperr.Forbidden)
		_, err = f.s.GetCustomer(auth.With(f.ctx, cp), ada.ID)
		wantKind(t, err, apperr.Forbidden)
		_, err = f.s.CreateCustomer(f.ctx, cp, service.CreateCustomerInput{Profile: registerInput("eve@example.com").Profile})
		wantKind(t, err, apperr.Forbidden)
		_, err = f.s.CurrentAdmin(f.ctx, cp)
		wantKind(t, err, apperr.Forbidden)
		wantKind(t, f.s.RevokeAdminToken(f.ctx, cp, false), apperr.Forbidden)

		_, err = f.s.Me(f.ctx, f.admin)
		wantKind(t, err, apperr.Forbidden)
		_, err = f.s.UpdateMe(f.ctx, f.admin, service.CustomerPatch{FirstName: sessPtr("Root")})
		wantKind(t, err, apperr.Forbidden)

		_, err = f.s.Me(f.ctx, auth.Principal{})
		wantKind(t, err, apperr.Unauthenticated)
		_, err = f.s.ListCustomers(f.ctx, auth.Principal{}, service.CustomerFilter{}, "", service.PageArgs{})
		wantKind(t, err, apperr.Unauthenticated)

		// Control: each principal can do its own operations.
		must[models.Customer](t)(f.s.Me(f.ctx, cp))
		must[service.Page[models.Customer]](t)(f.s.ListCustomers(f.ctx, f.admin, service.CustomerFilter{}, "", service.PageArgs{}))
	})
}

// TestForgedAccessTokens signs tokens with the configured secret the way an attacker who
// knew it partly, or not at all, would, and checks Authenticate refuses all but the genuine.
func TestForgedAccessTokens(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		const secret = "test-secret-0123456789-0123456789-abcdef"
		f := newSessFixture(t, d, func(c *config.Config) { c.JWTSecret = secret })
		ada := f.customer(f.register("ada@example.com").ID)
		root := must[service.AdminView](t)(f.s.CurrentAdmin(f.ctx, f.admin))
		signer := auth.NewSigner([]byte(secret), 15*time.Minute)
		now := time.Now()
		issue := func(aud, sub, stamp string, at time.Time) string {
			tok, _, err := signer.Issue(aud, sub, stamp, "", uuid.NewString(), at)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}

		// Control: a token made with the secret, the subject's stamp and the right audience works.
		if p := f.authOK(issue(auth.AudienceCustomer, ada.ID, ada.SecurityStamp, now)); p.Kind != auth.Customer || p.ID != ada.ID {
			t.Fatalf("genuine customer token: %+v", p)
		}
		if p := f.authOK(issue(auth.AudienceAdmin, root.ID, root.SecurityStamp, now)); p.Kind != auth.Admin || p.ID != root.ID {
			t.Fatalf("genuine admin token: %+v", p)
		}

		f.authFails(issue(auth.AudienceAdmin, ada.ID, ada.SecurityStamp, now))      // a customer as admin
		f.authFails(issue(auth.AudienceCustomer, root.ID, root.SecurityStamp, now)) // an admin as customer
		f.authFails(issue(auth.AudienceCustomer, ada.ID, "stale-stamp", now))
		f.authFails(issue(auth.AudienceCustomer, uuid.NewString(), ada.SecurityStamp, now))
		f.authFails(issue(auth.AudienceCustomer, ada.ID, ada.SecurityStamp, now.Add(-16*time.Minute))) // expired beyond leeway
		f.authFails("")
		f.authFails("Bearer " + issue(auth.AudienceCustomer, ada.ID, ada.SecurityStamp, now))

		claims := auth.Claims{
			RegisteredClaims: jwt.RegisteredClaims{
				Issuer: "clientele", Subject: ada.ID, Audience: jwt.ClaimStrings{auth.AudienceCustomer},
				IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute)), ID: uuid.NewString(),
			},
			Stamp: auth.StampDigest(ada.SecurityStamp),
		}
		signed := func(m jwt.SigningMethod, key any) string {
			tok, err := jwt.NewWithClaims(m, claims).SignedString(key)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		f.authOK(signed(jwt.SigningMethodHS256, []byte(secret))) // control
		f.authFails(signed(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType))
		f.authFails(signed(jwt.SigningMethodHS512, []byte(secret)))
		f.authFails(signed(jwt.SigningMethodHS256, []byte("guessed-secret-0123456789-0123456789")))
		claims.Issuer = "someone-else"
		f.authFails(signed(jwt.SigningMethodHS256, []byte(secret)))

		// A deleted customer's token is dead.
		live := issue(auth.AudienceCustomer, ada.ID, ada.SecurityStamp, now)
		f.authOK(live)
		if err := f.s.DeleteCustomer(f.ctx, f.admin, ada.ID, nil); err != nil {
			t.Fatal(err)
		}
		f.authFails(live)
	})
}

// TestGeneratedSecretIsShared: without CLIENTELE_JWT_SECRET the secret is generated once and
// kept in the database, so every instance over it accepts the others' tokens.
func TestGeneratedSecretIsShared(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := newSessFixture(t, d)
		f.register("ada@example.com")
		tok, _ := f.signIn("ada@example.com", goodPassword)

		second := newService(t, d)
		if p, err := second.Authenticate(f.ctx, tok.AccessToken); err != nil || p.Kind != auth.Customer {
			t.Fatalf("second instance: %+v, %v", p, err)
		}
		foreign := newService(t, d, func(c *config.Config) { c.JWTSecret = "some-other-secret-0123456789-0123456789" })
		_, err := foreign.Authenticate(f.ctx, tok.AccessToken)
		wantKind(t, err, apperr.Unauthenticated)
	})
}

func TestRestrictedAdmin(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		// The roles are changed in the database directly, not through the service, so no
		// feed row tells memory: every request consults the database.
		f := newSessFixture(t, d, func(c *config.Config) { c.RevocationSync = 0 })
		ada := f.register("ada@example.com")
		limited := must[models.Admin](t)(f.s.CreateSuperAdmin(f.ctx, "limited@example.com", goodPassword, "Limited"))
		tok := must[service.Token](t)(f.s.GenerateAdminToken(f.ctx, auth.Principal{}, "limited@example.com", goodPassword))

		now := db.Now()
		nothing := models.Role{ID: uuid.NewString(), Name: "Nothing", Permissions: models.StringList{}, Version: 1, CreatedAt: now, UpdatedAt: now}
		reader := models.Role{ID: uuid.NewString(), Name: "Reader", Permissions: models.StringList{service.PermCustomersRead}, Version: 1, CreatedAt: now, UpdatedAt: now}
		for _, r := range []*models.Role{&nothing, &reader} {
			if err := d.Gorm().Create(r).Error; err != nil {
				t.Fatal(err)
			}
		}
		setRole := func(roleID string) {
			t.Helper()
			res := d.Gorm().Exec("UPDATE admin_roles SET role_id = ? WHERE admin_id = ?", roleID, limited.ID)
			if res.Error != nil || res.RowsAffected != 1 {
				t.Fatalf("reassign role: %v (%d rows)", res.Error, res.RowsAffected)
			}
		}
		forbiddenWrites := func(p auth.Principal) {
			t.Helper()
			_, err := f.s.CreateCustomer(f.ctx, p, service.CreateCustomerInput{Profile: registerInput("eve@example.com").Profile})
			wantKind(t, err, apperr.Forbidden)
			_, err = f.s.UpdateCustomer(f.ctx, p, ada.ID, service.CustomerPatch{FirstName: sessPtr("Eve")})
			wantKind(t, err, apperr.Forbidden)
			wantKind(t, f.s.DeleteCustomer(f.ctx, p, ada.ID, nil), apperr.Forbidden)
		}

		// Permissions are read on every request: the token issued while the admin was a super
		// administrator carries only what the admin holds now.
		setRole(nothing.ID)
		p := f.authOK(tok.AccessToken)
		if p.Kind != auth.Admin || len(p.Permissions) != 0 {
			t.Fatalf("admin without permissions: %+v", p)
		}
		_, err := f.s.ListCustomers(f.ctx, p, service.CustomerFilter{}, "", service.PageArgs{})
		wantKind(t, err, apperr.Forbidden)
		_, err = f.s.GetCustomer(auth.With(f.ctx, p), ada.ID)
		wantKind(t, err, apperr.Forbidden)
		forbiddenWrites(p)
		view := must[service.AdminView](t)(f.s.CurrentAdmin(f.ctx, p))
		if len(view.Roles) != 1 || view.Roles[0].Name != "Nothing" || len(view.Permissions) != 0 {
			t.Fatalf("restricted admin view: roles %+v, permissions %v", view.Roles, view.Permissions)
		}

		setRole(reader.ID)
		p = f.authOK(tok.AccessToken)
		page := must[service.Page[models.Customer]](t)(f.s.ListCustomers(f.ctx, p, service.CustomerFilter{}, "", service.PageArgs{}))
		if len(page.Items) != 1 || page.Items[0].ID != ada.ID {
			t.Fatalf("reader's list: %+v", page.Items)
		}
		must[models.Customer](t)(f.s.GetCustomer(auth.With(f.ctx, p), ada.ID))
		forbiddenWrites(p)
		view = must[service.AdminView](t)(f.s.CurrentAdmin(f.ctx, p))
		if len(view.Roles) != 1 || view.Roles[0].Name != "Reader" || !slices.Equal(view.Permissions, []string{service.PermCustomersRead}) {
			t.Fatalf("reader view: roles %+v, permissions %v", view.Roles, view.Permissions)
		}

		// The forbidden writes left the customer as it was.
		if c := f.customer(ada.ID); c.FirstName != "Ada" || c.Version != 1 {
			t.Fatalf("customer after forbidden writes: %+v", c)
		}
	})
}

func TestSuperAdminSignIn(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := newSessFixture(t, d)
		tok := must[service.Token](t)(f.s.GenerateAdminToken(f.ctx, auth.Principal{}, "  ROOT@Example.com", goodPassword))
		p := f.authOK(tok.AccessToken)
		if p.Kind != auth.Admin || !slices.Equal(p.Permissions, []string{"*"}) || !p.Can(service.PermCustomersDelete) {
			t.Fatalf("super admin principal %+v", p)
		}
		view := must[service.AdminView](t)(f.s.CurrentAdmin(f.ctx, p))
		if view.Email != sessRootEmail || view.LastLoginAt == nil || view.FailedLoginCount != 0 {
			t.Fatalf("current admin %+v", view.Admin)
		}
		if len(view.Roles) != 1 || view.Roles[0].Name != "Super Administrator" ||
			view.Roles[0].AdminsCount != 1 || !slices.Equal(view.Permissions, []string{"*"}) {
			t.Fatalf("super admin roles %+v, permissions %v", view.Roles, view.Permissions)
		}

		// An admin session refreshes into an admin token.
		next := f.refreshOK(tok.RefreshToken)
		if p2 := f.authOK(next.AccessToken); p2.Kind != auth.Admin || p2.ID != p.ID {
			t.Fatalf("refreshed admin principal %+v", p2)
		}
		// Replaying the spent refresh token revokes the session, access tokens included.
		f.refreshFails(tok.RefreshToken)
		f.authFails(next.AccessToken)

		// Admin passwords follow the same rules.
		_, err := f.s.CreateSuperAdmin(f.ctx, "weak@example.com", "password1234", "")
		if ae := wantKind(t, err, apperr.ValidationFailed); len(ae.Fields) != 1 || ae.Fields[0].Field != "password" {
			t.Fatalf("weak admin password: fields %+v", ae.Fields)
		}
		_, err = f.s.CreateSuperAdmin(f.ctx, "Root@example.com", goodPassword, "")
		wantKind(t, err, apperr.Conflict)

		// Signing out ends that admin session only.
		session := must[service.Token](t)(f.s.GenerateAdminToken(f.ctx, auth.Principal{}, sessRootEmail, goodPassword))
		other := must[service.Token](t)(f.s.GenerateAdminToken(f.ctx, auth.Principal{}, sessRootEmail, goodPassword))
		p3 := f.authOK(session.AccessToken)
		if err := f.s.RevokeAdminToken(f.ctx, p3, false); err != nil {
			t.Fatal(err)
		}
		f.authFails(session.AccessToken)
		f.refreshFails(session.RefreshToken)
		f.authOK(other.AccessToken)
		f.refreshOK(other.RefreshToken)
	})
}

// Signing out a session ends every access token it issued, also those from before a refresh.
func TestRevokeEndsTokensIssuedBeforeARefresh(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := newSessFixture(t, d)
		f.register("ada@example.com")
		first, _ := f.signIn("ada@example.com", goodPassword)
		refreshed := f.refreshOK(first.RefreshToken)
		f.authOK(first.AccessToken)
		if err := f.s.RevokeCustomerToken(f.ctx, f.authOK(refreshed.AccessToken), false); err != nil {
			t.Fatal(err)
		}
		f.authFails(refreshed.AccessToken)
		f.authFails(first.AccessToken)
	})
}
