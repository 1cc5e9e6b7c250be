package service

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/models"
)

// errNotAssigned is SPEC §3's answer to a user id that is not a member of the company.
var errNotAssigned = apperr.New(apperr.NotFound, "The user with the ID provided in the input.id argument is not assigned to your company.")

// companyUserViews completes memberships with their customers, roles (with counts) and
// teams: three statements at most, whatever the number of memberships. Customers the caller
// already holds (known) are not read again.
func (s *Service) companyUserViews(ctx context.Context, ms []models.CompanyUser, known ...models.Customer) ([]CompanyUserView, error) {
	out := make([]CompanyUserView, len(ms))
	if len(ms) == 0 {
		return out, nil
	}
	customerByID := indexBy(known, func(c models.Customer) string { return c.ID })
	var customerIDs, companyIDs, memberIDs, teamIDs []string
	for _, m := range ms {
		if _, ok := customerByID[m.CustomerID]; !ok {
			customerIDs = append(customerIDs, m.CustomerID)
		}
		companyIDs, memberIDs = appendNew(companyIDs, m.CompanyID), appendNew(memberIDs, m.CustomerID)
		if m.TeamID != nil {
			teamIDs = append(teamIDs, *m.TeamID)
		}
	}
	conn := s.db.Conn(ctx)
	if len(customerIDs) > 0 {
		var customers []models.Customer
		if err := conn.Where("id IN ?", customerIDs).Find(&customers).Error; err != nil {
			return nil, dbErr(err, "", "")
		}
		for _, c := range customers {
			customerByID[c.ID] = c
		}
	}
	// Each role of each membership, in the order given. Both lists together may name a few
	// pairs that are not among ms (another customer's membership in one of the companies):
	// they are not looked at.
	var held []struct {
		CompanyRoleView
		MemberID string
	}
	err := s.companyRoles(ctx).Select(companyRoleColumns+", cur.customer_id AS member_id").
		Joins("JOIN company_user_roles cur ON cur.role_id = company_roles.id").
		Where("cur.company_id IN ? AND cur.customer_id IN ?", companyIDs, memberIDs).
		Order("cur.ordinal").Scan(&held).Error
	if err != nil {
		return nil, dbErr(err, "", "")
	}
	var teams []models.CompanyTeam
	if len(teamIDs) > 0 {
		if err := conn.Where("id IN ?", teamIDs).Find(&teams).Error; err != nil {
			return nil, dbErr(err, "", "")
		}
	}
	type member struct{ company, customer string }
	rolesOf := map[member][]CompanyRoleView{}
	for _, h := range held {
		k := member{h.CompanyID, h.MemberID}
		rolesOf[k] = append(rolesOf[k], h.CompanyRoleView)
	}
	teamByID := indexBy(teams, func(t models.CompanyTeam) string { return t.ID })
	for i, m := range ms {
		roles := rolesOf[member{m.CompanyID, m.CustomerID}]
		m.RoleIDs = make([]string, len(roles))
		for j, r := range roles {
			m.RoleIDs[j] = r.ID
		}
		out[i] = CompanyUserView{CompanyUser: m, Customer: customerByID[m.CustomerID], Roles: roles}
		if len(roles) > 0 {
			out[i].Role = roles[0]
		}
		if m.TeamID != nil {
			t := teamByID[*m.TeamID]
			out[i].Team = &t
		}
	}
	return out, nil
}

// appendNew appends v to list unless it is there already.
func appendNew(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

func indexBy[T any](rows []T, key func(T) string) map[string]T {
	out := make(map[string]T, len(rows))
	for _, r := range rows {
		out[key(r)] = r
	}
	return out
}

// MembershipsOf returns the company memberships of several customers in constant
// statements. It is for callers that already authorized reading those customers.
func (s *Service) MembershipsOf(ctx context.Context, customerIDs []string) (map[string][]CompanyUserView, error) {
	return s.membershipsOf(ctx, customerIDs)
}

// membershipsOf is MembershipsOf; the customers the caller has already read (known) are not
// read again.
func (s *Service) membershipsOf(ctx context.Context, customerIDs []string, known ...models.Customer) (map[string][]CompanyUserView, error) {
	var ms []models.CompanyUser
	err := s.db.Conn(ctx).Where("customer_id IN ?", customerIDs).Order("customer_id, created_at, company_id").Find(&ms).Error
	if err != nil {
		return nil, dbErr(err, "", "")
	}
	views, err := s.companyUserViews(ctx, ms, known...)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]CompanyUserView, len(customerIDs))
	for _, id := range customerIDs {
		out[id] = []CompanyUserView{}
	}
	for _, v := range views {
		out[v.CustomerID] = append(out[v.CustomerID], v)
	}
	return out, nil
}

// ListCompanyUsers returns a company's users, earliest member first (company:users:view).
func (s *Service) ListCompanyUsers(ctx context.Context, actor auth.Principal, companyID string, args PageArgs) (Page[CompanyUserView], error) {
	if _, err := s.authorizeCompany(ctx, actor, companyID, CompanyUsersView); err != nil {
		return Page[CompanyUserView]{}, err
	}
	q := s.db.Conn(ctx).Model(&models.CompanyUser{}).Where("company_id = ?", companyID)
	members, err := byTime(q, args, "created_at", "customer_id", "joined", "ASC",
		func(m *models.CompanyUser) (time.Time, string) { return m.CreatedAt, m.CustomerID })
	if err != nil {
		return Page[CompanyUserView]{}, err
	}
	views, err := s.companyUserViews(ctx, members.Items)
	return Page[CompanyUserView]{Items: views, NextCursor: members.NextCursor, Total: members.Total, Cursor: members.Cursor}, err
}

// TeamUsers returns the users of several teams of one company. It is nil, without an error,
// when the caller may view the company (and so its teams) but not its users: team responses
// then leave the users out rather than fail.
func (s *Service) TeamUsers(ctx context.Context, actor auth.Principal, companyID string, teamIDs []string) (map[string][]CompanyUserView, error) {
	if _, err := s.authorizeCompany(ctx, actor, companyID, CompanyUsersView); err != nil {
		if apperr.KindOf(err) != apperr.Forbidden {
			return nil, err
		}
		_, err := s.authorizeCompany(ctx, actor, companyID, CompanyView)
		return nil, err
	}
	var ms []models.CompanyUser
	err := s.db.Conn(ctx).Where("company_id = ? AND team_id IN ?", companyID, teamIDs).Order("created_at, customer_id").Find(&ms).Error
	if err != nil {
		return nil, dbErr(err, "", "")
	}
	views, err := s.companyUserViews(ctx, ms)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]CompanyUserView, len(teamIDs))
	for _, id := range teamIDs {
		out[id] = []CompanyUserView{}
	}
	for _, v := range views {
		out[*v.TeamID] = append(out[*v.TeamID], v)
	}
	return out, nil
}

// companyUser loads one membership with its customer, role and team.
func (s *Service) companyUser(ctx context.Context, companyID, customerID string) (CompanyUserView, error) {
	var m models.CompanyUser
	err := s.db.Conn(ctx).Where("company_id = ? AND customer_id = ?", companyID, customerID).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return CompanyUserView{}, errNotAssigned
	}
	if err != nil {
		return CompanyUserView{}, dbErr(err, "", "")
	}
	views, err := s.companyUserViews(ctx, []models.CompanyUser{m})
	if err != nil {
		return CompanyUserView{}, err
	}
	return views[0], nil
}

// maxCompanyUserRoles bounds roleIds: a person holds a handful of roles, not hundreds.
const maxCompanyUserRoles = 50

// roleRequest is the roles an input names, in the order given and each once, with the input
// path of each (for errors); nil ids when the input names none.
type roleRequest struct{ ids, fields []string }

// requestedRoles reads roleId (a list of one) or roleIds. Both at once, an empty roleIds (a
// user needs a role) and an overlong one are VALIDATION_FAILED.
func requestedRoles(f *apperr.Fields, roleID *string, roleIDs []string) roleRequest {
	var req roleRequest
	switch {
	case roleID != nil && roleIDs != nil:
		f.Add("roleIds", "Give roleId or roleIds, not both.")
	case roleID != nil:
		req.ids, req.fields = []string{strings.TrimSpace(*roleID)}, []string{"roleId"}
	case roleIDs == nil:
	case len(roleIDs) == 0:
		f.Add("roleIds", "A company user needs at least one role.")
	case len(roleIDs) > maxCompanyUserRoles:
		f.Add("roleIds", "A company user holds at most "+itoa(maxCompanyUserRoles)+" roles.")
	default:
		for i, id := range roleIDs {
			if id = strings.TrimSpace(id); !slices.Contains(req.ids, id) {
				req.ids, req.fields = append(req.ids, id), append(req.fields, "roleIds["+itoa(i)+"]")
			}
		}
	}
	return req
}

// namedRoles returns the company's roles that roleId or roleIds name, in order; nil when they
// name none or a field fails. The first id that is not a role of the company is the field error.
func (s *Service) namedRoles(ctx context.Context, f *apperr.Fields, companyID string, roleID *string, roleIDs []string) ([]CompanyRoleView, error) {
	req := requestedRoles(f, roleID, roleIDs)
	if req.ids == nil {
		return nil, nil
	}
	var found []CompanyRoleView
	err := s.companyRoles(ctx).Where("company_roles.company_id = ? AND company_roles.id IN ?", companyID, req.ids).Scan(&found).Error
	if err != nil {
		return nil, dbErr(err, "", "")
	}
	byID := indexBy(found, func(r CompanyRoleView) string { return r.ID })
	out := make([]CompanyRoleView, len(req.ids))
	for i, id := range req.ids {
		r, ok := byID[id]
		if !ok {
			f.Add(req.fields[i], "No such entity with roleId = "+id)
			return nil, nil
		}
		out[i] = r
	}
	return out, nil
}

// setRoles makes roles, in order, m's roles.
func setRoles(m *models.CompanyUser, roles []CompanyRoleView) {
	m.RoleIDs = make([]string, len(roles))
	for i, r := range roles {
		m.RoleIDs[i] = r.ID
	}
	m.RoleID = m.RoleIDs[0]
}

// checkCompanyUser checks that the team a membership names is the company's, and its fields.
func (s *Service) checkCompanyUser(ctx context.Context, f *apperr.Fields, m *models.CompanyUser) error {
	if m.TeamID != nil {
		if _, err := s.companyTeam(ctx, m.CompanyID, *m.TeamID); err != nil {
			if apperr.KindOf(err) != apperr.NotFound {
				return err
			}
			f.Add("teamId", "No such entity with teamId = "+*m.TeamID)
		}
	}
	checkOptional(f, "jobTitle", "Job title", m.JobTitle, 255)
	checkEnum(f, "status", m.Status, models.StatusActive, models.StatusInactive)
	return nil
}

// checkMayAssign refuses to give roles whose permissions the caller does not hold itself:
// granting is bounded by holding (SPEC §3), for others and for oneself alike.
func checkMayAssign(access companyAccess, targetType, targetID, operation string, roles []CompanyRoleView) error {
	var perms, ids []string
	for _, r := range roles {
		perms = append(perms, r.Permissions...)
		ids = append(ids, r.ID)
	}
	if lacking := access.lacking(perms); len(lacking) > 0 {
		return refuseEscalation(targetType, targetID, operation, access.ID,
			map[string]Change{"roleIds": {To: ids}, "permissions": {To: lacking}})
	}
	return nil
}

// insertMembership stores a new membership with its roles.
func (s *Service) insertMembership(ctx context.Context, m *models.CompanyUser) error {
	if err := s.db.Conn(ctx).Create(m).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return apperr.New(apperr.Conflict, "The customer is already a user of this company.")
		}
		return dbErr(err, "", "")
	}
	return s.insertMemberRoles(ctx, m)
}

func (s *Service) insertMemberRoles(ctx context.Context, m *models.CompanyUser) error {
	rows := make([]models.CompanyUserRole, len(m.RoleIDs))
	for i, id := range m.RoleIDs {
		rows[i] = models.CompanyUserRole{CompanyID: m.CompanyID, CustomerID: m.CustomerID, RoleID: id, Ordinal: i}
	}
	return dbErr(s.db.Conn(ctx).Create(&rows).Error, "", "")
}

// replaceMemberRoles makes m.RoleIDs the roles of stored membership m and sets m.RoleID to
// the first; the caller writes the membership row (its role_id and version).
func (s *Service) replaceMemberRoles(ctx context.Context, m *models.CompanyUser) error {
	m.RoleID = m.RoleIDs[0]
	err := s.db.Conn(ctx).Where("company_id = ? AND customer_id = ?", m.CompanyID, m.CustomerID).Delete(&models.CompanyUserRole{}).Error
	if err != nil {
		return dbErr(err, "", "")
	}
	return s.insertMemberRoles(ctx, m)
}

func companyUserSnapshot(m *models.CompanyUser) map[string]any {
	return map[string]any{"companyId": m.CompanyID, "roleIds": m.RoleIDs, "teamId": m.TeamID, "jobTitle": m.JobTitle, "status": m.Status}
}

// CreateCompanyUser adds a user to a company (company:users:manage). A new email becomes a
// customer without a password, who gets an INVITATION; an admin may attach an existing
// customer by CustomerID instead. Customers can't attach existing accounts: that would let a
// company pull in anyone whose id it learned. A member may give the user only roles whose
// permissions it holds itself, the Default User role (when none is named) included.
func (s *Service) CreateCompanyUser(ctx context.Context, actor auth.Principal, companyID string, in CompanyUserInput) (CompanyUserView, error) {
	var out CompanyUserView
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		access, err := s.companyAccess(ctx, actor, companyID, CompanyUsersManage)
		if err != nil {
			return err
		}
		now := s.now()
		m := models.CompanyUser{CompanyID: companyID, TeamID: trimmed(in.TeamID), JobTitle: trimmed(in.JobTitle),
			Status: models.StatusActive, Version: 1, CreatedAt: now, UpdatedAt: now}
		if in.Status != nil {
			m.Status = *in.Status
		}
		var f apperr.Fields
		roles, err := s.namedRoles(ctx, &f, companyID, in.RoleID, in.RoleIDs)
		if err != nil {
			return err
		}
		if roles == nil && len(f) == 0 {
			def, err := s.companyRoleOfKind(ctx, companyID, models.CompanyRoleDefault)
			if err != nil {
				return err
			}
			roles = []CompanyRoleView{{CompanyRole: def}}
		}
		if err := s.checkCompanyUser(ctx, &f, &m); err != nil {
			return err
		}
		var newCustomer *models.Customer
		if in.CustomerID != nil {
			if actor.Kind != auth.Admin {
				return apperr.New(apperr.Forbidden, "Only staff can add an existing customer; invite the person by email instead.")
			}
			m.CustomerID = strings.TrimSpace(*in.CustomerID)
			if _, err := s.loadCustomer(ctx, m.CustomerID); err != nil {
				if apperr.KindOf(err) != apperr.NotFound {
					return err
				}
				f.Add("customerId", "No such entity with customerId = "+m.CustomerID)
			}
		} else {
			c := s.newCustomer(Profile{Email: deref(in.Email), FirstName: deref(in.FirstName), LastName: deref(in.LastName), Phone: in.Phone})
			s.checkProfile(&f, &c, nil)
			m.CustomerID, newCustomer = c.ID, &c
		}
		if err := f.Err(); err != nil {
			return err
		}
		if err := checkMayAssign(access, "company", companyID, "createCompanyUser", roles); err != nil {
			return err
		}
		setRoles(&m, roles)
		if newCustomer != nil {
			if err := s.insertCustomer(ctx, actor, newCustomer, nil, s.sendInvitation); err != nil {
				return err
			}
		}
		if err := s.insertMembership(ctx, &m); err != nil {
			return err
		}
		if err := s.audit(ctx, actor, "company_user.created", "company_user", m.CustomerID, diff(nil, companyUserSnapshot(&m))); err != nil {
			return err
		}
		out, err = s.companyUser(ctx, companyID, m.CustomerID)
		return err
	})
	return out, s.auditEscalation(ctx, actor, err)
}

// UpdateCompanyUser patches a membership and, for email, names and phone, the customer. The
// owner stays an ACTIVE holder of Company Administrator. roleId or roleIds replace the roles;
// a member may add only roles whose permissions it holds itself. The errors are SPEC §3's,
// word for word.
func (s *Service) UpdateCompanyUser(ctx context.Context, actor auth.Principal, companyID, id string, p CompanyUserPatch) (CompanyUserView, error) {
	var out CompanyUserView
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		access, err := s.companyAccess(ctx, actor, companyID, CompanyUsersManage)
		if err != nil {
			return err
		}
		before, err := s.companyUser(ctx, companyID, id)
		if err != nil {
			return err
		}
		if err := checkVersion(p.ExpectedVersion, before.Version); err != nil {
			return err
		}
		m := before.CompanyUser
		if p.Status != nil {
			m.Status = *p.Status
		}
		if p.JobTitle.Set {
			m.JobTitle = trimmed(p.JobTitle.Value)
		}
		if p.TeamID.Set {
			m.TeamID = trimmed(p.TeamID.Value)
		}
		var f apperr.Fields
		roles, err := s.namedRoles(ctx, &f, companyID, p.RoleID, p.RoleIDs)
		if err != nil {
			return err
		}
		if err := s.checkCompanyUser(ctx, &f, &m); err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		if roles != nil {
			added := slices.DeleteFunc(slices.Clone(roles), func(r CompanyRoleView) bool { return slices.Contains(before.RoleIDs, r.ID) })
			if err := checkMayAssign(access, "company_user", id, "updateCompanyUser", added); err != nil {
				return err
			}
			setRoles(&m, roles)
		}
		holdsAdmin := slices.ContainsFunc(roles, func(r CompanyRoleView) bool { return r.Kind != nil && *r.Kind == models.CompanyRoleAdministrator })
		if id == access.OwnerID && (m.Status != models.StatusActive || roles != nil && !holdsAdmin) {
			return apperr.New(apperr.Conflict, "The company owner can't be deactivated or lose the %s role; move the ownership first.", CompanyAdministrator)
		}
		if p.Email != nil && normalizeEmail(*p.Email) != before.Customer.Email {
			if err := s.checkMayChangeEmail(ctx, actor, access.Company, id); err != nil {
				return err
			}
		}
		if p.Email != nil || p.FirstName != nil || p.LastName != nil || p.Phone.Set {
			patch := CustomerPatch{Email: p.Email, FirstName: p.FirstName, LastName: p.LastName, Phone: p.Phone}
			if _, err := s.updateCustomer(ctx, actor, id, patch, nil); err != nil {
				return err
			}
		}
		if changes := diff(companyUserSnapshot(&before.CompanyUser), companyUserSnapshot(&m)); len(changes) > 0 {
			res := s.db.Conn(ctx).Model(&models.CompanyUser{}).
				Where("company_id = ? AND customer_id = ? AND version = ?", companyID, id, before.Version).
				UpdateColumns(map[string]any{"role_id": m.RoleID, "team_id": m.TeamID, "job_title": m.JobTitle, "status": m.Status,
					"version": before.Version + 1, "updated_at": s.now()})
			switch {
			case res.Error != nil:
				return dbErr(res.Error, "", "")
			case res.RowsAffected == 0:
				return staleWrite(p.ExpectedVersion)
			}
			if _, changed := changes["roleIds"]; changed {
				if err := s.replaceMemberRoles(ctx, &m); err != nil {
					return err
				}
			}
			if err := s.audit(ctx, actor, "company_user.updated", "company_user", id, changes); err != nil {
				return err
			}
		}
		out, err = s.companyUser(ctx, companyID, id)
		return err
	})
	return out, s.auditEscalation(ctx, actor, err)
}

// checkMayChangeEmail keeps a company from taking over accounts it does not own alone: the
// sign-in email of the company's owner, or of a user who also belongs to another company, is
// changed only by staff or by the person. Otherwise whoever changes the email could reset the
// password through the new address. The person uses updateMe, which asks for the password.
func (s *Service) checkMayChangeEmail(ctx context.Context, actor auth.Principal, company models.Company, customerID string) error {
	switch {
	case actor.Kind != auth.Customer:
		return nil
	case actor.ID == customerID:
		return apperr.New(apperr.Forbidden, "Change your own email with updateMe: it asks for your password.")
	case customerID == company.OwnerID:
		return apperr.New(apperr.Forbidden, "Only the owner or staff can change the owner's email.")
	}
	var elsewhere int64
	err := s.db.Conn(ctx).Model(&models.CompanyUser{}).Where("customer_id = ? AND company_id <> ?", customerID, company.ID).Count(&elsewhere).Error
	if err != nil {
		return dbErr(err, "", "")
	}
	if elsewhere > 0 {
		return apperr.New(apperr.Forbidden, "The user also belongs to another company: only the person or staff can change the email.")
	}
	return nil
}

// DeleteCompanyUser removes a user from a company; the customer keeps its account. The
// owner can't be removed.
func (s *Service) DeleteCompanyUser(ctx context.Context, actor auth.Principal, companyID, id string, expectedVersion *int) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		company, err := s.authorizeCompany(ctx, actor, companyID, CompanyUsersManage)
		if err != nil {
			return err
		}
		m, err := s.companyUser(ctx, companyID, id)
		if err != nil {
			return err
		}
		if err := checkVersion(expectedVersion, m.Version); err != nil {
			return err
		}
		if id == company.OwnerID {
			return apperr.New(apperr.Conflict, "The company owner can't be removed; move the ownership first.")
		}
		if err := s.db.Conn(ctx).Where("company_id = ? AND customer_id = ?", companyID, id).Delete(&models.CompanyUser{}).Error; err != nil {
			return dbErr(err, "", "")
		}
		return s.audit(ctx, actor, "company_user.deleted", "company_user", id, diff(companyUserSnapshot(&m.CompanyUser), nil))
	})
}
