package db

var migration3 = Migration{Version: 3, Name: "courier outbox and one-time tokens", Statements: []string{
	`CREATE TABLE messages (
		id VARCHAR(36) NOT NULL PRIMARY KEY,
		to_address VARCHAR(254) NOT NULL,
		subject VARCHAR(255) NOT NULL,
		template VARCHAR(32) NOT NULL,
		body TEXT NOT NULL,
		status VARCHAR(16) NOT NULL,
		attempts INT NOT NULL,
		last_error VARCHAR(1024) NULL,
		next_attempt_at {{datetime}} NULL,
		created_at {{datetime}} NOT NULL,
		sent_at {{datetime}} NULL
	){{table}}`,
	// The admin list: newest first, keyset on (created_at, id), optionally for one recipient.
	`CREATE INDEX ix_messages_created ON messages (created_at, id)`,
	`CREATE INDEX ix_messages_to ON messages (to_address, created_at, id)`,
	// The courier's poll: queued messages whose next attempt has come.
	`CREATE INDEX ix_messages_due ON messages (status, next_attempt_at)`,
	`CREATE TABLE one_time_tokens (
		id VARCHAR(36) NOT NULL PRIMARY KEY,
		token_hash VARCHAR(64) NOT NULL,
		purpose VARCHAR(32) NOT NULL,
		customer_id VARCHAR(36) NOT NULL,
		email VARCHAR(254) NOT NULL,
		expires_at {{datetime}} NOT NULL,
		used_at {{datetime}} NULL,
		created_at {{datetime}} NOT NULL,
		FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE
	){{table}}`,
	`CREATE UNIQUE INDEX ux_one_time_tokens_hash ON one_time_tokens (token_hash)`,
	`CREATE INDEX ix_one_time_tokens_customer ON one_time_tokens (customer_id, purpose)`,
}}
