package db_test

import (
	"context"
	"testing"

	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/testdb"
)

// TestMigration11CarriesRolesOver: before migration 11 a membership's one role lived in
// company_users.role_id; after it, a company user's roles are read from company_user_roles
// alone, so every existing membership must be found there with its role first.
func TestMigration11CarriesRolesOver(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			d := migratedThrough(t, dialect, 10)
			ctx := context.Background()
			now := db.Now()
			exec := func(query string, args ...any) {
				t.Helper()
				if err := d.Gorm().Exec(query, args...).Error; err != nil {
					t.Fatal(err)
				}
			}
			for _, id := range []string{"c1", "c2"} {
				exec(`INSERT INTO customers (id, email, first_name, last_name, gender, is_subscribed, status, email_verified, security_stamp,
					onboarding_status, metadata, attributes, failed_login_count, version, created_at, updated_at)
					VALUES (?, ?, 'A', 'B', 'NOT_SPECIFIED', false, 'ACTIVE', false, 's', 'NOT_STARTED', '{}', '[]', 0, 1, ?, ?)`,
					id, id+"@example.com", now, now)
			}
			exec(`INSERT INTO companies (id, name, name_key, status, owner_id, metadata, attributes, version, created_at, updated_at)
				VALUES ('co', 'Acme', 'acme', 'ACTIVE', 'c1', '{}', '[]', 1, ?, ?)`, now, now)
			for _, r := range [][]any{{"admin", "Company Administrator", "ADMINISTRATOR"}, {"buyer", "Buyer", nil}} {
				exec(`INSERT INTO company_roles (id, company_id, name, name_key, permissions, kind, version, created_at, updated_at)
					VALUES (?, 'co', ?, ?, '["company:view"]', ?, 1, ?, ?)`, r[0], r[1], r[0], r[2], now, now)
			}
			for _, m := range [][]any{{"c1", "admin"}, {"c2", "buyer"}} {
				exec(`INSERT INTO company_users (company_id, customer_id, role_id, status, version, created_at, updated_at)
					VALUES ('co', ?, ?, 'ACTIVE', 1, ?, ?)`, m[0], m[1], now, now)
			}

			if err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			type row struct {
				CustomerID, RoleID string
				Ordinal            int
			}
			var rows []row
			if err := d.Gorm().Raw("SELECT customer_id, role_id, ordinal FROM company_user_roles WHERE company_id = 'co' ORDER BY customer_id").
				Scan(&rows).Error; err != nil {
				t.Fatal(err)
			}
			if want := []row{{"c1", "admin", 0}, {"c2", "buyer", 0}}; len(rows) != 2 || rows[0] != want[0] || rows[1] != want[1] {
				t.Fatalf("company_user_roles after migration 11 = %+v, want %+v", rows, want)
			}
			// A membership's roles go with it; a role that is held can't go.
			if err := d.Gorm().Exec("DELETE FROM company_roles WHERE id = 'buyer'").Error; err == nil {
				t.Fatal("deleted a role that a user holds")
			}
			exec("DELETE FROM company_users WHERE customer_id = 'c2'")
			var left int64
			d.Gorm().Raw("SELECT COUNT(*) FROM company_user_roles WHERE customer_id = 'c2'").Scan(&left)
			if left != 0 {
				t.Fatalf("%d roles left of a deleted membership", left)
			}
		})
	}
}
