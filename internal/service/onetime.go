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

// issueOneTimeToken creates a token of purpose for the customer or admin (subjectType) id at
// email, revoking its earlier unused ones of the same purpose, and returns it. Only its
// SHA-256 is stored.
//
// The account's row lock makes two issues for one account take turns. The earlier tokens
// are found by a plain read and revoked by primary key, and only when there are any: an
// UPDATE … WHERE customer_id = ? locks the index range where the customer's tokens would go
// even when it finds none, and since ids are time-ordered a new customer's range is the end
// of the index, where every other transaction inserts its token: they deadlocked.
func (s *Service) issueOneTimeToken(ctx context.Context, subjectType, id, email, purpose string) (string, error) {
	now := s.now()
	conn := s.db.Conn(ctx)
	if err := s.lockRow(ctx, accountTable(subjectType), id); err != nil {
		return "", err
	}
	row := models.OneTimeToken{ID: newID(), Purpose: purpose, Email: email, ExpiresAt: now.Add(oneTimeTTL[purpose]), CreatedAt: now}
	holder := "customer_id"
	if subjectType == models.SubjectAdmin {
		row.AdminID, holder = &id, "admin_id"
	} else {
		row.CustomerID = &id
	}
	var earlier []string
	err := conn.Model(&models.OneTimeToken{}).Where(holder+" = ? AND purpose = ? AND used_at IS NULL", id, purpose).
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
	row.TokenHash = hashToken(token)
	if err := conn.Create(&row).Error; err != nil {
		return "", dbErr(err, "", "")
	}
	return token, nil
}

// tokenHolder is the customer or admin a one-time token was sent to.
type tokenHolder struct {
	SubjectType string // models.SubjectCustomer or models.SubjectAdmin
	ID          string
	Email       string
	HasAccount  bool
	Version     int
	usable      bool            // ACTIVE (and, for a customer, not erased)
	Customer    models.Customer // the customer's row, when the holder is a customer
}

// findOneTimeToken returns the usable token of purpose and its holder, or
// errBadOneTimeToken. A token only works for the address it was sent to, and only while the
// holder may sign in (ACTIVE).
func (s *Service) findOneTimeToken(ctx context.Context, purpose, token string) (models.OneTimeToken, tokenHolder, error) {
	var row models.OneTimeToken
	err := s.db.Conn(ctx).Where("token_hash = ?", hashToken(token)).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, tokenHolder{}, errBadOneTimeToken
	}
	if err != nil {
		return row, tokenHolder{}, dbErr(err, "", "")
	}
	if row.Purpose != purpose || row.UsedAt != nil || !row.ExpiresAt.After(s.now()) {
		return row, tokenHolder{}, errBadOneTimeToken
	}
	h, err := s.loadTokenHolder(ctx, row)
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, h, errBadOneTimeToken
	}
	if err != nil {
		return row, h, dbErr(err, "", "")
	}
	if h.Email != row.Email || !h.usable {
		return row, h, errBadOneTimeToken
	}
	return row, h, nil
}

// loadTokenHolder reads the account row belongs to.
func (s *Service) loadTokenHolder(ctx context.Context, row models.OneTimeToken) (tokenHolder, error) {
	conn := s.db.Conn(ctx)
	if row.AdminID != nil {
		var a models.Admin
		err := conn.Where("id = ?", *row.AdminID).Take(&a).Error
		return tokenHolder{SubjectType: models.SubjectAdmin, ID: a.ID, Email: a.Email, HasAccount: a.HasAccount(),
			Version: a.Version, usable: a.Status == models.StatusActive}, err
	}
	var c models.Customer
	err := conn.Where("id = ?", deref(row.CustomerID)).Take(&c).Error
	return tokenHolder{SubjectType: models.SubjectCustomer, ID: c.ID, Email: c.Email, HasAccount: c.HasAccount(),
		Version: c.Version, usable: c.Status == models.StatusActive && c.ErasedAt == nil, Customer: c}, err
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
		row, h, err := s.findOneTimeToken(ctx, models.PurposeVerifyEmail, token)
		if err != nil {
			return err
		}
		c := h.Customer
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
		return s.audit(ctx, s.tokenActor(actor, h), "customer.email_verified", "customer", c.ID,
			map[string]Change{"emailVerified": {From: false, To: true}})
	})
	return out, err
}

// tokenActor is who acts when an anonymous caller presents a one-time token: the customer or
// admin the token was sent to, since only they could read it.
func (s *Service) tokenActor(actor auth.Principal, h tokenHolder) auth.Principal {
	if actor.Kind != auth.Anonymous {
		return actor
	}
	kind := auth.Customer
	if h.SubjectType == models.SubjectAdmin {
		kind = auth.Admin
	}
	return auth.Principal{Kind: kind, ID: h.ID, RequestID: actor.RequestID, IP: actor.IP}
}

// RequestPasswordReset queues a reset message for the ACTIVE customer with email. It answers
// nil whether or not there is one, so it reveals nothing about which emails exist; the token
// and the message are written after the answer (see mailCustomer).
func (s *Service) RequestPasswordReset(ctx context.Context, actor auth.Principal, email string) error {
	return s.mailCustomer(ctx, actor, ActionReset, email, "send password reset", func(ctx context.Context, c *models.Customer) error {
		if err := s.mailOneTimeToken(ctx, models.SubjectCustomer, c.ID, c.Email, models.PurposePasswordReset, TemplatePasswordReset); err != nil {
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
		purpose: models.PurposePasswordReset, field: "newPassword", action: "password_reset", notify: true,
	}, token, newPassword, confirmPassword)
}

// AcceptInvitation spends an invitation token, of a customer or of an admin, and sets the
// first password; the Token is of the holder's audience. The invitation reached the mailbox,
// so a customer's email becomes verified.
func (s *Service) AcceptInvitation(ctx context.Context, actor auth.Principal, token, password, confirmPassword string) (Token, error) {
	if err := s.checkRateLimit(ctx, actor, ActionReset, ""); err != nil {
		return Token{}, err
	}
	return s.setPasswordWithToken(ctx, actor, passwordByToken{
		purpose: models.PurposeInvitation, field: "password", action: "invitation_accepted", verify: true, firstOnly: true,
	}, token, password, confirmPassword)
}

// passwordByToken describes one flow that sets a password with a one-time token.
type passwordByToken struct {
	purpose   string
	field     string // the input name of the new password
	action    string // the audit action, after the holder's kind: customer.<action>, admin.<action>
	notify    bool   // queue PASSWORD_CHANGED
	verify    bool   // mark a customer's email verified
	firstOnly bool   // only for an account without a password yet
}

func (s *Service) setPasswordWithToken(ctx context.Context, actor auth.Principal, flow passwordByToken, token, password, confirm string) (Token, error) {
	token = strings.TrimSpace(token)
	// Look the token up first (without spending it) to check the password against the email.
	var f apperr.Fields
	email := ""
	if token == "" {
		f.Add("token", "The token is required.")
	} else {
		_, h, err := s.findOneTimeToken(ctx, flow.purpose, token)
		switch {
		case err == nil && !(flow.firstOnly && h.HasAccount):
			email = h.Email
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
		row, h, err := s.findOneTimeToken(ctx, flow.purpose, token)
		if err != nil {
			return err
		}
		if flow.firstOnly && h.HasAccount {
			return errBadOneTimeToken
		}
		if err := s.useOneTimeToken(ctx, row); err != nil {
			return err
		}
		stamp := randomToken(16)
		updates := map[string]any{
			"password_hash": hash, "security_stamp": stamp, "failed_login_count": 0, "locked_until": nil,
			"version": h.Version + 1, "updated_at": s.now(),
		}
		changes := map[string]Change{}
		if !h.HasAccount {
			changes["hasAccount"] = Change{From: false, To: true}
		}
		if flow.verify && h.SubjectType == models.SubjectCustomer && !h.Customer.EmailVerified {
			updates["email_verified"] = true
			changes["emailVerified"] = Change{From: false, To: true}
		}
		res := s.db.Conn(ctx).Table(accountTable(h.SubjectType)).Where("id = ? AND version = ?", h.ID, h.Version).Updates(updates)
		if res.Error != nil {
			return dbErr(res.Error, "", "")
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.Conflict, "The account was changed at the same time; try again.")
		}
		if err := s.revokeAllRefreshTokens(ctx, h.SubjectType, h.ID); err != nil {
			return err
		}
		if err := s.subjectsChanged(ctx, h.SubjectType, h.ID); err != nil {
			return err
		}
		if err := s.clearLoginFailures(ctx, h.SubjectType, h.ID); err != nil {
			return err
		}
		if flow.notify {
			if err := s.queueMessage(ctx, h.Email, TemplatePasswordChanged, ""); err != nil {
				return err
			}
		}
		if err := s.audit(ctx, s.tokenActor(actor, h), h.SubjectType+"."+flow.action, h.SubjectType, h.ID, changes); err != nil {
			return err
		}
		tok, err = s.issue(ctx, h.SubjectType, h.ID, stamp, "")
		return err
	})
	return tok, err
}
