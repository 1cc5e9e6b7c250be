package app_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/vektah/gqlparser/v2/ast"

	clientele "github.com/clientele/clientele"
	"github.com/clientele/clientele/graph/generated"
)

// restOnly lists the REST operations that have no GraphQL root field, each with the reason.
// SPEC §1 allows REST extras for collections GraphQL reaches as nested fields (nested names the
// GraphQL type.field, which the test checks exists); anything else here needs a reason as good.
var restOnly = map[string]struct{ reason, nested string }{
	"listMyAddresses":       {"GraphQL reaches it as `me { addresses }`", "Customer.addresses"},
	"listCustomerAddresses": {"GraphQL reaches it as `customer { addresses }`", "Customer.addresses"},
	"listCompanyAddresses":  {"GraphQL reaches it as `company { addresses }`", "Company.addresses"},
	"listCompanyUsers":      {"GraphQL reaches it as `company { users }`", "Company.users"},
	"listCompanyRoles":      {"GraphQL reaches it as `company { roles }`", "Company.roles"},
	"listCompanyTeams":      {"GraphQL reaches it as `company { teams }`", "Company.teams"},
	"getHealth":             {"operational endpoint (liveness), not part of the API", ""},
	"getReadiness":          {"operational endpoint (readiness), not part of the API", ""},
}

// actionVerbs are the leading words of query fields named for an action rather than a
// resource: SPEC §1 has them keep their name (exportMe ↔ exportMe, exportCustomer ↔ exportCustomer).
// "is" and "validate" are for isEmailAvailable (Magento) and validatePassword (VirtoCommerce),
// queries there too, whose names clients of those APIs look for as they are.
var actionVerbs = []string{"export", "is", "validate"}

// restName is the operationId SPEC §1 gives a GraphQL root field, and the rule that gave it.
func restName(operation ast.Operation, f *ast.FieldDefinition) (name, rule string) {
	if operation == ast.Mutation {
		return f.Name, "mutation `m` ↔ `m`"
	}
	for _, verb := range actionVerbs {
		if rest, ok := strings.CutPrefix(f.Name, verb); ok && rest != "" && rest[0] >= 'A' && rest[0] <= 'Z' {
			return f.Name, "query named for an action keeps its name"
		}
	}
	title := strings.ToUpper(f.Name[:1]) + f.Name[1:]
	if returnsMany(f.Type) {
		return "list" + title, "query returning a list or connection `xs` ↔ `listXs`"
	}
	return "get" + title, "query returning one object `x` ↔ `getX`"
}

// graphQLName is the root field SPEC §1 pairs with a REST operationId, for messages.
func graphQLName(operationID string) string {
	for _, prefix := range []string{"get", "list"} {
		if rest, ok := strings.CutPrefix(operationID, prefix); ok && rest != "" && rest[0] >= 'A' && rest[0] <= 'Z' {
			return fmt.Sprintf("query field `%s` (or a mutation `%s`)", strings.ToLower(rest[:1])+rest[1:], operationID)
		}
	}
	return fmt.Sprintf("mutation or action query field `%s`", operationID)
}

// returnsMany reports whether a GraphQL type is a list or a connection (a type named *Connection).
func returnsMany(t *ast.Type) bool {
	return t.Elem != nil || strings.HasSuffix(t.NamedType, "Connection")
}

// TestRESTAndGraphQLOperationParity checks SPEC §1's operation-name rule in both directions:
// every GraphQL Query and Mutation root field has the REST operation the rule names, and every
// operationId in openapi.yaml is some root field's twin or an allow-listed REST-only operation.
func TestRESTAndGraphQLOperationParity(t *testing.T) {
	// The executable schema is what /graphql runs and /graphql/schema.graphql prints; CI's
	// generated-code check keeps it equal to graph/schema/*.graphqls.
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()

	spec, err := openapi3.NewLoader().LoadFromData(clientele.OpenAPIYAML)
	if err != nil {
		t.Fatalf("parse openapi.yaml: %v", err)
	}
	// operationId → "METHOD /path", to name the REST side in messages.
	rest := map[string]string{}
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			switch {
			case op.OperationID == "":
				t.Errorf("openapi.yaml: %s has no operationId", where)
			case rest[op.OperationID] != "":
				t.Errorf("openapi.yaml: operationId %s is used by both %s and %s", op.OperationID, rest[op.OperationID], where)
			default:
				rest[op.OperationID] = where
			}
		}
	}

	// operationId → the GraphQL root field it twins.
	twinOf := map[string]string{}
	fields := 0
	for _, root := range []struct {
		operation ast.Operation
		def       *ast.Definition
	}{{ast.Query, schema.Query}, {ast.Mutation, schema.Mutation}} {
		if root.def == nil {
			t.Fatalf("the GraphQL schema has no %s type", root.operation)
		}
		for _, f := range root.def.Fields {
			if strings.HasPrefix(f.Name, "__") { // __schema, __type
				continue
			}
			fields++
			want, rule := restName(root.operation, f)
			gql := fmt.Sprintf("GraphQL %s field `%s: %s`", root.operation, f.Name, f.Type)
			if other, dup := twinOf[want]; dup {
				t.Errorf("%s and %s both map to operationId %s", gql, other, want)
			}
			twinOf[want] = gql
			if _, ok := rest[want]; !ok {
				t.Errorf("%s has no REST twin: openapi.yaml needs an operation with operationId %q (%s)", gql, want, rule)
			}
		}
	}

	for _, id := range slices.Sorted(maps.Keys(rest)) {
		_, twinned := twinOf[id]
		only, allowed := restOnly[id]
		switch {
		case twinned && allowed:
			t.Errorf("REST operation %s (%s) is allow-listed as REST-only (%q) but %s twins it: drop it from restOnly", id, rest[id], only.reason, twinOf[id])
		case !twinned && !allowed:
			t.Errorf("REST operation %s (%s) has no GraphQL twin: the schema needs the %s, or restOnly needs the operation with a reason", id, rest[id], graphQLName(id))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(restOnly)) {
		if _, ok := rest[id]; !ok {
			t.Errorf("restOnly lists %s, which openapi.yaml no longer has: drop it", id)
		}
		if nested := restOnly[id].nested; nested != "" {
			typ, field, _ := strings.Cut(nested, ".")
			if def := schema.Types[typ]; def == nil || def.Fields.ForName(field) == nil {
				t.Errorf("restOnly says GraphQL reaches %s as the nested field %s, which the schema does not have", id, nested)
			}
		}
	}
	t.Logf("%d GraphQL root fields ↔ %d REST operations (%d REST-only by the allow-list)", fields, len(rest), len(restOnly))
}
