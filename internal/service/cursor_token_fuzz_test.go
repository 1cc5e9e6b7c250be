package service_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/internal/testdb"
)

// fuzzed is a service over a fresh database of one dialect, with a few customers and an admin.
type fuzzed struct {
	dialect string
	s       *service.Service
	admin   auth.Principal
	// tokens are the bearer tokens issued for real: an admin's, a customer's access token
	// and the customer's API token.
	tokens []string
}

// fuzzServices sets up one fuzzed service per database the tests run on.
func fuzzServices(f testing.TB) []fuzzed {
	f.Helper()
	ctx := context.Background()
	var out []fuzzed
	for _, dialect := range testdb.Dialects() {
		s := newService(f, testdb.New(f, dialect))
		fail := func(err error) {
			if err != nil {
				f.Fatalf("%s: %v", dialect, err)
			}
		}
		_, err := s.CreateSuperAdmin(ctx, "root@example.com", "root admin password", "Root")
		fail(err)
		adminTok, err := s.GenerateAdminToken(ctx, auth.Principal{}, "root@example.com", "root admin password")
		fail(err)
		admin, err := s.Authenticate(ctx, adminTok.AccessToken)
		fail(err)
		for _, e := range []string{"ada@example.com", "bob@example.com", "cy@example.com"} {
			_, err := s.Register(ctx, auth.Principal{}, registerInput(e))
			fail(err)
		}
		tok, err := s.GenerateCustomerToken(ctx, auth.Principal{}, "ada@example.com", goodPassword)
		fail(err)
		ada, err := s.Authenticate(ctx, tok.AccessToken)
		fail(err)
		apiToken, err := s.RegenerateCustomerToken(ctx, ada)
		fail(err)
		out = append(out, fuzzed{dialect: dialect, s: s, admin: admin, tokens: []string{adminTok.AccessToken, tok.AccessToken, apiToken}})
	}
	return out
}

// cursorLists lists one page after cursor from each kind of keyset list: newest first by
// time (messages), by a time sort and a text sort (customers), by name (roles).
func cursorLists(ctx context.Context, fz fuzzed, cursor string) map[string]error {
	args := service.PageArgs{Limit: 1, Cursor: cursor}
	_, messages := fz.s.ListMessages(ctx, fz.admin, service.MessageFilter{}, args)
	_, byCreated := fz.s.ListCustomers(ctx, fz.admin, service.CustomerFilter{}, "-createdAt", args)
	_, byEmail := fz.s.ListCustomers(ctx, fz.admin, service.CustomerFilter{}, "email", args)
	_, roles := fz.s.ListRoles(ctx, fz.admin, args)
	return map[string]error{"messages": messages, "customers by -createdAt": byCreated, "customers by email": byEmail, "roles": roles}
}

// FuzzListCursor: any string given as a page cursor lists a page or is BAD_REQUEST, on every
// database; never a panic or an internal error.
//
//	go test -run='^$' -fuzz='^FuzzListCursor$' -fuzztime=5s ./internal/service
func FuzzListCursor(f *testing.F) {
	ctx := context.Background()
	services := fuzzServices(f)
	cursorOf := func(sort, value, id string) string {
		b, _ := json.Marshal(map[string]string{"s": sort, "v": value, "i": id})
		return base64.RawURLEncoding.EncodeToString(b)
	}
	first := service.PageArgs{Limit: 1}
	for _, next := range []func() (string, error){
		func() (string, error) {
			p, err := services[0].s.ListMessages(ctx, services[0].admin, service.MessageFilter{}, first)
			return p.NextCursor, err
		},
		func() (string, error) {
			p, err := services[0].s.ListCustomers(ctx, services[0].admin, service.CustomerFilter{}, "email", first)
			return p.NextCursor, err
		},
		func() (string, error) {
			p, err := services[0].s.ListCustomers(ctx, services[0].admin, service.CustomerFilter{}, "-createdAt", first)
			return p.NextCursor, err
		},
	} {
		c, err := next()
		if err != nil || c == "" {
			f.Fatalf("a first page has no next cursor (%v)", err)
		}
		f.Add(c)
		f.Add(c + "==")
		f.Add(c[:len(c)-1])
	}
	for _, seed := range []string{"", "=", "!!!", "e30", "bnVsbA", cursorOf("", "", ""),
		cursorOf("-createdAt", "0000-01-01T00:00:00Z", "x"),
		cursorOf("-createdAt", "9999-12-31T23:59:59.999999999+23:59", "x"),
		cursorOf("-createdAt", "0001-01-01T00:00:00+01:00", "x"),
		cursorOf("-createdAt", "9999-12-31T23:59:59-23:59", "x"),
		cursorOf("-createdAt", "2024-02-30T00:00:00Z", "x"),
		cursorOf("-createdAt", "not a time", "x"),
		cursorOf("email", "\x00\uffff😀'\"\\%_", "\x00"),
		cursorOf("email", strings.Repeat("a", 70000), "x"),
		cursorOf("name", "Super Administrator", "'; DROP TABLE customers; --"),
		cursorOf("joined", "2024-01-01T00:00:00Z", "x"),
		base64.RawURLEncoding.EncodeToString([]byte(`{"s":"email","v":1,"i":["x"]}`)),
		base64.RawURLEncoding.EncodeToString([]byte("\xff\xfe{\"s\":")),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, cursor string) {
		for _, fz := range services {
			for list, err := range cursorLists(ctx, fz, cursor) {
				if err != nil && apperr.KindOf(err) != apperr.BadRequest {
					t.Fatalf("%s, %s, cursor %q: %v (%s), want a page or BAD_REQUEST", fz.dialect, list, cursor, err, apperr.KindOf(err))
				}
			}
		}
	})
}

// FuzzAuthenticate: any string given as a bearer token (access token or API token) is
// UNAUTHENTICATED unless it is, byte for byte, one the service issued; never a panic or
// another error.
//
//	go test -run='^$' -fuzz='^FuzzAuthenticate$' -fuzztime=5s ./internal/service
func FuzzAuthenticate(f *testing.F) {
	ctx := context.Background()
	services := fuzzServices(f)
	issued := map[string]bool{}
	for _, fz := range services {
		for _, tok := range fz.tokens {
			issued[tok] = true
			f.Add(tok)
			f.Add(" " + tok)
			f.Add(tok[:len(tok)-1] + "A")
		}
	}
	for _, seed := range []string{"", "clt_", "clt_ ", "Bearer clt_x", "a.b.c", "\x00", strings.Repeat("clt_", 1000),
		"eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIn0."} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, bearer string) {
		for _, fz := range services {
			p, err := fz.s.Authenticate(ctx, bearer)
			switch {
			case err == nil && !issued[bearer]:
				t.Fatalf("%s: authenticated %q as %+v, a token never issued", fz.dialect, bearer, p)
			case err != nil && apperr.KindOf(err) != apperr.Unauthenticated:
				t.Fatalf("%s: %q: %v (%s), want UNAUTHENTICATED", fz.dialect, bearer, err, apperr.KindOf(err))
			case err == nil && p.Kind != auth.Admin && p.Kind != auth.Customer:
				t.Fatalf("%s: %q: no error but principal %+v", fz.dialect, bearer, p)
			}
		}
	})
}
