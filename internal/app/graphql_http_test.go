package app_test

import (
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/clientele/clientele/graph/generated"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/testdb"
)

const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// gqlHTTP is one GraphQL-over-HTTP exchange as the client saw it.
type gqlHTTP struct {
	status      int
	contentType string
	allow       string
	cacheCtl    string
	hasData     bool
	data        map[string]any
	codes       []string
	raw         string
}

func decodeGraphQLHTTP(t *testing.T, status int, header func(string) string, body string) gqlHTTP {
	t.Helper()
	var out struct {
		Data   *map[string]any `json:"data"`
		Errors []struct {
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("response %d %q is not JSON: %v", status, body, err)
	}
	var keys map[string]json.RawMessage
	_ = json.Unmarshal([]byte(body), &keys)
	_, hasData := keys["data"]
	r := gqlHTTP{status: status, contentType: header("Content-Type"), allow: header("Allow"), cacheCtl: header("Cache-Control"),
		hasData: hasData, raw: body}
	if out.Data != nil {
		r.data = *out.Data
	}
	for _, e := range out.Errors {
		r.codes = append(r.codes, e.Extensions.Code)
	}
	return r
}

// postGraphQL POSTs a raw JSON body to /graphql with an Accept header ("" sends none).
func postGraphQL(t *testing.T, e *env, token, accept, body string) gqlHTTP {
	t.Helper()
	h := []string{}
	if accept != "" {
		h = append(h, "Accept", accept)
	}
	if token != "" {
		h = append(h, "Authorization", "Bearer "+token)
	}
	resp, b := do(t, "POST", e.url+"/graphql", "application/json", body, h...)
	return decodeGraphQLHTTP(t, resp.StatusCode, resp.Header.Get, b)
}

// getGraphQL GETs /graphql with params as URL parameters.
func getGraphQL(t *testing.T, e *env, token, accept string, params url.Values) gqlHTTP {
	t.Helper()
	h := []string{}
	if accept != "" {
		h = append(h, "Accept", accept)
	}
	if token != "" {
		h = append(h, "Authorization", "Bearer "+token)
	}
	resp, b := do(t, "GET", e.url+"/graphql?"+params.Encode(), "", "", h...)
	return decodeGraphQLHTTP(t, resp.StatusCode, resp.Header.Get, b)
}

func queryBody(query string, vars map[string]any) string {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return string(b)
}

// TestGraphQLOverHTTPStatus follows GraphQL over HTTP: under application/json every
// well-formed request is 200 (its errors are in the body); under
// application/graphql-response+json a request error (nothing ran, no data) is 400; a request
// that is not well-formed is 400 under both. The response's type is the negotiated one.
func TestGraphQLOverHTTPStatus(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		for _, tc := range []struct {
			name, query string
			vars        map[string]any
			code        string // "" for success
		}{
			{"parse error", `{ me { id `, nil, "BAD_REQUEST"},
			{"validation error", `{ countries { noSuchField } }`, nil, "BAD_REQUEST"},
			{"variable coercion", `query($n: Int) { customers(first: $n) { totalCount } }`, map[string]any{"n": "many"}, "VALIDATION_FAILED"},
			{"success", `{ countries { code } }`, nil, ""},
		} {
			for _, accept := range []string{mediaJSON, mediaGraphQLResponse} {
				t.Run(tc.name+" "+accept, func(t *testing.T) {
					r := postGraphQL(t, e, e.admin, accept, queryBody(tc.query, tc.vars))
					wantStatus := 200
					if tc.code != "" && accept == mediaGraphQLResponse {
						wantStatus = 400
					}
					if r.status != wantStatus || r.contentType != accept {
						t.Errorf("status %d %q, want %d %q (%s)", r.status, r.contentType, wantStatus, accept, r.raw)
					}
					if tc.code == "" {
						if len(r.codes) != 0 || r.data["countries"] == nil {
							t.Errorf("success answered %s", r.raw)
						}
						return
					}
					// A request error: nothing ran, so there is no data entry at all.
					if len(r.codes) != 1 || r.codes[0] != tc.code || r.hasData {
						t.Errorf("want one %s error and no data, got %s", tc.code, r.raw)
					}
				})
			}
		}

		t.Run("not well-formed", func(t *testing.T) {
			for _, body := range []string{`{"query": 1}`, `{"query": "{ countries { code } }"} trailing`, `{}`, `{"query": `} {
				for _, accept := range []string{mediaJSON, mediaGraphQLResponse} {
					r := postGraphQL(t, e, "", accept, body)
					if r.status != 400 || len(r.codes) != 1 || r.codes[0] != "BAD_REQUEST" || r.hasData || strings.Contains(r.raw, "trailing") {
						t.Errorf("%s (%s): %d %s", body, accept, r.status, r.raw)
					}
				}
			}
		})

		t.Run("negotiation", func(t *testing.T) {
			for accept, want := range map[string]string{
				"":          mediaJSON, // the spec's legacy default
				"*/*":       mediaJSON,
				"text/html": mediaJSON, // accepts neither: the default
				mediaGraphQLResponse + ", " + mediaJSON + ";q=0.9": mediaGraphQLResponse,
				mediaJSON + ";q=0.5, " + mediaGraphQLResponse:      mediaGraphQLResponse,
				mediaJSON + ", " + mediaGraphQLResponse:            mediaJSON,
				mediaGraphQLResponse + ";q=0, " + mediaJSON:        mediaJSON,
			} {
				r := postGraphQL(t, e, "", accept, queryBody(`{ me { id `, nil))
				wantStatus := map[string]int{mediaJSON: 200, mediaGraphQLResponse: 400}[want]
				if r.contentType != want || r.status != wantStatus {
					t.Errorf("Accept %q: %d %q, want %d %q", accept, r.status, r.contentType, wantStatus, want)
				}
			}
		})
	})
}

// TestGraphQLOverGET runs queries from URL parameters, refuses mutations with 405, keeps
// GraphiQL for browsers, and applies the same limits and headers as POST.
func TestGraphQLOverGET(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c := graphql(t, e.url, "", `mutation($in: RegisterCustomerInput!) { registerCustomer(input: $in) { customer { id } } }`,
			map[string]any{"in": asVars(registration("get-query@example.com"))}, "registerCustomer", "customer").ok(t)

		t.Run("query with variables and operationName", func(t *testing.T) {
			for _, accept := range []string{"", mediaJSON, mediaGraphQLResponse} {
				r := getGraphQL(t, e, e.admin, accept, url.Values{
					"query":         {`query Other { countries { code } } query Lookup($e: String) { customer(email: $e) { id email } }`},
					"operationName": {"Lookup"},
					"variables":     {`{"e": "GET-QUERY@example.com"}`},
				})
				customer, _ := r.data["customer"].(map[string]any)
				if r.status != 200 || len(r.codes) != 0 || customer["id"] != c["id"] || r.data["countries"] != nil {
					t.Errorf("Accept %q: %d %s", accept, r.status, r.raw)
				}
				if r.cacheCtl != "no-store" {
					t.Errorf("Cache-Control %q, want no-store", r.cacheCtl)
				}
			}
		})

		t.Run("a mutation is refused", func(t *testing.T) {
			for _, accept := range []string{mediaJSON, mediaGraphQLResponse} {
				r := getGraphQL(t, e, "", accept, url.Values{
					"query":     {`mutation($in: RegisterCustomerInput!) { registerCustomer(input: $in) { customer { id } } }`},
					"variables": {mustJSON(t, map[string]any{"in": asVars(registration("get-mutation@example.com"))})},
				})
				if r.status != 405 || r.allow != "POST" || len(r.codes) != 1 || r.codes[0] != "BAD_REQUEST" || r.hasData {
					t.Errorf("Accept %q: %d Allow %q %s", accept, r.status, r.allow, r.raw)
				}
			}
			// Nothing ran: the email is still free.
			r := getGraphQL(t, e, e.admin, "", url.Values{"query": {`{ customer(email: "get-mutation@example.com") { id } }`}})
			if len(r.codes) != 1 || r.codes[0] != "NOT_FOUND" {
				t.Errorf("the refused mutation ran: %s", r.raw)
			}
		})

		t.Run("not well-formed", func(t *testing.T) {
			for _, params := range []url.Values{
				{},
				{"query": {`{ countries { code } }`}, "variables": {`[1`}},
				{"query": {`{ countries { code } }`}, "extensions": {`"x"`}},
			} {
				r := getGraphQL(t, e, "", mediaJSON, params)
				if r.status != 400 || len(r.codes) != 1 || r.codes[0] != "BAD_REQUEST" {
					t.Errorf("%v: %d %s", params, r.status, r.raw)
				}
			}
		})

		t.Run("a browser still gets GraphiQL", func(t *testing.T) {
			resp, page := do(t, "GET", e.url+"/graphql?query=%7B%20countries%20%7B%20code%20%7D%20%7D", "", "", "Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
			if resp.StatusCode != 200 || !strings.Contains(page, "/graphql/assets/graphiql.min.js") {
				t.Errorf("GET /graphql with text/html: %d %.200s", resp.StatusCode, page)
			}
		})

		t.Run("depth limit", func(t *testing.T) {
			deep := strings.Repeat("{ a ", 14) + strings.Repeat("} ", 14)
			for _, accept := range []string{mediaJSON, mediaGraphQLResponse} {
				r := getGraphQL(t, e, "", accept, url.Values{"query": {deep}})
				want := map[string]int{mediaJSON: 200, mediaGraphQLResponse: 400}[accept]
				if r.status != want || len(r.codes) != 1 || r.codes[0] != "BAD_REQUEST" || !strings.Contains(r.raw, "deep") {
					t.Errorf("Accept %q: %d %s", accept, r.status, r.raw)
				}
			}
		})
	})
}

func TestGraphQLOverGETComplexityLimit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, func(c *config.Config) { c.GraphQLMaxComplexity = 100 })
		r := getGraphQL(t, e, "", mediaGraphQLResponse, url.Values{"query": {`{ countries { code } }`}})
		if r.status != 400 || len(r.codes) != 1 || r.codes[0] != "BAD_REQUEST" || !strings.Contains(r.raw, "too complex") {
			t.Errorf("over the complexity limit on GET: %d %s", r.status, r.raw)
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPublishedSDL: the served schema parses on its own (no gqlgen directive left undeclared),
// carries no gqlgen directive, still has every type, field, argument and enum value of the
// executable schema, and is what graph/schema.public.graphql (the file client generators
// read) holds.
func TestPublishedSDL(t *testing.T) {
	e := newEnv(t, testdb.New(t, db.SQLite))
	resp, sdl := do(t, "GET", e.url+"/graphql/schema.graphql", "", "")
	if resp.StatusCode != 200 {
		t.Fatalf("GET /graphql/schema.graphql: %d", resp.StatusCode)
	}
	file, err := os.ReadFile("../../graph/schema.public.graphql")
	if err != nil || string(file) != sdl {
		t.Errorf("graph/schema.public.graphql is not the served SDL (run go generate ./graph): %v", err)
	}
	if strings.Contains(sdl, "@go") {
		t.Errorf("the published SDL names a gqlgen directive")
	}
	public, err := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: sdl})
	if err != nil {
		t.Fatalf("the published SDL does not load: %v", err)
	}
	full := generated.NewExecutableSchema(generated.Config{}).Schema()
	for name, def := range full.Types {
		got := public.Types[name]
		if got == nil || got.Kind != def.Kind {
			t.Errorf("type %s is missing", name)
			continue
		}
		if len(got.Fields) != len(def.Fields) || len(got.EnumValues) != len(def.EnumValues) {
			t.Errorf("type %s: %d fields and %d values, want %d and %d", name, len(got.Fields), len(got.EnumValues), len(def.Fields), len(def.EnumValues))
		}
		for _, f := range def.Fields {
			g := got.Fields.ForName(f.Name)
			if g == nil || g.Type.String() != f.Type.String() || len(g.Arguments) != len(f.Arguments) || g.Description != f.Description {
				t.Errorf("%s.%s differs", name, f.Name)
			}
		}
	}
	for name := range public.Directives {
		if full.Directives[name] == nil || !full.Directives[name].Position.Src.BuiltIn {
			t.Errorf("directive @%s is published", name)
		}
	}
}
