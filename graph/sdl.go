package graph

import (
	"bytes"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/clientele/clientele/graph/generated"
)

// PublicSDL is the schema as GET /graphql/schema.graphql publishes it (and
// schema.public.graphql holds it for client generators): the types and fields of the
// executable schema with only the GraphQL spec's own directives (@deprecated, @specifiedBy,
// @oneOf). The directives the schema files declare themselves (@goField, @goModel) tell gqlgen
// how to generate the server; a client has no use for them, and a tool that reads the SDL
// without their declarations would reject it.
func PublicSDL() []byte {
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	spec := func(name string) bool {
		d := schema.Directives[name]
		return d != nil && d.Position != nil && d.Position.Src != nil && d.Position.Src.BuiltIn
	}
	// The executable schema is shared with the server: the copy is filtered, never the original.
	public := *schema
	public.Directives = map[string]*ast.DirectiveDefinition{}
	for name, d := range schema.Directives {
		if spec(name) {
			public.Directives[name] = d
		}
	}
	public.SchemaDirectives = directives(schema.SchemaDirectives, spec)
	public.Types = make(map[string]*ast.Definition, len(schema.Types))
	for name, t := range schema.Types {
		c := *t
		c.Directives = directives(t.Directives, spec)
		c.Fields = make(ast.FieldList, len(t.Fields))
		for i, f := range t.Fields {
			cf := *f
			cf.Directives = directives(f.Directives, spec)
			cf.Arguments = make(ast.ArgumentDefinitionList, len(f.Arguments))
			for j, a := range f.Arguments {
				ca := *a
				ca.Directives = directives(a.Directives, spec)
				cf.Arguments[j] = &ca
			}
			c.Fields[i] = &cf
		}
		c.EnumValues = make(ast.EnumValueList, len(t.EnumValues))
		for i, v := range t.EnumValues {
			cv := *v
			cv.Directives = directives(v.Directives, spec)
			c.EnumValues[i] = &cv
		}
		public.Types[name] = &c
	}
	var sdl bytes.Buffer
	formatter.NewFormatter(&sdl, formatter.WithIndent("  ")).FormatSchema(&public)
	return sdl.Bytes()
}

// directives keeps the directives in list that keep says to.
func directives(list ast.DirectiveList, keep func(name string) bool) ast.DirectiveList {
	var out ast.DirectiveList
	for _, d := range list {
		if keep(d.Name) {
			out = append(out, d)
		}
	}
	return out
}
