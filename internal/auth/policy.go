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

// PasswordProblem returns why password is not acceptable for an account with email, or "".
func PasswordProblem(password, email string, minLength int) string {
	n := utf8.RuneCountInString(password)
	switch {
	case n < minLength:
		return "Password must be at least " + strconv.Itoa(minLength) + " characters."
	case n > MaxPasswordLength:
		return "Password must be at most 256 characters."
	case strings.EqualFold(password, email):
		return "Password must not be the email address."
	case commonPasswords[strings.ToLower(password)]:
		return "Password is too common; choose a less predictable one."
	}
	return ""
}
