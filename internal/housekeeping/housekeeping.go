// Package housekeeping deletes expired rows so that no table grows without bound (SPEC §9
// "Housekeeping"). One instance at a time sweeps, the holder of a lease row; it deletes in
// bounded batches, oldest first, so that no statement holds many locks or runs long.
// Which rows are expired is the business layer's knowledge: it passes Rules in.
package housekeeping

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"gorm.io/gorm"

	"github.com/clientele/clientele/internal/db"
)

// Rule names the expired rows of one table: those whose Column is older than now - Keep.
// Column must be an indexed datetime column.
type Rule struct {
	Table  string
	Column string
	Keep   time.Duration
}

// Defaults of a Sweeper.
const (
	DefaultBatch = 1000
	DefaultPause = 100 * time.Millisecond
	// LeaseName is the row of the leases table the sweeping instance holds.
	LeaseName = "housekeeping"
)

// Sweeper deletes the rows its rules name as expired.
type Sweeper struct {
	db     *db.DB
	log    *slog.Logger
	rules  []Rule
	holder string
	// Batch is the most rows one statement deletes; a shorter batch ends a table's sweep.
	Batch int
	// Pause is the wait between two batches, which lets other writers in.
	Pause time.Duration
	// Now is the clock (db.Now unless a test moves it).
	Now func() time.Time
}

// New returns a sweeper of rules over d, with a holder name of its own for the lease.
func New(d *db.DB, log *slog.Logger, rules ...Rule) *Sweeper {
	host, _ := os.Hostname()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	holder := hex.EncodeToString(b)
	if host != "" {
		holder = fmt.Sprintf("%.64s/%d/%s", host, os.Getpid(), holder)
	}
	return &Sweeper{db: d, log: log, rules: rules, holder: holder, Batch: DefaultBatch, Pause: DefaultPause, Now: db.Now}
}

// Run sweeps every `every` until ctx ends. Every instance may run it: each tick, the one
// that holds the lease (or takes it, when it ran out) sweeps, and the others skip.
func (s *Sweeper) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		s.log.InfoContext(ctx, "housekeeping off: CLIENTELE_HOUSEKEEPING_INTERVAL is not positive")
		return
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		swept, err := s.Tick(ctx, every)
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.WarnContext(ctx, "housekeeping: sweep failed; retrying at the next interval", "err", err)
		case len(swept) > 0:
			s.log.InfoContext(ctx, "housekeeping: expired rows deleted", "rows", swept)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// errLeaseLost ends a sweep whose lease another instance took (this one was too slow to renew).
var errLeaseLost = errors.New("housekeeping: the lease was taken by another instance")

// Tick takes or renews the lease for `every` and, if this instance holds it, sweeps every
// rule. It returns the rows deleted per table (nil when another instance holds the lease).
func (s *Sweeper) Tick(ctx context.Context, every time.Duration) (map[string]int64, error) {
	held, err := s.acquire(ctx, every)
	if err != nil || !held {
		return nil, err
	}
	deleted := make(map[string]int64, len(s.rules))
	for _, r := range s.rules {
		n, err := s.sweep(ctx, r, every)
		if n > 0 {
			deleted[r.Table] = n
		}
		if err != nil {
			return deleted, fmt.Errorf("sweep %s: %w", r.Table, err)
		}
	}
	return deleted, nil
}

// sweep deletes r's expired rows a batch at a time until a batch comes up short, renewing
// the lease after each.
func (s *Sweeper) sweep(ctx context.Context, r Rule, every time.Duration) (int64, error) {
	var total int64
	for {
		n, err := s.deleteBatch(ctx, r, s.Now().Add(-r.Keep))
		total += n
		if err != nil || n < int64(s.Batch) {
			return total, err
		}
		select {
		case <-ctx.Done():
			return total, ctx.Err()
		case <-time.After(s.Pause):
		}
		if held, err := s.renew(ctx, every); err != nil {
			return total, err
		} else if !held {
			return total, errLeaseLost
		}
	}
}

// deleteBatch deletes at most s.Batch rows of r older than cutoff, oldest first, through
// the index on r.Column.
func (s *Sweeper) deleteBatch(ctx context.Context, r Rule, cutoff time.Time) (int64, error) {
	conn := s.db.Conn(ctx)
	if s.db.Dialect == db.SQLite {
		// One writer at a time, and subqueries may LIMIT: one statement.
		res := conn.Exec(`DELETE FROM `+r.Table+` WHERE rowid IN (SELECT rowid FROM `+r.Table+
			` WHERE `+r.Column+` < ? ORDER BY `+r.Column+` LIMIT ?)`, cutoff, s.Batch)
		return res.RowsAffected, res.Error
	}
	// One single-table DELETE walks the expired end of the index on r.Column and stops after
	// s.Batch rows; a multi-row IN list of keys would make MariaDB scan the whole table and
	// lock every row it passes.
	res := conn.Exec(`DELETE FROM `+r.Table+` WHERE `+r.Column+` < ? ORDER BY `+r.Column+` LIMIT ?`, cutoff, s.Batch)
	return res.RowsAffected, res.Error
}

// acquire takes the lease until now+every if it is free, has run out, or is this
// instance's already; it reports whether this instance holds it. It is a conditional UPDATE
// (or the first INSERT), which every supported database serialises on the row, so two
// instances never both see it granted.
func (s *Sweeper) acquire(ctx context.Context, every time.Duration) (bool, error) {
	now := s.Now()
	conn := s.db.Conn(ctx)
	res := conn.Exec(`UPDATE leases SET holder = ?, expires_at = ? WHERE name = ? AND (holder = ? OR expires_at < ?)`,
		s.holder, now.Add(every), LeaseName, s.holder, now)
	if res.Error != nil || res.RowsAffected == 1 {
		return res.Error == nil, res.Error
	}
	err := conn.Exec(`INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)`, LeaseName, s.holder, now.Add(every)).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return false, nil // held by another instance
	}
	return err == nil, err
}

// renew extends the lease this instance holds; false means another instance has it.
func (s *Sweeper) renew(ctx context.Context, every time.Duration) (bool, error) {
	res := s.db.Conn(ctx).Exec(`UPDATE leases SET expires_at = ? WHERE name = ? AND holder = ?`,
		s.Now().Add(every), LeaseName, s.holder)
	return res.RowsAffected == 1, res.Error
}
