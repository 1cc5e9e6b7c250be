package db

var migration11 = Migration{Version: 11, Name: "several roles per company user", Statements: []string{
	// A membership's roles, in the order they were given (ordinal 0 is the user's `role`).
	// company_users.role_id stays, kept equal to the first role, so readers of the old schema
	// still find one valid role per membership. No ON DELETE on role_id: a role with users
	// can't be deleted; removing a membership (or its customer) takes its roles along.
	`CREATE TABLE company_user_roles (
		company_id VARCHAR(36) NOT NULL,
		customer_id VARCHAR(36) NOT NULL,
		role_id VARCHAR(36) NOT NULL,
		ordinal INT NOT NULL,
		PRIMARY KEY (company_id, customer_id, role_id),
		FOREIGN KEY (company_id, customer_id) REFERENCES company_users (company_id, customer_id) ON DELETE CASCADE,
		FOREIGN KEY (role_id) REFERENCES company_roles (id)
	){{table}}`,
	`CREATE INDEX ix_company_user_roles_role ON company_user_roles (role_id)`,
	// Every existing membership keeps its one role as its first.
	`INSERT INTO company_user_roles (company_id, customer_id, role_id, ordinal)
		SELECT company_id, customer_id, role_id, 0 FROM company_users`,
}}
