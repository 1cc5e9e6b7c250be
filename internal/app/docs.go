package app

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/swaggest/swgui"
	"github.com/swaggest/swgui/v5emb"

	"github.com/clientele/clientele/graph"
)

// graphiqlFiles are GraphiQL and React, vendored from npm (graphiql/README.md says which
// versions and how to refresh them), so the page needs nothing outside the service.
//
//go:embed graphiql/*.html graphiql/*.js graphiql/*.css
var graphiqlFiles embed.FS

// docsCSP keeps a documentation page to this origin: a stray CDN reference fails in the
// browser instead of quietly working. The only inline scripts that run are the page's own,
// named by hash (inlineScripts); both UIs set inline styles (React's style attributes, which
// hashes cannot name), and images and fonts may be data: URLs.
func docsCSP(page []byte) string {
	return "default-src 'self'; script-src 'self'" + inlineScripts(page) + "; style-src 'self' 'unsafe-inline'; " +
		"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
}

var inlineScript = regexp.MustCompile(`(?s)<script>(.*?)</script>`)

// inlineScripts lists the hashes of page's inline scripts as CSP sources, each after a space.
func inlineScripts(page []byte) string {
	var sources strings.Builder
	for _, m := range inlineScript.FindAllSubmatch(page, -1) {
		sum := sha256.Sum256(m[1])
		sources.WriteString(" 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'")
	}
	return sources.String()
}

// pageOf is the body h answers GET path with.
func pageOf(h http.Handler, path string) []byte {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Body.Bytes()
}

// registerDocs serves the human-facing documentation:
//
//	GET /docs                   Swagger UI 5 over /openapi.json (assets under /docs/)
//	GET /graphql                GraphiQL, to a browser (Accept: text/html); to anything else,
//	                            gql: a query over GET (GraphQL over HTTP)
//	GET /graphql/assets/*       GraphiQL's scripts and styles
//	GET /graphql/schema.graphql the schema as SDL, without gqlgen's directives (graph.PublicSDL)
func registerDocs(e *echo.Echo, gql echo.HandlerFunc) error {
	swagger := v5emb.NewHandlerWithConfig(swgui.Config{
		Title:       "Clientele API",
		SwaggerJSON: "/openapi.json",
		BasePath:    "/docs/",
		SettingsUI: map[string]string{
			// Keep the token entered under "Authorize" across reloads (local storage).
			"persistAuthorization": "true",
		},
	})
	docs := echo.WrapHandler(withCSP(swagger, docsCSP(pageOf(swagger, "/docs"))))
	e.GET("/docs", docs)
	e.GET("/docs/*", docs)
	// Swagger UI's icon, for the pages that name none (GraphiQL's): browsers ask for it.
	e.GET("/favicon.ico", echo.WrapHandler(cacheFor(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.URL.Path = "/docs/favicon-32x32.png"
		swagger.ServeHTTP(w, r)
	}))))

	page, err := graphiqlFiles.ReadFile("graphiql/index.html")
	if err != nil {
		return err
	}
	pageCSP := docsCSP(page)
	e.GET("/graphql", func(c echo.Context) error {
		if !strings.Contains(c.Request().Header.Get(echo.HeaderAccept), echo.MIMETextHTML) {
			return gql(c)
		}
		c.Response().Header().Set("Content-Security-Policy", pageCSP)
		return c.HTMLBlob(http.StatusOK, page)
	})
	assets, err := fs.Sub(graphiqlFiles, "graphiql")
	if err != nil {
		return err
	}
	e.GET("/graphql/assets/*", echo.WrapHandler(http.StripPrefix("/graphql/assets/",
		cacheFor(http.FileServerFS(assets)))))

	sdl := graph.PublicSDL()
	e.GET("/graphql/schema.graphql", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "text/plain; charset=utf-8", sdl)
	})
	return nil
}

func withCSP(h http.Handler, csp string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		h.ServeHTTP(w, r)
	})
}

// cacheFor lets browsers keep the vendored assets for a day; they change only with a release.
func cacheFor(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		h.ServeHTTP(w, r)
	})
}
