package service

import (
	"encoding/json"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/models"
)

// normalizeEmail trims and lower-cases an email; the stored form is always this one.
func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func checkEmail(f *apperr.Fields, field, email string) {
	switch {
	case email == "":
		f.Add(field, "Email is required.")
	case len(email) > 254:
		f.Add(field, "Email must be at most 254 characters.")
	default:
		addr, err := mail.ParseAddress(email)
		if err != nil || addr.Address != email || !strings.Contains(email[strings.LastIndex(email, "@"):], ".") {
			f.Add(field, "Email is not a valid email address.")
		} else if strings.HasSuffix(strings.ToLower(email), "@"+erasedDomain) {
			// Erased customers' addresses live there; nobody may claim one before its erasure.
			f.Add(field, "Email must not be under "+erasedDomain+", which marks erased customers.")
		}
	}
}

// checkRequired checks a required text field (already trimmed) and its length.
func checkRequired(f *apperr.Fields, field, label, v string, max int) {
	if v == "" {
		f.Add(field, label+" is required.")
		return
	}
	checkLen(f, field, label, v, max)
}

func checkLen(f *apperr.Fields, field, label, v string, max int) {
	if utf8.RuneCountInString(v) > max {
		f.Add(field, label+" must be at most "+itoa(max)+" characters.")
	}
}

func checkOptional(f *apperr.Fields, field, label string, v *string, max int) {
	if v != nil {
		checkLen(f, field, label, *v, max)
	}
}

func checkEnum(f *apperr.Fields, field, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	f.Add(field, "Must be one of "+strings.Join(allowed, ", ")+".")
}

func checkDate(f *apperr.Fields, field string, v *string, now time.Time) {
	if v == nil {
		return
	}
	d, err := time.Parse(time.DateOnly, *v)
	switch {
	case err != nil:
		f.Add(field, "Must be a date as YYYY-MM-DD.")
	case d.After(now):
		f.Add(field, "Must not be in the future.")
	case d.Year() < 1900:
		f.Add(field, "Must be after 1900-01-01.")
	}
}

func checkHTTPURL(f *apperr.Fields, field string, v *string) {
	if v == nil {
		return
	}
	u, err := url.Parse(*v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(*v) > 2048 {
		f.Add(field, "Must be an absolute http or https URL of at most 2048 characters.")
	}
}

var localePattern = regexp.MustCompile(`^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$`)

func checkLocale(f *apperr.Fields, field string, v *string) {
	if v != nil && (len(*v) > 35 || !localePattern.MatchString(*v)) {
		f.Add(field, "Must be a locale such as en or en-US.")
	}
}

const (
	maxAttributes     = 100
	maxAttributeValue = 1024
	maxMetadataBytes  = 16 * 1024
)

func checkAttributes(f *apperr.Fields, field string, attrs []models.Attribute) {
	if len(attrs) > maxAttributes {
		f.Add(field, "At most "+itoa(maxAttributes)+" attributes are allowed.")
		return
	}
	seen := map[string]bool{}
	for i, a := range attrs {
		path := field + "[" + itoa(i) + "]"
		switch {
		case strings.TrimSpace(a.Name) == "":
			f.Add(path+".name", "Name is required.")
		case utf8.RuneCountInString(a.Name) > 255:
			f.Add(path+".name", "Name must be at most 255 characters.")
		case seen[a.Name]:
			f.Add(path+".name", "Name "+a.Name+" appears more than once.")
		}
		seen[a.Name] = true
		checkLen(f, path+".value", "Value", a.Value, maxAttributeValue)
	}
}

func checkMetadata(f *apperr.Fields, field string, m map[string]any) {
	if b, _ := json.Marshal(m); len(b) > maxMetadataBytes {
		f.Add(field, "Metadata must be at most 16 KiB of JSON.")
	}
}

// trimmed returns a copy of v with spaces trimmed; nil stays nil and blank becomes nil.
func trimmed(v *string) *string {
	if v == nil {
		return nil
	}
	t := strings.TrimSpace(*v)
	if t == "" {
		return nil
	}
	return &t
}

func itoa(n int) string { return strconv.Itoa(n) }

// NullRefused is the field error for null given to an input field that cannot be cleared
// (SPEC §5). Each API finds such nulls from its own contract (REST: a property without
// `nullable: true`; GraphQL: an input field the resolvers cannot clear), before the service
// sees the input, where null and absent look alike; the answer is the same in both.
func NullRefused(field string) apperr.FieldError {
	return apperr.FieldError{Field: field, Message: field + " cannot be null: leave it out to keep it as it is."}
}
