// Package oapiclient is the Go client oapi-codegen generates from Clientele's openapi.yaml with
// oapi-codegen.yaml; ../check writes client.gen.go (not committed).
package oapiclient
