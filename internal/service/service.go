// Package service is Clientele's business layer: validation, authorization, transactions and
// audit. REST handlers and GraphQL resolvers call it and nothing else, so both APIs behave
// the same. Every method takes the calling Principal explicitly and checks it before reading.
package service

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/background"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/revocation"
	"github.com/clientele/clientele/internal/txretry"
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
	lists            listSQL            // the customer lists' columns and search
	background       *background.Runner // work done after answering (see mailCustomer)
	revocations      *revocation.Feed   // vouches for access tokens from memory (revocations.go)
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
		lists:            newListSQL(d.Gorm().NamingStrategy),
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
	// Before serving, memory learns what is revoked (nothing, with CLIENTELE_REVOCATION_SYNC=0).
	s.revocations = s.newRevocations()
	if err := s.revocations.Poll(ctx); err != nil {
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
		return txretry.Outage(err)
	}
	return nil
}

// lockRow takes the write lock of one row until the transaction on ctx ends, so that writers
// of what the row owns take turns. A no-op UPDATE does it on MySQL and takes the database's
// write lock on SQLite (where a transaction holds it from its start anyway). It does not say
// whether the row exists: MySQL counts changed rows, and none changes.
func (s *Service) lockRow(ctx context.Context, table, id string) error {
	return dbErr(s.db.Conn(ctx).Exec("UPDATE "+table+" SET version = version WHERE id = ?", id).Error, "", "")
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

// dbErr classifies a database error: not found, duplicate keys (named by conflictField), a
// fault of the database or of the request's deadline as UNAVAILABLE (txretry.Unavailable),
// and anything else as INTERNAL.
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
	}
	if ae := txretry.Unavailable(err); ae != nil {
		return ae
	}
	return apperr.Wrap(apperr.Internal, err, "An internal error occurred.")
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }
