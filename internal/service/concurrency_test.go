package service_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/internal/testdb"
)

// Limits count exactly, across instances: 50 parallel attempts against a limit of 20 in one
// window admit 20 (SPEC §7). The attempts go through two services on one database, as two
// instances would.
func TestRateLimitCountsExactlyUnderConcurrency(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		for _, tc := range []struct {
			name     string
			perEmail int
			perIP    int
			email    func(i int) string
		}{
			{name: "one email", perEmail: 20, email: func(int) string { return "nobody@example.com" }},
			{name: "one IP", perEmail: 20, perIP: 20, email: func(i int) string { return fmt.Sprintf("nobody%02d@example.com", i) }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				limits := func(c *config.Config) { c.RateLimitPerEmail, c.RateLimitPerIP = tc.perEmail, tc.perIP }
				instances := []*service.Service{newService(t, d, limits), newService(t, d, limits)}
				actor := auth.Principal{Kind: auth.Anonymous, IP: "192.0.2." + fmt.Sprint(len(tc.name))}
				var wg sync.WaitGroup
				errs := make([]error, 50)
				for i := range errs {
					wg.Add(1)
					go func() {
						defer wg.Done()
						errs[i] = instances[i%2].RequestPasswordReset(context.Background(), actor, tc.email(i))
					}()
				}
				wg.Wait()
				admitted, limited := 0, 0
				for _, err := range errs {
					switch {
					case err == nil:
						admitted++
					case apperr.KindOf(err) == apperr.RateLimited:
						limited++
					default:
						t.Errorf("unexpected error: %v", err)
					}
				}
				if admitted != 20 || limited != 30 {
					t.Fatalf("admitted %d and refused %d of 50 attempts, want 20 and 30", admitted, limited)
				}
			})
		}
	})
}
