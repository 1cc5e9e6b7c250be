package housekeeping_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/housekeeping"
	"github.com/clientele/clientele/internal/testdb"
	"github.com/clientele/clientele/models"
)

var (
	quiet = slog.New(slog.NewTextHandler(io.Discard, nil))
	// Two tables, one keyed by a string and one by a string and a time.
	revokedRule = housekeeping.Rule{Table: "revoked_tokens", Column: "expires_at"}
	windowsRule = housekeeping.Rule{Table: "rate_limits", Column: "window_start", Keep: 2 * time.Minute}
)

// seed inserts expired and live rows under both rules; names carry the prefix.
func seed(t *testing.T, d *db.DB, prefix string, expired, live int) {
	t.Helper()
	now := db.Now()
	var revoked []models.RevokedToken
	var windows []models.RateLimit
	for i := range expired + live {
		at := now.Add(-time.Hour - time.Duration(i)*time.Second)
		if i >= expired {
			at = now.Add(time.Hour)
		}
		revoked = append(revoked, models.RevokedToken{JTI: fmt.Sprintf("%s-%d", prefix, i), ExpiresAt: at})
		windows = append(windows, models.RateLimit{Bucket: fmt.Sprintf("%s-%d", prefix, i%7), WindowStart: at.Add(time.Duration(i) * time.Microsecond), Hits: 1})
	}
	if err := d.Gorm().Create(&revoked).Error; err != nil {
		t.Fatal(err)
	}
	if err := d.Gorm().Create(&windows).Error; err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, d *db.DB, table string) int64 {
	t.Helper()
	var n int64
	if err := d.Gorm().Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// deleteStatements counts the DELETE statements run through d and the most rows one deleted.
type deleteStatements struct {
	n, most atomic.Int64
}

func countDeletes(t *testing.T, d *db.DB) *deleteStatements {
	t.Helper()
	c := &deleteStatements{}
	err := d.Gorm().Callback().Raw().After("gorm:raw").Register("housekeeping_test:deletes", func(tx *gorm.DB) {
		if strings.HasPrefix(strings.TrimSpace(tx.Statement.SQL.String()), "DELETE") {
			c.n.Add(1)
			if tx.RowsAffected > c.most.Load() {
				c.most.Store(tx.RowsAffected)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSweepDeletesExpiredRowsInBatches: with batches of 10, 35 expired rows per table take
// four statements of at most 10 rows each, and the live rows stay.
func TestSweepDeletesExpiredRowsInBatches(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		seed(t, d, "r", 35, 6)
		deletes := countDeletes(t, d)
		s := housekeeping.New(d, quiet, revokedRule, windowsRule)
		s.Batch, s.Pause = 10, time.Millisecond

		deleted, err := s.Tick(context.Background(), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if deleted["revoked_tokens"] != 35 || deleted["rate_limits"] != 35 {
			t.Fatalf("deleted %v, want 35 of each table", deleted)
		}
		if n := count(t, d, "revoked_tokens"); n != 6 {
			t.Fatalf("%d revoked tokens left, want the 6 live ones", n)
		}
		if n := count(t, d, "rate_limits"); n != 6 {
			t.Fatalf("%d rate-limit windows left, want the 6 live ones", n)
		}
		if n, most := deletes.n.Load(), deletes.most.Load(); n != 8 || most != 10 {
			t.Fatalf("%d DELETE statements deleting at most %d rows each, want 8 (4 per table) of at most 10", n, most)
		}

		// Nothing expired: one short statement per table.
		deletes.n.Store(0)
		if deleted, err := s.Tick(context.Background(), time.Hour); err != nil || len(deleted) != 0 {
			t.Fatalf("second sweep deleted %v (%v), want nothing", deleted, err)
		}
		if n := deletes.n.Load(); n > 2 {
			t.Fatalf("an empty sweep ran %d DELETE statements", n)
		}
	})
}

// instances opens n handles on one fresh database, as n instances of the service would.
func instances(t *testing.T, dialect string, n int) []*db.DB {
	t.Helper()
	url := testdb.URL(t, dialect)
	var out []*db.DB
	for range n {
		d, err := db.Open(url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = d.Close() })
		out = append(out, d)
	}
	if err := out[0].Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestOneInstanceSweepsAtATime: sweepers on two instances tick at the same moment, twenty
// times over with the lease run out before each round; each time exactly one sweeps. While
// the lease runs the holder keeps sweeping and the other does not; once it runs out (the
// holder died) the other takes over.
func TestOneInstanceSweepsAtATime(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			dbs := instances(t, dialect, 2)
			sweepers := []*housekeeping.Sweeper{housekeeping.New(dbs[0], quiet, revokedRule), housekeeping.New(dbs[1], quiet, revokedRule)}
			expire := func() {
				t.Helper()
				if err := dbs[0].Gorm().Exec("UPDATE leases SET expires_at = ?", db.Now().Add(-time.Second)).Error; err != nil {
					t.Fatal(err)
				}
			}
			wins := make([]int, 2)
			for round := range 20 {
				seed(t, dbs[0], fmt.Sprintf("round%d", round), 3, 0)
				expire()
				var wg sync.WaitGroup
				start := make(chan struct{})
				swept := make([]bool, 2)
				for i, s := range sweepers {
					wg.Go(func() {
						<-start
						deleted, err := s.Tick(context.Background(), time.Hour)
						if err != nil {
							t.Error(err)
						}
						swept[i] = deleted != nil
					})
				}
				close(start)
				wg.Wait()
				if swept[0] == swept[1] {
					t.Fatalf("round %d: swept = %v, want exactly one sweeper", round, swept)
				}
				if n := count(t, dbs[0], "revoked_tokens"); n != 0 {
					t.Fatalf("round %d: %d expired rows left", round, n)
				}
				for i := range swept {
					if swept[i] {
						wins[i]++
					}
				}
			}
			t.Logf("sweeps won per instance: %v", wins)

			// The holder renews; the other waits for the lease to run out.
			holder := 0
			if d, _ := sweepers[0].Tick(context.Background(), time.Hour); d == nil {
				holder = 1
			}
			other := 1 - holder
			if d, err := sweepers[holder].Tick(context.Background(), time.Hour); d == nil || err != nil {
				t.Fatalf("the holder did not sweep again (%v)", err)
			}
			if d, err := sweepers[other].Tick(context.Background(), time.Hour); d != nil || err != nil {
				t.Fatalf("the other instance swept while the lease ran (%v)", err)
			}
			expire()
			if d, err := sweepers[other].Tick(context.Background(), time.Hour); d == nil || err != nil {
				t.Fatalf("the other instance did not take the lease once it ran out (%v)", err)
			}
		})
	}
}

// TestRunStopsWhenCancelled: Run returns promptly on cancel, whether it waits for the next
// interval or pauses between two batches of a long sweep.
func TestRunStopsWhenCancelled(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		seed(t, d, "c", 25, 0)
		s := housekeeping.New(d, quiet, revokedRule)
		s.Batch = 10
		for _, c := range []struct {
			name  string
			pause time.Duration
			left  int64
		}{{"mid-sweep", time.Hour, 15}, {"between intervals", time.Millisecond, 0}} {
			s.Pause = c.pause
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); s.Run(ctx, time.Hour) }()
			time.Sleep(300 * time.Millisecond)
			cancel()
			select {
			case <-done:
			case <-time.After(2 * time.Second):
				t.Fatalf("%s: Run did not return within 2 s of cancel", c.name)
			}
			// Mid-sweep, one batch went before the pause; the second run finished the rest.
			if n := count(t, d, "revoked_tokens"); n != c.left {
				t.Fatalf("%s: %d expired rows left, want %d", c.name, n, c.left)
			}
		}
	})
}
