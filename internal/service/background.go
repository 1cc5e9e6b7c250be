package service

import (
	"context"
	"time"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/models"
)

// Background work: the writes behind requestPasswordReset and sendVerifyEmail start
// backgroundDelay after the answer, at most backgroundWorkers at a time with backgroundQueue
// more waiting, each under CLIENTELE_REQUEST_TIMEOUT.
const (
	backgroundDelay   = 10 * time.Millisecond
	backgroundWorkers = 4
	backgroundQueue   = 256
)

// WaitForBackground returns once the background work queued so far has finished (or ctx ends):
// what a request started is then in the database.
func (s *Service) WaitForBackground(ctx context.Context) error { return s.background.Wait(ctx) }

// Shutdown stops taking background work and waits, until ctx ends, for the work already
// taken. Call it after the HTTP server has stopped and before the database is closed.
func (s *Service) Shutdown(ctx context.Context) error { return s.background.Close(ctx) }

// mailCustomer answers a request to mail the customer with email (a reset or verification
// link) alike, and in about the same time, whether or not there is one (SPEC §7): after the
// rate limit it only asks the unique email index whether the address is taken, and hands a job
// to the background either way: for a taken address, a transaction that reads the ACTIVE
// customer again and gives it to work (which writes the token, the message and the audit
// event); for another, nothing, but handed over the same way, since waking a worker has a cost
// of its own. The lookup stays in the request, so an unreachable database is UNAVAILABLE.
func (s *Service) mailCustomer(ctx context.Context, actor auth.Principal, action, email, job string,
	work func(ctx context.Context, c *models.Customer) error) error {
	if err := s.checkRateLimit(ctx, actor, action, email); err != nil {
		return err
	}
	email = normalizeEmail(email)
	if email == "" {
		return nil
	}
	var ids []string
	if err := s.db.Conn(ctx).Model(&models.Customer{}).Where("email = ?", email).Limit(1).Pluck("id", &ids).Error; err != nil {
		return dbErr(err, "", "")
	}
	later := func(context.Context) error { return nil }
	if len(ids) > 0 {
		later = func(ctx context.Context) error {
			return s.db.Tx(ctx, func(ctx context.Context) error {
				// The row lock comes first: on MySQL the transaction's snapshot is taken at its
				// first plain read, and it must include a token another job just issued for
				// this customer, so that issueOneTimeToken revokes it.
				if err := s.lockRow(ctx, "customers", ids[0]); err != nil {
					return err
				}
				c, ok, err := s.activeCustomerByEmail(ctx, email)
				if err != nil || !ok {
					return err
				}
				return work(ctx, &c)
			})
		}
	}
	if err := s.background.Go(ctx, job, later); err != nil { // the queue stayed full until the deadline, or the process is stopping
		return &apperr.Error{Kind: apperr.Unavailable, Message: "The service is busy; try again.", RetryAfter: 1, Err: err}
	}
	return nil
}
