package handlers

import (
	"context"
	"time"

	"github.com/clientele/clientele/api"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/service"
)

// Server implements api.StrictServerInterface over the service.
type Server struct {
	svc *service.Service
}

var _ api.StrictServerInterface = (*Server)(nil)

// NewServer returns the REST handlers.
func NewServer(svc *service.Service) *Server { return &Server{svc: svc} }

// GetHealth answers while the process runs.
func (s *Server) GetHealth(context.Context, api.GetHealthRequestObject) (api.GetHealthResponseObject, error) {
	return api.GetHealth200JSONResponse{Status: "ok"}, nil
}

// ReadinessTimeout bounds /readyz's ping: a hung database must answer 503 within 2 s
// (SPEC §9 "Deadlines"), not hold the probe until the pool's read timeout.
const ReadinessTimeout = time.Second

// GetReadiness answers 200 while the database does, 503 otherwise.
func (s *Server) GetReadiness(ctx context.Context, _ api.GetReadinessRequestObject) (api.GetReadinessResponseObject, error) {
	ctx, cancel := context.WithTimeout(ctx, ReadinessTimeout)
	defer cancel()
	if err := s.svc.Ready(ctx); err != nil {
		return nil, err
	}
	return api.GetReadiness200JSONResponse{Status: "ok"}, nil
}

func actor(ctx context.Context) auth.Principal { return auth.From(ctx) }
