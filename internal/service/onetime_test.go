package service_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/internal/testdb"
	"github.com/clientele/clientele/models"
)

const msgBadTokenMessage = "The token is invalid or has expired."

// msgOutbox lists the messages to `to` of template, newest first.
func msgOutbox(t *testing.T, s *service.Service, admin auth.Principal, to, template string) []models.Message {
	t.Helper()
	if err := s.WaitForBackground(context.Background()); err != nil { // resets are mailed after answering
		t.Fatal(err)
	}
	page := must[service.Page[models.Message]](t)(s.ListMessages(context.Background(), admin,
		service.MessageFilter{To: to, Template: template}, service.PageArgs{Limit: service.MaxPageSize}))
	return page.Items
}

// msgTokenIn returns the one-time token of the link to path in body.
func msgTokenIn(t *testing.T, body, path string) string {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta("http://localhost:8080"+path+"?token=") + `([A-Za-z0-9_-]+)`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s link in body:\n%s", path, body)
	}
	if len(m[1]) < 43 { // 32 random bytes, base64url
		t.Fatalf("token %q is shorter than 256 bits", m[1])
	}
	return m[1]
}

// msgLastToken returns the token of the newest message to `to` of template.
func msgLastToken(t *testing.T, s *service.Service, admin auth.Principal, to, template, path string) string {
	t.Helper()
	msgs := msgOutbox(t, s, admin, to, template)
	if len(msgs) == 0 {
		t.Fatalf("no %s message to %s", template, to)
	}
	return msgTokenIn(t, msgs[0].Body, path)
}

func wantBadOneTimeToken(t *testing.T, err error) {
	t.Helper()
	ae := wantKind(t, err, apperr.ValidationFailed)
	if len(ae.Fields) != 1 || ae.Fields[0].Field != "token" || ae.Fields[0].Message != msgBadTokenMessage {
		t.Fatalf("bad token error = %q %+v", ae.Message, ae.Fields)
	}
}

func msgAuditCount(t *testing.T, d *db.DB, action, targetID string) int64 {
	t.Helper()
	var n int64
	if err := d.Gorm().Model(&models.AuditEvent{}).Where("action = ? AND target_id = ?", action, targetID).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestVerifyEmail(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		admin := adminPrincipal(t, s)
		ada := must[service.Registration](t)(s.Register(ctx, auth.Principal{}, registerInput("ada@example.com"))).Customer
		if ada.EmailVerified {
			t.Fatal("a new customer is verified")
		}

		msgs := msgOutbox(t, s, admin, "ada@example.com", service.TemplateVerifyEmail)
		if len(msgs) != 1 || msgs[0].Status != models.MessageStored || msgs[0].Subject == "" || msgs[0].SentAt != nil {
			t.Fatalf("verification messages = %+v", msgs)
		}
		token := msgTokenIn(t, msgs[0].Body, "/verify-email")

		// Only the hash is stored.
		var row models.OneTimeToken
		if err := d.Gorm().Where("customer_id = ?", ada.ID).Take(&row).Error; err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(token))
		if row.TokenHash != hex.EncodeToString(sum[:]) || row.Purpose != models.PurposeVerifyEmail {
			t.Fatalf("stored token = %+v", row)
		}
		if ttl := row.ExpiresAt.Sub(row.CreatedAt); ttl != 48*time.Hour {
			t.Fatalf("verification token lives %s, want 48h", ttl)
		}

		got := must[models.Customer](t)(s.VerifyEmail(ctx, auth.Principal{}, token))
		if !got.EmailVerified || got.Version != ada.Version+1 || got.ID != ada.ID {
			t.Fatalf("verified customer = %+v", got)
		}
		if stored := must[models.Customer](t)(s.GetCustomer(auth.With(ctx, admin), ada.ID)); !stored.EmailVerified || stored.Version != got.Version {
			t.Fatalf("stored customer = %+v", stored)
		}
		if n := msgAuditCount(t, d, "customer.email_verified", ada.ID); n != 1 {
			t.Fatalf("customer.email_verified events = %d", n)
		}

		// Single use; unknown and empty tokens fail alike.
		_, err := s.VerifyEmail(ctx, auth.Principal{}, token)
		wantBadOneTimeToken(t, err)
		_, err = s.VerifyEmail(ctx, auth.Principal{}, "x"+token[1:])
		wantBadOneTimeToken(t, err)
		_, err = s.VerifyEmail(ctx, auth.Principal{}, "")
		wantKind(t, err, apperr.ValidationFailed)

		// Verified, unknown and blank emails get the same answer and no message.
		for _, email := range []string{"ada@example.com", "nobody@example.com", ""} {
			if err := s.SendVerifyEmail(ctx, auth.Principal{}, email); err != nil {
				t.Fatalf("SendVerifyEmail(%q) = %v", email, err)
			}
		}
		if all := msgOutbox(t, s, admin, "", service.TemplateVerifyEmail); len(all) != 1 {
			t.Fatalf("verification messages after resends = %d, want 1", len(all))
		}
	})
}

func TestVerifyEmailExpiredOrRevoked(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		admin := adminPrincipal(t, s)
		bob := must[service.Registration](t)(s.Register(ctx, auth.Principal{}, registerInput("bob@example.com"))).Customer
		first := msgLastToken(t, s, admin, bob.Email, service.TemplateVerifyEmail, "/verify-email")

		// An expired token fails like an unknown one.
		err := d.Gorm().Model(&models.OneTimeToken{}).Where("customer_id = ?", bob.ID).
			Update("expires_at", time.Now().UTC().Add(-time.Minute)).Error
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.VerifyEmail(ctx, auth.Principal{}, first)
		wantBadOneTimeToken(t, err)

		// Asking again sends a new token and revokes the unused earlier ones.
		if err := s.SendVerifyEmail(ctx, auth.Principal{}, " BOB@example.com "); err != nil {
			t.Fatal(err)
		}
		second := msgLastToken(t, s, admin, bob.Email, service.TemplateVerifyEmail, "/verify-email")
		if err := s.SendVerifyEmail(ctx, auth.Principal{}, bob.Email); err != nil {
			t.Fatal(err)
		}
		third := msgLastToken(t, s, admin, bob.Email, service.TemplateVerifyEmail, "/verify-email")
		if second == third {
			t.Fatal("a resend reused the token")
		}
		_, err = s.VerifyEmail(ctx, auth.Principal{}, second)
		wantBadOneTimeToken(t, err)

		// A token works only for the address it was sent to.
		must[models.Customer](t)(s.UpdateCustomer(ctx, admin, bob.ID, service.CustomerPatch{Email: ptrStr("robert@example.com")}))
		_, err = s.VerifyEmail(ctx, auth.Principal{}, third)
		wantBadOneTimeToken(t, err)
		if c := must[models.Customer](t)(s.GetCustomer(auth.With(ctx, admin), bob.ID)); c.EmailVerified {
			t.Fatal("an old address's token verified the new address")
		}
		if err := s.SendVerifyEmail(ctx, auth.Principal{}, "robert@example.com"); err != nil {
			t.Fatal(err)
		}
		fresh := msgLastToken(t, s, admin, "robert@example.com", service.TemplateVerifyEmail, "/verify-email")
		if c := must[models.Customer](t)(s.VerifyEmail(ctx, auth.Principal{}, fresh)); !c.EmailVerified || c.Email != "robert@example.com" {
			t.Fatalf("verified customer = %+v", c)
		}
	})
}

func TestPasswordReset(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := newSessFixture(t, d)
		ctx, s := f.ctx, f.s
		ada := f.register("ada@example.com")
		before := msgOutbox(t, s, f.admin, "", "")
		oldTok, _ := f.signIn(ada.Email, goodPassword)

		// An unknown email gets the same answer and queues nothing.
		if err := s.RequestPasswordReset(ctx, auth.Principal{}, "nobody@example.com"); err != nil {
			t.Fatal(err)
		}
		if after := msgOutbox(t, s, f.admin, "", ""); len(after) != len(before) {
			t.Fatalf("a reset for an unknown email queued %d messages", len(after)-len(before))
		}

		if err := s.RequestPasswordReset(ctx, auth.Principal{}, "ADA@example.com"); err != nil {
			t.Fatal(err)
		}
		revoked := msgLastToken(t, s, f.admin, ada.Email, service.TemplatePasswordReset, "/reset-password")
		if err := s.RequestPasswordReset(ctx, auth.Principal{}, ada.Email); err != nil {
			t.Fatal(err)
		}
		token := msgLastToken(t, s, f.admin, ada.Email, service.TemplatePasswordReset, "/reset-password")
		var row models.OneTimeToken
		if err := d.Gorm().Where("purpose = ? AND used_at IS NULL", models.PurposePasswordReset).Take(&row).Error; err != nil {
			t.Fatal(err)
		}
		if ttl := row.ExpiresAt.Sub(row.CreatedAt); ttl != time.Hour {
			t.Fatalf("reset token lives %s, want 1h", ttl)
		}

		// The newer request revoked the older token.
		_, err := s.ResetPassword(ctx, auth.Principal{}, revoked, sessNewPassword, sessNewPassword)
		wantBadOneTimeToken(t, err)

		// Password rules are checked before the token is spent.
		_, err = s.ResetPassword(ctx, auth.Principal{}, token, "short", "other")
		ae := wantKind(t, err, apperr.ValidationFailed)
		if fields := msgFieldNames(ae); fields != "newPassword,confirmPassword" {
			t.Fatalf("reset with a bad password: fields %s", fields)
		}
		_, err = s.ResetPassword(ctx, auth.Principal{}, token, ada.Email, ada.Email)
		wantKind(t, err, apperr.ValidationFailed)

		// A locked account is unlocked by a reset.
		if err := d.Gorm().Model(&models.Customer{}).Where("id = ?", ada.ID).
			Updates(map[string]any{"failed_login_count": 4, "locked_until": time.Now().UTC().Add(time.Hour)}).Error; err != nil {
			t.Fatal(err)
		}

		tok := must[service.Token](t)(s.ResetPassword(ctx, auth.Principal{}, token, sessNewPassword, sessNewPassword))
		if p := f.authOK(tok.AccessToken); p.ID != ada.ID || p.Kind != auth.Customer {
			t.Fatalf("reset token principal = %+v", p)
		}
		if _, err := s.Authenticate(ctx, oldTok.AccessToken); err == nil {
			t.Fatal("an access token from before the reset still works")
		}
		_, err = s.RefreshToken(ctx, auth.Principal{}, oldTok.RefreshToken)
		wantKind(t, err, apperr.Unauthenticated)
		_, err = s.GenerateCustomerToken(ctx, auth.Principal{}, ada.Email, goodPassword)
		f.badCredentials(err)
		f.signIn(ada.Email, sessNewPassword)

		c := must[models.Customer](t)(s.GetCustomer(auth.With(ctx, f.admin), ada.ID))
		if c.FailedLoginCount != 0 || c.LockedUntil != nil || c.Version != ada.Version+1 {
			t.Fatalf("customer after reset = %+v", c)
		}
		if n := msgAuditCount(t, d, "customer.password_reset", ada.ID); n != 1 {
			t.Fatalf("customer.password_reset events = %d", n)
		}
		changed := msgOutbox(t, s, f.admin, ada.Email, service.TemplatePasswordChanged)
		if len(changed) != 1 || strings.Contains(changed[0].Body, "token=") {
			t.Fatalf("PASSWORD_CHANGED messages = %+v", changed)
		}

		// Single use.
		_, err = s.ResetPassword(ctx, auth.Principal{}, token, "another good password", "another good password")
		wantBadOneTimeToken(t, err)
		f.signIn(ada.Email, sessNewPassword)
	})
}

func TestPasswordResetOnlyForActiveCustomers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := newSessFixture(t, d)
		ctx, s := f.ctx, f.s
		ada := f.register("ada@example.com")
		if err := s.RequestPasswordReset(ctx, auth.Principal{}, ada.Email); err != nil {
			t.Fatal(err)
		}
		token := msgLastToken(t, s, f.admin, ada.Email, service.TemplatePasswordReset, "/reset-password")
		must[models.Customer](t)(s.UpdateCustomer(ctx, f.admin, ada.ID, service.CustomerPatch{Status: ptrStr(models.StatusInactive)}))

		// A token issued while active does not work once the account is inactive, and an
		// inactive account gets no new one.
		_, err := s.ResetPassword(ctx, auth.Principal{}, token, sessNewPassword, sessNewPassword)
		wantBadOneTimeToken(t, err)
		if err := s.RequestPasswordReset(ctx, auth.Principal{}, ada.Email); err != nil {
			t.Fatal(err)
		}
		if msgs := msgOutbox(t, s, f.admin, ada.Email, service.TemplatePasswordReset); len(msgs) != 1 {
			t.Fatalf("reset messages to an inactive customer = %d, want 1", len(msgs))
		}
	})
}

func TestInvitation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := newSessFixture(t, d)
		ctx, s := f.ctx, f.s
		invited := must[models.Customer](t)(s.CreateCustomer(ctx, f.admin, service.CreateCustomerInput{
			Profile: service.Profile{Email: "grace@example.com", FirstName: "Grace", LastName: "Hopper"},
		}))
		if invited.HasAccount() {
			t.Fatal("a customer created without a password has an account")
		}
		token := msgLastToken(t, s, f.admin, invited.Email, service.TemplateInvitation, "/accept-invitation")
		var row models.OneTimeToken
		if err := d.Gorm().Where("customer_id = ?", invited.ID).Take(&row).Error; err != nil {
			t.Fatal(err)
		}
		if ttl := row.ExpiresAt.Sub(row.CreatedAt); ttl != 7*24*time.Hour || row.Purpose != models.PurposeInvitation {
			t.Fatalf("invitation token = %+v, lives %s", row, ttl)
		}

		// A token of another purpose does not accept an invitation.
		_, err := s.ResetPassword(ctx, auth.Principal{}, token, sessNewPassword, sessNewPassword)
		wantBadOneTimeToken(t, err)
		_, err = s.AcceptInvitation(ctx, auth.Principal{}, token, sessNewPassword, "mismatch")
		ae := wantKind(t, err, apperr.ValidationFailed)
		if fields := msgFieldNames(ae); fields != "confirmPassword" {
			t.Fatalf("accept with a mismatch: fields %s", fields)
		}

		tok := must[service.Token](t)(s.AcceptInvitation(ctx, auth.Principal{}, token, sessNewPassword, sessNewPassword))
		p := f.authOK(tok.AccessToken)
		me := must[models.Customer](t)(s.Me(ctx, p))
		if me.ID != invited.ID || !me.HasAccount() || !me.EmailVerified {
			t.Fatalf("customer after accepting = %+v", me)
		}
		f.signIn(invited.Email, sessNewPassword)
		if n := msgAuditCount(t, d, "customer.invitation_accepted", invited.ID); n != 1 {
			t.Fatalf("customer.invitation_accepted events = %d", n)
		}
		_, err = s.AcceptInvitation(ctx, auth.Principal{}, token, sessNewPassword, sessNewPassword)
		wantBadOneTimeToken(t, err)

		// With a password there is nothing to accept: no invitation.
		pw := "a password set by the admin"
		withPW := must[models.Customer](t)(s.CreateCustomer(ctx, f.admin, service.CreateCustomerInput{
			Profile:  service.Profile{Email: "linus@example.com", FirstName: "Linus", LastName: "T"},
			Password: &pw,
		}))
		if msgs := msgOutbox(t, s, f.admin, withPW.Email, ""); len(msgs) != 0 {
			t.Fatalf("messages to a customer created with a password = %+v", msgs)
		}
	})
}

func msgFieldNames(ae *apperr.Error) string {
	names := make([]string, len(ae.Fields))
	for i, f := range ae.Fields {
		names[i] = f.Field
	}
	return strings.Join(names, ",")
}
