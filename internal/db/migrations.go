package db

// migrations is the schema's history. Never edit an applied migration: add a new one.
var migrations = []Migration{migration1, migration2, migration3, migration4, migration5, migration6, migration7, migration8, migration9, migration10, migration11, migration12, migration13, migration14}

var migration1 = Migration{Version: 1, Name: "customers, admins and sign-in", Statements: []string{
	`CREATE TABLE customers (
			id VARCHAR(36) NOT NULL PRIMARY KEY,
			email VARCHAR(254) NOT NULL,
			first_name VARCHAR(255) NOT NULL,
			middle_name VARCHAR(255) NULL,
			last_name VARCHAR(255) NOT NULL,
			prefix VARCHAR(40) NULL,
			suffix VARCHAR(40) NULL,
			phone VARCHAR(64) NULL,
			date_of_birth VARCHAR(10) NULL,
			gender VARCHAR(16) NOT NULL,
			tax_vat VARCHAR(64) NULL,
			is_subscribed BOOLEAN NOT NULL,
			status VARCHAR(16) NOT NULL,
			locked_until {{datetime}} NULL,
			email_verified BOOLEAN NOT NULL,
			password_hash VARCHAR(255) NULL,
			security_stamp VARCHAR(64) NOT NULL,
			onboarding_status VARCHAR(16) NOT NULL,
			order_webhook_url VARCHAR(2048) NULL,
			external_id VARCHAR(255) NULL,
			locale VARCHAR(35) NULL,
			metadata TEXT NOT NULL,
			attributes TEXT NOT NULL,
			failed_login_count INT NOT NULL,
			last_login_at {{datetime}} NULL,
			erased_at {{datetime}} NULL,
			version INT NOT NULL,
			created_at {{datetime}} NOT NULL,
			updated_at {{datetime}} NOT NULL
		){{table}}`,
	// Emails are stored lower-cased, so this index is the case-insensitive uniqueness rule.
	`CREATE UNIQUE INDEX ux_customers_email ON customers (email)`,
	`CREATE UNIQUE INDEX ux_customers_external_id ON customers (external_id)`,
	// Keyset pagination: one index per sort order, id breaking ties.
	`CREATE INDEX ix_customers_created_at ON customers (created_at, id)`,
	`CREATE INDEX ix_customers_last_name ON customers (last_name, id)`,
	`CREATE TABLE admins (
			id VARCHAR(36) NOT NULL PRIMARY KEY,
			email VARCHAR(254) NOT NULL,
			name VARCHAR(255) NOT NULL,
			status VARCHAR(16) NOT NULL,
			password_hash VARCHAR(255) NOT NULL,
			security_stamp VARCHAR(64) NOT NULL,
			failed_login_count INT NOT NULL,
			locked_until {{datetime}} NULL,
			last_login_at {{datetime}} NULL,
			version INT NOT NULL,
			created_at {{datetime}} NOT NULL,
			updated_at {{datetime}} NOT NULL
		){{table}}`,
	`CREATE UNIQUE INDEX ux_admins_email ON admins (email)`,
	`CREATE TABLE roles (
			id VARCHAR(36) NOT NULL PRIMARY KEY,
			name VARCHAR(255) NOT NULL,
			description VARCHAR(1024) NULL,
			permissions TEXT NOT NULL,
			version INT NOT NULL,
			created_at {{datetime}} NOT NULL,
			updated_at {{datetime}} NOT NULL
		){{table}}`,
	`CREATE UNIQUE INDEX ux_roles_name ON roles (name)`,
	`CREATE TABLE admin_roles (
			admin_id VARCHAR(36) NOT NULL,
			role_id VARCHAR(36) NOT NULL,
			PRIMARY KEY (admin_id, role_id),
			FOREIGN KEY (admin_id) REFERENCES admins (id) ON DELETE CASCADE,
			FOREIGN KEY (role_id) REFERENCES roles (id)
		){{table}}`,
	`CREATE INDEX ix_admin_roles_role ON admin_roles (role_id)`,
	`INSERT INTO roles (id, name, description, permissions, version, created_at, updated_at)
			VALUES ('0190a000-0000-7000-8000-000000000001', 'Super Administrator', 'Every permission, now and in the future.', '["*"]', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
	`CREATE TABLE refresh_tokens (
			id VARCHAR(36) NOT NULL PRIMARY KEY,
			token_hash VARCHAR(64) NOT NULL,
			family_id VARCHAR(36) NOT NULL,
			subject_type VARCHAR(16) NOT NULL,
			subject_id VARCHAR(36) NOT NULL,
			stamp_hash VARCHAR(64) NOT NULL,
			expires_at {{datetime}} NOT NULL,
			rotated_at {{datetime}} NULL,
			revoked_at {{datetime}} NULL,
			created_at {{datetime}} NOT NULL
		){{table}}`,
	`CREATE UNIQUE INDEX ux_refresh_tokens_hash ON refresh_tokens (token_hash)`,
	`CREATE INDEX ix_refresh_tokens_family ON refresh_tokens (family_id)`,
	`CREATE INDEX ix_refresh_tokens_subject ON refresh_tokens (subject_type, subject_id)`,
	`CREATE TABLE revoked_tokens (
			jti VARCHAR(36) NOT NULL PRIMARY KEY,
			expires_at {{datetime}} NOT NULL
		){{table}}`,
	"CREATE TABLE settings (`key` VARCHAR(64) NOT NULL PRIMARY KEY, value TEXT NOT NULL){{table}}",
	`CREATE TABLE audit_events (
			id VARCHAR(36) NOT NULL PRIMARY KEY,
			occurred_at {{datetime}} NOT NULL,
			actor_type VARCHAR(16) NOT NULL,
			actor_id VARCHAR(36) NULL,
			action VARCHAR(64) NOT NULL,
			target_type VARCHAR(32) NOT NULL,
			target_id VARCHAR(36) NULL,
			changes TEXT NOT NULL,
			request_id VARCHAR(64) NOT NULL,
			ip VARCHAR(64) NOT NULL
		){{table}}`,
	`CREATE INDEX ix_audit_events_occurred ON audit_events (occurred_at, id)`,
	`CREATE INDEX ix_audit_events_target ON audit_events (target_id)`,
	`CREATE INDEX ix_audit_events_actor ON audit_events (actor_id)`,
}}
