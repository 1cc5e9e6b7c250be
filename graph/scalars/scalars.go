// Package scalars marshals the schema's custom scalars (Time, Date, JSON). gqlgen's own
// unmarshalers return plain errors, which the error presenter cannot tell from a bug; these
// return a VALIDATION_FAILED apperr, which it reports against the input field that held the
// value (SPEC §5: a malformed scalar is the client's error, never INTERNAL).
package scalars

import (
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/clientele/clientele/internal/apperr"
)

func invalid(msg string) error { return apperr.New(apperr.ValidationFailed, "%s", msg) }

// MarshalTime writes an RFC 3339 date-time.
func MarshalTime(t time.Time) graphql.Marshaler { return graphql.MarshalTime(t) }

// UnmarshalTime reads an RFC 3339 date-time.
func UnmarshalTime(v any) (time.Time, error) {
	t, err := graphql.UnmarshalTime(v)
	if err != nil {
		return time.Time{}, invalid("Must be a date-time in RFC 3339 format, such as 2024-01-31T09:30:00Z.")
	}
	return t, nil
}

// MarshalDate writes a date kept as its YYYY-MM-DD string.
func MarshalDate(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalDate reads a string; the service checks that it is a YYYY-MM-DD date.
func UnmarshalDate(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", invalid("Must be a date as YYYY-MM-DD.")
	}
	return s, nil
}

// MarshalJSON writes a JSON object.
func MarshalJSON(m map[string]any) graphql.Marshaler { return graphql.MarshalMap(m) }

// UnmarshalJSON reads a JSON object.
func UnmarshalJSON(v any) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, invalid("Must be a JSON object.")
	}
	return m, nil
}
