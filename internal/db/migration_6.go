package db

var migration6 = Migration{Version: 6, Name: "companies, company roles, teams and users", Statements: []string{
	// owner_id has no ON DELETE: a customer who owns a company can't be deleted until
	// ownership moves. parent_id likewise keeps a company with children.
	`CREATE TABLE companies (
		id VARCHAR(36) NOT NULL PRIMARY KEY,
		name VARCHAR(255) NOT NULL,
		name_key VARCHAR(255) NOT NULL,
		legal_name VARCHAR(255) NULL,
		description VARCHAR(4096) NULL,
		email VARCHAR(254) NULL,
		phone VARCHAR(64) NULL,
		vat_id VARCHAR(64) NULL,
		business_category VARCHAR(255) NULL,
		external_id VARCHAR(255) NULL,
		status VARCHAR(24) NOT NULL,
		parent_id VARCHAR(36) NULL,
		owner_id VARCHAR(36) NOT NULL,
		metadata TEXT NOT NULL,
		attributes TEXT NOT NULL,
		version INT NOT NULL,
		created_at {{datetime}} NOT NULL,
		updated_at {{datetime}} NOT NULL,
		FOREIGN KEY (parent_id) REFERENCES companies (id),
		FOREIGN KEY (owner_id) REFERENCES customers (id)
	){{table}}`,
	`CREATE INDEX ix_companies_name ON companies (name_key, id)`,
	`CREATE INDEX ix_companies_parent ON companies (parent_id)`,
	`CREATE INDEX ix_companies_owner ON companies (owner_id)`,
	`CREATE UNIQUE INDEX ux_companies_external_id ON companies (external_id)`,
	`CREATE TABLE company_roles (
		id VARCHAR(36) NOT NULL PRIMARY KEY,
		company_id VARCHAR(36) NOT NULL,
		name VARCHAR(255) NOT NULL,
		name_key VARCHAR(255) NOT NULL,
		permissions TEXT NOT NULL,
		kind VARCHAR(16) NULL,
		version INT NOT NULL,
		created_at {{datetime}} NOT NULL,
		updated_at {{datetime}} NOT NULL,
		FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE CASCADE
	){{table}}`,
	// Role names are unique within a company, case-insensitively (name_key is lower-cased).
	`CREATE UNIQUE INDEX ux_company_roles_name ON company_roles (company_id, name_key)`,
	`CREATE TABLE company_teams (
		id VARCHAR(36) NOT NULL PRIMARY KEY,
		company_id VARCHAR(36) NOT NULL,
		name VARCHAR(255) NOT NULL,
		name_key VARCHAR(255) NOT NULL,
		description VARCHAR(1024) NULL,
		version INT NOT NULL,
		created_at {{datetime}} NOT NULL,
		updated_at {{datetime}} NOT NULL,
		FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE CASCADE
	){{table}}`,
	`CREATE UNIQUE INDEX ux_company_teams_name ON company_teams (company_id, name_key)`,
	// A role with users can't be deleted (no ON DELETE on role_id); deleting a team leaves
	// its users without one.
	`CREATE TABLE company_users (
		company_id VARCHAR(36) NOT NULL,
		customer_id VARCHAR(36) NOT NULL,
		role_id VARCHAR(36) NOT NULL,
		team_id VARCHAR(36) NULL,
		job_title VARCHAR(255) NULL,
		status VARCHAR(16) NOT NULL,
		version INT NOT NULL,
		created_at {{datetime}} NOT NULL,
		updated_at {{datetime}} NOT NULL,
		PRIMARY KEY (company_id, customer_id),
		FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE CASCADE,
		FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE,
		FOREIGN KEY (role_id) REFERENCES company_roles (id),
		FOREIGN KEY (team_id) REFERENCES company_teams (id) ON DELETE SET NULL
	){{table}}`,
	`CREATE INDEX ix_company_users_customer ON company_users (customer_id)`,
	`CREATE INDEX ix_company_users_role ON company_users (role_id)`,
	`CREATE INDEX ix_company_users_team ON company_users (team_id)`,
}}
