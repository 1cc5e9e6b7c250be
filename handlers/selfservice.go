package handlers

import (
	"context"

	"github.com/clientele/clientele/api"
)

// IsEmailAvailable answers whether no customer has an email.
func (s *Server) IsEmailAvailable(ctx context.Context, r api.IsEmailAvailableRequestObject) (api.IsEmailAvailableResponseObject, error) {
	ok, err := s.svc.IsEmailAvailable(ctx, actor(ctx), r.Params.Email)
	if err != nil {
		return nil, err
	}
	return api.IsEmailAvailable200JSONResponse{IsEmailAvailable: ok}, nil
}

// ValidatePassword checks a password against the password rules.
func (s *Server) ValidatePassword(ctx context.Context, r api.ValidatePasswordRequestObject) (api.ValidatePasswordResponseObject, error) {
	in := orZero(r.Body)
	v := s.svc.ValidatePassword(in.Password, orZero(in.Email))
	out := api.PasswordValidation{Valid: v.Valid, Errors: make([]api.PasswordValidationError, len(v.Errors))}
	for i, e := range v.Errors {
		out.Errors[i] = api.PasswordValidationError{Code: api.PasswordValidationErrorCode(e.Code), Message: e.Message}
	}
	return api.ValidatePassword200JSONResponse(out), nil
}
