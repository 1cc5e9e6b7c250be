// Command rewrite makes gqlgen's generated executor marshal the lists of the GraphQL types it
// names one element after another (package inorder says when that is right). go generate
// runs it after gqlgen:
//
//	go run ./internal/inorder/rewrite generated/generated.go Customer Address CustomerGroup
package main

import (
	"fmt"
	"os"

	"github.com/clientele/clientele/graph/internal/inorder"
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

func run(file string, types []string) error {
	src, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	out, err := inorder.Rewrite(src, types)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return os.WriteFile(file, out, 0o644)
}
