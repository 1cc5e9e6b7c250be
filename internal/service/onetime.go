package service

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/models"
)

// How long a one-time token works (SPEC §7).
var oneTimeTTL = map[string]time.Duration{
	models.PurposeVerifyEmail:   48 * time.Hour,
	models.PurposePasswordReset: time.Hour,
	models.PurposeInvitation:    7 * 24 * time.Hour,
}

// errBadOneTimeToken is the one answer to an unknown, used, expired or revoked token, so the
// answer says nothing about which tokens exist.
var errBadOneTimeToken = &apperr.Error{Kind: apperr.ValidationFailed, Message: "The token is invalid or has expired.",
	Fields: []apperr.FieldError{{Field: "token", Message: "The token is invalid or has expired."}}}

// issueOneTimeToken creates a token of purpose for c, revoking the earlier unused ones of the
// same purpose, and returns it. Only its SHA-256 is stored.
//
// The customer's row lock makes two issues for one customer take turns. The earlier tokens
// are found by a plain read and revoked by primary key, and only when there are any: an
// UPDATE … WHERE customer_id = ? locks the index range where the customer's tokens would go
// even when it finds none, and since ids are time-ordered a new customer's range is the end
// of the index, where every other transaction inserts its token: they deadlocked.
func (s *Service) issueOneTimeToken(ctx context.Context, c *models.Customer, purpose string) (string, error) {
	now := s.now()
	conn := s.db.Conn(ctx)
	if err := s.lockRow(ctx, "customers", c.ID); err != nil {
		return "", err
	}
	var earlier []string
	err := conn.Model(&models.OneTimeToken{}).Where("customer_id = ? AND purpose = ? AND used_at IS NULL", c.ID, purpose).
		Pluck("id", &earlier).Error
	if err != nil {
		return "", dbErr(err, "", "")
	}
	if len(earlier) > 0 {
		err := conn.Model(&models.OneTimeToken{}).Where("id IN ? AND used_at IS NULL", earlier).Update("used_at", now).Error
		if err != nil {
			return "", dbErr(err, "", "")
		}
	}
	token := randomToken(32)
	row := models.OneTimeToken{ID: newID(), TokenHash: hashToken(token), Purpose: purpose, CustomerID: c.ID,
		Email: c.Email, ExpiresAt: now.Add(oneTimeTTL[purpose]), CreatedAt: now}
	if err := conn.Create(&row).Error; err != nil {
		return "", dbErr(err, "", "")
	}
	return token, nil
}

// findOneTimeToken returns the usable token of purpose and its customer, or
// errBadOneTimeToken. A token only works for the address it was sent to, and only while the
// customer may sign in (ACTIVE).
func (s *Service) findOneTimeToken(ctx context.Context, purpose, token string) (models.OneTimeToken, models.Customer, error) {
	var row models.OneTimeToken
	var c models.Customer
	conn := s.db.Conn(ctx)
	err := conn.Where("token_hash = ?", hashToken(token)).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, c, errBadOneTimeToken
	}
	if err != nil {
		return row, c, dbErr(err, "", "")
	}
	if row.Purpose != purpose || row.UsedAt != nil || !row.ExpiresAt.After(s.now()) {
		return row, c, errBadOneTimeToken
	}
	err = conn.Where("id = ?", row.CustomerID).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, c, errBadOneTimeToken
	}
	if err != nil {
		return row, c, dbErr(err, "", "")
	}
	if c.Email != row.Email || c.Status != models.StatusActive || c.ErasedAt != nil {
		return row, c, errBadOneTimeToken
	}
	return row, c, nil
}

// useOneTimeToken spends row. The conditional UPDATE makes it single use under concurrency:
// of two requests presenting the same token, one sees no row affected.
func (s *Service) useOneTimeToken(ctx context.Context, row models.OneTimeToken) error {
	now := s.now()
	res := s.db.Conn(ctx).Model(&models.OneTimeToken{}).
		Where("id = ? AND used_at IS NULL AND expires_at > ?", row.ID, now).Update("used_at", now)
	if res.Error != nil {
		return dbErr(res.Error, "", "")
	}
	if res.RowsAffected == 0 {
		return errBadOneTimeToken
	}
	return nil
}

// errTokenRequired is returned for an empty token before any lookup.
var errTokenRequired = apperr.Invalid("token", "The token is required.")

// SendVerifyEmail queues a new verification message for email. It answers nil whether or
// not the email belongs to a customer, or is already verified, so it reveals neither; the
// token and the message are written after the answer (see mailCustomer).
func (s *Service) SendVerifyEmail(ctx context.Context, actor auth.Principal, email string) error {
	return s.mailCustomer(ctx, actor, ActionVerify, email, "send verification email", func(ctx context.Context, c *models.Customer) error {
		if c.EmailVerified {
			return nil
		}
		if err := s.sendVerification(ctx, c); err != nil {
			return err
		}
		return s.audit(ctx, actor, "customer.verification_requested", "customer", c.ID, nil)
	})
}

// activeCustomerByEmail finds the ACTIVE customer with email; ok is false when there is none.
func (s *Service) activeCustomerByEmail(ctx context.Context, email string) (c models.Customer, ok bool, err error) {
	email = normalizeEmail(email)
	if email == "" {
		return c, false, nil
	}
	err = s.db.Conn(ctx).Where("email = ? AND status = ? AND erased_at IS NULL", email, models.StatusActive).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return c, false, nil
	}
	return c, err == nil, dbErr(err, "", "")
}

// VerifyEmail spends a verification token and marks the customer's email verified.
func (s *Service) VerifyEmail(ctx context.Context, actor auth.Principal, token string) (models.Customer, error) {
	if err := s.checkRateLimit(ctx, actor, ActionVerify, ""); err != nil {
		return models.Customer{}, err
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return models.Customer{}, errTokenRequired
	}
	var out models.Customer
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		row, c, err := s.findOneTimeToken(ctx, models.PurposeVerifyEmail, token)
		if err != nil {
			return err
		}
		if err := s.useOneTimeToken(ctx, row); err != nil {
			return err
		}
		out = c
		if c.EmailVerified {
			return nil
		}
		out.EmailVerified, out.Version, out.UpdatedAt = true, c.Version+1, s.now()
		res := s.db.Conn(ctx).Model(&models.Customer{}).Where("id = ? AND version = ?", c.ID, c.Version).
			Updates(map[string]any{"email_verified": true, "version": out.Version, "updated_at": out.UpdatedAt})
		if res.Error != nil {
			return dbErr(res.Error, "", "")
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.Conflict, "The customer was changed at the same time; try again.")
		}
		return s.audit(ctx, s.tokenActor(actor, c.ID), "customer.email_verified", "customer", c.ID,
			map[string]Change{"emailVerified": {From: false, To: true}})
	})
	return out, err
}

// tokenActor is who acts when an anonymous caller presents a one-time token: the customer
// the token was sent to, since only they could read it.
func (s *Service) tokenActor(actor auth.Principal, customerID string) auth.Principal {
	if actor.Kind == auth.Anonymous {
		return auth.Principal{Kind: auth.Customer, ID: customerID, RequestID: actor.RequestID, IP: actor.IP}
	}
	return actor
}

// RequestPasswordReset queues a reset message for the ACTIVE customer with email. It answers
// nil whether or not there is one, so it reveals nothing about which emails exist; the token
// and the message are written after the answer (see mailCustomer).
func (s *Service) RequestPasswordReset(ctx context.Context, actor auth.Principal, email string) error {
	return s.mailCustomer(ctx, actor, ActionReset, email, "send password reset", func(ctx context.Context, c *models.Customer) error {
		token, err := s.issueOneTimeToken(ctx, c, models.PurposePasswordReset)
		if err != nil {
			return err
		}
		if err := s.queueMessage(ctx, c.Email, TemplatePasswordReset, token); err != nil {
			return err
		}
		return s.audit(ctx, actor, "customer.password_reset_requested", "customer", c.ID, nil)
	})
}

// ResetPassword spends a reset token and sets a new password. Every earlier session ends and
// the lockout is cleared; the returned Token is the only one that works.
func (s *Service) ResetPassword(ctx context.Context, actor auth.Principal, token, newPassword, confirmPassword string) (Token, error) {
	if err := s.checkRateLimit(ctx, actor, ActionReset, ""); err != nil {
		return Token{}, err
	}
	return s.setPasswordWithToken(ctx, actor, passwordByToken{
		purpose: models.PurposePasswordReset, field: "newPassword", action: "customer.password_reset", notify: true,
	}, token, newPassword, confirmPassword)
}

// AcceptInvitation spends an invitation token and sets the customer's first password. The
// invitation reached the mailbox, so the email becomes verified.
func (s *Service) AcceptInvitation(ctx context.Context, actor auth.Principal, token, password, confirmPassword string) (Token, error) {
	if err := s.checkRateLimit(ctx, actor, ActionReset, ""); err != nil {
		return Token{}, err
	}
	return s.setPasswordWithToken(ctx, actor, passwordByToken{
		purpose: models.PurposeInvitation, field: "password", action: "customer.invitation_accepted", verify: true, firstOnly: true,
	}, token, password, confirmPassword)
}

// passwordByToken describes one flow that sets a password with a one-time token.
type passwordByToken struct {
	purpose   string
	field     string // the input name of the new password
	action    string // the audit action
	notify    bool   // queue PASSWORD_CHANGED
	verify    bool   // mark the email verified
	firstOnly bool   // only for a customer without a password yet
}

func (s *Service) setPasswordWithToken(ctx context.Context, actor auth.Principal, flow passwordByToken, token, password, confirm string) (Token, error) {
	token = strings.TrimSpace(token)
	// Look the token up first (without spending it) to check the password against the email.
	var f apperr.Fields
	email := ""
	if token == "" {
		f.Add("token", "The token is required.")
	} else {
		_, c, err := s.findOneTimeToken(ctx, flow.purpose, token)
		switch {
		case err == nil && !(flow.firstOnly && c.HasAccount()):
			email = c.Email
		case err == nil || errors.Is(err, errBadOneTimeToken):
			f = append(f, errBadOneTimeToken.Fields...)
		default:
			return Token{}, err
		}
	}
	s.checkNewPassword(&f, flow.field, password, email)
	if confirm != password {
		f.Add("confirmPassword", "Passwords do not match.")
	}
	if err := f.Err(); err != nil {
		return Token{}, err
	}
	// Hashing is slow: do it before the transaction, which then only writes.
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return Token{}, dbErr(err, "", "")
	}
	var tok Token
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		row, c, err := s.findOneTimeToken(ctx, flow.purpose, token)
		if err != nil {
			return err
		}
		if flow.firstOnly && c.HasAccount() {
			return errBadOneTimeToken
		}
		if err := s.useOneTimeToken(ctx, row); err != nil {
			return err
		}
		stamp := randomToken(16)
		updates := map[string]any{
			"password_hash": hash, "security_stamp": stamp, "failed_login_count": 0, "locked_until": nil,
			"version": c.Version + 1, "updated_at": s.now(),
		}
		changes := map[string]Change{}
		if !c.HasAccount() {
			changes["hasAccount"] = Change{From: false, To: true}
		}
		if flow.verify && !c.EmailVerified {
			updates["email_verified"] = true
			changes["emailVerified"] = Change{From: false, To: true}
		}
		res := s.db.Conn(ctx).Model(&models.Customer{}).Where("id = ? AND version = ?", c.ID, c.Version).Updates(updates)
		if res.Error != nil {
			return dbErr(res.Error, "", "")
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.Conflict, "The customer was changed at the same time; try again.")
		}
		if err := s.revokeAllRefreshTokens(ctx, models.SubjectCustomer, c.ID); err != nil {
			return err
		}
		if err := s.clearLoginFailures(ctx, models.SubjectCustomer, c.ID); err != nil {
			return err
		}
		if flow.notify {
			if err := s.queueMessage(ctx, c.Email, TemplatePasswordChanged, ""); err != nil {
				return err
			}
		}
		if err := s.audit(ctx, s.tokenActor(actor, c.ID), flow.action, "customer", c.ID, changes); err != nil {
			return err
		}
		tok, err = s.issue(ctx, models.SubjectCustomer, c.ID, stamp, "")
		return err
	})
	return tok, err
}
