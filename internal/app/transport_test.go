package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/testdb"
)

func do(t *testing.T, method, url, contentType, body string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func problemCode(t *testing.T, resp *http.Response, body string) string {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	var p struct {
		Code   string `json:"code"`
		Status int    `json:"status"`
	}
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("problem body %q: %v", body, err)
	}
	if p.Status != resp.StatusCode {
		t.Errorf("problem status %d, HTTP status %d", p.Status, resp.StatusCode)
	}
	return p.Code
}

func TestRESTTransport(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		for _, tc := range []struct {
			name, method, path, contentType, body string
			status                                int
			code                                  string
		}{
			{"malformed JSON", "POST", "/v1/auth/register", "application/json", `{"email":`, 400, "BAD_REQUEST"},
			{"wrong JSON type", "POST", "/v1/auth/register", "application/json", `{"email": 42}`, 400, "BAD_REQUEST"},
			{"unknown route", "GET", "/v1/nothing-here", "", "", 404, "NOT_FOUND"},
			{"body over 1 MiB", "POST", "/v1/auth/register", "application/json", `{"firstName":"` + strings.Repeat("x", 1<<20) + `"}`, 413, "PAYLOAD_TOO_LARGE"},
			{"bad limit", "GET", "/v1/customers?limit=abc", "", "", 400, "BAD_REQUEST"},
			{"patch without a token", "PATCH", "/v1/me", "", "", 401, "UNAUTHENTICATED"},
			{"create without a body", "POST", "/v1/customers", "", "", 401, "UNAUTHENTICATED"},
			{"register without a body", "POST", "/v1/auth/register", "", "", 422, "VALIDATION_FAILED"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := do(t, tc.method, e.url+tc.path, tc.contentType, tc.body)
				if resp.StatusCode != tc.status {
					t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tc.status, body)
				}
				if code := problemCode(t, resp, body); code != tc.code {
					t.Fatalf("code %q, want %q", code, tc.code)
				}
			})
		}

		t.Run("request id", func(t *testing.T) {
			resp, _ := do(t, "GET", e.url+"/healthz", "", "", "X-Request-ID", "trace-123")
			if got := resp.Header.Get("X-Request-ID"); got != "trace-123" {
				t.Errorf("kept X-Request-ID = %q", got)
			}
			resp, _ = do(t, "GET", e.url+"/healthz", "", "")
			if got := resp.Header.Get("X-Request-ID"); len(got) < 16 {
				t.Errorf("generated X-Request-ID = %q", got)
			}
			resp, _ = do(t, "GET", e.url+"/healthz", "", "", "X-Request-ID", "bad id; with junk!")
			if got := resp.Header.Get("X-Request-ID"); strings.ContainsAny(got, " ;!") {
				t.Errorf("unsafe X-Request-ID echoed: %q", got)
			}
		})

		t.Run("specs and probes", func(t *testing.T) {
			for path, want := range map[string]string{
				"/healthz":      `"status":"ok"`,
				"/readyz":       `"status":"ok"`,
				"/openapi.yaml": "openapi: 3.0.3",
				"/openapi.json": `"openapi":"3.0.3"`,
			} {
				resp, body := do(t, "GET", e.url+path, "", "")
				if resp.StatusCode != 200 || !strings.Contains(body, want) {
					t.Errorf("GET %s: %d, body lacks %q", path, resp.StatusCode, want)
				}
			}
		})

		t.Run("merge patch body of either content type", func(t *testing.T) {
			f := &restFace{e}
			_, tok := signUp(t, f, "patch@example.com")
			for _, ct := range []string{"application/merge-patch+json", "application/json"} {
				resp, body := do(t, "PATCH", e.url+"/v1/me", ct, `{"locale":"en-GB"}`, "Authorization", "Bearer "+tok)
				if resp.StatusCode != 200 || !strings.Contains(body, `"locale":"en-GB"`) {
					t.Errorf("%s: %d %s", ct, resp.StatusCode, body)
				}
			}
			// The same value twice is one change; no body is an empty merge patch: nothing changes.
			resp, body := do(t, "PATCH", e.url+"/v1/me", "", "", "Authorization", "Bearer "+tok)
			if resp.StatusCode != 200 || !strings.Contains(body, `"version":2`) {
				t.Errorf("PATCH without a body: %d %s", resp.StatusCode, body)
			}
		})
	})
}

func TestGraphQLTransport(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		r := graphql(t, e.url, "", `{ me { id `, nil, "me")
		if r.Code != "BAD_REQUEST" {
			t.Errorf("syntax error: %s (%s)", r.Code, r.Raw)
		}
		r = graphql(t, e.url, "", `{ me { noSuchField } }`, nil, "me")
		if r.Code != "BAD_REQUEST" {
			t.Errorf("unknown field: %s (%s)", r.Code, r.Raw)
		}
		r = graphql(t, e.url, e.admin, `query($n: Int) { customers(first: $n) { totalCount } }`, map[string]any{"n": "many"}, "customers")
		r.fails(t, "VALIDATION_FAILED", "n")

		f := &graphFace{e}
		c := f.Register(registration("lookup@example.com")).ok(t)
		r = graphql(t, e.url, e.admin, `query($e: String) { customer(email: $e) { id } }`, map[string]any{"e": "LOOKUP@example.com"}, "customer")
		if r.ok(t)["id"] != c["id"] {
			t.Errorf("customer(email) = %v", r.Data)
		}
		graphql(t, e.url, e.admin, `{ customer { id } }`, nil, "customer").fails(t, "BAD_REQUEST")
		graphql(t, e.url, e.admin, `{ customer(email: "nobody@example.com") { id } }`, nil, "customer").fails(t, "NOT_FOUND")

		// A failed field is null while its siblings still resolve.
		b, _ := json.Marshal(map[string]any{"query": `{ me { id } currentAdmin { email } }`})
		req, _ := http.NewRequest("POST", e.url+"/graphql", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.admin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out gqlResponse
		_ = json.NewDecoder(resp.Body).Decode(&out)
		if len(out.Errors) != 1 || out.Errors[0].Extensions.Code != "FORBIDDEN" || !strings.Contains(string(out.Data["currentAdmin"]), adminEmail) {
			t.Errorf("partial result: %+v %s", out.Errors, out.Data["currentAdmin"])
		}
	})
}

func TestReadinessFailsWithoutTheDatabase(t *testing.T) {
	d := testdb.New(t, db.SQLite)
	e := newEnv(t, d)
	_ = d.Close()
	resp, body := do(t, "GET", e.url+"/readyz", "", "")
	if resp.StatusCode != 503 || problemCode(t, resp, body) != "UNAVAILABLE" {
		t.Fatalf("readyz with the database closed: %d %s", resp.StatusCode, body)
	}
	if resp, _ := do(t, "GET", e.url+"/healthz", "", ""); resp.StatusCode != 200 {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}
}

// TestAnOutageIsNotABadToken: with the database gone, a valid token can't be checked. That is
// 503 UNAVAILABLE, which a client retries, not 401, which tells it to sign in again, whether
// the check runs on its own or inside a hot read's statement.
func TestAnOutageIsNotABadToken(t *testing.T) {
	d := testdb.New(t, db.SQLite)
	e := newEnv(t, d)
	_, tok := signUp(t, &restFace{e}, "outage@example.com")
	_ = d.Close()
	for _, path := range []string{"/v1/me", "/v1/me/addresses", "/v1/customers/01900000-0000-7000-8000-000000000000"} {
		token := tok
		if strings.HasPrefix(path, "/v1/customers/") {
			token = e.admin
		}
		resp, body := do(t, "GET", e.url+path, "", "", "Authorization", "Bearer "+token)
		if resp.StatusCode != 503 || problemCode(t, resp, body) != "UNAVAILABLE" {
			t.Errorf("GET %s with the database closed: %d %s", path, resp.StatusCode, body)
		}
	}
	r := graphql(t, e.url, tok, `{ me { id } }`, nil, "me")
	if r.Code != "UNAVAILABLE" {
		t.Errorf("GraphQL me with the database closed: %s", r.Raw)
	}
}

func TestLogsCarryNoSecrets(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		var secrets []string
		eachFace(t, e, func(t *testing.T, f face) {
			email := f.Name() + "-secret@example.com"
			f.Register(registration(email)).ok(t)
			tok := f.CustomerToken(email, goodPassword).ok(t)
			f.CustomerToken(email, "a wrong password").fails(t, "UNAUTHENTICATED")
			rotated := f.Refresh(tok["refreshToken"].(string)).ok(t)
			f.ChangeMyPassword(rotated["token"].(string), goodPassword, "another fine passphrase", "another fine passphrase").ok(t)
			secrets = append(secrets, tok["token"].(string), tok["refreshToken"].(string), rotated["refreshToken"].(string))
		})
		logs := e.logs.String()
		if !strings.Contains(logs, `"route":"/v1/auth/customer/token"`) {
			t.Fatalf("the requests were not logged:\n%s", logs)
		}
		for _, s := range append(secrets, goodPassword, "a wrong password", "another fine passphrase", "$argon2id", "-secret@example.com") {
			if strings.Contains(logs, s) {
				t.Errorf("a log line contains %q", s)
			}
		}
	})
}

// /openapi.json is openapi.yaml as written, operationIds and all.
func TestOpenAPIJSONMatchesTheYAML(t *testing.T) {
	e := newEnv(t, testdb.New(t, db.SQLite))
	_, body := do(t, "GET", e.url+"/openapi.json", "", "")
	if !strings.Contains(body, `"operationId":"getMe"`) || strings.Contains(body, `"operationId":"GetMe"`) {
		t.Fatal("/openapi.json does not carry the operationIds of openapi.yaml")
	}
}

// An empty page is [] edges and nodes, never null (the schema says non-null lists).
func TestEmptyConnections(t *testing.T) {
	e := newEnv(t, testdb.New(t, db.SQLite))
	for op, q := range map[string]string{
		"messages":    `{ messages(filter: {to: "nobody@example.com"}) { edges { cursor } nodes { id } totalCount } }`,
		"auditEvents": `{ auditEvents(filter: {targetId: "01900000-0000-7000-8000-000000000000"}) { edges { cursor } nodes { id } } }`,
		"customers":   `{ customers(filter: {email: "nobody@example.com"}) { edges { cursor } nodes { id } } }`,
	} {
		r := graphql(t, e.url, e.admin, q, nil, op)
		conn := r.ok(t)
		if edges, ok := conn["edges"].([]any); !ok || len(edges) != 0 {
			t.Errorf("%s: edges = %#v", op, conn["edges"])
		}
	}
}
