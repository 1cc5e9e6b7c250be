package graph

import (
	"context"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/clientele/clientele/graph/generated"
	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/service"
)

// refuseNulls answers VALIDATION_FAILED, before the resolver runs, for a mutation given null
// where the input cannot be cleared (SPEC §5), as REST's decoder does. SDL nullability cannot
// say it (every optional input field is nullable), and gqlgen turns null and absent into the
// same nil; what can be cleared is what the resolvers read as graphql.Omittable[*T] (absent,
// null or a value). Lists and JSON objects, omittable or not, are replaced whole and take no
// null, as in REST. field is a root field of a mutation, and args the Go types its resolver
// takes its arguments as (mutationArgs).
func refuseNulls(ctx context.Context, field graphql.CollectedField, args []reflect.Type) error {
	vars := graphql.GetOperationContext(ctx).Variables
	var f apperr.Fields
	for _, arg := range field.Arguments {
		i := slices.IndexFunc(field.Definition.Arguments, func(d *ast.ArgumentDefinition) bool { return d.Name == arg.Name })
		if i < 0 || i >= len(args) {
			continue // not in the schema: validation has refused it already
		}
		// A null argument is GraphQL's "no value" (lockCustomer's until): the rule is for
		// the fields of input objects, the merge patches.
		v, given := plain(arg.Value, vars)
		if !given || v == nil {
			continue
		}
		// Field paths start inside an input object (`firstName`, as the service names them).
		path := arg.Name
		if _, isObject := v.(map[string]any); isObject {
			path = ""
		}
		checkNulls(&f, v, args[i], path)
	}
	return f.Err()
}

// mutationArgs are the Go types the mutation resolvers take their arguments as, in the order
// of the schema's arguments, by field name. gqlgen names a resolver method after its field,
// changing only the case, and passes the arguments after the context in the schema's order.
func mutationArgs(schema *ast.Schema) map[string][]reflect.Type {
	methods := map[string]reflect.Method{}
	resolver := reflect.TypeFor[generated.MutationResolver]()
	for i := range resolver.NumMethod() {
		m := resolver.Method(i)
		methods[strings.ToLower(m.Name)] = m
	}
	out := map[string][]reflect.Type{}
	for _, field := range schema.Mutation.Fields {
		m, ok := methods[strings.ToLower(field.Name)]
		if !ok || m.Type.NumIn() != len(field.Arguments)+1 {
			panic("graph: no resolver method takes the arguments of mutation " + field.Name) // fails every test
		}
		for i := range field.Arguments {
			out[field.Name] = append(out[field.Name], m.Type.In(i+1))
		}
	}
	return out
}

// plain is an argument's value as JSON-like data (objects, lists, nil for null, any non-nil
// value for a scalar), with fields whose variable was not given left out, as GraphQL reads
// them; given is false when v itself is such a variable.
func plain(v *ast.Value, vars map[string]any) (out any, given bool) {
	switch v.Kind {
	case ast.Variable:
		out, given = vars[v.Raw]
		return out, given
	case ast.NullValue:
		return nil, true
	case ast.ObjectValue:
		obj := map[string]any{}
		for _, c := range v.Children {
			if cv, ok := plain(c.Value, vars); ok {
				obj[c.Name] = cv
			}
		}
		return obj, true
	case ast.ListValue:
		list := make([]any, len(v.Children))
		for i, c := range v.Children {
			list[i], _ = plain(c.Value, vars)
		}
		return list, true
	}
	return v.Raw, true
}

var omittablePkg = reflect.TypeOf(graphql.Omittable[int]{}).PkgPath()

// checkNulls walks v against t, the Go type the resolver receives it as.
func checkNulls(f *apperr.Fields, v any, t reflect.Type, path string) {
	clearable := false
	if t.Kind() == reflect.Struct && t.PkgPath() == omittablePkg && strings.HasPrefix(t.Name(), "Omittable[") {
		t = t.Field(0).Type // the value it wraps
		clearable = t.Kind() == reflect.Pointer
	}
	if v == nil {
		if !clearable {
			*f = append(*f, service.NullRefused(path))
		}
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch val := v.(type) {
	case []any:
		if t.Kind() == reflect.Slice {
			for i, item := range val {
				checkNulls(f, item, t.Elem(), path+"["+strconv.Itoa(i)+"]")
			}
		}
	case map[string]any:
		if t.Kind() != reflect.Struct {
			return // a JSON object: free-form
		}
		for _, k := range slices.Sorted(maps.Keys(val)) {
			if ft, ok := goInputField(t, k); ok {
				checkNulls(f, val[k], ft, joinPath(path, k))
			}
		}
	}
}

// goInputField finds the struct field gqlgen binds input field name to: by its json tag in
// generated models, by its name in bound ones.
func goInputField(t reflect.Type, name string) (reflect.Type, bool) {
	for i := range t.NumField() {
		sf := t.Field(i)
		tag, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if tag == name || tag == "" && strings.EqualFold(sf.Name, name) {
			return sf.Type, true
		}
	}
	return nil, false
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
