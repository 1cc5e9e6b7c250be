// Package execpatch rewrites gqlgen's generated executor where gqlgen (v0.17.90) has no switch
// for what Clientele needs; go generate runs it after gqlgen (./rewrite). Each rewrite fails
// when gqlgen's output is not what it expects, so an upgrade is looked at, not passed over.
//
// Lists in order (InOrder). gqlgen marshals every element of a list of objects in a goroutine
// of its own, so that a field of each element can wait for a dataloader batch while the others
// join it. A page of 50 customers with their address books and groups started about 300
// goroutines, whose creation and stack growth were a fifth of the page's CPU; gqlgen has no
// switch for it (99designs/gqlgen#3202, #4321). The lists of the types named call MarshalSlice
// instead. A list may be marshalled in order only when no field of its elements waits for a
// batch window per element: whoever returns such a list queues its elements into the loaders
// first (graph/loaders' Prefetch functions), so the first element waits for the one batch and
// the others find it done. TestCustomerPageCostsConstantStatements and
// TestGroupCountsCostConstantStatements fail when a field is missed: each element's wait then
// becomes a batch, and a statement, of its own.
//
// No input-unmarshaler map (NoUnmarshalerMap). Every request built a map from each input type
// to its unmarshaler by reflection, for graphql.UnmarshalInputFromContext, which nothing here
// calls (TestNothingReadsTheUnmarshalerMap): a twelfth of a one-customer read's allocations.
package execpatch

import (
	"bytes"
	"context"
	"fmt"
	"go/format"
	"regexp"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalSlice has the signature and the results of graphql.MarshalSliceConcurrently (each
// element on a field context with its index; a panic is reported on the element's path and
// nulls the list) without its goroutines. The worker limit has no use here.
func MarshalSlice(ctx context.Context, length int, _ int64, omitPanicHandler bool,
	marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, length)
	for i := range length {
		if !marshalOne(ctx, ret, i, omitPanicHandler, marshalElement) {
			return nil
		}
	}
	return ret
}

func marshalOne(ctx context.Context, ret graphql.Array, i int, omitPanicHandler bool,
	marshalElement func(ctx context.Context, i int) graphql.Marshaler) (ok bool) {
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i})
	if !omitPanicHandler {
		defer func() {
			if r := recover(); r != nil {
				graphql.AddError(ctx, graphql.Recover(ctx, r))
				ok = false
			}
		}()
	}
	ret[i] = marshalElement(ctx, i)
	return true
}

const (
	importPath = `"github.com/clientele/clientele/graph/internal/execpatch"`
	concurrent = "graphql.MarshalSliceConcurrently("
	inOrder    = "execpatch.MarshalSlice("
)

// InOrder makes the generated executor src marshal the lists ([T!]! and [T!]) of the GraphQL
// object types named in order, and imports this package. It fails on a type without a list
// marshaller, or with one that does not call graphql.MarshalSliceConcurrently once.
func InOrder(src []byte, types []string) ([]byte, error) {
	out := src
	for _, t := range types {
		marshallers := regexp.MustCompile(`(?ms)^func \(ec \*executionContext\) marshal[NO]` + regexp.QuoteMeta(t) + `2ᚕ.*?\n}\n`)
		found, wrong := 0, false
		out = marshallers.ReplaceAllFunc(out, func(fn []byte) []byte {
			found++
			wrong = wrong || bytes.Count(fn, []byte(concurrent)) != 1
			return bytes.Replace(fn, []byte(concurrent), []byte(inOrder), 1)
		})
		switch {
		case found == 0:
			return nil, fmt.Errorf("execpatch: no list marshaller for GraphQL type %s", t)
		case wrong:
			return nil, fmt.Errorf("execpatch: a list marshaller of %s does not call %s once", t, concurrent)
		}
	}
	imports := []byte("import (\n")
	if !bytes.Contains(out, imports) {
		return nil, fmt.Errorf("execpatch: no import block")
	}
	out = bytes.Replace(out, imports, append(imports, "\t"+importPath+"\n"...), 1)
	return format.Source(out)
}

// The per-request map's construction, and where it is put on the context.
var (
	unmarshalerMap     = regexp.MustCompile(`(?s)\n\tinputUnmarshalMap := graphql\.BuildUnmarshalerMap\(\n.*?\n\t\)\n`)
	withUnmarshalerMap = regexp.MustCompile(`\n\t*ctx = graphql\.WithUnmarshalerMap\(ctx, inputUnmarshalMap\)\n`)
)

// NoUnmarshalerMap removes from src the input-unmarshaler map that Exec builds for every
// request, and its use. It fails unless it finds the map once and its use at least once.
func NoUnmarshalerMap(src []byte) ([]byte, error) {
	if n := len(unmarshalerMap.FindAllIndex(src, -1)); n != 1 {
		return nil, fmt.Errorf("execpatch: the input-unmarshaler map is built %d times, want 1", n)
	}
	if !withUnmarshalerMap.Match(src) {
		return nil, fmt.Errorf("execpatch: the input-unmarshaler map is not put on the context")
	}
	out := unmarshalerMap.ReplaceAll(src, []byte("\n"))
	out = withUnmarshalerMap.ReplaceAll(out, []byte("\n"))
	return format.Source(out)
}
