package graph

import (
	"context"
	"log/slog"
	"testing"

	"github.com/clientele/clientele/internal/apperr"
)

// TestRetryAfter: an UNAVAILABLE error tells the client when to retry (1 s unless the error
// knows better), as REST's Retry-After does; so does any error that carries a delay.
func TestRetryAfter(t *testing.T) {
	present := presentError(slog.New(slog.DiscardHandler))
	for _, c := range []struct {
		err  error
		want any
	}{
		{apperr.New(apperr.Unavailable, "down"), 1},
		{&apperr.Error{Kind: apperr.Unavailable, Message: "busy", RetryAfter: 5}, 5},
		{&apperr.Error{Kind: apperr.RateLimited, Message: "slow down", RetryAfter: 30}, 30},
		{apperr.New(apperr.NotFound, "gone"), nil},
	} {
		got := present(context.Background(), c.err).Extensions["retryAfter"]
		if got != c.want {
			t.Errorf("%v: retryAfter = %v, want %v", c.err, got, c.want)
		}
	}
}
