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

// companyPermissionCatalogue is every permission a company role may grant.
var companyPermissionCatalogue = []Permission{
	{CompanyView, "View the company, its addresses, roles and teams."},
	{CompanyEdit, "Edit the company's profile."},
	{CompanyAddressesManage, "Create, update and delete the company's addresses."},
	{CompanyUsersView, "View the company's users."},
	{CompanyUsersManage, "Add, update and remove the company's users."},
	{CompanyRolesManage, "Create, update and delete the company's roles."},
	{CompanyTeamsManage, "Create, update and delete the company's teams."},
}

func companyPermissionNames() []string {
	out := make([]string, len(companyPermissionCatalogue))
	for i, p := range companyPermissionCatalogue {
		out[i] = p.Name
	}
	return out
}

// CompanyPermissions lists the company permission catalogue, for any customer or admin.
func (s *Service) CompanyPermissions(_ context.Context, actor auth.Principal) ([]Permission, error) {
	if actor.Kind != auth.Customer {
		if err := requireAdmin(actor, ""); err != nil {
			return nil, err
		}
	}
	return companyPermissionCatalogue, nil
}

var errCompanyRoleNameTaken = &apperr.Error{Kind: apperr.Conflict, Message: "A role with the same name already exists in this company.",
	Fields: []apperr.FieldError{{Field: "name", Message: "A role with the same name already exists in this company."}}}

func (s *Service) newCompanyRole(companyID, name string, permissions []string, kind *string) models.CompanyRole {
	now := s.now()
	name = strings.TrimSpace(name)
	return models.CompanyRole{ID: newID(), CompanyID: companyID, Name: name, NameKey: strings.ToLower(name),
		Permissions: uniqueSorted(permissions), Kind: kind, Version: 1, CreatedAt: now, UpdatedAt: now}
}

// companyRoleColumns are a company role's columns with the number of users holding it.
const companyRoleColumns = "company_roles.*, (SELECT COUNT(*) FROM company_user_roles u WHERE u.role_id = company_roles.id) AS users_count"

// companyRoles selects company roles with the number of users holding each.
func (s *Service) companyRoles(ctx context.Context) *gorm.DB {
	return s.db.Conn(ctx).Table("company_roles").Select(companyRoleColumns)
}

// refuseEscalation is the FORBIDDEN answer to operation granting what the caller does not hold
// in company companyID; changes say what was refused.
func refuseEscalation(targetType, targetID, operation, companyID string, changes map[string]Change) error {
	changes["operation"], changes["companyId"] = Change{To: operation}, Change{To: companyID}
	return &apperr.Error{Kind: apperr.Forbidden, Message: errNotAuthorized.Message,
		Err: &escalation{targetType: targetType, targetID: targetID, changes: changes}}
}

// companyRole loads a role of the company; another company's role is NOT_FOUND.
func (s *Service) companyRole(ctx context.Context, companyID, id string) (CompanyRoleView, error) {
	var r CompanyRoleView
	res := s.companyRoles(ctx).Where("company_roles.id = ? AND company_roles.company_id = ?", id, companyID).Limit(1).Scan(&r)
	if res.Error == nil && res.RowsAffected == 0 {
		return r, apperr.NotFoundf("Company role")
	}
	return r, dbErr(res.Error, "", "")
}

func (s *Service) companyRoleOfKind(ctx context.Context, companyID, kind string) (models.CompanyRole, error) {
	var r models.CompanyRole
	err := s.db.Conn(ctx).Where("company_id = ? AND kind = ?", companyID, kind).Take(&r).Error
	return r, dbErr(err, "Company role", "")
}

// ListCompanyRoles returns a company's roles by name.
func (s *Service) ListCompanyRoles(ctx context.Context, actor auth.Principal, companyID string) ([]CompanyRoleView, error) {
	if _, err := s.authorizeCompany(ctx, actor, companyID, CompanyView); err != nil {
		return nil, err
	}
	out := []CompanyRoleView{}
	err := s.companyRoles(ctx).Where("company_roles.company_id = ?", companyID).Order("name_key, id").Scan(&out).Error
	return out, dbErr(err, "", "")
}

func checkCompanyRole(f *apperr.Fields, r *models.CompanyRole) {
	checkRequired(f, "name", "Name", r.Name, 255)
	for i, p := range r.Permissions {
		if !slices.ContainsFunc(companyPermissionCatalogue, func(c Permission) bool { return c.Name == p }) {
			f.Add("permissions["+itoa(i)+"]", "No company permission named "+p+".")
		}
	}
}

// CreateCompanyRole adds a role to a company (company:roles:manage). A member may put into it
// only permissions its own roles hold.
func (s *Service) CreateCompanyRole(ctx context.Context, actor auth.Principal, companyID string, in CompanyRoleInput) (CompanyRoleView, error) {
	r := s.newCompanyRole(companyID, in.Name, in.Permissions, nil)
	var f apperr.Fields
	checkCompanyRole(&f, &r)
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		access, err := s.companyAccess(ctx, actor, companyID, CompanyRolesManage)
		if err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		if lacking := access.lacking(r.Permissions); len(lacking) > 0 {
			return refuseEscalation("company", companyID, "createCompanyRole", companyID, map[string]Change{"permissions": {To: lacking}})
		}
		if err := s.db.Conn(ctx).Create(&r).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return errCompanyRoleNameTaken
			}
			return dbErr(err, "", "")
		}
		return s.audit(ctx, actor, "company_role.created", "company_role", r.ID, diff(nil, companyRoleSnapshot(&r)))
	})
	return CompanyRoleView{CompanyRole: r}, s.auditEscalation(ctx, actor, err)
}

func companyRoleSnapshot(r *models.CompanyRole) map[string]any {
	return map[string]any{"companyId": r.CompanyID, "name": r.Name, "permissions": []string(r.Permissions)}
}

// UpdateCompanyRole patches a company role; the Company Administrator role can't change. A
// member may add to it only permissions its own roles hold (it may keep or remove others).
func (s *Service) UpdateCompanyRole(ctx context.Context, actor auth.Principal, companyID, id string, p CompanyRolePatch) (CompanyRoleView, error) {
	var out CompanyRoleView
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		access, err := s.companyAccess(ctx, actor, companyID, CompanyRolesManage)
		if err != nil {
			return err
		}
		before, err := s.companyRole(ctx, companyID, id)
		if err != nil {
			return err
		}
		if err := checkVersion(p.ExpectedVersion, before.Version); err != nil {
			return err
		}
		if before.Kind != nil && *before.Kind == models.CompanyRoleAdministrator {
			return apperr.New(apperr.Conflict, "The %s role always holds every permission; it can't be changed.", before.Name)
		}
		r := before.CompanyRole
		if p.Name != nil {
			r.Name = strings.TrimSpace(*p.Name)
			r.NameKey = strings.ToLower(r.Name)
		}
		if p.Permissions != nil {
			r.Permissions = uniqueSorted(*p.Permissions)
		}
		var f apperr.Fields
		checkCompanyRole(&f, &r)
		if err := f.Err(); err != nil {
			return err
		}
		added := slices.DeleteFunc(slices.Clone(r.Permissions), func(p string) bool { return slices.Contains(before.Permissions, p) })
		if lacking := access.lacking(added); len(lacking) > 0 {
			return refuseEscalation("company_role", id, "updateCompanyRole", companyID, map[string]Change{"permissions": {To: lacking}})
		}
		out = CompanyRoleView{CompanyRole: r, UsersCount: before.UsersCount}
		changes := diff(companyRoleSnapshot(&before.CompanyRole), companyRoleSnapshot(&r))
		if len(changes) == 0 {
			out.CompanyRole = before.CompanyRole
			return nil
		}
		out.Version, out.UpdatedAt = before.Version+1, s.now()
		if err := s.updateVersioned(ctx, &out.CompanyRole, id, before.Version, p.ExpectedVersion, taken(errCompanyRoleNameTaken)); err != nil {
			return err
		}
		return s.audit(ctx, actor, "company_role.updated", "company_role", id, changes)
	})
	return out, s.auditEscalation(ctx, actor, err)
}

// DeleteCompanyRole deletes a role no user holds; the two roles every company has stay.
func (s *Service) DeleteCompanyRole(ctx context.Context, actor auth.Principal, companyID, id string, expectedVersion *int) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		if _, err := s.authorizeCompany(ctx, actor, companyID, CompanyRolesManage); err != nil {
			return err
		}
		r, err := s.companyRole(ctx, companyID, id)
		if err != nil {
			return err
		}
		if err := checkVersion(expectedVersion, r.Version); err != nil {
			return err
		}
		switch {
		case r.Kind != nil:
			return apperr.New(apperr.Conflict, "Every company keeps its %s role; it can't be deleted.", r.Name)
		case r.UsersCount > 0:
			return apperr.New(apperr.Conflict, "The role is held by %d users; take it from them first.", r.UsersCount)
		}
		if err := s.db.Conn(ctx).Delete(&models.CompanyRole{}, "id = ?", id).Error; err != nil {
			return dbErr(err, "", "")
		}
		return s.audit(ctx, actor, "company_role.deleted", "company_role", id, diff(companyRoleSnapshot(&r.CompanyRole), nil))
	})
}

var errCompanyTeamNameTaken = &apperr.Error{Kind: apperr.Conflict, Message: "A team with the same name already exists in this company.",
	Fields: []apperr.FieldError{{Field: "name", Message: "A team with the same name already exists in this company."}}}

// ListCompanyTeams returns a company's teams by name.
func (s *Service) ListCompanyTeams(ctx context.Context, actor auth.Principal, companyID string) ([]models.CompanyTeam, error) {
	if _, err := s.authorizeCompany(ctx, actor, companyID, CompanyView); err != nil {
		return nil, err
	}
	out := []models.CompanyTeam{}
	err := s.db.Conn(ctx).Where("company_id = ?", companyID).Order("name_key, id").Find(&out).Error
	return out, dbErr(err, "", "")
}

func (s *Service) companyTeam(ctx context.Context, companyID, id string) (models.CompanyTeam, error) {
	var t models.CompanyTeam
	err := s.db.Conn(ctx).Where("id = ? AND company_id = ?", id, companyID).Take(&t).Error
	return t, dbErr(err, "Company team", "")
}

func checkCompanyTeam(f *apperr.Fields, t *models.CompanyTeam) {
	checkRequired(f, "name", "Name", t.Name, 255)
	checkOptional(f, "description", "Description", t.Description, 1024)
}

func companyTeamSnapshot(t *models.CompanyTeam) map[string]any {
	return map[string]any{"companyId": t.CompanyID, "name": t.Name, "description": t.Description}
}

// CreateCompanyTeam adds a team to a company (company:teams:manage).
func (s *Service) CreateCompanyTeam(ctx context.Context, actor auth.Principal, companyID string, in CompanyTeamInput) (models.CompanyTeam, error) {
	now := s.now()
	t := models.CompanyTeam{ID: newID(), CompanyID: companyID, Name: strings.TrimSpace(in.Name), Description: trimmed(in.Description),
		Version: 1, CreatedAt: now, UpdatedAt: now}
	t.NameKey = strings.ToLower(t.Name)
	var f apperr.Fields
	checkCompanyTeam(&f, &t)
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		if _, err := s.authorizeCompany(ctx, actor, companyID, CompanyTeamsManage); err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		if err := s.db.Conn(ctx).Create(&t).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return errCompanyTeamNameTaken
			}
			return dbErr(err, "", "")
		}
		return s.audit(ctx, actor, "company_team.created", "company_team", t.ID, diff(nil, companyTeamSnapshot(&t)))
	})
	return t, err
}

// UpdateCompanyTeam patches a team.
func (s *Service) UpdateCompanyTeam(ctx context.Context, actor auth.Principal, companyID, id string, p CompanyTeamPatch) (models.CompanyTeam, error) {
	var out models.CompanyTeam
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		if _, err := s.authorizeCompany(ctx, actor, companyID, CompanyTeamsManage); err != nil {
			return err
		}
		before, err := s.companyTeam(ctx, companyID, id)
		if err != nil {
			return err
		}
		if err := checkVersion(p.ExpectedVersion, before.Version); err != nil {
			return err
		}
		t := before
		if p.Name != nil {
			t.Name = strings.TrimSpace(*p.Name)
			t.NameKey = strings.ToLower(t.Name)
		}
		if p.Description.Set {
			t.Description = trimmed(p.Description.Value)
		}
		var f apperr.Fields
		checkCompanyTeam(&f, &t)
		if err := f.Err(); err != nil {
			return err
		}
		changes := diff(companyTeamSnapshot(&before), companyTeamSnapshot(&t))
		if len(changes) == 0 {
			out = before
			return nil
		}
		t.Version, t.UpdatedAt = before.Version+1, s.now()
		if err := s.updateVersioned(ctx, &t, id, before.Version, p.ExpectedVersion, taken(errCompanyTeamNameTaken)); err != nil {
			return err
		}
		out = t
		return s.audit(ctx, actor, "company_team.updated", "company_team", id, changes)
	})
	return out, err
}

// DeleteCompanyTeam deletes a team; its users stay in the company without a team.
func (s *Service) DeleteCompanyTeam(ctx context.Context, actor auth.Principal, companyID, id string, expectedVersion *int) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		if _, err := s.authorizeCompany(ctx, actor, companyID, CompanyTeamsManage); err != nil {
			return err
		}
		t, err := s.companyTeam(ctx, companyID, id)
		if err != nil {
			return err
		}
		if err := checkVersion(expectedVersion, t.Version); err != nil {
			return err
		}
		conn := s.db.Conn(ctx)
		// Explicit rather than ON DELETE SET NULL: the memberships' versions move too.
		err = conn.Model(&models.CompanyUser{}).Where("team_id = ?", id).
			UpdateColumns(map[string]any{"team_id": nil, "version": gorm.Expr("version + 1"), "updated_at": s.now()}).Error
		if err != nil {
			return dbErr(err, "", "")
		}
		if err := conn.Delete(&models.CompanyTeam{}, "id = ?", id).Error; err != nil {
			return dbErr(err, "", "")
		}
		return s.audit(ctx, actor, "company_team.deleted", "company_team", id, diff(companyTeamSnapshot(&t), nil))
	})
}
