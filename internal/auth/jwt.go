package auth

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Audiences of access tokens.
const (
	AudienceCustomer = "customer"
	AudienceAdmin    = "admin"
	issuer           = "clientele"
)

// Leeway is how long after its expiry a token is still accepted (clock skew).
const Leeway = 30 * time.Second

// Claims are the claims of an access token.
type Claims struct {
	jwt.RegisteredClaims
	// Stamp is a digest of the subject's security stamp at issue time; a changed stamp
	// (password or email change, deactivation, sign-out everywhere) invalidates every earlier
	// token. The automatic lockout after failed sign-ins does not: guessing wrong passwords
	// must not sign the real user out.
	Stamp string `json:"sst"`
	// Session is the refresh-token family the token was issued with.
	Session string `json:"sid,omitempty"`
}

// Signer issues and verifies HS256 access tokens.
type Signer struct {
	secret []byte
	ttl    time.Duration
	parser *jwt.Parser
}

// NewSigner returns a signer with secret and access-token lifetime ttl.
func NewSigner(secret []byte, ttl time.Duration) *Signer {
	// The audience is checked by Verify: one parse serves both kinds of token.
	return &Signer{secret: secret, ttl: ttl, parser: jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithLeeway(Leeway),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		// Only the canonical base64 of each part: otherwise the unused low bits of the
		// signature's last character can be changed and the altered token still passes.
		jwt.WithStrictDecoding(),
	)}
}

// TTL is the access-token lifetime.
func (s *Signer) TTL() time.Duration { return s.ttl }

// Issue signs a token for subject in audience; it returns the token and its claims.
func (s *Signer) Issue(audience, subject, stamp, session, jti string, now time.Time) (string, Claims, error) {
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Subject:   subject,
			Audience:  jwt.ClaimStrings{audience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(s.ttl)),
			ID:        jti,
		},
		Stamp:   StampDigest(stamp),
		Session: session,
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.secret)
	return tok, c, err
}

// ErrInvalidToken is returned for any token that must not be accepted; the reason is not told
// to the caller.
var ErrInvalidToken = errors.New("invalid token")

// Verify checks signature, algorithm, issuer and expiry, and returns the claims with the
// token's audience: exactly one of AudienceCustomer and AudienceAdmin, as Issue writes it.
func (s *Signer) Verify(token string) (Claims, string, error) {
	// Only the characters of base64url and the dots: Go's base64 decoder skips \r and \n, so
	// an issued token with line breaks inside would decode, and verify, as the token itself.
	if strings.IndexFunc(token, notTokenChar) >= 0 {
		return Claims{}, "", ErrInvalidToken
	}
	var c Claims
	_, err := s.parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.secret, nil })
	if err != nil || c.Subject == "" || c.ID == "" || len(c.Audience) != 1 ||
		(c.Audience[0] != AudienceCustomer && c.Audience[0] != AudienceAdmin) {
		return Claims{}, "", ErrInvalidToken
	}
	return c, c.Audience[0], nil
}

// notTokenChar reports whether r can't be in a compact JWT (base64url segments and dots).
func notTokenChar(r rune) bool {
	return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
}

// StampDigest is what a token carries of a security stamp: the stamp itself never leaves the server.
func StampDigest(stamp string) string {
	sum := sha256.Sum256([]byte("clientele-stamp:" + stamp))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}
