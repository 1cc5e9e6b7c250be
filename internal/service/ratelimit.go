package service

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/models"
)

// Rate-limited actions.
const (
	ActionSignIn   = "sign_in"
	ActionRegister = "register"
	ActionReset    = "password_reset"
	ActionVerify   = "verify_email"
	// ActionEmailAvailable is isEmailAvailable, limited per client IP only: it answers
	// whether an account exists, so it is what a script enumerating accounts would call.
	ActionEmailAvailable = "email_available"
)

const rateWindow = time.Minute

// checkRateLimit counts an attempt at action for email (may be empty) and for the caller's
// IP, and refuses it with RATE_LIMITED once either limit is passed. The counters live in the
// database, so they hold across every instance of the service; they are written in a
// transaction of their own, committed before the attempt's work, so a failed attempt still
// counts.
func (s *Service) checkRateLimit(ctx context.Context, actor auth.Principal, action, email string) error {
	window := s.now().Truncate(rateWindow)
	retryAfter := int(window.Add(rateWindow).Sub(s.now()).Seconds()) + 1
	type bucket struct {
		key   string
		limit int
	}
	buckets := []bucket{{action + ":ip:" + actor.IP, s.cfg.RateLimitPerIP}}
	if email != "" { // emails are kept only as digests
		buckets = append(buckets, bucket{action + ":email:" + hashToken(normalizeEmail(email))[:32], s.cfg.RateLimitPerEmail})
	}
	buckets = slices.DeleteFunc(buckets, func(b bucket) bool { return b.limit == 0 })
	if len(buckets) > 0 {
		keys := make([]string, len(buckets))
		for i, b := range buckets {
			keys[i] = b.key
		}
		hits, err := s.hit(ctx, keys, window)
		if err != nil {
			return err
		}
		for _, b := range buckets {
			if hits[b.key] > b.limit {
				return &apperr.Error{Kind: apperr.RateLimited, Message: "Too many attempts; try again later.", RetryAfter: retryAfter}
			}
		}
	}
	return nil // windows that have passed are swept by housekeeping (ExpiryRules)
}

// hit adds one to the counters of buckets for window and returns the new counts: one upsert
// and one read, whatever the number of buckets, in one transaction. The upsert holds each
// counter's row lock until the commit, so the count read back includes every attempt before
// this one and none after it, on every instance: 50 parallel attempts against a limit of 20
// admit exactly 20 (SPEC §7). Buckets are locked in key order, so two attempts sharing two
// counters cannot wait on each other.
func (s *Service) hit(ctx context.Context, buckets []string, window time.Time) (map[string]int, error) {
	buckets = slices.Sorted(slices.Values(buckets))
	rows := make([]models.RateLimit, len(buckets))
	hits := make(map[string]int, len(buckets))
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		conn := s.db.Conn(ctx)
		for i, b := range buckets {
			rows[i] = models.RateLimit{Bucket: b, WindowStart: window, Hits: 1}
		}
		err := conn.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "bucket"}, {Name: "window_start"}},
			DoUpdates: clause.Assignments(map[string]any{"hits": gorm.Expr("hits + 1")}),
		}).Create(&rows).Error
		if err != nil {
			return dbErr(err, "", "")
		}
		var counted []models.RateLimit
		if err := conn.Where("window_start = ? AND bucket IN ?", window, buckets).Find(&counted).Error; err != nil {
			return dbErr(err, "", "")
		}
		for _, r := range counted {
			hits[r.Bucket] = r.Hits
		}
		return nil
	})
	return hits, err
}
