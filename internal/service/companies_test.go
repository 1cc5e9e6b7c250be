package service_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/internal/testdb"
	"github.com/clientele/clientele/models"
)

// companyFixture is a registered company: its owner, and the service with an admin.
type companyFixture struct {
	t       *testing.T
	ctx     context.Context
	s       *service.Service
	admin   auth.Principal
	owner   auth.Principal
	company models.Company
}

func newCompanyFixture(t *testing.T, d *db.DB, mutate ...func(*config.Config)) *companyFixture {
	t.Helper()
	f := &companyFixture{t: t, ctx: context.Background(), s: newService(t, d, mutate...)}
	f.admin = adminPrincipal(t, f.s)
	in := registerInput("owner@example.com")
	hq := address("1 Main St")
	in.Company = &service.CompanyRegistration{Name: "Acme", LegalName: ptrStr("Acme Ltd"), Address: &hq}
	reg := must[service.Registration](t)(f.s.Register(f.ctx, auth.Principal{}, in))
	f.owner = auth.Principal{Kind: auth.Customer, ID: reg.Customer.ID}
	f.company = *reg.Company
	return f
}

// invite adds a new person to the company as the owner, with the role named (nil: Default User).
func (f *companyFixture) invite(email string, roleID *string) service.CompanyUserView {
	f.t.Helper()
	return must[service.CompanyUserView](f.t)(f.s.CreateCompanyUser(f.ctx, f.owner, f.company.ID, service.CompanyUserInput{
		Email: ptrStr(email), FirstName: ptrStr("Grace"), LastName: ptrStr("Hopper"), RoleID: roleID}))
}

// member returns a principal for a customer (customers without a password can't sign in,
// but a principal is what the service authorizes).
func member(u service.CompanyUserView) auth.Principal {
	return auth.Principal{Kind: auth.Customer, ID: u.CustomerID}
}

func (f *companyFixture) role(name string) service.CompanyRoleView {
	f.t.Helper()
	for _, r := range must[[]service.CompanyRoleView](f.t)(f.s.ListCompanyRoles(f.ctx, f.admin, f.company.ID)) {
		if r.Name == name {
			return r
		}
	}
	f.t.Fatalf("no role %q", name)
	return service.CompanyRoleView{}
}

func TestRegisterWithCompany(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := newCompanyFixture(t, d)
		if f.company.Status != models.CompanyActive || f.company.OwnerID != f.owner.ID || f.company.Version != 1 {
			t.Fatalf("company = %+v", f.company)
		}
		admin, def := f.role(service.CompanyAdministrator), f.role(service.CompanyDefaultUser)
		if len(admin.Permissions) != 7 || admin.UsersCount != 1 || !slices.Equal(def.Permissions, []string{"company:users:view", "company:view"}) {
			t.Fatalf("roles = %+v / %+v", admin, def)
		}
		users := must[service.Page[service.CompanyUserView]](t)(f.s.ListCompanyUsers(f.ctx, f.owner, f.company.ID, service.PageArgs{WithTotal: true}))
		if *users.Total != 1 || users.Items[0].CustomerID != f.owner.ID || users.Items[0].Role.ID != admin.ID || users.Items[0].Customer.Email != "owner@example.com" {
			t.Fatalf("users = %+v", users)
		}
		book := must[[]models.Address](t)(f.s.ListCompanyAddresses(f.ctx, f.owner, f.company.ID))
		if len(book) != 1 || !book[0].IsDefaultBilling() || !book[0].IsDefaultShipping() || *book[0].CompanyID != f.company.ID {
			t.Fatalf("addresses = %+v", book)
		}

		// A bad company aborts the whole registration.
		in := registerInput("second@example.com")
		in.Company = &service.CompanyRegistration{Name: " ", Address: &service.AddressInput{FirstName: "A", LastName: "B", City: "C", CountryCode: "GB"}}
		_, err := f.s.Register(f.ctx, auth.Principal{}, in)
		fields := wantKind(t, err, apperr.ValidationFailed).Fields
		if len(fields) != 2 || fields[0].Field != "company.name" || fields[1].Field != "company.address.street" {
			t.Fatalf("fields = %+v", fields)
		}
		if _, err := f.s.GetCustomerByEmail(f.ctx, f.admin, "second@example.com"); apperr.KindOf(err) != apperr.NotFound {
			t.Fatalf("half-written registration: %v", err)
		}
	})
}

func TestPendingCompanyIsReadOnlyForMembers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := newCompanyFixture(t, d, func(c *config.Config) { c.CompanyDefaultStatus = models.CompanyPendingApproval })
		if f.company.Status != models.CompanyPendingApproval {
			t.Fatalf("status = %s", f.company.Status)
		}
		must[models.Company](t)(f.s.GetCompany(f.ctx, f.owner, f.company.ID))
		_, err := f.s.CreateCompanyUser(f.ctx, f.owner, f.company.ID, service.CompanyUserInput{Email: ptrStr("x@example.com"), FirstName: ptrStr("X"), LastName: ptrStr("Y")})
		wantKind(t, err, apperr.Forbidden)
		_, err = f.s.UpdateCompany(f.ctx, f.owner, f.company.ID, service.CompanyPatch{Status: ptrStr(models.CompanyActive)})
		wantKind(t, err, apperr.Forbidden)
		c := must[models.Company](t)(f.s.UpdateCompany(f.ctx, f.admin, f.company.ID, service.CompanyPatch{Status: ptrStr(models.CompanyActive)}))
		if c.Status != models.CompanyActive || c.Version != 2 {
			t.Fatalf("approved = %+v", c)
		}
		f.invite("x@example.com", nil)
	})
}

func TestUpdateCompanyUserSeedScenario(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := newCompanyFixture(t, d)
		buyer := must[service.CompanyRoleView](t)(f.s.CreateCompanyRole(f.ctx, f.owner, f.company.ID,
			service.CompanyRoleInput{Name: "Buyer", Permissions: []string{"company:view"}}))
		grace := f.invite("grace@example.com", nil)
		if grace.Customer.HasAccount() || grace.Role.Name != service.CompanyDefaultUser || grace.Status != models.StatusActive {
			t.Fatalf("invited = %+v", grace)
		}
		if msgs := msgOutbox(t, f.s, f.admin, "grace@example.com", service.TemplateInvitation); len(msgs) != 1 {
			t.Fatalf("invitations = %d", len(msgs))
		}

		u := must[service.CompanyUserView](t)(f.s.UpdateCompanyUser(f.ctx, f.owner, f.company.ID, grace.CustomerID,
			service.CompanyUserPatch{JobTitle: service.Clearable[string]{Set: true, Value: ptrStr("Head of Purchasing")}}))
		if *u.JobTitle != "Head of Purchasing" || u.Version != 2 {
			t.Fatalf("job title = %+v", u)
		}
		u = must[service.CompanyUserView](t)(f.s.UpdateCompanyUser(f.ctx, f.owner, f.company.ID, grace.CustomerID,
			service.CompanyUserPatch{Status: ptrStr(models.StatusInactive), RoleID: &buyer.ID}))
		if u.Status != models.StatusInactive || u.Role.ID != buyer.ID || u.Role.Name != "Buyer" || u.Role.UsersCount != 1 ||
			u.Customer.Email != "grace@example.com" || u.Customer.FirstName != "Grace" || *u.JobTitle != "Head of Purchasing" {
			t.Fatalf("deactivated = %+v", u)
		}
		// An INACTIVE member keeps its account but loses the company's permissions.
		_, err := f.s.GetCompany(f.ctx, member(u), f.company.ID)
		wantKind(t, err, apperr.Forbidden)
		if _, err := f.s.GetCustomer(auth.With(f.ctx, f.admin), u.CustomerID); err != nil {
			t.Fatal(err)
		}
	})
}

func TestUpdateCompanyUserErrors(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := newCompanyFixture(t, d)
		grace := f.invite("grace@example.com", nil)
		other := customerPrincipal(t, f.s, "other@example.com")

		cases := []struct {
			name    string
			actor   auth.Principal
			id      string
			patch   service.CompanyUserPatch
			kind    apperr.Kind
			message string
			field   string
		}{
			{"without the permission", member(grace), f.owner.ID, service.CompanyUserPatch{FirstName: ptrStr("X")},
				apperr.Forbidden, "You do not have authorization to perform this action.", ""},
			{"not a member", f.owner, other.ID, service.CompanyUserPatch{FirstName: ptrStr("X")},
				apperr.NotFound, "The user with the ID provided in the input.id argument is not assigned to your company.", ""},
			{"unknown role", f.owner, grace.CustomerID, service.CompanyUserPatch{RoleID: ptrStr("nope")},
				apperr.ValidationFailed, "No such entity with roleId = nope", "roleId"},
			{"email taken", f.owner, grace.CustomerID, service.CompanyUserPatch{Email: ptrStr("OTHER@example.com")},
				apperr.Conflict, "A customer with the same email address already exists.", "email"},
			{"owner deactivated", f.owner, f.owner.ID, service.CompanyUserPatch{Status: ptrStr(models.StatusInactive)},
				apperr.Conflict, "", ""},
			{"owner demoted", f.owner, f.owner.ID, service.CompanyUserPatch{RoleID: &grace.RoleID},
				apperr.Conflict, "", ""},
			{"another company's member", other, grace.CustomerID, service.CompanyUserPatch{FirstName: ptrStr("X")},
				apperr.NotFound, "Company not found.", ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := f.s.UpdateCompanyUser(f.ctx, c.actor, f.company.ID, c.id, c.patch)
				ae := wantKind(t, err, c.kind)
				if c.message != "" && !strings.HasPrefix(ae.Message, c.message) && (len(ae.Fields) == 0 || ae.Fields[0].Message != c.message) {
					t.Errorf("message = %q, fields %+v", ae.Message, ae.Fields)
				}
				if c.field != "" && (len(ae.Fields) != 1 || ae.Fields[0].Field != c.field) {
					t.Errorf("fields = %+v", ae.Fields)
				}
			})
		}
		wantKind(t, f.s.DeleteCompanyUser(f.ctx, f.owner, f.company.ID, f.owner.ID, nil), apperr.Conflict)
	})
}

func TestCompanyHierarchyAndDeletion(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := newCompanyFixture(t, d)
		child := must[models.Company](t)(f.s.CreateCompany(f.ctx, f.owner, service.CompanyInput{Name: "Acme East", ParentID: &f.company.ID}))
		grandchild := must[models.Company](t)(f.s.CreateCompany(f.ctx, f.admin, service.CompanyInput{Name: "Acme East 1", ParentID: &child.ID, OwnerID: &f.owner.ID}))

		_, err := f.s.UpdateCompany(f.ctx, f.owner, f.company.ID, service.CompanyPatch{ParentID: service.Clearable[string]{Set: true, Value: &grandchild.ID}})
		if fields := wantKind(t, err, apperr.ValidationFailed).Fields; fields[0].Field != "parentId" {
			t.Fatalf("cycle fields = %+v", fields)
		}
		_, err = f.s.UpdateCompany(f.ctx, f.owner, child.ID, service.CompanyPatch{ParentID: service.Clearable[string]{Set: true, Value: &child.ID}})
		wantKind(t, err, apperr.ValidationFailed)

		kids := must[[]models.Company](t)(f.s.CompanyChildren(f.ctx, f.owner, f.company.ID))
		if len(kids) != 1 || kids[0].ID != child.ID {
			t.Fatalf("children = %+v", kids)
		}
		wantKind(t, f.s.DeleteCompany(f.ctx, f.owner, child.ID, nil), apperr.Forbidden)
		wantKind(t, f.s.DeleteCompany(f.ctx, f.admin, child.ID, nil), apperr.Conflict)
		wantKind(t, f.s.DeleteCompany(f.ctx, f.admin, grandchild.ID, ptr(7)), apperr.PreconditionFailed)
		if err := f.s.DeleteCompany(f.ctx, f.admin, grandchild.ID, ptr(1)); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.GetCompany(f.ctx, f.admin, grandchild.ID)
		wantKind(t, err, apperr.NotFound)

		// The owner can't be erased or deleted while it owns companies.
		_, err = f.s.EraseCustomer(f.ctx, f.admin, f.owner.ID)
		wantKind(t, err, apperr.Conflict)
		wantKind(t, f.s.DeleteCustomer(f.ctx, f.admin, f.owner.ID, nil), apperr.Conflict)
	})
}

func TestCompanyVisibilityAndOwnership(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := newCompanyFixture(t, d)
		other := customerPrincipal(t, f.s, "other@example.com")
		theirs := must[models.Company](t)(f.s.CreateCompany(f.ctx, other, service.CompanyInput{Name: "Globex"}))

		mine := must[service.Page[models.Company]](t)(f.s.ListCompanies(f.ctx, f.owner, service.CompanyFilter{}, service.PageArgs{WithTotal: true}))
		if *mine.Total != 1 || mine.Items[0].ID != f.company.ID {
			t.Fatalf("owner's companies = %+v", mine)
		}
		all := must[service.Page[models.Company]](t)(f.s.ListCompanies(f.ctx, f.admin, service.CompanyFilter{Search: "glob"}, service.PageArgs{WithTotal: true}))
		if *all.Total != 1 || all.Items[0].ID != theirs.ID {
			t.Fatalf("search = %+v", all)
		}
		_, err := f.s.GetCompany(f.ctx, f.owner, theirs.ID)
		wantKind(t, err, apperr.NotFound)
		_, err = f.s.ListCompanyRoles(f.ctx, f.owner, theirs.ID)
		wantKind(t, err, apperr.NotFound)
		_, err = f.s.CreateCompanyAddress(f.ctx, f.owner, theirs.ID, address("2 Side St"))
		wantKind(t, err, apperr.NotFound)
		_, err = f.s.CreateCompanyUser(f.ctx, f.owner, f.company.ID, service.CompanyUserInput{CustomerID: &other.ID})
		wantKind(t, err, apperr.Forbidden)

		// Staff attach an existing customer; ownership moves to an active member only.
		o := must[service.CompanyUserView](t)(f.s.CreateCompanyUser(f.ctx, f.admin, f.company.ID, service.CompanyUserInput{CustomerID: &other.ID}))
		_, err = f.s.CreateCompanyUser(f.ctx, f.admin, f.company.ID, service.CompanyUserInput{CustomerID: &other.ID})
		wantKind(t, err, apperr.Conflict)
		c := must[models.Company](t)(f.s.UpdateCompany(f.ctx, f.owner, f.company.ID, service.CompanyPatch{OwnerID: &o.CustomerID}))
		if c.OwnerID != other.ID {
			t.Fatalf("owner = %s", c.OwnerID)
		}
		if u := must[service.CompanyUserView](t)(f.s.UpdateCompanyUser(f.ctx, other, f.company.ID, other.ID, service.CompanyUserPatch{})); u.Role.Name != service.CompanyAdministrator {
			t.Fatalf("new owner's role = %s", u.Role.Name)
		}
		if err := f.s.DeleteCompanyUser(f.ctx, other, f.company.ID, f.owner.ID, nil); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.GetCompany(f.ctx, f.owner, f.company.ID)
		wantKind(t, err, apperr.NotFound)
	})
}

func TestCompanyRolesAndTeams(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := newCompanyFixture(t, d)
		_, err := f.s.CreateCompanyRole(f.ctx, f.owner, f.company.ID, service.CompanyRoleInput{Name: "X", Permissions: []string{"company:view", "launch:missiles"}})
		if fields := wantKind(t, err, apperr.ValidationFailed).Fields; fields[0].Field != "permissions[1]" {
			t.Fatalf("fields = %+v", fields)
		}
		_, err = f.s.CreateCompanyRole(f.ctx, f.owner, f.company.ID, service.CompanyRoleInput{Name: "default user"})
		wantKind(t, err, apperr.Conflict)
		buyer := must[service.CompanyRoleView](t)(f.s.CreateCompanyRole(f.ctx, f.owner, f.company.ID, service.CompanyRoleInput{Name: "Buyer", Permissions: []string{"company:view"}}))
		_, err = f.s.UpdateCompanyRole(f.ctx, f.owner, f.company.ID, buyer.ID, service.CompanyRolePatch{Name: ptrStr("Purchaser"), ExpectedVersion: ptr(3)})
		wantKind(t, err, apperr.PreconditionFailed)
		buyer = must[service.CompanyRoleView](t)(f.s.UpdateCompanyRole(f.ctx, f.owner, f.company.ID, buyer.ID, service.CompanyRolePatch{Name: ptrStr("Purchaser"), ExpectedVersion: ptr(1)}))
		if buyer.Name != "Purchaser" || buyer.Version != 2 {
			t.Fatalf("role = %+v", buyer)
		}
		admin := f.role(service.CompanyAdministrator)
		_, err = f.s.UpdateCompanyRole(f.ctx, f.owner, f.company.ID, admin.ID, service.CompanyRolePatch{Permissions: &[]string{}})
		wantKind(t, err, apperr.Conflict)
		wantKind(t, f.s.DeleteCompanyRole(f.ctx, f.owner, f.company.ID, f.role(service.CompanyDefaultUser).ID, nil), apperr.Conflict)

		team := must[models.CompanyTeam](t)(f.s.CreateCompanyTeam(f.ctx, f.owner, f.company.ID, service.CompanyTeamInput{Name: "Purchasing"}))
		grace := f.invite("grace@example.com", &buyer.ID)
		grace = must[service.CompanyUserView](t)(f.s.UpdateCompanyUser(f.ctx, f.owner, f.company.ID, grace.CustomerID,
			service.CompanyUserPatch{TeamID: service.Clearable[string]{Set: true, Value: &team.ID}}))
		if grace.Team == nil || grace.Team.Name != "Purchasing" {
			t.Fatalf("team = %+v", grace.Team)
		}
		wantKind(t, f.s.DeleteCompanyRole(f.ctx, f.owner, f.company.ID, buyer.ID, nil), apperr.Conflict)
		members := must[map[string][]service.CompanyUserView](t)(f.s.TeamUsers(f.ctx, f.owner, f.company.ID, []string{team.ID}))
		if len(members[team.ID]) != 1 || members[team.ID][0].CustomerID != grace.CustomerID {
			t.Fatalf("team users = %+v", members)
		}
		// A Default User can see the teams but not change them.
		_, err = f.s.CreateCompanyTeam(f.ctx, member(f.invite("d@example.com", nil)), f.company.ID, service.CompanyTeamInput{Name: "Mine"})
		wantKind(t, err, apperr.Forbidden)
		if err := f.s.DeleteCompanyTeam(f.ctx, f.owner, f.company.ID, team.ID, ptr(1)); err != nil {
			t.Fatal(err)
		}
		grace = must[service.CompanyUserView](t)(f.s.UpdateCompanyUser(f.ctx, f.owner, f.company.ID, grace.CustomerID, service.CompanyUserPatch{}))
		if grace.Team != nil {
			t.Fatalf("team after delete = %+v", grace.Team)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestCompanyUsersPages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := newCompanyFixture(t, d)
		want := []string{f.owner.ID}
		for _, email := range []string{"a@example.com", "b@example.com", "c@example.com"} {
			want = append(want, f.invite(email, nil).CustomerID)
		}
		var got []string
		args := service.PageArgs{Limit: 3, WithTotal: true}
		for range 3 {
			page := must[service.Page[service.CompanyUserView]](t)(f.s.ListCompanyUsers(f.ctx, f.owner, f.company.ID, args))
			if *page.Total != 4 || page.Cursor(len(page.Items)-1) == "" {
				t.Fatalf("page = %+v", page)
			}
			for _, u := range page.Items {
				got = append(got, u.CustomerID)
			}
			if page.NextCursor == "" {
				break
			}
			args.Cursor = page.NextCursor
		}
		if !slices.Equal(got, want) { // earliest member first: the owner, then in order of joining
			t.Fatalf("users = %v, want %v", got, want)
		}
		_, err := f.s.ListCompanyUsers(f.ctx, f.owner, f.company.ID, service.PageArgs{Cursor: "bm9wZQ"})
		wantKind(t, err, apperr.BadRequest)
	})
}

// TestCompanyCannotTakeOverAccounts: changing a user's sign-in email would let the company
// reset the password through the new address, so the owner's email and that of a user who
// also belongs to another company change only through staff or the person.
func TestCompanyCannotTakeOverAccounts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := newCompanyFixture(t, d)
		hr := must[service.CompanyRoleView](t)(f.s.CreateCompanyRole(f.ctx, f.owner, f.company.ID,
			service.CompanyRoleInput{Name: "HR", Permissions: []string{"company:view", "company:users:view", "company:users:manage"}}))
		clerk := member(f.invite("hr@example.com", &hr.ID))
		elsewhere := customerPrincipal(t, f.s, "elsewhere@example.com")
		must[models.Company](t)(f.s.CreateCompany(f.ctx, elsewhere, service.CompanyInput{Name: "Globex"}))
		must[service.CompanyUserView](t)(f.s.CreateCompanyUser(f.ctx, f.admin, f.company.ID, service.CompanyUserInput{CustomerID: &elsewhere.ID}))

		steal := func(actor auth.Principal, id string) error {
			_, err := f.s.UpdateCompanyUser(f.ctx, actor, f.company.ID, id, service.CompanyUserPatch{Email: ptrStr("thief@example.com")})
			return err
		}
		wantKind(t, steal(clerk, f.owner.ID), apperr.Forbidden)
		wantKind(t, steal(f.owner, elsewhere.ID), apperr.Forbidden)
		wantKind(t, steal(f.owner, f.owner.ID), apperr.Forbidden)
		if _, err := f.s.GetCustomerByEmail(f.ctx, f.admin, "thief@example.com"); apperr.KindOf(err) != apperr.NotFound {
			t.Fatalf("an email changed: %v", err)
		}

		// A pending user's email can be corrected; the new address gets a new invitation.
		pending := f.invite("typo@exmaple.com", nil)
		u := must[service.CompanyUserView](t)(f.s.UpdateCompanyUser(f.ctx, clerk, f.company.ID, pending.CustomerID,
			service.CompanyUserPatch{Email: ptrStr("fixed@example.com")}))
		if u.Customer.Email != "fixed@example.com" || len(msgOutbox(t, f.s, f.admin, "fixed@example.com", service.TemplateInvitation)) != 1 {
			t.Fatalf("corrected user = %+v", u.Customer)
		}
		// Staff may change any of them.
		must[service.CompanyUserView](t)(f.s.UpdateCompanyUser(f.ctx, f.admin, f.company.ID, f.owner.ID,
			service.CompanyUserPatch{Email: ptrStr("owner.new@example.com")}))
	})
}
