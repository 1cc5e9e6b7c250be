package service

import (
	"context"
	"reflect"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/models"
)

// Change is one field's before and after in an audit event.
type Change struct {
	From any `json:"from"`
	To   any `json:"to"`
}

// audit records an event in the transaction on ctx (or on its own when there is none).
func (s *Service) audit(ctx context.Context, actor auth.Principal, action, targetType, targetID string, changes map[string]Change) error {
	ev := models.AuditEvent{
		ID:         newID(),
		OccurredAt: s.now(),
		ActorType:  actorType(actor),
		Action:     action,
		TargetType: targetType,
		Changes:    models.JSONObject{},
		RequestID:  actor.RequestID,
		IP:         actor.IP,
	}
	if actor.Kind == auth.Customer || actor.Kind == auth.Admin {
		ev.ActorID = ptr(actor.ID)
	}
	if targetID != "" {
		ev.TargetID = ptr(targetID)
	}
	for field, c := range changes {
		ev.Changes[field] = c
	}
	return dbErr(s.db.Conn(ctx).Create(&ev).Error, "audit event", "")
}

func actorType(p auth.Principal) string {
	switch p.Kind {
	case auth.Customer:
		return models.ActorCustomer
	case auth.Admin:
		return models.ActorAdmin
	case auth.System:
		return models.ActorSystem
	}
	return models.ActorAnonymous
}

// diff lists the fields whose values differ between two snapshots; either may be nil (a
// creation or a deletion).
func diff(before, after map[string]any) map[string]Change {
	out := map[string]Change{}
	for _, m := range []map[string]any{before, after} {
		for k := range m {
			from, to := before[k], after[k]
			if isNil(from) && isNil(to) || reflect.DeepEqual(from, to) {
				continue
			}
			out[k] = Change{From: from, To: to}
		}
	}
	return out
}

// isNil reports a missing value or a nil pointer, which an audit event records alike as null.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	r := reflect.ValueOf(v)
	return r.Kind() == reflect.Pointer && r.IsNil()
}

// systemActor is the principal of work the service does on its own (bootstrap, CLI).
var systemActor = auth.Principal{Kind: auth.System}
