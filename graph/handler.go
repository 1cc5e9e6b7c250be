package graph

import (
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/clientele/clientele/graph/generated"
	"github.com/clientele/clientele/graph/loaders"
	"github.com/clientele/clientele/internal/service"
)

// NewHandler returns the GraphQL endpoint over svc. The caller's principal must already be
// on the request context (the shared auth middleware puts it there). Operations deeper than
// MaxDepth or costlier than maxComplexity are refused before any resolver runs; exts
// (metrics, say) are added after the limits.
func NewHandler(svc *service.Service, log *slog.Logger, maxComplexity int, exts ...graphql.HandlerExtension) http.Handler {
	h := handler.New(generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{svc: svc}, Complexity: complexity()}))
	// Parsed and validated documents are kept by query text: clients send the same few
	// queries again and again, and parsing and validating them was a tenth of a request.
	h.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	h.AddTransport(transport.Options{})
	h.AddTransport(transport.POST{})
	h.Use(extension.Introspection{})
	h.Use(depthLimit{max: MaxDepth})
	h.Use(complexityLimit{extension.FixedComplexityLimit(maxComplexity)})
	for _, ext := range exts {
		h.Use(ext)
	}
	h.SetErrorPresenter(presentError(log))
	h.SetRecoverFunc(recoverPanic)
	return loaders.Middleware(svc, h)
}
