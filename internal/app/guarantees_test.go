package app_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/clientele/clientele/api"
)

func TestIdempotencyKey(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		register := `{"email":"idem@example.com","password":"correct horse battery","confirmPassword":"correct horse battery","firstName":"I","lastName":"D"}`
		first, firstBody := do(t, "POST", e.url+"/v1/auth/register", "application/json", register, "Idempotency-Key", "k-1")
		again, againBody := do(t, "POST", e.url+"/v1/auth/register", "application/json", register, "Idempotency-Key", "k-1")
		if first.StatusCode != 201 || again.StatusCode != 201 || againBody != firstBody || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: %d %d replayed=%q\n%s\n%s", first.StatusCode, again.StatusCode, again.Header.Get("Idempotent-Replayed"), firstBody, againBody)
		}
		// Without the key the same request does the work again: the email is taken.
		if resp, _ := do(t, "POST", e.url+"/v1/auth/register", "application/json", register); resp.StatusCode != http.StatusConflict {
			t.Fatalf("without a key: %d", resp.StatusCode)
		}
		other := strings.Replace(register, "idem@", "idem2@", 1)
		resp, body := do(t, "POST", e.url+"/v1/auth/register", "application/json", other, "Idempotency-Key", "k-1")
		if resp.StatusCode != http.StatusConflict || problemCode(t, resp, body) != "CONFLICT" {
			t.Fatalf("same key, other body: %d %s", resp.StatusCode, body)
		}
		resp, body = do(t, "POST", e.url+"/v1/auth/register", "application/json", other, "Idempotency-Key", strings.Repeat("k", 256))
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("a 256-character key: %d %s", resp.StatusCode, body)
		}
		// Another caller may use the same key for its own request.
		resp, _ = do(t, "POST", e.url+"/v1/customers", "application/json", `{"email":"made@example.com","firstName":"M","lastName":"A"}`,
			"Idempotency-Key", "k-1", "Authorization", "Bearer "+e.admin)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("an admin reusing an anonymous caller's key: %d", resp.StatusCode)
		}
		// Stored responses are encrypted: the database holds no token or email in clear.
		tokenReq := `{"email":"idem@example.com","password":"correct horse battery"}`
		_, tokBody := do(t, "POST", e.url+"/v1/auth/customer/token", "application/json", tokenReq, "Idempotency-Key", "sign-in-1")
		var stored string
		e.db.Gorm().Raw("SELECT body FROM idempotency_keys WHERE idem_key = 'sign-in-1'").Scan(&stored)
		if stored == "" || strings.Contains(stored, "refreshToken") || strings.Contains(tokBody, stored) {
			t.Fatalf("stored body = %q", stored)
		}
		_, replayed := do(t, "POST", e.url+"/v1/auth/customer/token", "application/json", tokenReq, "Idempotency-Key", "sign-in-1")
		if replayed != tokBody {
			t.Fatal("the sign-in replay differs")
		}
	})
}

// Ten parallel PATCHes with one If-Match: exactly one wins, the others are 412 and change nothing.
func TestParallelIfMatch(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		f := &restFace{e}
		c := f.CreateCustomer(e.admin, apiCreate("race@example.com")).ok(t)
		id := c["id"].(string)
		var wg sync.WaitGroup
		codes := make([]int, 10)
		for i := range codes {
			wg.Go(func() {
				resp, _ := do(t, "PATCH", e.url+"/v1/customers/"+id, "application/merge-patch+json",
					`{"firstName":"Writer`+string(rune('A'+i))+`"}`, "Authorization", "Bearer "+e.admin, "If-Match", `"1"`)
				codes[i] = resp.StatusCode
			})
		}
		wg.Wait()
		counts := map[int]int{}
		for _, code := range codes {
			counts[code]++
		}
		if counts[200] != 1 || counts[412] != 9 {
			t.Fatalf("statuses %v, want one 200 and nine 412", counts)
		}
		if got := f.GetCustomer(e.admin, id).ok(t); got["version"] != 2.0 {
			t.Fatalf("version %v after one winning update", got["version"])
		}
	})
}

func apiCreate(email string) api.CreateCustomerInput {
	return api.CreateCustomerInput{Email: email, FirstName: "Pat", LastName: "Doe"}
}
