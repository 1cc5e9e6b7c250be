package service_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/internal/testdb"
	"github.com/clientele/clientele/models"
)

func TestExportAndErase(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		root := adminPrincipal(t, s)
		me := customerPrincipal(t, s, "ada@example.com")
		must[models.Address](t)(s.CreateMyAddress(ctx, me, address("1 Private Lane")))
		phone := "+44 1234"
		must[models.Customer](t)(s.UpdateMe(ctx, me, service.CustomerPatch{Phone: service.Clearable[string]{Set: true, Value: &phone}}))
		tok := must[service.Token](t)(s.GenerateCustomerToken(ctx, auth.Principal{}, "ada@example.com", goodPassword))
		must[string](t)(s.RegenerateCustomerToken(ctx, me))

		export := must[service.CustomerExport](t)(s.ExportMe(ctx, me))
		if export.Customer.Email != "ada@example.com" || len(export.Addresses) != 1 || len(export.Groups) != 1 || len(export.AuditEvents) < 3 {
			t.Fatalf("export: customer %s, %d addresses, %d groups, %d events", export.Customer.Email, len(export.Addresses), len(export.Groups), len(export.AuditEvents))
		}
		_, err := s.ExportCustomer(ctx, me, me.ID)
		wantKind(t, err, apperr.Forbidden)
		must[service.CustomerExport](t)(s.ExportCustomer(ctx, root, me.ID))

		_, err = s.EraseMe(ctx, me, "wrong password!")
		if f := wantKind(t, err, apperr.ValidationFailed).Fields; f[0].Field != "password" {
			t.Fatalf("fields %+v", f)
		}
		erased := must[models.Customer](t)(s.EraseMe(ctx, me, goodPassword))
		if erased.Email != "erased+"+me.ID+"@erased.invalid" || erased.Status != models.StatusInactive || erased.ErasedAt == nil ||
			erased.FirstName != "" || erased.Phone != nil || erased.HasAccount() {
			t.Fatalf("erased = %+v", erased)
		}
		if _, err := s.Authenticate(ctx, tok.AccessToken); err == nil {
			t.Fatal("a session survived erasure")
		}
		var left int64
		for _, table := range []string{"addresses", "customer_group_members", "api_tokens", "refresh_tokens", "one_time_tokens"} {
			col := "customer_id"
			if table == "refresh_tokens" {
				col = "subject_id"
			}
			d.Gorm().Table(table).Where(col+" = ?", me.ID).Count(&left)
			if left != 0 {
				t.Errorf("%d rows left in %s", left, table)
			}
		}
		d.Gorm().Table("messages").Where("to_address = ?", "ada@example.com").Count(&left)
		if left != 0 {
			t.Errorf("%d messages to the erased address", left)
		}
		// The trail keeps what happened, not the personal values.
		events := must[service.Page[models.AuditEvent]](t)(s.ListAuditEvents(ctx, root, service.AuditFilter{TargetID: me.ID}, service.PageArgs{Limit: 200}))
		if len(events.Items) < 3 || events.Items[0].Action != "customer.erased" {
			t.Fatalf("audit after erasure: %d events, newest %q", len(events.Items), events.Items[0].Action)
		}
		for _, ev := range events.Items {
			for _, v := range ev.Changes {
				if strings.Contains(strings.ToLower(fmtAny(v)), "ada@example.com") || strings.Contains(fmtAny(v), phone) {
					t.Fatalf("event %s still holds personal data: %v", ev.Action, ev.Changes)
				}
			}
		}
		// The email is free again.
		customerPrincipal(t, s, "ada@example.com")
		_, err = s.EraseCustomer(ctx, root, me.ID)
		wantKind(t, err, apperr.Conflict)
	})
}

func TestAuditEventsFilterAndPage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		root := adminPrincipal(t, s)
		me := customerPrincipal(t, s, "ada@example.com")
		for range 3 {
			_, _ = s.GenerateCustomerToken(ctx, auth.Principal{IP: "192.0.2.9"}, "ada@example.com", "wrong password!")
		}
		failed := must[service.Page[models.AuditEvent]](t)(s.ListAuditEvents(ctx, root, service.AuditFilter{Action: "auth.login_failed", TargetID: me.ID}, service.PageArgs{Limit: 2, WithTotal: true}))
		if *failed.Total != 3 || len(failed.Items) != 2 || failed.NextCursor == "" || failed.Items[0].IP != "192.0.2.9" {
			t.Fatalf("login failures: total %d, page %d", *failed.Total, len(failed.Items))
		}
		rest := must[service.Page[models.AuditEvent]](t)(s.ListAuditEvents(ctx, root, service.AuditFilter{Action: "auth.login_failed", TargetID: me.ID}, service.PageArgs{Limit: 2, Cursor: failed.NextCursor}))
		if len(rest.Items) != 1 || rest.NextCursor != "" {
			t.Fatalf("second page: %d", len(rest.Items))
		}
		_, err := s.ListAuditEvents(ctx, me, service.AuditFilter{}, service.PageArgs{})
		wantKind(t, err, apperr.Forbidden)
	})
}

func fmtAny(v any) string { return strings.TrimSpace(strings.ReplaceAll(fmt.Sprint(v), "\n", " ")) }
