package app_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/clientele/clientele/api"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/testdb"
)

// testSync is CLIENTELE_REVOCATION_SYNC in these tests: short, so that they wait little.
const testSync = 200 * time.Millisecond

func revocationSync(d time.Duration) func(*config.Config) {
	return func(c *config.Config) { c.RevocationSync = d }
}

// TestRevocationsReachEveryInstance: two Clientele servers on one database. A revocation
// made through A (a sign-out, a sign-out everywhere, a password change, a lock, a
// deactivation, a deletion, a role change, an admin's deactivation) is refused on A at once,
// and on B, which accepted the token before, within the sync interval. With
// CLIENTELE_REVOCATION_SYNC=0 every request consults the database, so B refuses at once too.
func TestRevocationsReachEveryInstance(t *testing.T) {
	for _, sync := range []time.Duration{testSync, 0} {
		t.Run("sync="+sync.String(), func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, d *db.DB) {
				ea := newEnv(t, d, revocationSync(sync))
				a, b := &restFace{ea}, &restFace{newInstance(t, d, revocationSync(sync))}
				root := ea.admin
				refused := func(t *testing.T, use func(f *restFace) result, revoke func(), want string) {
					t.Helper()
					use(a).ok(t)
					use(b).ok(t)
					revoke()
					revoked := time.Now()
					use(a).fails(t, want)
					for r := use(b); r.Code != want; r = use(b) {
						if r.Code != "" {
							t.Fatalf("B answered %s, want %s (%s)", r.Code, want, r.Raw)
						}
						// With the feed, within the interval (and a poll's own time); without, at once.
						if sync == 0 || time.Since(revoked) > 3*sync {
							t.Fatalf("B still accepts the token %s after the revocation", time.Since(revoked))
						}
						time.Sleep(sync / 20)
					}
					use(b).fails(t, want)
				}
				me := func(token string) func(f *restFace) result {
					return func(f *restFace) result { return f.Me(token) }
				}
				graphMe := func(token string) func(f *restFace) result {
					return func(f *restFace) result { return graphql(t, f.e.url, token, `{ me { id } }`, nil, "me") }
				}
				customer := func(email string) (string, string) {
					c, tok := signUp(t, a, email)
					return c["id"].(string), tok
				}

				t.Run("sign-out", func(t *testing.T) {
					_, tok := customer("sign-out@example.com")
					refused(t, me(tok), func() { a.RevokeCustomer(tok, false).ok(t) }, "UNAUTHENTICATED")
				})
				t.Run("sign-out everywhere", func(t *testing.T) {
					_, tok := customer("everywhere@example.com")
					other := a.CustomerToken("everywhere@example.com", goodPassword).ok(t)["token"].(string)
					refused(t, graphMe(tok), func() { a.RevokeCustomer(other, true).ok(t) }, "UNAUTHENTICATED")
				})
				t.Run("password change", func(t *testing.T) {
					_, tok := customer("password@example.com")
					refused(t, me(tok), func() { a.ChangeMyPassword(tok, goodPassword, goodPassword+"!", goodPassword+"!").ok(t) }, "UNAUTHENTICATED")
				})
				t.Run("lock", func(t *testing.T) {
					id, tok := customer("lock@example.com")
					refused(t, graphMe(tok), func() { a.LockCustomer(root, id, nil, "fraud").ok(t) }, "UNAUTHENTICATED")
				})
				t.Run("deactivation", func(t *testing.T) {
					id, tok := customer("deactivated@example.com")
					refused(t, me(tok), func() { a.UpdateCustomer(root, id, map[string]any{"status": "INACTIVE"}).ok(t) }, "UNAUTHENTICATED")
				})
				t.Run("deletion", func(t *testing.T) {
					id, tok := customer("deleted@example.com")
					refused(t, me(tok), func() { a.DeleteCustomer(root, id).ok(t) }, "UNAUTHENTICATED")
				})

				target, _ := customer("read-by-staff@example.com")
				getCustomer := func(token string) func(f *restFace) result {
					return func(f *restFace) result { return f.GetCustomer(token, target) }
				}
				graphCustomer := func(token string) func(f *restFace) result {
					return func(f *restFace) result {
						return graphql(t, f.e.url, token, `query($id: ID!) { customer(id: $id) { id } }`, map[string]any{"id": target}, "customer")
					}
				}
				staff := func(email string) (id, token, role string) {
					role = a.CreateRole(root, api.CreateRoleInput{Name: email, Permissions: []string{"customers:read"}}).ok(t)["id"].(string)
					id = a.CreateAdmin(root, api.CreateAdminInput{Email: email, Name: email, Password: ptrTo("a staff passphrase"), RoleIds: &[]string{role}}).ok(t)["id"].(string)
					return id, a.AdminToken(email, "a staff passphrase").ok(t)["token"].(string), role
				}
				t.Run("role change", func(t *testing.T) {
					_, tok, role := staff("role-change@example.com")
					refused(t, getCustomer(tok), func() {
						a.UpdateRole(root, role, map[string]any{"permissions": []string{"audit:read"}}).ok(t)
					}, "FORBIDDEN")
				})
				t.Run("admin's roles", func(t *testing.T) {
					id, tok, _ := staff("roles-taken@example.com")
					other := a.CreateRole(root, api.CreateRoleInput{Name: "audit only", Permissions: []string{"audit:read"}}).ok(t)["id"].(string)
					refused(t, graphCustomer(tok), func() { a.UpdateAdmin(root, id, map[string]any{"roleIds": []string{other}}).ok(t) }, "FORBIDDEN")
				})
				t.Run("admin deactivation", func(t *testing.T) {
					id, tok, _ := staff("admin-deactivated@example.com")
					refused(t, graphCustomer(tok), func() { a.UpdateAdmin(root, id, map[string]any{"status": "INACTIVE"}).ok(t) }, "UNAUTHENTICATED")
				})
				t.Run("admin sign-out", func(t *testing.T) {
					_, tok, _ := staff("admin-sign-out@example.com")
					refused(t, getCustomer(tok), func() { a.RevokeAdmin(tok, false).ok(t) }, "UNAUTHENTICATED")
				})
			})
		})
	}
}

// statements records the SQL GORM runs on d.
type statements struct {
	mu  sync.Mutex
	sql []string
}

func recordStatements(t *testing.T, d *db.DB) *statements {
	t.Helper()
	s := &statements{}
	record := func(g *gorm.DB) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.sql = append(s.sql, g.Statement.SQL.String())
	}
	cb := d.Gorm().Callback()
	for _, err := range []error{
		cb.Query().After("gorm:query").Register("revocation_sync_test:record", record),
		cb.Row().After("gorm:row").Register("revocation_sync_test:record", record),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func (s *statements) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.sql
	s.sql = nil
	return out
}

// TestHotReadsReadOnlyCustomerTablesWhenVouched: with the revocation memory on, getMe,
// getCustomer and GraphQL customer read the customer in one statement that touches no table
// of the token check (an admin's state is read once, then kept); with
// CLIENTELE_REVOCATION_SYNC=0 that statement checks the token as before.
func TestHotReadsReadOnlyCustomerTablesWhenVouched(t *testing.T) {
	// A long interval: memory must keep vouching for the whole test, however slowly the feed is
	// polled on a loaded machine (three intervals without a read and it stops vouching).
	for _, sync := range []time.Duration{10 * time.Second, 0} {
		t.Run("sync="+sync.String(), func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, d *db.DB) {
				e := newEnv(t, d, revocationSync(sync))
				f := &restFace{e}
				c, tok := signUp(t, f, "one-table@example.com")
				id := c["id"].(string)
				recorded := recordStatements(t, d)
				for _, read := range []struct {
					name string
					call func() result
				}{
					{"REST getMe", func() result { return f.Me(tok) }},
					{"REST getCustomer", func() result { return f.GetCustomer(e.admin, id) }},
					{"GraphQL customer", func() result {
						return graphql(t, e.url, e.admin, `query($id: ID!) { customer(id: $id) { id } }`, map[string]any{"id": id}, "customer")
					}},
				} {
					read.call().ok(t) // the admin's state is learnt here
					recorded.take()
					read.call().ok(t)
					sql := recorded.take()
					if len(sql) != 1 {
						t.Fatalf("%s ran %d statements: %q", read.name, len(sql), sql)
					}
					checks := strings.Contains(sql[0], "revoked_tokens")
					if want := sync == 0; checks != want {
						t.Errorf("%s: checks the token in its statement: %t, want %t: %s", read.name, checks, want, sql[0])
					}
					if sync != 0 && strings.Contains(sql[0], "admins") {
						t.Errorf("%s reads admins: %s", read.name, sql[0])
					}
				}
				// A refused token is still UNAUTHENTICATED before NOT_FOUND, from memory alone.
				f.RevokeAdmin(e.admin, false).ok(t)
				recorded.take()
				f.GetCustomer(e.admin, "01900000-0000-7000-8000-000000000000").fails(t, "UNAUTHENTICATED")
				if sql := recorded.take(); sync != 0 && len(sql) != 0 {
					t.Errorf("a revoked token read the database: %q", sql)
				}
			})
		})
	}
}
