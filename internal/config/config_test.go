package config_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/httpserver"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := config.Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := config.Config{
		Addr:                 ":8080",
		DatabaseURL:          "sqlite:clientele.db",
		PublicURL:            "http://localhost:8080",
		AccessTokenTTL:       15 * time.Minute,
		RefreshTokenTTL:      30 * 24 * time.Hour,
		PasswordMinLength:    10,
		LockoutThreshold:     5,
		LockoutDuration:      15 * time.Minute,
		LogLevel:             "info",
		ShutdownTimeout:      20 * time.Second,
		CompanyDefaultStatus: "ACTIVE",
		RateLimitPerEmail:    20,
		RateLimitPerIP:       300,
		EmailAvailability:    true,
		GraphQLMaxComplexity: config.DefaultGraphQLMaxComplexity,
		GraphQLMaxBytes:      64 << 10,
		GraphQLMaxFields:     1000,
		RequestTimeout:       15 * time.Second,
		IdempotencyLease:     time.Minute,
		HousekeepingInterval: 5 * time.Minute,
		RevocationSync:       time.Second,
		HTTP: httpserver.Limits{ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
			WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10},
	}
	if c != want {
		t.Fatalf("defaults:\n got %+v\nwant %+v", c, want)
	}
}

func TestReadsSettings(t *testing.T) {
	t.Parallel()
	secret := strings.Repeat("s", 32)
	c, err := config.Load(env(map[string]string{
		"CLIENTELE_ADDR":                ":9090",
		"CLIENTELE_DATABASE_URL":        "mysql://u:p@db:3306/clientele",
		"CLIENTELE_PUBLIC_URL":          "https://clientele.example.com/",
		"CLIENTELE_JWT_SECRET":          secret,
		"CLIENTELE_ACCESS_TOKEN_TTL":    "5m",
		"CLIENTELE_REFRESH_TOKEN_TTL":   "72h",
		"CLIENTELE_PASSWORD_MIN_LENGTH": "12",
		"CLIENTELE_LOCKOUT_THRESHOLD":   "3",
		"CLIENTELE_LOCKOUT_DURATION":    "1s",
		"CLIENTELE_ADMIN_EMAIL":         "root@example.com",
		"CLIENTELE_ADMIN_PASSWORD":      "correct horse battery",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9090" || c.DatabaseURL != "mysql://u:p@db:3306/clientele" || c.PublicURL != "https://clientele.example.com" ||
		c.JWTSecret != secret || c.AccessTokenTTL != 5*time.Minute || c.RefreshTokenTTL != 72*time.Hour ||
		c.PasswordMinLength != 12 || c.LockoutThreshold != 3 || c.LockoutDuration != time.Second ||
		c.AdminEmail != "root@example.com" || c.AdminPassword != "correct horse battery" {
		t.Fatalf("config = %+v", c)
	}
}

func TestRejectsBadValues(t *testing.T) {
	t.Parallel()
	for key, values := range map[string][]string{
		"CLIENTELE_LOCKOUT_THRESHOLD":      {"abc", "-1", "3.5", "5x"},
		"CLIENTELE_PASSWORD_MIN_LENGTH":    {"ten", "0", "257", "-4"},
		"CLIENTELE_LOCKOUT_DURATION":       {"15", "forever", "-1m", "0s"},
		"CLIENTELE_ACCESS_TOKEN_TTL":       {"15", "0", "-5m"},
		"CLIENTELE_REFRESH_TOKEN_TTL":      {"30d", "x"},
		"CLIENTELE_SHUTDOWN_TIMEOUT":       {"soon"},
		"CLIENTELE_JWT_SECRET":             {"short", strings.Repeat("s", 31)},
		"CLIENTELE_SMTP_URL":               {"mail.example.com:25", "http://mail.example.com", "smtp:///no-host"},
		"CLIENTELE_RATE_LIMIT_PER_IP":      {"many"},
		"CLIENTELE_GRAPHQL_MAX_COMPLEXITY": {"0", "lots", "-5"},
		"CLIENTELE_GRAPHQL_MAX_BYTES":      {"0", "big"},
		"CLIENTELE_REQUEST_TIMEOUT":        {"0", "15"},
		"CLIENTELE_IDEMPOTENCY_LEASE":      {"10s", "15s"}, // not above the 15 s request timeout
		"CLIENTELE_TRUSTED_PROXIES":        {"10.0.0.0/33", "lb.internal", "10.0.0.1, nonsense"},
		"CLIENTELE_HTTP_MAX_HEADER_BYTES":  {"100", "x"},
		"CLIENTELE_HTTP_READ_TIMEOUT":      {"0", "30"},
		"CLIENTELE_EMAIL_AVAILABILITY":     {"no", "off", "2"},
		"CLIENTELE_REVOCATION_SYNC":        {"-1s", "1", "soon"},
	} {
		for _, v := range values {
			c, err := config.Load(env(map[string]string{key: v}))
			if err == nil {
				t.Errorf("%s=%q accepted: %+v", key, v, c)
				continue
			}
			if !strings.Contains(err.Error(), key) {
				t.Errorf("%s=%q: error %q does not name the variable", key, v, err)
			}
			if (key == "CLIENTELE_JWT_SECRET" || key == "CLIENTELE_SMTP_URL") && strings.Contains(err.Error(), v) {
				t.Errorf("error %q repeats the secret", err)
			}
		}
	}
	if _, err := config.Load(env(map[string]string{"CLIENTELE_JWT_SECRET": strings.Repeat("s", 32)})); err != nil {
		t.Fatalf("32-character secret refused: %v", err)
	}
}

func TestEmailAvailabilitySwitch(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]bool{"": true, "true": true, "1": true, "false": false, "FALSE": false, " 0 ": false} {
		c, err := config.Load(env(map[string]string{"CLIENTELE_EMAIL_AVAILABILITY": v}))
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		if c.EmailAvailability != want {
			t.Errorf("CLIENTELE_EMAIL_AVAILABILITY=%q: %t, want %t", v, c.EmailAvailability, want)
		}
		if !strings.Contains(c.String(), fmt.Sprintf("email_availability=%t", want)) {
			t.Errorf("String() lacks email_availability: %s", c.String())
		}
	}
}

func TestRevocationSync(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]time.Duration{"": time.Second, "0": 0, "0s": 0, "200ms": 200 * time.Millisecond, " 5s ": 5 * time.Second} {
		c, err := config.Load(env(map[string]string{"CLIENTELE_REVOCATION_SYNC": v}))
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		if c.RevocationSync != want {
			t.Errorf("CLIENTELE_REVOCATION_SYNC=%q: %s, want %s", v, c.RevocationSync, want)
		}
		if !strings.Contains(c.String(), "revocation_sync="+want.String()) {
			t.Errorf("String() lacks revocation_sync: %s", c.String())
		}
	}
}

func TestStringMasksSecrets(t *testing.T) {
	t.Parallel()
	const (
		secret   = "jwt-secret-0123456789-0123456789-abcdef"
		adminPW  = "admin-Password-Zebra-42"
		dbPW     = "db-Pass-Word-77"
		dbURL    = "mysql://clientele:" + dbPW + "@db.internal:3306/clientele"
		adminUsr = "root@example.com"
	)
	c, err := config.Load(env(map[string]string{
		"CLIENTELE_JWT_SECRET":     secret,
		"CLIENTELE_ADMIN_PASSWORD": adminPW,
		"CLIENTELE_ADMIN_EMAIL":    adminUsr,
		"CLIENTELE_DATABASE_URL":   dbURL,
	}))
	if err != nil {
		t.Fatal(err)
	}
	s := c.String()
	for _, leak := range []string{secret, adminPW, dbPW, "jwt-secret", "Zebra", "Pass-Word"} {
		if strings.Contains(s, leak) {
			t.Errorf("String() leaks %q: %s", leak, s)
		}
	}
	for _, keep := range []string{"mysql://clientele:***@db.internal:3306/clientele", "jwt_secret=***", "admin_password=***", adminUsr} {
		if !strings.Contains(s, keep) {
			t.Errorf("String() lacks %q: %s", keep, s)
		}
	}

	c, err = config.Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	unset := c.String()
	if !strings.Contains(unset, "jwt_secret=(unset)") || !strings.Contains(unset, "admin_password=(unset)") {
		t.Errorf("unset secrets: %s", unset)
	}
}

func TestMaskURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"mysql://u:secret@host:3306/db":        "mysql://u:***@host:3306/db",
		"mysql://u:se:cr@et@host/db?tls=true":  "mysql://u:***@host/db?tls=true",
		"mysql://u@host/db":                    "mysql://u@host/db",
		"mysql://host/db":                      "mysql://host/db",
		"sqlite:clientele.db":                  "sqlite:clientele.db",
		"mysql://root:p%40ss@127.0.0.1:3306/t": "mysql://root:***@127.0.0.1:3306/t",
	} {
		if got := config.MaskURL(in); got != want {
			t.Errorf("MaskURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseCIDRs(t *testing.T) {
	t.Parallel()
	got, err := config.ParseCIDRs(" 10.0.0.0/8, 192.0.2.7 ,2001:db8::1,")
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, n := range got {
		s = append(s, n.String())
	}
	if want := "10.0.0.0/8 192.0.2.7/32 2001:db8::1/128"; strings.Join(s, " ") != want {
		t.Errorf("ParseCIDRs = %v, want %s", s, want)
	}
}
