// Package handlers is Clientele's REST face: it implements api.StrictServerInterface with thin
// handlers over internal/service, converts between wire and service types, and writes every
// error as RFC 9457 problem+json in one place.
package handlers

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/clientele/clientele/api"
	"github.com/clientele/clientele/internal/apperr"
)

// HTTPStatus is the status of each error code.
var HTTPStatus = map[apperr.Kind]int{
	apperr.BadRequest:         http.StatusBadRequest,
	apperr.Unauthenticated:    http.StatusUnauthorized,
	apperr.Forbidden:          http.StatusForbidden,
	apperr.NotFound:           http.StatusNotFound,
	apperr.Conflict:           http.StatusConflict,
	apperr.PreconditionFailed: http.StatusPreconditionFailed,
	apperr.PayloadTooLarge:    http.StatusRequestEntityTooLarge,
	apperr.ValidationFailed:   http.StatusUnprocessableEntity,
	apperr.AccountLocked:      http.StatusLocked,
	apperr.RateLimited:        http.StatusTooManyRequests,
	apperr.Internal:           http.StatusInternalServerError,
	apperr.Unavailable:        http.StatusServiceUnavailable,
}

// kindOfStatus classifies the errors echo raises itself (routing, binding, body limit).
var kindOfStatus = map[int]apperr.Kind{
	http.StatusNotFound:              apperr.NotFound,
	http.StatusUnauthorized:          apperr.Unauthenticated,
	http.StatusForbidden:             apperr.Forbidden,
	http.StatusRequestEntityTooLarge: apperr.PayloadTooLarge,
	http.StatusServiceUnavailable:    apperr.Unavailable,
}

// Classify turns any error reaching the edge into an apperr.Error and its HTTP status.
func Classify(err error) (*apperr.Error, int) {
	var he *echo.HTTPError
	if errors.As(err, &he) && !isAppErr(err) {
		kind, ok := kindOfStatus[he.Code]
		switch {
		case ok:
		case he.Code >= 400 && he.Code < 500:
			kind = apperr.BadRequest
		default:
			return apperr.As(err), http.StatusInternalServerError
		}
		msg, _ := he.Message.(string)
		if msg == "" {
			msg = http.StatusText(he.Code)
		}
		msg = withoutParameterValue(msg)
		return &apperr.Error{Kind: kind, Message: msg, Err: err}, he.Code
	}
	ae := apperr.As(err)
	return ae, HTTPStatus[ae.Kind]
}

// withoutParameterValue cuts the cause off the generated wrappers' "Invalid format for
// parameter limit: error binding string parameter: strconv.ParseInt: parsing \"abc\"…": it
// names Go internals and echoes the caller's value back.
func withoutParameterValue(msg string) string {
	const prefix = "Invalid format for parameter "
	rest, ok := strings.CutPrefix(msg, prefix)
	if !ok {
		return msg
	}
	name, _, _ := strings.Cut(rest, ":")
	return "Invalid value for parameter " + name + "."
}

func isAppErr(err error) bool {
	var ae *apperr.Error
	return errors.As(err, &ae)
}

// Problem is echo's HTTPErrorHandler: every error leaves as problem+json. Internal errors are
// logged with their cause and answered with a generic body.
func Problem(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			// The answer is out (the idempotency record failed after it, say): only the log
			// can tell.
			log.WarnContext(c.Request().Context(), "failed after the response was sent", "err", err,
				"method", c.Request().Method, "path", c.Path(), "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
			return
		}
		ae, status := Classify(err)
		if status >= 500 {
			log.ErrorContext(c.Request().Context(), "request failed", "err", err, "status", status,
				"method", c.Request().Method, "path", c.Path(), "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
		}
		body := api.Problem{
			Type:   "about:blank",
			Title:  http.StatusText(status),
			Status: status,
			Code:   api.ErrorCode(ae.Kind),
			Detail: &ae.Message,
		}
		if len(ae.Fields) > 0 {
			fields := make([]api.FieldError, len(ae.Fields))
			for i, f := range ae.Fields {
				fields[i] = api.FieldError{Field: f.Field, Message: f.Message}
			}
			body.Errors = &fields
		}
		if secs := ae.RetryAfterSeconds(); secs > 0 {
			c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
		}
		c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(status)
			return
		}
		_ = c.JSON(status, body)
	}
}
