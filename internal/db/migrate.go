package db

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/clientele/clientele/internal/txretry"
)

// Migration is one versioned schema change. Statements are SQL understood by both SQLite
// and MySQL ({{datetime}}, {{serial}} and {{table}} are replaced per dialect); Seed, when set, runs after
// them in the same transaction.
type Migration struct {
	Version    int
	Name       string
	Statements []string
	Seed       func(tx *gorm.DB) error
}

// Migrate applies, in order, every migration not yet recorded in schema_migrations.
// Instances that start together migrate one after the other: on MySQL under a named lock, on
// SQLite in one transaction, which begins IMMEDIATE and so holds the file's write lock.
func (d *DB) Migrate(ctx context.Context) error {
	if d.Dialect == SQLite {
		return d.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return d.migrate(tx) })
	}
	m, err := d.withoutIOTimeouts()
	if err != nil {
		return err
	}
	defer m.Close()
	unlock, err := m.lock(ctx, MigrationLock(m.dbName))
	if err != nil {
		return err
	}
	defer unlock()
	return m.migrate(m.gorm.WithContext(ctx))
}

// MigrationLock is the MySQL named lock under which migrations of database dbName run. Named
// locks are server-wide: the name carries the database's, so that migrations of other
// databases on the same server (test databases, other tenants) do not wait on each other.
func MigrationLock(dbName string) string {
	name := "clientele_migrate:" + dbName
	return name[:min(len(name), 64)] // MySQL's longest lock name
}

func (d *DB) migrate(conn *gorm.DB) error {
	if err := conn.Exec(d.render(`CREATE TABLE IF NOT EXISTS schema_migrations (
		version INT NOT NULL PRIMARY KEY,
		name VARCHAR(255) NOT NULL,
		applied_at {{datetime}} NOT NULL
	){{table}}`)).Error; err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var applied []int
	if err := conn.Raw("SELECT version FROM schema_migrations").Scan(&applied).Error; err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	done := make(map[int]bool, len(applied))
	for _, v := range applied {
		done[v] = true
	}
	for _, m := range migrations {
		if done[m.Version] {
			continue
		}
		// MySQL commits DDL implicitly, so a failed migration may leave part of its work;
		// the statements are written to be safe to re-run only as a whole migration on a fresh schema.
		err := conn.Transaction(func(tx *gorm.DB) error {
			for _, stmt := range m.Statements {
				if err := tx.Exec(d.render(stmt)).Error; err != nil {
					return fmt.Errorf("%w\n%s", err, stmt)
				}
			}
			if m.Seed != nil {
				if err := m.Seed(tx); err != nil {
					return err
				}
			}
			return tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", m.Version, m.Name, Now()).Error
		})
		if err != nil {
			return fmt.Errorf("migration %d %s: %w", m.Version, m.Name, err)
		}
	}
	return nil
}

func (d *DB) render(stmt string) string {
	// {{serial}} is an auto-increment primary key that never hands out an id again, even
	// after the newest rows are deleted (SQLite needs AUTOINCREMENT for that).
	datetime, serial, table := "DATETIME", "INTEGER PRIMARY KEY AUTOINCREMENT", ""
	if d.Dialect == MySQL {
		datetime, serial, table = "DATETIME(6)", "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY", " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"
	}
	return strings.NewReplacer("{{datetime}}", datetime, "{{serial}}", serial, "{{table}}", table).Replace(stmt)
}

// lockWait is how long an instance waits for another's migrations.
const lockWait = 2 * time.Minute

// lock takes a MySQL named lock on a connection of its own, waiting up to lockWait. TiDB
// does not always wait: under contention GET_LOCK fails with "pessimistic lock retry limit
// reached" (a conflict to txretry), so it is asked again, after a short jittered pause,
// until the time is up.
func (d *DB) lock(ctx context.Context, name string) (unlock func(), err error) {
	deadline := time.Now().Add(lockWait)
	c, err := d.SQL().Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	for {
		var got sql.NullInt64
		seconds := max(1, int(time.Until(deadline).Seconds()+0.999))
		err = c.QueryRowContext(ctx, "SELECT GET_LOCK(?, ?)", name, seconds).Scan(&got)
		if err == nil && got.Int64 == 1 {
			return func() {
				_, _ = c.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK(?)", name)
				c.Close()
			}, nil
		}
		if err == nil || !txretry.Conflict(err) || time.Now().After(deadline) {
			c.Close()
			return nil, fmt.Errorf("lock %s: not granted within %v (%v)", name, lockWait, err)
		}
		pause := 50*time.Millisecond + rand.N(100*time.Millisecond)
		select {
		case <-ctx.Done():
			c.Close()
			return nil, fmt.Errorf("lock %s: %w", name, ctx.Err())
		case <-time.After(pause):
		}
	}
}
