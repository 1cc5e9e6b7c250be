package service_test

import (
	"context"
	"testing"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/internal/testdb"
	"github.com/clientele/clientele/models"
)

const goodPassword = "correct horse battery"

func registerInput(email string) service.RegisterInput {
	return service.RegisterInput{
		Profile:         service.Profile{Email: email, FirstName: "Ada", LastName: "Lovelace"},
		Password:        goodPassword,
		ConfirmPassword: goodPassword,
	}
}

func TestRegisterAndSignIn(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		c := must[service.Registration](t)(s.Register(ctx, auth.Principal{}, registerInput("  Ada@Example.COM "))).Customer
		if c.Email != "ada@example.com" || !c.HasAccount() || c.Version != 1 || c.Gender != models.GenderNotSpecified {
			t.Fatalf("registered customer = %+v", c)
		}
		_, err := s.Register(ctx, auth.Principal{}, registerInput("ADA@example.com"))
		ae := wantKind(t, err, apperr.Conflict)
		if len(ae.Fields) != 1 || ae.Fields[0].Field != "email" {
			t.Fatalf("conflict fields = %+v", ae.Fields)
		}
		tok := must[service.Token](t)(s.GenerateCustomerToken(ctx, auth.Principal{}, "ADA@example.com", goodPassword))
		p := must[auth.Principal](t)(s.Authenticate(ctx, tok.AccessToken))
		if p.Kind != auth.Customer || p.ID != c.ID {
			t.Fatalf("principal = %+v", p)
		}
		me := must[models.Customer](t)(s.Me(ctx, p))
		if me.ID != c.ID || me.LastLoginAt == nil {
			t.Fatalf("me = %+v", me)
		}
	})
}
