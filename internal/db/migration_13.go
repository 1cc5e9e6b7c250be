package db

var migration13 = Migration{Version: 13, Name: "revocation feed", Statements: []string{
	// One row per revocation event, written in the transaction of the change: a revoked token
	// id or session (kind token), a customer's or admin's stamp, status, existence or roles
	// changed (customer, admin), a role's permissions changed (role). Instances follow it by
	// id to keep revocations in memory (internal/revocation); expires_at is when the last
	// token the event concerns expires, after which housekeeping deletes the row.
	`CREATE TABLE revocation_feed (
		id {{serial}},
		kind VARCHAR(16) NOT NULL,
		subject VARCHAR(64) NOT NULL,
		expires_at {{datetime}} NOT NULL
	){{table}}`,
	`CREATE INDEX ix_revocation_feed_expires ON revocation_feed (expires_at)`,
}}
