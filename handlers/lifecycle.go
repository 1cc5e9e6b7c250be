package handlers

import (
	"context"

	"github.com/clientele/clientele/api"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/models"
)

// RequestPasswordReset emails a reset link when the email belongs to a customer.
func (s *Server) RequestPasswordReset(ctx context.Context, r api.RequestPasswordResetRequestObject) (api.RequestPasswordResetResponseObject, error) {
	if err := s.svc.RequestPasswordReset(ctx, actor(ctx), orZero(r.Body).Email); err != nil {
		return nil, err
	}
	return api.RequestPasswordReset202JSONResponse{Accepted: true}, nil
}

// ResetPassword sets a new password with a reset token.
func (s *Server) ResetPassword(ctx context.Context, r api.ResetPasswordRequestObject) (api.ResetPasswordResponseObject, error) {
	in := orZero(r.Body)
	t, err := s.svc.ResetPassword(ctx, actor(ctx), in.Token, in.NewPassword, in.ConfirmPassword)
	if err != nil {
		return nil, err
	}
	return api.ResetPassword200JSONResponse(toAPIToken(t)), nil
}

// SendVerifyEmail emails a verification link when the email belongs to a customer.
func (s *Server) SendVerifyEmail(ctx context.Context, r api.SendVerifyEmailRequestObject) (api.SendVerifyEmailResponseObject, error) {
	if err := s.svc.SendVerifyEmail(ctx, actor(ctx), orZero(r.Body).Email); err != nil {
		return nil, err
	}
	return api.SendVerifyEmail202JSONResponse{Accepted: true}, nil
}

// VerifyEmail marks an email verified.
func (s *Server) VerifyEmail(ctx context.Context, r api.VerifyEmailRequestObject) (api.VerifyEmailResponseObject, error) {
	c, err := s.svc.VerifyEmail(ctx, actor(ctx), orZero(r.Body).Token)
	if err != nil {
		return nil, err
	}
	out, err := s.customer(ctx, c)
	if err != nil {
		return nil, err
	}
	return api.VerifyEmail200JSONResponse(out), nil
}

// AcceptInvitation sets an invited customer's first password.
func (s *Server) AcceptInvitation(ctx context.Context, r api.AcceptInvitationRequestObject) (api.AcceptInvitationResponseObject, error) {
	in := orZero(r.Body)
	t, err := s.svc.AcceptInvitation(ctx, actor(ctx), in.Token, in.Password, in.ConfirmPassword)
	if err != nil {
		return nil, err
	}
	return api.AcceptInvitation200JSONResponse(toAPIToken(t)), nil
}

// RegenerateCustomerToken issues the calling customer's API token.
func (s *Server) RegenerateCustomerToken(ctx context.Context, _ api.RegenerateCustomerTokenRequestObject) (api.RegenerateCustomerTokenResponseObject, error) {
	token, err := s.svc.RegenerateCustomerToken(ctx, actor(ctx))
	if err != nil {
		return nil, err
	}
	return api.RegenerateCustomerToken200JSONResponse{Success: true, Token: token}, nil
}

// LockCustomer locks a customer.
func (s *Server) LockCustomer(ctx context.Context, r api.LockCustomerRequestObject) (api.LockCustomerResponseObject, error) {
	in := orZero(r.Body)
	c, err := s.svc.LockCustomer(ctx, actor(ctx), r.Id, in.Until, in.Reason)
	if err != nil {
		return nil, err
	}
	out, err := s.customer(ctx, c)
	if err != nil {
		return nil, err
	}
	return api.LockCustomer200JSONResponse(out), nil
}

// UnlockCustomer lifts a customer's lock.
func (s *Server) UnlockCustomer(ctx context.Context, r api.UnlockCustomerRequestObject) (api.UnlockCustomerResponseObject, error) {
	c, err := s.svc.UnlockCustomer(ctx, actor(ctx), r.Id)
	if err != nil {
		return nil, err
	}
	out, err := s.customer(ctx, c)
	if err != nil {
		return nil, err
	}
	return api.UnlockCustomer200JSONResponse(out), nil
}

// ListMessages returns a page of the outbox.
func (s *Server) ListMessages(ctx context.Context, r api.ListMessagesRequestObject) (api.ListMessagesResponseObject, error) {
	p := r.Params
	args := pageArgs(p.Limit, p.Cursor, p.WithTotal)
	page, err := s.svc.ListMessages(ctx, actor(ctx), service.MessageFilter{To: orZero(p.To), Template: string(orZero(p.Template))}, args)
	if err != nil {
		return nil, err
	}
	items := make([]api.Message, len(page.Items))
	for i, m := range page.Items {
		items[i] = toAPIMessage(m)
	}
	return api.ListMessages200JSONResponse{Items: items, NextCursor: nextCursor(page.NextCursor), TotalCount: page.Total}, nil
}

func toAPIMessage(m models.Message) api.Message {
	return api.Message{
		Id: m.ID, To: m.To, Subject: m.Subject, Template: api.MessageTemplate(m.Template), Body: m.Body,
		Status: api.MessageStatus(m.Status), CreatedAt: m.CreatedAt, SentAt: nullableOf(m.SentAt),
	}
}
