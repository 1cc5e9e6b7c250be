package db

var migration9 = Migration{Version: 9, Name: "housekeeping lease and expiry indexes", Statements: []string{
	// A lease names the one instance that runs a periodic job (the sweep of expired rows)
	// until expires_at; the others leave it alone until it runs out.
	`CREATE TABLE leases (
		name VARCHAR(64) NOT NULL PRIMARY KEY,
		holder VARCHAR(128) NOT NULL,
		expires_at {{datetime}} NOT NULL
	){{table}}`,
	// The sweep finds expired rows oldest first by these columns, a bounded batch at a time.
	// (idempotency_keys.created_at and rate_limits.window_start are indexed already.)
	`CREATE INDEX ix_revoked_tokens_expires ON revoked_tokens (expires_at)`,
	`CREATE INDEX ix_refresh_tokens_expires ON refresh_tokens (expires_at)`,
	`CREATE INDEX ix_one_time_tokens_expires ON one_time_tokens (expires_at)`,
}}
