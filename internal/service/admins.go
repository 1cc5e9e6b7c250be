package service

import (
	"context"
	"slices"
	"strings"

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

// adminPermissions is the union of the permissions of an admin's roles.
func (s *Service) adminPermissions(ctx context.Context, adminID string) ([]string, error) {
	var lists []models.StringList
	err := s.db.Conn(ctx).Table("roles").Select("roles.permissions").
		Joins("JOIN admin_roles ar ON ar.role_id = roles.id").Where("ar.admin_id = ?", adminID).Scan(&lists).Error
	if err != nil {
		return nil, dbErr(err, "", "")
	}
	var perms []string
	for _, l := range lists {
		perms = append(perms, l...)
	}
	slices.Sort(perms)
	return slices.Compact(perms), nil
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
		PasswordHash: hash, SecurityStamp: randomToken(16), Version: 1, CreatedAt: now, UpdatedAt: now}
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		conn := s.db.Conn(ctx)
		var role models.Role
		if err := conn.Where("name = ?", SuperAdministrator).Take(&role).Error; err != nil {
			return dbErr(err, "Role", "")
		}
		if err := conn.Create(&a).Error; err != nil {
			return dbErr(err, "Admin", "An admin with the same email address already exists.")
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
