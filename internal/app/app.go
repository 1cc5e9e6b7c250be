// Package app assembles the HTTP server: echo with the shared middleware, the REST handlers
// generated from openapi.yaml, the GraphQL endpoint and the operational routes.
package app

import (
	"database/sql"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/clientele/clientele"
	"github.com/clientele/clientele/api"
	"github.com/clientele/clientele/graph"
	"github.com/clientele/clientele/handlers"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/service"
)

// MaxBodyBytes bounds every request body (SPEC §7).
const MaxBodyBytes = "1M"

// Options is what New needs besides the service.
type Options struct {
	// DB is the connection pool whose statistics /metrics reports; nil leaves them out.
	DB *sql.DB
	// GraphQLMaxComplexity is CLIENTELE_GRAPHQL_MAX_COMPLEXITY; 0 means its default.
	GraphQLMaxComplexity int
	// TrustedProxies are the load balancers whose X-Forwarded-For names the client IP; none:
	// the TCP peer is the client.
	TrustedProxies []*net.IPNet
	// RequestTimeout is CLIENTELE_REQUEST_TIMEOUT, every API request's deadline; 0 means its
	// default.
	RequestTimeout time.Duration
	// GraphQLMaxBytes and GraphQLMaxFields are CLIENTELE_GRAPHQL_MAX_BYTES and
	// CLIENTELE_GRAPHQL_MAX_FIELDS; 0 means their defaults.
	GraphQLMaxBytes, GraphQLMaxFields int
}

// OptionsFrom is the Options of the service's configuration, over the connection pool pool.
func OptionsFrom(cfg config.Config, pool *sql.DB) (Options, error) {
	proxies, err := config.ParseCIDRs(cfg.TrustedProxies)
	if err != nil {
		return Options{}, fmt.Errorf("CLIENTELE_TRUSTED_PROXIES: %w", err)
	}
	return Options{DB: pool, GraphQLMaxComplexity: cfg.GraphQLMaxComplexity, GraphQLMaxBytes: cfg.GraphQLMaxBytes,
		GraphQLMaxFields: cfg.GraphQLMaxFields, RequestTimeout: cfg.RequestTimeout, TrustedProxies: proxies}, nil
}

// defaultRequestTimeout is CLIENTELE_REQUEST_TIMEOUT's default.
const defaultRequestTimeout = 15 * time.Second

// New returns the HTTP handler of the whole service.
func New(svc *service.Service, log *slog.Logger, opts Options) (*echo.Echo, error) {
	if opts.GraphQLMaxComplexity <= 0 {
		opts.GraphQLMaxComplexity = config.DefaultGraphQLMaxComplexity
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = defaultRequestTimeout
	}
	m, err := newMetrics(opts.DB)
	if err != nil {
		return nil, err
	}

	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = handlers.Problem(log)
	e.JSONSerializer = handlers.JSONSerializer{}
	e.IPExtractor = clientIP(opts.TrustedProxies)

	e.Pre(handlers.RequestID, handlers.SecurityHeaders)
	e.Use(handlers.AccessLog(log))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisablePrintStack: true}))
	e.Use(m.rest)
	e.Use(middleware.BodyLimit(MaxBodyBytes))
	e.Use(handlers.JSONBodies)
	e.Use(handlers.Deadline(opts.RequestTimeout))
	e.Use(handlers.Authenticate(svc))
	e.Use(handlers.Idempotent(svc))

	api.RegisterHandlers(e, api.NewStrictHandler(handlers.NewServer(svc), nil))

	gql := echo.WrapHandler(graph.NewHandler(svc, log, graph.Limits{MaxComplexity: opts.GraphQLMaxComplexity,
		MaxBytes: opts.GraphQLMaxBytes, MaxFields: opts.GraphQLMaxFields}, graphqlMetrics{m}))
	e.POST("/graphql", gql)
	e.OPTIONS("/graphql", gql)

	specJSON, err := openAPIJSON()
	if err != nil {
		return nil, err
	}
	e.GET("/openapi.yaml", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/yaml", clientele.OpenAPIYAML)
	})
	e.GET("/openapi.json", func(c echo.Context) error {
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, specJSON)
	})
	e.GET("/metrics", echo.WrapHandler(m.handler()))
	if err := registerDocs(e, gql); err != nil {
		return nil, err
	}
	return e, nil
}

// clientIP is the client address rate limits and lockouts count by: the TCP peer, since
// anyone can send forwarded headers; behind trusted load balancers, the address the nearest
// untrusted hop gave in X-Forwarded-For.
func clientIP(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}
