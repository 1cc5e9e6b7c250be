package service

import (
	"context"
	"errors"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/models"
)

// SuperAdministrator is the seeded role holding every permission.
const SuperAdministrator = "Super Administrator"

// RoleView is a role with its derived fields.
type RoleView struct {
	models.Role
	AdminsCount int
}

// AdminView is an admin with its roles and effective permissions.
type AdminView struct {
	models.Admin
	Roles       []RoleView
	Permissions []string
}

// CurrentAdmin returns the calling admin.
func (s *Service) CurrentAdmin(ctx context.Context, actor auth.Principal) (AdminView, error) {
	if err := requireAdmin(actor, ""); err != nil {
		return AdminView{}, err
	}
	var a models.Admin
	if err := s.db.Conn(ctx).Where("id = ?", actor.ID).Take(&a).Error; err != nil {
		return AdminView{}, dbErr(err, "Admin", "")
	}
	roles, err := s.adminRoles(ctx, a.ID)
	if err != nil {
		return AdminView{}, err
	}
	return AdminView{Admin: a, Roles: roles, Permissions: effectivePermissions(roles)}, nil
}

func (s *Service) adminRoles(ctx context.Context, adminID string) ([]RoleView, error) {
	var roles []RoleView
	err := s.db.Conn(ctx).Table("roles").
		Select("roles.*, (SELECT COUNT(*) FROM admin_roles c WHERE c.role_id = roles.id) AS admins_count").
		Joins("JOIN admin_roles ar ON ar.role_id = roles.id").
		Where("ar.admin_id = ?", adminID).Order("roles.name").Scan(&roles).Error
	return roles, dbErr(err, "", "")
}

func effectivePermissions(roles []RoleView) []string {
	perms := []string{}
	for _, r := range roles {
		perms = append(perms, r.Permissions...)
	}
	slices.Sort(perms)
	return slices.Compact(perms)
}

// CreateSuperAdmin creates an admin holding the Super Administrator role (bootstrap and CLI).
func (s *Service) CreateSuperAdmin(ctx context.Context, email, password, name string) (models.Admin, error) {
	email = normalizeEmail(email)
	if strings.TrimSpace(name) == "" {
		name = email
	}
	var f apperr.Fields
	checkEmail(&f, "email", email)
	s.checkNewPassword(&f, "password", password, email)
	if err := f.Err(); err != nil {
		return models.Admin{}, err
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return models.Admin{}, dbErr(err, "", "")
	}
	now := s.now()
	a := models.Admin{ID: newID(), Email: email, Name: strings.TrimSpace(name), Status: models.StatusActive,
		PasswordHash: &hash, SecurityStamp: randomToken(16), Version: 1, CreatedAt: now, UpdatedAt: now}
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		conn := s.db.Conn(ctx)
		var role models.Role
		if err := conn.Where("name = ?", SuperAdministrator).Take(&role).Error; err != nil {
			return dbErr(err, "Role", "")
		}
		if err := conn.Create(&a).Error; err != nil {
			return s.adminWriteErr(ctx, err, &a)
		}
		if err := conn.Create(&models.AdminRole{AdminID: a.ID, RoleID: role.ID}).Error; err != nil {
			return dbErr(err, "", "")
		}
		return s.audit(ctx, systemActor, "admin.created", "admin", a.ID, map[string]Change{"email": {To: a.Email}, "roles": {To: []string{SuperAdministrator}}})
	})
	return a, err
}

// BootstrapAdmin creates a super administrator from the configured email and password when
// no admin exists yet. It reports whether it created one.
func (s *Service) BootstrapAdmin(ctx context.Context) (bool, error) {
	if s.cfg.AdminEmail == "" || s.cfg.AdminPassword == "" {
		return false, nil
	}
	var n int64
	if err := s.db.Conn(ctx).Model(&models.Admin{}).Count(&n).Error; err != nil {
		return false, dbErr(err, "", "")
	}
	if n > 0 {
		return false, nil
	}
	_, err := s.CreateSuperAdmin(ctx, s.cfg.AdminEmail, s.cfg.AdminPassword, "")
	if apperr.KindOf(err) == apperr.Conflict {
		return false, nil // another instance bootstrapped at the same time
	}
	return err == nil, err
}

// AdminInput creates an admin; without a Password the admin is invited to choose one.
type AdminInput struct {
	Email      string
	Name       string
	Password   *string
	Status     *string
	ExternalID *string
	RoleIDs    []string
}

// AdminPatch is a merge patch of an admin; RoleIDs replaces its roles.
type AdminPatch struct {
	Email           *string
	Name            *string
	Status          *string
	Password        *string
	ExternalID      Clearable[string]
	RoleIDs         *[]string
	ExpectedVersion *int
}

var errAdminEmailTaken = &apperr.Error{Kind: apperr.Conflict, Message: "An admin with the same email address already exists.",
	Fields: []apperr.FieldError{{Field: "email", Message: "An admin with the same email address already exists."}}}

var errAdminExternalIDTaken = &apperr.Error{Kind: apperr.Conflict, Message: "An admin with the same externalId already exists.",
	Fields: []apperr.FieldError{{Field: "externalId", Message: "An admin with the same externalId already exists."}}}

// adminWriteErr classifies a failed admin write. A duplicate key is about the email or the
// externalId; the translated driver error no longer says which, so ask the database.
func (s *Service) adminWriteErr(ctx context.Context, err error, a *models.Admin) error {
	if !errors.Is(err, gorm.ErrDuplicatedKey) {
		return dbErr(err, "Admin", "")
	}
	var n int64
	s.db.Conn(ctx).Model(&models.Admin{}).Where("email = ? AND id <> ?", a.Email, a.ID).Count(&n)
	if n == 0 && a.ExternalID != nil {
		return errAdminExternalIDTaken
	}
	return errAdminEmailTaken
}

// ListAdmins returns admins by email, keyset-paginated.
func (s *Service) ListAdmins(ctx context.Context, actor auth.Principal, args PageArgs) (Page[AdminView], error) {
	if err := requireAdmin(actor, PermAdminsRead); err != nil {
		return Page[AdminView]{}, err
	}
	page, err := keysetByName(ctx, s, args, "admins", s.db.Conn(ctx).Table("admins"), "email", nil,
		func(a models.Admin) (string, string) { return a.Email, a.ID })
	if err != nil {
		return Page[AdminView]{}, err
	}
	views := make([]AdminView, len(page.Items))
	for i, a := range page.Items {
		if views[i], err = s.adminView(ctx, a); err != nil {
			return Page[AdminView]{}, err
		}
	}
	return Page[AdminView]{Items: views, NextCursor: page.NextCursor, Total: page.Total, Cursor: page.Cursor}, nil
}

func (s *Service) adminView(ctx context.Context, a models.Admin) (AdminView, error) {
	roles, err := s.adminRoles(ctx, a.ID)
	if err != nil {
		return AdminView{}, err
	}
	return AdminView{Admin: a, Roles: nonNilRoles(roles), Permissions: effectivePermissions(roles)}, nil
}

func nonNilRoles(r []RoleView) []RoleView {
	if r == nil {
		return []RoleView{}
	}
	return r
}

// GetAdmin returns an admin; every admin may read itself.
func (s *Service) GetAdmin(ctx context.Context, actor auth.Principal, id string) (AdminView, error) {
	if actor.Kind != auth.Admin || actor.ID != id {
		if err := requireAdmin(actor, PermAdminsRead); err != nil {
			return AdminView{}, err
		}
	}
	return s.loadAdmin(ctx, id)
}

func (s *Service) loadAdmin(ctx context.Context, id string) (AdminView, error) {
	var a models.Admin
	if err := s.db.Conn(ctx).Where("id = ?", id).Take(&a).Error; err != nil {
		return AdminView{}, dbErr(err, "Admin", "")
	}
	return s.adminView(ctx, a)
}

// CreateAdmin creates a staff user with roles. Without a password the admin has no account
// yet and is sent an INVITATION to choose one. The roles may hold only permissions the actor
// holds (checkGrant).
func (s *Service) CreateAdmin(ctx context.Context, actor auth.Principal, in AdminInput) (AdminView, error) {
	if err := requireAdmin(actor, PermAdminsWrite); err != nil {
		return AdminView{}, err
	}
	now := s.now()
	a := models.Admin{ID: newID(), Email: normalizeEmail(in.Email), Name: strings.TrimSpace(in.Name), Status: models.StatusActive,
		ExternalID: trimmed(in.ExternalID), SecurityStamp: randomToken(16), Version: 1, CreatedAt: now, UpdatedAt: now}
	if in.Status != nil {
		a.Status = *in.Status
	}
	var f apperr.Fields
	checkAdmin(&f, &a)
	if in.Password != nil {
		s.checkNewPassword(&f, "password", *in.Password, a.Email)
	}
	if err := s.checkIDsExist(ctx, &f, &models.Role{}, "roleIds", "role", in.RoleIDs); err != nil {
		return AdminView{}, err
	}
	if err := f.Err(); err != nil {
		return AdminView{}, err
	}
	if in.Password != nil {
		hash, err := s.hasher.Hash(ctx, *in.Password)
		if err != nil {
			return AdminView{}, dbErr(err, "", "")
		}
		a.PasswordHash = &hash
	}
	var out AdminView
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		perms, err := s.rolePermissions(ctx, in.RoleIDs)
		if err != nil {
			return err
		}
		if err := checkGrant(actor, "admin", "", "roleIds", perms); err != nil {
			return err
		}
		if err := s.db.Conn(ctx).Create(&a).Error; err != nil {
			return s.adminWriteErr(ctx, err, &a)
		}
		if err := s.setAdminRoles(ctx, a.ID, in.RoleIDs); err != nil {
			return err
		}
		if !a.HasAccount() {
			if err := s.sendAdminInvitation(ctx, &a); err != nil {
				return err
			}
		}
		if out, err = s.adminView(ctx, a); err != nil {
			return err
		}
		return s.audit(ctx, actor, "admin.created", "admin", a.ID, diff(nil, adminSnapshot(out)))
	})
	return out, s.auditEscalation(ctx, actor, err)
}

func checkAdmin(f *apperr.Fields, a *models.Admin) {
	checkEmail(f, "email", a.Email)
	checkRequired(f, "name", "Name", a.Name, 255)
	checkEnum(f, "status", a.Status, models.StatusActive, models.StatusInactive)
	checkOptional(f, "externalId", "External id", a.ExternalID, 255)
}

func (s *Service) setAdminRoles(ctx context.Context, adminID string, roleIDs []string) error {
	conn := s.db.Conn(ctx)
	if err := conn.Where("admin_id = ?", adminID).Delete(&models.AdminRole{}).Error; err != nil {
		return dbErr(err, "", "")
	}
	for _, id := range uniqueSorted(roleIDs) {
		if err := conn.Create(&models.AdminRole{AdminID: adminID, RoleID: id}).Error; err != nil {
			return dbErr(err, "", "")
		}
	}
	return nil
}

func adminSnapshot(a AdminView) map[string]any {
	roles := make([]string, len(a.Roles))
	for i, r := range a.Roles {
		roles[i] = r.Name
	}
	return map[string]any{"email": a.Email, "name": a.Name, "status": a.Status, "externalId": a.ExternalID,
		"hasAccount": a.HasAccount(), "roles": roles}
}

// UpdateAdmin patches an admin. The last active Super Administrator can't be deactivated or
// lose the role; a new password or status ends the admin's sessions. New roles may hold only
// permissions the actor holds, and the actor may set the password or email (the sign-in) only
// of an admin holding no permission it lacks itself: otherwise it could sign in as a more
// powerful admin. An invited admin whose email changes is sent a new invitation.
func (s *Service) UpdateAdmin(ctx context.Context, actor auth.Principal, id string, p AdminPatch) (AdminView, error) {
	if err := requireAdmin(actor, PermAdminsWrite); err != nil {
		return AdminView{}, err
	}
	var hash string
	if p.Password != nil {
		var f apperr.Fields
		s.checkNewPassword(&f, "password", *p.Password, "")
		if err := f.Err(); err != nil {
			return AdminView{}, err
		}
		var err error
		if hash, err = s.hasher.Hash(ctx, *p.Password); err != nil {
			return AdminView{}, dbErr(err, "", "")
		}
	}
	var out AdminView
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		before, err := s.loadAdmin(ctx, id)
		if err != nil {
			return err
		}
		if err := checkVersion(p.ExpectedVersion, before.Version); err != nil {
			return err
		}
		a := before.Admin
		if p.Email != nil {
			a.Email = normalizeEmail(*p.Email)
		}
		if p.Name != nil {
			a.Name = strings.TrimSpace(*p.Name)
		}
		if p.Status != nil {
			a.Status = *p.Status
		}
		if p.ExternalID.Set {
			a.ExternalID = trimmed(p.ExternalID.Value)
		}
		var f apperr.Fields
		checkAdmin(&f, &a)
		if p.RoleIDs != nil {
			if err := s.checkIDsExist(ctx, &f, &models.Role{}, "roleIds", "role", *p.RoleIDs); err != nil {
				return err
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		if err := s.checkAdminGrant(ctx, actor, before, a, hash != "", p.RoleIDs); err != nil {
			return err
		}
		if hash != "" || a.Status != before.Status || a.Email != before.Email {
			a.SecurityStamp = randomToken(16)
		}
		if hash != "" {
			a.PasswordHash = &hash
		}
		a.Version, a.UpdatedAt = before.Version+1, s.now()
		err = s.updateVersioned(ctx, &a, id, before.Version, p.ExpectedVersion, func(err error) error { return s.adminWriteErr(ctx, err, &a) })
		if err != nil {
			return err
		}
		if p.RoleIDs != nil {
			if err := s.setAdminRoles(ctx, id, *p.RoleIDs); err != nil {
				return err
			}
		}
		if err := s.requireActiveSuperAdmin(ctx); err != nil {
			return err
		}
		if a.SecurityStamp != before.SecurityStamp {
			if err := s.revokeAllRefreshTokens(ctx, models.SubjectAdmin, id); err != nil {
				return err
			}
		}
		if a.SecurityStamp != before.SecurityStamp || p.RoleIDs != nil {
			if err := s.subjectsChanged(ctx, models.SubjectAdmin, id); err != nil {
				return err
			}
		}
		// The invitation went to the old address and works only there: send a new one.
		if a.Email != before.Email && !a.HasAccount() {
			if err := s.sendAdminInvitation(ctx, &a); err != nil {
				return err
			}
		}
		if out, err = s.adminView(ctx, a); err != nil {
			return err
		}
		changes := diff(adminSnapshot(before), adminSnapshot(out))
		if hash != "" {
			changes["password"] = Change{To: "changed"}
		}
		return s.audit(ctx, actor, "admin.updated", "admin", id, changes)
	})
	return out, s.auditEscalation(ctx, actor, err)
}

// checkAdminGrant applies checkGrant to an update of before into after: the roles it gains
// (roleIDs, nil when unchanged) give their permissions, and a new password or email gives
// every permission the admin holds, to whoever then signs in.
func (s *Service) checkAdminGrant(ctx context.Context, actor auth.Principal, before AdminView, after models.Admin, newPassword bool, roleIDs *[]string) error {
	if newPassword || after.Email != before.Email {
		field := "email"
		if newPassword {
			field = "password"
		}
		if err := checkGrant(actor, "admin", before.ID, field, before.Permissions); err != nil {
			return err
		}
	}
	if roleIDs == nil {
		return nil
	}
	var added []string
	for _, id := range *roleIDs {
		if !slices.ContainsFunc(before.Roles, func(r RoleView) bool { return r.ID == id }) {
			added = append(added, id)
		}
	}
	perms, err := s.rolePermissions(ctx, added)
	if err != nil {
		return err
	}
	return checkGrant(actor, "admin", before.ID, "roleIds", perms)
}

// DeleteAdmin deletes an admin; the last active Super Administrator stays.
func (s *Service) DeleteAdmin(ctx context.Context, actor auth.Principal, id string, expectedVersion *int) error {
	if err := requireAdmin(actor, PermAdminsWrite); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		before, err := s.loadAdmin(ctx, id)
		if err != nil {
			return err
		}
		if err := checkVersion(expectedVersion, before.Version); err != nil {
			return err
		}
		conn := s.db.Conn(ctx)
		if err := conn.Where("subject_type = ? AND subject_id = ?", models.SubjectAdmin, id).Delete(&models.RefreshToken{}).Error; err != nil {
			return dbErr(err, "", "")
		}
		if err := conn.Delete(&models.Admin{}, "id = ?", id).Error; err != nil {
			return dbErr(err, "", "")
		}
		if err := s.subjectsChanged(ctx, models.SubjectAdmin, id); err != nil {
			return err
		}
		if err := s.requireActiveSuperAdmin(ctx); err != nil {
			return err
		}
		return s.audit(ctx, actor, "admin.deleted", "admin", id, diff(adminSnapshot(before), nil))
	})
}

// requireActiveSuperAdmin fails (and so rolls back the change) when no active admin with a
// password holds the Super Administrator role any more: an invited one may never accept.
func (s *Service) requireActiveSuperAdmin(ctx context.Context) error {
	var n int64
	err := s.db.Conn(ctx).Table("admins").
		Joins("JOIN admin_roles ar ON ar.admin_id = admins.id JOIN roles r ON r.id = ar.role_id").
		Where("admins.status = ? AND admins.password_hash IS NOT NULL AND r.name = ?", models.StatusActive, SuperAdministrator).Count(&n).Error
	if err != nil {
		return dbErr(err, "", "")
	}
	if n == 0 {
		return apperr.New(apperr.Conflict, "The last active Super Administrator cannot be removed, deactivated or lose the role.")
	}
	return nil
}
