package db

var migration4 = Migration{Version: 4, Name: "API tokens and rate limits", Statements: []string{
	// One long-lived API token per customer; stamp_hash ties it to the customer's security stamp.
	`CREATE TABLE api_tokens (
		customer_id VARCHAR(36) NOT NULL PRIMARY KEY,
		token_hash VARCHAR(64) NOT NULL,
		stamp_hash VARCHAR(64) NOT NULL,
		created_at {{datetime}} NOT NULL,
		FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE
	){{table}}`,
	`CREATE UNIQUE INDEX ux_api_tokens_hash ON api_tokens (token_hash)`,
	// Attempts per bucket (action + email digest or client IP) in fixed one-minute windows,
	// shared by every instance of the service.
	`CREATE TABLE rate_limits (
		bucket VARCHAR(128) NOT NULL,
		window_start {{datetime}} NOT NULL,
		hits INT NOT NULL,
		PRIMARY KEY (bucket, window_start)
	){{table}}`,
	`CREATE INDEX ix_rate_limits_window ON rate_limits (window_start)`,
}}
