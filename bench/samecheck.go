package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/clientele/clientele/internal/db"
)

// checkSameAnswer sends one request of case c, the same one, to Clientele and to the
// same-answer baseline, and fails on any difference in status or body: a ratio means
// something only between equal answers.
func (e *env) checkSameAnswer(c benchCase) error {
	if c.name == "signIn" {
		return e.checkSameSignIn()
	}
	seed := func() *rand.Rand { return rand.New(rand.NewPCG(14, 14)) } // the same id, token and cursor for both
	statusA, a, err := send(c.clientele(e.clientele.base, seed()))
	if err != nil {
		return err
	}
	statusB, b, err := send(c.clientele(e.same.base, seed()))
	if err != nil {
		return err
	}
	if err := sameBodies(statusA, statusB, a, b); err != nil {
		return err
	}
	if c.name == "getCustomer" {
		return e.checkRichCustomer()
	}
	return nil
}

func sameBodies(statusA, statusB int, a, b []byte) error {
	if statusA != http.StatusOK || statusA != statusB || !bytes.Equal(a, b) {
		return fmt.Errorf("the same-answer baseline's answer differs from Clientele's (status %d and %d, %d and %d bytes)\n%s",
			statusA, statusB, len(a), len(b), bodyDiff(a, b))
	}
	return nil
}

// checkRichCustomer compares getCustomer and the GraphQL customer query for a customer whose
// every optional field is set, with characters JSON may escape, a time lock, two addresses
// (one with a region) and two groups: the seeded customers leave most fields null. The
// customer is made through Clientele's API and deleted after, so the seeded count stays.
func (e *env) checkRichCustomer() error {
	post := func(path string, v any, into any) error {
		body, _ := json.Marshal(v)
		status, out, err := send(newRequest("POST", e.clientele.base+path, e.adminToken, body))
		if err == nil && status/100 != 2 {
			err = fmt.Errorf("POST %s: %d %.300s", path, status, out)
		}
		if err == nil && into != nil {
			err = json.Unmarshal(out, into)
		}
		return err
	}
	var c struct{ ID string }
	err := post("/v1/customers", map[string]any{
		"email": fmt.Sprintf("rich-%d@bench.test", rand.Int64()), "firstName": "Zoë <&> \"Q\"", "lastName": "O'Brien\u2028é",
		"middleName": "Ann", "prefix": "Dr", "suffix": "Jr.", "phone": "+33 1 23 45 67 89", "dateOfBirth": "1990-02-28",
		"gender": "FEMALE", "taxVat": "FR123", "isSubscribed": true, "locale": "fr_FR", "orderWebhookUrl": "https://shop.example/hook?a=1&b=2",
		"externalId": "ext-<1>", "metadata": map[string]any{"z": 1.5, "a": []any{"x<y", nil, true}, "m": map[string]any{"k": "v"}},
		"attributes": []map[string]string{{"name": "tier", "value": "gold & co"}}, "password": password,
		"groupIds": []string{db.GroupWholesale, db.GroupGeneral},
	}, &c)
	if err != nil {
		return fmt.Errorf("rich customer: %w", err)
	}
	defer send(newRequest("DELETE", e.clientele.base+"/v1/customers/"+c.ID, e.adminToken, nil))
	for _, a := range []map[string]any{
		{"firstName": "Zoë", "lastName": "B", "street": []string{"1 <Main> St", "Apt & 2"}, "city": "Toronto", "countryCode": "CA",
			"region": map[string]string{"code": "ON"}, "postalCode": "M5V 2T6", "label": "Home", "company": "A&B", "middleName": "M",
			"prefix": "Ms", "suffix": "II", "phone": "+1 416", "fax": "+1 417", "vatId": "CA1", "type": "BILLING"},
		{"firstName": "Zoë", "lastName": "B", "street": []string{"2 Rue"}, "city": "Lyon", "countryCode": "FR", "isDefaultShipping": true},
	} {
		if err := post("/v1/customers/"+c.ID+"/addresses", a, nil); err != nil {
			return fmt.Errorf("rich customer's address: %w", err)
		}
	}
	until := time.Now().Add(time.Hour).In(time.FixedZone("", 2*3600)).Format(time.RFC3339Nano)
	if err := post("/v1/customers/"+c.ID+"/lock", map[string]string{"until": until, "reason": "bench"}, nil); err != nil {
		return fmt.Errorf("rich customer's lock: %w", err)
	}
	for _, req := range []func(base string) *http.Request{
		func(base string) *http.Request {
			return newRequest("GET", base+"/v1/customers/"+c.ID, e.adminToken, nil)
		},
		func(base string) *http.Request {
			return graphql(base, e.adminToken, gqlCustomer, map[string]any{"id": c.ID})
		},
	} {
		statusA, a, err := send(req(e.clientele.base))
		if err != nil {
			return err
		}
		statusB, b, err := send(req(e.same.base))
		if err != nil {
			return err
		}
		if err := sameBodies(statusA, statusB, a, b); err != nil {
			return fmt.Errorf("a customer with every field set: %w", err)
		}
	}
	return nil
}

func send(req *http.Request) (int, []byte, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// bodyDiff describes how b differs from a: the JSON paths whose values differ (at most a
// few), then both bodies around the first differing byte (which also shows a key order).
func bodyDiff(a, b []byte) string {
	var out strings.Builder
	var va, vb any
	if json.Unmarshal(a, &va) == nil && json.Unmarshal(b, &vb) == nil {
		var paths []string
		jsonDiff("", va, vb, &paths)
		for _, p := range paths[:min(len(paths), 8)] {
			fmt.Fprintf(&out, "  %s\n", p)
		}
		if len(paths) > 8 {
			fmt.Fprintf(&out, "  … %d more\n", len(paths)-8)
		}
	}
	i := 0
	for i < min(len(a), len(b)) && a[i] == b[i] {
		i++
	}
	excerpt := func(s []byte) string { return fmt.Sprintf("%q", s[max(0, i-80):min(len(s), i+80)]) }
	fmt.Fprintf(&out, "  first difference at byte %d:\n    clientele:   %s\n    same-answer: %s", i, excerpt(a), excerpt(b))
	return out.String()
}

// jsonDiff appends to paths where b differs from a.
func jsonDiff(path string, a, b any, paths *[]string) {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			break
		}
		for _, k := range slices.Sorted(maps.Keys(x)) {
			if _, ok := y[k]; !ok {
				*paths = append(*paths, fmt.Sprintf("%s.%s: only in clientele (%v)", path, k, x[k]))
				continue
			}
			jsonDiff(path+"."+k, x[k], y[k], paths)
		}
		for k, v := range y {
			if _, ok := x[k]; !ok {
				*paths = append(*paths, fmt.Sprintf("%s.%s: only in same-answer (%v)", path, k, v))
			}
		}
		return
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			break
		}
		for i := range x {
			jsonDiff(fmt.Sprintf("%s[%d]", path, i), x[i], y[i], paths)
		}
		return
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		*paths = append(*paths, fmt.Sprintf("%s: clientele %.120s, same-answer %.120s", path, ja, jb))
	}
}

// tokenValues are the parts of a sign-in's answer that differ between any two sign-ins.
var tokenValues = regexp.MustCompile(`"(token|refreshToken|expiresAt)":"[^"]*"`)

// checkSameSignIn signs one customer in on each server and fails unless the answers have the
// same shape (keys in the same order, the same types, tokenType and expiresIn; the access
// tokens the same claims), the baseline's tokens are accepted by Clientele (its access token
// by getMe, its refresh token by refreshToken), and the sign-ins wrote the same: the rows
// added or removed in each table, the rate-limit hits, and the columns changed in the
// account's row. Both accounts start with failures to clear, from the bench's IP and in their
// count, so the writes of that path are compared too.
func (e *env) checkSameSignIn() error {
	ctx := context.Background()
	type side struct {
		name, base, email, id string
		status                int
		body                  []byte
		writes                string
	}
	n := len(e.ids)
	sides := []*side{
		{name: "clientele", base: e.clientele.base, email: e.emails[n-1], id: e.ids[n-1]},
		{name: "same-answer", base: e.same.base, email: e.emails[n-2], id: e.ids[n-2]},
	}
	for _, s := range sides {
		if _, err := e.sqlDB.ExecContext(ctx, "UPDATE customers SET failed_login_count = 2 WHERE id = ?", s.id); err != nil {
			return err
		}
		if _, err := e.sqlDB.ExecContext(ctx, "REPLACE INTO login_failures (subject_type, subject_id, ip, failures, last_failure_at) VALUES ('customer', ?, '127.0.0.1', 2, UTC_TIMESTAMP(6))", s.id); err != nil {
			return err
		}
		before, err := e.snapshot(ctx, s.id)
		if err != nil {
			return err
		}
		body, _ := json.Marshal(map[string]string{"email": s.email, "password": password})
		if s.status, s.body, err = send(newRequest("POST", s.base+"/v1/auth/customer/token", "", body)); err != nil {
			return err
		}
		after, err := e.snapshot(ctx, s.id)
		if err != nil {
			return err
		}
		s.writes = before.delta(after)
	}
	a, b := sides[0], sides[1]
	if a.status != http.StatusOK || b.status != http.StatusOK {
		return fmt.Errorf("sign-in: status %d from clientele (%.200s), %d from same-answer (%.200s)", a.status, a.body, b.status, b.body)
	}
	masked := func(body []byte) []byte { return tokenValues.ReplaceAll(body, []byte(`"$1":"…"`)) }
	if !bytes.Equal(masked(a.body), masked(b.body)) {
		return fmt.Errorf("sign-in answers differ in shape:\n%s", bodyDiff(masked(a.body), masked(b.body)))
	}
	var ta, tb tokenJSON
	if err := json.Unmarshal(a.body, &ta); err != nil {
		return err
	}
	if err := json.Unmarshal(b.body, &tb); err != nil {
		return err
	}
	if len(ta.RefreshToken) != len(tb.RefreshToken) {
		return fmt.Errorf("sign-in: refresh tokens of %d and %d characters", len(ta.RefreshToken), len(tb.RefreshToken))
	}
	ca, cb := claimsShape(ta.Token), claimsShape(tb.Token)
	if ca != cb {
		return fmt.Errorf("sign-in: access tokens with other claims:\n  clientele:   %s\n  same-answer: %s", ca, cb)
	}
	if a.writes != b.writes {
		return fmt.Errorf("sign-in writes differ:\n  clientele:   %s\n  same-answer: %s", a.writes, b.writes)
	}
	var me struct{ ID string }
	if err := e.fetch(newRequest("GET", e.clientele.base+"/v1/me", tb.Token, nil), &me); err != nil {
		return fmt.Errorf("clientele refuses the same-answer baseline's access token: %w", err)
	}
	if me.ID != b.id {
		return fmt.Errorf("the same-answer baseline's token is %s's on Clientele, want %s", me.ID, b.id)
	}
	body, _ := json.Marshal(map[string]string{"refreshToken": tb.RefreshToken})
	if err := e.fetch(newRequest("POST", e.clientele.base+"/v1/auth/refresh", "", body), nil); err != nil {
		return fmt.Errorf("clientele refuses the same-answer baseline's refresh token: %w", err)
	}
	fmt.Printf("signIn: same answer shape and claims, the same writes (%s); Clientele accepts the baseline's tokens\n", a.writes)
	return nil
}

var claimValues = regexp.MustCompile(`:("[^"]*"|\d+|\[[^\]]*\])`)

// claimsShape is a JWT's header and claims with every value replaced by its JSON type.
func claimsShape(token string) string {
	var out []string
	for _, part := range strings.Split(token, ".")[:2] {
		raw, _ := base64.RawURLEncoding.DecodeString(part)
		out = append(out, string(claimValues.ReplaceAll(raw, []byte(":…"))))
	}
	return strings.Join(out, ".")
}

// dbSnapshot is what a sign-in may change: every table's row count, the rate-limit hits, and
// one account's row.
type dbSnapshot struct {
	counts  map[string]int64
	hits    int64
	account map[string]string
}

func (e *env) snapshot(ctx context.Context, id string) (dbSnapshot, error) {
	s := dbSnapshot{counts: map[string]int64{}}
	rows, err := e.sqlDB.QueryContext(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'")
	if err != nil {
		return s, err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return s, err
		}
		tables = append(tables, t)
	}
	rows.Close()
	for _, t := range tables {
		var n int64
		if err := e.sqlDB.QueryRowContext(ctx, "SELECT COUNT(*) FROM `"+t+"`").Scan(&n); err != nil {
			return s, err
		}
		s.counts[t] = n
	}
	if err := e.sqlDB.QueryRowContext(ctx, "SELECT COALESCE(SUM(hits), 0) FROM rate_limits").Scan(&s.hits); err != nil {
		return s, err
	}
	s.account, err = rowOf(ctx, e.sqlDB, "SELECT * FROM customers WHERE id = ?", id)
	return s, err
}

// delta describes the writes between s and after, in a form equal for equal writes.
func (s dbSnapshot) delta(after dbSnapshot) string {
	var out []string
	for _, t := range slices.Sorted(maps.Keys(after.counts)) {
		// A counter's row is added by whichever sign-in first counts in a minute (the two share
		// the client IP's), so rate limits compare by hits.
		if d := after.counts[t] - s.counts[t]; d != 0 && t != "rate_limits" {
			out = append(out, fmt.Sprintf("%s %+d rows", t, d))
		}
	}
	out = append(out, fmt.Sprintf("rate-limit hits %+d", after.hits-s.hits))
	var changed []string
	for k, v := range after.account {
		if s.account[k] != v {
			changed = append(changed, k)
		}
	}
	slices.Sort(changed)
	return strings.Join(out, ", ") + "; account columns changed: " + strings.Join(changed, " ")
}

// rowOf reads one row as column → text.
func rowOf(ctx context.Context, db *sql.DB, query string, args ...any) (map[string]string, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	if !rows.Next() {
		return nil, fmt.Errorf("no row for %s", query)
	}
	vals := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	if err := rows.Scan(dest...); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(cols))
	for i, c := range cols {
		out[c] = string(vals[i])
	}
	return out, rows.Err()
}
