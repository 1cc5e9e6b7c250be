package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clientele/clientele/api"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/internal/testdb"
	"github.com/clientele/clientele/models"
)

// TestSecurityHeaders: every response is nosniff; every REST and GraphQL response, errors
// included, is no-store (they carry tokens and personal data); the probes may be cached.
func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, testdb.New(t, db.SQLite))
	f := &restFace{e}
	f.Register(registration("headers@example.com")).ok(t)
	signIn := `{"email":"headers@example.com","password":"` + goodPassword + `"}`
	gqlSignIn := `{"query":"mutation { generateCustomerToken(email: \"headers@example.com\", password: \"` + goodPassword + `\") { token } }"}`
	for _, tc := range []struct {
		name, method, path, contentType, body string
		status                                int
		noStore                               bool
	}{
		{"REST sign-in", "POST", "/v1/auth/customer/token", "application/json", signIn, 200, true},
		{"REST error", "GET", "/v1/me", "", "", 401, true},
		{"REST unknown route", "GET", "/v1/nothing-here", "", "", 404, true},
		{"GraphQL sign-in", "POST", "/graphql", "application/json", gqlSignIn, 200, true},
		{"GraphQL error", "POST", "/graphql", "application/json", `{"query":"{ me { id } }"}`, 200, true},
		{"GraphQL wrong media type", "POST", "/graphql", "text/plain", gqlSignIn, 415, true},
		{"health", "GET", "/healthz", "", "", 200, false},
		{"spec", "GET", "/openapi.yaml", "", "", 200, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, tc.method, e.url+tc.path, tc.contentType, tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tc.status, body)
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q", got)
			}
			if got := resp.Header.Get("Cache-Control"); tc.noStore != (got == "no-store") {
				t.Errorf("Cache-Control = %q", got)
			}
			if tc.name == "REST sign-in" && !strings.Contains(body, `"token"`) {
				t.Errorf("no token in %s", body)
			}
		})
	}
}

// marker is planted in every abusive input below; no error body may repeat it.
const marker = "s3cr3t-marker"

// TestErrorBodiesEchoNothing: malformed bodies, parameters and GraphQL requests are client
// errors whose bodies repeat nothing of the request and name no Go internals, but do name
// the field or parameter at fault where one is known.
func TestErrorBodiesEchoNothing(t *testing.T) {
	e := newEnv(t, testdb.New(t, db.SQLite))
	_, tok := signUp(t, &restFace{e}, "echo@example.com")
	for _, tc := range []struct {
		name, method, path, contentType, body string
		status                                int
		names                                 string // the field or parameter the detail names
	}{
		{"syntax error", "POST", "/v1/auth/register", "application/json", `{"email": "` + marker + `", "password": ` + marker, 400, ""},
		{"truncated", "POST", "/v1/auth/register", "application/json", `{"email": "` + marker, 400, ""},
		{"wrong type", "POST", "/v1/auth/register", "application/json", `{"email": 42, "password": "` + marker + `"}`, 400, "email"},
		{"wrong nested type", "POST", "/v1/auth/register", "application/json", `{"attributes": [{"name": 1, "value": "` + marker + `"}]}`, 400, "attributes.name"},
		{"number out of range", "POST", "/v1/auth/register", "application/json", `{"dateOfBirth": 1e999, "email": "` + marker + `"}`, 400, "dateOfBirth"},
		{"not an object", "POST", "/v1/auth/register", "application/json", `["` + marker + `"]`, 400, ""},
		{"trailing garbage", "POST", "/v1/auth/register", "application/json", `{"email": "a@example.com"} ` + marker, 400, ""},
		{"two documents", "POST", "/v1/auth/register", "application/json", `{"email": "a@example.com"} {"email": "` + marker + `"}`, 400, ""},
		{"merge patch of a wrong type", "PATCH", "/v1/me", "application/merge-patch+json", `{"middleName": 5, "x": "` + marker + `"}`, 400, "middleName"},
		{"XML", "POST", "/v1/auth/register", "text/xml", `<x>` + marker + `<`, 400, ""},
		{"form", "POST", "/v1/auth/register", "application/x-www-form-urlencoded", `email=` + marker + `%zz`, 400, ""},
		{"bad integer parameter", "GET", "/v1/customers?limit=" + marker, "", "", 400, "limit"},
		{"integer parameter out of range", "GET", "/v1/customers?limit=99999999999999999999" + "&x=" + marker, "", "", 400, "limit"},
		{"bad boolean parameter", "GET", "/v1/customers?withTotal=" + marker, "", "", 400, "withTotal"},
		{"bad time parameter", "GET", "/v1/customers?createdFrom=" + marker, "", "", 400, "createdFrom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, tc.method, e.url+tc.path, tc.contentType, tc.body, "Authorization", "Bearer "+tok)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tc.status, body)
			}
			if code := problemCode(t, resp, body); code != "BAD_REQUEST" {
				t.Errorf("code %q", code)
			}
			assertEchoesNothing(t, body)
			var p struct{ Detail string }
			_ = json.Unmarshal([]byte(body), &p)
			if tc.names != "" && !strings.Contains(p.Detail, tc.names) {
				t.Errorf("detail %q does not name %s", p.Detail, tc.names)
			}
		})
	}

	for _, tc := range []struct{ name, contentType, body string }{
		{"GraphQL body not JSON", "application/json", `{"query": ` + marker},
		{"GraphQL variables not an object", "application/json", `{"query": "{ __typename }", "variables": "` + marker + `"}`},
		{"GraphQL body not JSON at all", "text/plain", marker},
		{"GraphQL form", "application/x-www-form-urlencoded", "query=" + marker},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, "POST", e.url+"/graphql", tc.contentType, tc.body)
			if resp.StatusCode >= 500 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/") {
				t.Errorf("%d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			var out gqlResponse
			if err := json.Unmarshal([]byte(body), &out); err != nil || len(out.Errors) != 1 || out.Errors[0].Extensions.Code != "BAD_REQUEST" {
				t.Errorf("want one BAD_REQUEST error, got %s", body)
			}
			assertEchoesNothing(t, body)
		})
	}
}

func assertEchoesNothing(t *testing.T, body string) {
	t.Helper()
	for _, leak := range []string{marker, "offset", "strconv", "Go struct", "api.", "unmarshal", "Unmarshal", "%zz", "parsing"} {
		if strings.Contains(body, leak) {
			t.Errorf("error body contains %q: %s", leak, body)
		}
	}
}

// TestRequestDeadline: with every database connection taken (SQLite has one), an API request
// waits for one only until CLIENTELE_REQUEST_TIMEOUT, then answers 503 UNAVAILABLE with
// Retry-After, in both APIs; /readyz says 503 within 2 s; /healthz stays 200 at once. When
// the connection is free again everything works.
func TestRequestDeadline(t *testing.T) {
	const timeout = 300 * time.Millisecond
	d := testdb.New(t, db.SQLite)
	e := newEnv(t, d, func(c *config.Config) { c.RequestTimeout = timeout })
	_, tok := signUp(t, &restFace{e}, "deadline@example.com")

	held, err := d.SQL().Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	released := false
	release := func() {
		if !released {
			released = true
			_ = held.Close()
		}
	}
	defer release()

	for _, tc := range []struct{ name, method, path, body string }{
		{"REST read", "GET", "/v1/me", ""},
		{"REST sign-in", "POST", "/v1/auth/customer/token", `{"email":"deadline@example.com","password":"` + goodPassword + `"}`},
		{"REST write", "PATCH", "/v1/me", `{"firstName":"Grace"}`},
	} {
		began := time.Now()
		resp, body := do(t, tc.method, e.url+tc.path, "application/json", tc.body, "Authorization", "Bearer "+tok)
		took := time.Since(began)
		if resp.StatusCode != 503 || problemCode(t, resp, body) != "UNAVAILABLE" || resp.Header.Get("Retry-After") != "1" {
			t.Errorf("%s: %d Retry-After %q: %s", tc.name, resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
		if took < timeout || took > timeout+time.Second {
			t.Errorf("%s answered after %v; the deadline is %v", tc.name, took, timeout)
		}
	}
	began := time.Now()
	resp, body := do(t, "POST", e.url+"/graphql", "application/json", `{"query":"{ me { id } }"}`, "Authorization", "Bearer "+tok)
	var out struct {
		Errors []struct {
			Extensions struct {
				Code       string
				RetryAfter int
			}
		}
	}
	_ = json.Unmarshal([]byte(body), &out)
	if len(out.Errors) != 1 || out.Errors[0].Extensions.Code != "UNAVAILABLE" || out.Errors[0].Extensions.RetryAfter != 1 {
		t.Errorf("GraphQL me: %d %s", resp.StatusCode, body)
	}
	if took := time.Since(began); took > timeout+time.Second {
		t.Errorf("GraphQL me answered after %v", took)
	}

	probe(t, e.url+"/readyz", http.StatusServiceUnavailable, 2*time.Second)
	probe(t, e.url+"/healthz", http.StatusOK, 100*time.Millisecond)

	release()
	probe(t, e.url+"/readyz", http.StatusOK, time.Second)
	if resp, body := do(t, "GET", e.url+"/v1/me", "", "", "Authorization", "Bearer "+tok); resp.StatusCode != 200 {
		t.Fatalf("after the connection is free: %d %s", resp.StatusCode, body)
	}
}

// TestIdempotencyLease: a key reserved by a request that died with its process (reserved, no
// response) answers CONFLICT with Retry-After: 1 while the lease runs; after
// CLIENTELE_IDEMPOTENCY_LEASE a retry takes it over and does the work exactly once, however
// many retries race for it; later retries replay that response.
func TestIdempotencyLease(t *testing.T) {
	const lease = 400 * time.Millisecond
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, func(c *config.Config) { c.IdempotencyLease = lease })
		in, _ := json.Marshal(registration("lease@example.com"))
		body := string(in)
		// What a process killed in the middle of the request leaves behind.
		if err := d.Gorm().Create(&models.IdempotencyKey{Caller: "ip:127.0.0.1", IdemKey: "lease-1",
			RequestHash: service.IdempotencyRequestHash("POST", "/v1/auth/register", in), CreatedAt: db.Now()}).Error; err != nil {
			t.Fatal(err)
		}
		register := func() (*http.Response, string) {
			return do(t, "POST", e.url+"/v1/auth/register", "application/json", body, "Idempotency-Key", "lease-1")
		}

		resp, got := register()
		if resp.StatusCode != 409 || problemCode(t, resp, got) != "CONFLICT" || resp.Header.Get("Retry-After") != "1" {
			t.Fatalf("within the lease: %d Retry-After %q: %s", resp.StatusCode, resp.Header.Get("Retry-After"), got)
		}

		time.Sleep(lease + 50*time.Millisecond)
		statuses := make([]int, 5)
		replayed := make([]bool, 5)
		var wg sync.WaitGroup
		for i := range statuses {
			wg.Go(func() {
				resp, _ := register()
				statuses[i], replayed[i] = resp.StatusCode, resp.Header.Get("Idempotent-Replayed") == "true"
			})
		}
		wg.Wait()
		fresh := 0
		for i, s := range statuses {
			switch {
			case s == 201 && !replayed[i]:
				fresh++
			case s == 201, s == 409:
			default:
				t.Errorf("a retry after the lease answered %d", s)
			}
		}
		if fresh != 1 {
			t.Errorf("%d retries did the work, want exactly 1 (statuses %v, replayed %v)", fresh, statuses, replayed)
		}

		resp, got = register()
		if resp.StatusCode != 201 || resp.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("a later retry: %d replayed=%q %s", resp.StatusCode, resp.Header.Get("Idempotent-Replayed"), got)
		}
		r := (&restFace{e}).ListCustomers(e.admin, api.ListCustomersParams{Email: ptr("lease@example.com")})
		if n := r.ok(t)["totalCount"]; n != 1.0 {
			t.Errorf("%v customers registered, want 1", n)
		}
	})
}
