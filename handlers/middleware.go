package handlers

import (
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/service"
)

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// RequestID keeps a well-formed X-Request-ID from the caller, or makes one, and echoes it.
func RequestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !requestIDPattern.MatchString(id) {
			id = uuid.NewString()
		}
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

// MergePatchAsJSON lets echo's JSON binder read application/merge-patch+json bodies: a merge
// patch is JSON, and the handlers tell absent from null themselves.
func MergePatchAsJSON(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header
		if strings.HasPrefix(h.Get(echo.HeaderContentType), "application/merge-patch+json") {
			h.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
		}
		return next(c)
	}
}

// Authenticate puts the caller on the request context, where both the strict REST handlers
// and the GraphQL resolvers read it. The token's signature and lifetime are verified here; its
// database check runs once, when the request first needs the principal (or inside the hot
// reads' own statement). A missing or invalid bearer token leaves the caller anonymous;
// operations that need one answer UNAUTHENTICATED.
func Authenticate(svc *service.Service) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			request := auth.Principal{RequestID: c.Response().Header().Get(echo.HeaderXRequestID), IP: c.RealIP()}
			ctx := auth.With(req.Context(), request)
			if token, ok := strings.CutPrefix(req.Header.Get(echo.HeaderAuthorization), "Bearer "); ok {
				if credential, err := svc.Credential(strings.TrimSpace(token)); err == nil {
					ctx = auth.WithPending(req.Context(), request, credential)
				}
			}
			c.SetRequest(req.WithContext(ctx))
			return next(c)
		}
	}
}

// AccessLog writes one structured line per request. It logs the route, never the query
// string or body, so no email, password or token reaches the log.
func AccessLog(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			status := c.Response().Status
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			log.LogAttrs(c.Request().Context(), level, "request",
				slog.String("method", c.Request().Method),
				slog.String("route", c.Path()),
				slog.Int("status", status),
				slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
				slog.String("request_id", c.Response().Header().Get(echo.HeaderXRequestID)),
			)
			return nil
		}
	}
}
