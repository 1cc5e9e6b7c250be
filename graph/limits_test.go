package graph

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/clientele/clientele/graph/generated"
)

func testSchema() sized {
	es := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}, Complexity: connectionCosts()})
	return newSized(es, 249, 70)
}

// TestEveryListHasASize: a list field that is not a connection's page must say how many
// items it counts as, or aliasing it would cost nothing (SPEC §9).
func TestEveryListHasASize(t *testing.T) {
	s := testSchema()
	for _, typ := range s.Schema().Types {
		if typ.Kind != ast.Object || strings.HasSuffix(typ.Name, "Connection") {
			continue // a connection's nodes and edges count through `first`
		}
		for _, f := range typ.Fields {
			if f.Type.Elem == nil {
				continue
			}
			key := typ.Name + "." + f.Name
			if _, ok := s.sizes[key]; !ok {
				t.Errorf("list %s has no size in listSizes", key)
			}
		}
	}
	for key := range s.sizes {
		typ, field, _ := strings.Cut(key, ".")
		if d := s.Schema().Types[typ]; d == nil || d.Fields.ForName(field) == nil {
			t.Errorf("listSizes names %s, which the schema does not have", key)
		}
	}
}

// TestCosts: what the doc of complexityLimit promises.
func TestCosts(t *testing.T) {
	s := testSchema()
	introspection, err := os.ReadFile("../internal/app/testdata/graphiql_introspection.graphql")
	if err != nil {
		t.Fatal(err)
	}
	const customer = `id email firstName middleName lastName prefix suffix fullName phone dateOfBirth gender taxVat
		isSubscribed status isLocked lockedUntil emailVerified hasAccount onboardingStatus orderWebhookUrl externalId locale
		metadata attributes { name value } failedLoginCount lastLoginAt erasedAt version createdAt updatedAt
		addresses { id } defaultBillingAddress { id } defaultShippingAddress { id } groups { id name }`
	for _, c := range []struct {
		name     string
		query    string
		min, max int
	}{
		{"GraphiQL's introspection", string(introspection), 6000, 10000},
		{"a full page of customers", `{ customers(first: 200) { nodes { ` + customer + ` } totalCount } }`, 10000, 15000},
		{"the countries", `{ countries { code name } }`, 499, 499},
		{"the countries with their regions", `{ countries { code name regions { code name } } }`, 997, 997},
		{"a page of groups with a page of customers each", `{ customerGroups(first: 200) { nodes { customers(first: 200) { nodes { id } } } } }`, 20001, 1 << 62},
	} {
		doc, errs := gqlparser.LoadQuery(s.Schema(), c.query)
		if errs != nil {
			t.Fatalf("%s: %v", c.name, errs)
		}
		got := complexityLimit{es: s}.cost(context.Background(), doc.Operations[0], nil)
		if got < c.min || got > c.max {
			t.Errorf("%s costs %d; want %d to %d", c.name, got, c.min, c.max)
		}
		t.Logf("%s: %d", c.name, got)
	}
}
