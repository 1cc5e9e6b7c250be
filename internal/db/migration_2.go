package db

import (
	"bufio"
	"embed"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

//go:embed seed/*.tsv
var seedFiles embed.FS

// Ids of the seeded customer groups; General is where new customers go.
const (
	GroupGeneral   = "0190a000-0000-7000-8000-0000000000a1"
	GroupWholesale = "0190a000-0000-7000-8000-0000000000a2"
	GroupRetailer  = "0190a000-0000-7000-8000-0000000000a3"
)

var migration2 = Migration{Version: 2, Name: "countries, addresses and customer groups", Statements: []string{
	`CREATE TABLE countries (
		code VARCHAR(2) NOT NULL PRIMARY KEY,
		name VARCHAR(255) NOT NULL
	){{table}}`,
	`CREATE TABLE regions (
		country_code VARCHAR(2) NOT NULL,
		code VARCHAR(16) NOT NULL,
		name VARCHAR(255) NOT NULL,
		PRIMARY KEY (country_code, code),
		FOREIGN KEY (country_code) REFERENCES countries (code)
	){{table}}`,
	`CREATE TABLE addresses (
		id VARCHAR(36) NOT NULL PRIMARY KEY,
		customer_id VARCHAR(36) NULL,
		company_id VARCHAR(36) NULL,
		label VARCHAR(255) NULL,
		first_name VARCHAR(255) NOT NULL,
		middle_name VARCHAR(255) NULL,
		last_name VARCHAR(255) NOT NULL,
		prefix VARCHAR(40) NULL,
		suffix VARCHAR(40) NULL,
		company VARCHAR(255) NULL,
		street TEXT NOT NULL,
		city VARCHAR(255) NOT NULL,
		region_code VARCHAR(16) NULL,
		region_name VARCHAR(255) NULL,
		postal_code VARCHAR(32) NULL,
		country_code VARCHAR(2) NOT NULL,
		phone VARCHAR(64) NULL,
		fax VARCHAR(64) NULL,
		vat_id VARCHAR(64) NULL,
		type VARCHAR(24) NOT NULL,
		default_billing_of VARCHAR(36) NULL,
		default_shipping_of VARCHAR(36) NULL,
		version INT NOT NULL,
		created_at {{datetime}} NOT NULL,
		updated_at {{datetime}} NOT NULL,
		FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE,
		FOREIGN KEY (country_code) REFERENCES countries (code)
	){{table}}`,
	// default_*_of holds the owner's id on its default address and NULL elsewhere, so these
	// unique indexes make "at most one default of each kind per owner" a database rule.
	`CREATE UNIQUE INDEX ux_addresses_default_billing ON addresses (default_billing_of)`,
	`CREATE UNIQUE INDEX ux_addresses_default_shipping ON addresses (default_shipping_of)`,
	`CREATE INDEX ix_addresses_customer ON addresses (customer_id, created_at)`,
	`CREATE INDEX ix_addresses_company ON addresses (company_id, created_at)`,
	`CREATE TABLE customer_groups (
		id VARCHAR(36) NOT NULL PRIMARY KEY,
		name VARCHAR(255) NOT NULL,
		name_key VARCHAR(255) NOT NULL,
		description VARCHAR(1024) NULL,
		metadata TEXT NOT NULL,
		is_system BOOLEAN NOT NULL,
		version INT NOT NULL,
		created_at {{datetime}} NOT NULL,
		updated_at {{datetime}} NOT NULL
	){{table}}`,
	// name_key is the lower-cased name: group names are unique case-insensitively.
	`CREATE UNIQUE INDEX ux_customer_groups_name ON customer_groups (name_key)`,
	`CREATE TABLE customer_group_members (
		group_id VARCHAR(36) NOT NULL,
		customer_id VARCHAR(36) NOT NULL,
		created_at {{datetime}} NOT NULL,
		PRIMARY KEY (group_id, customer_id),
		FOREIGN KEY (group_id) REFERENCES customer_groups (id) ON DELETE CASCADE,
		FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE
	){{table}}`,
	`CREATE INDEX ix_customer_group_members_customer ON customer_group_members (customer_id)`,
	`INSERT INTO customer_groups (id, name, name_key, description, metadata, is_system, version, created_at, updated_at) VALUES
		('` + GroupGeneral + `', 'General', 'general', 'Every new customer, unless groups are given.', '{}', TRUE, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
		('` + GroupWholesale + `', 'Wholesale', 'wholesale', NULL, '{}', TRUE, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
		('` + GroupRetailer + `', 'Retailer', 'retailer', NULL, '{}', TRUE, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
	// Customers that existed before groups join General, as new ones do.
	`INSERT INTO customer_group_members (group_id, customer_id, created_at)
		SELECT '` + GroupGeneral + `', id, created_at FROM customers`,
}, Seed: seedCountries}

// seedCountries loads the ISO 3166-1 countries and the US and CA regions.
func seedCountries(tx *gorm.DB) error {
	countries, err := readTSV("seed/countries.tsv", 2)
	if err != nil {
		return err
	}
	regions, err := readTSV("seed/regions.tsv", 3)
	if err != nil {
		return err
	}
	if err := insertRows(tx, "INSERT INTO countries (code, name) VALUES ", "(?, ?)", countries); err != nil {
		return err
	}
	return insertRows(tx, "INSERT INTO regions (country_code, code, name) VALUES ", "(?, ?, ?)", regions)
}

func readTSV(name string, columns int) ([][]string, error) {
	f, err := seedFiles.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != columns {
			return nil, fmt.Errorf("%s: %q has %d columns, want %d", name, line, len(cols), columns)
		}
		rows = append(rows, cols)
	}
	return rows, sc.Err()
}

// insertRows inserts rows in one multi-row statement.
func insertRows(tx *gorm.DB, head, tuple string, rows [][]string) error {
	var args []any
	tuples := make([]string, len(rows))
	for i, r := range rows {
		tuples[i] = tuple
		for _, v := range r {
			args = append(args, v)
		}
	}
	return tx.Exec(head+strings.Join(tuples, ", "), args...).Error
}
