// Package service is Clientele's business layer: validation, authorization, transactions and
// audit. REST handlers and GraphQL resolvers call it and nothing else, so both APIs behave
// the same. Every method takes the calling Principal explicitly and checks it before reading.
package service

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/background"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/models"
)

// Service is the one entry point of the business layer.
type Service struct {
	db        *db.DB
	cfg       config.Config
	log       *slog.Logger
	hasher    *auth.Hasher
	signer    *auth.Signer
	now       func() time.Time
	countries countries
	secret    []byte // the JWT secret; also keys the idempotency store's encryption
	// customerListsSQL reads what a customer's representation embeds (see customerLists).
	customerListsSQL listsSQL
	background       *background.Runner // work done after answering (see mailCustomer)
}

// Options tunes a Service; the zero value is production.
type Options struct {
	Argon2 *auth.Argon2Params // nil: auth.DefaultArgon2
}

// New builds the service over a migrated database. It loads or creates the JWT secret.
func New(ctx context.Context, d *db.DB, cfg config.Config, log *slog.Logger, opts Options) (*Service, error) {
	params := auth.DefaultArgon2
	if opts.Argon2 != nil {
		params = *opts.Argon2
	}
	s := &Service{db: d, cfg: cfg, log: log, hasher: auth.NewHasher(params), now: db.Now,
		customerListsSQL: customerListsSQL(d.Dialect, d.Gorm().NamingStrategy),
		background:       background.New(backgroundWorkers, backgroundQueue, backgroundDelay, cfg.RequestTimeout, log)}
	secret, err := s.jwtSecret(ctx)
	if err != nil {
		return nil, err
	}
	s.secret = secret
	s.signer = auth.NewSigner(secret, cfg.AccessTokenTTL)
	if s.countries, err = loadCountries(ctx, s); err != nil {
		return nil, err
	}
	return s, nil
}

const jwtSecretKey = "jwt_secret"

// jwtSecret returns the configured secret, or the one generated once and kept in the database.
func (s *Service) jwtSecret(ctx context.Context) ([]byte, error) {
	if s.cfg.JWTSecret != "" {
		return []byte(s.cfg.JWTSecret), nil
	}
	conn := s.db.Conn(ctx)
	var setting models.Setting
	err := conn.Where("`key` = ?", jwtSecretKey).Take(&setting).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		generated := models.Setting{Key: jwtSecretKey, Value: randomToken(32)}
		// Several instances may start at once: the first insert wins, the rest read it.
		if err := conn.Create(&generated).Error; err != nil && !errors.Is(err, gorm.ErrDuplicatedKey) {
			return nil, fmt.Errorf("store generated JWT secret: %w", err)
		}
		s.log.Warn("CLIENTELE_JWT_SECRET is not set; using a secret generated and kept in the database")
		err = conn.Where("`key` = ?", jwtSecretKey).Take(&setting).Error
	}
	if err != nil {
		return nil, fmt.Errorf("load JWT secret: %w", err)
	}
	return []byte(setting.Value), nil
}

// Ready reports whether the database answers.
func (s *Service) Ready(ctx context.Context) error {
	if err := s.db.Ping(ctx); err != nil {
		return apperr.Wrap(apperr.Unavailable, err, "The database is unreachable.")
	}
	return nil
}

// newID returns a UUIDv7: time-ordered, so inserts append to the primary-key index.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// randomToken returns n random bytes, base64url-encoded.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// dbErr classifies a database error: not found, duplicate keys (named by conflictField), and
// anything else as INTERNAL (or UNAVAILABLE when the database cannot be reached).
func dbErr(err error, what, conflictMessage string) error {
	var ae *apperr.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ae):
		return err
	case errors.Is(err, gorm.ErrRecordNotFound):
		return apperr.NotFoundf(what)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return apperr.Wrap(apperr.Conflict, err, conflictMessage)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return apperr.Wrap(apperr.Unavailable, err, "The request was cancelled or timed out.")
	case unreachable(err):
		return apperr.Wrap(apperr.Unavailable, err, "The database is unreachable.")
	}
	return apperr.Wrap(apperr.Internal, err, "An internal error occurred.")
}

// unreachable reports whether err says the database could not be reached, rather than that a
// statement failed. database/sql has no sentinel for a closed pool (an instance shutting
// down), hence the message.
func unreachable(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) ||
		errors.Is(err, sql.ErrConnDone) || strings.Contains(err.Error(), "sql: database is closed")
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }
