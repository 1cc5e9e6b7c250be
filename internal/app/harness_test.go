package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/clientele/clientele/api"
	"github.com/clientele/clientele/internal/app"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/internal/testdb"
)

// testArgon2 is real argon2id at a cost that keeps the suite fast.
var testArgon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1}

const (
	adminEmail    = "root@example.com"
	adminPassword = "root admin password"
	goodPassword  = "correct horse battery"
)

// env is a real server on a real database, with both API clients.
type env struct {
	t     testing.TB
	url   string
	db    *db.DB
	svc   *service.Service
	rest  *api.ClientWithResponses
	admin string // a super administrator's access token
	logs  *syncBuffer
	http  *http.Client // the GraphQL face's client; nil: http.DefaultClient
	app   http.Handler // the server's handler, for benchmarks that leave the network out
}

// syncBuffer collects the server's log lines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newEnv(t testing.TB, d *db.DB, mutate ...func(*config.Config)) *env {
	t.Helper()
	en := newInstance(t, d, mutate...)
	if _, err := en.svc.CreateSuperAdmin(context.Background(), adminEmail, adminPassword, "Root"); err != nil {
		t.Fatal(err)
	}
	tok, err := en.svc.GenerateAdminToken(context.Background(), auth.Principal{}, adminEmail, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	en.admin = tok.AccessToken
	return en
}

// newInstance is a server on d, following the revocations of the others as in production,
// without an admin of its own: another instance of newEnv's.
func newInstance(t testing.TB, d *db.DB, mutate ...func(*config.Config)) *env {
	t.Helper()
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	// The suite signs in far more often than a person would; the limits are tested on their own.
	cfg.RateLimitPerEmail, cfg.RateLimitPerIP = 0, 0
	for _, m := range mutate {
		m(&cfg)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc, err := service.New(context.Background(), d, cfg, log, service.Options{Argon2: &testArgon2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Shutdown(context.Background()) }) // before the database goes
	follow, stop := context.WithCancel(context.Background())
	followed := make(chan struct{})
	go func() { defer close(followed); svc.FollowRevocations(follow) }()
	t.Cleanup(func() { stop(); <-followed })
	opts, err := app.OptionsFrom(cfg, d.SQL())
	if err != nil {
		t.Fatal(err)
	}
	e, err := app.New(svc, log, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	rest, err := api.NewClientWithResponses(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, url: srv.URL, db: d, svc: svc, rest: rest, logs: logs, app: e}
}

// settle waits for the work the server does after answering (a reset's email), as the person
// reading their mail would; a read that follows then sees it.
func (e *env) settle() {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = e.svc.WaitForBackground(c)
}

// eachEnv runs fn on every database, with a fresh server each.
func eachEnv(t *testing.T, fn func(t *testing.T, e *env)) {
	testdb.Each(t, func(t *testing.T, d *db.DB) { fn(t, newEnv(t, d)) })
}

// result is what an API call looked like to its caller, in a shape shared by REST and GraphQL.
type result struct {
	Status  int            // HTTP status (REST); 200 for GraphQL
	Code    string         // error code, "" on success
	Message string         // error detail/message
	Fields  []string       // failing field paths of a VALIDATION_FAILED
	Data    map[string]any // the returned object
	Raw     string
}

func (r result) ok(t *testing.T) map[string]any {
	t.Helper()
	if r.Code != "" {
		t.Fatalf("want success, got %s %q fields=%v (%s)", r.Code, r.Message, r.Fields, r.Raw)
	}
	return r.Data
}

func (r result) fails(t *testing.T, code string, fields ...string) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("want %s, got code=%q status=%d (%s)", code, r.Code, r.Status, r.Raw)
	}
	got := slices.Sorted(slices.Values(r.Fields))
	want := slices.Sorted(slices.Values(fields))
	if len(fields) > 0 && !slices.Equal(got, want) {
		t.Fatalf("want failing fields %v, got %v (%s)", want, got, r.Raw)
	}
}

// face is one API of the service. Inputs are the REST wire types; since REST and GraphQL
// share field names, the GraphQL face sends the same JSON as variables.
type face interface {
	Name() string
	Register(in api.RegisterCustomerInput) result
	CustomerToken(email, password string) result
	AdminToken(email, password string) result
	Refresh(refreshToken string) result
	RevokeCustomer(token string, everywhere bool) result
	RevokeAdmin(token string, everywhere bool) result
	Me(token string) result
	UpdateMe(token string, patch map[string]any) result
	ChangeMyPassword(token, current, next, confirm string) result
	ListCustomers(token string, p api.ListCustomersParams) result
	GetCustomer(token, id string) result
	CreateCustomer(token string, in api.CreateCustomerInput) result
	UpdateCustomer(token, id string, patch map[string]any) result
	DeleteCustomer(token, id string) result
	DeleteCustomers(token string, ids []string) result
	CurrentAdmin(token string) result
}

// eachFace runs fn for REST and for GraphQL against one server.
func eachFace(t *testing.T, e *env, fn func(t *testing.T, f face)) {
	for _, f := range []face{&restFace{e}, &graphFace{e}} {
		t.Run(f.Name(), func(t *testing.T) { fn(t, f) })
	}
}

// ---- REST through the generated client ----

type restFace struct{ e *env }

func (r *restFace) Name() string { return "rest" }

func bearer(token string) api.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		return nil
	}
}

// restResult decodes a response body: the object on success, the problem on failure. Field
// `unwrap` picks a nested object (registerCustomer returns {customer}).
func restResult(t testing.TB, status int, body []byte, err error, unwrap string) result {
	t.Helper()
	if err != nil {
		t.Fatalf("REST call: %v", err)
	}
	res := result{Status: status, Raw: string(body)}
	if status >= 400 {
		var p api.Problem
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatalf("status %d with a body that is not problem+json: %s", status, body)
		}
		res.Code = string(p.Code)
		if p.Detail != nil {
			res.Message = *p.Detail
		}
		if p.Errors != nil {
			for _, f := range *p.Errors {
				res.Fields = append(res.Fields, f.Field)
			}
		}
		return res
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &res.Data); err != nil {
			t.Fatalf("decode %s: %v", body, err)
		}
	}
	if unwrap != "" {
		res.Data, _ = res.Data[unwrap].(map[string]any)
	}
	return res
}

var ctx = context.Background()

func (r *restFace) Register(in api.RegisterCustomerInput) result {
	resp, err := r.e.rest.RegisterCustomerWithResponse(ctx, &api.RegisterCustomerParams{}, in)
	return restResult(r.e.t, code(resp), body(resp), err, "customer")
}

func (r *restFace) CustomerToken(email, password string) result {
	resp, err := r.e.rest.GenerateCustomerTokenWithResponse(ctx, &api.GenerateCustomerTokenParams{}, api.GenerateTokenInput{Email: email, Password: password})
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) AdminToken(email, password string) result {
	resp, err := r.e.rest.GenerateAdminTokenWithResponse(ctx, &api.GenerateAdminTokenParams{}, api.GenerateTokenInput{Email: email, Password: password})
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) Refresh(refreshToken string) result {
	resp, err := r.e.rest.RefreshTokenWithResponse(ctx, &api.RefreshTokenParams{}, api.RefreshTokenInput{RefreshToken: refreshToken})
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) RevokeCustomer(token string, everywhere bool) result {
	resp, err := r.e.rest.RevokeCustomerTokenWithResponse(ctx, &api.RevokeCustomerTokenParams{}, api.RevokeTokenInput{Everywhere: &everywhere}, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) RevokeAdmin(token string, everywhere bool) result {
	resp, err := r.e.rest.RevokeAdminTokenWithResponse(ctx, &api.RevokeAdminTokenParams{}, api.RevokeTokenInput{Everywhere: &everywhere}, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) Me(token string) result {
	resp, err := r.e.rest.GetMeWithResponse(ctx, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) UpdateMe(token string, patch map[string]any) result {
	b, _ := json.Marshal(patch)
	resp, err := r.e.rest.UpdateMeWithBodyWithResponse(ctx, &api.UpdateMeParams{}, "application/merge-patch+json", bytes.NewReader(b), bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) ChangeMyPassword(token, current, next, confirm string) result {
	resp, err := r.e.rest.ChangeMyPasswordWithResponse(ctx, &api.ChangeMyPasswordParams{}, api.ChangePasswordInput{CurrentPassword: current, NewPassword: next, ConfirmPassword: confirm}, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) ListCustomers(token string, p api.ListCustomersParams) result {
	resp, err := r.e.rest.ListCustomersWithResponse(ctx, &p, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) GetCustomer(token, id string) result {
	resp, err := r.e.rest.GetCustomerWithResponse(ctx, id, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) CreateCustomer(token string, in api.CreateCustomerInput) result {
	resp, err := r.e.rest.CreateCustomerWithResponse(ctx, &api.CreateCustomerParams{}, in, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) UpdateCustomer(token, id string, patch map[string]any) result {
	b, _ := json.Marshal(patch)
	resp, err := r.e.rest.UpdateCustomerWithBodyWithResponse(ctx, id, &api.UpdateCustomerParams{}, "application/merge-patch+json", bytes.NewReader(b), bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) DeleteCustomer(token, id string) result {
	resp, err := r.e.rest.DeleteCustomerWithResponse(ctx, id, &api.DeleteCustomerParams{}, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) DeleteCustomers(token string, ids []string) result {
	resp, err := r.e.rest.DeleteCustomersWithResponse(ctx, &api.DeleteCustomersParams{}, api.DeleteCustomersInput{Ids: ids}, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

func (r *restFace) CurrentAdmin(token string) result {
	resp, err := r.e.rest.GetCurrentAdminWithResponse(ctx, bearer(token))
	return restResult(r.e.t, code(resp), body(resp), err, "")
}

// code and body read any generated response type (nil when the call itself failed).
func code(r interface{ StatusCode() int }) int {
	if v := reflect.ValueOf(r); v.IsNil() {
		return 0
	}
	return r.StatusCode()
}

func body(r any) []byte {
	v := reflect.ValueOf(r)
	if v.IsNil() {
		return nil
	}
	return v.Elem().FieldByName("Body").Bytes()
}
