// Command writesdl writes the published GraphQL schema (graph.PublicSDL) to the file named by
// its argument, for client generators that read a file (.ci/graphql). go generate runs it.
package main

import (
	"fmt"
	"os"

	"github.com/clientele/clientele/graph"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: writesdl FILE")
		os.Exit(2)
	}
	if err := os.WriteFile(os.Args[1], graph.PublicSDL(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
