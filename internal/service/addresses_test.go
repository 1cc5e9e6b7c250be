package service_test

import (
	"context"
	"sync"
	"testing"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/internal/testdb"
	"github.com/clientele/clientele/models"
)

func address(street string) service.AddressInput {
	return service.AddressInput{FirstName: "Ada", LastName: "Lovelace", Street: []string{street}, City: "London", CountryCode: "GB"}
}

func customerPrincipal(t *testing.T, s *service.Service, email string) auth.Principal {
	t.Helper()
	c := must[service.Registration](t)(s.Register(context.Background(), auth.Principal{}, registerInput(email))).Customer
	return auth.Principal{Kind: auth.Customer, ID: c.ID}
}

// defaults returns the ids of the default billing and shipping addresses, checking there is
// at most one of each.
func defaults(t *testing.T, book []models.Address) (billing, shipping string) {
	t.Helper()
	for _, a := range book {
		if a.IsDefaultBilling() {
			if billing != "" {
				t.Fatalf("two default billing addresses: %s and %s", billing, a.ID)
			}
			billing = a.ID
		}
		if a.IsDefaultShipping() {
			if shipping != "" {
				t.Fatalf("two default shipping addresses: %s and %s", shipping, a.ID)
			}
			shipping = a.ID
		}
	}
	return billing, shipping
}

func TestAddressDefaults(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		me := customerPrincipal(t, s, "ada@example.com")
		book := func() []models.Address { return must[[]models.Address](t)(s.ListMyAddresses(ctx, me)) }

		first := must[models.Address](t)(s.CreateMyAddress(ctx, me, address("1 First St")))
		if !first.IsDefaultBilling() || !first.IsDefaultShipping() {
			t.Fatal("the first address did not become both defaults")
		}
		second := must[models.Address](t)(s.CreateMyAddress(ctx, me, address("2 Second St")))
		if b, sh := defaults(t, book()); b != first.ID || sh != first.ID {
			t.Fatalf("a plain second address moved the defaults: %s %s", b, sh)
		}
		yes := true
		in := address("3 Third St")
		in.IsDefaultBilling = &yes
		third := must[models.Address](t)(s.CreateMyAddress(ctx, me, in))
		if b, sh := defaults(t, book()); b != third.ID || sh != first.ID {
			t.Fatalf("marking a new default billing: billing %s shipping %s", b, sh)
		}
		// A partial update that does not mention defaults keeps them (the Magento bug).
		city := "Paris"
		must[models.Address](t)(s.UpdateMyAddress(ctx, me, third.ID, service.AddressPatch{City: &city, CountryCode: ptrStr("FR")}))
		if b, _ := defaults(t, book()); b != third.ID {
			t.Fatalf("a partial update dropped the default billing address")
		}
		must[models.Address](t)(s.UpdateMyAddress(ctx, me, second.ID, service.AddressPatch{IsDefaultShipping: &yes}))
		if b, sh := defaults(t, book()); b != third.ID || sh != second.ID {
			t.Fatalf("moving the default shipping: %s %s", b, sh)
		}
		if err := s.DeleteMyAddress(ctx, me, second.ID, nil); err != nil {
			t.Fatal(err)
		}
		if b, sh := defaults(t, book()); b != third.ID || sh != "" {
			t.Fatalf("deleting the default shipping address: billing %s shipping %q", b, sh)
		}

		// Another customer's address is NOT_FOUND, never FORBIDDEN.
		other := customerPrincipal(t, s, "eve@example.com")
		_, err := s.UpdateMyAddress(ctx, other, third.ID, service.AddressPatch{City: &city})
		wantKind(t, err, apperr.NotFound)
		wantKind(t, s.DeleteMyAddress(ctx, other, third.ID, nil), apperr.NotFound)
	})
}

func TestParallelDefaultBillingCreatesLeaveOneDefault(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		me := customerPrincipal(t, s, "ada@example.com")
		yes := true
		var wg sync.WaitGroup
		errs := make([]error, 20)
		for i := range errs {
			wg.Go(func() {
				in := address("Parallel St")
				in.IsDefaultBilling = &yes
				_, errs[i] = s.CreateMyAddress(ctx, me, in)
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("parallel create: %v", err)
			}
		}
		book := must[[]models.Address](t)(s.ListMyAddresses(ctx, me))
		if len(book) != 20 {
			t.Fatalf("%d addresses, want 20", len(book))
		}
		if b, sh := defaults(t, book); b == "" || sh == "" {
			t.Fatalf("defaults after parallel creates: billing %q shipping %q", b, sh)
		}
	})
}

func TestAddressValidation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		me := customerPrincipal(t, s, "ada@example.com")
		bad := service.AddressInput{Street: []string{"ok", " ", "3", "4", "5"}, CountryCode: "ZZ"}
		_, err := s.CreateMyAddress(ctx, me, bad)
		fields := wantKind(t, err, apperr.ValidationFailed).Fields
		got := map[string]bool{}
		for _, f := range fields {
			got[f.Field] = true
		}
		for _, want := range []string{"firstName", "lastName", "city", "street", "street[1]", "countryCode"} {
			if !got[want] {
				t.Errorf("no error for %s in %+v", want, fields)
			}
		}

		us := address("1600 Pennsylvania Ave NW")
		us.CountryCode = "us"
		_, err = s.CreateMyAddress(ctx, me, us)
		wantKind(t, err, apperr.ValidationFailed) // a US address needs a state
		us.Region = &service.RegionInput{Code: ptrStr("XX")}
		_, err = s.CreateMyAddress(ctx, me, us)
		if f := wantKind(t, err, apperr.ValidationFailed).Fields; f[0].Field != "region.code" {
			t.Errorf("fields = %+v", f)
		}
		us.Region = &service.RegionInput{Code: ptrStr("dc"), Name: ptrStr("ignored")}
		a := must[models.Address](t)(s.CreateMyAddress(ctx, me, us))
		if a.CountryCode != "US" || *a.RegionCode != "DC" || *a.RegionName != "District of Columbia" {
			t.Errorf("region = %v %v", *a.RegionCode, *a.RegionName)
		}

		_, err = s.ReplaceCustomerAddresses(ctx, adminPrincipal(t, s), me.ID, []service.AddressInput{address("a"), {FirstName: "x", LastName: "y", Street: []string{"s"}, City: "c", CountryCode: "QQ"}}, nil)
		if f := wantKind(t, err, apperr.ValidationFailed).Fields; len(f) != 1 || f[0].Field != "addresses[1].countryCode" {
			t.Errorf("replace fields = %+v", f)
		}
	})
}

func adminPrincipal(t *testing.T, s *service.Service) auth.Principal {
	t.Helper()
	ctx := context.Background()
	must[models.Admin](t)(s.CreateSuperAdmin(ctx, "root@example.com", "root admin password", "Root"))
	tok := must[service.Token](t)(s.GenerateAdminToken(ctx, auth.Principal{}, "root@example.com", "root admin password"))
	return must[auth.Principal](t)(s.Authenticate(ctx, tok.AccessToken))
}

func ptrStr(s string) *string { return &s }
