package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
)

// The database's own concurrency control never reaches the client (SPEC §6): ordinary
// concurrent use at 32 in parallel answers no 5xx, on MariaDB as on SQLite.

const parallel = 32

// call is one HTTP exchange as the client saw it.
type call struct {
	status int
	body   string
}

// send makes one JSON request; it is safe to use from many goroutines.
func (e *env) send(method, path, token string, in any) call {
	b, _ := json.Marshal(in)
	req, err := http.NewRequest(method, e.url+path, bytes.NewReader(b))
	if err != nil {
		return call{0, err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return call{0, err.Error()}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return call{resp.StatusCode, string(body)}
}

// fanOut runs n calls, parallel at a time, and returns them in index order.
func fanOut(n int, fn func(i int) call) []call {
	out := make([]call, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallel)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i] = fn(i)
		}()
	}
	wg.Wait()
	return out
}

// wantAll fails unless every call answered want; it reports how the answers were spread,
// with an example body per status and the causes the server logged.
func (e *env) wantAll(t *testing.T, what string, calls []call, want int) {
	t.Helper()
	count, example := map[int]int{}, map[int]string{}
	for _, c := range calls {
		count[c.status]++
		example[c.status] = c.body
	}
	if count[want] == len(calls) {
		return
	}
	statuses := make([]int, 0, len(count))
	for s := range count {
		statuses = append(statuses, s)
	}
	sort.Ints(statuses)
	var b strings.Builder
	for _, s := range statuses {
		fmt.Fprintf(&b, "\n  %d × %d, e.g. %.300s", count[s], s, example[s])
	}
	causes := map[string]bool{}
	for _, line := range strings.Split(e.logs.String(), "\n") {
		var entry struct{ Err string }
		if json.Unmarshal([]byte(line), &entry) == nil && entry.Err != "" && len(causes) < 5 && !causes[entry.Err] {
			causes[entry.Err] = true
			fmt.Fprintf(&b, "\n  logged: %.300s", entry.Err)
		}
	}
	t.Fatalf("%s: want %d × %d, got:%s", what, len(calls), want, b.String())
}

func decode(t *testing.T, c call) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(c.body), &m); err != nil {
		t.Fatalf("decode %d %s: %v", c.status, c.body, err)
	}
	return m
}

func registrationBody(email string, company map[string]any) map[string]any {
	in := map[string]any{"email": email, "password": goodPassword, "confirmPassword": goodPassword,
		"firstName": "Ada", "lastName": "Lovelace"}
	if company != nil {
		in["company"] = company
	}
	return in
}

// signIn registers email and returns its access token.
func (e *env) signIn(t *testing.T, email string, company map[string]any) (token string, reg map[string]any) {
	t.Helper()
	r := e.send("POST", "/v1/auth/register", "", registrationBody(email, company))
	if r.status != http.StatusCreated {
		t.Fatalf("register %s: %d %s", email, r.status, r.body)
	}
	tok := e.send("POST", "/v1/auth/customer/token", "", map[string]any{"email": email, "password": goodPassword})
	if tok.status != http.StatusOK {
		t.Fatalf("sign in %s: %d %s", email, tok.status, tok.body)
	}
	return decode(t, tok)["token"].(string), decode(t, r)
}

func TestConcurrentRegistrations(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		calls := fanOut(200, func(i int) call {
			return e.send("POST", "/v1/auth/register", "", registrationBody(fmt.Sprintf("reg%03d@example.com", i), nil))
		})
		e.wantAll(t, "200 registrations", calls, http.StatusCreated)
		var n int64
		if err := e.db.Gorm().Table("customers").Count(&n).Error; err != nil || n != 200 {
			t.Fatalf("customers stored: %d (%v), want 200", n, err)
		}
		// Each registration queued its own verification with a token of its own.
		var tokens int64
		e.db.Gorm().Table("one_time_tokens").Where("used_at IS NULL").Count(&tokens)
		if tokens != 200 {
			t.Fatalf("usable verification tokens: %d, want 200", tokens)
		}
	})
}

func TestConcurrentAddressCreates(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		token, _ := e.signIn(t, "book@example.com", nil)
		calls := fanOut(64, func(i int) call {
			in := map[string]any{"firstName": "Ada", "lastName": "Lovelace", "street": []string{fmt.Sprintf("%d Main St", i)},
				"city": "Portland", "countryCode": "GB"}
			// Every third asks to become the default billing address, every fifth the default shipping one.
			if i%3 == 0 {
				in["isDefaultBilling"] = true
			}
			if i%5 == 0 {
				in["isDefaultShipping"] = true
			}
			return e.send("POST", "/v1/me/addresses", token, in)
		})
		e.wantAll(t, "64 address creates for one customer", calls, http.StatusCreated)
		e.wantOneDefaultEach(t, token, 64)
		// Then every address is made a default at once: still exactly one of each.
		ids := make([]string, len(calls))
		for i, c := range calls {
			ids[i] = decode(t, c)["id"].(string)
		}
		calls = fanOut(64, func(i int) call {
			return e.send("PATCH", "/v1/me/addresses/"+ids[i], token, map[string]any{"isDefaultBilling": true, "isDefaultShipping": i%2 == 0})
		})
		e.wantAll(t, "64 default changes in one book", calls, http.StatusOK)
		e.wantOneDefaultEach(t, token, 64)
	})
}

// wantOneDefaultEach checks the calling customer's book: n addresses, one default of each kind.
func (e *env) wantOneDefaultEach(t *testing.T, token string, n int) {
	t.Helper()
	list := e.send("GET", "/v1/me/addresses", token, nil)
	var book struct {
		Items []struct {
			IsDefaultBilling, IsDefaultShipping bool
		}
	}
	if err := json.Unmarshal([]byte(list.body), &book); err != nil {
		t.Fatalf("list: %d %s", list.status, list.body)
	}
	billing, shipping := 0, 0
	for _, a := range book.Items {
		if a.IsDefaultBilling {
			billing++
		}
		if a.IsDefaultShipping {
			shipping++
		}
	}
	if len(book.Items) != n || billing != 1 || shipping != 1 {
		t.Fatalf("address book: %d addresses, %d default billing, %d default shipping; want %d, 1, 1", len(book.Items), billing, shipping, n)
	}
}

func TestConcurrentCompanyUsersAndTeams(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		owner, reg := e.signIn(t, "owner@example.com", map[string]any{"name": "Acme", "legalName": "Acme Ltd"})
		company := reg["company"].(map[string]any)["id"].(string)
		calls := fanOut(96, func(i int) call {
			if i%2 == 0 {
				return e.send("POST", "/v1/companies/"+company+"/users", owner, map[string]any{
					"email": fmt.Sprintf("user%03d@example.com", i), "firstName": "Grace", "lastName": "Hopper"})
			}
			return e.send("POST", "/v1/companies/"+company+"/teams", owner, map[string]any{"name": fmt.Sprintf("Team %03d", i)})
		})
		e.wantAll(t, "48 company users and 48 teams in one company", calls, http.StatusCreated)
		users := decode(t, e.send("GET", "/v1/companies/"+company+"/users", owner, nil))["items"].([]any)
		teams := decode(t, e.send("GET", "/v1/companies/"+company+"/teams", owner, nil))["items"].([]any)
		if len(users) != 49 || len(teams) != 48 { // the owner is a user too
			t.Fatalf("company has %d users and %d teams, want 49 and 48", len(users), len(teams))
		}
	})
}
