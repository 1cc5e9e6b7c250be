package app_test

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/testdb"
)

// assetRefs finds what an HTML page makes the browser load or link to.
var assetRefs = regexp.MustCompile(`(?i)\b(?:src|href)\s*=\s*["']([^"']+)["']`)

// sameOriginPage fetches an HTML page and every asset it references, and fails unless they
// all come from this server.
func sameOriginPage(t *testing.T, e *env, path string, accept ...string) string {
	t.Helper()
	resp, page := do(t, "GET", e.url+path, "", "", append([]string{"Accept", "text/html"}, accept...)...)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") ||
		!strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "'unsafe-inline'; style-src") {
		t.Errorf("GET %s: Content-Security-Policy = %q (inline scripts must be named by hash)", path, csp)
	}
	refs := assetRefs.FindAllStringSubmatch(page, -1)
	if len(refs) < 3 {
		t.Fatalf("GET %s references %d assets: %s", path, len(refs), page)
	}
	for _, m := range refs {
		ref := m[1]
		if !strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "//") {
			t.Errorf("GET %s references %q, not a path on this server", path, ref)
			continue
		}
		if resp, body := do(t, "GET", e.url+ref, "", ""); resp.StatusCode != 200 || len(body) == 0 {
			t.Errorf("asset %s of %s: %d, %d bytes", ref, path, resp.StatusCode, len(body))
		}
	}
	if strings.Contains(strings.ToLower(page), "cdn") {
		t.Errorf("GET %s mentions a CDN:\n%s", path, page)
	}
	return page
}

func TestServedDocs(t *testing.T) {
	e := newEnv(t, testdb.New(t, db.SQLite))

	t.Run("swagger ui", func(t *testing.T) {
		page := sameOriginPage(t, e, "/docs")
		if !strings.Contains(page, `"/openapi.json"`) || !strings.Contains(page, "swagger-ui-bundle.js") {
			t.Errorf("/docs does not start Swagger UI over /openapi.json:\n%s", page)
		}
		resp, _ := do(t, "GET", e.url+"/docs/swagger-ui-bundle.js", "", "")
		if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, "javascript") {
			t.Errorf("swagger-ui-bundle.js Content-Type = %q", ct)
		}
	})

	t.Run("graphiql", func(t *testing.T) {
		page := sameOriginPage(t, e, "/graphql", "Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
		if !strings.Contains(page, "/graphql/assets/graphiql.min.js") {
			t.Errorf("GET /graphql is not GraphiQL:\n%s", page)
		}
		for _, asset := range []string{"graphiql.min.css", "react.production.min.js", "react-dom.production.min.js"} {
			if resp, _ := do(t, "GET", e.url+"/graphql/assets/"+asset, "", ""); resp.StatusCode != 200 {
				t.Errorf("/graphql/assets/%s: %d", asset, resp.StatusCode)
			}
		}
		// A program that GETs /graphql runs a query (TestGraphQLOverGET has the rest).
		resp, body := do(t, "GET", e.url+"/graphql?query=%7B%20countries%20%7B%20code%20%7D%20%7D", "", "", "Accept", "application/json")
		if resp.StatusCode != 200 || !strings.Contains(body, `"countries":[`) {
			t.Errorf("GET /graphql without Accept: text/html: %d %.200s", resp.StatusCode, body)
		}
		// POST still runs queries.
		r := graphql(t, e.url, "", `{ countries { code } }`, nil, "countries")
		r.ok(t)
	})

	t.Run("favicon", func(t *testing.T) {
		// GraphiQL's page names no icon, so browsers ask for /favicon.ico.
		resp, body := do(t, "GET", e.url+"/favicon.ico", "", "")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(body, "\x89PNG") {
			t.Errorf("GET /favicon.ico: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	})

	t.Run("schema", func(t *testing.T) {
		resp, body := do(t, "GET", e.url+"/graphql/schema.graphql", "", "")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; charset=utf-8") {
			t.Fatalf("GET /graphql/schema.graphql: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		for _, want := range []string{"type Query {", "type Mutation {", "registerCustomer(", "type Customer "} {
			if !strings.Contains(body, want) {
				t.Errorf("schema lacks %q", want)
			}
		}
	})
}

func TestMetrics(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		rest, gql := &restFace{e}, &graphFace{e}
		_, tok := signUp(t, rest, "metrics-rest@example.com")
		rest.Me(tok).ok(t)
		rest.Me("").fails(t, "UNAUTHENTICATED")
		rest.GetCustomer(e.admin, "00000000-0000-0000-0000-000000000000").fails(t, "NOT_FOUND")
		_, tok = signUp(t, gql, "metrics-graphql@example.com")
		gql.Me(tok).ok(t)
		gql.Me("").fails(t, "UNAUTHENTICATED")
		graphql(t, e.url, "", `{ me { id `, nil, "me").fails(t, "BAD_REQUEST")

		resp, body := do(t, "GET", e.url+"/metrics", "", "")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
			t.Fatalf("GET /metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		for _, want := range []string{
			`clientele_requests_total{api="rest",code="OK",operation="registerCustomer"} 1`,
			`clientele_requests_total{api="rest",code="OK",operation="getMe"} 1`,
			`clientele_requests_total{api="rest",code="UNAUTHENTICATED",operation="getMe"} 1`,
			`clientele_requests_total{api="rest",code="NOT_FOUND",operation="getCustomer"} 1`,
			`clientele_requests_total{api="graphql",code="OK",operation="registerCustomer"} 1`,
			`clientele_requests_total{api="graphql",code="OK",operation="me"} 1`,
			`clientele_requests_total{api="graphql",code="UNAUTHENTICATED",operation="me"} 1`,
			`clientele_requests_total{api="graphql",code="BAD_REQUEST",operation="(invalid)"} 1`,
			`clientele_request_duration_seconds_count{api="rest",operation="getMe"} 2`,
			`clientele_request_duration_seconds_bucket{api="graphql",operation="me",le="+Inf"} 2`,
			`go_sql_max_open_connections{db_name="clientele"}`,
			`go_sql_in_use_connections{db_name="clientele"}`,
			`go_goroutines `,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %s\n%s", want, grepLines(body, "clientele_requests"))
			}
		}
		// Routes, not paths: no id reaches a label; operational routes are not API operations.
		if strings.Contains(body, "00000000-0000") || strings.Contains(body, `operation="/metrics"`) {
			t.Errorf("/metrics labels a raw path:\n%s", body)
		}
	})
}

// nest wraps inner in `customers { nodes { groups { … } } }` n times: 3n levels.
func nest(n int, inner string) string {
	for range n {
		inner = `customers(first: 1) { nodes { groups { ` + inner + ` } } }`
	}
	return inner
}

func TestGraphQLLimits(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		counter := testdb.CountStatements(t, d)
		// refused checks that query is BAD_REQUEST before any resolver ran: anonymous, a
		// resolver would answer UNAUTHENTICATED, and nothing touches the database.
		refused := func(t *testing.T, query, reason string) {
			t.Helper()
			counter.Reset()
			r := graphql(t, e.url, "", query, nil, "customers")
			r.fails(t, "BAD_REQUEST")
			if !strings.Contains(r.Message, reason) {
				t.Errorf("message %q does not say %q", r.Message, reason)
			}
			if n := counter.N(); n != 0 {
				t.Errorf("a refused query ran %d SQL statements", n)
			}
			// An admin's token changes nothing: the data stays null.
			graphql(t, e.url, e.admin, query, nil, "customers").fails(t, "BAD_REQUEST")
		}
		t.Run("depth", func(t *testing.T) {
			// Depth 12 is allowed (the resolver runs and asks for a token); 13 is not.
			twelve := `{ customers(first: 1) { nodes { groups { customers(first: 1) { nodes { groups {
				customers(first: 1) { nodes { groups { customers(first: 1) { nodes { id } } } } } } } } } } } }`
			graphql(t, e.url, "", twelve, nil, "customers").fails(t, "UNAUTHENTICATED")
			refused(t, `{ `+nest(4, "name")+` }`, "nested 13 levels deep")
			refused(t, `{ `+nest(5, "name")+` }`, "nested 16 levels deep")
		})

		t.Run("depth through fragments", func(t *testing.T) {
			// Spreads and inline fragments add no level; their fields count where they land.
			fragments := `
				fragment G on CustomerGroup { customers(first: 1) { nodes { ...C } } }
				fragment C on Customer { groups { ... on CustomerGroup { customers(first: 1) { nodes { groups { LEAF } } } } } }`
			twelve := `{ customers(first: 1) { nodes { groups { ...G } } } }` +
				strings.Replace(fragments, "LEAF", "customers(first: 1) { nodes { id } }", 1)
			graphql(t, e.url, "", twelve, nil, "customers").fails(t, "UNAUTHENTICATED")
			thirteen := `{ customers(first: 1) { nodes { groups { ...G } } } }` +
				strings.Replace(fragments, "LEAF", "customers(first: 1) { nodes { groups { id } } }", 1)
			refused(t, thirteen, "nested 13 levels deep")
		})

		t.Run("introspection as GraphiQL sends it", func(t *testing.T) {
			typeRef := "kind name"
			for range 9 {
				typeRef = "kind name ofType { " + typeRef + " }"
			}
			r := graphql(t, e.url, "", `{ __schema { types { name fields { args { type { ...T } } type { ...T } } } } }
				fragment T on __Type { `+typeRef+` }`, nil, "__schema")
			r.ok(t)
		})

		t.Run("complexity", func(t *testing.T) {
			// A page of groups with a page of customers each: 200 × 200 customers.
			refused(t, `{ customerGroups(first: 200) { nodes { customers(first: 200) { nodes { id email } } } } }`, "too complex")
			// A full page of customers with every field the suite reads is fine.
			graphql(t, e.url, e.admin, `{ customers(first: 200) { nodes { `+customerFields+` } pageInfo { hasNextPage endCursor } totalCount } }`, nil, "customers").ok(t)
		})

		t.Run("configured complexity", func(t *testing.T) {
			// The countries list counts its 249 countries; their 70 regions count as one a country.
			small := newEnv(t, testdb.New(t, d.Dialect), func(c *config.Config) { c.GraphQLMaxComplexity = 600 })
			graphql(t, small.url, "", `{ countries { code name } }`, nil, "countries").ok(t)
			r := graphql(t, small.url, "", `{ countries { code name regions { code name } } c2: countries { code name regions { code name } } }`, nil, "countries")
			r.fails(t, "BAD_REQUEST")
			if !strings.Contains(r.Message, "cost 1994; at most 600") {
				t.Errorf("message %q", r.Message)
			}
		})
	})
}

// TestDocsRenderInChromium loads /docs and GraphiQL in a real browser: the operations must
// render from the embedded assets alone (the page's CSP forbids any other origin).
func TestDocsRenderInChromium(t *testing.T) {
	const chromium = "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		t.Skip("no " + chromium + " (apt-get install chromium; .ci/run installs it)")
	}
	e := newEnv(t, testdb.New(t, db.SQLite))
	dump := func(t *testing.T, path string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu",
			"--disable-background-networking", "--disable-component-update", "--disable-sync",
			"--no-first-run", "--disable-dev-shm-usage", "--user-data-dir="+t.TempDir(),
			"--virtual-time-budget=10000", "--dump-dom", e.url+path).Output()
		if err != nil {
			t.Fatalf("chromium %s: %v\n%s", path, err, out)
		}
		return string(out)
	}

	t.Run("swagger ui", func(t *testing.T) {
		dom := dump(t, "/docs")
		for _, want := range []string{`class="opblock`, `data-path="/v1/auth/register"`, `data-path="/v1/customers/{id}"`} {
			if !strings.Contains(dom, want) {
				t.Errorf("/docs rendered without %s:\n%.3000s", want, dom)
			}
		}
		if strings.Contains(dom, "Failed to load API definition") {
			t.Errorf("Swagger UI could not load /openapi.json")
		}
		// Descriptions are Markdown, but the servers dropdown shows its text as written.
		if lines := grepLines(dom, "`"); lines != "" {
			t.Errorf("/docs shows raw backticks:\n%.1000s", lines)
		}
	})

	t.Run("graphiql", func(t *testing.T) {
		dom := dump(t, "/graphql")
		if !strings.Contains(dom, "graphiql-container") || strings.Contains(dom, "Loading GraphiQL") {
			t.Errorf("GraphiQL did not render:\n%.3000s", dom)
		}
	})
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
