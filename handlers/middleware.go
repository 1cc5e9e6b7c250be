package handlers

import (
	"context"
	"log/slog"
	"net/http"
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

// JSONBodies reads application/merge-patch+json bodies as JSON (a merge patch is JSON, and
// the handlers tell absent from null themselves) and refuses a /v1 body of any other media
// type as BAD_REQUEST (400, the SPEC's one status for it): echo's binder would otherwise
// decode XML and forms too, and its errors for them quote the body.
func JSONBodies(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		mediaType := strings.ToLower(strings.TrimSpace(strings.SplitN(req.Header.Get(echo.HeaderContentType), ";", 2)[0]))
		switch {
		case mediaType == "application/merge-patch+json":
			req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
		case mediaType == echo.MIMEApplicationJSON, req.ContentLength == 0, !strings.HasPrefix(req.URL.Path, "/v1/"):
		default:
			return echo.NewHTTPError(http.StatusBadRequest, "The request body must be application/json or application/merge-patch+json.")
		}
		return next(c)
	}
}

// SecurityHeaders marks every response as not to be content-sniffed, and every API response
// as not to be cached: they carry tokens and personal data (SPEC §7).
func SecurityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set(echo.HeaderXContentTypeOptions, "nosniff")
		if isAPI(c.Request().URL.Path) {
			h.Set(echo.HeaderCacheControl, "no-store")
		}
		return next(c)
	}
}

// Deadline runs every API request under timeout (SPEC §9 "Deadlines"). The context reaches
// the database, so a statement still running when it expires is cancelled and the request
// answers UNAVAILABLE; net/http cancels the same context when the client goes away. The
// probes are left alone: /readyz bounds its own ping, /healthz touches nothing.
func Deadline(timeout time.Duration) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if !isAPI(req.URL.Path) {
				return next(c)
			}
			ctx, cancel := context.WithTimeout(req.Context(), timeout)
			defer cancel()
			c.SetRequest(req.WithContext(ctx))
			return next(c)
		}
	}
}

// isAPI reports whether path is served by the REST or GraphQL API.
func isAPI(path string) bool {
	return strings.HasPrefix(path, "/v1/") || path == "/graphql" || strings.HasPrefix(path, "/graphql/")
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
