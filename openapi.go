// Package clientele embeds the REST contract, openapi.yaml, so the binary serves the exact
// file partners generate SDKs from.
package clientele

import _ "embed"

// OpenAPIYAML is openapi.yaml as written.
//
//go:embed openapi.yaml
var OpenAPIYAML []byte
