package db

import "gorm.io/gorm"

// migration14 indexes what the customer list's search matches: a prefix of the email, the
// first name or the last name, case-insensitively (service.searchArgs). A prefix LIKE uses an
// index when the index compares as LIKE does: on MySQL every column's utf8mb4_unicode_ci
// collation ignores case, so plain indexes serve it (email and last_name have theirs); on
// SQLite LIKE ignores ASCII case and only a COLLATE NOCASE index serves it.
var migration14 = Migration{Version: 14, Name: "indexes for the customer search", Seed: func(tx *gorm.DB) error {
	stmts := []string{`CREATE INDEX ix_customers_first_name ON customers (first_name)`}
	if tx.Dialector.Name() == SQLite {
		stmts = []string{
			`CREATE INDEX ix_customers_email_nocase ON customers (email COLLATE NOCASE)`,
			`CREATE INDEX ix_customers_first_name_nocase ON customers (first_name COLLATE NOCASE)`,
			`CREATE INDEX ix_customers_last_name_nocase ON customers (last_name COLLATE NOCASE)`,
		}
	}
	for _, stmt := range stmts {
		if err := tx.Exec(stmt).Error; err != nil {
			return err
		}
	}
	return nil
}}
