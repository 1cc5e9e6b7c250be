package testdb

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"testing"

	"github.com/clientele/clientele/internal/db"
)

// TestCopyIsAMigratedDatabase: what New gives is what migrating a fresh database gives, the
// same objects with the same definitions and as many rows, on each dialect, and the template's
// very rows. A migration that adds something the copy does not carry (a view, a trigger) fails
// here.
func TestCopyIsAMigratedDatabase(t *testing.T) {
	for _, dialect := range Dialects() {
		t.Run(dialect, func(t *testing.T) {
			copied := New(t, dialect)
			migrated, err := db.Open(URL(t, dialect))
			if err != nil {
				t.Fatal(err)
			}
			defer migrated.Close()
			if err := migrated.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			want, got := describe(t, migrated), describe(t, copied)
			if !slices.Equal(got, want) {
				t.Errorf("the copy differs from a migrated database:\ncopy:     %q\nmigrated: %q", got, want)
			}
			// The rows themselves (SQLite's copy is the template's file): a migration's own rows
			// differ between two migrations (ids, times), so they are compared with the template.
			if dialect != db.MySQL {
				return
			}
			for _, table := range templates[db.MySQL].tables {
				_, rows, err := readRows(context.Background(), copied.SQL(), table.name)
				if err != nil || !reflect.DeepEqual(rows, table.rows) {
					t.Errorf("%s: the copy's rows differ from the template's (%v)", table.name, err)
				}
			}
		})
	}
}

// autoIncrement is the next id MySQL shows in a table's definition, which rows deleted by a
// migration leave behind in one and not in the other.
var autoIncrement = regexp.MustCompile(` AUTO_INCREMENT=\d+`)

// describe lists a database's schema objects with their definitions, and each table's row
// count (and, on MySQL, definition).
func describe(t *testing.T, d *db.DB) []string {
	t.Helper()
	q := "SELECT type || ' ' || name || ': ' || COALESCE(sql, '') FROM sqlite_master ORDER BY type, name"
	tables := "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
	if d.Dialect == db.MySQL {
		q = `SELECT CONCAT(kind, ' ', name) FROM (
			SELECT CONCAT(table_type, '') AS kind, table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()
			UNION ALL SELECT 'TRIGGER', trigger_name FROM information_schema.triggers WHERE trigger_schema = DATABASE()
			UNION ALL SELECT routine_type, routine_name FROM information_schema.routines WHERE routine_schema = DATABASE()
			UNION ALL SELECT 'EVENT', event_name FROM information_schema.events WHERE event_schema = DATABASE()) o ORDER BY kind, name`
		tables = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name"
	}
	var out, names []string
	if err := d.Gorm().Raw(q).Scan(&out).Error; err != nil {
		t.Fatal(err)
	}
	if err := d.Gorm().Raw(tables).Scan(&names).Error; err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		var rows int
		if err := d.Gorm().Raw("SELECT COUNT(*) FROM `" + name + "`").Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		entry := fmt.Sprintf("%s: %d rows", name, rows)
		if d.Dialect == db.MySQL {
			var create string
			if err := d.SQL().QueryRow("SHOW CREATE TABLE `"+name+"`").Scan(new(string), &create); err != nil {
				t.Fatal(err)
			}
			entry += ", " + autoIncrement.ReplaceAllString(create, "")
		}
		out = append(out, entry)
	}
	return out
}
