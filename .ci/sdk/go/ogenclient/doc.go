// Package ogenclient is the Go client ogen generates from Clientele's openapi.yaml with ogen.yml;
// ../check writes the oas_*_gen.go files (not committed).
package ogenclient
