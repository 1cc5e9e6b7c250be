package db_test

import (
	"context"
	"testing"

	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/testdb"
)

// TestMigration10KeepsAdminsRolesAndTokens: migration 10 rebuilds one_time_tokens on both
// databases and admins on SQLite, where dropping the old admins table cascades to
// admin_roles. Every row must come through, and the foreign keys must still hold after.
func TestMigration10KeepsAdminsRolesAndTokens(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			d := migratedThrough(t, dialect, 9)
			ctx := context.Background()
			g := d.Gorm()
			now := db.Now()
			exec := func(sql string, args ...any) error { return g.Exec(sql, args...).Error }
			for _, stmt := range []struct {
				sql  string
				args []any
			}{
				{`INSERT INTO customers (id, email, first_name, last_name, gender, is_subscribed, status, email_verified, security_stamp,
					onboarding_status, metadata, attributes, failed_login_count, version, created_at, updated_at)
					VALUES ('c1', 'c@example.com', 'C', 'D', 'NOT_SPECIFIED', FALSE, 'ACTIVE', FALSE, 's', 'NOT_STARTED', '{}', '[]', 0, 1, ?, ?)`, []any{now, now}},
				{`INSERT INTO admins (id, email, name, status, password_hash, security_stamp, failed_login_count, version, created_at, updated_at)
					VALUES ('a1', 'a@example.com', 'A', 'ACTIVE', 'hash', 's', 0, 1, ?, ?)`, []any{now, now}},
				{`INSERT INTO admin_roles (admin_id, role_id) VALUES ('a1', '0190a000-0000-7000-8000-000000000001')`, nil},
				{`INSERT INTO one_time_tokens (id, token_hash, purpose, customer_id, email, expires_at, created_at)
					VALUES ('t1', 'h1', 'INVITATION', 'c1', 'c@example.com', ?, ?)`, []any{now, now}},
			} {
				if err := exec(stmt.sql, stmt.args...); err != nil {
					t.Fatal(err)
				}
			}
			if err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}

			var roles []string
			g.Raw("SELECT role_id FROM admin_roles WHERE admin_id = 'a1'").Scan(&roles)
			if len(roles) != 1 {
				t.Fatalf("admin_roles of a1 after migration 10: %v", roles)
			}
			var hash, owner string
			g.Raw("SELECT password_hash FROM admins WHERE id = 'a1'").Scan(&hash)
			g.Raw("SELECT customer_id FROM one_time_tokens WHERE id = 't1'").Scan(&owner)
			if hash != "hash" || owner != "c1" {
				t.Fatalf("admin hash %q, token owner %q", hash, owner)
			}

			// An invited admin: no password, an external id, an invitation of its own.
			err := exec(`INSERT INTO admins (id, email, name, status, security_stamp, external_id, failed_login_count, version, created_at, updated_at)
				VALUES ('a2', 'b@example.com', 'B', 'ACTIVE', 's', 'hr-1', 0, 1, ?, ?)`, now, now)
			if err != nil {
				t.Fatal(err)
			}
			if err := exec(`INSERT INTO one_time_tokens (id, token_hash, purpose, admin_id, email, expires_at, created_at)
				VALUES ('t2', 'h2', 'INVITATION', 'a2', 'b@example.com', ?, ?)`, now, now); err != nil {
				t.Fatal(err)
			}
			refused := map[string]error{
				"a duplicate external id": exec(`INSERT INTO admins (id, email, name, status, security_stamp, external_id, failed_login_count, version, created_at, updated_at)
					VALUES ('a3', 'c@example.com', 'C', 'ACTIVE', 's', 'hr-1', 0, 1, ?, ?)`, now, now),
				"a token of nobody": exec(`INSERT INTO one_time_tokens (id, token_hash, purpose, email, expires_at, created_at)
					VALUES ('t3', 'h3', 'INVITATION', 'x@example.com', ?, ?)`, now, now),
				"a token of both": exec(`INSERT INTO one_time_tokens (id, token_hash, purpose, customer_id, admin_id, email, expires_at, created_at)
					VALUES ('t4', 'h4', 'INVITATION', 'c1', 'a2', 'x@example.com', ?, ?)`, now, now),
				"a token of an unknown admin": exec(`INSERT INTO one_time_tokens (id, token_hash, purpose, admin_id, email, expires_at, created_at)
					VALUES ('t5', 'h5', 'INVITATION', 'nobody', 'x@example.com', ?, ?)`, now, now),
				"a role of an unknown admin": exec(`INSERT INTO admin_roles (admin_id, role_id) VALUES ('nobody', '0190a000-0000-7000-8000-000000000001')`),
			}
			for what, err := range refused {
				if err == nil {
					t.Errorf("%s was accepted", what)
				}
			}
			// Deleting an admin still takes its roles and tokens with it.
			if err := exec(`INSERT INTO admin_roles (admin_id, role_id) VALUES ('a2', '0190a000-0000-7000-8000-000000000001')`); err != nil {
				t.Fatal(err)
			}
			if err := exec(`DELETE FROM admins WHERE id = 'a2'`); err != nil {
				t.Fatal(err)
			}
			var left int64
			g.Raw("SELECT (SELECT COUNT(*) FROM admin_roles WHERE admin_id = 'a2') + (SELECT COUNT(*) FROM one_time_tokens WHERE admin_id = 'a2')").Scan(&left)
			if left != 0 {
				t.Fatalf("%d rows of a deleted admin left", left)
			}
		})
	}
}
