package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"golang.org/x/crypto/argon2"
)

var (
	errBadCredentials = errors.New("the email or password is incorrect")
	errRateLimited    = errors.New("too many attempts")
	errSignInRefused  = errors.New("same-answer baseline: a locked or inactive account (only the success path is built)")
)

func gomaxprocs() int { return runtime.GOMAXPROCS(0) }

// signIn is POST /v1/auth/customer/token with the statements Clientele runs for a successful
// sign-in: the rate-limit counters of the client IP and the email (an upsert and a read in a
// transaction), the account with its IP's lockout, the argon2id check, the account's
// last_login_at and failed_login_count, the IP's failures when it had some, and the refresh
// token's row. No audit row: Clientele audits refused sign-ins only.
func (s *sameAnswer) signIn(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		fail(w, http.StatusBadRequest, err)
		return
	}
	ctx := r.Context()
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if err := s.countAttempt(ctx, ip, email); err != nil {
		fail(w, statusOfSignIn(err), err)
		return
	}
	var id, stamp, status string
	var hash *string
	var lockedUntil, ipLockedUntil *time.Time
	var ipFailures int
	s.stmts.Add(1)
	err := s.db.QueryRowContext(ctx, `SELECT a.id, a.password_hash, a.security_stamp, a.status, a.locked_until,
			COALESCE(f.failures, 0), f.locked_until
		FROM customers a LEFT JOIN login_failures f ON f.subject_type = 'customer' AND f.subject_id = a.id AND f.ip = ?
		WHERE a.email = ?`, ip, email).Scan(&id, &hash, &stamp, &status, &lockedUntil, &ipFailures, &ipLockedUntil)
	if errors.Is(err, sql.ErrNoRows) {
		err = errBadCredentials
	}
	if err != nil {
		fail(w, statusOfSignIn(err), err)
		return
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	if lockedUntil != nil && lockedUntil.After(now) || ipLockedUntil != nil && ipLockedUntil.After(now) || status != "ACTIVE" {
		fail(w, http.StatusForbidden, errSignInRefused)
		return
	}
	ok, err := s.verifyPassword(ctx, hash, in.Password)
	if err == nil && !ok {
		err = errBadCredentials
	}
	if err != nil {
		fail(w, statusOfSignIn(err), err)
		return
	}
	if err := s.signedIn(ctx, id, ip, ipFailures, now); err != nil {
		fail(w, http.StatusInternalServerError, err)
		return
	}
	tok, err := s.issue(ctx, id, stamp, now)
	if err != nil {
		fail(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, tok)
}

func statusOfSignIn(err error) int {
	switch err {
	case errBadCredentials:
		return http.StatusUnauthorized
	case errRateLimited:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// countAttempt adds one to this minute's sign-in counters of ip and of email (kept as a
// digest) and refuses the attempt past either limit. The upsert holds the counters' row locks
// to the commit, so the count read back is exact across instances, as Clientele's.
func (s *sameAnswer) countAttempt(ctx context.Context, ip, email string) error {
	now := time.Now().UTC().Truncate(time.Microsecond)
	window := now.Truncate(time.Minute)
	sum := sha256.Sum256([]byte(email))
	buckets := []string{"sign_in:ip:" + ip, "sign_in:email:" + hex.EncodeToString(sum[:])[:32]}
	slices.Sort(buckets)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	s.stmts.Add(2) // as Clientele's count: statements, not BEGIN and COMMIT
	_, err = tx.ExecContext(ctx, "INSERT INTO rate_limits (bucket, window_start, hits) VALUES (?, ?, 1), (?, ?, 1) ON DUPLICATE KEY UPDATE hits = hits + 1",
		buckets[0], window, buckets[1], window)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, "SELECT hits FROM rate_limits WHERE window_start = ? AND bucket IN (?, ?)", window, buckets[0], buckets[1])
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var hits int
		if err := rows.Scan(&hits); err != nil {
			return err
		}
		if hits > s.rateLimit {
			return errRateLimited
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return tx.Commit()
}

// verifyPassword checks password against an argon2id PHC string with the parameters it
// names, one hash per CPU at a time as Clientele's hasher.
func (s *sameAnswer) verifyPassword(ctx context.Context, encoded *string, password string) (bool, error) {
	if encoded == nil {
		return false, nil
	}
	parts := strings.Split(*encoded, "$")
	var version int
	var memory, iterations uint32
	var threads uint8
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("malformed argon2id hash")
	}
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errors.New("malformed argon2id hash")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &iterations, &threads); err != nil {
		return false, errors.New("malformed argon2id hash")
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false, errors.New("malformed argon2id hash")
	}
	select {
	case s.hashSlots <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	got := argon2.IDKey([]byte(password), salt, iterations, memory, threads, uint32(len(want)))
	<-s.hashSlots
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// signedIn records the sign-in and clears the failures: the account's count, and the IP's
// when it has some. Not a profile change: version and updated_at stay.
func (s *sameAnswer) signedIn(ctx context.Context, id, ip string, ipFailures int, now time.Time) error {
	s.stmts.Add(1)
	if _, err := s.db.ExecContext(ctx, "UPDATE customers SET failed_login_count = 0, last_login_at = ? WHERE id = ?", now, id); err != nil {
		return err
	}
	if ipFailures == 0 {
		return nil
	}
	s.stmts.Add(1)
	_, err := s.db.ExecContext(ctx, "DELETE FROM login_failures WHERE subject_type = 'customer' AND subject_id = ? AND ip = ?", id, ip)
	return err
}

type tokenJSON struct {
	ExpiresAt    time.Time `json:"expiresAt"`
	ExpiresIn    int       `json:"expiresIn"`
	RefreshToken string    `json:"refreshToken"`
	Token        string    `json:"token"`
	TokenType    string    `json:"tokenType"`
}

// issue mints the access token (Clientele's claims: the stamp's digest, the session) and an
// opaque refresh token, of which only the SHA-256 is stored, in a new family.
func (s *sameAnswer) issue(ctx context.Context, id, stamp string, now time.Time) (tokenJSON, error) {
	family := uuid.Must(uuid.NewV7()).String()
	claims := tokenClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: "clientele", Subject: id, Audience: jwt.ClaimStrings{"customer"}, IssuedAt: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(s.accessTTL)), ID: uuid.Must(uuid.NewV7()).String(),
		},
		Stamp:   stampDigest(stamp),
		Session: family,
	}
	access, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.secret)
	if err != nil {
		return tokenJSON{}, err
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	refresh := base64.RawURLEncoding.EncodeToString(raw)
	digest := sha256.Sum256([]byte(refresh))
	s.stmts.Add(1)
	_, err = s.db.ExecContext(ctx, `INSERT INTO refresh_tokens (id, token_hash, family_id, subject_type, subject_id, stamp_hash, expires_at, created_at)
		VALUES (?, ?, ?, 'customer', ?, ?, ?, ?)`,
		uuid.Must(uuid.NewV7()).String(), hex.EncodeToString(digest[:]), family, id, stampDigest(stamp), now.Add(s.refreshTTL), now)
	if err != nil {
		return tokenJSON{}, err
	}
	return tokenJSON{ExpiresAt: claims.ExpiresAt.Time.UTC(), ExpiresIn: int(s.accessTTL.Seconds()), RefreshToken: refresh,
		Token: access, TokenType: "Bearer"}, nil
}
