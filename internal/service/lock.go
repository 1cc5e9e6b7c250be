package service

import (
	"context"
	"strings"
	"time"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/models"
)

// LockCustomer locks a customer until a time (nil: until unlocked) and ends every session.
func (s *Service) LockCustomer(ctx context.Context, actor auth.Principal, id string, until *time.Time, reason *string) (models.Customer, error) {
	if err := requireAdmin(actor, PermCustomersLock); err != nil {
		return models.Customer{}, err
	}
	end := models.LockedForever // an end at or past it is no end
	if until != nil && until.Before(end) {
		end = until.UTC().Truncate(time.Microsecond)
	}
	var f apperr.Fields
	if !end.After(s.now()) {
		f.Add("until", "Must be in the future.")
	}
	reason = trimmed(reason)
	checkOptional(&f, "reason", "Reason", reason, 1024)
	if err := f.Err(); err != nil {
		return models.Customer{}, err
	}
	changes := map[string]Change{"lockedUntil": {To: models.LockEnd(&end)}}
	if reason != nil {
		changes["reason"] = Change{To: *reason}
	}
	return s.setLock(ctx, actor, id, &end, "customer.locked", changes)
}

// UnlockCustomer lifts an admin's lock and the automatic lockouts of every client IP, and
// clears the failure count.
func (s *Service) UnlockCustomer(ctx context.Context, actor auth.Principal, id string) (models.Customer, error) {
	if err := requireAdmin(actor, PermCustomersLock); err != nil {
		return models.Customer{}, err
	}
	return s.setLock(ctx, actor, id, nil, "customer.unlocked", nil)
}

func (s *Service) setLock(ctx context.Context, actor auth.Principal, id string, until *time.Time, action string, changes map[string]Change) (models.Customer, error) {
	var out models.Customer
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		c, err := s.loadCustomer(ctx, id)
		if err != nil {
			return err
		}
		set := map[string]any{"locked_until": until, "failed_login_count": 0, "version": c.Version + 1, "updated_at": s.now()}
		if until != nil { // a lock ends every session
			set["security_stamp"] = randomToken(16)
		}
		res := s.db.Conn(ctx).Model(&models.Customer{}).Where("id = ? AND version = ?", id, c.Version).UpdateColumns(set)
		if res.Error != nil {
			return dbErr(res.Error, "", "")
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.Conflict, "The customer was changed at the same time; try again.")
		}
		if until != nil {
			if err := s.revokeAllRefreshTokens(ctx, models.SubjectCustomer, id); err != nil {
				return err
			}
			if err := s.subjectsChanged(ctx, models.SubjectCustomer, id); err != nil {
				return err
			}
		}
		// The automatic lockouts go too: an unlock lets every client in again.
		if err := s.clearLoginFailures(ctx, models.SubjectCustomer, id); err != nil {
			return err
		}
		audited := changes // not assigned to: the transaction may run again
		if audited == nil {
			audited = map[string]Change{"lockedUntil": {From: models.LockEnd(c.LockedUntil)}}
		}
		if out, err = s.loadCustomer(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, actor, action, "customer", id, audited)
	})
	return out, err
}

// apiTokenPrefix marks Clientele's long-lived API tokens, so they are told from JWTs at a glance.
const apiTokenPrefix = "clt_"

// RegenerateCustomerToken issues the calling customer's API token, revoking the previous
// one. The token is returned once; only its SHA-256 is kept.
func (s *Service) RegenerateCustomerToken(ctx context.Context, actor auth.Principal) (string, error) {
	if err := requireCustomer(actor); err != nil {
		return "", err
	}
	token := apiTokenPrefix + randomToken(32)
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		c, err := s.loadCustomer(ctx, actor.ID)
		if err != nil {
			return err
		}
		conn := s.db.Conn(ctx)
		if err := conn.Where("customer_id = ?", c.ID).Delete(&models.APIToken{}).Error; err != nil {
			return dbErr(err, "", "")
		}
		row := models.APIToken{CustomerID: c.ID, TokenHash: hashToken(token), StampHash: auth.StampDigest(c.SecurityStamp), CreatedAt: s.now()}
		if err := conn.Create(&row).Error; err != nil {
			return dbErr(err, "", "")
		}
		return s.audit(ctx, actor, "customer.api_token_regenerated", "customer", c.ID, nil)
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// apiTokenPrincipal authenticates an API token. It dies with the customer's security stamp,
// so a password change, lock or sign-out everywhere revokes it too.
func (s *Service) apiTokenPrincipal(ctx context.Context, token string) (auth.Principal, error) {
	var row struct {
		CustomerID    string
		StampHash     string
		SecurityStamp string
		Status        string
		LockedUntil   *time.Time
	}
	res := s.db.Conn(ctx).Table("api_tokens t").
		Select("t.customer_id, t.stamp_hash, c.security_stamp, c.status, c.locked_until").
		Joins("JOIN customers c ON c.id = t.customer_id").
		Where("t.token_hash = ?", hashToken(strings.TrimSpace(token))).Limit(1).Scan(&row)
	if res.Error != nil {
		return auth.Principal{}, dbErr(res.Error, "", "")
	}
	locked := row.LockedUntil != nil && row.LockedUntil.After(s.now())
	if res.RowsAffected == 0 || row.Status != models.StatusActive || locked || auth.StampDigest(row.SecurityStamp) != row.StampHash {
		return auth.Principal{}, errBadToken
	}
	return auth.Principal{Kind: auth.Customer, ID: row.CustomerID}, nil
}
