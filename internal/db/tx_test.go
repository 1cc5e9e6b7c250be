package db_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/testdb"
)

func wantUnavailable(t *testing.T, err error) {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.Unavailable || ae.RetryAfter <= 0 {
		t.Fatalf("want UNAVAILABLE with RetryAfter, got %v", err)
	}
}

// An inner Tx reuses the outer transaction, so a conflict inside it must end the whole
// transaction and run it again from the start: retrying only the inner part would run it
// in a transaction the database has already rolled back.
func TestTxRetriesOnlyTheOutermostTransaction(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		outerRuns, innerRuns := 0, 0
		err := d.Tx(ctx, func(ctx context.Context) error {
			outerRuns++
			if err := d.Conn(ctx).Exec("INSERT INTO settings (`key`, value) VALUES ('retried', 'v')").Error; err != nil {
				return err
			}
			return d.Tx(ctx, func(ctx context.Context) error {
				innerRuns++
				if outerRuns == 1 {
					return &mysql.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock"}
				}
				return nil
			})
		})
		if err != nil || outerRuns != 2 || innerRuns != 2 {
			t.Fatalf("got %v after %d outer and %d inner runs, want success after 2 and 2", err, outerRuns, innerRuns)
		}
		var n int64
		d.Gorm().Table("settings").Where("`key` = 'retried'").Count(&n)
		if n != 1 {
			t.Fatalf("%d rows written, want 1: the first run must have been rolled back", n)
		}
	})
}

// Two transactions that lock two rows in opposite orders deadlock on MySQL; the one the
// server rolls back runs again and both commit.
func TestTxRetriesARealDeadlock(t *testing.T) {
	d := testdb.New(t, db.MySQL)
	ctx := context.Background()
	if err := d.Gorm().Exec("INSERT INTO settings (`key`, value) VALUES ('x', '0'), ('y', '0')").Error; err != nil {
		t.Fatal(err)
	}
	var runs atomic.Int32
	var bothHoldOne sync.WaitGroup
	bothHoldOne.Add(2)
	lockInOrder := func(first, second string) error {
		firstRun := true
		return d.Tx(ctx, func(ctx context.Context) error {
			runs.Add(1)
			conn := d.Conn(ctx)
			if err := conn.Exec("UPDATE settings SET value = value + 1 WHERE `key` = ?", first).Error; err != nil {
				return err
			}
			if firstRun {
				firstRun = false
				bothHoldOne.Done()
				bothHoldOne.Wait()
			}
			return conn.Exec("UPDATE settings SET value = value + 1 WHERE `key` = ?", second).Error
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- lockInOrder("x", "y") }()
	go func() { errs <- lockInOrder("y", "x") }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("a transaction failed: %v", err)
		}
	}
	if runs.Load() != 3 {
		t.Fatalf("%d runs, want 3: the deadlock victim once more", runs.Load())
	}
	var values []int
	d.Gorm().Raw("SELECT value FROM settings WHERE `key` IN ('x', 'y')").Scan(&values)
	if len(values) != 2 || values[0] != 2 || values[1] != 2 {
		t.Fatalf("values %v, want [2 2]: each transaction's increments exactly once", values)
	}
}

// A transaction that cannot begin because the pool is closed (an instance shutting down, a
// database gone) is UNAVAILABLE, not a raw driver error.
func TestTxOnAClosedDatabaseIsUnavailable(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		_ = d.Close()
		ran := false
		err := d.Tx(context.Background(), func(context.Context) error { ran = true; return nil })
		if ran {
			t.Fatal("fn ran without a transaction")
		}
		wantUnavailable(t, err)
	})
}
