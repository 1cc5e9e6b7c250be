package db_test

import (
	"context"
	"testing"

	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/testdb"
)

// migration12Base is the last migration before 12.
const migration12Base = 11

// TestMigration12MovesErasedEmails: customers erased before migration 12 had
// erased+<id>@invalid, which strict email validators refuse; after it they have
// erased+<id>@erased.invalid, and nobody else's email changes.
func TestMigration12MovesErasedEmails(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			d := migratedThrough(t, dialect, migration12Base)
			ctx := context.Background()
			now := db.Now()
			insert := "INSERT INTO customers (id, email, first_name, last_name, gender, is_subscribed, status, email_verified, security_stamp, " +
				"onboarding_status, metadata, attributes, failed_login_count, erased_at, version, created_at, updated_at) " +
				"VALUES (?, ?, '', '', 'NOT_SPECIFIED', FALSE, ?, FALSE, 's', 'NOT_STARTED', '{}', '[]', 0, ?, 1, ?, ?)"
			for _, row := range [][]any{
				{"c-erased", "erased+c-erased@invalid", "INACTIVE", now},
				{"c-live", "jane@example.com", "ACTIVE", nil},
				// Not erased: an address that merely looks like one is somebody's and stays.
				{"c-lookalike", "erased+x@invalid.example", "ACTIVE", nil},
			} {
				if err := d.Gorm().Exec(insert, row[0], row[1], row[2], row[3], now, now).Error; err != nil {
					t.Fatal(err)
				}
			}
			if err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{
				"c-erased":    "erased+c-erased@erased.invalid",
				"c-live":      "jane@example.com",
				"c-lookalike": "erased+x@invalid.example",
			}
			var rows []struct{ ID, Email string }
			if err := d.Gorm().Raw("SELECT id, email FROM customers").Scan(&rows).Error; err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(want) {
				t.Fatalf("customers after migration 12: %+v", rows)
			}
			for _, r := range rows {
				if want[r.ID] != r.Email {
					t.Errorf("customer %s: email %q after migration 12, want %q", r.ID, r.Email, want[r.ID])
				}
			}
			var applied int64
			d.Gorm().Raw("SELECT COUNT(*) FROM schema_migrations WHERE version = 12").Scan(&applied)
			if applied != 1 {
				t.Fatalf("migration 12 recorded %d times", applied)
			}
		})
	}
}
