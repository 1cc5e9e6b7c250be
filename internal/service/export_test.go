package service

import (
	"context"

	"github.com/clientele/clientele/internal/background"
)

// BackgroundOf exposes the runner of s's background work, so a test can hold it up.
func BackgroundOf(s *Service) *background.Runner { return s.background }

// BackgroundWorkers is how many background jobs run at once.
const BackgroundWorkers = backgroundWorkers

// QueueMessage is s.queueMessage, for a test that rolls back the transaction it runs in.
func QueueMessage(s *Service, ctx context.Context, to, template, token string) error {
	return s.queueMessage(ctx, to, template, token)
}
