package db

var migration7 = Migration{Version: 7, Name: "revoked sessions in revoked_tokens", Statements: []string{
	// A revoked session (refresh-token family) is now also a row of revoked_tokens under the
	// family's id, so that checking an access token looks in one table for its jti and its
	// session. Families revoked before keep their access tokens revoked: a row each, kept as
	// long as their refresh tokens could live, which outlasts any access token of the family.
	`INSERT INTO revoked_tokens (jti, expires_at)
		SELECT family_id, MAX(expires_at) FROM refresh_tokens WHERE revoked_at IS NOT NULL GROUP BY family_id`,
}}
