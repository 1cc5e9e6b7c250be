package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"github.com/clientele/clientele/internal/app"
	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/service"
)

const (
	password   = "bench-Password-8472!"
	adminEmail = "bench-admin@bench.test"
	// jwtSecret is set in the config so the baseline can verify the same tokens.
	jwtSecret = "bench-jwt-secret-0123456789abcdef0123456789"
	pageSize  = 50
)

// env is everything the cases need: the three servers, tokens and the seeded ids.
type env struct {
	clientele, same, baseline server
	sameAnswer                *sameAnswer
	sync                      time.Duration // CLIENTELE_REVOCATION_SYNC of both Clientele and sameAnswer
	sqlDB                     *sql.DB
	svc                       *service.Service
	stmts                     *atomic.Int64 // statements Clientele ran through GORM
	adminToken                string
	customerToken             string
	ids, emails               []string
	deepCursor                string
	hashTime                  time.Duration
	dbVersion                 string
	mixed                     *mixedWrites
	closers                   []func()
}

func (e *env) close() {
	for _, c := range slices.Backward(e.closers) {
		c()
	}
}

func setup(ctx context.Context, cfg options) (*env, error) {
	if cfg.n < 2*pageSize+1 {
		return nil, fmt.Errorf("-n must be at least %d", 2*pageSize+1)
	}
	e := &env{sync: cfg.sync}
	d, err := db.Open(cfg.dbURL)
	if err != nil {
		return nil, err
	}
	e.closers = append(e.closers, func() { d.Close() })
	if d.Dialect != db.MySQL {
		return nil, fmt.Errorf("-db must be a mysql:// URL")
	}
	if err := d.Migrate(ctx); err != nil {
		return nil, err
	}
	dsn, _ := db.MySQLDSN(cfg.dbURL)
	sqlDB, err := openSQL(cfg.dbURL)
	if err != nil {
		return nil, err
	}
	e.closers = append(e.closers, func() { sqlDB.Close() })
	e.sqlDB = sqlDB
	if err := sqlDB.QueryRowContext(ctx, "SELECT VERSION()").Scan(&e.dbVersion); err != nil {
		return nil, err
	}

	hasher := auth.NewHasher(auth.DefaultArgon2)
	var times []time.Duration
	var hash string
	for range 5 {
		t := time.Now()
		if hash, err = hasher.Hash(ctx, password); err != nil {
			return nil, err
		}
		times = append(times, time.Since(t))
	}
	slices.Sort(times)
	e.hashTime = times[len(times)/2]

	var have int
	if err := sqlDB.QueryRowContext(ctx, "SELECT COUNT(*) FROM customers").Scan(&have); err != nil {
		return nil, err
	}
	// The same-answer baseline does not build company memberships: a database where seeded
	// customers joined companies (mixedWrites, interrupted before its registrations changed
	// the count) is seeded again.
	var members int
	if err := sqlDB.QueryRowContext(ctx, "SELECT COUNT(*) FROM company_users u JOIN customers c ON c.id = u.customer_id").Scan(&members); err != nil {
		return nil, err
	}
	if have != cfg.n || members > 0 || cfg.reseed {
		t := time.Now()
		if err := seed(ctx, sqlDB, cfg.n, hash); err != nil {
			return nil, fmt.Errorf("seed: %w", err)
		}
		fmt.Printf("seeded %d customers with addresses and groups in %s\n", cfg.n, time.Since(t).Round(time.Millisecond))
	}
	if e.ids, e.emails, err = customerKeys(ctx, sqlDB); err != nil {
		return nil, err
	}
	if e.deepCursor, err = cursorAt(ctx, sqlDB, cfg.n-pageSize-1); err != nil {
		return nil, err
	}

	e.stmts = countStatements(d.Gorm())
	svcCfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		return nil, err
	}
	svcCfg.JWTSecret = jwtSecret
	// The load generator is one client signing one account in thousands of times a minute: the
	// limits are set out of reach, so the limiter's counting is measured but refuses nothing.
	svcCfg.RateLimitPerEmail, svcCfg.RateLimitPerIP = 1<<30, 1<<30
	svcCfg.RevocationSync = cfg.sync
	// JSON to io.Discard: the access log is formatted as in production, not written.
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	if e.svc, err = service.New(ctx, d, svcCfg, log, service.Options{}); err != nil {
		return nil, err
	}
	if cfg.sync > 0 {
		followCtx, stopFollowing := context.WithCancel(ctx)
		go e.svc.FollowRevocations(followCtx)
		e.closers = append(e.closers, stopFollowing)
	}
	if _, err := e.svc.CreateSuperAdmin(ctx, adminEmail, password, "Bench"); err != nil && apperr.KindOf(err) != apperr.Conflict {
		return nil, err
	}
	tok, err := e.svc.GenerateAdminToken(ctx, auth.Principal{}, adminEmail, password)
	if err != nil {
		return nil, err
	}
	e.adminToken = tok.AccessToken
	if tok, err = e.svc.GenerateCustomerToken(ctx, auth.Principal{}, e.emails[0], password); err != nil {
		return nil, err
	}
	e.customerToken = tok.AccessToken

	opts, err := app.OptionsFrom(svcCfg, d.SQL())
	if err != nil {
		return nil, err
	}
	h, err := app.New(e.svc, log, opts)
	if err != nil {
		return nil, err
	}
	base, stop, err := serve(h)
	if err != nil {
		return nil, err
	}
	e.closers = append(e.closers, stop)
	e.clientele = server{base: base, statements: e.stmts.Load}

	// Its token check is Clientele's in the same mode: every token in the database with
	// -sync 0, else the revocation feed followed in memory with Clientele's interval, gap wait,
	// keep and forget times (internal/service/revocations.go).
	same, err := newSameAnswer(ctx, dsn, sameAnswerConfig{secret: []byte(jwtSecret), accessTTL: svcCfg.AccessTokenTTL,
		refreshTTL: svcCfg.RefreshTokenTTL, rateLimit: svcCfg.RateLimitPerIP, feed: feedOptions{
			interval: cfg.sync, gapWait: svcCfg.RequestTimeout + 30*time.Second, keep: auth.Leeway + service.MaxClockSkew, forget: svcCfg.AccessTokenTTL,
		}})
	if err != nil {
		return nil, err
	}
	e.closers = append(e.closers, func() { same.db.Close() })
	e.sameAnswer = same
	if cfg.sync > 0 {
		followCtx, stopFollowing := context.WithCancel(ctx)
		go same.memory.follow(followCtx)
		e.closers = append(e.closers, stopFollowing)
	}
	if base, stop, err = serve(same.handler()); err != nil {
		return nil, err
	}
	e.closers = append(e.closers, stop)
	e.same = server{base: base, statements: same.stmts.Load}

	b, err := newBaseline(dsn, []byte(jwtSecret))
	if err != nil {
		return nil, err
	}
	e.closers = append(e.closers, func() { b.db.Close() })
	if base, stop, err = serve(b.handler()); err != nil {
		return nil, err
	}
	e.closers = append(e.closers, stop)
	e.baseline = server{base: base, statements: b.stmts.Load}
	return e, nil
}

// countStatements counts every statement GORM runs on g (the idea of internal/testdb).
func countStatements(g *gorm.DB) *atomic.Int64 {
	n := &atomic.Int64{}
	inc := func(*gorm.DB) { n.Add(1) }
	cb := g.Callback()
	cb.Create().After("gorm:create").Register("bench:count", inc)
	cb.Query().After("gorm:query").Register("bench:count", inc)
	cb.Update().After("gorm:update").Register("bench:count", inc)
	cb.Delete().After("gorm:delete").Register("bench:count", inc)
	cb.Row().After("gorm:row").Register("bench:count", inc)
	cb.Raw().After("gorm:raw").Register("bench:count", inc)
	return n
}

func customerKeys(ctx context.Context, sqlDB *sql.DB) (ids, emails []string, err error) {
	rows, err := sqlDB.QueryContext(ctx, "SELECT id, email FROM customers ORDER BY email")
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, email string
		if err := rows.Scan(&id, &email); err != nil {
			return nil, nil, err
		}
		ids, emails = append(ids, id), append(emails, email)
	}
	return ids, emails, rows.Err()
}

// cursorAt encodes the listCustomers cursor after the row at offset of the default order
// (newest first), as the service does: base64url of {"s","v","i"}.
func cursorAt(ctx context.Context, sqlDB *sql.DB, offset int) (string, error) {
	var id string
	var created time.Time
	err := sqlDB.QueryRowContext(ctx, "SELECT id, created_at FROM customers ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?", offset).Scan(&id, &created)
	if err != nil {
		return "", err
	}
	b, _ := json.Marshal(struct {
		Sort  string `json:"s"`
		Value string `json:"v"`
		ID    string `json:"i"`
	}{"-createdAt", created.UTC().Format(time.RFC3339Nano), id})
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// workload builds the next request of a case against base.
type workload func(base string, rnd *rand.Rand) *http.Request

type benchCase struct {
	name      string
	clientele workload
	// same: the same-answer baseline serves this case's requests too; the bench compares one
	// answer of each before measuring.
	same     bool
	baseline workload     // the bare baseline; nil: none
	check    func() error // run once before measuring
}

func caseNames() []string {
	var e env
	var names []string
	for _, c := range e.cases() {
		names = append(names, c.name)
	}
	return names
}

const (
	gqlCustomer  = `query($id: ID!) { customer(id: $id) { id email firstName lastName status createdAt } }`
	gqlCustomers = `query($first: Int) { customers(first: $first) { nodes { id email firstName lastName status createdAt
  addresses { id street city postalCode countryCode isDefaultBilling } groups { id name } } pageInfo { hasNextPage endCursor } } }`
)

func (e *env) cases() []benchCase {
	randomID := func(rnd *rand.Rand) string { return e.ids[rnd.IntN(len(e.ids))] }
	getCustomer := func(token string) workload {
		return func(base string, rnd *rand.Rand) *http.Request {
			return newRequest("GET", base+"/v1/customers/"+randomID(rnd), token, nil)
		}
	}
	list := func(query, token string) workload {
		return func(base string, _ *rand.Rand) *http.Request {
			return newRequest("GET", base+"/v1/customers?limit=50&"+query, token, nil)
		}
	}
	deep := "withTotal=false&cursor=" + e.deepCursor
	return []benchCase{
		{name: "getCustomer", clientele: getCustomer(e.adminToken), same: true, baseline: getCustomer("")},
		{name: "gqlCustomer", clientele: func(base string, rnd *rand.Rand) *http.Request {
			return graphql(base, e.adminToken, gqlCustomer, map[string]any{"id": randomID(rnd)})
		}, same: true, baseline: getCustomer("")},
		{name: "getMe", same: true, clientele: func(base string, _ *rand.Rand) *http.Request {
			return newRequest("GET", base+"/v1/me", e.customerToken, nil)
		}, baseline: func(base string, _ *rand.Rand) *http.Request {
			return newRequest("GET", base+"/v1/me", e.customerToken, nil)
		}},
		{name: "listCustomers", clientele: list("withTotal=false", e.adminToken), same: true, baseline: list("withTotal=false", "")},
		{name: "listCustomersTotal", clientele: list("withTotal=true", e.adminToken), same: true, baseline: list("withTotal=true", "")},
		{name: "listCustomersDeep", clientele: list(deep, e.adminToken), same: true, baseline: list(deep, ""),
			check: e.checkDeepPage},
		{name: "gqlCustomers", same: true, clientele: func(base string, _ *rand.Rand) *http.Request {
			return graphql(base, e.adminToken, gqlCustomers, map[string]any{"first": pageSize})
		}, baseline: func(base string, _ *rand.Rand) *http.Request {
			return newRequest("GET", base+"/customers-graph", "", nil)
		}, check: e.checkPageStatements},
		e.searchCase(),
		{name: "mixedWrites", clientele: func(base string, rnd *rand.Rand) *http.Request {
			return e.mixed.next(base, rnd)
		}, check: func() (err error) {
			e.mixed, err = newMixedWrites(context.Background(), e)
			return err
		}},
		{name: "signIn", same: true, clientele: func(base string, rnd *rand.Rand) *http.Request {
			body, _ := json.Marshal(map[string]string{"email": e.emails[rnd.IntN(len(e.emails))], "password": password})
			return newRequest("POST", base+"/v1/auth/customer/token", "", body)
		}},
	}
}

// checkDeepPage proves the deep cursor is accepted and lands on the last full page.
func (e *env) checkDeepPage() error {
	var page struct {
		Items      []json.RawMessage `json:"items"`
		NextCursor *string           `json:"nextCursor"`
	}
	if err := e.fetch(newRequest("GET", e.clientele.base+"/v1/customers?limit=50&withTotal=false&cursor="+e.deepCursor, e.adminToken, nil), &page); err != nil {
		return err
	}
	if len(page.Items) != pageSize || page.NextCursor != nil {
		return fmt.Errorf("deep page: got %d items, next cursor %v; want the last %d", len(page.Items), page.NextCursor != nil, pageSize)
	}
	return nil
}

// checkPageStatements prints the SQL statements of a GraphQL customers page of 10 and of 200:
// with dataloaders they must be the same number.
func (e *env) checkPageStatements() error {
	var counts []string
	for _, first := range []int{10, 200} {
		before := e.stmts.Load()
		if err := e.fetch(graphql(e.clientele.base, e.adminToken, gqlCustomers, map[string]any{"first": first}), nil); err != nil {
			return err
		}
		counts = append(counts, fmt.Sprintf("first=%d: %d", first, e.stmts.Load()-before))
	}
	fmt.Printf("GraphQL customers page, SQL statements per request: %s\n", strings.Join(counts, ", "))
	return nil
}

func (e *env) fetch(req *http.Request, into any) error {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || bytes.Contains(body, []byte(`"errors":[`)) {
		return fmt.Errorf("%s %s: %s %s", req.Method, req.URL.Path, resp.Status, body)
	}
	if into == nil {
		return nil
	}
	return json.Unmarshal(body, into)
}

func graphql(base, token, query string, vars map[string]any) *http.Request {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return newRequest("POST", base+"/graphql", token, body)
}

// newRequest builds a request to one of our own servers; a bad URL is a bug here.
func newRequest(method, url, token string, body []byte) *http.Request {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		panic(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}
