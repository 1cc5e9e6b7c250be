package db

import "gorm.io/gorm"

// migration14 indexes what the customer list's search matches: a prefix of the email, the
// first name or the last name, case-insensitively (service.searchArgs). A prefix LIKE uses an
// index when the index compares as LIKE does: on MySQL every column's utf8mb4_unicode_ci
// collation ignores case, so plain indexes serve it; on SQLite LIKE ignores ASCII case and
// only a COLLATE NOCASE index serves it. The search reads each column's matches newest first,
// so the names' indexes carry created_at: a thousand customers named alike are then read from
// the index alone, not row by row (20–260 ms for a last name in a million customers without).
// Emails are unique, so a prefix of one matches few rows and the unique index serves it.
var migration14 = Migration{Version: 14, Name: "indexes for the customer search", Seed: func(tx *gorm.DB) error {
	stmts := []string{
		`CREATE INDEX ix_customers_first_name_created ON customers (first_name, created_at)`,
		`CREATE INDEX ix_customers_last_name_created ON customers (last_name, created_at)`,
	}
	if tx.Dialector.Name() == SQLite {
		stmts = []string{
			`CREATE INDEX ix_customers_email_nocase ON customers (email COLLATE NOCASE)`,
			`CREATE INDEX ix_customers_first_name_created ON customers (first_name COLLATE NOCASE, created_at)`,
			`CREATE INDEX ix_customers_last_name_created ON customers (last_name COLLATE NOCASE, created_at)`,
		}
	}
	for _, stmt := range stmts {
		if err := tx.Exec(stmt).Error; err != nil {
			return err
		}
	}
	return nil
}}
