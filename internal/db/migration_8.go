package db

var migration8 = Migration{Version: 8, Name: "failed sign-ins per account and client IP", Statements: []string{
	// The automatic lockout counts consecutive failed sign-ins per account and client IP, so a
	// stranger's failures lock out only the stranger. One row per (subject, IP) that has failed
	// within the lockout duration; a success from that IP deletes it. Rows whose last failure
	// and lock are both over are dead and may be swept.
	`CREATE TABLE login_failures (
		subject_type VARCHAR(16) NOT NULL,
		subject_id VARCHAR(36) NOT NULL,
		ip VARCHAR(64) NOT NULL,
		failures INT NOT NULL,
		locked_until {{datetime}} NULL,
		last_failure_at {{datetime}} NOT NULL,
		PRIMARY KEY (subject_type, subject_id, ip)
	){{table}}`,
	`CREATE INDEX ix_login_failures_last_failure ON login_failures (last_failure_at)`,
}}
