package service

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/models"
)

// IdempotencyWindow is how long a response is kept for replay.
const IdempotencyWindow = 24 * time.Hour

// MaxIdempotencyKey bounds the Idempotency-Key header.
const MaxIdempotencyKey = 255

// defaultIdempotencyLease is CLIENTELE_IDEMPOTENCY_LEASE's default, for a Config built by hand.
const defaultIdempotencyLease = time.Minute

// IdempotencyRequestHash identifies a request for its Idempotency-Key: the same key with
// another method, path or body is another request.
func IdempotencyRequestHash(method, path string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(method + " " + path + "\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// StoredResponse is a response kept for replay.
type StoredResponse struct {
	Status      int
	ContentType string
	Body        []byte
}

// BeginIdempotent reserves key for caller and a request with requestHash. It returns the
// stored response when the same request ran before (replay it), nil when this request
// should run; the same key with another request, or while the first still runs, is CONFLICT
// (with Retry-After 1 s for the latter). A reservation older than CLIENTELE_IDEMPOTENCY_LEASE
// without a response belongs to a request that died with its process (a request that fails
// frees its key itself): the next retry takes it over and does the work.
func (s *Service) BeginIdempotent(ctx context.Context, caller, key, requestHash string) (*StoredResponse, error) {
	if key == "" || len(key) > MaxIdempotencyKey {
		return nil, apperr.New(apperr.BadRequest, "Idempotency-Key must be 1 to %d characters.", MaxIdempotencyKey)
	}
	conn := s.db.Conn(ctx)
	now := s.now()
	// A key older than the window is free again.
	if err := conn.Where("caller = ? AND idem_key = ? AND created_at < ?", caller, key, now.Add(-IdempotencyWindow)).
		Delete(&models.IdempotencyKey{}).Error; err != nil {
		return nil, dbErr(err, "", "")
	}
	err := conn.Create(&models.IdempotencyKey{Caller: caller, IdemKey: key, RequestHash: requestHash, CreatedAt: now}).Error
	if err == nil {
		return nil, nil
	}
	if !errors.Is(err, gorm.ErrDuplicatedKey) {
		return nil, dbErr(err, "", "")
	}
	var row models.IdempotencyKey
	if err := conn.Where("caller = ? AND idem_key = ?", caller, key).Take(&row).Error; err != nil {
		return nil, dbErr(err, "", "")
	}
	switch {
	case row.RequestHash != requestHash:
		return nil, apperr.New(apperr.Conflict, "This Idempotency-Key was used with a different request.")
	case row.StatusCode == nil:
		return nil, s.takeOverIdempotent(conn, caller, key, now)
	}
	body, err := s.openBody(deref(row.Body))
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, err, "An internal error occurred.")
	}
	return &StoredResponse{Status: *row.StatusCode, ContentType: deref(row.ContentType), Body: body}, nil
}

// takeOverIdempotent reserves a key whose reservation outlived the lease for the request at
// hand; nil means this request should run. The update is conditional, so of several retries
// racing for a dead reservation exactly one wins.
func (s *Service) takeOverIdempotent(conn *gorm.DB, caller, key string, now time.Time) error {
	lease := s.cfg.IdempotencyLease
	if lease <= 0 {
		lease = defaultIdempotencyLease
	}
	res := conn.Model(&models.IdempotencyKey{}).
		Where("caller = ? AND idem_key = ? AND status_code IS NULL AND created_at < ?", caller, key, now.Add(-lease)).
		UpdateColumn("created_at", now)
	if res.Error != nil {
		return dbErr(res.Error, "", "")
	}
	if res.RowsAffected == 1 {
		return nil
	}
	inProgress := apperr.New(apperr.Conflict, "A request with this Idempotency-Key is still in progress.")
	inProgress.RetryAfter = 1
	return inProgress
}

// FinishIdempotent stores the response of a reserved key for replay.
func (s *Service) FinishIdempotent(ctx context.Context, caller, key string, r StoredResponse) error {
	sealed, err := s.sealBody(r.Body)
	if err != nil {
		return apperr.Wrap(apperr.Internal, err, "An internal error occurred.")
	}
	err = s.db.Conn(ctx).Model(&models.IdempotencyKey{}).Where("caller = ? AND idem_key = ?", caller, key).
		UpdateColumns(map[string]any{"status_code": r.Status, "content_type": r.ContentType, "body": sealed}).Error
	return dbErr(err, "", "")
}

// AbandonIdempotent frees a reserved key whose request failed, so it may be retried.
func (s *Service) AbandonIdempotent(ctx context.Context, caller, key string) error {
	err := s.db.Conn(ctx).Where("caller = ? AND idem_key = ? AND status_code IS NULL", caller, key).Delete(&models.IdempotencyKey{}).Error
	return dbErr(err, "", "")
}

// sealBody encrypts a stored response (sign-in responses carry tokens) with AES-GCM under a
// key derived from the JWT secret.
func (s *Service) sealBody(body []byte) (string, error) {
	gcm, err := s.bodyCipher()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(gcm.Seal(nonce, nonce, body, nil)), nil
}

func (s *Service) openBody(sealed string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil {
		return nil, err
	}
	gcm, err := s.bodyCipher()
	if err != nil {
		return nil, err
	}
	if len(raw) < gcm.NonceSize() {
		return nil, errors.New("sealed body too short")
	}
	return gcm.Open(nil, raw[:gcm.NonceSize()], raw[gcm.NonceSize():], nil)
}

func (s *Service) bodyCipher() (cipher.AEAD, error) {
	key := sha256.Sum256(append([]byte("clientele-idempotency:"), s.secret...))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
