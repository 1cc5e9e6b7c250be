package main

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// sameAnswer is the same-answer baseline (issue 14): hand-written net/http, database/sql and
// encoding/json that answer the bench's requests with Clientele's bodies, byte for byte (the
// bench compares them before measuring), after the same token check and, for sign-in, the
// same password check and the same writes. No GORM, no generated code, no service layer:
// what Clientele costs beyond it is the cost of the framework, not of the answer. It runs the
// statements Clientele runs for each answer (written here by hand), so the two differ in code,
// not in SQL; it serves only the requests the bench sends (the default order of
// listCustomers, the two GraphQL queries of the bench) and the success paths.
type sameAnswer struct {
	db                    *sql.DB
	secret                []byte
	parser                *jwt.Parser
	accessTTL, refreshTTL time.Duration
	countries             map[string]string // code → name, loaded once as Clientele does
	hashSlots             chan struct{}     // one argon2id hash per CPU at a time, as Clientele
	rateLimit             int               // per IP and per email and minute
	memory                *feedMemory       // the revocation feed followed in memory (-sync)
	stmts                 atomic.Int64      // statements run
	vouched               atomic.Int64      // tokens memory decided on
}

type sameAnswerConfig struct {
	secret                []byte
	accessTTL, refreshTTL time.Duration
	rateLimit             int
	feed                  feedOptions
}

func newSameAnswer(ctx context.Context, dsn string, cfg sameAnswerConfig) (*sameAnswer, error) {
	sqlDB, err := openDSN(dsn)
	if err != nil {
		return nil, err
	}
	s := &sameAnswer{db: sqlDB, memory: newFeedMemory(sqlDB, cfg.feed), secret: cfg.secret, accessTTL: cfg.accessTTL, refreshTTL: cfg.refreshTTL, rateLimit: cfg.rateLimit,
		countries: map[string]string{}, hashSlots: make(chan struct{}, gomaxprocs()),
		parser: jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer("clientele"), jwt.WithLeeway(30*time.Second),
			jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithStrictDecoding())}
	rows, err := sqlDB.QueryContext(ctx, "SELECT code, name FROM countries")
	if err != nil {
		sqlDB.Close()
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var code, name string
		if err := rows.Scan(&code, &name); err != nil {
			sqlDB.Close()
			return nil, err
		}
		s.countries[code] = name
	}
	if err := rows.Err(); err != nil {
		sqlDB.Close()
		return nil, err
	}
	// Before serving, memory learns what is revoked, as Clientele's (nothing with -sync 0).
	if err := s.memory.poll(ctx); err != nil {
		sqlDB.Close()
		return nil, err
	}
	return s, nil
}

func (s *sameAnswer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/customers/{id}", func(w http.ResponseWriter, r *http.Request) { s.getCustomer(w, r, r.PathValue("id")) })
	mux.HandleFunc("GET /v1/me", func(w http.ResponseWriter, r *http.Request) { s.getCustomer(w, r, "") })
	mux.HandleFunc("GET /v1/customers", s.listCustomers)
	mux.HandleFunc("POST /graphql", s.graphql)
	mux.HandleFunc("POST /v1/auth/customer/token", s.signIn)
	return mux
}

// fail answers a refusal or a failure. The bench measures successes only, so the body is not
// Clientele's Problem, just enough to read in the bench's first-error line.
func fail(w http.ResponseWriter, status int, err error) {
	http.Error(w, err.Error(), status)
}

var (
	errBadToken  = errors.New("the access token is invalid, expired or revoked")
	errForbidden = errors.New("forbidden")
	errNotFound  = errors.New("customer not found")
	// errInCompany: Clientele embeds a company member's memberships; the seeded customers have
	// none, and the same-answer baseline does not build them.
	errInCompany = errors.New("same-answer baseline: company memberships are not built")
)

// writeJSON encodes v as Clientele's REST handlers and GraphQL transport do (json.Encoder:
// HTML-safe, and a newline).
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		fail(w, http.StatusInternalServerError, err)
	}
}

// --- tokens ---

type tokenClaims struct {
	jwt.RegisteredClaims
	Stamp   string `json:"sst"`
	Session string `json:"sid,omitempty"`
}

// bearer verifies what the request's access token proves by itself, as Clientele's signer
// does, for audience.
func (s *sameAnswer) bearer(r *http.Request, audience string) (*tokenClaims, error) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return nil, errBadToken
	}
	var c tokenClaims
	_, err := s.parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.secret, nil })
	if err != nil || c.Subject == "" || c.ID == "" || len(c.Audience) != 1 || c.Audience[0] != audience {
		return nil, errBadToken
	}
	return &c, nil
}

// tokenCheck is the baseline's token guarantee, the same as Clientele's in the bench's sync
// mode. When the revocation memory (feedMemory) vouches for the token, it decides without SQL
// (vouched), and the request's statement reads only the customer tables. Otherwise the
// statement that reads the answer also reads, for the token's subject, its status and
// security stamp, whether the token's jti or its session was revoked and, for an admin, each
// role's permissions (sql); pass then learns the subject and accepts the token only if the
// subject is active, the stamp unchanged, neither id revoked and, for an admin, the
// permission held. With -sync 0 memory never vouches: every token is checked in the database.
type tokenCheck struct {
	claims      *tokenClaims
	admin       bool
	memory      *feedMemory
	verdict     verdict
	permissions []string // an admin's, when memory accepts
	ticket      uint64
}

func (s *sameAnswer) checkToken(claims *tokenClaims, admin bool) tokenCheck {
	t := tokenCheck{claims: claims, admin: admin, memory: s.memory}
	t.verdict, t.permissions, t.ticket = s.memory.vouch(claims, admin)
	if t.verdict != unknown {
		s.vouched.Add(1)
	}
	return t
}

// vouched reports whether memory decided on the token, and then whether it grants permission.
func (t tokenCheck) vouched(permission string) (bool, error) {
	switch t.verdict {
	case refuse:
		return true, errBadToken
	case accept:
		return true, t.grants(t.permissions, permission)
	}
	return false, nil
}

// sql returns the select-list items and the FROM clause of the check, with the subject's
// table as alias, and the items' arguments; the statement must end with WHERE alias.id = sub.
func (t tokenCheck) sql(alias string) (items, from string, args []any) {
	permissions, from := "NULL", "customers "+alias
	if t.admin {
		permissions = "r.permissions"
		from = "admins " + alias + " LEFT JOIN admin_roles ar ON ar.admin_id = " + alias + ".id LEFT JOIN roles r ON r.id = ar.role_id"
	}
	items = alias + ".security_stamp, " + alias + ".status, " + permissions + ", (SELECT COUNT(*) FROM revoked_tokens WHERE jti IN (?, ?))"
	return items, from, []any{t.claims.ID, t.claims.Session}
}

// checkCols are the columns tokenCheck.sql selects, one row per admin role.
type checkCols struct {
	stamp, status string
	permissions   sql.NullString
	revoked       int
}

func (c *checkCols) dest() []any { return []any{&c.stamp, &c.status, &c.permissions, &c.revoked} }

// pass learns the subject from the rows of the check and reports whether they accept the
// token (and, for an admin, grant permission).
func (t tokenCheck) pass(rows []checkCols, permission string) error {
	var st subjectState
	if len(rows) > 0 {
		st = subjectState{found: true, active: rows[0].status == "ACTIVE", stamp: stampDigest(rows[0].stamp)}
	}
	for _, r := range rows {
		var perms []string
		if r.permissions.Valid && json.Unmarshal([]byte(r.permissions.String), &perms) == nil {
			st.permissions = append(st.permissions, perms...)
		}
	}
	slices.Sort(st.permissions)
	st.permissions = slices.Compact(st.permissions)
	t.memory.learn(t.ticket, t.admin, t.claims.Subject, st)
	if !st.admits(t.claims.Stamp) || rows[0].revoked > 0 {
		return errBadToken
	}
	return t.grants(st.permissions, permission)
}

func (t tokenCheck) grants(permissions []string, permission string) error {
	if !t.admin || slices.Contains(permissions, "*") || slices.Contains(permissions, permission) {
		return nil
	}
	return errForbidden
}

// checkStatus is the status of a token check's refusal.
func checkStatus(err error) int {
	if err == errForbidden {
		return http.StatusForbidden
	}
	return http.StatusUnauthorized
}

func stampDigest(stamp string) string {
	sum := sha256.Sum256([]byte("clientele-stamp:" + stamp))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// --- customers ---

// customerJSON is Clientele's REST Customer, keys in its order (the contract's, alphabetical).
type customerJSON struct {
	Addresses              []addressJSON     `json:"addresses"`
	Attributes             rawJSON           `json:"attributes"`
	CompanyMemberships     []json.RawMessage `json:"companyMemberships"`
	CreatedAt              time.Time         `json:"createdAt"`
	DateOfBirth            *string           `json:"dateOfBirth"`
	DefaultBillingAddress  *addressJSON      `json:"defaultBillingAddress"`
	DefaultShippingAddress *addressJSON      `json:"defaultShippingAddress"`
	Email                  string            `json:"email"`
	EmailVerified          bool              `json:"emailVerified"`
	ErasedAt               *time.Time        `json:"erasedAt"`
	ExternalID             *string           `json:"externalId"`
	FailedLoginCount       int               `json:"failedLoginCount"`
	FirstName              string            `json:"firstName"`
	FullName               string            `json:"fullName"`
	Gender                 string            `json:"gender"`
	Groups                 []groupRef        `json:"groups"`
	HasAccount             bool              `json:"hasAccount"`
	ID                     string            `json:"id"`
	IsLocked               bool              `json:"isLocked"`
	IsSubscribed           bool              `json:"isSubscribed"`
	LastLoginAt            *time.Time        `json:"lastLoginAt"`
	LastName               string            `json:"lastName"`
	Locale                 *string           `json:"locale"`
	LockedUntil            *time.Time        `json:"lockedUntil"`
	Metadata               rawJSON           `json:"metadata"`
	MiddleName             *string           `json:"middleName"`
	OnboardingStatus       string            `json:"onboardingStatus"`
	OrderWebhookURL        *string           `json:"orderWebhookUrl"`
	Phone                  *string           `json:"phone"`
	Prefix                 *string           `json:"prefix"`
	Status                 string            `json:"status"`
	Suffix                 *string           `json:"suffix"`
	TaxVat                 *string           `json:"taxVat"`
	UpdatedAt              time.Time         `json:"updatedAt"`
	Version                int               `json:"version"`
}

// The customer columns an answer reads; metadata and attributes are JSON text that Clientele
// wrote with encoding/json, passed through as they are.
const sameCustomerCols = "c.id, c.email, c.first_name, c.middle_name, c.last_name, c.prefix, c.suffix, c.phone, c.date_of_birth, " +
	"c.gender, c.tax_vat, c.is_subscribed, c.status, c.locked_until, c.email_verified, c.password_hash IS NOT NULL, " +
	"c.onboarding_status, c.order_webhook_url, c.external_id, c.locale, c.metadata, c.attributes, c.failed_login_count, " +
	"c.last_login_at, c.erased_at, c.version, c.created_at, c.updated_at"

// customerRow scans sameCustomerCols; id is nullable for the LEFT JOIN of an admin's read.
type customerRow struct {
	customerJSON
	id sql.NullString
}

func (c *customerRow) dest() []any {
	return []any{&c.id, &c.Email, &c.FirstName, &c.MiddleName, &c.LastName, &c.Prefix, &c.Suffix, &c.Phone, &c.DateOfBirth,
		&c.Gender, &c.TaxVat, &c.IsSubscribed, &c.Status, &c.LockedUntil, &c.EmailVerified, &c.HasAccount,
		&c.OnboardingStatus, &c.OrderWebhookURL, &c.ExternalID, &c.Locale, &c.Metadata, &c.Attributes, &c.FailedLoginCount,
		&c.LastLoginAt, &c.ErasedAt, &c.Version, &c.CreatedAt, &c.UpdatedAt}
}

// finish sets what Clientele derives from the columns.
func (c *customerJSON) finish(now time.Time) {
	var parts []string
	for _, p := range []*string{c.Prefix, &c.FirstName, c.MiddleName, &c.LastName, c.Suffix} {
		if p != nil && *p != "" {
			parts = append(parts, *p)
		}
	}
	c.FullName = strings.Join(parts, " ")
	c.IsLocked = c.LockedUntil != nil && c.LockedUntil.After(now)
	if c.LockedUntil != nil && !c.LockedUntil.Before(lockedForever) {
		c.LockedUntil = nil // a lock without an end shows no end
	}
	c.Groups, c.CompanyMemberships = []groupRef{}, []json.RawMessage{}
	if c.Addresses == nil {
		c.Addresses = []addressJSON{}
	}
	for i := range c.Addresses {
		if c.Addresses[i].IsDefaultBilling {
			c.DefaultBillingAddress = &c.Addresses[i]
		}
		if c.Addresses[i].IsDefaultShipping {
			c.DefaultShippingAddress = &c.Addresses[i]
		}
	}
}

var lockedForever = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

type groupRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type addressJSON struct {
	City              string      `json:"city"`
	Company           *string     `json:"company"`
	Country           countryRef  `json:"country"`
	CountryCode       string      `json:"countryCode"`
	CreatedAt         time.Time   `json:"createdAt"`
	Fax               *string     `json:"fax"`
	FirstName         string      `json:"firstName"`
	ID                string      `json:"id"`
	IsDefaultBilling  bool        `json:"isDefaultBilling"`
	IsDefaultShipping bool        `json:"isDefaultShipping"`
	Label             *string     `json:"label"`
	LastName          string      `json:"lastName"`
	MiddleName        *string     `json:"middleName"`
	Phone             *string     `json:"phone"`
	PostalCode        *string     `json:"postalCode"`
	Prefix            *string     `json:"prefix"`
	Region            *countryRef `json:"region"`
	Street            rawJSON     `json:"street"`
	Suffix            *string     `json:"suffix"`
	Type              string      `json:"type"`
	UpdatedAt         time.Time   `json:"updatedAt"`
	VatID             *string     `json:"vatId"`
	Version           int         `json:"version"`
	owner             string      // customer_id
	region            [2]*string  // code, name
	defaults          [2]*string  // default_billing_of, default_shipping_of
	scanID            sql.NullString
}

type countryRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

const sameAddressCols = "a.id, a.customer_id, a.label, a.first_name, a.middle_name, a.last_name, a.prefix, a.suffix, a.company, " +
	"a.street, a.city, a.region_code, a.region_name, a.postal_code, a.country_code, a.phone, a.fax, a.vat_id, a.type, " +
	"a.default_billing_of, a.default_shipping_of, a.version, a.created_at, a.updated_at"

// dest scans sameAddressCols; every column is nullable for the LEFT JOIN of a customer's read.
func (a *addressJSON) dest(n *nullAddress) []any {
	return []any{&a.scanID, &n.owner, &a.Label, &n.firstName, &a.MiddleName, &n.lastName, &a.Prefix, &a.Suffix, &a.Company,
		&a.Street, &n.city, &a.region[0], &a.region[1], &a.PostalCode, &n.countryCode, &a.Phone, &a.Fax, &a.VatID, &n.typ,
		&a.defaults[0], &a.defaults[1], &n.version, &n.createdAt, &n.updatedAt}
}

// nullAddress holds the NOT NULL columns of an address as the LEFT JOIN may return them.
type nullAddress struct {
	owner, firstName, lastName, city, countryCode, typ sql.NullString
	version                                            sql.NullInt64
	createdAt, updatedAt                               sql.NullTime
}

// finish sets the address from its scanned columns; it reports false for a LEFT JOIN's NULL row.
func (a *addressJSON) finish(n *nullAddress, countries map[string]string) bool {
	if !a.scanID.Valid {
		return false
	}
	a.ID, a.owner, a.FirstName, a.LastName, a.City = a.scanID.String, n.owner.String, n.firstName.String, n.lastName.String, n.city.String
	a.CountryCode, a.Type, a.Version, a.CreatedAt, a.UpdatedAt = n.countryCode.String, n.typ.String, int(n.version.Int64), n.createdAt.Time, n.updatedAt.Time
	a.Country = countryRef{Code: a.CountryCode, Name: countries[a.CountryCode]}
	if a.region[0] != nil || a.region[1] != nil {
		a.Region = &countryRef{Code: deref(a.region[0]), Name: deref(a.region[1])}
	}
	a.IsDefaultBilling, a.IsDefaultShipping = a.defaults[0] != nil, a.defaults[1] != nil
	return true
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// readCustomer reads customer id for an admin's token, or the customer token's own subject
// when id is empty, with what its representation embeds: one statement with the token's check,
// one row per address (and per admin role), as Clientele's readCustomer.
func (s *sameAnswer) readCustomer(r *http.Request, id string, withLists bool) (*customerJSON, int, error) {
	self := id == ""
	audience := "admin"
	if self {
		audience = "customer"
	}
	claims, err := s.bearer(r, audience)
	if err != nil {
		return nil, http.StatusUnauthorized, err
	}
	check := s.checkToken(claims, !self)
	decided, err := check.vouched("customers:read")
	if decided && err != nil {
		return nil, checkStatus(err), err
	}
	var items []string
	var from string
	var args []any
	switch {
	case decided: // memory vouched: the customer tables only
		from = "customers c"
		if self {
			id = claims.Subject
		}
		args = []any{id}
	case self:
		var checkItems string
		checkItems, from, args = check.sql("c")
		items = append(items, checkItems)
		args = append(args, claims.Subject)
	default:
		var checkItems string
		checkItems, from, args = check.sql("t")
		items = append(items, checkItems)
		from += " LEFT JOIN customers c ON c.id = ?"
		args = append(args, id, claims.Subject)
	}
	where := " WHERE c.id = ?"
	if !decided && !self {
		where = " WHERE t.id = ?"
	}
	items = append(items, sameCustomerCols)
	if withLists {
		items = append(items, sameAddressCols, groupRefsSQL, "EXISTS (SELECT 1 FROM company_users u WHERE u.customer_id = c.id)")
		from += " LEFT JOIN addresses a ON a.customer_id = c.id"
	}
	s.stmts.Add(1)
	rows, err := s.db.QueryContext(r.Context(), "SELECT "+strings.Join(items, ", ")+" FROM "+from+where, args...)
	if err != nil {
		return nil, http.StatusInternalServerError, err
	}
	defer rows.Close()
	var checks []checkCols
	var cu customerRow
	var groups sql.NullString
	var inCompany bool
	for rows.Next() {
		var ck checkCols
		var a addressJSON
		var n nullAddress
		var dest []any
		if !decided {
			dest = ck.dest()
		}
		dest = append(dest, cu.dest()...)
		if withLists {
			dest = append(append(dest, a.dest(&n)...), &groups, &inCompany)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, http.StatusInternalServerError, err
		}
		checks = append(checks, ck)
		// An admin with several roles reads each address once per role.
		if a.finish(&n, s.countries) && !slices.ContainsFunc(cu.Addresses, func(b addressJSON) bool { return b.ID == a.ID }) {
			cu.Addresses = append(cu.Addresses, a)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, http.StatusInternalServerError, err
	}
	if !decided {
		if err := check.pass(checks, "customers:read"); err != nil {
			return nil, checkStatus(err), err
		}
	}
	if !cu.id.Valid && self { // deleted, and memory has not read the feed's row yet
		return nil, http.StatusUnauthorized, errBadToken
	}
	if !cu.id.Valid {
		return nil, http.StatusNotFound, errNotFound
	}
	if inCompany {
		return nil, http.StatusNotImplemented, errInCompany
	}
	cu.ID = cu.id.String
	sortAddresses(cu.Addresses)
	cu.finish(time.Now())
	if groups.Valid {
		if cu.Groups, err = parseGroupRefs(groups.String); err != nil {
			return nil, http.StatusInternalServerError, err
		}
	}
	return &cu.customerJSON, http.StatusOK, nil
}

// groupRefsSQL reads a customer's groups as "count/" and then "id:length:name" entries, as
// Clientele's customer statement does.
const groupRefsSQL = "(SELECT CONCAT(COUNT(*), '/', GROUP_CONCAT(g.id, ':', LENGTH(g.name), ':', g.name SEPARATOR '')) " +
	"FROM customer_group_members m JOIN customer_groups g ON g.id = m.group_id WHERE m.customer_id = c.id)"

// parseGroupRefs reads groupRefsSQL's value, in Clientele's order (by lower-cased name).
func parseGroupRefs(refs string) ([]groupRef, error) {
	count, refs, _ := strings.Cut(refs, "/")
	out := []groupRef{}
	for refs != "" {
		id, rest, _ := strings.Cut(refs, ":")
		length, rest, _ := strings.Cut(rest, ":")
		n, err := strconv.Atoi(length)
		if err != nil || n < 0 || n > len(rest) {
			return nil, fmt.Errorf("malformed group list %q", refs)
		}
		out = append(out, groupRef{ID: id, Name: rest[:n]})
		refs = rest[n:]
	}
	if strconv.Itoa(len(out)) != count {
		return nil, fmt.Errorf("group list cut short: %d of %s", len(out), count)
	}
	sortGroups(out)
	return out, nil
}

// sortAddresses puts an address book in Clientele's order, oldest first.
func sortAddresses(as []addressJSON) {
	slices.SortFunc(as, func(a, b addressJSON) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
}

func sortGroups(gs []groupRef) {
	slices.SortFunc(gs, func(a, b groupRef) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
}

// getCustomer is REST getCustomer (id set, an admin's token) and getMe (id empty).
func (s *sameAnswer) getCustomer(w http.ResponseWriter, r *http.Request, id string) {
	cu, status, err := s.readCustomer(r, id, true)
	if err != nil {
		fail(w, status, err)
		return
	}
	w.Header().Set("ETag", `"`+strconv.Itoa(cu.Version)+`"`)
	writeJSON(w, cu)
}
