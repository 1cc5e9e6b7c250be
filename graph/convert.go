package graph

import (
	"github.com/99designs/gqlgen/graphql"

	"github.com/clientele/clientele/graph/model"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/models"
)

func toToken(t service.Token) *model.Token {
	return &model.Token{
		Token:        t.AccessToken,
		RefreshToken: t.RefreshToken,
		TokenType:    model.TokenTypeBearer,
		ExpiresIn:    t.ExpiresIn,
		ExpiresAt:    t.ExpiresAt,
	}
}

// clearable turns an omittable input field into the service's form: absent, null, or a value.
func clearable[T any](o graphql.Omittable[*T]) service.Clearable[T] {
	v, set := o.ValueOK()
	if !set {
		return service.Clearable[T]{}
	}
	return service.Clearable[T]{Set: true, Value: v}
}

// presentMap returns the value of an omittable object that was given and not null.
func presentMap(o graphql.Omittable[map[string]any]) *map[string]any {
	v, set := o.ValueOK()
	if !set || v == nil {
		return nil
	}
	return &v
}

// presentList returns the value of an omittable list that was given and not null; [] is kept.
func presentList(o graphql.Omittable[[]models.Attribute]) *[]models.Attribute {
	v, set := o.ValueOK()
	if !set || v == nil {
		return nil
	}
	return &v
}
