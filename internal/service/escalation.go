package service

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/models"
)

// grantRefused is the cause of the FORBIDDEN that refuses to give away permissions the caller
// does not hold, so that the operation can audit the attempt once its transaction is undone.
type grantRefused struct{ missing []string }

func (g *grantRefused) Error() string { return "grant refused: " + strings.Join(g.missing, ", ") }

// checkGrant allows giving perms (into a role, or to an admin through its roles) only if the
// actor holds every one of them itself: a permission when it holds it or `*`, `*` only when it
// holds `*` (SPEC §3, granting is bounded by holding). field names the input that grants.
func checkGrant(actor auth.Principal, field string, perms []string) error {
	var missing []string
	for _, p := range perms {
		if !actor.Can(p) && !slices.Contains(missing, p) {
			missing = append(missing, p)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	msg := "You can grant only permissions you hold yourself; you do not hold " + strings.Join(missing, ", ") + "."
	return &apperr.Error{Kind: apperr.Forbidden, Message: msg, Fields: []apperr.FieldError{{Field: field, Message: msg}},
		Err: &grantRefused{missing: missing}}
}

// auditGrantRefused records a refused grant (err from checkGrant, possibly wrapped) as
// auth.escalation_refused. It is written on its own, after the refused transaction rolled
// back, so the refusal is kept while the change is not. Any other error is left alone.
func (s *Service) auditGrantRefused(ctx context.Context, actor auth.Principal, targetType, targetID string, err error) {
	var g *grantRefused
	if !errors.As(err, &g) {
		return
	}
	changes := map[string]Change{"permissions": {To: g.missing}}
	if err := s.audit(ctx, actor, "auth.escalation_refused", targetType, targetID, changes); err != nil {
		s.log.ErrorContext(ctx, "audit refused grant", "err", err)
	}
}

// rolePermissions is the union of the permissions of the roles ids.
func (s *Service) rolePermissions(ctx context.Context, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var roles []models.Role
	if err := s.db.Conn(ctx).Where("id IN ?", ids).Find(&roles).Error; err != nil {
		return nil, dbErr(err, "", "")
	}
	var perms []string
	for _, r := range roles {
		perms = append(perms, r.Permissions...)
	}
	return perms, nil
}
