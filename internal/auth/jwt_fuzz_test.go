package auth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/clientele/clientele/internal/auth"
)

// issuedTokens returns a signer and the tokens it issued just now, one per audience.
func issuedTokens(t testing.TB) (*auth.Signer, []string) {
	t.Helper()
	s := newSigner()
	var out []string
	for _, aud := range []string{auth.AudienceCustomer, auth.AudienceAdmin} {
		tok, _, err := s.Issue(aud, "0190a000-0000-7000-8000-0000000000c1", "stamp", "0190a000-0000-7000-8000-0000000000f1",
			"0190a000-0000-7000-8000-0000000000d1", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tok)
	}
	return s, out
}

// TestFlippedTokenIsRefused flips every bit of every byte of valid tokens in turn: none of
// the altered tokens is accepted (a base64 character's unused bits included).
func TestFlippedTokenIsRefused(t *testing.T) {
	s, tokens := issuedTokens(t)
	for _, tok := range tokens {
		for i := range len(tok) {
			for bit := range 8 {
				b := []byte(tok)
				b[i] ^= 1 << bit
				if _, _, err := s.Verify(string(b)); err == nil {
					t.Fatalf("accepted %q: byte %d of %q with bit %d flipped", b, i, tok, bit)
				}
			}
		}
	}
}

// FuzzVerify: any string given as a bearer token is refused unless it is, byte for byte, a
// token the signer issued; none makes Verify panic.
//
//	go test -run='^$' -fuzz='^FuzzVerify$' -fuzztime=5s ./internal/auth
func FuzzVerify(f *testing.F) {
	s, tokens := issuedTokens(f)
	issued := map[string]bool{}
	for _, tok := range tokens {
		issued[tok] = true
		f.Add(tok)
		f.Add(tok + "=")
		f.Add(strings.ToUpper(tok))
		parts := strings.Split(tok, ".")
		f.Add(parts[0] + "." + parts[1] + ".")
		f.Add(parts[0] + "." + parts[1])
	}
	f.Add("")
	f.Add("...")
	f.Add("Bearer x")
	f.Add("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIn0.")
	forged, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, validClaims(time.Now())).SignedString([]byte("another secret"))
	f.Add(forged)
	f.Fuzz(func(t *testing.T, token string) {
		if _, _, err := s.Verify(token); err == nil && !issued[token] {
			t.Fatalf("accepted a token it did not issue: %q", token)
		}
	})
}
