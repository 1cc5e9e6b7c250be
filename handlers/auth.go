package handlers

import (
	"context"

	"github.com/oapi-codegen/nullable"

	"github.com/clientele/clientele/api"
)

// RegisterCustomer signs a person up.
func (s *Server) RegisterCustomer(ctx context.Context, r api.RegisterCustomerRequestObject) (api.RegisterCustomerResponseObject, error) {
	reg, err := s.svc.Register(ctx, actor(ctx), registerInput(orZero(r.Body)))
	if err != nil {
		return nil, err
	}
	out, err := s.customer(ctx, reg.Customer)
	if err != nil {
		return nil, err
	}
	company := nullable.NewNullNullable[api.Company]()
	if reg.Company != nil {
		c, err := s.company(ctx, *reg.Company)
		if err != nil {
			return nil, err
		}
		company.Set(c)
	}
	return api.RegisterCustomer201JSONResponse{Customer: out, Company: company}, nil
}

// GenerateCustomerToken signs a customer in.
func (s *Server) GenerateCustomerToken(ctx context.Context, r api.GenerateCustomerTokenRequestObject) (api.GenerateCustomerTokenResponseObject, error) {
	in := orZero(r.Body)
	t, err := s.svc.GenerateCustomerToken(ctx, actor(ctx), in.Email, in.Password)
	if err != nil {
		return nil, err
	}
	return api.GenerateCustomerToken200JSONResponse(toAPIToken(t)), nil
}

// GenerateAdminToken signs an admin in.
func (s *Server) GenerateAdminToken(ctx context.Context, r api.GenerateAdminTokenRequestObject) (api.GenerateAdminTokenResponseObject, error) {
	in := orZero(r.Body)
	t, err := s.svc.GenerateAdminToken(ctx, actor(ctx), in.Email, in.Password)
	if err != nil {
		return nil, err
	}
	return api.GenerateAdminToken200JSONResponse(toAPIToken(t)), nil
}

// RefreshToken rotates a refresh token.
func (s *Server) RefreshToken(ctx context.Context, r api.RefreshTokenRequestObject) (api.RefreshTokenResponseObject, error) {
	t, err := s.svc.RefreshToken(ctx, actor(ctx), orZero(r.Body).RefreshToken)
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
	return orZero(orZero(in).Everywhere)
}

// orZero reads an optional request body: a missing body is an empty object, so the service
// checks the caller first and then reports every missing field.
func orZero[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// patchBody picks the merge patch from whichever content type carried it; no body is an
// empty patch.
func patchBody[T any](asJSON, asMergePatch *T) T {
	if asMergePatch != nil {
		return *asMergePatch
	}
	return orZero(asJSON)
}
