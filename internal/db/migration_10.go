package db

import (
	"fmt"

	"gorm.io/gorm"
)

var migration10 = Migration{Version: 10, Name: "staff invitations and admin external ids", Statements: []string{
	// A one-time token now belongs to a customer or to an admin (an invitation to staff):
	// exactly one of customer_id and admin_id is set, and either's deletion takes its tokens.
	// Both dialects rebuild the table, since SQLite cannot relax customer_id's NOT NULL in place.
	`CREATE TABLE one_time_tokens_v10 (
		id VARCHAR(36) NOT NULL PRIMARY KEY,
		token_hash VARCHAR(64) NOT NULL,
		purpose VARCHAR(32) NOT NULL,
		customer_id VARCHAR(36) NULL,
		admin_id VARCHAR(36) NULL,
		email VARCHAR(254) NOT NULL,
		expires_at {{datetime}} NOT NULL,
		used_at {{datetime}} NULL,
		created_at {{datetime}} NOT NULL,
		FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE,
		FOREIGN KEY (admin_id) REFERENCES admins (id) ON DELETE CASCADE,
		CHECK ((customer_id IS NULL) <> (admin_id IS NULL))
	){{table}}`,
	// Only tokens whose customer exists: the foreign key made that so, unless someone once
	// turned its checks off (as a bulk load does), and a token without its customer is dead.
	`INSERT INTO one_time_tokens_v10 (id, token_hash, purpose, customer_id, email, expires_at, used_at, created_at)
		SELECT t.id, t.token_hash, t.purpose, t.customer_id, t.email, t.expires_at, t.used_at, t.created_at
		FROM one_time_tokens t JOIN customers c ON c.id = t.customer_id`,
	`DROP TABLE one_time_tokens`,
	`ALTER TABLE one_time_tokens_v10 RENAME TO one_time_tokens`,
	`CREATE UNIQUE INDEX ux_one_time_tokens_hash ON one_time_tokens (token_hash)`,
	`CREATE INDEX ix_one_time_tokens_customer ON one_time_tokens (customer_id, purpose)`,
	`CREATE INDEX ix_one_time_tokens_admin ON one_time_tokens (admin_id, purpose)`,
	`CREATE INDEX ix_one_time_tokens_expires ON one_time_tokens (expires_at)`,
}, Seed: adminsWithoutPassword}

// adminsWithoutPassword makes admins.password_hash nullable (an invited admin has none yet)
// and adds admins.external_id, unique when set. MySQL alters the column in place. SQLite
// cannot, and the migration runs in a transaction, where foreign keys cannot be switched
// off: dropping the old table deletes its rows first, which cascades to admin_roles, so
// those are kept aside and put back.
func adminsWithoutPassword(tx *gorm.DB) error {
	statements := []string{
		`ALTER TABLE admins MODIFY password_hash VARCHAR(255) NULL`,
		`ALTER TABLE admins ADD COLUMN external_id VARCHAR(255) NULL`,
	}
	if tx.Dialector.Name() == SQLite {
		statements = []string{
			`CREATE TABLE admins_v10 (
				id VARCHAR(36) NOT NULL PRIMARY KEY,
				email VARCHAR(254) NOT NULL,
				name VARCHAR(255) NOT NULL,
				status VARCHAR(16) NOT NULL,
				password_hash VARCHAR(255) NULL,
				security_stamp VARCHAR(64) NOT NULL,
				external_id VARCHAR(255) NULL,
				failed_login_count INT NOT NULL,
				locked_until DATETIME NULL,
				last_login_at DATETIME NULL,
				version INT NOT NULL,
				created_at DATETIME NOT NULL,
				updated_at DATETIME NOT NULL
			)`,
			`INSERT INTO admins_v10 (id, email, name, status, password_hash, security_stamp, failed_login_count, locked_until, last_login_at, version, created_at, updated_at)
				SELECT id, email, name, status, password_hash, security_stamp, failed_login_count, locked_until, last_login_at, version, created_at, updated_at FROM admins`,
			`CREATE TABLE admin_roles_v10 AS SELECT admin_id, role_id FROM admin_roles`,
			`DROP TABLE admins`,
			`ALTER TABLE admins_v10 RENAME TO admins`,
			`INSERT INTO admin_roles (admin_id, role_id) SELECT admin_id, role_id FROM admin_roles_v10`,
			`DROP TABLE admin_roles_v10`,
			`CREATE UNIQUE INDEX ux_admins_email ON admins (email)`,
		}
	}
	statements = append(statements, `CREATE UNIQUE INDEX ux_admins_external_id ON admins (external_id)`)
	for _, stmt := range statements {
		if err := tx.Exec(stmt).Error; err != nil {
			return fmt.Errorf("%w\n%s", err, stmt)
		}
	}
	return nil
}
