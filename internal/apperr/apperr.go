// Package apperr is the one error type the service layer returns. Each API maps a Kind to its
// wire form exactly once (handlers/problem.go, graph/errors.go); nothing here knows about HTTP.
package apperr

import (
	"context"
	"errors"
	"fmt"
)

// Kind is the machine-readable error code shared by REST and GraphQL.
type Kind string

const (
	BadRequest         Kind = "BAD_REQUEST"
	Unauthenticated    Kind = "UNAUTHENTICATED"
	Forbidden          Kind = "FORBIDDEN"
	NotFound           Kind = "NOT_FOUND"
	Conflict           Kind = "CONFLICT"
	PreconditionFailed Kind = "PRECONDITION_FAILED"
	PayloadTooLarge    Kind = "PAYLOAD_TOO_LARGE"
	ValidationFailed   Kind = "VALIDATION_FAILED"
	AccountLocked      Kind = "ACCOUNT_LOCKED"
	RateLimited        Kind = "RATE_LIMITED"
	Internal           Kind = "INTERNAL"
	Unavailable        Kind = "UNAVAILABLE"
)

// FieldError names one failing input field by its path in the input (`email`, `street[0]`).
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a classified error. Message is safe to show to the caller; Err (the cause) is not.
type Error struct {
	Kind    Kind
	Message string
	Fields  []FieldError
	// RetryAfter is the seconds until a retry may succeed (RATE_LIMITED, a CONFLICT that is
	// still in progress); see RetryAfterSeconds for UNAVAILABLE.
	RetryAfter int
	Err        error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Kind, e.Message, e.Err)
	}
	return string(e.Kind) + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// DefaultRetryAfter is the Retry-After of an UNAVAILABLE error that names none: a database that
// is restarting or failing over is usually back within seconds, and a client retrying every
// second costs little.
const DefaultRetryAfter = 1

// RetryAfterSeconds is how long the caller should wait before retrying: RetryAfter when set,
// DefaultRetryAfter for UNAVAILABLE, 0 (no advice) otherwise.
func (e *Error) RetryAfterSeconds() int {
	if e.RetryAfter == 0 && e.Kind == Unavailable {
		return DefaultRetryAfter
	}
	return e.RetryAfter
}

// New returns an error of kind k with a caller-facing message.
func New(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// Wrap classifies a cause without exposing it to the caller.
func Wrap(k Kind, err error, message string) *Error {
	return &Error{Kind: k, Message: message, Err: err}
}

// As returns the *Error in err's chain, or an INTERNAL error wrapping err. A request that ran
// out of time or whose client went away is UNAVAILABLE wherever the context error surfaced.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &Error{Kind: Unavailable, Message: "The request was cancelled or timed out.", Err: err}
	}
	return &Error{Kind: Internal, Message: "An internal error occurred.", Err: err}
}

// KindOf returns the Kind of err, INTERNAL when it is not classified.
func KindOf(err error) Kind { return As(err).Kind }

// NotFoundf is the usual "no such object" error; it never says whether the object exists for someone else.
func NotFoundf(what string) *Error { return New(NotFound, "%s not found.", what) }

// Fields collects field errors; Err returns a VALIDATION_FAILED error listing all of them, or nil.
type Fields []FieldError

// Add records that field fails with message.
func (f *Fields) Add(field, message string) {
	*f = append(*f, FieldError{Field: field, Message: message})
}

// Err returns nil when no field failed.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	msg := "The input is invalid."
	if len(f) == 1 {
		msg = f[0].Message
	}
	return &Error{Kind: ValidationFailed, Message: msg, Fields: f}
}

// Invalid is a VALIDATION_FAILED error for a single field.
func Invalid(field, message string) error {
	var f Fields
	f.Add(field, message)
	return f.Err()
}
