package graph

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"reflect"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/clientele/clientele/graph/generated"
	"github.com/clientele/clientele/graph/loaders"
	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/gqlguard"
	"github.com/clientele/clientele/internal/service"
)

// NewHandler returns the GraphQL endpoint over svc. The caller's principal must already be
// on the request context (the shared auth middleware puts it there). Requests over limits
// (zero values take their defaults) are refused before anything runs; exts (metrics, say)
// are added after the limits.
func NewHandler(svc *service.Service, log *slog.Logger, limits Limits, exts ...graphql.HandlerExtension) http.Handler {
	limits = limits.withDefaults()
	es := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{svc: svc}, Complexity: connectionCosts()})
	h := handler.New(es)
	// Parsed and validated documents are kept by query text: clients send the same few
	// queries again and again, and parsing and validating them was a tenth of a request.
	cache := smallQueries{lru.New[*ast.QueryDocument](1000)}
	h.SetQueryCache(cache)
	h.AddTransport(transport.Options{})
	h.AddTransport(overHTTP{})
	h.AddTransport(unsupported{})
	h.Use(extension.Introspection{})
	h.Use(guard{cache: cache, limits: gqlguard.Limits{
		MaxBytes:      limits.MaxBytes,
		MaxSelections: limits.MaxFields,
		MaxDepth:      MaxDepth,
		MaxRepeats:    maxRepeats,
		MaxFragments:  maxFragments,
		Flat:          map[string]bool{"ofType": true},
		Exclusive:     passwordFields,
	}})
	countries := svc.Countries(context.Background(), auth.Principal{})
	regions := 0
	for _, c := range countries {
		regions += len(c.Regions)
	}
	h.Use(complexityLimit{es: newSized(es, len(countries), regions), limit: limits.MaxComplexity})
	h.Use(rootFieldGuard{mutationArgs: mutationArgs(es.Schema())})
	for _, ext := range exts {
		h.Use(ext)
	}
	h.SetErrorPresenter(presentError(log))
	h.SetRecoverFunc(recoverPanic)
	return loaders.Middleware(svc, h)
}

// rootFieldGuard runs before each root field: none resolves once the request's context is
// done (the client went away or the deadline passed; gqlgen itself would go on to the end, and
// the fields below read the database with that context, which fails them), and a mutation given
// null where its input cannot be cleared is refused (refuseNulls). It works on root fields, not
// every field: an interceptor of every field costs every field of every answer.
type rootFieldGuard struct {
	mutationArgs map[string][]reflect.Type
}

var _ interface {
	graphql.HandlerExtension
	graphql.RootFieldInterceptor
} = rootFieldGuard{}

func (rootFieldGuard) ExtensionName() string                   { return "RootFieldGuard" }
func (rootFieldGuard) Validate(graphql.ExecutableSchema) error { return nil }

func (g rootFieldGuard) InterceptRootField(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	field := graphql.GetRootFieldContext(ctx).Field
	err := ctx.Err()
	if err != nil {
		err = apperr.As(err) // UNAVAILABLE, in the words REST uses
	} else if graphql.GetOperationContext(ctx).Operation.Operation == ast.Mutation {
		err = refuseNulls(ctx, field, g.mutationArgs[field.Name])
	}
	if err != nil {
		// On the field's path, as an error of its resolver would be.
		graphql.AddError(graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: field}), err)
		return graphql.Null
	}
	return next(ctx)
}

// unsupported answers what no other transport takes (a POST that is not application/json,
// say) with a GraphQL error body the client can read: 415 and BAD_REQUEST. gqlgen's own
// answer is a bare message without extensions.code or a content type.
type unsupported struct{}

var _ graphql.Transport = unsupported{}

func (unsupported) Supports(*http.Request) bool { return true }

func (unsupported) Do(w http.ResponseWriter, _ *http.Request, _ graphql.GraphExecutor) {
	msg := "POST /graphql takes a JSON body with Content-Type: application/json."
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnsupportedMediaType)
	_ = json.NewEncoder(w).Encode(graphql.Response{Errors: gqlerror.List{{
		Message:    msg,
		Extensions: map[string]any{"code": string(apperr.BadRequest)},
	}}})
}

// maxCachedQuery is the longest query text whose parsed document is kept. Clients' queries
// are a few KiB; without a bound, a thousand distinct 64 KiB documents, several times larger
// once parsed, would stay in memory for whoever sent them.
const maxCachedQuery = 8 << 10

// smallQueries is the query cache, keeping only documents of queries up to maxCachedQuery.
type smallQueries struct {
	graphql.Cache[*ast.QueryDocument]
}

func (c smallQueries) Add(ctx context.Context, query string, doc *ast.QueryDocument) {
	if len(query) <= maxCachedQuery {
		c.Cache.Add(ctx, query, doc)
	}
}
