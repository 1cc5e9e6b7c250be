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

// escalation is a refused grant (SPEC §3: granting is bounded by holding), carried under the
// FORBIDDEN answer so that the service method can audit it once its transaction has rolled back:
// what was refused, to whom (the target), and the permissions missing.
type escalation struct {
	targetType, targetID string
	changes              map[string]Change
}

func (e *escalation) Error() string { return "a grant beyond what the caller holds" }

// auditEscalation writes auth.escalation_refused when err is a refused grant, and returns err.
// It is written on its own, as a refused sign-in is: the refusal commits nothing else.
func (s *Service) auditEscalation(ctx context.Context, actor auth.Principal, err error) error {
	var esc *escalation
	if errors.As(err, &esc) {
		if aerr := s.audit(ctx, actor, "auth.escalation_refused", esc.targetType, esc.targetID, esc.changes); aerr != nil {
			s.log.ErrorContext(ctx, "audit a refused escalation", "err", aerr)
		}
	}
	return err
}

// checkGrant allows giving perms (into a role, or to an admin through its roles) only if the
// actor holds every one of them itself: a permission when it holds it or `*`, `*` only when it
// holds `*` (SPEC §3). field names the input that grants; targetType and targetID what would
// have received them (an empty id for one being created).
func checkGrant(actor auth.Principal, targetType, targetID, field string, perms []string) error {
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
		Err: &escalation{targetType: targetType, targetID: targetID, changes: map[string]Change{"permissions": {To: missing}}}}
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
