package main

import (
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/golang-jwt/jwt/v5"
	"github.com/labstack/echo/v4"

	"github.com/clientele/clientele/internal/db"
)

// baseline is the physical limit: bare echo and database/sql running the same statements as
// Clientele does for the same answer, and nothing else (no middleware, no service layer).
type baseline struct {
	db     *sql.DB
	secret []byte
	parser *jwt.Parser
	stmts  atomic.Int64
}

// openSQL opens a database/sql pool with the DSN settings and pool size Clientele uses.
func openSQL(rawURL string) (*sql.DB, error) {
	dsn, err := db.MySQLDSN(rawURL)
	if err != nil {
		return nil, err
	}
	return openDSN(dsn)
}

func openDSN(dsn string) (*sql.DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	sqlDB := sql.OpenDB(connector)
	sqlDB.SetMaxOpenConns(50)
	sqlDB.SetMaxIdleConns(50)
	return sqlDB, nil
}

func newBaseline(dsn string, secret []byte) (*baseline, error) {
	sqlDB, err := openDSN(dsn)
	if err != nil {
		return nil, err
	}
	return &baseline{db: sqlDB, secret: secret, parser: jwt.NewParser(
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithAudience("customer"), jwt.WithIssuer("clientele"), jwt.WithExpirationRequired(),
	)}, nil
}

func (b *baseline) handler() *echo.Echo {
	e := echo.New()
	e.GET("/v1/customers/:id", func(c echo.Context) error { return b.customer(c, c.Param("id")) })
	e.GET("/v1/me", b.me)
	e.GET("/v1/customers", b.list)
	e.GET("/customers-graph", b.customersGraph)
	return e
}

const customerCols = "id, email, first_name, middle_name, last_name, prefix, suffix, phone, date_of_birth, gender, tax_vat, " +
	"is_subscribed, status, locked_until, email_verified, password_hash, security_stamp, onboarding_status, order_webhook_url, " +
	"external_id, locale, metadata, attributes, failed_login_count, last_login_at, erased_at, version, created_at, updated_at"

type customer struct {
	ID               string     `json:"id"`
	Email            string     `json:"email"`
	FirstName        string     `json:"firstName"`
	MiddleName       *string    `json:"middleName"`
	LastName         string     `json:"lastName"`
	Prefix           *string    `json:"prefix"`
	Suffix           *string    `json:"suffix"`
	Phone            *string    `json:"phone"`
	DateOfBirth      *string    `json:"dateOfBirth"`
	Gender           string     `json:"gender"`
	TaxVat           *string    `json:"taxVat"`
	IsSubscribed     bool       `json:"isSubscribed"`
	Status           string     `json:"status"`
	LockedUntil      *time.Time `json:"lockedUntil"`
	EmailVerified    bool       `json:"emailVerified"`
	PasswordHash     *string    `json:"-"`
	SecurityStamp    string     `json:"-"`
	OnboardingStatus string     `json:"onboardingStatus"`
	OrderWebhookURL  *string    `json:"orderWebhookUrl"`
	ExternalID       *string    `json:"externalId"`
	Locale           *string    `json:"locale"`
	Metadata         rawJSON    `json:"metadata"`
	Attributes       rawJSON    `json:"attributes"`
	FailedLoginCount int        `json:"failedLoginCount"`
	LastLoginAt      *time.Time `json:"lastLoginAt"`
	ErasedAt         *time.Time `json:"erasedAt"`
	Version          int        `json:"version"`
	CreatedAt        time.Time  `json:"createdAt"`
	UpdatedAt        time.Time  `json:"updatedAt"`
	// Filled by the GraphQL-page baseline only.
	Addresses []address `json:"addresses,omitempty"`
	Groups    []group   `json:"groups,omitempty"`
}

func (c *customer) dest() []any {
	return []any{&c.ID, &c.Email, &c.FirstName, &c.MiddleName, &c.LastName, &c.Prefix, &c.Suffix, &c.Phone, &c.DateOfBirth,
		&c.Gender, &c.TaxVat, &c.IsSubscribed, &c.Status, &c.LockedUntil, &c.EmailVerified, &c.PasswordHash, &c.SecurityStamp,
		&c.OnboardingStatus, &c.OrderWebhookURL, &c.ExternalID, &c.Locale, &c.Metadata, &c.Attributes, &c.FailedLoginCount,
		&c.LastLoginAt, &c.ErasedAt, &c.Version, &c.CreatedAt, &c.UpdatedAt}
}

// rawJSON is a JSON text column passed through to the response as it is.
type rawJSON []byte

func (r *rawJSON) Scan(src any) error {
	switch v := src.(type) {
	case []byte:
		*r = append((*r)[:0], v...) // the driver reuses v
	case string:
		*r = rawJSON(v)
	}
	return nil
}

func (r rawJSON) MarshalJSON() ([]byte, error) { return r, nil }

// customer is GET /v1/customers/{id}: the primary-key SELECT GORM's Take runs.
func (b *baseline) customer(c echo.Context, id string) error {
	var cu customer
	b.stmts.Add(1)
	err := b.db.QueryRowContext(c.Request().Context(), "SELECT "+customerCols+" FROM customers WHERE id = ? LIMIT 1", id).Scan(cu.dest()...)
	if err == sql.ErrNoRows {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cu)
}

// me verifies the same HS256 customer token Clientele issues, then reads its subject.
func (b *baseline) me(c echo.Context) error {
	token, _ := strings.CutPrefix(c.Request().Header.Get("Authorization"), "Bearer ")
	var claims jwt.RegisteredClaims
	if _, err := b.parser.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return b.secret, nil }); err != nil {
		return echo.ErrUnauthorized
	}
	return b.customer(c, claims.Subject)
}

// page runs listCustomers' keyset query (newest first), optionally after a cursor.
func (b *baseline) page(c echo.Context, limit int, cursor string) ([]customer, error) {
	q, args := "SELECT "+customerCols+" FROM customers", []any{}
	if cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(cursor)
		if err != nil {
			return nil, echo.ErrBadRequest
		}
		var cur struct {
			Value string `json:"v"`
			ID    string `json:"i"`
		}
		if err := json.Unmarshal(raw, &cur); err != nil {
			return nil, echo.ErrBadRequest
		}
		t, err := time.Parse(time.RFC3339Nano, cur.Value)
		if err != nil {
			return nil, echo.ErrBadRequest
		}
		q += " WHERE (created_at < ? OR (created_at = ? AND id < ?))"
		args = append(args, t, t, cur.ID)
	}
	q += " ORDER BY created_at DESC, id DESC LIMIT " + strconv.Itoa(limit+1)
	b.stmts.Add(1)
	rows, err := b.db.QueryContext(c.Request().Context(), q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []customer
	for rows.Next() {
		var cu customer
		if err := rows.Scan(cu.dest()...); err != nil {
			return nil, err
		}
		out = append(out, cu)
	}
	return out, rows.Err()
}

func (b *baseline) list(c echo.Context) error {
	limit, err := strconv.Atoi(c.QueryParam("limit"))
	if err != nil {
		return echo.ErrBadRequest
	}
	var resp struct {
		Items      []customer `json:"items"`
		NextCursor *string    `json:"nextCursor"`
		TotalCount *int       `json:"totalCount,omitempty"`
	}
	if c.QueryParam("withTotal") == "true" {
		var n int
		b.stmts.Add(1)
		if err := b.db.QueryRowContext(c.Request().Context(), "SELECT count(*) FROM customers").Scan(&n); err != nil {
			return err
		}
		resp.TotalCount = &n
	}
	if resp.Items, err = b.page(c, limit, c.QueryParam("cursor")); err != nil {
		return err
	}
	if len(resp.Items) > limit {
		resp.Items = resp.Items[:limit]
		next := resp.Items[limit-1].ID // a stand-in: encoding is not what is measured
		resp.NextCursor = &next
	}
	return c.JSON(http.StatusOK, resp)
}

const addressCols = "id, customer_id, company_id, label, first_name, middle_name, last_name, prefix, suffix, company, street, city, " +
	"region_code, region_name, postal_code, country_code, phone, fax, vat_id, type, default_billing_of, default_shipping_of, " +
	"version, created_at, updated_at"

type address struct {
	ID                string    `json:"id"`
	CustomerID        *string   `json:"-"`
	CompanyID         *string   `json:"-"`
	Label             *string   `json:"label"`
	FirstName         string    `json:"firstName"`
	MiddleName        *string   `json:"middleName"`
	LastName          string    `json:"lastName"`
	Prefix            *string   `json:"prefix"`
	Suffix            *string   `json:"suffix"`
	Company           *string   `json:"company"`
	Street            rawJSON   `json:"street"`
	City              string    `json:"city"`
	RegionCode        *string   `json:"regionCode"`
	RegionName        *string   `json:"regionName"`
	PostalCode        *string   `json:"postalCode"`
	CountryCode       string    `json:"countryCode"`
	Phone             *string   `json:"phone"`
	Fax               *string   `json:"fax"`
	VatID             *string   `json:"vatId"`
	Type              string    `json:"type"`
	DefaultBillingOf  *string   `json:"-"`
	DefaultShippingOf *string   `json:"-"`
	IsDefaultBilling  bool      `json:"isDefaultBilling"`
	Version           int       `json:"version"`
	CreatedAt         time.Time `json:"createdAt"`
	UpdatedAt         time.Time `json:"updatedAt"`
}

type group struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	NameKey     string    `json:"-"`
	Description *string   `json:"description"`
	Metadata    rawJSON   `json:"metadata"`
	IsSystem    bool      `json:"isSystem"`
	Version     int       `json:"version"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// customersGraph is the GraphQL customers(first: 50) page with addresses and groups: the page
// query, then one IN (...) query for each, as Clientele's dataloaders run.
func (b *baseline) customersGraph(c echo.Context) error {
	ctx := c.Request().Context()
	page, err := b.page(c, pageSize, "")
	if err != nil {
		return err
	}
	hasNext := len(page) > pageSize
	page = page[:min(len(page), pageSize)]
	byID := make(map[string]*customer, len(page))
	in, ids := strings.TrimSuffix(strings.Repeat("?, ", len(page)), ", "), make([]any, len(page))
	for i := range page {
		byID[page[i].ID], ids[i] = &page[i], page[i].ID
		page[i].Addresses, page[i].Groups = []address{}, []group{}
	}

	b.stmts.Add(1)
	rows, err := b.db.QueryContext(ctx, "SELECT "+addressCols+" FROM addresses WHERE customer_id IN ("+in+") ORDER BY customer_id, created_at, id", ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a address
		if err := rows.Scan(&a.ID, &a.CustomerID, &a.CompanyID, &a.Label, &a.FirstName, &a.MiddleName, &a.LastName, &a.Prefix, &a.Suffix,
			&a.Company, &a.Street, &a.City, &a.RegionCode, &a.RegionName, &a.PostalCode, &a.CountryCode, &a.Phone, &a.Fax, &a.VatID,
			&a.Type, &a.DefaultBillingOf, &a.DefaultShippingOf, &a.Version, &a.CreatedAt, &a.UpdatedAt); err != nil {
			return err
		}
		a.IsDefaultBilling = a.DefaultBillingOf != nil
		cu := byID[*a.CustomerID]
		cu.Addresses = append(cu.Addresses, a)
	}
	if err := rows.Err(); err != nil {
		return err
	}

	b.stmts.Add(1)
	grows, err := b.db.QueryContext(ctx, "SELECT g.id, g.name, g.name_key, g.description, g.metadata, g.is_system, g.version, g.created_at, g.updated_at, "+
		"m.customer_id FROM customer_groups g JOIN customer_group_members m ON m.group_id = g.id WHERE m.customer_id IN ("+in+") ORDER BY g.name_key", ids...)
	if err != nil {
		return err
	}
	defer grows.Close()
	for grows.Next() {
		var g group
		var member string
		if err := grows.Scan(&g.ID, &g.Name, &g.NameKey, &g.Description, &g.Metadata, &g.IsSystem, &g.Version, &g.CreatedAt, &g.UpdatedAt, &member); err != nil {
			return err
		}
		cu := byID[member]
		cu.Groups = append(cu.Groups, g)
	}
	if err := grows.Err(); err != nil {
		return err
	}
	var resp struct {
		Data struct {
			Customers struct {
				Nodes    []customer `json:"nodes"`
				PageInfo struct {
					HasNextPage bool `json:"hasNextPage"`
				} `json:"pageInfo"`
			} `json:"customers"`
		} `json:"data"`
	}
	resp.Data.Customers.Nodes = page
	resp.Data.Customers.PageInfo.HasNextPage = hasNext
	return c.JSON(http.StatusOK, resp)
}
