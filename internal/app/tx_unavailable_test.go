package app_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/clientele/clientele/api"
)

// Operations whose first database call opens a transaction answer 503 UNAVAILABLE, in both
// APIs, when the database cannot be reached (SPEC §9 "Outages"); before, the error of the
// transaction's BEGIN escaped unclassified and became a 500. Here the pool is closed, as on
// an instance shutting down; the fault tests stop and freeze a real server.
func TestTransactionsOnAClosedDatabaseAreUnavailable(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c := registerCompany(t, &restFace{e}, "owner@example.com", "Acme")
		if err := e.db.Close(); err != nil {
			t.Fatal(err)
		}
		eachCompanyFace(t, e, func(t *testing.T, f companyFace) {
			for name, r := range map[string]result{
				"registerCustomer":  f.Register(registration(f.Name() + "-new@example.com")),
				"updateCompany":     f.UpdateCompany(c.owner, c.id, map[string]any{"phone": "+44 20 7946 0000"}, 0),
				"createCompanyUser": f.CreateCompanyUser(c.owner, c.id, api.CreateCompanyUserInput{Email: ptr(f.Name() + "-user@example.com"), FirstName: ptr("Grace"), LastName: ptr("Hopper")}),
			} {
				r.fails(t, "UNAVAILABLE")
				if f.Name() == "rest" && r.Status != http.StatusServiceUnavailable {
					t.Errorf("%s: status %d, want 503", name, r.Status)
				}
				if strings.Contains(r.Raw, "closed") {
					t.Errorf("%s: the answer leaks the cause: %s", name, r.Raw)
				}
			}
		})
	})
}
