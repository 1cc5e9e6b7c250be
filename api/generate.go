// Package api holds the code oapi-codegen generates from ../openapi.yaml: types, the echo strict server and a Go client.
package api

//go:generate go tool oapi-codegen -config oapi-codegen.yaml ../openapi.yaml
