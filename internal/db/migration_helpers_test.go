package db_test

import (
	"context"
	"testing"

	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/testdb"
)

// migratedThrough returns a fresh database of dialect with the migrations up to version
// applied and no later ones, so a test can put data in an older schema and then call Migrate
// to watch a later migration carry it over. It is closed when the test ends.
func migratedThrough(t *testing.T, dialect string, version int) *db.DB {
	t.Helper()
	d, err := db.Open(testdb.URL(t, dialect))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	restore := db.OnlyMigrationsThrough(version)
	err = d.Migrate(context.Background())
	restore()
	if err != nil {
		t.Fatal(err)
	}
	return d
}
