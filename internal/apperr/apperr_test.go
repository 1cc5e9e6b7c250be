package apperr_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/clientele/clientele/internal/apperr"
)

// A request that ran out of time or lost its client is UNAVAILABLE wherever the context
// error surfaces, and UNAVAILABLE always advises a retry.
func TestAsAndRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		err        error
		kind       apperr.Kind
		retryAfter int
	}{
		{fmt.Errorf("query: %w", context.DeadlineExceeded), apperr.Unavailable, apperr.DefaultRetryAfter},
		{context.Canceled, apperr.Unavailable, apperr.DefaultRetryAfter},
		{errors.New("boom"), apperr.Internal, 0},
		{&apperr.Error{Kind: apperr.RateLimited, RetryAfter: 42}, apperr.RateLimited, 42},
		{&apperr.Error{Kind: apperr.Unavailable, RetryAfter: 5}, apperr.Unavailable, 5},
		{apperr.New(apperr.Conflict, "taken"), apperr.Conflict, 0},
	} {
		ae := apperr.As(tc.err)
		if ae.Kind != tc.kind || ae.RetryAfterSeconds() != tc.retryAfter {
			t.Errorf("%v: %s retry after %d, want %s retry after %d", tc.err, ae.Kind, ae.RetryAfterSeconds(), tc.kind, tc.retryAfter)
		}
	}
}
