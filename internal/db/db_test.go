package db_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/testdb"
)

func TestMigrateIsRecordedAndIdempotent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		// testdb.New gives a migrated database (a copy of one); migrating again finds nothing to do.
		if err := d.Migrate(context.Background()); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		var versions []int
		if err := d.Gorm().Raw("SELECT version FROM schema_migrations ORDER BY version").Scan(&versions).Error; err != nil {
			t.Fatal(err)
		}
		if len(versions) == 0 || versions[0] != 1 {
			t.Fatalf("recorded migrations = %v", versions)
		}
		var roles int
		if err := d.Gorm().Raw("SELECT COUNT(*) FROM roles WHERE name = 'Super Administrator'").Scan(&roles).Error; err != nil || roles != 1 {
			t.Fatalf("seeded Super Administrator roles = %d (%v)", roles, err)
		}
	})
}

var errInnerStep = errors.New("inner step failed")

func TestTxReusesTheOuterTransaction(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		insert := func(ctx context.Context, key string) error {
			return d.Conn(ctx).Exec("INSERT INTO settings (`key`, value) VALUES (?, 'v')", key).Error
		}
		err := d.Tx(ctx, func(ctx context.Context) error {
			if err := insert(ctx, "outer"); err != nil {
				return err
			}
			return d.Tx(ctx, func(ctx context.Context) error {
				if err := insert(ctx, "inner"); err != nil {
					return err
				}
				return errInnerStep // fail the inner step: the whole unit rolls back
			})
		})
		if err != errInnerStep {
			t.Fatalf("Tx error = %v", err)
		}
		var n int
		d.Gorm().Raw("SELECT COUNT(*) FROM settings WHERE `key` IN ('outer', 'inner')").Scan(&n)
		if n != 0 {
			t.Fatalf("%d rows survived a rolled-back transaction", n)
		}
	})
}

func TestOpenRejectsUnknownURLs(t *testing.T) {
	for _, u := range []string{"postgres://x/y", "sqlite:", "mysql://host-only", "clientele.db"} {
		if _, err := db.Open(u); err == nil {
			t.Errorf("Open(%q) succeeded", u)
		}
	}
}

func TestMySQLDSN(t *testing.T) {
	dsn, err := db.MySQLDSN("mysql://app:s3cr%40t@db.internal/clientele?timeout=5s")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"app:s3cr@t@tcp(db.internal:3306)/clientele?", "parseTime=true", "loc=UTC", "interpolateParams=true", "timeout=5s"} {
		if !strings.Contains(dsn, want) {
			t.Errorf("DSN %q lacks %q", dsn, want)
		}
	}
}

// Instances that start together may migrate at the same time: every one must succeed and the
// schema end up migrated once.
func TestConcurrentMigrations(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			url := testdb.URL(t, dialect)
			errs := make(chan error, 4)
			for range 4 {
				go func() {
					d, err := db.Open(url)
					if err != nil {
						errs <- err
						return
					}
					defer d.Close()
					errs <- d.Migrate(context.Background())
				}()
			}
			for range 4 {
				if err := <-errs; err != nil {
					t.Fatalf("concurrent migrate: %v", err)
				}
			}
		})
	}
}

// TestMigrationsOutwaitTheReadTimeout: an instance waiting for another's migration lock waits
// longer than the pool's readTimeout lets a statement run (readTimeout cuts GET_LOCK's silent
// wait with "invalid connection"), and migrates once the lock is free.
func TestMigrationsOutwaitTheReadTimeout(t *testing.T) {
	url := testdb.URL(t, db.MySQL) // skips without MariaDB
	lock := db.MigrationLock(url[strings.LastIndex(url, "/")+1:])
	holder, err := db.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	ctx := context.Background()
	conn, err := holder.SQL().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var got int
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 5)", lock).Scan(&got); err != nil || got != 1 {
		t.Fatalf("take the lock: %v %d", err, got)
	}
	waiter, err := db.Open(url + "?readTimeout=1s")
	if err != nil {
		t.Fatal(err)
	}
	defer waiter.Close()
	done := make(chan error, 1)
	go func() { done <- waiter.Migrate(ctx) }()
	select {
	case err := <-done:
		t.Fatalf("migrated while the lock was held: %v", err)
	case <-time.After(2500 * time.Millisecond): // well past the 1 s read timeout
	}
	if _, err := conn.ExecContext(ctx, "SELECT RELEASE_LOCK(?)", lock); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("migrate after the lock was freed: %v", err)
	}
}
