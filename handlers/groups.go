package handlers

import (
	"context"

	"github.com/oapi-codegen/nullable"

	"github.com/clientele/clientele/api"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/models"
)

// groups converts groups with their member counts (one statement for all).
func (s *Server) groups(ctx context.Context, gs []models.CustomerGroup) ([]api.CustomerGroup, error) {
	ids := make([]string, len(gs))
	for i := range gs {
		ids[i] = gs[i].ID
	}
	counts, err := s.svc.GroupCustomerCounts(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]api.CustomerGroup, len(gs))
	for i, g := range gs {
		out[i] = toAPIGroup(g, counts[g.ID])
	}
	return out, nil
}

func (s *Server) group(ctx context.Context, g models.CustomerGroup) (api.CustomerGroup, error) {
	out, err := s.groups(ctx, []models.CustomerGroup{g})
	if err != nil {
		return api.CustomerGroup{}, err
	}
	return out[0], nil
}

// ListCustomerGroups returns a page of groups.
func (s *Server) ListCustomerGroups(ctx context.Context, r api.ListCustomerGroupsRequestObject) (api.ListCustomerGroupsResponseObject, error) {
	args := pageArgs(r.Params.Limit, r.Params.Cursor, r.Params.WithTotal)
	page, err := s.svc.ListCustomerGroups(ctx, actor(ctx), args)
	if err != nil {
		return nil, err
	}
	items, err := s.groups(ctx, page.Items)
	if err != nil {
		return nil, err
	}
	return api.ListCustomerGroups200JSONResponse{Items: items, NextCursor: nextCursor(page.NextCursor), TotalCount: page.Total}, nil
}

// GetCustomerGroup returns one group.
func (s *Server) GetCustomerGroup(ctx context.Context, r api.GetCustomerGroupRequestObject) (api.GetCustomerGroupResponseObject, error) {
	found, err := s.svc.GetCustomerGroup(ctx, actor(ctx), r.Id)
	if err != nil {
		return nil, err
	}
	g, err := s.group(ctx, found)
	if err != nil {
		return nil, err
	}
	return api.GetCustomerGroup200JSONResponse{Body: g, Headers: api.GetCustomerGroup200ResponseHeaders{ETag: etag(g.Version)}}, nil
}

// CreateCustomerGroup creates a group.
func (s *Server) CreateCustomerGroup(ctx context.Context, r api.CreateCustomerGroupRequestObject) (api.CreateCustomerGroupResponseObject, error) {
	in := orZero(r.Body)
	created, err := s.svc.CreateCustomerGroup(ctx, actor(ctx), service.GroupInput{
		Name: in.Name, Description: in.Description, Metadata: orZero(in.Metadata),
	})
	if err != nil {
		return nil, err
	}
	g, err := s.group(ctx, created)
	if err != nil {
		return nil, err
	}
	return api.CreateCustomerGroup201JSONResponse(g), nil
}

// UpdateCustomerGroup patches a group and its membership.
func (s *Server) UpdateCustomerGroup(ctx context.Context, r api.UpdateCustomerGroupRequestObject) (api.UpdateCustomerGroupResponseObject, error) {
	in := patchBody(r.JSONBody, r.ApplicationMergePatchPlusJSONBody)
	expected, err := ifMatchVersion(r.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	p := service.GroupPatch{Name: in.Name, Description: clearable(in.Description), Metadata: metadataPatch(in.Metadata), ExpectedVersion: expected}
	if m := in.Customers; m != nil {
		p.Customers = &service.Membership{Connect: orZero(m.Connect), Disconnect: orZero(m.Disconnect), Set: orZero(m.Set), SetGiven: m.Set != nil}
	}
	updated, err := s.svc.UpdateCustomerGroup(ctx, actor(ctx), r.Id, p)
	if err != nil {
		return nil, err
	}
	g, err := s.group(ctx, updated)
	if err != nil {
		return nil, err
	}
	return api.UpdateCustomerGroup200JSONResponse(g), nil
}

// DeleteCustomerGroup deletes a group.
func (s *Server) DeleteCustomerGroup(ctx context.Context, r api.DeleteCustomerGroupRequestObject) (api.DeleteCustomerGroupResponseObject, error) {
	expected, err := ifMatchVersion(r.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	if err := s.svc.DeleteCustomerGroup(ctx, actor(ctx), r.Id, expected); err != nil {
		return nil, err
	}
	return api.DeleteCustomerGroup204Response{}, nil
}

func nextCursor(c string) nullable.Nullable[string] {
	if c == "" {
		return nullable.NewNullNullable[string]()
	}
	return nullable.NewNullableWithValue(c)
}

func metadataPatch(m *api.Metadata) *map[string]any {
	if m == nil {
		return nil
	}
	v := map[string]any(*m)
	return &v
}

// pageArgs reads the list parameters every REST list shares.
func pageArgs(limit *int, cursor *string, withTotal *bool) service.PageArgs {
	return service.NewPageArgs(limit, cursor, withTotal == nil || *withTotal)
}
