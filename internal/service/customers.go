package service

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/models"
)

// Permissions of admin operations on customers.
const (
	PermCustomersRead   = "customers:read"
	PermCustomersWrite  = "customers:write"
	PermCustomersDelete = "customers:delete"
)

// Profile is the part of a customer a person fills in; shared by registration and creation.
type Profile struct {
	Email           string
	FirstName       string
	MiddleName      *string
	LastName        string
	Prefix          *string
	Suffix          *string
	Phone           *string
	DateOfBirth     *string
	Gender          *string
	TaxVat          *string
	IsSubscribed    *bool
	Locale          *string
	OrderWebhookURL *string
	Attributes      []models.Attribute
}

// RegisterInput is a self-service sign-up; with Company, the person registers a company
// and becomes its owner.
type RegisterInput struct {
	Profile
	Password        string
	ConfirmPassword string
	Company         *CompanyRegistration
}

// CreateCustomerInput is an admin creating a customer; without Password it has no account yet.
type CreateCustomerInput struct {
	Profile
	Password         *string
	Status           *string
	OnboardingStatus *string
	ExternalID       *string
	Metadata         map[string]any
	GroupIDs         []string // nil: General
}

// Clearable is a merge-patch field that may be cleared: Set with a nil Value means null.
type Clearable[T any] struct {
	Set   bool
	Value *T
}

// CustomerPatch is a merge patch of a customer. Nil pointers are absent fields.
type CustomerPatch struct {
	Email            *string
	FirstName        *string
	LastName         *string
	Gender           *string
	IsSubscribed     *bool
	OnboardingStatus *string
	Attributes       *[]models.Attribute
	MiddleName       Clearable[string]
	Prefix           Clearable[string]
	Suffix           Clearable[string]
	Phone            Clearable[string]
	DateOfBirth      Clearable[string]
	TaxVat           Clearable[string]
	OrderWebhookURL  Clearable[string]
	Locale           Clearable[string]

	// Admin only.
	Status     *string
	ExternalID Clearable[string]
	Metadata   *map[string]any
	GroupIDs   *[]string // replaces the customer's groups

	// Self-service only: required to change the email.
	CurrentPassword *string

	// ExpectedVersion, when set, must be the customer's version (If-Match, expectedVersion).
	ExpectedVersion *int
}

// Register signs a person up (and, with a company, registers the company with the person as
// its owner, in the same transaction). Anyone may call it.
func (s *Service) Register(ctx context.Context, actor auth.Principal, in RegisterInput) (Registration, error) {
	if err := s.checkRateLimit(ctx, actor, ActionRegister, in.Email); err != nil {
		return Registration{}, err
	}
	c := s.newCustomer(in.Profile)
	var f apperr.Fields
	s.checkProfile(&f, &c, in.Attributes)
	s.checkNewPassword(&f, "password", in.Password, c.Email)
	if in.ConfirmPassword != in.Password {
		f.Add("confirmPassword", "Passwords do not match.")
	}
	var company *newCompany
	if in.Company != nil {
		company = s.registeredCompany(&f, c.ID, *in.Company)
	}
	if err := f.Err(); err != nil {
		return Registration{}, err
	}
	hash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return Registration{}, dbErr(err, "", "")
	}
	c.PasswordHash = &hash
	welcome := s.sendVerification
	if company != nil {
		welcome = func(ctx context.Context, c *models.Customer) error {
			if err := s.sendVerification(ctx, c); err != nil {
				return err
			}
			return s.insertCompany(ctx, auth.Principal{Kind: auth.Customer, ID: c.ID, RequestID: actor.RequestID, IP: actor.IP}, company)
		}
	}
	reg := Registration{Customer: c}
	if err := s.insertCustomer(ctx, actor, &reg.Customer, nil, welcome); err != nil {
		return Registration{}, err
	}
	if company != nil {
		reg.Company = &company.Company
	}
	return reg, nil
}

// CreateCustomer is an admin creating a customer.
func (s *Service) CreateCustomer(ctx context.Context, actor auth.Principal, in CreateCustomerInput) (models.Customer, error) {
	if err := requireAdmin(actor, PermCustomersWrite); err != nil {
		return models.Customer{}, err
	}
	c := s.newCustomer(in.Profile)
	if in.Status != nil {
		c.Status = *in.Status
	}
	if in.OnboardingStatus != nil {
		c.OnboardingStatus = *in.OnboardingStatus
	}
	c.ExternalID = trimmed(in.ExternalID)
	if in.Metadata != nil {
		c.Metadata = in.Metadata
	}
	var f apperr.Fields
	s.checkProfile(&f, &c, in.Attributes)
	s.checkAdminFields(&f, &c)
	if in.Password != nil {
		s.checkNewPassword(&f, "password", *in.Password, c.Email)
	}
	if err := s.checkGroupIDs(ctx, &f, in.GroupIDs); err != nil {
		return models.Customer{}, err
	}
	if err := f.Err(); err != nil {
		return models.Customer{}, err
	}
	if in.Password != nil {
		hash, err := s.hasher.Hash(ctx, *in.Password)
		if err != nil {
			return models.Customer{}, dbErr(err, "", "")
		}
		c.PasswordHash = &hash
	}
	welcome := s.sendInvitation // without a password, the customer sets one from the invitation
	if c.HasAccount() {
		welcome = nil
	}
	return c, s.insertCustomer(ctx, actor, &c, in.GroupIDs, welcome)
}

func (s *Service) newCustomer(p Profile) models.Customer {
	now := s.now()
	c := models.Customer{
		ID:               newID(),
		Email:            normalizeEmail(p.Email),
		FirstName:        strings.TrimSpace(p.FirstName),
		MiddleName:       trimmed(p.MiddleName),
		LastName:         strings.TrimSpace(p.LastName),
		Prefix:           trimmed(p.Prefix),
		Suffix:           trimmed(p.Suffix),
		Phone:            trimmed(p.Phone),
		DateOfBirth:      trimmed(p.DateOfBirth),
		Gender:           models.GenderNotSpecified,
		TaxVat:           trimmed(p.TaxVat),
		Status:           models.StatusActive,
		SecurityStamp:    randomToken(16),
		OnboardingStatus: models.OnboardingNotStarted,
		OrderWebhookURL:  trimmed(p.OrderWebhookURL),
		Locale:           trimmed(p.Locale),
		Metadata:         models.JSONObject{},
		Attributes:       models.Attributes(p.Attributes),
		Version:          1,
		CreatedAt:        now,
		UpdatedAt:        now,
	}
	if p.Gender != nil {
		c.Gender = *p.Gender
	}
	if p.IsSubscribed != nil {
		c.IsSubscribed = *p.IsSubscribed
	}
	if c.Attributes == nil {
		c.Attributes = models.Attributes{}
	}
	return c
}

// insertCustomer stores a new customer in groupIDs (nil: General) and, in the same
// transaction, queues its welcome message (nil: none).
func (s *Service) insertCustomer(ctx context.Context, actor auth.Principal, c *models.Customer, groupIDs []string,
	welcome func(context.Context, *models.Customer) error) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		if err := s.db.Conn(ctx).Create(c).Error; err != nil {
			return s.customerWriteErr(ctx, err, c)
		}
		groups, err := s.setCustomerGroups(ctx, c.ID, groupIDs, true)
		if err != nil {
			return err
		}
		if actor.Kind == auth.Anonymous {
			actor = auth.Principal{Kind: auth.Customer, ID: c.ID, RequestID: actor.RequestID, IP: actor.IP}
		}
		if welcome != nil {
			if err := welcome(ctx, c); err != nil {
				return err
			}
		}
		changes := diff(nil, customerSnapshot(c))
		changes["groupIds"] = *groups
		return s.audit(ctx, actor, "customer.created", "customer", c.ID, changes)
	})
}

// customerWriteErr classifies a failed customer write. A duplicate key is about the email or
// the externalId; the translated driver error no longer says which, so ask the database.
func (s *Service) customerWriteErr(ctx context.Context, err error, c *models.Customer) error {
	if !errors.Is(err, gorm.ErrDuplicatedKey) {
		return dbErr(err, "Customer", "")
	}
	field, msg := "email", "A customer with the same email address already exists."
	var n int64
	s.db.Conn(ctx).Model(&models.Customer{}).Where("email = ? AND id <> ?", c.Email, c.ID).Count(&n)
	if n == 0 && c.ExternalID != nil {
		field, msg = "externalId", "A customer with the same externalId already exists."
	}
	return &apperr.Error{Kind: apperr.Conflict, Message: msg, Fields: []apperr.FieldError{{Field: field, Message: msg}}, Err: err}
}

// checkProfile validates the person-editable fields of c.
func (s *Service) checkProfile(f *apperr.Fields, c *models.Customer, attrs []models.Attribute) {
	checkEmail(f, "email", c.Email)
	checkRequired(f, "firstName", "First name", c.FirstName, 255)
	checkRequired(f, "lastName", "Last name", c.LastName, 255)
	checkOptional(f, "middleName", "Middle name", c.MiddleName, 255)
	checkOptional(f, "prefix", "Prefix", c.Prefix, 40)
	checkOptional(f, "suffix", "Suffix", c.Suffix, 40)
	checkOptional(f, "phone", "Phone", c.Phone, 64)
	checkOptional(f, "taxVat", "Tax/VAT number", c.TaxVat, 64)
	checkDate(f, "dateOfBirth", c.DateOfBirth, s.now())
	checkEnum(f, "gender", c.Gender, models.GenderNotSpecified, models.GenderMale, models.GenderFemale)
	checkEnum(f, "onboardingStatus", c.OnboardingStatus, models.OnboardingNotStarted, models.OnboardingInProgress, models.OnboardingCompleted, models.OnboardingDismissed)
	checkHTTPURL(f, "orderWebhookUrl", c.OrderWebhookURL)
	checkLocale(f, "locale", c.Locale)
	checkAttributes(f, "attributes", attrs)
}

func (s *Service) checkAdminFields(f *apperr.Fields, c *models.Customer) {
	checkEnum(f, "status", c.Status, models.StatusActive, models.StatusInactive)
	checkOptional(f, "externalId", "External id", c.ExternalID, 255)
	checkMetadata(f, "metadata", c.Metadata)
}

// checkNewPassword adds one error on field for every password rule broken, with
// validatePassword's messages.
func (s *Service) checkNewPassword(f *apperr.Fields, field, password, email string) {
	for _, p := range auth.PasswordProblems(password, email, s.cfg.PasswordMinLength) {
		f.Add(field, p.Message)
	}
}

// Me returns the calling customer.
func (s *Service) Me(ctx context.Context, actor auth.Principal) (models.Customer, error) {
	if err := requireCustomer(actor); err != nil {
		return models.Customer{}, err
	}
	if actor.Customer != nil && actor.Customer.ID == actor.ID {
		return *actor.Customer, nil
	}
	c, err := s.loadCustomer(ctx, actor.ID)
	if apperr.KindOf(err) == apperr.NotFound { // deleted on an instance whose change memory has not read yet
		return c, errBadToken
	}
	return c, err
}

// GetCustomerByEmail returns a customer by email, case-insensitively.
func (s *Service) GetCustomerByEmail(ctx context.Context, actor auth.Principal, email string) (models.Customer, error) {
	if err := requireAdmin(actor, PermCustomersRead); err != nil {
		return models.Customer{}, err
	}
	var c models.Customer
	err := s.db.Conn(ctx).Where("email = ?", normalizeEmail(email)).Take(&c).Error
	return c, dbErr(err, "Customer", "")
}

func (s *Service) loadCustomer(ctx context.Context, id string) (models.Customer, error) {
	var c models.Customer
	err := s.db.Conn(ctx).Where("id = ?", id).Take(&c).Error
	return c, dbErr(err, "Customer", "")
}

// UpdateMe applies a self-service patch to the calling customer. Changing the email needs
// the current password and signs the customer out everywhere.
func (s *Service) UpdateMe(ctx context.Context, actor auth.Principal, p CustomerPatch) (models.Customer, error) {
	if err := requireCustomer(actor); err != nil {
		return models.Customer{}, err
	}
	if p.Status != nil || p.ExternalID.Set || p.Metadata != nil || p.GroupIDs != nil {
		return models.Customer{}, apperr.New(apperr.Forbidden, "status, externalId, metadata and groups are set by an administrator.")
	}
	// Whoever sets the email could reset the password through it: a change needs the current
	// password, checked as strictly as a sign-in and outside the transaction, so a wrong one
	// counts (and argon2 holds no connection).
	var emailCheck ownEmailCheck
	if p.Email != nil && p.CurrentPassword != nil && *p.CurrentPassword != "" {
		c, err := s.loadCustomer(ctx, actor.ID)
		if err != nil {
			return models.Customer{}, err
		}
		if err := s.guardPasswordGuess(ctx, actor, &c); err != nil {
			return models.Customer{}, err
		}
		if err := s.verifyPasswordGuess(ctx, actor, &c, "currentPassword", *p.CurrentPassword, "The current password is incorrect."); err != nil {
			return models.Customer{}, err
		}
		emailCheck = ownEmailCheck{checked: true, of: c.Email}
	}
	return s.updateCustomer(ctx, actor, actor.ID, p, &emailCheck)
}

// ownEmailCheck is, for a customer's own update, whether the current password was checked and
// for which email: a change from any other email (a concurrent update) was not confirmed.
type ownEmailCheck struct {
	checked bool
	of      string
}

// UpdateCustomer applies an admin's patch to a customer.
func (s *Service) UpdateCustomer(ctx context.Context, actor auth.Principal, id string, p CustomerPatch) (models.Customer, error) {
	if err := requireAdmin(actor, PermCustomersWrite); err != nil {
		return models.Customer{}, err
	}
	p.CurrentPassword = nil
	return s.updateCustomer(ctx, actor, id, p, nil)
}

// updateCustomer applies p to customer id; own is nil for an admin's update, the password
// check of the customer's own update otherwise.
func (s *Service) updateCustomer(ctx context.Context, actor auth.Principal, id string, p CustomerPatch, own *ownEmailCheck) (models.Customer, error) {
	self := own != nil
	var out models.Customer
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		before, err := s.loadCustomer(ctx, id)
		if err != nil {
			return err
		}
		if err := checkVersion(p.ExpectedVersion, before.Version); err != nil {
			return err
		}
		c := before
		attrs := applyPatch(&c, p)
		var f apperr.Fields
		s.checkProfile(&f, &c, attrs)
		if !self {
			s.checkAdminFields(&f, &c)
		}
		if p.GroupIDs != nil {
			if err := s.checkGroupIDs(ctx, &f, *p.GroupIDs); err != nil {
				return err
			}
		}
		emailChanged := c.Email != before.Email
		if self && emailChanged {
			if p.CurrentPassword == nil || *p.CurrentPassword == "" {
				f.Add("currentPassword", "The current password is required to change the email.")
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		if self && emailChanged && (!own.checked || own.of != before.Email) {
			return apperr.New(apperr.Conflict, "The customer was changed at the same time; try again.")
		}
		if emailChanged {
			c.EmailVerified = false
		}
		// An email change or deactivation signs the customer out everywhere.
		if emailChanged || (c.Status == models.StatusInactive && before.Status != models.StatusInactive) {
			c.SecurityStamp = randomToken(16)
		}
		changes := diff(customerSnapshot(&before), customerSnapshot(&c))
		if p.GroupIDs != nil {
			groups, err := s.setCustomerGroups(ctx, c.ID, nonNilIDs(*p.GroupIDs), false)
			if err != nil {
				return err
			}
			if !slices.Equal(groups.From.([]string), groups.To.([]string)) {
				changes["groupIds"] = *groups
			}
		}
		if len(changes) == 0 {
			out = before
			return nil
		}
		c.Version = before.Version + 1
		c.UpdatedAt = s.now()
		onDuplicate := func(err error) error { return s.customerWriteErr(ctx, err, &c) }
		if err := s.updateVersioned(ctx, &c, c.ID, before.Version, p.ExpectedVersion, onDuplicate); err != nil {
			return err
		}
		if c.SecurityStamp != before.SecurityStamp {
			if err := s.revokeAllRefreshTokens(ctx, models.SubjectCustomer, c.ID); err != nil {
				return err
			}
		}
		if c.SecurityStamp != before.SecurityStamp || c.Status != before.Status {
			if err := s.subjectsChanged(ctx, models.SubjectCustomer, c.ID); err != nil {
				return err
			}
		}
		// An invited customer's invitation went to the old address and works only there: send
		// a new one (updateCustomer by staff, updateCompanyUser by the company).
		if emailChanged && !c.HasAccount() {
			if err := s.sendInvitation(ctx, &c); err != nil {
				return err
			}
		}
		out = c
		return s.audit(ctx, actor, "customer.updated", "customer", c.ID, changes)
	})
	return out, err
}

// applyPatch writes the present fields of p onto c and returns the attributes to validate.
func applyPatch(c *models.Customer, p CustomerPatch) []models.Attribute {
	setStr := func(dst *string, v *string, normalize func(string) string) {
		if v != nil {
			*dst = normalize(*v)
		}
	}
	setStr(&c.Email, p.Email, normalizeEmail)
	setStr(&c.FirstName, p.FirstName, strings.TrimSpace)
	setStr(&c.LastName, p.LastName, strings.TrimSpace)
	setStr(&c.Gender, p.Gender, strings.TrimSpace)
	setStr(&c.OnboardingStatus, p.OnboardingStatus, strings.TrimSpace)
	setStr(&c.Status, p.Status, strings.TrimSpace)
	if p.IsSubscribed != nil {
		c.IsSubscribed = *p.IsSubscribed
	}
	for _, field := range []struct {
		dst *(*string)
		v   Clearable[string]
	}{
		{&c.MiddleName, p.MiddleName}, {&c.Prefix, p.Prefix}, {&c.Suffix, p.Suffix}, {&c.Phone, p.Phone},
		{&c.DateOfBirth, p.DateOfBirth}, {&c.TaxVat, p.TaxVat}, {&c.OrderWebhookURL, p.OrderWebhookURL},
		{&c.Locale, p.Locale}, {&c.ExternalID, p.ExternalID},
	} {
		if field.v.Set {
			*field.dst = trimmed(field.v.Value)
		}
	}
	if p.Metadata != nil {
		c.Metadata = models.JSONObject(*p.Metadata)
		if c.Metadata == nil {
			c.Metadata = models.JSONObject{}
		}
	}
	if p.Attributes == nil {
		return nil // unchanged attributes were valid when stored
	}
	c.Attributes = models.Attributes(*p.Attributes)
	if c.Attributes == nil {
		c.Attributes = models.Attributes{}
	}
	return *p.Attributes
}

// customerSnapshot is what the audit trail records of a customer: never a secret.
func customerSnapshot(c *models.Customer) map[string]any {
	return map[string]any{
		"email": c.Email, "firstName": c.FirstName, "middleName": c.MiddleName, "lastName": c.LastName,
		"prefix": c.Prefix, "suffix": c.Suffix, "phone": c.Phone, "dateOfBirth": c.DateOfBirth,
		"gender": c.Gender, "taxVat": c.TaxVat, "isSubscribed": c.IsSubscribed, "status": c.Status,
		"emailVerified": c.EmailVerified, "onboardingStatus": c.OnboardingStatus,
		"orderWebhookUrl": c.OrderWebhookURL, "externalId": c.ExternalID, "locale": c.Locale,
		"metadata": map[string]any(c.Metadata), "attributes": []models.Attribute(c.Attributes),
		"hasAccount": c.HasAccount(),
	}
}

// DeleteCustomer removes a customer with its tokens; audit events keep the id.
func (s *Service) DeleteCustomer(ctx context.Context, actor auth.Principal, id string, expectedVersion *int) error {
	if err := requireAdmin(actor, PermCustomersDelete); err != nil {
		return err
	}
	if expectedVersion != nil {
		c, err := s.loadCustomer(ctx, id)
		if err != nil {
			return err
		}
		if err := checkVersion(expectedVersion, c.Version); err != nil {
			return err
		}
	}
	n, err := s.deleteCustomers(ctx, actor, []string{id})
	if err == nil && n == 0 {
		err = apperr.NotFoundf("Customer")
	}
	return err
}

// MaxBatch bounds the ids of one batch operation.
const MaxBatch = 200

// DeleteCustomers removes the customers that exist among ids and returns how many it removed.
func (s *Service) DeleteCustomers(ctx context.Context, actor auth.Principal, ids []string) (int, error) {
	if err := requireAdmin(actor, PermCustomersDelete); err != nil {
		return 0, err
	}
	if len(ids) == 0 || len(ids) > MaxBatch {
		return 0, apperr.Invalid("ids", "Give between 1 and "+itoa(MaxBatch)+" ids.")
	}
	return s.deleteCustomers(ctx, actor, ids)
}

func (s *Service) deleteCustomers(ctx context.Context, actor auth.Principal, ids []string) (int, error) {
	deleted := 0
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		deleted = 0 // the transaction may run again
		conn := s.db.Conn(ctx)
		var found []string
		if err := conn.Model(&models.Customer{}).Where("id IN ?", ids).Pluck("id", &found).Error; err != nil {
			return dbErr(err, "", "")
		}
		if len(found) == 0 {
			return nil
		}
		if err := s.checkOwnsNoCompany(ctx, found); err != nil {
			return err
		}
		for _, owned := range []any{&models.RefreshToken{}, &models.LoginFailure{}} {
			if err := conn.Where("subject_type = ? AND subject_id IN ?", models.SubjectCustomer, found).Delete(owned).Error; err != nil {
				return dbErr(err, "", "")
			}
		}
		res := conn.Where("id IN ?", found).Delete(&models.Customer{})
		if res.Error != nil {
			return dbErr(res.Error, "", "")
		}
		deleted = int(res.RowsAffected)
		if err := s.subjectsChanged(ctx, models.SubjectCustomer, found...); err != nil {
			return err
		}
		for _, id := range found {
			if err := s.audit(ctx, actor, "customer.deleted", "customer", id, nil); err != nil {
				return err
			}
		}
		return nil
	})
	return deleted, err
}

// CustomerFilter narrows the customer list.
type CustomerFilter struct {
	// Search is a case-insensitive prefix of the email, the first name or the last name
	// (see searchArgs).
	Search      string
	Email       string
	Status      string
	CreatedFrom *time.Time
	CreatedTo   *time.Time
	GroupID     string
	CompanyID   string // members of the company, whatever their membership status
}

// Customer sort orders: a field, descending with a leading "-".
var customerSorts = map[string]string{
	"createdAt": "created_at",
	"email":     "email",
	"lastName":  "last_name",
}

// ListCustomers returns a keyset-paginated page of customers; sort is one of createdAt,
// email, lastName, optionally prefixed by "-" for descending (default "-createdAt").
func (s *Service) ListCustomers(ctx context.Context, actor auth.Principal, filter CustomerFilter, sort string, args PageArgs) (Page[models.Customer], error) {
	q, page, err := s.customerPageQuery(ctx, actor, filter, sort, args)
	if err != nil {
		return Page[models.Customer]{}, err
	}
	ids, idArgs := q.ids()
	rows, err := s.db.Conn(ctx).Raw("SELECT "+s.lists.customer.list("c", "")+" FROM ("+ids+") p JOIN customers c ON c.id = p.id"+q.byKey(), idArgs...).Rows()
	if err != nil {
		return Page[models.Customer]{}, dbErr(err, "", "")
	}
	var c models.Customer
	dests := s.lists.customer.dests(nil, &c)
	err = eachRow(rows, dests, func() { c = models.Customer{} }, func() { page.Items = append(page.Items, c) })
	if err != nil {
		return Page[models.Customer]{}, dbErr(err, "", "")
	}
	cut(q, &page, func(c *models.Customer) *models.Customer { return c })
	return page, nil
}

// ListCustomerViews is ListCustomers with what each customer's REST representation embeds.
// The page and its address books are one statement, the groups (and whether any customer is
// a company member) a second, whatever the page size; memberships, rare, add their own
// statements only when a customer of the page has some.
func (s *Service) ListCustomerViews(ctx context.Context, actor auth.Principal, filter CustomerFilter, sort string, args PageArgs) (Page[CustomerView], error) {
	page, err := s.ListCustomersWithAddresses(ctx, actor, filter, sort, args)
	if err != nil || len(page.Items) == 0 {
		return page, err
	}
	return page, s.addGroupsAndMemberships(ctx, page.Items)
}

// ListCustomersWithAddresses is ListCustomers with each customer's address book (oldest
// first), in one statement: views whose other lists are left nil.
func (s *Service) ListCustomersWithAddresses(ctx context.Context, actor auth.Principal, filter CustomerFilter, sort string, args PageArgs) (Page[CustomerView], error) {
	q, counted, err := s.customerPageQuery(ctx, actor, filter, sort, args)
	if err != nil {
		return Page[CustomerView]{}, err
	}
	page := Page[CustomerView]{Total: counted.Total}
	ids, idArgs := q.ids()
	query := "SELECT " + s.lists.customer.list("c", "") + ", " + s.lists.address.list("a", "address_") +
		" FROM (" + ids + ") p JOIN customers c ON c.id = p.id LEFT JOIN addresses a ON a.customer_id = c.id" + q.byKey()
	rows, err := s.db.Conn(ctx).Raw(query, idArgs...).Rows()
	if err != nil {
		return Page[CustomerView]{}, dbErr(err, "", "")
	}
	var c models.Customer
	var a models.Address
	dests := s.lists.address.nullableDests(s.lists.customer.dests(nil, &c), &a)
	err = eachRow(rows, dests, func() { c, a = models.Customer{}, models.Address{} }, func() {
		if n := len(page.Items); n == 0 || page.Items[n-1].ID != c.ID {
			page.Items = append(page.Items, CustomerView{Customer: c, Addresses: []models.Address{}})
		}
		if a.ID != "" {
			v := &page.Items[len(page.Items)-1]
			v.Addresses = append(v.Addresses, a)
		}
	})
	if err != nil {
		return Page[CustomerView]{}, dbErr(err, "", "")
	}
	cut(q, &page, func(v *CustomerView) *models.Customer { return &v.Customer })
	for _, v := range page.Items {
		slices.SortFunc(v.Addresses, func(a, b models.Address) int {
			return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
		})
	}
	return page, nil
}

// addGroupsAndMemberships sets the groups of a page's customers, and their memberships when
// any has some.
func (s *Service) addGroupsAndMemberships(ctx context.Context, views []CustomerView) error {
	ids := make([]string, len(views))
	byID := make(map[string]*CustomerView, len(views))
	for i := range views {
		v := &views[i]
		v.Groups, v.Memberships = []GroupRef{}, []CompanyUserView{}
		ids[i], byID[v.ID] = v.ID, v
	}
	// A membership is a row without a group: whether to read memberships comes with the groups.
	rows, err := s.db.Conn(ctx).Raw(`SELECT m.customer_id, g.id, g.name FROM customer_group_members m
		JOIN customer_groups g ON g.id = m.group_id WHERE m.customer_id IN ?
		UNION ALL SELECT u.customer_id, NULL, NULL FROM company_users u WHERE u.customer_id IN ?`, ids, ids).Rows()
	if err != nil {
		return dbErr(err, "", "")
	}
	var customerID string
	var groupID, name *string
	var members []string
	err = eachRow(rows, []any{&customerID, &groupID, &name}, func() {}, func() {
		v := byID[customerID]
		if groupID == nil {
			members = append(members, customerID)
			return
		}
		v.Groups = append(v.Groups, GroupRef{ID: *groupID, Name: *name})
	})
	if err != nil {
		return dbErr(err, "", "")
	}
	for _, v := range views {
		// In GroupsOf's order: a group's NameKey is its lower-cased name.
		slices.SortFunc(v.Groups, func(a, b GroupRef) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	}
	if len(members) == 0 {
		return nil
	}
	members = slices.Compact(slices.Sorted(slices.Values(members))) // a customer of several companies
	known := make([]models.Customer, len(members))
	for i, id := range members {
		known[i] = byID[id].Customer
	}
	memberships, err := s.membershipsOf(ctx, members, known...)
	if err != nil {
		return err
	}
	for id, ms := range memberships {
		byID[id].Memberships = ms
	}
	return nil
}

// customerPage is a customer list's statement but for its select list: the conditions of
// the filter and of the cursor, the search, and the order.
type customerPage struct {
	conds       []string
	args        []any
	search      []any  // the search's LIKE pattern for each searched column; nil: no search
	column, dir string // the sort column and ASC or DESC
	sort        string
	limit       int
}

// searchedColumns are the columns search matches a prefix of (see searchArgs).
var searchedColumns = []string{"email", "first_name", "last_name"}

// ids is the statement of the page's ids and sort keys, one row beyond the page when there
// is a next page. It reads no wide column, so the outer statement that joins the customers
// sorts these rows only and never spills TEXT columns to a temporary table on disk. A search
// is one query per searched column, each ordered and limited, and their UNION: each uses its
// column's index or the sort order's, whichever finds the page sooner, where one query with
// OR merged the three indexes and read and sorted every match (850 ms for a first name in a
// million customers).
func (q customerPage) ids() (string, []any) {
	page := func(conds []string) string {
		return "SELECT c.id, c." + q.column + " AS sort_key FROM customers c" + whereClause(conds) +
			" ORDER BY c." + q.column + " " + q.dir + ", c.id " + q.dir + " LIMIT ?"
	}
	if q.search == nil {
		return page(q.conds), append(slices.Clone(q.args), q.limit+1)
	}
	var members []string
	var args []any
	for i, column := range searchedColumns {
		members = append(members, "SELECT * FROM ("+page(append([]string{"c." + column + " LIKE ? ESCAPE '!'"}, q.conds...))+") m"+strconv.Itoa(i))
		args = append(append(append(args, q.search[i]), q.args...), q.limit+1)
	}
	return "SELECT id, sort_key FROM (" + strings.Join(members, " UNION ") + ") u ORDER BY sort_key " + q.dir + ", id " + q.dir + " LIMIT ?",
		append(args, q.limit+1)
}

// count is the statement counting the customers of the list, whatever the cursor.
func (q customerPage) count() (string, []any) {
	if q.search == nil {
		return "SELECT COUNT(*) FROM customers c" + whereClause(q.conds), q.args
	}
	var members []string
	var all []any
	for i, column := range searchedColumns {
		members = append(members, "SELECT c.id FROM customers c"+whereClause(append([]string{"c." + column + " LIKE ? ESCAPE '!'"}, q.conds...)))
		all = append(append(all, q.search[i]), q.args...)
	}
	return "SELECT COUNT(*) FROM (" + strings.Join(members, " UNION ") + ") u", all
}

// byKey orders the rows of a statement over ids (as p) in the page's order.
func (q customerPage) byKey() string {
	return " ORDER BY p.sort_key " + q.dir + ", p.id " + q.dir
}

// customerPageQuery checks a list request and builds its statement; the returned page holds
// the total when asked for (one more statement).
func (s *Service) customerPageQuery(ctx context.Context, actor auth.Principal, filter CustomerFilter, sort string, args PageArgs) (customerPage, Page[models.Customer], error) {
	var q customerPage
	var page Page[models.Customer]
	if err := requireAdmin(actor, PermCustomersRead); err != nil {
		return q, page, err
	}
	if sort == "" {
		sort = "-createdAt"
	}
	column, ok := customerSorts[strings.TrimPrefix(sort, "-")]
	if !ok {
		return q, page, apperr.New(apperr.BadRequest, "sort must be one of createdAt, -createdAt, email, -email, lastName, -lastName.")
	}
	limit, err := args.limit()
	if err != nil {
		return q, page, err
	}
	after, err := decodeCursor(args.Cursor, sort)
	if err != nil {
		return q, page, err
	}
	if filter.Status != "" && filter.Status != models.StatusActive && filter.Status != models.StatusInactive {
		return q, page, apperr.New(apperr.BadRequest, "status must be ACTIVE or INACTIVE.")
	}

	where := func(cond string, args ...any) {
		q.conds = append(q.conds, cond)
		q.args = append(q.args, args...)
	}
	if search := strings.TrimSpace(filter.Search); search != "" {
		q.search = searchArgs(search)
	}
	if filter.Email != "" {
		where("c.email = ?", normalizeEmail(filter.Email))
	}
	if filter.Status != "" {
		where("c.status = ?", filter.Status)
	}
	if filter.CreatedFrom != nil {
		where("c.created_at >= ?", filter.CreatedFrom.UTC())
	}
	if filter.CreatedTo != nil {
		where("c.created_at <= ?", filter.CreatedTo.UTC())
	}
	if filter.GroupID != "" {
		where("c.id IN (SELECT customer_id FROM customer_group_members WHERE group_id = ?)", filter.GroupID)
	}
	if filter.CompanyID != "" {
		where("c.id IN (SELECT customer_id FROM company_users WHERE company_id = ?)", filter.CompanyID)
	}
	if args.WithTotal {
		var n int64
		query, countArgs := q.count() // before the cursor's condition
		if err := s.db.Conn(ctx).Raw(query, countArgs...).Scan(&n).Error; err != nil {
			return q, page, dbErr(err, "", "")
		}
		page.Total = ptr(int(n))
	}

	q.dir, q.column, q.sort, q.limit = "ASC", column, sort, limit
	beyond := " > "
	if strings.HasPrefix(sort, "-") {
		q.dir, beyond = "DESC", " < "
	}
	if after != nil {
		var value any = after.Value
		if column == "created_at" {
			t, err := after.timeValue()
			if err != nil {
				return q, page, err
			}
			value = t
		}
		where("(c."+column+beyond+"? OR (c."+column+" = ? AND c.id"+beyond+"?))", value, value, after.ID)
	}
	return q, page, nil
}

func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// cut drops the row beyond the page, which only tells that there is a next page, and sets
// the cursors.
func cut[T any](q customerPage, page *Page[T], customer func(*T) *models.Customer) {
	if len(page.Items) > q.limit {
		page.Items = page.Items[:q.limit]
		page.NextCursor = customerCursor(customer(&page.Items[q.limit-1]), q.sort, q.column)
	}
	if page.Items == nil {
		page.Items = []T{}
	}
	items := page.Items
	page.Cursor = func(i int) string { return customerCursor(customer(&items[i]), q.sort, q.column) }
}

func customerCursor(c *models.Customer, sort, column string) string {
	v := c.Email
	switch column {
	case "created_at":
		v = c.CreatedAt.UTC().Format(time.RFC3339Nano)
	case "last_name":
		v = c.LastName
	}
	return encodeCursor(cursor{Sort: sort, Value: v, ID: c.ID})
}

// escapeLike escapes LIKE wildcards with '!', the escape character both dialects accept.
func escapeLike(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

// nonNilIDs keeps an empty list distinct from "not given".
func nonNilIDs(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}
