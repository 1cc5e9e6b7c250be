package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/internal/testdb"
	"github.com/clientele/clientele/models"
)

// TestSentMessageForgetsItsToken: once the courier delivers a message, the outbox keeps the
// link without its one-time token; the token in the delivered email still works. Without
// SMTP the STORED message keeps the token, since the outbox is then the delivery.
func TestSentMessageForgetsItsToken(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		srv := startTestSMTP(t)
		s := newService(t, d, func(c *config.Config) { c.SMTPURL = srv.URL() })
		ada := must[service.Registration](t)(s.Register(ctx, auth.Principal{}, registerInput("ada@example.com"))).Customer
		queued := msgRow(t, d, ada.Email, service.TemplateVerifyEmail)
		token := msgTokenIn(t, queued.Body, "/verify-email")

		runTestCourier(t, s)
		msgEventually(t, "the message to be SENT", func() bool {
			return msgRow(t, d, ada.Email, service.TemplateVerifyEmail).Status == models.MessageSent
		})
		sent := msgRow(t, d, ada.Email, service.TemplateVerifyEmail)
		if strings.Contains(sent.Body, token) || !strings.Contains(sent.Body, "http://localhost:8080/verify-email?token=[sent]\n") {
			t.Fatalf("the SENT message's stored body:\n%s", sent.Body)
		}
		if want := strings.Replace(queued.Body, token, "[sent]", 1); sent.Body != want {
			t.Fatalf("the stored body changed beyond the token:\n%s\nwant:\n%s", sent.Body, want)
		}
		got := srv.received()
		if len(got) != 1 {
			t.Fatalf("server received %d messages, want 1", len(got))
		}
		if msgTokenIn(t, got[0].body, "/verify-email") != token {
			t.Fatal("the delivered email does not carry the token")
		}
		if c := must[models.Customer](t)(s.VerifyEmail(ctx, auth.Principal{}, token)); !c.EmailVerified {
			t.Fatal("the delivered token did not verify the address")
		}

		stored := newService(t, d)
		bob := must[service.Registration](t)(stored.Register(ctx, auth.Principal{}, registerInput("bob@example.com"))).Customer
		if m := msgRow(t, d, bob.Email, service.TemplateVerifyEmail); m.Status != models.MessageStored {
			t.Fatalf("without SMTP the message is %s", m.Status)
		} else {
			msgTokenIn(t, m.Body, "/verify-email")
		}
	})
}
