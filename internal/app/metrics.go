package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/clientele/clientele"
	"github.com/clientele/clientele/handlers"
	"github.com/clientele/clientele/internal/apperr"
)

// Label values of the request metrics.
const (
	apiREST    = "rest"
	apiGraphQL = "graphql"
	codeOK     = "OK"
	// opInvalid labels GraphQL requests refused before an operation was known (unparsable).
	opInvalid = "(invalid)"
)

// metrics is what GET /metrics serves. Each server has its own registry (not Prometheus's
// global one), so servers in one process, as in the tests, count separately.
//
// clientele_requests_total{api, operation, code} and clientele_request_duration_seconds{api,
// operation} share their labels across both APIs: operation is the REST operationId or the
// GraphQL root field, which SPEC §1 names alike, and code is OK or the error code of the
// SPEC's taxonomy. A GraphQL request counts once for each root field it asks for.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	restOps  map[string]string // "GET /v1/customers/:id" → "getCustomer"
}

func newMetrics(pool *sql.DB) (*metrics, error) {
	ops, err := restOperations()
	if err != nil {
		return nil, err
	}
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "clientele_requests_total",
			Help: "API requests by API (rest, graphql), operation (REST operationId or GraphQL root field) and outcome code (OK or the error code).",
		}, []string{"api", "operation", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "clientele_request_duration_seconds",
			Help:    "API request latency by API and operation, from the request's arrival to its response.",
			Buckets: prometheus.DefBuckets,
		}, []string{"api", "operation"}),
		restOps: ops,
	}
	m.registry.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if pool != nil {
		// go_sql_* gauges and counters: open, in use and idle connections, waits, closes.
		m.registry.MustRegister(collectors.NewDBStatsCollector(pool, "clientele"))
	}
	return m, nil
}

// openAPI is openapi.yaml as written, parsed once per process (it takes tens of
// milliseconds). The copy oapi-codegen embeds (api.GetSwagger) capitalises operationIds
// (GetMe for getMe), so neither the metrics nor /openapi.json use it.
var openAPI = sync.OnceValues(func() (*openapi3.T, error) {
	spec, err := openapi3.NewLoader().LoadFromData(clientele.OpenAPIYAML)
	if err != nil {
		return nil, fmt.Errorf("read openapi.yaml: %w", err)
	}
	return spec, nil
})

// openAPIJSON is openapi.yaml as JSON (/openapi.json), encoded once per process: it took as
// long as parsing it.
var openAPIJSON = sync.OnceValues(func() ([]byte, error) {
	spec, err := openAPI()
	if err != nil {
		return nil, err
	}
	return json.Marshal(spec)
})

// restOperations maps echo's routes to operationIds.
var restOperations = sync.OnceValues(func() (map[string]string, error) {
	spec, err := openAPI()
	if err != nil {
		return nil, err
	}
	ops := map[string]string{}
	for path, item := range spec.Paths.Map() {
		route := echoRoute(path)
		for method, op := range item.Operations() {
			ops[method+" "+route] = op.OperationID
		}
	}
	return ops, nil
})

// echoRoute turns an OpenAPI path (/v1/customers/{id}) into echo's route (/v1/customers/:id),
// the form oapi-codegen registers and c.Path() reports.
func echoRoute(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			parts[i] = ":" + p[1:len(p)-1]
		}
	}
	return strings.Join(parts, "/")
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

func (m *metrics) observe(api, operation, code string, took time.Duration) {
	m.requests.WithLabelValues(api, operation, code).Inc()
	m.duration.WithLabelValues(api, operation).Observe(took.Seconds())
}

// kindOfStatus reads the error code back from a status; the mapping is one to one.
var kindOfStatus = func() map[int]string {
	out := map[int]string{}
	for kind, status := range handlers.HTTPStatus {
		out[status] = string(kind)
	}
	return out
}()

// rest measures the REST operations; other routes (docs, /graphql, unknown paths) pass by.
// It runs after routing, so c.Path() is the route, never the raw path with ids in it.
func (m *metrics) rest(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		op, ok := m.restOps[c.Request().Method+" "+c.Path()]
		if !ok {
			return next(c)
		}
		start := time.Now()
		err := next(c)
		code := codeOK
		switch status := c.Response().Status; {
		case err != nil && !c.Response().Committed:
			// The error handler writes it later, from the same classification.
			ae, _ := handlers.Classify(err)
			code = string(ae.Kind)
		case status >= 400:
			code = kindOfStatus[status]
			if code == "" {
				code = string(apperr.BadRequest)
			}
		}
		m.observe(apiREST, op, code, time.Since(start))
		return err
	}
}

// graphqlMetrics measures GraphQL operations by root field. It sees every response,
// including those refused before execution (syntax, validation, depth, complexity).
type graphqlMetrics struct{ m *metrics }

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = graphqlMetrics{}

func (graphqlMetrics) ExtensionName() string { return "Metrics" }

func (graphqlMetrics) Validate(graphql.ExecutableSchema) error { return nil }

func (g graphqlMetrics) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	took := time.Since(graphql.GetStartTime(ctx))
	var fields []*ast.Field
	if graphql.HasOperationContext(ctx) {
		if op := graphql.GetOperationContext(ctx).Operation; op != nil {
			fields = rootFields(op.SelectionSet, nil)
		}
	}
	if len(fields) == 0 {
		g.m.observe(apiGraphQL, opInvalid, responseCode(resp, "", nil), took)
		return resp
	}
	aliases := map[string]bool{}
	for _, f := range fields {
		aliases[f.Alias] = true
	}
	seen := map[string]bool{}
	for _, f := range fields {
		if seen[f.Name] {
			continue
		}
		seen[f.Name] = true
		g.m.observe(apiGraphQL, f.Name, responseCode(resp, f.Alias, aliases), took)
	}
	return resp
}

// rootFields lists an operation's root fields, through fragments.
func rootFields(set ast.SelectionSet, into []*ast.Field) []*ast.Field {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			into = append(into, s)
		case *ast.InlineFragment:
			into = rootFields(s.SelectionSet, into)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				into = rootFields(s.Definition.SelectionSet, into)
			}
		}
	}
	return into
}

// responseCode is the outcome of the root field answering at alias: the code of its first
// error, or of an error about the whole request (no path, or a path such as a variable's that
// names no root field), or OK.
func responseCode(resp *graphql.Response, alias string, aliases map[string]bool) string {
	if resp == nil {
		return codeOK
	}
	for _, e := range resp.Errors {
		if len(e.Path) > 0 {
			if root, ok := e.Path[0].(ast.PathName); ok && string(root) != alias && aliases[string(root)] {
				continue // another root field's error
			}
		}
		if code, ok := e.Extensions["code"].(string); ok && code != "" {
			return code
		}
		return string(apperr.Internal)
	}
	return codeOK
}
