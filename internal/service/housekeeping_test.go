package service_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/housekeeping"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/internal/testdb"
	"github.com/clientele/clientele/models"
)

// sweeper returns a function that sweeps d with svc's rules, as one instance.
func sweeper(t *testing.T, svc *service.Service, d *db.DB) func() map[string]int64 {
	s := housekeeping.New(d, slog.New(slog.NewTextHandler(io.Discard, nil)), svc.ExpiryRules()...)
	return func() map[string]int64 {
		t.Helper()
		deleted, err := s.Tick(context.Background(), time.Hour)
		if err != nil || deleted == nil {
			t.Fatalf("sweep: deleted %v, err %v", deleted, err)
		}
		return deleted
	}
}

// hkRows counts the rows of table whose key column is one of keys.
func hkRows(t *testing.T, d *db.DB, table, column string, keys ...string) int64 {
	t.Helper()
	var n int64
	if err := d.Gorm().Table(table).Where(column+" IN ?", keys).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSweepDeletesExactlyTheExpiredRows puts, in every table the sweep covers, rows just
// past their end and rows just short of it, beside what a registration writes; one sweep
// deletes the first kind only.
func TestSweepDeletesExactlyTheExpiredRows(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		ada := must[service.Registration](t)(s.Register(ctx, auth.Principal{IP: "192.0.2.1"}, registerInput("ada@example.com"))).Customer
		now := db.Now()
		used := now.Add(-time.Minute)
		create := func(rows any) {
			t.Helper()
			if err := d.Gorm().Create(rows).Error; err != nil {
				t.Fatal(err)
			}
		}
		create(&[]models.RevokedToken{
			{JTI: "revoked-gone", ExpiresAt: now.Add(-auth.Leeway - service.MaxClockSkew - time.Second)},
			{JTI: "revoked-in-leeway", ExpiresAt: now.Add(-auth.Leeway - service.MaxClockSkew + 10*time.Second)},
			{JTI: "revoked-live", ExpiresAt: now.Add(time.Hour)},
		})
		refresh := func(id string, expires time.Time, rotated *time.Time) models.RefreshToken {
			return models.RefreshToken{ID: id, TokenHash: id, FamilyID: "family", SubjectType: models.SubjectCustomer,
				SubjectID: ada.ID, StampHash: "x", ExpiresAt: expires, RotatedAt: rotated, CreatedAt: now.Add(-time.Hour)}
		}
		create(&[]models.RefreshToken{
			refresh("refresh-gone", now.Add(-time.Second), &used),
			refresh("refresh-rotated-live", now.Add(time.Minute), &used),
			refresh("refresh-live", now.Add(time.Hour), nil),
		})
		onetime := func(id string, expires time.Time, usedAt *time.Time) models.OneTimeToken {
			return models.OneTimeToken{ID: id, TokenHash: id, Purpose: models.PurposePasswordReset, CustomerID: &ada.ID,
				Email: ada.Email, ExpiresAt: expires, UsedAt: usedAt, CreatedAt: now.Add(-time.Hour)}
		}
		create(&[]models.OneTimeToken{
			onetime("onetime-gone", now.Add(-time.Second), nil),
			onetime("onetime-used-gone", now.Add(-time.Second), &used),
			onetime("onetime-used-live", now.Add(time.Minute), &used),
			onetime("onetime-live", now.Add(time.Minute), nil),
		})
		create(&[]models.IdempotencyKey{
			{Caller: "c", IdemKey: "idem-gone", RequestHash: "h", CreatedAt: now.Add(-service.IdempotencyWindow - time.Second)},
			{Caller: "c", IdemKey: "idem-live", RequestHash: "h", CreatedAt: now.Add(-service.IdempotencyWindow + time.Minute)},
		})
		minute := now.Truncate(time.Minute)
		create(&[]models.RateLimit{
			{Bucket: "window-gone", WindowStart: minute.Add(-3*time.Minute - service.MaxClockSkew), Hits: 1},
			{Bucket: "window-previous", WindowStart: minute.Add(-time.Minute), Hits: 1},
		})
		lockout := 15 * time.Minute // the service's CLIENTELE_LOCKOUT_DURATION
		create(&[]models.LoginFailure{
			{SubjectType: models.SubjectCustomer, SubjectID: ada.ID, IP: "failures-gone", Failures: 5,
				LockedUntil: ptr(now.Add(-time.Second)), LastFailureAt: now.Add(-lockout - time.Second)},
			{SubjectType: models.SubjectCustomer, SubjectID: ada.ID, IP: "failures-live", Failures: 5,
				LockedUntil: ptr(now.Add(time.Second)), LastFailureAt: now.Add(-lockout + time.Second)},
		})
		for _, r := range []struct {
			key     string
			expires time.Time
		}{
			{"feed-gone", now.Add(-auth.Leeway - service.MaxClockSkew - time.Second)},
			{"feed-in-leeway", now.Add(-auth.Leeway - service.MaxClockSkew + 10*time.Second)},
			{"feed-live", now.Add(time.Hour)},
		} {
			if err := d.Gorm().Exec("INSERT INTO revocation_feed (kind, subject, expires_at) VALUES ('token', ?, ?)", r.key, r.expires).Error; err != nil {
				t.Fatal(err)
			}
		}
		before := map[string]int64{}
		for _, table := range []string{"revoked_tokens", "refresh_tokens", "one_time_tokens", "idempotency_keys", "rate_limits", "login_failures", "revocation_feed"} {
			var n int64
			d.Gorm().Table(table).Count(&n)
			before[table] = n
		}

		deleted := sweeper(t, s, d)()
		want := map[string]int64{"revoked_tokens": 1, "refresh_tokens": 1, "one_time_tokens": 2, "idempotency_keys": 1, "rate_limits": 1, "login_failures": 1, "revocation_feed": 1}
		for table, n := range want {
			if deleted[table] != n {
				t.Errorf("%s: deleted %d, want %d (all: %v)", table, deleted[table], n, deleted)
			}
			var left int64
			d.Gorm().Table(table).Count(&left)
			if left != before[table]-n {
				t.Errorf("%s: %d rows left of %d, want %d", table, left, before[table], before[table]-n)
			}
		}
		for _, c := range []struct {
			table, column string
			gone, kept    []string
		}{
			{"revoked_tokens", "jti", []string{"revoked-gone"}, []string{"revoked-in-leeway", "revoked-live"}},
			{"refresh_tokens", "id", []string{"refresh-gone"}, []string{"refresh-rotated-live", "refresh-live"}},
			{"one_time_tokens", "id", []string{"onetime-gone", "onetime-used-gone"}, []string{"onetime-used-live", "onetime-live"}},
			{"idempotency_keys", "idem_key", []string{"idem-gone"}, []string{"idem-live"}},
			{"rate_limits", "bucket", []string{"window-gone"}, []string{"window-previous"}},
			{"login_failures", "ip", []string{"failures-gone"}, []string{"failures-live"}},
			{"revocation_feed", "subject", []string{"feed-gone"}, []string{"feed-in-leeway", "feed-live"}},
		} {
			if n := hkRows(t, d, c.table, c.column, c.gone...); n != 0 {
				t.Errorf("%s: %d expired rows of %v left", c.table, n, c.gone)
			}
			if n := hkRows(t, d, c.table, c.column, c.kept...); n != int64(len(c.kept)) {
				t.Errorf("%s: %d of %v kept, want all", c.table, n, c.kept)
			}
		}
	})
}

// TestSweptRefreshTokensAnswerAsBefore: a spent refresh token that has not expired survives
// the sweep and still ends its session when presented again; one past its expiry is refused
// the same way before and after the sweep removes it, and its session lives on.
func TestSweptRefreshTokensAnswerAsBefore(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		sweep := sweeper(t, s, d)
		must[service.Registration](t)(s.Register(ctx, auth.Principal{}, registerInput("ada@example.com")))
		signIn := func() (first, second service.Token) {
			first = must[service.Token](t)(s.GenerateCustomerToken(ctx, auth.Principal{}, "ada@example.com", goodPassword))
			second = must[service.Token](t)(s.RefreshToken(ctx, auth.Principal{}, first.RefreshToken))
			return first, second
		}

		// Spent, expired: refused before and after the sweep; the session goes on.
		spent, current := signIn()
		err := d.Gorm().Model(&models.RefreshToken{}).Where("rotated_at IS NOT NULL").
			Update("expires_at", db.Now().Add(-time.Second)).Error
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.RefreshToken(ctx, auth.Principal{}, spent.RefreshToken)
		wantKind(t, err, apperr.Unauthenticated)
		if sweep()["refresh_tokens"] != 1 {
			t.Fatal("the sweep did not delete the expired spent token")
		}
		_, err = s.RefreshToken(ctx, auth.Principal{}, spent.RefreshToken)
		wantKind(t, err, apperr.Unauthenticated)
		current = must[service.Token](t)(s.RefreshToken(ctx, auth.Principal{}, current.RefreshToken))

		// Spent, not expired: kept, and presenting it ends the session.
		spent, current = signIn()
		if sweep()["refresh_tokens"] != 0 {
			t.Fatal("the sweep deleted live refresh tokens")
		}
		_, err = s.RefreshToken(ctx, auth.Principal{}, spent.RefreshToken)
		wantKind(t, err, apperr.Unauthenticated)
		_, err = s.RefreshToken(ctx, auth.Principal{}, current.RefreshToken)
		wantKind(t, err, apperr.Unauthenticated)
	})
}
