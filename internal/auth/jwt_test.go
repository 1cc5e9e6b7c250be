package auth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/clientele/clientele/internal/auth"
)

var jwtSecret = []byte("0123456789abcdef0123456789abcdef-test")

const (
	jwtSubject = "0190a000-0000-7000-8000-0000000000aa"
	jwtJTI     = "0190a000-0000-7000-8000-0000000000bb"
	jwtSession = "0190a000-0000-7000-8000-0000000000cc"
	jwtStamp   = "raw-security-stamp-value"
)

func newSigner() *auth.Signer { return auth.NewSigner(jwtSecret, 15*time.Minute) }

// validClaims are the claims Issue would produce for a customer at now.
func validClaims(now time.Time) auth.Claims {
	return auth.Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    "clientele",
			Subject:   jwtSubject,
			Audience:  jwt.ClaimStrings{auth.AudienceCustomer},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(15 * time.Minute)),
			ID:        jwtJTI,
		},
		Stamp:   auth.StampDigest(jwtStamp),
		Session: jwtSession,
	}
}

func sign(t *testing.T, method jwt.SigningMethod, claims jwt.Claims, key any) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func wantRejected(t *testing.T, s *auth.Signer, token, audience string) {
	t.Helper()
	c, err := verifyAs(s, token, audience)
	if err != auth.ErrInvalidToken {
		t.Fatalf("Verify(%s) = %+v, %v; want ErrInvalidToken", audience, c, err)
	}
	if c.Subject != "" || c.ID != "" {
		t.Fatalf("rejected token still returned claims %+v", c)
	}
}

func TestIssueVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	s := newSigner()
	now := time.Now()
	tok, issued, err := s.Issue(auth.AudienceCustomer, jwtSubject, jwtStamp, jwtSession, jwtJTI, now)
	if err != nil {
		t.Fatal(err)
	}
	c, err := verifyAs(s, tok, auth.AudienceCustomer)
	if err != nil {
		t.Fatalf("own token rejected: %v", err)
	}
	if c.Subject != jwtSubject || c.ID != jwtJTI || c.Session != jwtSession || c.Issuer != "clientele" {
		t.Fatalf("claims = %+v", c)
	}
	if c.Stamp != auth.StampDigest(jwtStamp) || c.Stamp == jwtStamp {
		t.Fatalf("stamp claim = %q, want the digest of the stamp", c.Stamp)
	}
	if got := c.ExpiresAt.Time.Sub(c.IssuedAt.Time); got != 15*time.Minute {
		t.Fatalf("lifetime = %s, want 15m", got)
	}
	if !issued.ExpiresAt.Time.Equal(c.ExpiresAt.Time) || s.TTL() != 15*time.Minute {
		t.Fatalf("issued exp %v, verified exp %v, ttl %s", issued.ExpiresAt, c.ExpiresAt, s.TTL())
	}

	// The header says HS256 and the raw stamp never leaves the server.
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS compact token: %q", tok)
	}
	header, _ := base64.RawURLEncoding.DecodeString(parts[0])
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var h map[string]any
	if err := json.Unmarshal(header, &h); err != nil || h["alg"] != "HS256" {
		t.Fatalf("header = %s (%v)", header, err)
	}
	if strings.Contains(string(payload), jwtStamp) {
		t.Fatalf("payload leaks the raw security stamp: %s", payload)
	}
	var p map[string]any
	if err := json.Unmarshal(payload, &p); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"iss", "aud", "sub", "iat", "exp", "jti", "sst"} {
		if _, ok := p[k]; !ok {
			t.Errorf("payload lacks claim %q: %s", k, payload)
		}
	}
}

func TestStampDigest(t *testing.T) {
	t.Parallel()
	a, b := auth.StampDigest("stamp-a"), auth.StampDigest("stamp-b")
	if a == b || a != auth.StampDigest("stamp-a") || a == "" || strings.Contains(a, "stamp-a") {
		t.Fatalf("digests %q %q", a, b)
	}
}

func TestAudiencesAreNotInterchangeable(t *testing.T) {
	t.Parallel()
	s := newSigner()
	now := time.Now()
	for _, tc := range []struct{ aud, other string }{
		{auth.AudienceCustomer, auth.AudienceAdmin},
		{auth.AudienceAdmin, auth.AudienceCustomer},
	} {
		tok, _, err := s.Issue(tc.aud, jwtSubject, jwtStamp, "", jwtJTI, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := verifyAs(s, tok, tc.aud); err != nil {
			t.Fatalf("%s token rejected for its own audience: %v", tc.aud, err)
		}
		wantRejected(t, s, tok, tc.other)
		wantRejected(t, s, tok, "")
		wantRejected(t, s, tok, "something-else")
	}
}

func TestRejectsAlgNone(t *testing.T) {
	t.Parallel()
	s := newSigner()
	tok := sign(t, jwt.SigningMethodNone, validClaims(time.Now()), jwt.UnsafeAllowNoneSignatureType)
	wantRejected(t, s, tok, auth.AudienceCustomer)

	// The same token with the HS256 header but no signature.
	good := sign(t, jwt.SigningMethodHS256, validClaims(time.Now()), jwtSecret)
	parts := strings.Split(good, ".")
	wantRejected(t, s, parts[0]+"."+parts[1]+".", auth.AudienceCustomer)
}

func TestRejectsOtherAlgorithms(t *testing.T) {
	t.Parallel()
	s := newSigner()
	claims := validClaims(time.Now())
	// Control: the same claims signed HS256 with the secret are accepted.
	if _, err := verifyAs(s, sign(t, jwt.SigningMethodHS256, claims, jwtSecret), auth.AudienceCustomer); err != nil {
		t.Fatalf("control token rejected: %v", err)
	}
	wantRejected(t, s, sign(t, jwt.SigningMethodHS384, claims, jwtSecret), auth.AudienceCustomer)
	wantRejected(t, s, sign(t, jwt.SigningMethodHS512, claims, jwtSecret), auth.AudienceCustomer)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	wantRejected(t, s, sign(t, jwt.SigningMethodES256, claims, key), auth.AudienceCustomer)
}

func TestRejectsBadSignature(t *testing.T) {
	t.Parallel()
	s := newSigner()
	claims := validClaims(time.Now())
	wantRejected(t, s, sign(t, jwt.SigningMethodHS256, claims, []byte("another-secret-another-secret-xx")), auth.AudienceCustomer)

	// A valid token whose payload is swapped for another subject's keeps a signature that no
	// longer matches.
	good := sign(t, jwt.SigningMethodHS256, claims, jwtSecret)
	forged := claims
	forged.Subject = "0190a000-0000-7000-8000-0000000000ff"
	other := sign(t, jwt.SigningMethodHS256, forged, []byte("wrong"))
	gp, op := strings.Split(good, "."), strings.Split(other, ".")
	wantRejected(t, s, gp[0]+"."+op[1]+"."+gp[2], auth.AudienceCustomer)

	// A flipped signature byte.
	sig := []byte(gp[2])
	if sig[0] == 'A' {
		sig[0] = 'B'
	} else {
		sig[0] = 'A'
	}
	wantRejected(t, s, gp[0]+"."+gp[1]+"."+string(sig), auth.AudienceCustomer)
	wantRejected(t, s, "", auth.AudienceCustomer)
	wantRejected(t, s, "not.a.jwt", auth.AudienceCustomer)
}

func TestExpiryLeeway(t *testing.T) {
	t.Parallel()
	s := newSigner()
	now := time.Now()
	for _, tc := range []struct {
		name    string
		expAgo  time.Duration
		accepts bool
	}{
		{"valid", -time.Minute, true},
		{"expired within leeway", 20 * time.Second, true},
		{"expired beyond leeway", 40 * time.Second, false},
		{"long expired", time.Hour, false},
	} {
		// Issue backdated so that exp = now - expAgo.
		issuedAt := now.Add(-tc.expAgo - s.TTL())
		tok, _, err := s.Issue(auth.AudienceCustomer, jwtSubject, jwtStamp, "", jwtJTI, issuedAt)
		if err != nil {
			t.Fatal(err)
		}
		_, err = verifyAs(s, tok, auth.AudienceCustomer)
		if tc.accepts && err != nil {
			t.Errorf("%s: rejected: %v", tc.name, err)
		}
		if !tc.accepts {
			wantRejected(t, s, tok, auth.AudienceCustomer)
		}
	}
}

func TestRejectsBadClaims(t *testing.T) {
	t.Parallel()
	s := newSigner()
	now := time.Now()
	for name, mutate := range map[string]func(c *auth.Claims){
		"wrong issuer":         func(c *auth.Claims) { c.Issuer = "not-clientele" },
		"missing issuer":       func(c *auth.Claims) { c.Issuer = "" },
		"missing exp":          func(c *auth.Claims) { c.ExpiresAt = nil },
		"missing aud":          func(c *auth.Claims) { c.Audience = nil },
		"both audiences":       func(c *auth.Claims) { c.Audience = jwt.ClaimStrings{auth.AudienceCustomer, auth.AudienceAdmin} },
		"missing sub":          func(c *auth.Claims) { c.Subject = "" },
		"missing jti":          func(c *auth.Claims) { c.ID = "" },
		"issued in the future": func(c *auth.Claims) { c.IssuedAt = jwt.NewNumericDate(now.Add(10 * time.Minute)) },
		"not valid yet":        func(c *auth.Claims) { c.NotBefore = jwt.NewNumericDate(now.Add(10 * time.Minute)) },
	} {
		c := validClaims(now)
		mutate(&c)
		tok := sign(t, jwt.SigningMethodHS256, c, jwtSecret)
		if _, err := verifyAs(s, tok, auth.AudienceCustomer); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// verifyAs is Verify for a token that must be of one audience.
func verifyAs(s *auth.Signer, token, audience string) (auth.Claims, error) {
	c, aud, err := s.Verify(token)
	if err != nil || aud != audience {
		return auth.Claims{}, auth.ErrInvalidToken
	}
	return c, nil
}
