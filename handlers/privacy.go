package handlers

import (
	"context"

	"github.com/clientele/clientele/api"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/models"
)

// ListAuditEvents returns a page of the audit trail.
func (s *Server) ListAuditEvents(ctx context.Context, r api.ListAuditEventsRequestObject) (api.ListAuditEventsResponseObject, error) {
	p := r.Params
	args := pageArgs(p.Limit, p.Cursor, p.WithTotal)
	page, err := s.svc.ListAuditEvents(ctx, actor(ctx), service.AuditFilter{
		ActorID: orZero(p.ActorId), TargetID: orZero(p.TargetId), Action: orZero(p.Action), From: p.From, To: p.To,
	}, args)
	if err != nil {
		return nil, err
	}
	return api.ListAuditEvents200JSONResponse{Items: toAPIAuditEvents(page.Items), NextCursor: nextCursor(page.NextCursor), TotalCount: page.Total}, nil
}

// ExportMe exports the calling customer's data.
func (s *Server) ExportMe(ctx context.Context, _ api.ExportMeRequestObject) (api.ExportMeResponseObject, error) {
	e, err := s.svc.ExportMe(ctx, actor(ctx))
	if err != nil {
		return nil, err
	}
	out, err := s.export(ctx, e)
	return api.ExportMe200JSONResponse(out), err
}

// ExportCustomer exports a customer's data.
func (s *Server) ExportCustomer(ctx context.Context, r api.ExportCustomerRequestObject) (api.ExportCustomerResponseObject, error) {
	e, err := s.svc.ExportCustomer(ctx, actor(ctx), r.Id)
	if err != nil {
		return nil, err
	}
	out, err := s.export(ctx, e)
	return api.ExportCustomer200JSONResponse(out), err
}

func (s *Server) export(ctx context.Context, e service.CustomerExport) (api.CustomerExport, error) {
	c, err := s.customer(ctx, e.Customer)
	if err != nil {
		return api.CustomerExport{}, err
	}
	groups := make([]api.CustomerGroupRef, len(e.Groups))
	for i, g := range e.Groups {
		groups[i] = api.CustomerGroupRef{Id: g.ID, Name: g.Name}
	}
	return api.CustomerExport{ExportedAt: e.ExportedAt, Customer: c, Addresses: s.addresses(ctx, e.Addresses),
		Groups: groups, Memberships: toAPICompanyUsers(e.Memberships), AuditEvents: toAPIAuditEvents(e.AuditEvents)}, nil
}

// EraseMe erases the calling customer.
func (s *Server) EraseMe(ctx context.Context, r api.EraseMeRequestObject) (api.EraseMeResponseObject, error) {
	c, err := s.svc.EraseMe(ctx, actor(ctx), orZero(r.Body).Password)
	if err != nil {
		return nil, err
	}
	out, err := s.customer(ctx, c)
	return api.EraseMe200JSONResponse(out), err
}

// EraseCustomer erases a customer.
func (s *Server) EraseCustomer(ctx context.Context, r api.EraseCustomerRequestObject) (api.EraseCustomerResponseObject, error) {
	c, err := s.svc.EraseCustomer(ctx, actor(ctx), r.Id)
	if err != nil {
		return nil, err
	}
	out, err := s.customer(ctx, c)
	return api.EraseCustomer200JSONResponse(out), err
}

func toAPIAuditEvents(events []models.AuditEvent) []api.AuditEvent {
	out := make([]api.AuditEvent, len(events))
	for i, e := range events {
		changes := map[string]api.AuditFieldChange{}
		for field, c := range e.Changes {
			m, _ := c.(map[string]any)
			changes[field] = api.AuditFieldChange{From: m["from"], To: m["to"]}
		}
		out[i] = api.AuditEvent{
			Id: e.ID, OccurredAt: e.OccurredAt, ActorType: api.AuditActorType(e.ActorType), ActorId: nullableOf(e.ActorID),
			Action: e.Action, TargetType: e.TargetType, TargetId: nullableOf(e.TargetID), Changes: changes,
			RequestId: e.RequestID, Ip: e.IP,
		}
	}
	return out
}
