package db

var migration12 = Migration{Version: 12, Name: "erased customers' email under erased.invalid", Statements: []string{
	// erased+<id>@invalid has no dot in its domain, which strict email validators (and
	// openapi.yaml's format: email) refuse; erasing now writes erased+<id>@erased.invalid.
	// REPLACE is the same function on SQLite and MySQL, where string concatenation is not.
	`UPDATE customers SET email = REPLACE(email, '@invalid', '@erased.invalid')
		WHERE erased_at IS NOT NULL AND email LIKE 'erased+%@invalid'`,
}}
