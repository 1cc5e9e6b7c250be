// Package txretry keeps the database's own concurrency control and outages away from clients
// (SPEC §6, §9 "Outages"). It tells a transaction the database refused for a deadlock,
// lock-wait timeout or write conflict (worth running again) and a database that cannot be
// reached (worth a 503) apart from a statement that failed, and runs a refused transaction
// again a few times with jittered back-off.
package txretry

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// Policy bounds the runs of one transaction.
type Policy struct {
	Attempts int           // runs in all, the first included
	Base     time.Duration // the wait before the second run; it doubles for each run after
	Max      time.Duration // the longest wait
}

// Default is what db.Tx uses: four runs, waiting 12–25, 25–50 and 50–100 ms in between. A
// deadlock victim usually commits on its second run; four runs that all lose mean the
// database is overloaded, and the client is better served by a 503 it can retry later.
var Default = Policy{Attempts: 4, Base: 25 * time.Millisecond, Max: time.Second}

// Run calls attempt until it returns something other than a conflict (see Conflict), the
// attempts are spent, or waiting for the next one would pass ctx's deadline. attempt must
// run a whole transaction from its beginning. A conflict that outlasts the retries is
// UNAVAILABLE with RetryAfter; any other fault of the database that is not yet an
// *apperr.Error (a transaction that could not begin or commit) is classified by Unavailable.
func (p Policy) Run(ctx context.Context, attempt func() error) error {
	for run := 1; ; run++ {
		err := attempt()
		if err == nil {
			return nil
		}
		if !Conflict(err) {
			return classify(ctx, err)
		}
		if run >= p.Attempts {
			return busy(err)
		}
		wait := p.backoff(run)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return busy(err)
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return busy(err)
		case <-timer.C:
		}
	}
}

// classify turns an unclassified fault of the database into UNAVAILABLE. A transaction cut
// short by its context fails with whatever database/sql saw last (sql.ErrTxDone, say), so
// the context decides.
func classify(ctx context.Context, err error) error {
	if isAppErr(err) {
		return err
	}
	if ae := Unavailable(err); ae != nil {
		return ae
	}
	if ctx.Err() != nil {
		return Unavailable(fmt.Errorf("%w: %w", ctx.Err(), err))
	}
	return err
}

// Run runs attempt under the Default policy.
func Run(ctx context.Context, attempt func() error) error { return Default.Run(ctx, attempt) }

// backoff is the wait after the run-th run: half of Base·2^(run-1) (at most Max) plus a
// random part of up to as much again, so that the transactions that deadlocked together do
// not meet again on the same schedule.
func (p Policy) backoff(run int) time.Duration {
	d := p.Base << (run - 1)
	if d > p.Max || d <= 0 {
		d = p.Max
	}
	half := d / 2
	return half + rand.N(half+1)
}
