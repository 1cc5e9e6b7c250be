package handlers

import (
	"context"

	"github.com/clientele/clientele/api"
)

// RegisterCustomer signs a person up.
func (s *Server) RegisterCustomer(ctx context.Context, r api.RegisterCustomerRequestObject) (api.RegisterCustomerResponseObject, error) {
	in := r.Body
	if in == nil {
		return nil, errNoBody
	}
	c, err := s.svc.Register(ctx, actor(ctx), registerInput(*in))
	if err != nil {
		return nil, err
	}
	return api.RegisterCustomer201JSONResponse{Customer: toAPICustomer(c)}, nil
}

// GenerateCustomerToken signs a customer in.
func (s *Server) GenerateCustomerToken(ctx context.Context, r api.GenerateCustomerTokenRequestObject) (api.GenerateCustomerTokenResponseObject, error) {
	if r.Body == nil {
		return nil, errNoBody
	}
	t, err := s.svc.GenerateCustomerToken(ctx, actor(ctx), r.Body.Email, r.Body.Password)
	if err != nil {
		return nil, err
	}
	return api.GenerateCustomerToken200JSONResponse(toAPIToken(t)), nil
}

// GenerateAdminToken signs an admin in.
func (s *Server) GenerateAdminToken(ctx context.Context, r api.GenerateAdminTokenRequestObject) (api.GenerateAdminTokenResponseObject, error) {
	if r.Body == nil {
		return nil, errNoBody
	}
	t, err := s.svc.GenerateAdminToken(ctx, actor(ctx), r.Body.Email, r.Body.Password)
	if err != nil {
		return nil, err
	}
	return api.GenerateAdminToken200JSONResponse(toAPIToken(t)), nil
}

// RefreshToken rotates a refresh token.
func (s *Server) RefreshToken(ctx context.Context, r api.RefreshTokenRequestObject) (api.RefreshTokenResponseObject, error) {
	if r.Body == nil {
		return nil, errNoBody
	}
	t, err := s.svc.RefreshToken(ctx, actor(ctx), r.Body.RefreshToken)
	if err != nil {
		return nil, err
	}
	return api.RefreshToken200JSONResponse(toAPIToken(t)), nil
}

// RevokeCustomerToken signs the calling customer out.
func (s *Server) RevokeCustomerToken(ctx context.Context, r api.RevokeCustomerTokenRequestObject) (api.RevokeCustomerTokenResponseObject, error) {
	if err := s.svc.RevokeCustomerToken(ctx, actor(ctx), everywhere(r.Body)); err != nil {
		return nil, err
	}
	return api.RevokeCustomerToken200JSONResponse{Result: true}, nil
}

// RevokeAdminToken signs the calling admin out.
func (s *Server) RevokeAdminToken(ctx context.Context, r api.RevokeAdminTokenRequestObject) (api.RevokeAdminTokenResponseObject, error) {
	if err := s.svc.RevokeAdminToken(ctx, actor(ctx), everywhere(r.Body)); err != nil {
		return nil, err
	}
	return api.RevokeAdminToken200JSONResponse{Result: true}, nil
}

func everywhere(in *api.RevokeTokenInput) bool {
	return in != nil && in.Everywhere != nil && *in.Everywhere
}
