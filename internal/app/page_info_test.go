package app_test

import (
	"fmt"
	"testing"
)

// TestPageInfo walks connections a page of one at a time through GraphQL: Relay's four
// PageInfo fields agree with the edges on the first page, a later page and the last page, and
// an empty page has no cursors.
func TestPageInfo(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		f := &graphFace{e}
		for i := range 3 {
			f.Register(registration(fmt.Sprintf("page-info-%d@example.com", i))).ok(t)
			graphql(t, e.url, e.admin, `mutation($n: String!) { createCustomerGroup(input: {name: $n}) { id } }`,
				map[string]any{"n": fmt.Sprintf("Page info %d", i)}, "createCustomerGroup").ok(t)
		}
		e.settle()
		const selection = `(first: 1, after: $after) { edges { cursor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }`
		for _, conn := range []string{"customers", "customerGroups", "auditEvents", "messages"} {
			t.Run(conn, func(t *testing.T) {
				var after any // the first page: no cursor
				for page := 0; page < 100; page++ {
					data := graphql(t, e.url, e.admin, `query($after: String) { `+conn+selection+` }`, map[string]any{"after": after}, conn).ok(t)
					edges := data["edges"].([]any)
					info := data["pageInfo"].(map[string]any)
					if len(edges) != 1 {
						t.Fatalf("page %d: %d edges", page, len(edges))
					}
					cursor := edges[0].(map[string]any)["cursor"]
					if info["startCursor"] != cursor || info["endCursor"] != cursor {
						t.Errorf("page %d: startCursor %v, endCursor %v, edge %v", page, info["startCursor"], info["endCursor"], cursor)
					}
					if info["hasPreviousPage"] != (page > 0) {
						t.Errorf("page %d: hasPreviousPage %v", page, info["hasPreviousPage"])
					}
					if info["hasNextPage"] == false {
						if page < 2 {
							t.Errorf("only %d pages", page+1)
						}
						break
					}
					after = info["endCursor"]
				}
			})
		}

		t.Run("empty", func(t *testing.T) {
			data := graphql(t, e.url, e.admin, `{ customers(filter: {email: "nobody@example.com"}) { edges { cursor }
				pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, nil, "customers").ok(t)
			info := data["pageInfo"].(map[string]any)
			if len(data["edges"].([]any)) != 0 || info["startCursor"] != nil || info["endCursor"] != nil ||
				info["hasNextPage"] != false || info["hasPreviousPage"] != false {
				t.Errorf("empty page: %v", data)
			}
		})
	})
}
