package auth

import (
	_ "embed"
	"strconv"
	"strings"
	"unicode/utf8"
)

//go:embed common-passwords.txt
var commonPasswordList string

// commonPasswords holds the most common passwords, lower-cased: each is refused.
var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(commonPasswordList, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			m[strings.ToLower(line)] = true
		}
	}
	return m
}()

// MaxPasswordLength bounds the work a single hash does.
const MaxPasswordLength = 256

// The password rules, by the code validatePassword reports for each (SPEC §3).
const (
	PasswordTooShort    = "TOO_SHORT"
	PasswordTooLong     = "TOO_LONG"
	PasswordEqualsEmail = "EQUALS_EMAIL"
	PasswordTooCommon   = "TOO_COMMON"
)

// PasswordError is one password rule a password breaks.
type PasswordError struct {
	Code    string
	Message string
}

// PasswordProblems returns every rule password breaks for an account with email, in the
// order above; none when it is acceptable. An empty email skips EQUALS_EMAIL. Sign-up's
// VALIDATION_FAILED and validatePassword both report these, so their messages are the same.
func PasswordProblems(password, email string, minLength int) []PasswordError {
	var out []PasswordError
	n := utf8.RuneCountInString(password)
	if n < minLength {
		out = append(out, PasswordError{PasswordTooShort, "Password must be at least " + strconv.Itoa(minLength) + " characters."})
	}
	if n > MaxPasswordLength {
		out = append(out, PasswordError{PasswordTooLong, "Password must be at most " + strconv.Itoa(MaxPasswordLength) + " characters."})
	}
	if email != "" && strings.EqualFold(password, email) {
		out = append(out, PasswordError{PasswordEqualsEmail, "Password must not be the email address."})
	}
	// No listed password is longer than the limit, so a longer one is not lower-cased for nothing.
	if n <= MaxPasswordLength && commonPasswords[strings.ToLower(password)] {
		out = append(out, PasswordError{PasswordTooCommon, "Password is too common; choose a less predictable one."})
	}
	return out
}
