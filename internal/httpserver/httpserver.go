// Package httpserver runs Clientele's HTTP server within the limits of SPEC §9 "HTTP": slow
// or idle connections are closed, headers are bounded, and shutdown drains the requests in
// flight within a grace period.
package httpserver

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Limits bound what one connection may hold of the server.
type Limits struct {
	// ReadHeaderTimeout closes a connection whose request headers are not in by then, so
	// slow-header clients (slowloris) hold nothing for long.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included.
	ReadTimeout time.Duration
	// WriteTimeout bounds a request from the end of its headers to the end of its response.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that sends no next request.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers; more is 431.
	MaxHeaderBytes int
}

// DefaultLimits are the limits of SPEC §9, the defaults of CLIENTELE_HTTP_*. WriteTimeout is
// well above the request deadline (CLIENTELE_REQUEST_TIMEOUT, 15 s), so a request that runs out
// of time still gets its 503.
var DefaultLimits = Limits{
	ReadHeaderTimeout: 5 * time.Second,
	ReadTimeout:       30 * time.Second,
	WriteTimeout:      60 * time.Second,
	IdleTimeout:       120 * time.Second,
	MaxHeaderBytes:    64 << 10,
}

// New returns a server of h within l.
func New(h http.Handler, l Limits) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
	}
}

// Serve serves srv on ln until ctx ends, then shuts down: the listener closes at once and the
// requests in flight get grace to finish. Connections still busy after grace are closed and
// that is logged; it is no error, since the process did what it was asked (stop), so the
// caller can exit 0. An error is returned only when serving itself fails. Then each of drain
// runs (work the requests handed off, say) within what is left of the same grace.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration, log *slog.Logger, drain ...func(context.Context)) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err // Serve never returns nil; ErrServerClosed only after Shutdown, not called yet
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", grace)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("requests still in flight after the shutdown timeout; closing their connections", "timeout", grace, "err", err)
		_ = srv.Close()
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	for _, d := range drain {
		d(shutdownCtx)
	}
	return nil
}
