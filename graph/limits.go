package graph

import (
	"context"
	"fmt"
	"math"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/clientele/clientele/graph/generated"
	"github.com/clientele/clientele/graph/model"
	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/gqlguard"
)

// Limits on one GraphQL request (SPEC §9 "GraphQL cost"). A refused request is BAD_REQUEST
// and runs nothing. They are checked in two steps:
//
//  1. Before gqlgen parses and validates the document, internal/gqlguard measures it in time
//     and memory linear in its size: at most MaxBytes of query text; at most MaxFields
//     selections once fragments are expanded where they are spread (every field, alias,
//     inline fragment and spread counts once per place it lands); depth at most MaxDepth;
//     one response name at most maxRepeats times at one place of the response; at most
//     maxFragments fragment definitions; and at most
//     one of passwordFields per operation. Validation, whose overlapping-fields rule compares
//     every pair of fields sharing a response name, only ever sees a document that passed.
//  2. After validation, the operation's cost (see complexityLimit) must not exceed
//     MaxComplexity; variables are known by then, so `first: $n` counts as sent.
type Limits struct {
	MaxBytes      int // CLIENTELE_GRAPHQL_MAX_BYTES
	MaxFields     int // CLIENTELE_GRAPHQL_MAX_FIELDS
	MaxComplexity int // CLIENTELE_GRAPHQL_MAX_COMPLEXITY
}

// withDefaults fills the limits left at zero.
func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = config.DefaultGraphQLMaxBytes
	}
	if l.MaxFields <= 0 {
		l.MaxFields = config.DefaultGraphQLMaxFields
	}
	if l.MaxComplexity <= 0 {
		l.MaxComplexity = config.DefaultGraphQLMaxComplexity
	}
	return l
}

const (
	// MaxDepth is how deeply fields may nest: `{ me { addresses { country { name } } } }` is 4.
	// 12 leaves ample room for real clients without letting a query recurse through
	// customer → groups → customers … at will. Introspection's `__Type.ofType` adds no level:
	// it unwraps a NON_NULL or LIST type, a 1-to-1 link that ends within a few steps, which
	// the standard introspection query follows nine times.
	MaxDepth = 12

	// maxRepeats bounds the selections of one response name at one place. Validation
	// compares them pairwise and reports every conflicting pair: 400 conflicting `a:` took
	// 53 MiB there, and it grows with the square. Fragments that each ask for `id` and
	// `__typename` repeat a name a few times; 50 leaves room for many of them.
	maxRepeats = 50

	// maxFragments bounds the fragments a document defines. Validation compares fragments
	// spread in one place pairwise (and the fragments those spread): 500 of them took 142 MiB.
	maxFragments = 100

	// defaultPageSize is what a connection returns when `first` is not given (the schema's
	// default is 50; the complexity functions only see nil when a variable is left out).
	defaultPageSize = 50
)

// passwordFields are the root fields that run an argon2id hash or check (tens of MiB and
// milliseconds each): an operation may select only one of them, however aliased (SPEC §9).
// Admin-only mutations that can set a password (createCustomer, createAdmin, updateAdmin)
// are left out: they need an administrator's token, and bulk creation is theirs to do.
var passwordFields = map[string]bool{
	"generateCustomerToken": true,
	"generateAdminToken":    true,
	"changeMyPassword":      true,
	"resetPassword":         true,
	"acceptInvitation":      true,
	"eraseMe":               true,
	"registerCustomer":      true,
	"updateMe":              true, // checks the current password when the email changes
}

// guard is step 1: gqlguard's check before parsing and validation. A document already in
// the query cache passed it before and is not measured again.
type guard struct {
	limits gqlguard.Limits
	cache  graphql.Cache[*ast.QueryDocument]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = guard{}

func (guard) ExtensionName() string { return "DocumentLimits" }

func (guard) Validate(graphql.ExecutableSchema) error { return nil }

func (g guard) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	if _, ok := g.cache.Get(ctx, params.Query); ok {
		return nil
	}
	if err := gqlguard.Check(params.Query, g.limits); err != nil {
		return refused(err.Error())
	}
	return nil
}

// refused is a request refused before anything runs (a limit, a malformed request):
// BAD_REQUEST through the error presenter.
func refused(msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Err: apperr.New(apperr.BadRequest, "%s", msg)}
}

// complexityLimit is step 2. The cost of an operation estimates the values its response can
// hold: every field costs 1 plus its children (gqlgen's model); a connection's children count
// `first` times (page), and every other list's children count as many times as the list has
// items (listSizes, introspectionSizes). A full page (200) of customers with every field,
// addresses, groups and attributes costs about 12,600; a page of groups each with a page of
// its customers (200 × 200) costs far more than the default limit of 20,000, and so do 80
// aliased `countries { code }` (250 countries each) or three aliased copies of GraphiQL's
// introspection query (about 9,200 each).
type complexityLimit struct {
	es    graphql.ExecutableSchema // sized: the schema with the list sizes
	limit int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = complexityLimit{}

func (complexityLimit) ExtensionName() string { return "ComplexityLimit" }

func (complexityLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (c complexityLimit) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	if opCtx.Operation == nil {
		return nil
	}
	if cost := c.cost(ctx, opCtx.Operation, opCtx.Variables); cost > c.limit {
		return refused(fmt.Sprintf("The query is too complex (cost %d; at most %d is allowed).", cost, c.limit))
	}
	return nil
}

// cost is a validated operation's cost.
func (c complexityLimit) cost(ctx context.Context, op *ast.OperationDefinition, vars map[string]any) int {
	cost := complexity.Calculate(ctx, c.es, op, vars)
	// gqlgen's walker skips `__schema` fields entirely; each one costs its selection here.
	for _, f := range schemaFields(op.SelectionSet, nil) {
		sub := &ast.OperationDefinition{SelectionSet: f.SelectionSet}
		cost = saturatingAdd(cost, 1+complexity.Calculate(ctx, c.es, sub, vars))
	}
	return cost
}

// schemaFields lists the root `__schema` fields of a validated selection set, through fragments.
func schemaFields(set ast.SelectionSet, into []*ast.Field) []*ast.Field {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" {
				into = append(into, s)
			}
		case *ast.InlineFragment:
			into = schemaFields(s.SelectionSet, into)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				into = schemaFields(s.Definition.SelectionSet, into)
			}
		}
	}
	return into
}

func saturatingAdd(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

// connectionCosts holds the connections' costs, which depend on `first`.
func connectionCosts() generated.ComplexityRoot {
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
	return items(child, ratio{n, 1})
}

// ratio is a list's size: n/d items (an average, when the list's size varies).
type ratio struct{ n, d int }

// items is the cost of a list whose elements each cost child (a scalar element costs 1).
func items(child int, size ratio) int {
	child = max(child, 1)
	if size.n > 0 && child > math.MaxInt/size.n {
		return math.MaxInt // an absurd `first` is simply too complex
	}
	return 1 + (child*size.n+size.d-1)/size.d
}

// listSizes are the sizes of the lists that are not connections. Lists of fixed data count
// their real size; lists of a customer's or a company's own things count what a typical one
// holds (the service bounds what a single one may hold: 100 addresses, 50 groups, 100
// attributes).
func listSizes(countries, regions int) map[string]ratio {
	typical := ratio{5, 1}
	return map[string]ratio{
		"Query.countries": {countries, 1},
		// Regions are listed for a few countries only (US, CA): a country holds the average.
		"Country.regions":                   {regions, max(countries, 1)},
		"Query.permissions":                 {15, 1}, // the admin permission catalogue
		"Query.companyPermissions":          {10, 1}, // the company permission catalogue
		"Admin.roles":                       typical,
		"Admin.permissions":                 {15, 1},
		"Role.permissions":                  {15, 1},
		"CompanyRole.permissions":           {10, 1},
		"Customer.addresses":                typical,
		"Customer.groups":                   typical,
		"Customer.attributes":               typical,
		"Customer.companyMemberships":       typical,
		"CustomerExport.addresses":          typical,
		"CustomerExport.groups":             typical,
		"CustomerExport.memberships":        typical,
		"CustomerExport.auditEvents":        {defaultPageSize, 1},
		"Address.street":                    {4, 1}, // at most 4 lines
		"Mutation.replaceCustomerAddresses": typical,
		"Mutation.replaceMyAddresses":       typical,
		"PasswordValidation.errors":         {4, 1}, // one per password rule
		"Company.children":                  {defaultPageSize, 1},
		"Company.addresses":                 typical,
		"Company.attributes":                typical,
		"Company.roles":                     typical,
		"Company.teams":                     typical,
		"CompanyTeam.users":                 {20, 1},
		"CompanyUser.roles":                 {2, 1}, // one or two, typically (at most 50)
	}
}

// introspectionSizes are the introspection lists' average sizes over this schema: over all
// its types for a type's lists, so that `__schema { types { fields { args } } }` costs what
// its response holds. A single `__type(name:)` is counted as an average type; the field limit
// bounds how many of those a request can ask for. `ofType` counts as half an item: a type
// reference wraps another (`[Customer!]!` three times, `ID!` once) about half as often as not,
// so the nine levels of GraphiQL's TypeRef fragment cost what their few real levels hold.
func introspectionSizes(s *ast.Schema) map[string]ratio {
	var fields, args, inputFields, enumValues, interfaces, possible, directiveArgs, locations int
	for _, t := range s.Types {
		switch t.Kind {
		case ast.Object, ast.Interface:
			fields += len(t.Fields)
			for _, f := range t.Fields {
				args += len(f.Arguments)
			}
		case ast.InputObject:
			inputFields += len(t.Fields)
		case ast.Enum:
			enumValues += len(t.EnumValues)
		}
		interfaces += len(t.Interfaces)
		if t.IsAbstractType() {
			possible += len(s.GetPossibleTypes(t))
		}
	}
	for _, d := range s.Directives {
		directiveArgs += len(d.Arguments)
		locations += len(d.Locations)
	}
	types, directives := max(len(s.Types), 1), max(len(s.Directives), 1)
	return map[string]ratio{
		"__Schema.types":        {len(s.Types), 1},
		"__Schema.directives":   {len(s.Directives), 1},
		"__Type.fields":         {fields, types},
		"__Type.inputFields":    {inputFields, types},
		"__Type.enumValues":     {enumValues, types},
		"__Type.interfaces":     {interfaces, types},
		"__Type.possibleTypes":  {possible, types},
		"__Type.ofType":         {1, 2},
		"__Field.args":          {args, max(fields, 1)},
		"__Directive.args":      {directiveArgs, directives},
		"__Directive.locations": {locations, directives},
	}
}

// sized is the executable schema as complexity.Calculate sees it: the connections' costs
// from the generated ComplexityRoot, then every other list by its size.
type sized struct {
	graphql.ExecutableSchema
	sizes map[string]ratio
}

func newSized(es graphql.ExecutableSchema, countries, regions int) sized {
	sizes := listSizes(countries, regions)
	for k, v := range introspectionSizes(es.Schema()) {
		sizes[k] = v
	}
	return sized{ExecutableSchema: es, sizes: sizes}
}

func (s sized) Complexity(ctx context.Context, typeName, field string, child int, args map[string]any) (int, bool) {
	if cost, ok := s.ExecutableSchema.Complexity(ctx, typeName, field, child, args); ok {
		return cost, true
	}
	if size, ok := s.sizes[typeName+"."+field]; ok {
		return items(child, size), true
	}
	return 0, false
}
