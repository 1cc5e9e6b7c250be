package service

import (
	"context"
	"errors"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/revocation"
	"github.com/clientele/clientele/models"
)

// Permissions of the staff operations.
const (
	PermCustomersLock = "customers:lock"
	PermAdminsRead    = "admins:read"
	PermAdminsWrite   = "admins:write"
	PermRolesWrite    = "roles:write"
	PermAll           = "*"
)

// Permission is one entry of the admin permission catalogue.
type Permission struct {
	Name        string
	Description string
}

// permissionCatalogue is every permission a role may grant.
var permissionCatalogue = []Permission{
	{PermCustomersRead, "Read customers, their addresses and groups."},
	{PermCustomersWrite, "Create and update customers and their addresses."},
	{PermCustomersDelete, "Delete, export and erase customers."},
	{PermCustomersLock, "Lock and unlock customers."},
	{PermGroupsRead, "Read customer groups."},
	{PermGroupsWrite, "Create, update and delete customer groups."},
	{"companies:read", "Read companies."},
	{"companies:write", "Create, update and delete companies."},
	{PermAdminsRead, "Read admins, roles and the permission catalogue."},
	{PermAdminsWrite, "Create, update and delete admins."},
	{PermRolesWrite, "Create, update and delete roles."},
	{PermMessagesRead, "Read the outgoing email outbox."},
	{"audit:read", "Read the audit trail."},
	{PermAll, "Every permission, now and in the future."},
}

// Permissions lists the admin permission catalogue.
func (s *Service) Permissions(_ context.Context, actor auth.Principal) ([]Permission, error) {
	if err := requireAdmin(actor, PermAdminsRead); err != nil {
		return nil, err
	}
	return permissionCatalogue, nil
}

// RoleInput creates a role.
type RoleInput struct {
	Name        string
	Description *string
	Permissions []string
}

// RolePatch is a merge patch of a role. ExpectedVersion, when set, must equal the role's
// version (optimistic concurrency, like VirtoCommerce's concurrency stamp).
type RolePatch struct {
	Name            *string
	Description     Clearable[string]
	Permissions     *[]string
	ExpectedVersion *int
}

var errRoleNameTaken = &apperr.Error{Kind: apperr.Conflict, Message: "A role with the same name already exists.",
	Fields: []apperr.FieldError{{Field: "name", Message: "A role with the same name already exists."}}}

// ListRoles returns roles by name, keyset-paginated.
func (s *Service) ListRoles(ctx context.Context, actor auth.Principal, args PageArgs) (Page[RoleView], error) {
	if err := requireAdmin(actor, PermAdminsRead); err != nil {
		return Page[RoleView]{}, err
	}
	return keysetByName(ctx, s, args, "roles", s.roleQuery(ctx), "roles.name", nil, func(r RoleView) (string, string) { return r.Name, r.ID })
}

// roleQuery selects roles with their admin counts.
func (s *Service) roleQuery(ctx context.Context) *gorm.DB {
	return s.db.Conn(ctx).Table("roles").
		Select("roles.*, (SELECT COUNT(*) FROM admin_roles c WHERE c.role_id = roles.id) AS admins_count")
}

// GetRole returns a role by id, or by name when id is empty.
func (s *Service) GetRole(ctx context.Context, actor auth.Principal, id, name string) (RoleView, error) {
	if err := requireAdmin(actor, PermAdminsRead); err != nil {
		return RoleView{}, err
	}
	switch {
	case id != "" && name == "":
		return s.loadRole(ctx, "roles.id = ?", id)
	case name != "" && id == "":
		// Names are unique case-insensitively, so they are found that way (see checkRoleNameFree).
		return s.loadRole(ctx, "LOWER(roles.name) = ?", strings.ToLower(strings.TrimSpace(name)))
	}
	return RoleView{}, apperr.New(apperr.BadRequest, "Give exactly one of id and name.")
}

func (s *Service) loadRole(ctx context.Context, where string, arg any) (RoleView, error) {
	var r RoleView
	res := s.roleQuery(ctx).Where(where, arg).Limit(1).Scan(&r)
	if res.Error == nil && res.RowsAffected == 0 {
		return r, apperr.NotFoundf("Role")
	}
	return r, dbErr(res.Error, "Role", "")
}

// checkRoleNameFree enforces case-insensitive role names on every database (MySQL's
// collation does it in the unique index; SQLite's comparison is case-sensitive).
func (s *Service) checkRoleNameFree(ctx context.Context, r *models.Role) error {
	var n int64
	err := s.db.Conn(ctx).Model(&models.Role{}).Where("LOWER(name) = ? AND id <> ?", strings.ToLower(r.Name), r.ID).Count(&n).Error
	if err != nil {
		return dbErr(err, "", "")
	}
	if n > 0 {
		return errRoleNameTaken
	}
	return nil
}

func checkRole(f *apperr.Fields, r *models.Role) {
	checkRequired(f, "name", "Name", r.Name, 255)
	checkOptional(f, "description", "Description", r.Description, 1024)
	if len(r.Permissions) == 0 {
		f.Add("permissions", "Give at least one permission.")
	}
	for i, p := range r.Permissions {
		if !slices.ContainsFunc(permissionCatalogue, func(c Permission) bool { return c.Name == p }) {
			f.Add("permissions["+itoa(i)+"]", "No permission named "+p+".")
		}
	}
}

// CreateRole creates an admin role holding only permissions the actor holds (checkGrant).
func (s *Service) CreateRole(ctx context.Context, actor auth.Principal, in RoleInput) (RoleView, error) {
	if err := requireAdmin(actor, PermRolesWrite); err != nil {
		return RoleView{}, err
	}
	now := s.now()
	r := models.Role{ID: newID(), Name: strings.TrimSpace(in.Name), Description: trimmed(in.Description),
		Permissions: uniqueSorted(in.Permissions), Version: 1, CreatedAt: now, UpdatedAt: now}
	var f apperr.Fields
	checkRole(&f, &r)
	if err := f.Err(); err != nil {
		return RoleView{}, err
	}
	if err := checkGrant(actor, "role", "", "permissions", r.Permissions); err != nil {
		return RoleView{}, s.auditEscalation(ctx, actor, err)
	}
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		if err := s.checkRoleNameFree(ctx, &r); err != nil {
			return err
		}
		if err := s.db.Conn(ctx).Create(&r).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return errRoleNameTaken
			}
			return dbErr(err, "", "")
		}
		return s.audit(ctx, actor, "role.created", "role", r.ID, diff(nil, roleSnapshot(&r)))
	})
	return RoleView{Role: r}, err
}

// UpdateRole patches a role. The seeded Super Administrator role cannot change. The
// permissions it gains must be held by the actor (checkGrant); keeping or dropping others is
// not a grant.
func (s *Service) UpdateRole(ctx context.Context, actor auth.Principal, id string, p RolePatch) (RoleView, error) {
	if err := requireAdmin(actor, PermRolesWrite); err != nil {
		return RoleView{}, err
	}
	var out RoleView
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		before, err := s.loadRole(ctx, "roles.id = ?", id)
		if err != nil {
			return err
		}
		if err := checkVersion(p.ExpectedVersion, before.Version); err != nil {
			return err
		}
		if before.Name == SuperAdministrator {
			return apperr.New(apperr.Conflict, "The Super Administrator role cannot be changed.")
		}
		r := before.Role
		if p.Name != nil {
			r.Name = strings.TrimSpace(*p.Name)
		}
		if p.Description.Set {
			r.Description = trimmed(p.Description.Value)
		}
		if p.Permissions != nil {
			r.Permissions = uniqueSorted(*p.Permissions)
		}
		var f apperr.Fields
		checkRole(&f, &r)
		if err := f.Err(); err != nil {
			return err
		}
		added := slices.DeleteFunc(slices.Clone(r.Permissions), func(p string) bool { return slices.Contains(before.Permissions, p) })
		if err := checkGrant(actor, "role", id, "permissions", added); err != nil {
			return err
		}
		if err := s.checkRoleNameFree(ctx, &r); err != nil {
			return err
		}
		out = RoleView{Role: r, AdminsCount: before.AdminsCount}
		changes := diff(roleSnapshot(&before.Role), roleSnapshot(&r))
		if len(changes) == 0 {
			out.Role = before.Role
			return nil
		}
		out.Version, out.UpdatedAt = before.Version+1, s.now()
		if err := s.updateVersioned(ctx, &out.Role, id, before.Version, p.ExpectedVersion, taken(errRoleNameTaken)); err != nil {
			return err
		}
		if _, changed := changes["permissions"]; changed { // its admins' permissions change
			if err := s.revokeInFeed(ctx, revocation.Event{Kind: revocation.Role, Key: id, Expires: s.now().Add(s.cfg.AccessTokenTTL)}); err != nil {
				return err
			}
		}
		return s.audit(ctx, actor, "role.updated", "role", id, changes)
	})
	return out, s.auditEscalation(ctx, actor, err)
}

// checkVersion refuses a change whose expected version (If-Match, expectedVersion) is not the
// current one.
func checkVersion(expected *int, current int) error {
	if expected != nil && *expected != current {
		return apperr.New(apperr.PreconditionFailed, "The object's version is %d, not %d; read it again and retry.", current, *expected)
	}
	return nil
}

// updateVersioned overwrites the stored row (row carries its id) if it is still at version:
// the optimistic-concurrency UPDATE … WHERE id = ? AND version = ?. A duplicate key goes to
// onDuplicate (nil: an ordinary database error); no row at that version is staleWrite.
func (s *Service) updateVersioned(ctx context.Context, row any, id string, version int, expected *int, onDuplicate func(error) error) error {
	res := s.db.Conn(ctx).Model(row).Where("id = ? AND version = ?", id, version).Select("*").Omit("id", "created_at").Updates(row)
	switch {
	case res.Error != nil && onDuplicate != nil && errors.Is(res.Error, gorm.ErrDuplicatedKey):
		return onDuplicate(res.Error)
	case res.Error != nil:
		return dbErr(res.Error, "", "")
	case res.RowsAffected == 0:
		return staleWrite(expected)
	}
	return nil
}

// taken returns err whatever the duplicate-key error was: the unique field is known.
func taken(err error) func(error) error { return func(error) error { return err } }

// staleWrite is the error of a guarded UPDATE that matched no row because a concurrent
// writer got there first: PRECONDITION_FAILED when the caller named a version, else CONFLICT.
func staleWrite(expected *int) error {
	if expected != nil {
		return apperr.New(apperr.PreconditionFailed, "The object was changed at the same time; read it again and retry.")
	}
	return apperr.New(apperr.Conflict, "The object was changed at the same time; try again.")
}

// DeleteRole deletes a role no admin holds.
func (s *Service) DeleteRole(ctx context.Context, actor auth.Principal, id string, expectedVersion *int) error {
	if err := requireAdmin(actor, PermRolesWrite); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		r, err := s.loadRole(ctx, "roles.id = ?", id)
		if err != nil {
			return err
		}
		if err := checkVersion(expectedVersion, r.Version); err != nil {
			return err
		}
		switch {
		case r.Name == SuperAdministrator:
			return apperr.New(apperr.Conflict, "The Super Administrator role cannot be deleted.")
		case r.AdminsCount > 0:
			return apperr.New(apperr.Conflict, "The role is held by %d admins; take it from them first.", r.AdminsCount)
		}
		if err := s.db.Conn(ctx).Delete(&models.Role{}, "id = ?", id).Error; err != nil {
			return dbErr(err, "", "")
		}
		return s.audit(ctx, actor, "role.deleted", "role", id, diff(roleSnapshot(&r.Role), nil))
	})
}

func roleSnapshot(r *models.Role) map[string]any {
	return map[string]any{"name": r.Name, "description": r.Description, "permissions": []string(r.Permissions)}
}

func uniqueSorted(s []string) models.StringList {
	out := slices.Clone(s)
	for i := range out {
		out[i] = strings.TrimSpace(out[i])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// keysetByName pages the rows q selects from table, ordered by a name column, then id.
// filter (nil: none) narrows both the rows and their count.
func keysetByName[T any](ctx context.Context, s *Service, args PageArgs, table string, q *gorm.DB, column string,
	filter func(*gorm.DB) *gorm.DB, key func(T) (string, string)) (Page[T], error) {
	if filter == nil {
		filter = func(q *gorm.DB) *gorm.DB { return q }
	}
	limit, err := args.limit()
	if err != nil {
		return Page[T]{}, err
	}
	after, err := decodeCursor(args.Cursor, "name")
	if err != nil {
		return Page[T]{}, err
	}
	var page Page[T]
	if args.WithTotal {
		var n int64
		if err := filter(s.db.Conn(ctx).Table(table)).Count(&n).Error; err != nil {
			return page, dbErr(err, "", "")
		}
		page.Total = ptr(int(n))
	}
	q = filter(q)
	if after != nil {
		q = q.Where("("+column+" > ? OR ("+column+" = ? AND "+table+".id > ?))", after.Value, after.Value, after.ID)
	}
	var rows []T
	if err := q.Order(column + ", " + table + ".id").Limit(limit + 1).Scan(&rows).Error; err != nil {
		return page, dbErr(err, "", "")
	}
	cursorOf := func(r T) string { v, id := key(r); return encodeCursor(cursor{Sort: "name", Value: v, ID: id}) }
	if len(rows) > limit {
		rows = rows[:limit]
		page.NextCursor = cursorOf(rows[limit-1])
	}
	page.Items = rows
	page.Cursor = func(i int) string { return cursorOf(rows[i]) }
	return page, nil
}
