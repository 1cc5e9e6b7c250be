package auth

import (
	"slices"
	"strings"
	"testing"
)

func TestPasswordProblems(t *testing.T) {
	t.Parallel()
	const email = "ada@example.com"
	long := strings.Repeat("x", 200) + "correct horse battery staple " + strings.Repeat("y", 256)
	for _, tc := range []struct {
		name, password, email string
		minLength             int
		want                  []string // the codes, in order; none for acceptable
	}{
		{"good", "correct horse battery", email, 10, nil},
		{"too short", "abcdefghi", email, 10, []string{PasswordTooShort}},
		{"exactly min", "qzvkwmxjtr", email, 10, nil},
		{"min length respected", "qzvkw", email, 5, nil},
		{"min length respected short", "qzvk", email, 5, []string{PasswordTooShort}},
		{"counts characters not bytes", "ééééé", email, 6, []string{PasswordTooShort}},
		{"multibyte at min", "éééééé", email, 6, nil},
		{"max length", strings.Repeat("q", 256), email, 10, nil},
		{"too long", strings.Repeat("q", 257), email, 10, []string{PasswordTooLong}},
		{"way too long", long, email, 10, []string{PasswordTooLong}},
		{"256 multibyte characters", strings.Repeat("é", 256), email, 10, nil},
		{"equal to email", email, email, 10, []string{PasswordEqualsEmail}},
		{"equal to email other case", "Ada@Example.COM", email, 10, []string{PasswordEqualsEmail}},
		{"containing the email", email + "-suffix", email, 10, nil},
		{"no email: not compared", email, "", 10, nil},
		{"common", "password123", email, 8, []string{PasswordTooCommon}},
		{"common at default length", "1234567890", email, 10, []string{PasswordTooCommon}},
		{"common other case", "QwertyUiop", email, 10, []string{PasswordTooCommon}},
		{"common other case 2", "PassWord1234", email, 10, []string{PasswordTooCommon}},
		{"short and common", "123456", email, 10, []string{PasswordTooShort, PasswordTooCommon}},
		{"short and the email", "a@b.io", "A@B.IO", 10, []string{PasswordTooShort, PasswordEqualsEmail}},
		{"empty", "", "", 10, []string{PasswordTooShort}},
	} {
		got := PasswordProblems(tc.password, tc.email, tc.minLength)
		var codes []string
		for _, p := range got {
			codes = append(codes, p.Code)
			if p.Message == "" {
				t.Errorf("%s: %s has no message", tc.name, p.Code)
			}
		}
		if !slices.Equal(codes, tc.want) {
			t.Errorf("%s: codes %v, want %v", tc.name, codes, tc.want)
		}
	}
	// The messages say what to do, naming the configured minimum.
	for code, want := range map[string]string{
		PasswordTooShort:    "Password must be at least 12 characters.",
		PasswordTooLong:     "Password must be at most 256 characters.",
		PasswordEqualsEmail: "Password must not be the email address.",
		PasswordTooCommon:   "Password is too common; choose a less predictable one.",
	} {
		var found bool
		for _, pw := range []string{"short", strings.Repeat("q", 300), "ada@example.com", "passwordpassword"} {
			for _, p := range PasswordProblems(pw, email, 12) {
				if p.Code == code {
					found = true
					if p.Message != want {
						t.Errorf("%s message %q, want %q", code, p.Message, want)
					}
				}
			}
		}
		if !found {
			t.Errorf("no password produced %s", code)
		}
	}
}
