package handlers

import (
	"context"
	"strconv"
	"strings"

	"github.com/clientele/clientele/api"
	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/service"
)

// etag is the ETag of a resource at version.
func etag(version int) string { return strconv.Quote(strconv.Itoa(version)) }

// ifMatchVersion reads an If-Match header ("3", W/"3" or 3) as a version.
func ifMatchVersion(h *string) (*int, error) {
	if h == nil {
		return nil, nil
	}
	v, err := strconv.Atoi(strings.Trim(strings.TrimPrefix(strings.TrimSpace(*h), "W/"), `"`))
	if err != nil {
		return nil, apperr.New(apperr.BadRequest, "If-Match must be the ETag of a version, such as \"3\".")
	}
	return &v, nil
}

// expectedVersion is the version a write must find: If-Match when sent, else the body's
// expectedVersion (the operations whose inputs carry one).
func expectedVersion(ifMatch *string, inBody *int) (*int, error) {
	v, err := ifMatchVersion(ifMatch)
	if v == nil && err == nil {
		v = inBody
	}
	return v, err
}

// ListAdmins returns a page of admins.
func (s *Server) ListAdmins(ctx context.Context, r api.ListAdminsRequestObject) (api.ListAdminsResponseObject, error) {
	args := pageArgs(r.Params.Limit, r.Params.Cursor, r.Params.WithTotal)
	page, err := s.svc.ListAdmins(ctx, actor(ctx), args)
	if err != nil {
		return nil, err
	}
	items := make([]api.Admin, len(page.Items))
	for i, a := range page.Items {
		items[i] = toAPIAdmin(a)
	}
	return api.ListAdmins200JSONResponse{Items: items, NextCursor: nextCursor(page.NextCursor), TotalCount: page.Total}, nil
}

// GetAdmin returns one admin.
func (s *Server) GetAdmin(ctx context.Context, r api.GetAdminRequestObject) (api.GetAdminResponseObject, error) {
	a, err := s.svc.GetAdmin(ctx, actor(ctx), r.Id)
	if err != nil {
		return nil, err
	}
	return api.GetAdmin200JSONResponse{Body: toAPIAdmin(a), Headers: api.GetAdmin200ResponseHeaders{ETag: etag(a.Version)}}, nil
}

// CreateAdmin creates an admin.
func (s *Server) CreateAdmin(ctx context.Context, r api.CreateAdminRequestObject) (api.CreateAdminResponseObject, error) {
	in := orZero(r.Body)
	a, err := s.svc.CreateAdmin(ctx, actor(ctx), service.AdminInput{
		Email: in.Email, Name: in.Name, Password: in.Password, Status: strOf(in.Status), ExternalID: in.ExternalId, RoleIDs: orZero(in.RoleIds),
	})
	if err != nil {
		return nil, err
	}
	return api.CreateAdmin201JSONResponse(toAPIAdmin(a)), nil
}

// UpdateAdmin patches an admin.
func (s *Server) UpdateAdmin(ctx context.Context, r api.UpdateAdminRequestObject) (api.UpdateAdminResponseObject, error) {
	in := patchBody(r.JSONBody, r.ApplicationMergePatchPlusJSONBody)
	expected, err := ifMatchVersion(r.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	a, err := s.svc.UpdateAdmin(ctx, actor(ctx), r.Id, service.AdminPatch{
		Email: in.Email, Name: in.Name, Status: strOf(in.Status), Password: in.Password, ExternalID: clearable(in.ExternalId),
		RoleIDs: in.RoleIds, ExpectedVersion: expected,
	})
	if err != nil {
		return nil, err
	}
	return api.UpdateAdmin200JSONResponse(toAPIAdmin(a)), nil
}

// DeleteAdmin deletes an admin.
func (s *Server) DeleteAdmin(ctx context.Context, r api.DeleteAdminRequestObject) (api.DeleteAdminResponseObject, error) {
	expected, err := ifMatchVersion(r.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	if err := s.svc.DeleteAdmin(ctx, actor(ctx), r.Id, expected); err != nil {
		return nil, err
	}
	return api.DeleteAdmin204Response{}, nil
}

// ListRoles returns a page of roles.
func (s *Server) ListRoles(ctx context.Context, r api.ListRolesRequestObject) (api.ListRolesResponseObject, error) {
	args := pageArgs(r.Params.Limit, r.Params.Cursor, r.Params.WithTotal)
	page, err := s.svc.ListRoles(ctx, actor(ctx), args)
	if err != nil {
		return nil, err
	}
	items := make([]api.Role, len(page.Items))
	for i, role := range page.Items {
		items[i] = toAPIRole(role)
	}
	return api.ListRoles200JSONResponse{Items: items, NextCursor: nextCursor(page.NextCursor), TotalCount: page.Total}, nil
}

// GetRole returns one role.
func (s *Server) GetRole(ctx context.Context, r api.GetRoleRequestObject) (api.GetRoleResponseObject, error) {
	role, err := s.svc.GetRole(ctx, actor(ctx), r.Id, "")
	if err != nil {
		return nil, err
	}
	return api.GetRole200JSONResponse{Body: toAPIRole(role), Headers: api.GetRole200ResponseHeaders{ETag: etag(role.Version)}}, nil
}

// CreateRole creates a role.
func (s *Server) CreateRole(ctx context.Context, r api.CreateRoleRequestObject) (api.CreateRoleResponseObject, error) {
	in := orZero(r.Body)
	role, err := s.svc.CreateRole(ctx, actor(ctx), service.RoleInput{Name: in.Name, Description: in.Description, Permissions: in.Permissions})
	if err != nil {
		return nil, err
	}
	return api.CreateRole201JSONResponse(toAPIRole(role)), nil
}

// UpdateRole patches a role; If-Match or expectedVersion guard against lost updates.
func (s *Server) UpdateRole(ctx context.Context, r api.UpdateRoleRequestObject) (api.UpdateRoleResponseObject, error) {
	in := patchBody(r.JSONBody, r.ApplicationMergePatchPlusJSONBody)
	expected, err := expectedVersion(r.Params.IfMatch, in.ExpectedVersion)
	if err != nil {
		return nil, err
	}
	role, err := s.svc.UpdateRole(ctx, actor(ctx), r.Id, service.RolePatch{
		Name: in.Name, Description: clearable(in.Description), Permissions: in.Permissions, ExpectedVersion: expected,
	})
	if err != nil {
		return nil, err
	}
	return api.UpdateRole200JSONResponse(toAPIRole(role)), nil
}

// DeleteRole deletes a role.
func (s *Server) DeleteRole(ctx context.Context, r api.DeleteRoleRequestObject) (api.DeleteRoleResponseObject, error) {
	expected, err := ifMatchVersion(r.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	if err := s.svc.DeleteRole(ctx, actor(ctx), r.Id, expected); err != nil {
		return nil, err
	}
	return api.DeleteRole204Response{}, nil
}

// ListPermissions returns the permission catalogue.
func (s *Server) ListPermissions(ctx context.Context, _ api.ListPermissionsRequestObject) (api.ListPermissionsResponseObject, error) {
	perms, err := s.svc.Permissions(ctx, actor(ctx))
	if err != nil {
		return nil, err
	}
	items := make([]api.Permission, len(perms))
	for i, p := range perms {
		items[i] = api.Permission{Name: p.Name, Description: p.Description}
	}
	return api.ListPermissions200JSONResponse{Items: items}, nil
}
