package handlers

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/service"
)

// HeaderIdempotencyKey names the header that makes a REST POST safe to retry.
const HeaderIdempotencyKey = "Idempotency-Key"

// Idempotent replays the stored response of a POST retried with the same Idempotency-Key by
// the same caller within 24 h, instead of doing the work again. It runs after Authenticate:
// the caller is the principal, or the client IP for anonymous calls.
func Idempotent(svc *service.Service) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			key := req.Header.Get(HeaderIdempotencyKey)
			if req.Method != http.MethodPost || key == "" || !strings.HasPrefix(req.URL.Path, "/v1/") {
				return next(c)
			}
			body, err := io.ReadAll(req.Body)
			if err != nil {
				return err // the body limit's 413, or a broken connection
			}
			req.Body = io.NopCloser(bytes.NewReader(body))
			caller := callerOf(auth.From(req.Context()))
			stored, err := svc.BeginIdempotent(req.Context(), caller, key, service.IdempotencyRequestHash(req.Method, req.URL.Path, body))
			if err != nil {
				return err
			}
			if stored != nil {
				c.Response().Header().Set("Idempotent-Replayed", "true")
				return c.Blob(stored.Status, stored.ContentType, stored.Body)
			}

			rec := &recorder{ResponseWriter: c.Response().Writer}
			c.Response().Writer = rec
			if err := next(c); err != nil {
				c.Error(err) // write the problem now, so it is recorded like any response
			}
			// The client has its answer before the bookkeeping, which may wait on a slow database.
			_ = http.NewResponseController(c.Response().Writer).Flush()
			// The outcome is recorded even when the request ran out of time or lost its client:
			// otherwise the key would stay reserved until the lease runs out.
			ctx, cancel := context.WithTimeout(context.WithoutCancel(req.Context()), recordTimeout)
			defer cancel()
			status := c.Response().Status
			if status >= 500 {
				return svc.AbandonIdempotent(ctx, caller, key)
			}
			return svc.FinishIdempotent(ctx, caller, key, service.StoredResponse{
				Status: status, ContentType: c.Response().Header().Get(echo.HeaderContentType), Body: rec.body.Bytes(),
			})
		}
	}
}

// recordTimeout bounds storing or freeing a key after the request's own deadline.
const recordTimeout = 5 * time.Second

// callerOf keys idempotency records: a principal's own id, or the client IP when anonymous.
func callerOf(p auth.Principal) string {
	switch p.Kind {
	case auth.Customer:
		return "customer:" + p.ID
	case auth.Admin:
		return "admin:" + p.ID
	}
	return "ip:" + p.IP
}

// recorder copies what a handler writes.
type recorder struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (r *recorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
