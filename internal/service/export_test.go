package service

import "github.com/clientele/clientele/internal/background"

// BackgroundOf exposes the runner of s's background work, so a test can hold it up.
func BackgroundOf(s *Service) *background.Runner { return s.background }

// BackgroundWorkers is how many background jobs run at once.
const BackgroundWorkers = backgroundWorkers
