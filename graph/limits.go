package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/clientele/clientele/graph/generated"
	"github.com/clientele/clientele/graph/model"
	"github.com/clientele/clientele/internal/apperr"
)

// Limits on one GraphQL operation (SPEC §7): MaxDepth and the configured complexity (see
// complexity below) are checked after parsing and validation and before any resolver runs; a
// refused operation is BAD_REQUEST and touches nothing.
const (
	// MaxDepth is how deeply fields may nest: `{ me { addresses { country { name } } } }` is 4.
	// 12 leaves ample room for real clients without letting a query recurse through
	// customer → groups → customers … at will.
	MaxDepth = 12

	// defaultPageSize is what a connection returns when `first` is not given (the schema's
	// default is 50; the complexity functions only see nil when a variable is left out).
	defaultPageSize = 50
)

// depthLimit refuses operations nested deeper than max.
type depthLimit struct{ max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

func (depthLimit) ExtensionName() string { return "DepthLimit" }

func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext runs after validation, so fragments exist and do not form cycles.
func (d depthLimit) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	if opCtx.Operation == nil {
		return nil
	}
	w := depthWalker{fragments: map[string]int{}, visiting: map[string]bool{}}
	if depth := w.depth(opCtx.Operation.SelectionSet); depth > d.max {
		return refused(fmt.Sprintf("The query is nested %d levels deep; at most %d are allowed.", depth, d.max))
	}
	return nil
}

// refused is a limit's error: BAD_REQUEST through the error presenter.
func refused(msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Err: apperr.New(apperr.BadRequest, "%s", msg)}
}

// complexityLimit is gqlgen's fixed complexity limit with the error in the SPEC's words.
type complexityLimit struct{ *extension.ComplexityLimit }

func (c complexityLimit) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	if err := c.ComplexityLimit.MutateOperationContext(ctx, opCtx); err != nil {
		s := extension.GetComplexityStats(graphql.WithOperationContext(ctx, opCtx))
		return refused(fmt.Sprintf("The query is too complex (cost %d; at most %d is allowed).", s.Complexity, s.ComplexityLimit))
	}
	return nil
}

// depthWalker measures a selection set's depth. A fragment spread or inline fragment adds no
// level of its own: its fields sit at the level where it is spread. Each named fragment is
// measured once, so a query that spreads fragments into fragments stays linear to check.
type depthWalker struct {
	fragments map[string]int // depth of each named fragment's selection set
	visiting  map[string]bool
}

func (w depthWalker) depth(set ast.SelectionSet) int {
	deepest := 0
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			d = w.depth(s.SelectionSet)
			// __Type.ofType unwraps a NON_NULL or LIST type: a 1-to-1 link that ends within a
			// few steps, which the standard introspection query follows nine times. Not
			// counting it lets GraphiQL introspect while every fan-out still counts.
			if !(s.Name == "ofType" && s.ObjectDefinition != nil && s.ObjectDefinition.Name == "__Type") {
				d++
			}
		case *ast.InlineFragment:
			d = w.depth(s.SelectionSet)
		case *ast.FragmentSpread:
			d = w.fragment(s)
		}
		deepest = max(deepest, d)
	}
	return deepest
}

func (w depthWalker) fragment(s *ast.FragmentSpread) int {
	if d, ok := w.fragments[s.Name]; ok {
		return d
	}
	if s.Definition == nil || w.visiting[s.Name] {
		return 0 // unreachable after validation (unknown fragment, cycle)
	}
	w.visiting[s.Name] = true
	d := w.depth(s.Definition.SelectionSet)
	delete(w.visiting, s.Name)
	w.fragments[s.Name] = d
	return d
}

// complexity is the cost model behind CLIENTELE_GRAPHQL_MAX_COMPLEXITY: every field costs 1
// plus its children (gqlgen's default), and a connection's children count `first` times, so
// the cost estimates the objects a response can hold. A full page (200) of customers with
// every field, addresses and groups costs about 9,200; a page of groups each with a page of
// its customers (200 × 200) costs far more than the default limit of 20,000. Plain lists (a
// customer's addresses or groups, a company's roles, the countries) are short and keep the
// default cost.
func complexity() generated.ComplexityRoot {
	var c generated.ComplexityRoot
	c.Query.Admins = func(child int, first *int, _ *string) int { return page(child, first) }
	c.Query.Roles = func(child int, first *int, _ *string) int { return page(child, first) }
	c.Query.CustomerGroups = func(child int, first *int, _ *string) int { return page(child, first) }
	c.CustomerGroup.Customers = func(child int, first *int, _ *string) int { return page(child, first) }
	c.Query.Customers = func(child int, first *int, _ *string, _ *model.CustomerFilter, _ *model.CustomerOrder) int {
		return page(child, first)
	}
	c.Query.Companies = func(child int, first *int, _ *string, _ *model.CompanyFilter) int { return page(child, first) }
	c.Company.Users = func(child int, first *int, _ *string) int { return page(child, first) }
	// A company's children are a plain list, but a list that can nest: count it as a page.
	c.Company.Children = func(child int) int { return page(child, nil) }
	c.Query.Messages = func(child int, first *int, _ *string, _ *model.MessageFilter) int { return page(child, first) }
	c.Query.AuditEvents = func(child int, first *int, _ *string, _ *model.AuditEventFilter) int { return page(child, first) }
	return c
}

// page is the cost of a connection field: its selection once per requested node, plus one.
func page(child int, first *int) int {
	n := defaultPageSize
	if first != nil && *first > 0 {
		n = *first
	}
	// Saturate instead of overflowing: an absurd `first` is simply too complex.
	if child > 0 && n > (1<<31)/child {
		return 1 << 31
	}
	return 1 + n*child
}
