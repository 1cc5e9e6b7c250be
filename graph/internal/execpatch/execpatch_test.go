package execpatch

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

const generated = `package generated

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
)

func (ec *executionContext) marshalNThing2ᚕThingᚄ(ctx context.Context, v []Thing) graphql.Marshaler {
	ret := graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		return ec.marshalNThing(ctx, v[i])
	})
	return ret
}

func (ec *executionContext) marshalNOther2ᚕOtherᚄ(ctx context.Context, v []Other) graphql.Marshaler {
	ret := graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		return ec.marshalNOther(ctx, v[i])
	})
	return ret
}
`

func TestInOrderTouchesOnlyTheNamedTypes(t *testing.T) {
	out, err := InOrder([]byte(generated), []string{"Thing"})
	if err != nil {
		t.Fatal(err)
	}
	thing, other, _ := strings.Cut(string(out), "marshalNOther2")
	if !strings.Contains(thing, "ret := execpatch.MarshalSlice(ctx") || strings.Contains(thing, "MarshalSliceConcurrently") {
		t.Errorf("Thing's list is not rewritten:\n%s", thing)
	}
	if !strings.Contains(other, "graphql.MarshalSliceConcurrently(") {
		t.Errorf("Other's list is rewritten:\n%s", other)
	}
	if !strings.Contains(thing, "\t"+importPath+"\n") {
		t.Errorf("no import of this package:\n%s", thing)
	}
}

func TestInOrderRefusesWhatItDoesNotKnow(t *testing.T) {
	for name, tc := range map[string]struct{ src, typ, want string }{
		"no such type":          {generated, "Nothing", "no list marshaller for GraphQL type Nothing"},
		"gqlgen's output moved": {strings.ReplaceAll(generated, "MarshalSliceConcurrently", "MarshalSliceInParallel"), "Thing", "does not call"},
	} {
		if _, err := InOrder([]byte(tc.src), []string{tc.typ}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", name, err, tc.want)
		}
	}
}

func TestMarshalSliceKeepsOrderAndIndexes(t *testing.T) {
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, graphql.DefaultRecover)
	got := MarshalSlice(ctx, 3, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		if idx := *graphql.GetFieldContext(ctx).Index; idx != i {
			t.Errorf("element %d has index %d on its field context", i, idx)
		}
		return graphql.MarshalInt(i * 10)
	})
	var b strings.Builder
	got.MarshalGQL(&b)
	if b.String() != "[0,10,20]" {
		t.Errorf("got %s", b.String())
	}
}

func TestMarshalSliceReportsAPanicAndNullsTheList(t *testing.T) {
	recovered := func(_ context.Context, r any) error { return fmt.Errorf("recovered: %v", r) }
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, recovered)
	got := MarshalSlice(ctx, 3, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		if i == 1 {
			panic("boom")
		}
		return graphql.MarshalInt(i)
	})
	errs := graphql.GetErrors(ctx)
	if got != nil || len(errs) != 1 || errs[0].Path.String() != "[1]" || errs[0].Message != "recovered: boom" {
		t.Errorf("list %v, errors %v; want nil and one error at index 1", got, errs)
	}
}

const exec = `package generated

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

func (e *executableSchema) Exec(ctx context.Context) graphql.ResponseHandler {
	ec := newExecutionContext(ctx)
	inputUnmarshalMap := graphql.BuildUnmarshalerMap(
		ec.unmarshalInputA,
		ec.unmarshalInputB,
	)
	first := true

	return func(ctx context.Context) *graphql.Response {
		if first {
			first = false
			ctx = graphql.WithUnmarshalerMap(ctx, inputUnmarshalMap)
			return ec.run(ctx)
		}
		return nil
	}
}
`

func TestNoUnmarshalerMap(t *testing.T) {
	out, err := NoUnmarshalerMap([]byte(exec))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(exec, `	inputUnmarshalMap := graphql.BuildUnmarshalerMap(
		ec.unmarshalInputA,
		ec.unmarshalInputB,
	)
`, "", 1)
	want = strings.Replace(want, "\t\t\tctx = graphql.WithUnmarshalerMap(ctx, inputUnmarshalMap)\n", "", 1)
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	if _, err := NoUnmarshalerMap(out); err == nil || !strings.Contains(err.Error(), "built 0 times") {
		t.Errorf("a second pass: err = %v", err)
	}
}

// TestNothingReadsTheUnmarshalerMap: NoUnmarshalerMap is right only while no Go file of the
// module reads the map it removes.
func TestNothingReadsTheUnmarshalerMap(t *testing.T) {
	reader := "UnmarshalInput" + "FromContext("
	root := filepath.Join("..", "..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err == nil && strings.Contains(string(src), reader) {
			t.Errorf("%s calls %s, which reads the map NoUnmarshalerMap removes", path, reader)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
