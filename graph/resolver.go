package graph

import "github.com/clientele/clientele/internal/service"

// Resolver is the root resolver; it holds only the service.
type Resolver struct {
	svc *service.Service
}
