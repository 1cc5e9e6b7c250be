package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/clientele/clientele/internal/app"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/internal/testdb"
)

// FuzzMergePatch sends arbitrary bodies as JSON merge patches to PATCH /v1/me (a customer)
// and PATCH /v1/customers/{id} (an admin) through the real echo server and database: whatever
// the body, the answer is a success or a client error in problem+json, never a 5xx or a
// panic. The handler is called in process, without a socket, so a run tries many bodies.
//
//	go test ./internal/app -run '^$' -fuzz '^FuzzMergePatch$' -fuzztime 5s
func FuzzMergePatch(f *testing.F) {
	for _, seed := range []string{
		`{}`, `null`, `[]`, `""`, `{"firstName": "Grace", "middleName": null}`,
		`{"dateOfBirth": "1985-12-10", "gender": "FEMALE", "isSubscribed": true}`,
		`{"dateOfBirth": "1985-02-30"}`, `{"dateOfBirth": null, "phone": null, "locale": "en-GB"}`,
		`{"metadata": {"a": [1, {"b": null}], "c": 1e308}}`, `{"metadata": null}`, `{"metadata": []}`,
		`{"attributes": [{"name": "x", "value": "y"}]}`, `{"attributes": [{"name": null}]}`,
		`{"orderWebhookUrl": "javascript:alert(1)"}`, `{"email": "Grace@Example.com"}`,
		`{"status": "INACTIVE", "groupIds": ["not-an-id"]}`, `{"externalId": ""}`,
		`{"firstName": "\ud800"}`, `{"firstName": 1e999}`, `{"version": -1}`, `{"firstName": "a"} {}`,
		`{"onboardingStatus": "COMPLETED", "taxVat": "` + strings.Repeat("x", 300) + `"}`,
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}

	h, customerToken, adminToken, customerID := fuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte, asAdmin bool) {
		path, token := "/v1/me", customerToken
		if asAdmin {
			path, token = "/v1/customers/"+customerID, adminToken
		}
		rec := serveInProcess(h, http.MethodPatch, path, token, "application/merge-patch+json", string(body))
		if rec.Code >= 500 {
			t.Fatalf("PATCH %s with %q: %d %s", path, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
			t.Fatalf("PATCH %s with %q: %d as %q", path, body, rec.Code, rec.Header().Get("Content-Type"))
		}
	})
}

// fuzzServer builds the service over a fresh SQLite database with a customer and an admin,
// and returns its handler with their tokens.
func fuzzServer(f *testing.F) (h *echo.Echo, customerToken, adminToken, customerID string) {
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		f.Fatal(err)
	}
	cfg.RateLimitPerEmail, cfg.RateLimitPerIP, cfg.LockoutThreshold = 0, 0, 0
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := service.New(context.Background(), testdb.New(f, db.SQLite), cfg, log, service.Options{Argon2: &testArgon2})
	if err != nil {
		f.Fatal(err)
	}
	if h, err = app.New(svc, log, app.Options{}); err != nil {
		f.Fatal(err)
	}
	if _, err := svc.CreateSuperAdmin(context.Background(), adminEmail, adminPassword, "Root"); err != nil {
		f.Fatal(err)
	}
	call := func(path, body string, into any) {
		rec := serveInProcess(h, http.MethodPost, path, "", "application/json", body)
		if rec.Code >= 300 || json.Unmarshal(rec.Body.Bytes(), into) != nil {
			f.Fatalf("POST %s: %d %s", path, rec.Code, rec.Body)
		}
	}
	reg, _ := json.Marshal(registration("fuzz@example.com"))
	var created struct{ Customer struct{ ID string } }
	call("/v1/auth/register", string(reg), &created)
	var tok struct{ Token string }
	call("/v1/auth/customer/token", `{"email":"fuzz@example.com","password":"`+goodPassword+`"}`, &tok)
	var admin struct{ Token string }
	call("/v1/auth/admin/token", `{"email":"`+adminEmail+`","password":"`+adminPassword+`"}`, &admin)
	return h, tok.Token, admin.Token, created.Customer.ID
}

func serveInProcess(h http.Handler, method, path, token, contentType, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
