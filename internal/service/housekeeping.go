package service

import (
	"context"
	"time"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/housekeeping"
)

// MaxClockSkew is how far instances' clocks may disagree without a sweep deleting what
// another instance still needs: a revocation its slower clock still has to enforce, or the
// rate-limit window it still counts in. The sweeping instance's clock decides the cutoff.
const MaxClockSkew = 2 * time.Minute

// ExpiryRules are the rows that can go, table by table (SPEC §9 "Housekeeping").
//
//   - revoked_tokens: a revoked jti or session is kept until every token that could carry it
//     has expired, plus the leeway Verify allows and MaxClockSkew.
//   - refresh_tokens: a token past its own expiry is refused before anything else is looked
//     at (RefreshToken checks expiry before rotation), so even a rotated one has no use left:
//     presenting it answers the same whether the row is there or not. A rotated token that has
//     not expired stays, so presenting it still ends its session.
//   - one_time_tokens: used or not, past their expiry (their TTL after issue).
//   - idempotency_keys: past IdempotencyWindow, after which BeginIdempotent frees them anyway.
//   - rate_limits: windows that ended; the current and previous one stay (and MaxClockSkew).
//   - login_failures: failures older than the lockout duration are forgotten at the next
//     failure anyway, and a lockout they caused has ended by then (it starts at a failure).
//   - revocation_feed: as revoked_tokens; a row's expires_at is when the last token it
//     concerns expires, so no instance starting later needs it.
func (s *Service) ExpiryRules() []housekeeping.Rule {
	return []housekeeping.Rule{
		{Table: "revoked_tokens", Column: "expires_at", Keep: auth.Leeway + MaxClockSkew},
		{Table: "refresh_tokens", Column: "expires_at"},
		{Table: "one_time_tokens", Column: "expires_at"},
		{Table: "idempotency_keys", Column: "created_at", Keep: IdempotencyWindow},
		{Table: "rate_limits", Column: "window_start", Keep: 2*rateWindow + MaxClockSkew},
		{Table: "login_failures", Column: "last_failure_at", Keep: s.cfg.LockoutDuration},
		{Table: "revocation_feed", Column: "expires_at", Keep: auth.Leeway + MaxClockSkew},
	}
}

// RunHousekeeping sweeps expired rows every `every` until ctx ends; of several instances,
// one at a time does (see housekeeping.Sweeper).
func (s *Service) RunHousekeeping(ctx context.Context, every time.Duration) {
	housekeeping.New(s.db, s.log, s.ExpiryRules()...).Run(ctx, every)
}
