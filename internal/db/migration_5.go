package db

var migration5 = Migration{Version: 5, Name: "idempotency keys", Statements: []string{
	// A REST POST's response kept for 24 h under the caller's Idempotency-Key; the body is
	// encrypted, since some responses carry tokens.
	`CREATE TABLE idempotency_keys (
		caller VARCHAR(100) NOT NULL,
		idem_key VARCHAR(255) NOT NULL,
		request_hash VARCHAR(64) NOT NULL,
		status_code INT NULL,
		content_type VARCHAR(100) NULL,
		body TEXT NULL,
		created_at {{datetime}} NOT NULL,
		PRIMARY KEY (caller, idem_key)
	){{table}}`,
	`CREATE INDEX ix_idempotency_keys_created ON idempotency_keys (created_at)`,
}}
