package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/internal/testdb"
	"github.com/clientele/clientele/models"
)

func TestRolesAndAdmins(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		root := adminPrincipal(t, s)

		support := must[service.RoleView](t)(s.CreateRole(ctx, root, service.RoleInput{Name: "Support", Permissions: []string{"customers:read", "customers:lock"}}))
		_, err := s.CreateRole(ctx, root, service.RoleInput{Name: "support", Permissions: []string{"customers:read"}})
		if f := wantKind(t, err, apperr.Conflict).Fields; len(f) != 1 || f[0].Field != "name" {
			t.Fatalf("duplicate role name fields = %+v", f)
		}
		_, err = s.CreateRole(ctx, root, service.RoleInput{Name: "Bad", Permissions: []string{"customers:read", "launch:missiles"}})
		if f := wantKind(t, err, apperr.ValidationFailed).Fields; f[0].Field != "permissions[1]" {
			t.Fatalf("unknown permission fields = %+v", f)
		}

		agent := must[service.AdminView](t)(s.CreateAdmin(ctx, root, service.AdminInput{Email: "Agent@Example.com", Name: "Agent",
			Password: ptr("an agent passphrase"), RoleIDs: []string{support.ID}}))
		if agent.Email != "agent@example.com" || len(agent.Permissions) != 2 {
			t.Fatalf("agent = %+v", agent)
		}
		tok := must[service.Token](t)(s.GenerateAdminToken(ctx, auth.Principal{}, "agent@example.com", "an agent passphrase"))
		ap := must[auth.Principal](t)(s.Authenticate(ctx, tok.AccessToken))
		// The agent may read customers but not manage admins or roles.
		_, err = s.ListCustomers(ctx, ap, service.CustomerFilter{}, "", service.PageArgs{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.CreateAdmin(ctx, ap, service.AdminInput{Email: "x@example.com", Name: "X", Password: ptr("another passphrase")})
		wantKind(t, err, apperr.Forbidden)
		_, err = s.CreateRole(ctx, ap, service.RoleInput{Name: "Mine", Permissions: []string{"*"}})
		wantKind(t, err, apperr.Forbidden)
		// Every admin may read itself, not others.
		must[service.AdminView](t)(s.GetAdmin(ctx, ap, agent.ID))
		_, err = s.GetAdmin(ctx, ap, root.ID)
		wantKind(t, err, apperr.Forbidden)

		// Optimistic concurrency on roles.
		stale := support.Version
		updated := must[service.RoleView](t)(s.UpdateRole(ctx, root, support.ID, service.RolePatch{Permissions: &[]string{"customers:read"}, ExpectedVersion: &stale}))
		if updated.Version != stale+1 || updated.AdminsCount != 1 {
			t.Fatalf("updated role = %+v", updated)
		}
		_, err = s.UpdateRole(ctx, root, support.ID, service.RolePatch{Name: ptrStr("Helpdesk"), ExpectedVersion: &stale})
		wantKind(t, err, apperr.PreconditionFailed)
		// The new permissions apply to the agent's next request, with the same token.
		ap = must[auth.Principal](t)(s.Authenticate(ctx, tok.AccessToken))
		if ap.Can("customers:lock") {
			t.Fatal("a removed permission still applies")
		}

		wantKind(t, s.DeleteRole(ctx, root, support.ID, nil), apperr.Conflict) // held by the agent
		super := must[service.RoleView](t)(s.GetRole(ctx, root, "", service.SuperAdministrator))
		wantKind(t, s.DeleteRole(ctx, root, super.ID, nil), apperr.Conflict)
		_, err = s.UpdateRole(ctx, root, super.ID, service.RolePatch{Name: ptrStr("Root")})
		wantKind(t, err, apperr.Conflict)

		// The last active Super Administrator stays.
		wantKind(t, s.DeleteAdmin(ctx, root, root.ID, nil), apperr.Conflict)
		_, err = s.UpdateAdmin(ctx, root, root.ID, service.AdminPatch{Status: ptrStr(models.StatusInactive)})
		wantKind(t, err, apperr.Conflict)
		_, err = s.UpdateAdmin(ctx, root, root.ID, service.AdminPatch{RoleIDs: &[]string{support.ID}})
		wantKind(t, err, apperr.Conflict)
		// With a second super administrator, the first may go.
		must[service.AdminView](t)(s.UpdateAdmin(ctx, root, agent.ID, service.AdminPatch{RoleIDs: &[]string{super.ID}}))
		if err := s.DeleteRole(ctx, root, support.ID, nil); err != nil {
			t.Fatalf("deleting a role nobody holds: %v", err)
		}
		if err := s.DeleteAdmin(ctx, root, root.ID, nil); err != nil {
			t.Fatal(err)
		}
		ap = must[auth.Principal](t)(s.Authenticate(ctx, tok.AccessToken)) // now a super administrator

		page := must[service.Page[service.AdminView]](t)(s.ListAdmins(ctx, ap, service.PageArgs{WithTotal: true}))
		if *page.Total != 1 || page.Items[0].Email != "agent@example.com" {
			t.Fatalf("admins = %d", *page.Total)
		}

		// Deactivating an admin ends its sessions at once.
		temp := must[service.AdminView](t)(s.CreateAdmin(ctx, ap, service.AdminInput{Email: "temp@example.com", Name: "Temp", Password: ptr("a temporary passphrase")}))
		tempTok := must[service.Token](t)(s.GenerateAdminToken(ctx, auth.Principal{}, "temp@example.com", "a temporary passphrase"))
		must[service.AdminView](t)(s.UpdateAdmin(ctx, ap, temp.ID, service.AdminPatch{Status: ptrStr(models.StatusInactive)}))
		if _, err := s.Authenticate(ctx, tempTok.AccessToken); err == nil {
			t.Fatal("a deactivated admin's token still works")
		}
		perms := must[[]service.Permission](t)(s.Permissions(ctx, ap))
		if len(perms) != 14 {
			t.Fatalf("%d permissions in the catalogue", len(perms))
		}
	})
}

func TestLockCustomer(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		root := adminPrincipal(t, s)
		me := customerPrincipal(t, s, "ada@example.com")
		tok := must[service.Token](t)(s.GenerateCustomerToken(ctx, auth.Principal{}, "ada@example.com", goodPassword))

		_, err := s.LockCustomer(ctx, me, me.ID, nil, nil)
		wantKind(t, err, apperr.Forbidden)
		past := time.Now().Add(-time.Hour)
		_, err = s.LockCustomer(ctx, root, me.ID, &past, nil)
		wantKind(t, err, apperr.ValidationFailed)

		c := must[models.Customer](t)(s.LockCustomer(ctx, root, me.ID, nil, ptrStr("chargeback")))
		if !c.IsLocked(time.Now()) {
			t.Fatal("not locked")
		}
		if _, err := s.Authenticate(ctx, tok.AccessToken); err == nil {
			t.Fatal("a lock left the session alive")
		}
		_, err = s.GenerateCustomerToken(ctx, auth.Principal{}, "ada@example.com", goodPassword)
		wantKind(t, err, apperr.AccountLocked)
		_, err = s.RefreshToken(ctx, auth.Principal{}, tok.RefreshToken)
		wantKind(t, err, apperr.Unauthenticated)

		c = must[models.Customer](t)(s.UnlockCustomer(ctx, root, me.ID))
		if c.IsLocked(time.Now()) || c.FailedLoginCount != 0 {
			t.Fatalf("after unlock: %+v", c)
		}
		must[service.Token](t)(s.GenerateCustomerToken(ctx, auth.Principal{}, "ada@example.com", goodPassword))
	})
}

func TestAPITokens(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		me := customerPrincipal(t, s, "ada@example.com")
		first := must[string](t)(s.RegenerateCustomerToken(ctx, me))
		if !strings.HasPrefix(first, "clt_") || len(first) < 40 {
			t.Fatalf("token = %q", first)
		}
		p := must[auth.Principal](t)(s.Authenticate(ctx, first))
		if p.Kind != auth.Customer || p.ID != me.ID {
			t.Fatalf("principal = %+v", p)
		}
		must[models.Customer](t)(s.Me(ctx, p))
		var stored string
		d.Gorm().Raw("SELECT token_hash FROM api_tokens WHERE customer_id = ?", me.ID).Scan(&stored)
		if stored == "" || strings.Contains(stored, first) {
			t.Fatalf("stored %q", stored)
		}

		second := must[string](t)(s.RegenerateCustomerToken(ctx, p))
		if _, err := s.Authenticate(ctx, first); err == nil {
			t.Fatal("the regenerated token's predecessor still works")
		}
		p = must[auth.Principal](t)(s.Authenticate(ctx, second))
		// Signing out everywhere revokes the API token too.
		if err := s.RevokeCustomerToken(ctx, p, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, second); err == nil {
			t.Fatal("the API token survived a sign-out everywhere")
		}
		_, err := s.Authenticate(ctx, "clt_forged")
		wantKind(t, err, apperr.Unauthenticated)
	})
}

func TestRateLimits(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d, func(c *config.Config) { c.RateLimitPerEmail, c.RateLimitPerIP = 3, 5 })
		customerPrincipal(t, s, "ada@example.com")
		from := auth.Principal{IP: "192.0.2.1"}
		for range 3 {
			_, _ = s.GenerateCustomerToken(ctx, from, "ada@example.com", "wrong password!")
		}
		_, err := s.GenerateCustomerToken(ctx, from, "ada@example.com", goodPassword)
		ae := wantKind(t, err, apperr.RateLimited)
		if ae.RetryAfter < 1 || ae.RetryAfter > 61 {
			t.Fatalf("RetryAfter = %d", ae.RetryAfter)
		}
		// Another email from the same IP still has room, until the IP's limit.
		_, err = s.GenerateCustomerToken(ctx, from, "eve@example.com", "whatever pass")
		wantKind(t, err, apperr.Unauthenticated)
		_, err = s.GenerateCustomerToken(ctx, from, "eve@example.com", "whatever pass")
		if apperr.KindOf(err) != apperr.RateLimited {
			t.Fatalf("the sixth attempt from one IP: %v", err)
		}
		// A second service on the same database (another instance) sees the same counters.
		other := newService(t, d, func(c *config.Config) { c.RateLimitPerEmail, c.RateLimitPerIP = 3, 5 })
		_, err = other.GenerateCustomerToken(ctx, auth.Principal{IP: "198.51.100.7"}, "ada@example.com", goodPassword)
		wantKind(t, err, apperr.RateLimited)
	})
}
