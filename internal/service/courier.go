package service

import (
	"context"

	"github.com/clientele/clientele/models"
)

// Message templates.
const (
	TemplateVerifyEmail     = "VERIFY_EMAIL"
	TemplatePasswordReset   = "PASSWORD_RESET"
	TemplateInvitation      = "INVITATION"
	TemplatePasswordChanged = "PASSWORD_CHANGED"
)

// queueMessage puts an email in the outbox, in the transaction on ctx. token, when not
// empty, is a one-time token the message's link carries.
func (s *Service) queueMessage(ctx context.Context, to, template, token string) error {
	return nil
}

// sendVerification issues an email-verification token for c and queues VERIFY_EMAIL.
func (s *Service) sendVerification(ctx context.Context, c *models.Customer) error {
	return nil
}

// sendInvitation issues an invitation token for c (a customer without a password) and
// queues INVITATION.
func (s *Service) sendInvitation(ctx context.Context, c *models.Customer) error {
	return nil
}
