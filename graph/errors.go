package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/clientele/clientele/internal/apperr"
)

// presentError maps every error to the SPEC's taxonomy once: `extensions.code` always, and
// `extensions.fields` for VALIDATION_FAILED. Internal causes are logged, never shown.
func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		out := graphql.DefaultErrorPresenter(ctx, err)
		if out.Extensions == nil {
			out.Extensions = map[string]any{}
		}
		// gqlgen's own parse, validation and variable errors carry no cause; any other error
		// that is not classified is a bug, not the caller's fault.
		var ae *apperr.Error
		var gqlErr *gqlerror.Error
		if !errors.As(err, &ae) && !(errors.As(err, &gqlErr) && gqlErr.Err == nil) {
			ae = apperr.As(err)
		}
		if ae == nil {
			if field, ok := variableField(out.Path); ok {
				// A variable's value does not fit its type (an unknown enum value, say): the
				// same field error REST reports for that input.
				out.Extensions["code"] = string(apperr.ValidationFailed)
				out.Extensions["fields"] = []apperr.FieldError{{Field: field, Message: out.Message}}
				return out
			}
			// Parse and validation errors raised by gqlgen itself.
			out.Extensions["code"] = string(apperr.BadRequest)
			return out
		}
		out.Message = ae.Message
		out.Extensions["code"] = string(ae.Kind)
		fields := ae.Fields
		if len(fields) == 0 && ae.Kind == apperr.ValidationFailed {
			// A malformed scalar value (graph/scalars) knows its message, not its place: that
			// is the path from the field to the argument that held it.
			if field, ok := argumentField(ctx, out.Path); ok {
				fields = []apperr.FieldError{{Field: field, Message: ae.Message}}
			}
		}
		if len(fields) > 0 {
			out.Extensions["fields"] = fields
		}
		// Seconds before a retry may succeed: what REST says in Retry-After (SPEC §5).
		if secs := ae.RetryAfterSeconds(); secs > 0 {
			out.Extensions["retryAfter"] = secs
		}
		if ae.Kind == apperr.Internal {
			log.ErrorContext(ctx, "graphql resolver failed", "err", err, "path", out.Path.String())
		}
		return out
	}
}

// recoverPanic turns a resolver panic into an INTERNAL error (logged by the presenter).
func recoverPanic(ctx context.Context, p any) error {
	return apperr.Wrap(apperr.Internal, panicError{p}, "An internal error occurred.")
}

type panicError struct{ value any }

func (p panicError) Error() string { return fmt.Sprint("panic: ", p.value) }

// variableField turns the path gqlgen gives a bad variable value (["variable", "input",
// "attributes", 1, "name"]) into an input field path ("attributes[1].name").
func variableField(path ast.Path) (string, bool) {
	if len(path) < 2 || path[0] != ast.PathName("variable") {
		return "", false
	}
	return inputField(path[1:]), true
}

// argumentField turns the path of a value gqlgen could not unmarshal into an argument
// (["customers", "filter", "createdFrom"]: the field's path, then the argument's) into an
// input field path ("filter.createdFrom").
func argumentField(ctx context.Context, path ast.Path) (string, bool) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return "", false
	}
	at := fc.Path()
	if len(path) <= len(at) || path[:len(at)].String() != at.String() {
		return "", false
	}
	return inputField(path[len(at):]), true
}

// inputField names an argument's part as REST names it in the body: an `input` argument's
// own name is dropped.
func inputField(rest ast.Path) string {
	if len(rest) > 1 && rest[0] == ast.PathName("input") {
		rest = rest[1:]
	}
	var b strings.Builder
	for _, el := range rest {
		switch el := el.(type) {
		case ast.PathIndex:
			fmt.Fprintf(&b, "[%d]", int(el))
		case ast.PathName:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(string(el))
		}
	}
	return b.String()
}
