package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/clientele/clientele/graph/model"
	"github.com/clientele/clientele/internal/apperr"
)

var errIDOrEmail = apperr.New(apperr.BadRequest, "Give exactly one of id and email.")

// selects reports whether the current field's selection set asks for field.
func selects(ctx context.Context, field string) bool {
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if f.Name == field {
			return true
		}
	}
	return false
}

// customerSort turns a GraphQL order into the service's sort key (the REST `sort` value).
func customerSort(o *model.CustomerOrder) string {
	if o == nil {
		return ""
	}
	field := map[model.CustomerOrderField]string{
		model.CustomerOrderFieldCreatedAt: "createdAt",
		model.CustomerOrderFieldEmail:     "email",
		model.CustomerOrderFieldLastName:  "lastName",
	}[o.Field]
	if o.Direction == model.OrderDirectionDesc {
		return "-" + field
	}
	return field
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return strings.TrimSpace(*s)
}

// nonNil keeps empty lists as [] in responses.
func nonNil[T any, S ~[]T](s S) []T {
	if s == nil {
		return []T{}
	}
	return s
}
