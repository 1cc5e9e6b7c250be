package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
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
		var ae *apperr.Error
		if !errors.As(err, &ae) {
			// Parse, validation and argument-coercion errors raised by gqlgen itself.
			out.Extensions["code"] = string(apperr.BadRequest)
			return out
		}
		out.Message = ae.Message
		out.Extensions["code"] = string(ae.Kind)
		if len(ae.Fields) > 0 {
			out.Extensions["fields"] = ae.Fields
		}
		if ae.Kind == apperr.RateLimited && ae.RetryAfter > 0 {
			out.Extensions["retryAfter"] = ae.RetryAfter
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
