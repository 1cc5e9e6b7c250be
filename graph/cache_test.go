package graph

import (
	"context"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestOnlySmallQueriesAreCached: the parsed-document cache keeps a client's usual queries but
// not big ones, whose documents would pile up in memory.
func TestOnlySmallQueriesAreCached(t *testing.T) {
	ctx := context.Background()
	c := smallQueries{lru.New[*ast.QueryDocument](10)}
	small, big := "{ me { id } }", "{ me { id } }"+strings.Repeat(" ", maxCachedQuery)
	c.Add(ctx, small, &ast.QueryDocument{})
	c.Add(ctx, big, &ast.QueryDocument{})
	if _, ok := c.Get(ctx, small); !ok {
		t.Error("a small query's document was not kept")
	}
	if _, ok := c.Get(ctx, big); ok {
		t.Errorf("a %d-byte query's document was kept", len(big))
	}
}
