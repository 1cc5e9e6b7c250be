package app_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/vektah/gqlparser/v2/ast"

	clientele "github.com/clientele/clientele"
	"github.com/clientele/clientele/graph/generated"
)

// guideHeading is the README section for users migrating from the APIs Clientele unifies.
const guideHeading = "## Coming from Magento, VirtoCommerce, Prismatic or Openfront"

// guideAPIs are the foreign APIs the section must have a table for, by their header cell.
var guideAPIs = []string{"Magento", "VirtoCommerce", "Prismatic", "Openfront"}

// The guide's tables have four columns: the foreign operations, the Clientele GraphQL fields,
// the Clientele REST operations, the differences. A Clientele cell is "—" (no equivalent) or a
// comma-separated list: GraphQL cells of `rootField` or `Type.field` (a nested field, for the
// REST-only list operations), REST cells of `METHOD /path` (`operationId`).
var (
	gqlItem  = regexp.MustCompile("^`([A-Za-z]+(?:\\.[a-z][A-Za-z]*)?)`$")
	restItem = regexp.MustCompile("^`(GET|POST|PUT|PATCH|DELETE) (/[^` ]+)` \\(`([a-zA-Z]+)`\\)$")
)

type guideRow struct {
	line    int
	foreign string
	gql     []string // empty with rest: no equivalent
	rest    []restRef
}

type restRef struct{ method, path, operationID string }

// TestMigrationGuideNamesRealOperations reads the README's migration guide and checks every
// Clientele operation it names: each GraphQL field exists in the schema, each REST method and
// path exists in openapi.yaml with the operationId given, and the two columns of a row are
// twins by SPEC §1's naming rule, so a row cannot send a reader to the wrong operation.
func TestMigrationGuideNamesRealOperations(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	tables := parseGuide(t, string(readme))
	for _, api := range guideAPIs {
		if len(tables[api]) == 0 {
			t.Errorf("README %q has no table of %s operations (a header cell starting with %q)", guideHeading, api, api)
		}
	}

	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	spec, err := openapi3.NewLoader().LoadFromData(clientele.OpenAPIYAML)
	if err != nil {
		t.Fatalf("parse openapi.yaml: %v", err)
	}
	rootField := func(name string) (ast.Operation, *ast.FieldDefinition) {
		if f := schema.Query.Fields.ForName(name); f != nil {
			return ast.Query, f
		}
		if f := schema.Mutation.Fields.ForName(name); f != nil {
			return ast.Mutation, f
		}
		return "", nil
	}

	for _, api := range guideAPIs {
		for _, row := range tables[api] {
			where := func(format string, args ...any) {
				t.Helper()
				t.Errorf("README.md:%d (%s %s): "+format, append([]any{row.line, api, row.foreign}, args...)...)
			}
			// The operationIds the GraphQL fields of this row call for.
			wantREST := map[string]string{}
			for _, name := range row.gql {
				if typ, field, nested := strings.Cut(name, "."); nested {
					def := schema.Types[typ]
					if def == nil || def.Fields.ForName(field) == nil {
						where("GraphQL field %s does not exist in the schema", name)
						continue
					}
					id := restOnlyFor(name)
					if id == "" {
						where("GraphQL field %s is nested; only the nested fields parity_test.go's restOnly names have a REST twin", name)
						continue
					}
					wantREST[id] = name
					continue
				}
				op, f := rootField(name)
				if f == nil {
					where("GraphQL root field %s does not exist in the schema (Query or Mutation)", name)
					continue
				}
				id, _ := restName(op, f)
				wantREST[id] = name
			}
			var gotREST []string
			for _, r := range row.rest {
				gotREST = append(gotREST, r.operationID)
				item := spec.Paths.Find(r.path)
				var op *openapi3.Operation
				if item != nil {
					op = item.GetOperation(r.method)
				}
				switch {
				case op == nil:
					where("REST %s %s does not exist in openapi.yaml", r.method, r.path)
				case op.OperationID != r.operationID:
					where("REST %s %s is operationId %s in openapi.yaml, not %s", r.method, r.path, op.OperationID, r.operationID)
				}
				if _, ok := wantREST[r.operationID]; !ok {
					where("REST operation %s twins none of the GraphQL fields of the row %v", r.operationID, row.gql)
				}
			}
			for id, field := range wantREST {
				if !slices.Contains(gotREST, id) {
					where("GraphQL field %s has the REST twin %s, which the row's REST column leaves out", field, id)
				}
			}
		}
	}
}

// restOnlyFor is the REST-only operation that parity_test.go says GraphQL reaches as the nested
// field typeField, or "".
func restOnlyFor(typeField string) string {
	for id, r := range restOnly {
		if r.nested == typeField {
			return id
		}
	}
	return ""
}

// parseGuide returns the rows of the guide section's tables by the foreign API their header
// names, failing the test on any row whose Clientele cells do not follow the format.
func parseGuide(t *testing.T, readme string) map[string][]guideRow {
	t.Helper()
	lines := strings.Split(readme, "\n")
	start := slices.Index(lines, guideHeading)
	if start < 0 {
		t.Fatalf("README.md has no section %q", guideHeading)
	}
	tables := map[string][]guideRow{}
	api := ""
	for i := start + 1; i < len(lines) && !strings.HasPrefix(lines[i], "## "); i++ {
		line := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(line, "|") {
			api = ""
			continue
		}
		if strings.Trim(line, "|-") == "" { // a header's separator
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		for j := range cells {
			cells[j] = strings.TrimSpace(cells[j])
		}
		if len(cells) != 4 {
			t.Errorf("README.md:%d: a guide table row has %d cells, want 4: %s", i+1, len(cells), line)
			continue
		}
		if api == "" { // a header
			if cells[1] != "Clientele GraphQL" || cells[2] != "Clientele REST" {
				t.Errorf("README.md:%d: guide table header %q, want | <API> | Clientele GraphQL | Clientele REST | Differences |", i+1, line)
			}
			for _, name := range guideAPIs {
				if strings.HasPrefix(cells[0], name) {
					api = name
				}
			}
			if api == "" {
				t.Errorf("README.md:%d: guide table of an unknown API %q", i+1, cells[0])
				api = cells[0]
			}
			continue
		}
		row := guideRow{line: i + 1, foreign: cells[0]}
		if cells[1] == "—" && cells[2] == "—" {
			tables[api] = append(tables[api], row)
			continue
		}
		for item := range strings.SplitSeq(cells[1], ", ") {
			m := gqlItem.FindStringSubmatch(item)
			if m == nil {
				t.Errorf("README.md:%d: GraphQL cell item %q, want `field` or `Type.field` (or — in both columns)", i+1, item)
				continue
			}
			row.gql = append(row.gql, m[1])
		}
		for item := range strings.SplitSeq(cells[2], ", ") {
			m := restItem.FindStringSubmatch(item)
			if m == nil {
				t.Errorf("README.md:%d: REST cell item %q, want `METHOD /path` (`operationId`) (or — in both columns)", i+1, item)
				continue
			}
			row.rest = append(row.rest, restRef{method: m[1], path: m[2], operationID: m[3]})
		}
		tables[api] = append(tables[api], row)
	}
	return tables
}
