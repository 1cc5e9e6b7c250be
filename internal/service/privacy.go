package service

import (
	"context"
	"time"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/models"
)

// PermAuditRead lets an admin read the audit trail.
const PermAuditRead = "audit:read"

// AuditFilter narrows the audit trail.
type AuditFilter struct {
	ActorID  string
	TargetID string
	Action   string
	From     *time.Time
	To       *time.Time
}

// ListAuditEvents returns the audit trail, newest first, keyset-paginated.
func (s *Service) ListAuditEvents(ctx context.Context, actor auth.Principal, f AuditFilter, args PageArgs) (Page[models.AuditEvent], error) {
	if err := requireAdmin(actor, PermAuditRead); err != nil {
		return Page[models.AuditEvent]{}, err
	}
	q := s.db.Conn(ctx).Model(&models.AuditEvent{})
	for column, v := range map[string]string{"actor_id": f.ActorID, "target_id": f.TargetID, "action": f.Action} {
		if v != "" {
			q = q.Where(column+" = ?", v)
		}
	}
	if f.From != nil {
		q = q.Where("occurred_at >= ?", f.From.UTC())
	}
	if f.To != nil {
		q = q.Where("occurred_at <= ?", f.To.UTC())
	}
	return newestFirst(q, args, "occurred_at", "-occurredAt", func(e *models.AuditEvent) (time.Time, string) { return e.OccurredAt, e.ID })
}

// CustomerExport is everything Clientele holds about one person.
type CustomerExport struct {
	ExportedAt  time.Time
	Customer    models.Customer
	Addresses   []models.Address
	Groups      []models.CustomerGroup
	Memberships []CompanyUserView
	AuditEvents []models.AuditEvent
}

// ExportMe exports the calling customer's data.
func (s *Service) ExportMe(ctx context.Context, actor auth.Principal) (CustomerExport, error) {
	if err := requireCustomer(actor); err != nil {
		return CustomerExport{}, err
	}
	return s.export(ctx, actor, actor.ID)
}

// ExportCustomer exports a customer's data (an admin answering a data request).
func (s *Service) ExportCustomer(ctx context.Context, actor auth.Principal, id string) (CustomerExport, error) {
	if err := requireAdmin(actor, PermCustomersDelete); err != nil {
		return CustomerExport{}, err
	}
	return s.export(ctx, actor, id)
}

func (s *Service) export(ctx context.Context, actor auth.Principal, id string) (CustomerExport, error) {
	c, err := s.loadCustomer(ctx, id)
	if err != nil {
		return CustomerExport{}, err
	}
	out := CustomerExport{ExportedAt: s.now(), Customer: c}
	books, err := s.AddressesOf(ctx, []string{id})
	if err != nil {
		return out, err
	}
	groups, err := s.GroupsOf(ctx, []string{id})
	if err != nil {
		return out, err
	}
	memberships, err := s.membershipsOf(ctx, []string{id}, c)
	if err != nil {
		return out, err
	}
	out.Addresses, out.Groups, out.Memberships = books[id], groups[id], memberships[id]
	err = s.db.Conn(ctx).Where("target_id = ? OR actor_id = ?", id, id).Order("occurred_at, id").Find(&out.AuditEvents).Error
	if err != nil {
		return out, dbErr(err, "", "")
	}
	return out, s.audit(ctx, actor, "customer.exported", "customer", id, nil)
}

// EraseMe erases the calling customer after checking its password.
func (s *Service) EraseMe(ctx context.Context, actor auth.Principal, password string) (models.Customer, error) {
	if err := requireCustomer(actor); err != nil {
		return models.Customer{}, err
	}
	c, err := s.loadCustomer(ctx, actor.ID)
	if err != nil {
		return models.Customer{}, err
	}
	if err := s.guardPasswordGuess(ctx, actor, &c); err != nil {
		return models.Customer{}, err
	}
	if err := s.verifyPasswordGuess(ctx, actor, &c, "password", password, "The password is incorrect."); err != nil {
		return models.Customer{}, err
	}
	return s.erase(ctx, actor, c.ID)
}

// EraseCustomer erases a customer (an admin answering an erasure request).
func (s *Service) EraseCustomer(ctx context.Context, actor auth.Principal, id string) (models.Customer, error) {
	if err := requireAdmin(actor, PermCustomersDelete); err != nil {
		return models.Customer{}, err
	}
	return s.erase(ctx, actor, id)
}

// erasedEmail is an erased customer's email: unique, and a valid address under a reserved
// domain (RFC 2606), so strict email validators in clients accept it. Migration 12 gave the
// rows erased before it the same form.
func erasedEmail(id string) string { return "erased+" + id + "@" + erasedDomain }

// erasedDomain holds erased customers' emails only: checkEmail refuses it everywhere else.
const erasedDomain = "erased.invalid"

// erase deletes what belongs to the person (addresses, memberships, tokens, messages), blanks
// every personal field and the personal values in earlier audit events, and keeps the id for
// the audit trail.
func (s *Service) erase(ctx context.Context, actor auth.Principal, id string) (models.Customer, error) {
	var out models.Customer
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		c, err := s.loadCustomer(ctx, id)
		if err != nil {
			return err
		}
		if c.ErasedAt != nil {
			return apperr.New(apperr.Conflict, "The customer is already erased.")
		}
		if err := s.checkOwnsNoCompany(ctx, []string{id}); err != nil {
			return err
		}
		conn := s.db.Conn(ctx)
		for _, del := range []struct {
			model any
			where string
			arg   any
		}{
			{&models.Address{}, "customer_id = ?", id},
			{&models.CustomerGroupMember{}, "customer_id = ?", id},
			{&models.CompanyUser{}, "customer_id = ?", id},
			{&models.RefreshToken{}, "subject_type = '" + models.SubjectCustomer + "' AND subject_id = ?", id},
			{&models.LoginFailure{}, "subject_type = '" + models.SubjectCustomer + "' AND subject_id = ?", id}, // client IPs
			{&models.APIToken{}, "customer_id = ?", id},
			{&models.OneTimeToken{}, "customer_id = ?", id},
			{&models.Message{}, "to_address = ?", c.Email},
		} {
			if err := conn.Where(del.where, del.arg).Delete(del.model).Error; err != nil {
				return dbErr(err, "", "")
			}
		}
		now := s.now()
		erased := models.Customer{
			ID: c.ID, Email: erasedEmail(c.ID), Gender: models.GenderNotSpecified, Status: models.StatusInactive,
			SecurityStamp: randomToken(16), OnboardingStatus: c.OnboardingStatus, Metadata: models.JSONObject{},
			Attributes: models.Attributes{}, ErasedAt: &now, Version: c.Version + 1, CreatedAt: c.CreatedAt, UpdatedAt: now,
		}
		if err := s.updateVersioned(ctx, &erased, id, c.Version, nil, nil); err != nil {
			return err
		}
		if err := s.subjectsChanged(ctx, models.SubjectCustomer, id); err != nil {
			return err
		}
		// Earlier events keep what happened and when, not the personal values.
		if err := conn.Model(&models.AuditEvent{}).Where("target_id = ?", id).UpdateColumn("changes", models.JSONObject{}).Error; err != nil {
			return dbErr(err, "", "")
		}
		out = erased
		return s.audit(ctx, actor, "customer.erased", "customer", id, nil)
	})
	return out, err
}
