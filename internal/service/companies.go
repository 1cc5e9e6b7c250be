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

// errNotAuthorized is SPEC §3's answer to a caller without the permission.
var errNotAuthorized = apperr.New(apperr.Forbidden, "You do not have authorization to perform this action.")

var errCompanyExternalIDTaken = &apperr.Error{Kind: apperr.Conflict, Message: "A company with the same externalId already exists.",
	Fields: []apperr.FieldError{{Field: "externalId", Message: "A company with the same externalId already exists."}}}

// maxCompanyDepth bounds the walk up a hierarchy while looking for a cycle.
const maxCompanyDepth = 100

// isViewPermission reports whether a company permission only reads: admins need
// companies:read (or companies:write) for it and companies:write for the rest, and a company
// that is not ACTIVE leaves its members only these.
func isViewPermission(p string) bool { return p == CompanyView || p == CompanyUsersView }

// requireCompanyStaff checks an admin's company permission: companies:write to change, and
// companies:read or companies:write to read (whoever may change a company sees what it changed).
func requireCompanyStaff(actor auth.Principal, read bool) error {
	if read && actor.Can(PermCompaniesWrite) {
		return nil
	}
	if read {
		return requireAdmin(actor, PermCompaniesRead)
	}
	return requireAdmin(actor, PermCompaniesWrite)
}

// authorizeCompany returns the company if actor may use permission in it: an admin with
// companies:write, or companies:read for the view permissions, or a customer whose ACTIVE
// membership's roles grant it. A customer who is not a member gets NOT_FOUND, as if the
// company did not exist; a member without the permission gets FORBIDDEN. Called inside a
// transaction, it reads the company as that transaction sees it.
func (s *Service) authorizeCompany(ctx context.Context, actor auth.Principal, companyID, permission string) (models.Company, error) {
	a, err := s.companyAccess(ctx, actor, companyID, permission)
	return a.Company, err
}

// companyAccess is what authorizeCompany found: the company and what the caller holds in it,
// the union of its roles' permissions (staff hold every company permission: only an admin with
// companies:write gets past a permission that changes something).
type companyAccess struct {
	models.Company
	staff bool
	held  []string
}

// lacking returns the permissions of want that the caller does not hold, each once.
func (a companyAccess) lacking(want []string) []string {
	var out []string
	for _, p := range want {
		if !a.staff && !slices.Contains(a.held, p) && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// companyAccess is authorizeCompany, returning also what the caller holds.
func (s *Service) companyAccess(ctx context.Context, actor auth.Principal, companyID, permission string) (companyAccess, error) {
	conn := s.db.Conn(ctx)
	if actor.Kind != auth.Customer {
		if err := requireCompanyStaff(actor, isViewPermission(permission)); err != nil {
			return companyAccess{}, err
		}
		var c models.Company
		err := conn.Where("id = ?", companyID).Take(&c).Error
		return companyAccess{Company: c, staff: true}, dbErr(err, "Company", "")
	}
	// One row per role of the membership.
	var rows []struct {
		models.Company
		MemberStatus string
		Permissions  models.StringList
	}
	err := conn.Table("companies").Select("companies.*, cu.status AS member_status, r.permissions AS permissions").
		Joins("JOIN company_users cu ON cu.company_id = companies.id AND cu.customer_id = ?", actor.ID).
		Joins("JOIN company_user_roles cur ON cur.company_id = cu.company_id AND cur.customer_id = cu.customer_id").
		Joins("JOIN company_roles r ON r.id = cur.role_id").
		Where("companies.id = ?", companyID).Scan(&rows).Error
	if err != nil {
		return companyAccess{}, dbErr(err, "", "")
	}
	if len(rows) == 0 {
		return companyAccess{}, apperr.NotFoundf("Company")
	}
	a := companyAccess{Company: rows[0].Company}
	for _, r := range rows {
		a.held = append(a.held, r.Permissions...)
	}
	switch {
	case rows[0].MemberStatus != models.StatusActive || !slices.Contains(a.held, permission):
		return companyAccess{}, errNotAuthorized
	case a.Status != models.CompanyActive && !isViewPermission(permission):
		return companyAccess{}, apperr.New(apperr.Forbidden, "The company is %s: only staff can change it until it is ACTIVE.", a.Status)
	}
	return a, nil
}

// ListCompanies returns companies by name: every company to an admin with companies:read,
// and to a customer the companies where it may view the company.
func (s *Service) ListCompanies(ctx context.Context, actor auth.Principal, f CompanyFilter, args PageArgs) (Page[models.Company], error) {
	if actor.Kind != auth.Customer {
		if err := requireCompanyStaff(actor, true); err != nil {
			return Page[models.Company]{}, err
		}
	}
	filter := func(q *gorm.DB) *gorm.DB {
		if actor.Kind == auth.Customer {
			q = s.viewableBy(q, actor.ID)
		}
		if f.Search != "" {
			q = q.Where("companies.name_key LIKE ? ESCAPE '!'", "%"+escapeLike(strings.ToLower(strings.TrimSpace(f.Search)))+"%")
		}
		if f.Name != "" { // name_key is the lower-cased name
			q = q.Where("companies.name_key = ?", strings.ToLower(strings.TrimSpace(f.Name)))
		}
		if f.Status != "" {
			q = q.Where("companies.status = ?", f.Status)
		}
		if f.ParentID != "" {
			q = q.Where("companies.parent_id = ?", f.ParentID)
		}
		return q
	}
	return keysetByName(ctx, s, args, "companies", s.db.Conn(ctx).Table("companies").Select("companies.*"), "companies.name_key", filter,
		func(c models.Company) (string, string) { return c.NameKey, c.ID })
}

// viewableBy narrows a query on companies to those where the customer holds company:view
// through one of the roles of an ACTIVE membership (EXISTS: two such roles are still one company).
func (s *Service) viewableBy(q *gorm.DB, customerID string) *gorm.DB {
	return q.Where(`EXISTS (SELECT 1 FROM company_users vu
		JOIN company_user_roles vur ON vur.company_id = vu.company_id AND vur.customer_id = vu.customer_id
		JOIN company_roles vr ON vr.id = vur.role_id
		WHERE vu.company_id = companies.id AND vu.customer_id = ? AND vu.status = ? AND vr.permissions LIKE ?)`,
		customerID, models.StatusActive, `%"`+CompanyView+`"%`)
}

// GetCompany returns one company the caller may view.
func (s *Service) GetCompany(ctx context.Context, actor auth.Principal, id string) (models.Company, error) {
	return s.authorizeCompany(ctx, actor, id, CompanyView)
}

// CompanyParent returns c's parent when it has one the caller may view, else nil.
func (s *Service) CompanyParent(ctx context.Context, actor auth.Principal, c *models.Company) (*models.Company, error) {
	if c.ParentID == nil {
		return nil, nil
	}
	p, err := s.GetCompany(ctx, actor, *c.ParentID)
	if apperr.KindOf(err) == apperr.NotFound || apperr.KindOf(err) == apperr.Forbidden {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// CompanyChildren returns the children of a company that the caller may view, by name.
func (s *Service) CompanyChildren(ctx context.Context, actor auth.Principal, id string) ([]models.Company, error) {
	if _, err := s.GetCompany(ctx, actor, id); err != nil {
		return nil, err
	}
	q := s.db.Conn(ctx).Table("companies").Select("companies.*").Where("companies.parent_id = ?", id)
	if actor.Kind == auth.Customer {
		q = s.viewableBy(q, actor.ID)
	}
	var out []models.Company
	err := q.Order("companies.name_key, companies.id").Limit(MaxPageSize).Scan(&out).Error
	return out, dbErr(err, "", "")
}

// CompanyOwner returns the owner of c when the caller may see that customer (an admin with
// customers:read, or the owner itself), else nil: members see the owner among the users.
func (s *Service) CompanyOwner(ctx context.Context, actor auth.Principal, c *models.Company) (*models.Customer, error) {
	if !canSeeCustomer(actor, c.OwnerID) {
		return nil, nil
	}
	o, err := s.loadCustomer(ctx, c.OwnerID)
	if err != nil {
		return nil, err
	}
	return &o, nil
}

func canSeeCustomer(actor auth.Principal, customerID string) bool {
	return actor.Can(PermCustomersRead) || (actor.Kind == auth.Customer && actor.ID == customerID)
}

// VisibleCustomer returns c if the caller may read that customer as a whole (an admin with
// customers:read, or the customer itself), else nil.
func (s *Service) VisibleCustomer(actor auth.Principal, c *models.Customer) *models.Customer {
	if c == nil || !canSeeCustomer(actor, c.ID) {
		return nil
	}
	return c
}

// newCompany is a company about to be stored, with its first address if one was given.
type newCompany struct {
	models.Company
	address *models.Address // becomes both defaults, as a first address does
}

func (s *Service) newCompanyRow(in CompanyInput) models.Company {
	now := s.now()
	c := models.Company{
		ID: newID(), Name: strings.TrimSpace(in.Name), LegalName: trimmed(in.LegalName), Description: trimmed(in.Description),
		Email: emailOrNil(in.Email), Phone: trimmed(in.Phone), VatID: trimmed(in.VatID),
		BusinessCategory: trimmed(in.BusinessCategory), ExternalID: trimmed(in.ExternalID),
		Status: s.cfg.CompanyDefaultStatus, ParentID: trimmed(in.ParentID),
		Metadata: models.JSONObject(in.Metadata), Attributes: models.Attributes(in.Attributes),
		Version: 1, CreatedAt: now, UpdatedAt: now,
	}
	if c.Status == "" {
		c.Status = models.CompanyActive
	}
	if in.Status != nil {
		c.Status = strings.TrimSpace(*in.Status)
	}
	if in.OwnerID != nil {
		c.OwnerID = strings.TrimSpace(*in.OwnerID)
	}
	if c.Metadata == nil {
		c.Metadata = models.JSONObject{}
	}
	if c.Attributes == nil {
		c.Attributes = models.Attributes{}
	}
	c.NameKey = strings.ToLower(c.Name)
	return c
}

func emailOrNil(v *string) *string {
	if v == nil {
		return nil
	}
	return trimmed(ptr(normalizeEmail(*v)))
}

// checkCompany validates c's own fields, naming them under prefix.
func checkCompany(f *apperr.Fields, prefix string, c *models.Company) {
	checkRequired(f, prefix+"name", "Name", c.Name, 255)
	checkOptional(f, prefix+"legalName", "Legal name", c.LegalName, 255)
	checkOptional(f, prefix+"description", "Description", c.Description, 4096)
	if c.Email != nil {
		checkEmail(f, prefix+"email", *c.Email)
	}
	checkOptional(f, prefix+"phone", "Phone", c.Phone, 64)
	checkOptional(f, prefix+"vatId", "VAT id", c.VatID, 64)
	checkOptional(f, prefix+"businessCategory", "Business category", c.BusinessCategory, 255)
	checkOptional(f, prefix+"externalId", "External id", c.ExternalID, 255)
	checkEnum(f, prefix+"status", c.Status, models.CompanyPendingApproval, models.CompanyActive, models.CompanyBlocked, models.CompanyRejected)
	checkMetadata(f, prefix+"metadata", c.Metadata)
	checkAttributes(f, prefix+"attributes", c.Attributes)
}

// registeredCompany is the company of a registration, owned by the new customer; its
// problems are reported under `company.`.
func (s *Service) registeredCompany(f *apperr.Fields, ownerID string, in CompanyRegistration) *newCompany {
	nc := &newCompany{Company: s.newCompanyRow(CompanyInput{Name: in.Name, LegalName: in.LegalName, Email: in.Email,
		Phone: in.Phone, VatID: in.VatID, BusinessCategory: in.BusinessCategory, Description: in.Description})}
	nc.OwnerID = ownerID
	checkCompany(f, "company.", &nc.Company)
	if in.Address != nil {
		a := s.newAddress(companyBook(nc.ID), *in.Address)
		s.checkAddress(f, "company.address.", &a, in.Address.Region)
		nc.address = &a
	}
	return nc
}

// CreateCompany creates a company with its two roles and its owner's membership. An admin
// (companies:write) names the owner; a customer becomes the owner.
func (s *Service) CreateCompany(ctx context.Context, actor auth.Principal, in CompanyInput) (models.Company, error) {
	var f apperr.Fields
	switch actor.Kind {
	case auth.Customer:
		switch {
		case in.Status != nil || in.ExternalID != nil || in.Metadata != nil:
			return models.Company{}, apperr.New(apperr.Forbidden, "status, externalId and metadata are set by an administrator.")
		case in.OwnerID != nil && strings.TrimSpace(*in.OwnerID) != actor.ID:
			f.Add("ownerId", "A customer creates companies it owns itself; leave ownerId out.")
		}
		in.OwnerID = &actor.ID
	default:
		if err := requireAdmin(actor, PermCompaniesWrite); err != nil {
			return models.Company{}, err
		}
		if in.OwnerID == nil || strings.TrimSpace(*in.OwnerID) == "" {
			f.Add("ownerId", "Give the id of the customer who owns the company.")
		}
		if in.Status == nil {
			in.Status = ptr(models.CompanyActive) // staff create companies they have approved
		}
	}
	nc := &newCompany{Company: s.newCompanyRow(in)}
	checkCompany(&f, "", &nc.Company)
	if err := f.Err(); err != nil {
		return models.Company{}, err
	}
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		if err := s.checkCompanyRefs(ctx, actor, &nc.Company, nil); err != nil {
			return err
		}
		return s.insertCompany(ctx, actor, nc)
	})
	return nc.Company, err
}

// checkCompanyRefs checks the owner and the parent that c names (before: its stored state,
// nil for a new company). The parent must exist, be one the caller may edit, and not make c
// its own ancestor.
func (s *Service) checkCompanyRefs(ctx context.Context, actor auth.Principal, c, before *models.Company) error {
	var f apperr.Fields
	conn := s.db.Conn(ctx)
	if before == nil || c.OwnerID != before.OwnerID {
		var n int64
		if err := conn.Model(&models.Customer{}).Where("id = ? AND erased_at IS NULL", c.OwnerID).Count(&n).Error; err != nil {
			return dbErr(err, "", "")
		}
		if n == 0 {
			f.Add("ownerId", "No such entity with ownerId = "+c.OwnerID)
		}
	}
	if c.ParentID != nil && (before == nil || before.ParentID == nil || *before.ParentID != *c.ParentID) {
		if _, err := s.authorizeCompany(ctx, actor, *c.ParentID, CompanyEdit); err != nil {
			if k := apperr.KindOf(err); k != apperr.NotFound && k != apperr.Forbidden {
				return err
			}
			f.Add("parentId", "No such entity with parentId = "+*c.ParentID)
		} else if err := s.checkNoCycle(ctx, c.ID, *c.ParentID); err != nil {
			if !errors.Is(err, errCycle) {
				return err
			}
			f.Add("parentId", "A company can't be its own ancestor: "+*c.ParentID+" is "+c.Name+" or one of its descendants.")
		}
	}
	return f.Err()
}

var errCycle = errors.New("cycle")

// checkNoCycle walks up from parentID and fails with errCycle if it meets id.
func (s *Service) checkNoCycle(ctx context.Context, id, parentID string) error {
	next := &parentID
	for range maxCompanyDepth {
		if next == nil {
			return nil
		}
		if *next == id {
			return errCycle
		}
		var up struct{ ParentID *string }
		if err := s.db.Conn(ctx).Table("companies").Select("parent_id").Where("id = ?", *next).Take(&up).Error; err != nil {
			return dbErr(err, "Company", "")
		}
		next = up.ParentID
	}
	return errCycle // deeper than any real organisation: refuse rather than walk on
}

// insertCompany stores nc with its two roles, its owner's membership (as Company
// Administrator) and its first address, and audits it.
func (s *Service) insertCompany(ctx context.Context, actor auth.Principal, nc *newCompany) error {
	conn := s.db.Conn(ctx)
	if err := conn.Create(&nc.Company).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return errCompanyExternalIDTaken
		}
		return dbErr(err, "", "")
	}
	admin := s.newCompanyRole(nc.ID, CompanyAdministrator, companyPermissionNames(), ptr(models.CompanyRoleAdministrator))
	member := s.newCompanyRole(nc.ID, CompanyDefaultUser, []string{CompanyUsersView, CompanyView}, ptr(models.CompanyRoleDefault))
	if err := conn.Create(&[]models.CompanyRole{admin, member}).Error; err != nil {
		return dbErr(err, "", "")
	}
	owner := models.CompanyUser{CompanyID: nc.ID, CustomerID: nc.OwnerID, RoleID: admin.ID, RoleIDs: []string{admin.ID},
		Status: models.StatusActive, Version: 1, CreatedAt: nc.CreatedAt, UpdatedAt: nc.CreatedAt}
	if err := s.insertMembership(ctx, &owner); err != nil {
		return err
	}
	changes := diff(nil, companySnapshot(&nc.Company))
	if nc.address != nil {
		if err := s.setDefaults(ctx, nc.address, nil, nil, true); err != nil {
			return err
		}
		if err := conn.Create(nc.address).Error; err != nil {
			return dbErr(err, "", "")
		}
		changes["addressIds"] = Change{To: []string{nc.address.ID}}
	}
	return s.audit(ctx, actor, "company.created", "company", nc.ID, changes)
}

func companySnapshot(c *models.Company) map[string]any {
	return map[string]any{
		"name": c.Name, "legalName": c.LegalName, "description": c.Description, "email": c.Email, "phone": c.Phone,
		"vatId": c.VatID, "businessCategory": c.BusinessCategory, "externalId": c.ExternalID, "status": c.Status,
		"parentId": c.ParentID, "ownerId": c.OwnerID, "metadata": map[string]any(c.Metadata),
		"attributes": []models.Attribute(c.Attributes),
	}
}

// UpdateCompany patches a company (company:edit). Status, externalId and metadata are for
// admins; ownership moves (admins and the owner) to an ACTIVE member, who is made Company
// Administrator.
func (s *Service) UpdateCompany(ctx context.Context, actor auth.Principal, id string, p CompanyPatch) (models.Company, error) {
	if actor.Kind == auth.Customer && (p.Status != nil || p.ExternalID.Set || p.Metadata != nil) {
		return models.Company{}, apperr.New(apperr.Forbidden, "status, externalId and metadata are set by an administrator.")
	}
	var out models.Company
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		before, err := s.authorizeCompany(ctx, actor, id, CompanyEdit)
		if err != nil {
			return err
		}
		if err := checkVersion(p.ExpectedVersion, before.Version); err != nil {
			return err
		}
		c := before
		applyCompanyPatch(&c, p)
		if c.OwnerID != before.OwnerID && actor.Kind == auth.Customer && actor.ID != before.OwnerID {
			return apperr.New(apperr.Forbidden, "Only the owner or staff can move the company's ownership.")
		}
		var f apperr.Fields
		checkCompany(&f, "", &c)
		if err := f.Err(); err != nil {
			return err
		}
		if err := s.checkCompanyRefs(ctx, actor, &c, &before); err != nil {
			return err
		}
		changes := diff(companySnapshot(&before), companySnapshot(&c))
		if len(changes) == 0 {
			out = before
			return nil
		}
		if c.OwnerID != before.OwnerID {
			if err := s.makeOwner(ctx, &c); err != nil {
				return err
			}
		}
		c.Version, c.UpdatedAt = before.Version+1, s.now()
		if err := s.updateVersioned(ctx, &c, id, before.Version, p.ExpectedVersion, taken(errCompanyExternalIDTaken)); err != nil {
			return err
		}
		out = c
		return s.audit(ctx, actor, "company.updated", "company", id, changes)
	})
	return out, err
}

// makeOwner gives c's new owner, who must be an ACTIVE member, the Company Administrator role,
// first among its roles (the role Magento clients see) if it did not hold it.
func (s *Service) makeOwner(ctx context.Context, c *models.Company) error {
	m, err := s.companyUser(ctx, c.ID, c.OwnerID)
	if apperr.KindOf(err) == apperr.NotFound || err == nil && m.Status != models.StatusActive {
		return apperr.Invalid("ownerId", "The new owner must be an active member of the company.")
	}
	if err != nil {
		return err
	}
	admin, err := s.companyRoleOfKind(ctx, c.ID, models.CompanyRoleAdministrator)
	if err != nil || slices.Contains(m.RoleIDs, admin.ID) {
		return err
	}
	m.RoleIDs = append([]string{admin.ID}, m.RoleIDs...)
	if err := s.replaceMemberRoles(ctx, &m.CompanyUser); err != nil {
		return err
	}
	err = s.db.Conn(ctx).Model(&models.CompanyUser{}).Where("company_id = ? AND customer_id = ?", c.ID, c.OwnerID).
		UpdateColumns(map[string]any{"role_id": m.RoleID, "version": gorm.Expr("version + 1"), "updated_at": s.now()}).Error
	return dbErr(err, "", "")
}

func applyCompanyPatch(c *models.Company, p CompanyPatch) {
	if p.Name != nil {
		c.Name = strings.TrimSpace(*p.Name)
		c.NameKey = strings.ToLower(c.Name)
	}
	if p.Status != nil {
		c.Status = strings.TrimSpace(*p.Status)
	}
	if p.OwnerID != nil {
		c.OwnerID = strings.TrimSpace(*p.OwnerID)
	}
	for _, field := range []struct {
		dst *(*string)
		v   Clearable[string]
	}{
		{&c.LegalName, p.LegalName}, {&c.Description, p.Description}, {&c.Phone, p.Phone}, {&c.VatID, p.VatID},
		{&c.BusinessCategory, p.BusinessCategory}, {&c.ExternalID, p.ExternalID}, {&c.ParentID, p.ParentID},
	} {
		if field.v.Set {
			*field.dst = trimmed(field.v.Value)
		}
	}
	if p.Email.Set {
		c.Email = emailOrNil(p.Email.Value)
	}
	if p.Metadata != nil {
		c.Metadata = models.JSONObject(*p.Metadata)
		if c.Metadata == nil {
			c.Metadata = models.JSONObject{}
		}
	}
	if p.Attributes != nil {
		c.Attributes = models.Attributes(*p.Attributes)
		if c.Attributes == nil {
			c.Attributes = models.Attributes{}
		}
	}
}

// DeleteCompany deletes a company without children, with its addresses, roles, teams and
// memberships (admins with companies:write only).
func (s *Service) DeleteCompany(ctx context.Context, actor auth.Principal, id string, expectedVersion *int) error {
	if err := requireAdmin(actor, PermCompaniesWrite); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		c, err := s.authorizeCompany(ctx, actor, id, CompanyEdit)
		if err != nil {
			return err
		}
		if err := checkVersion(expectedVersion, c.Version); err != nil {
			return err
		}
		conn := s.db.Conn(ctx)
		var children int64
		if err := conn.Model(&models.Company{}).Where("parent_id = ?", id).Count(&children).Error; err != nil {
			return dbErr(err, "", "")
		}
		if children > 0 {
			return apperr.New(apperr.Conflict, "The company has %d child companies; move or delete them first.", children)
		}
		// Children of the company's rows first: memberships hold roles and teams.
		for _, step := range []struct {
			model  any
			column string
		}{
			{&models.CompanyUser{}, "company_id"}, {&models.CompanyTeam{}, "company_id"}, {&models.CompanyRole{}, "company_id"},
			{&models.Address{}, "company_id"}, {&models.Company{}, "id"},
		} {
			if err := conn.Where(step.column+" = ?", id).Delete(step.model).Error; err != nil {
				return dbErr(err, "", "")
			}
		}
		return s.audit(ctx, actor, "company.deleted", "company", id, diff(companySnapshot(&c), nil))
	})
}

// ListCompanyAddresses returns a company's addresses in creation order.
func (s *Service) ListCompanyAddresses(ctx context.Context, actor auth.Principal, companyID string) ([]models.Address, error) {
	if _, err := s.authorizeCompany(ctx, actor, companyID, CompanyView); err != nil {
		return nil, err
	}
	books, err := s.CompanyAddressesOf(ctx, []string{companyID})
	return books[companyID], err
}

// CreateCompanyAddress adds an address to a company, with the customer address-book rules.
func (s *Service) CreateCompanyAddress(ctx context.Context, actor auth.Principal, companyID string, in AddressInput) (models.Address, error) {
	if _, err := s.authorizeCompany(ctx, actor, companyID, CompanyAddressesManage); err != nil {
		return models.Address{}, err
	}
	return s.createAddress(ctx, actor, companyBook(companyID), in)
}

// UpdateCompanyAddress patches one of a company's addresses.
func (s *Service) UpdateCompanyAddress(ctx context.Context, actor auth.Principal, companyID, id string, p AddressPatch) (models.Address, error) {
	if _, err := s.authorizeCompany(ctx, actor, companyID, CompanyAddressesManage); err != nil {
		return models.Address{}, err
	}
	return s.updateAddress(ctx, actor, companyBook(companyID), id, p)
}

// DeleteCompanyAddress removes one of a company's addresses.
func (s *Service) DeleteCompanyAddress(ctx context.Context, actor auth.Principal, companyID, id string, expectedVersion *int) error {
	if _, err := s.authorizeCompany(ctx, actor, companyID, CompanyAddressesManage); err != nil {
		return err
	}
	return s.deleteAddress(ctx, actor, companyBook(companyID), id, expectedVersion)
}

// checkOwnsNoCompany refuses to delete or erase customers who own a company: the company
// would be left without an owner.
func (s *Service) checkOwnsNoCompany(ctx context.Context, customerIDs []string) error {
	var c models.Company
	res := s.db.Conn(ctx).Where("owner_id IN ?", customerIDs).Limit(1).Find(&c)
	switch {
	case res.Error != nil:
		return dbErr(res.Error, "", "")
	case res.RowsAffected > 0:
		return apperr.New(apperr.Conflict, "Customer %s owns the company %s (%s); move the ownership first.", c.OwnerID, c.Name, c.ID)
	}
	return nil
}
