package db_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/testdb"
)

// TestMigration7KeepsRevokedSessionsRevoked: before migration 7 a session's revocation lived
// only on its refresh tokens; after it, the access-token check looks in revoked_tokens alone,
// so every family revoked before must be found there.
func TestMigration7KeepsRevokedSessionsRevoked(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			d := migratedThrough(t, dialect, 6)
			ctx := context.Background()
			now := db.Now()
			insert := "INSERT INTO refresh_tokens (id, token_hash, family_id, subject_type, subject_id, stamp_hash, expires_at, rotated_at, revoked_at, created_at) " +
				"VALUES (?, ?, ?, 'customer', 'c1', 's', ?, ?, ?, ?)"
			later := now.Add(30 * 24 * time.Hour)
			for _, row := range [][]any{
				{"r1", "h1", "revoked-family", later, now, now, now}, // rotated, then the family was revoked
				{"r2", "h2", "revoked-family", later.Add(time.Hour), nil, now, now},
				{"r3", "h3", "live-family", later, nil, nil, now},
			} {
				if err := d.Gorm().Exec(insert, row...).Error; err != nil {
					t.Fatal(err)
				}
			}
			if err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			var revoked []struct {
				JTI       string `gorm:"column:jti"`
				ExpiresAt time.Time
			}
			if err := d.Gorm().Raw("SELECT jti, expires_at FROM revoked_tokens").Scan(&revoked).Error; err != nil {
				t.Fatal(err)
			}
			if len(revoked) != 1 || revoked[0].JTI != "revoked-family" || !revoked[0].ExpiresAt.Equal(later.Add(time.Hour)) {
				t.Fatalf("revoked_tokens after migration 7 = %+v, want only revoked-family until its last refresh token's expiry", revoked)
			}
			var versions []int
			d.Gorm().Raw("SELECT version FROM schema_migrations").Scan(&versions)
			if !slices.Contains(versions, 7) {
				t.Fatalf("migrations recorded: %v", versions)
			}
		})
	}
}
