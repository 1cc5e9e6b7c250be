package service

import (
	"context"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/models"
)

// IsEmailAvailable reports whether email is free to register: no customer has it. Emails are
// stored lower-case, so the check is case-insensitive. It answers what registering would:
// an erased customer's former address is free (erasure replaced it with
// erased+<id>@…), the replacement is taken, and an admin's email does not count (admins
// are another kind of account). Anyone may call it, limited per client IP; with
// CLIENTELE_EMAIL_AVAILABILITY=false it is FORBIDDEN before anything is counted, for
// operators who would rather not say who has an account.
func (s *Service) IsEmailAvailable(ctx context.Context, actor auth.Principal, email string) (bool, error) {
	if !s.cfg.EmailAvailability {
		return false, apperr.New(apperr.Forbidden, "Checking whether an email is available is turned off.")
	}
	if err := s.checkRateLimit(ctx, actor, ActionEmailAvailable, ""); err != nil {
		return false, err
	}
	email = normalizeEmail(email)
	var f apperr.Fields
	checkEmail(&f, "email", email)
	if err := f.Err(); err != nil {
		return false, err
	}
	var n int64
	if err := s.db.Conn(ctx).Model(&models.Customer{}).Where("email = ?", email).Count(&n).Error; err != nil {
		return false, dbErr(err, "", "")
	}
	return n == 0, nil
}

// PasswordValidation is validatePassword's answer: every password rule the password breaks.
type PasswordValidation struct {
	Valid  bool
	Errors []auth.PasswordError
}

// ValidatePassword checks password against the rules a new password must meet (sign-up,
// reset, invitation, change), with their messages, so a form can show them as the user
// types. Without an email, EQUALS_EMAIL is not checked. Anyone may call it, without a rate
// limit: it reads nothing but its input, and the rules are no secret.
func (s *Service) ValidatePassword(password, email string) PasswordValidation {
	problems := auth.PasswordProblems(password, normalizeEmail(email), s.cfg.PasswordMinLength)
	return PasswordValidation{Valid: len(problems) == 0, Errors: problems}
}
