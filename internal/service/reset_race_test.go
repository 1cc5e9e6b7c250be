package service_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/internal/testdb"
	"github.com/clientele/clientele/models"
)

// TestParallelResetsLeaveOneLiveToken: of many password resets requested at once for one
// customer, whose tokens are issued by parallel background jobs, only the last stays usable
// ("a new one of a kind revokes the earlier ones", whatever the timing).
func TestParallelResetsLeaveOneLiveToken(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d, func(c *config.Config) { c.RateLimitPerEmail = 0 })
		ada := must[service.Registration](t)(s.Register(ctx, auth.Principal{IP: "192.0.2.1"}, registerInput("ada@example.com"))).Customer
		const requests = 12
		for range 3 { // a race shows only now and then: try a few rounds
			var wg sync.WaitGroup
			for i := range requests {
				wg.Go(func() {
					if err := s.RequestPasswordReset(ctx, auth.Principal{IP: fmt.Sprintf("192.0.2.%d", i)}, "ada@example.com"); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if err := s.WaitForBackground(ctx); err != nil {
				t.Fatal(err)
			}
			var live int64
			err := d.Gorm().Model(&models.OneTimeToken{}).
				Where("customer_id = ? AND purpose = ? AND used_at IS NULL", ada.ID, models.PurposePasswordReset).Count(&live).Error
			if err != nil {
				t.Fatal(err)
			}
			if live != 1 {
				t.Fatalf("%d usable reset tokens after %d parallel requests, want 1", live, requests)
			}
		}
	})
}
