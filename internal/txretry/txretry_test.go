package txretry_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/txretry"
)

var (
	deadlock  = &mysql.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock; try restarting transaction"}
	duplicate = &mysql.MySQLError{Number: 1062, Message: "Duplicate entry 'a' for key 'ux'"}
	fast      = txretry.Policy{Attempts: 4, Base: time.Millisecond, Max: 4 * time.Millisecond}
)

// wantUnavailable checks that err is UNAVAILABLE with a Retry-After and still carries cause.
func wantUnavailable(t *testing.T, err, cause error) {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.Unavailable || ae.RetryAfter <= 0 {
		t.Fatalf("want UNAVAILABLE with RetryAfter, got %#v", err)
	}
	if !errors.Is(err, cause) {
		t.Fatalf("the cause %v is lost in %v", cause, err)
	}
}

func TestRunRetriesADeadlockThenSucceeds(t *testing.T) {
	runs := 0
	err := fast.Run(context.Background(), func() error {
		runs++
		if runs == 1 {
			// As the service returns it: classified, with the driver's error inside.
			return apperr.Wrap(apperr.Internal, fmt.Errorf("insert: %w", deadlock), "An internal error occurred.")
		}
		return nil
	})
	if err != nil || runs != 2 {
		t.Fatalf("got %v after %d runs, want success after 2", err, runs)
	}
}

func TestRunGivesUpAsUnavailable(t *testing.T) {
	for _, conflict := range []*mysql.MySQLError{deadlock, {Number: 1205}, {Number: 9007}, {Number: 8022}, {Number: 8028},
		{Number: 1105, Message: "pessimistic lock retry limit reached"}} {
		runs := 0
		err := fast.Run(context.Background(), func() error { runs++; return conflict })
		if runs != fast.Attempts {
			t.Errorf("%d: ran %d times, want %d", conflict.Number, runs, fast.Attempts)
		}
		wantUnavailable(t, err, conflict)
	}
}

func TestRunDoesNotRetryOtherErrors(t *testing.T) {
	for _, fail := range []error{duplicate, apperr.New(apperr.Conflict, "taken"), errors.New("boom"),
		&mysql.MySQLError{Number: 1105, Message: "some other failure"}} {
		runs := 0
		err := fast.Run(context.Background(), func() error { runs++; return fail })
		if runs != 1 || err != fail {
			t.Errorf("%v: ran %d times and returned %v, want once and the error itself", fail, runs, err)
		}
	}
}

// A transaction that could not begin or commit because the database is gone is UNAVAILABLE,
// not the raw driver error (which would be a 500).
func TestRunClassifiesOutages(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, fail := range []error{refused, driver.ErrBadConn, mysql.ErrInvalidConn, sql.ErrConnDone,
		errors.New("sql: database is closed"), &mysql.MySQLError{Number: 1290, Message: "The MariaDB server is running with the --read-only option"},
		&mysql.MySQLError{Number: 1792}, &mysql.MySQLError{Number: 1040}, context.DeadlineExceeded} {
		runs := 0
		err := fast.Run(context.Background(), func() error { runs++; return fail })
		if runs != 1 {
			t.Errorf("%v: ran %d times, want once", fail, runs)
		}
		wantUnavailable(t, err, fail)
	}
}

func TestRunStopsAtTheDeadline(t *testing.T) {
	// Every wait is at least 500 ms (half of Base, the rest jitter), so a run that waits at
	// all takes far longer than the bounds below, however loaded the machine.
	slow := txretry.Policy{Attempts: 10, Base: time.Second, Max: 2 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start, runs := time.Now(), 0
	err := slow.Run(ctx, func() error { runs++; return deadlock })
	if took := time.Since(start); took > 400*time.Millisecond || runs != 1 {
		t.Fatalf("ran %d times in %v; a wait past the deadline should end it at once", runs, took)
	}
	wantUnavailable(t, err, deadlock)

	// A context cancelled while waiting ends the wait.
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start, runs = time.Now(), 0
	err = slow.Run(ctx, func() error { runs++; return deadlock })
	if took := time.Since(start); took > 400*time.Millisecond || runs != 1 {
		t.Fatalf("ran %d times in %v after the cancel", runs, took)
	}
	wantUnavailable(t, err, deadlock)
}

// The waits grow: the n-th is at least half of Base·2^(n-1) (the rest is jitter).
func TestRunBacksOffWithJitter(t *testing.T) {
	p := txretry.Policy{Attempts: 4, Base: 8 * time.Millisecond, Max: time.Second}
	var gaps []time.Duration
	last := time.Now()
	_ = p.Run(context.Background(), func() error {
		gaps = append(gaps, time.Since(last))
		last = time.Now()
		return deadlock
	})
	for i, gap := range gaps[1:] {
		low := p.Base << i / 2
		if gap < low {
			t.Errorf("wait %d was %v, want at least %v", i+1, gap, low)
		}
	}
	if gaps[3] < gaps[1] {
		t.Errorf("waits %v do not grow", gaps[1:])
	}
}

func TestUnavailableLeavesStatementErrorsAlone(t *testing.T) {
	for _, err := range []error{nil, duplicate, errors.New("syntax"), &mysql.MySQLError{Number: 1054}} {
		if ae := txretry.Unavailable(err); ae != nil {
			t.Errorf("%v classified as %v", err, ae)
		}
	}
}

// sqliteErr looks like the SQLite driver's errors.
type sqliteErr int

func (e sqliteErr) Error() string { return fmt.Sprintf("sqlite error %d", int(e)) }
func (e sqliteErr) Code() int     { return int(e) }

func TestSQLiteCodes(t *testing.T) {
	for code, want := range map[int][2]bool{5: {true, false}, 517: {true, false}, 6: {true, false}, 8: {false, true},
		10: {false, true}, 19: {false, false}, 1: {false, false}} {
		err := fmt.Errorf("exec: %w", sqliteErr(code))
		if got := [2]bool{txretry.Conflict(err), txretry.Unreachable(err)}; got != want {
			t.Errorf("code %d: conflict, unreachable = %v, want %v", code, got, want)
		}
	}
}
