// Command rewrite applies package execpatch to gqlgen's generated executor: no per-request
// input-unmarshaler map, and the lists of the GraphQL types it names marshalled in order.
// go generate runs it after gqlgen:
//
//	go run ./internal/execpatch/rewrite generated/generated.go Customer Address CustomerGroup
package main

import (
	"fmt"
	"os"

	"github.com/clientele/clientele/graph/internal/execpatch"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: rewrite FILE TYPE...")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(file string, inOrder []string) error {
	src, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	out, err := execpatch.NoUnmarshalerMap(src)
	if err == nil {
		out, err = execpatch.InOrder(out, inOrder)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return os.WriteFile(file, out, 0o644)
}
