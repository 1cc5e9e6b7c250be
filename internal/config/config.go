// Package config reads the service's settings from the environment, once, with defaults.
// No other package calls os.Getenv.
package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/clientele/clientele/internal/httpserver"
)

// Config is every setting of the service. Secrets are masked by String.
type Config struct {
	Addr                 string
	DatabaseURL          string
	PublicURL            string
	JWTSecret            string
	AccessTokenTTL       time.Duration
	RefreshTokenTTL      time.Duration
	PasswordMinLength    int
	LockoutThreshold     int
	LockoutDuration      time.Duration
	AdminEmail           string
	AdminPassword        string
	LogLevel             string
	ShutdownTimeout      time.Duration
	CompanyDefaultStatus string
	SMTPURL              string
	RateLimitPerEmail    int
	RateLimitPerIP       int
	// EmailAvailability turns isEmailAvailable on; off, it is always FORBIDDEN (SPEC §3).
	EmailAvailability bool
	// GraphQLMaxComplexity is the highest cost a GraphQL operation may have (SPEC §7).
	GraphQLMaxComplexity int
	// GraphQLMaxBytes and GraphQLMaxFields bound a GraphQL document before it is validated
	// (SPEC §9 "GraphQL cost").
	GraphQLMaxBytes  int
	GraphQLMaxFields int
	// RequestTimeout is every request's deadline, carried to the database (SPEC §9 "Deadlines").
	RequestTimeout time.Duration
	// IdempotencyLease is how long a key whose request never finished stays reserved (SPEC §6).
	IdempotencyLease time.Duration
	// HousekeepingInterval is how often expired rows are swept (SPEC §9 "Housekeeping").
	HousekeepingInterval time.Duration
	// RevocationSync is how soon a revocation on another instance applies here (SPEC §7 "At
	// once"); 0 checks every token against the database.
	RevocationSync time.Duration
	// HTTP bounds what one connection may hold of the server (SPEC §9 "HTTP").
	HTTP httpserver.Limits
	// TrustedProxies is CLIENTELE_TRUSTED_PROXIES: comma-separated CIDRs of the load balancers
	// whose X-Forwarded-For names the client IP (see ParseCIDRs). Empty: the TCP peer is the
	// client.
	TrustedProxies string
}

// DefaultGraphQLMaxComplexity is CLIENTELE_GRAPHQL_MAX_COMPLEXITY's default: a full page (200)
// of customers with every field costs about 9,200 (the cost model is in graph/limits.go).
const DefaultGraphQLMaxComplexity = 20000

// Defaults of the GraphQL document limits (SPEC §9).
const (
	DefaultGraphQLMaxBytes  = 64 << 10
	DefaultGraphQLMaxFields = 1000
)

// Load reads the environment through getenv (os.Getenv in production, a map in tests).
func Load(getenv func(string) string) (Config, error) {
	r := reader{getenv: getenv}
	c := Config{
		Addr:                 r.str("CLIENTELE_ADDR", ":8080"),
		DatabaseURL:          r.str("CLIENTELE_DATABASE_URL", "sqlite:clientele.db"),
		PublicURL:            strings.TrimRight(r.str("CLIENTELE_PUBLIC_URL", "http://localhost:8080"), "/"),
		JWTSecret:            r.str("CLIENTELE_JWT_SECRET", ""),
		AccessTokenTTL:       r.duration("CLIENTELE_ACCESS_TOKEN_TTL", 15*time.Minute),
		RefreshTokenTTL:      r.duration("CLIENTELE_REFRESH_TOKEN_TTL", 30*24*time.Hour),
		PasswordMinLength:    r.int("CLIENTELE_PASSWORD_MIN_LENGTH", 10),
		LockoutThreshold:     r.int("CLIENTELE_LOCKOUT_THRESHOLD", 5),
		LockoutDuration:      r.duration("CLIENTELE_LOCKOUT_DURATION", 15*time.Minute),
		AdminEmail:           r.str("CLIENTELE_ADMIN_EMAIL", ""),
		AdminPassword:        r.str("CLIENTELE_ADMIN_PASSWORD", ""),
		LogLevel:             r.str("CLIENTELE_LOG_LEVEL", "info"),
		ShutdownTimeout:      r.duration("CLIENTELE_SHUTDOWN_TIMEOUT", 20*time.Second),
		CompanyDefaultStatus: r.str("CLIENTELE_COMPANY_DEFAULT_STATUS", "ACTIVE"),
		SMTPURL:              r.str("CLIENTELE_SMTP_URL", ""),
		RateLimitPerEmail:    r.int("CLIENTELE_RATE_LIMIT_PER_EMAIL", 20),
		RateLimitPerIP:       r.int("CLIENTELE_RATE_LIMIT_PER_IP", 300),
		EmailAvailability:    r.bool("CLIENTELE_EMAIL_AVAILABILITY", true),
		GraphQLMaxComplexity: r.int("CLIENTELE_GRAPHQL_MAX_COMPLEXITY", DefaultGraphQLMaxComplexity),
		GraphQLMaxBytes:      r.int("CLIENTELE_GRAPHQL_MAX_BYTES", DefaultGraphQLMaxBytes),
		GraphQLMaxFields:     r.int("CLIENTELE_GRAPHQL_MAX_FIELDS", DefaultGraphQLMaxFields),
		RequestTimeout:       r.duration("CLIENTELE_REQUEST_TIMEOUT", 15*time.Second),
		IdempotencyLease:     r.duration("CLIENTELE_IDEMPOTENCY_LEASE", time.Minute),
		HousekeepingInterval: r.duration("CLIENTELE_HOUSEKEEPING_INTERVAL", 5*time.Minute),
		RevocationSync:       r.durationOrZero("CLIENTELE_REVOCATION_SYNC", time.Second),
		TrustedProxies:       r.str("CLIENTELE_TRUSTED_PROXIES", ""),
		HTTP: httpserver.Limits{
			ReadHeaderTimeout: r.duration("CLIENTELE_HTTP_READ_HEADER_TIMEOUT", httpserver.DefaultLimits.ReadHeaderTimeout),
			ReadTimeout:       r.duration("CLIENTELE_HTTP_READ_TIMEOUT", httpserver.DefaultLimits.ReadTimeout),
			WriteTimeout:      r.duration("CLIENTELE_HTTP_WRITE_TIMEOUT", httpserver.DefaultLimits.WriteTimeout),
			IdleTimeout:       r.duration("CLIENTELE_HTTP_IDLE_TIMEOUT", httpserver.DefaultLimits.IdleTimeout),
			MaxHeaderBytes:    r.int("CLIENTELE_HTTP_MAX_HEADER_BYTES", httpserver.DefaultLimits.MaxHeaderBytes),
		},
	}
	if r.err != nil {
		return Config{}, r.err
	}
	if c.PasswordMinLength < 1 || c.PasswordMinLength > 256 {
		return Config{}, fmt.Errorf("CLIENTELE_PASSWORD_MIN_LENGTH must be between 1 and 256")
	}
	switch c.CompanyDefaultStatus {
	case "PENDING_APPROVAL", "ACTIVE", "BLOCKED", "REJECTED":
	default:
		return Config{}, fmt.Errorf("CLIENTELE_COMPANY_DEFAULT_STATUS must be PENDING_APPROVAL, ACTIVE, BLOCKED or REJECTED")
	}
	if c.GraphQLMaxComplexity < 1 {
		return Config{}, fmt.Errorf("CLIENTELE_GRAPHQL_MAX_COMPLEXITY must be at least 1")
	}
	if _, err := ParseCIDRs(c.TrustedProxies); err != nil {
		return Config{}, fmt.Errorf("CLIENTELE_TRUSTED_PROXIES: %w", err)
	}
	if c.IdempotencyLease <= c.RequestTimeout {
		// A shorter lease would hand a key still held by a running request to its retry.
		return Config{}, fmt.Errorf("CLIENTELE_IDEMPOTENCY_LEASE (%s) must be longer than CLIENTELE_REQUEST_TIMEOUT (%s)", c.IdempotencyLease, c.RequestTimeout)
	}
	if c.HTTP.MaxHeaderBytes < 1024 {
		return Config{}, fmt.Errorf("CLIENTELE_HTTP_MAX_HEADER_BYTES must be at least 1024")
	}
	if c.GraphQLMaxBytes < 1 || c.GraphQLMaxFields < 1 {
		return Config{}, fmt.Errorf("CLIENTELE_GRAPHQL_MAX_BYTES and CLIENTELE_GRAPHQL_MAX_FIELDS must be at least 1")
	}
	if c.SMTPURL != "" {
		u, err := url.Parse(c.SMTPURL)
		if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			return Config{}, fmt.Errorf("CLIENTELE_SMTP_URL must look like smtp://user:pass@host:587 or smtps://host:465")
		}
	}
	if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		return Config{}, fmt.Errorf("CLIENTELE_JWT_SECRET must be at least 32 characters")
	}
	return c, nil
}

// ParseCIDRs parses a comma-separated list of CIDRs (`10.0.0.0/8, 192.168.1.7/32`); a bare
// address means that one host.
func ParseCIDRs(list string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if !strings.Contains(item, "/") {
			if ip := net.ParseIP(item); ip != nil {
				bits := 8 * len(ip.To16())
				if ip.To4() != nil {
					bits = 32
				}
				item += "/" + strconv.Itoa(bits)
			}
		}
		_, ipNet, err := net.ParseCIDR(item)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8", item)
		}
		out = append(out, ipNet)
	}
	return out, nil
}

// FromEnv is Load(os.Getenv).
func FromEnv() (Config, error) { return Load(os.Getenv) }

// String renders the config for the start-up log with secrets masked.
func (c Config) String() string {
	return fmt.Sprintf("addr=%s database=%s public_url=%s jwt_secret=%s access_ttl=%s refresh_ttl=%s password_min_length=%d lockout=%d/%s admin_email=%s admin_password=%s smtp=%s rate_limit_per_email=%d rate_limit_per_ip=%d email_availability=%t graphql_max_complexity=%d graphql_max_bytes=%d graphql_max_fields=%d request_timeout=%s shutdown_timeout=%s idempotency_lease=%s housekeeping_interval=%s revocation_sync=%s http=%+v trusted_proxies=%s",
		c.Addr, MaskURL(c.DatabaseURL), c.PublicURL, mask(c.JWTSecret), c.AccessTokenTTL, c.RefreshTokenTTL,
		c.PasswordMinLength, c.LockoutThreshold, c.LockoutDuration, c.AdminEmail, mask(c.AdminPassword),
		MaskURL(c.SMTPURL), c.RateLimitPerEmail, c.RateLimitPerIP, c.EmailAvailability, c.GraphQLMaxComplexity, c.GraphQLMaxBytes, c.GraphQLMaxFields,
		c.RequestTimeout, c.ShutdownTimeout, c.IdempotencyLease, c.HousekeepingInterval, c.RevocationSync, c.HTTP, c.TrustedProxies)
}

func mask(s string) string {
	if s == "" {
		return "(unset)"
	}
	return "***"
}

// MaskURL hides the password of a URL such as mysql://user:pass@host/db.
func MaskURL(u string) string {
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 {
		return u
	}
	creds := u[scheme+3 : at]
	if i := strings.Index(creds, ":"); i >= 0 {
		return u[:scheme+3] + creds[:i] + ":***" + u[at:]
	}
	return u
}

type reader struct {
	getenv func(string) string
	err    error
}

func (r *reader) str(key, def string) string {
	if v := strings.TrimSpace(r.getenv(key)); v != "" {
		return v
	}
	return def
}

func (r *reader) int(key string, def int) int {
	v := strings.TrimSpace(r.getenv(key))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		r.fail(fmt.Errorf("%s: %q is not a non-negative integer", key, v))
		return def
	}
	return n
}

func (r *reader) bool(key string, def bool) bool {
	v := strings.TrimSpace(r.getenv(key))
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.fail(fmt.Errorf("%s: %q is not true or false", key, v))
		return def
	}
	return b
}

func (r *reader) duration(key string, def time.Duration) time.Duration {
	v := strings.TrimSpace(r.getenv(key))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		r.fail(fmt.Errorf("%s: %q is not a positive duration such as 15m", key, v))
		return def
	}
	return d
}

// durationOrZero is duration where 0 is allowed too (it turns something off).
func (r *reader) durationOrZero(key string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(strings.TrimSpace(r.getenv(key))); err == nil && d == 0 {
		return 0
	}
	return r.duration(key, def)
}

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}
