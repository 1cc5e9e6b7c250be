// Package testdb gives tests fresh, migrated databases: SQLite in a temporary directory
// always, and a fresh MariaDB/MySQL database when CLIENTELE_TEST_MYSQL_URL is set
// (mysql://user:pass@host:port/anydb; each test creates and drops its own database). Each is a
// copy of a database migrated once per test process.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/db"
)

// EnvMySQL names the variable that turns on the MySQL runs.
const EnvMySQL = "CLIENTELE_TEST_MYSQL_URL"

// Each runs fn as a subtest once per available database: "sqlite", and "mysql" when
// CLIENTELE_TEST_MYSQL_URL is set. The subtests run in parallel, with each other and with the
// package's other parallel tests, once the calling test has returned: fn must not share
// anything with its siblings, and the caller must not look at what they did.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, dialect := range Dialects() {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			fn(t, New(t, dialect))
		})
	}
}

// Dialects lists the databases tests run on here.
func Dialects() []string {
	if os.Getenv(EnvMySQL) != "" {
		return []string{db.SQLite, db.MySQL}
	}
	return []string{db.SQLite}
}

// New returns a fresh migrated database of dialect, removed when the test ends: a copy of one
// migrated once per test process (template.go).
func New(t testing.TB, dialect string) *db.DB {
	t.Helper()
	u := URL(t, dialect)
	tpl, err := migrated(dialect, u)
	if err != nil {
		t.Fatalf("migrate the template %s database: %v", dialect, err)
	}
	if err := tpl.copyTo(context.Background(), u); err != nil {
		t.Fatalf("copy the template %s database: %v", dialect, err)
	}
	d, err := db.Open(u)
	if err != nil {
		t.Fatalf("open %s: %v", dialect, err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// URL returns the CLIENTELE_DATABASE_URL of a fresh, empty database of dialect.
func URL(t testing.TB, dialect string) string {
	t.Helper()
	if dialect == db.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "test.db")
	}
	raw := os.Getenv(EnvMySQL)
	if raw == "" {
		t.Skip(EnvMySQL + " is not set")
	}
	u, drop, err := createDatabase(raw)
	if err != nil {
		t.Fatalf("%s: %v", config.MaskURL(raw), err)
	}
	t.Cleanup(drop)
	return u
}

// createDatabase creates an empty database on the server of the MySQL database at raw, and
// returns its URL and how to drop it.
func createDatabase(raw string) (string, func(), error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", nil, err
	}
	name := "t_" + randomHex(8)
	admin, err := db.Open(raw)
	if err != nil {
		return "", nil, err
	}
	defer admin.Close()
	if err := admin.Gorm().Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci").Error; err != nil {
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	drop := func() {
		if d, err := db.Open(raw); err == nil {
			_ = d.Gorm().Exec("DROP DATABASE IF EXISTS " + name).Error
			_ = d.Close()
		}
	}
	u.Path = "/" + name
	return u.String(), drop, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
