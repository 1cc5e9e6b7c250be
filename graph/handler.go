package graph

import (
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/clientele/clientele/graph/generated"
	"github.com/clientele/clientele/graph/loaders"
	"github.com/clientele/clientele/internal/service"
)

// NewHandler returns the GraphQL endpoint over svc. The caller's principal must already be
// on the request context (the shared auth middleware puts it there).
func NewHandler(svc *service.Service, log *slog.Logger) http.Handler {
	h := handler.New(generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{svc: svc}}))
	h.AddTransport(transport.Options{})
	h.AddTransport(transport.POST{})
	h.Use(extension.Introspection{})
	h.SetErrorPresenter(presentError(log))
	h.SetRecoverFunc(recoverPanic)
	return loaders.Middleware(svc, h)
}
