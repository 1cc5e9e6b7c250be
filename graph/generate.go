// Package graph is Clientele's GraphQL face: thin resolvers over internal/service, the error
// presenter, and the handler wiring. generated/ and model/ are produced by gqlgen.
package graph

//go:generate go tool gqlgen generate --config gqlgen.yml
//go:generate go run ./internal/execpatch/rewrite generated/generated.go Customer Address CustomerGroup
//go:generate go run ./internal/writesdl schema.public.graphql
