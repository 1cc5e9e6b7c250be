package app_test

import (
	"net/http"
	"testing"

	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/testdb"
)

// TestClientIPBehindTrustedProxies: per-IP limits count the TCP peer, whatever
// X-Forwarded-For claims, unless the peer is a trusted load balancer
// (CLIENTELE_TRUSTED_PROXIES); then they count the client it forwards, so clients behind one
// balancer do not share one limit (or one lockout).
func TestClientIPBehindTrustedProxies(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		signIn := func(e *env, forwardedFor string) int {
			resp, body := do(t, "POST", e.url+"/v1/auth/customer/token", "application/json",
				`{"email": "nobody@example.com", "password": "not the password"}`, "X-Forwarded-For", forwardedFor)
			if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("sign-in: %d %s", resp.StatusCode, body)
			}
			return resp.StatusCode
		}
		limit := func(trusted string) func(*config.Config) {
			return func(c *config.Config) { c.RateLimitPerIP, c.TrustedProxies = 2, trusted }
		}

		direct := newEnv(t, d, limit(""))
		signIn(direct, "203.0.113.1")
		signIn(direct, "203.0.113.2")
		if got := signIn(direct, "203.0.113.3"); got != http.StatusTooManyRequests {
			t.Errorf("untrusted X-Forwarded-For changed the client IP: third attempt from one peer got %d, want 429", got)
		}

		proxied := newEnv(t, testdb.New(t, d.Dialect), limit("127.0.0.1"))
		signIn(proxied, "203.0.113.1")
		signIn(proxied, "203.0.113.1")
		if got := signIn(proxied, "203.0.113.1"); got != http.StatusTooManyRequests {
			t.Errorf("third attempt from one forwarded client got %d, want 429", got)
		}
		if got := signIn(proxied, "203.0.113.2"); got != http.StatusUnauthorized {
			t.Errorf("another client behind the same balancer got %d, want its own limit (401)", got)
		}
	})
}
