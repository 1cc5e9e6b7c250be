package service

import (
	"context"
	"time"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/revocation"
	"github.com/clientele/clientele/models"
)

// newRevocations is this instance's memory of revocations (SPEC §7 "At once"). A row in the
// feed may stay uncommitted as long as its transaction can run: the request's deadline, plus
// the driver's 30 s write timeout for a COMMIT already sent. A subject is read again from the
// database once an access token's lifetime after it was learnt, which bounds memory to the
// subjects active within it.
func (s *Service) newRevocations() *revocation.Feed {
	return revocation.New(s.db, s.log, revocation.Options{
		Interval: s.cfg.RevocationSync,
		GapWait:  s.cfg.RequestTimeout + 30*time.Second,
		Keep:     auth.Leeway + MaxClockSkew,
		Forget:   s.cfg.AccessTokenTTL,
	})
}

// FollowRevocations reads the other instances' revocations until ctx ends (see
// revocation.Feed.Follow); with CLIENTELE_REVOCATION_SYNC=0 it returns at once.
func (s *Service) FollowRevocations(ctx context.Context) { s.revocations.Follow(ctx) }

// revokeInFeed records events in the revocation feed, in the transaction on ctx.
func (s *Service) revokeInFeed(ctx context.Context, events ...revocation.Event) error {
	return dbErr(s.revocations.Append(ctx, events...), "", "")
}

// subjectsChanged records that the security stamp, status, existence or roles of the
// customers or admins ids changed: their tokens are checked against what they are now.
func (s *Service) subjectsChanged(ctx context.Context, subjectType string, ids ...string) error {
	kind := revocation.Customer
	if subjectType == models.SubjectAdmin {
		kind = revocation.Admin
	}
	// A token issued before now expires by then: after that the change concerns none.
	expires := s.now().Add(s.cfg.AccessTokenTTL)
	events := make([]revocation.Event, len(ids))
	for i, id := range ids {
		events[i] = revocation.Event{Kind: kind, Key: id, Expires: expires}
	}
	return s.revokeInFeed(ctx, events...)
}

// feedClaims is what the revocation memory needs of an access token of kind.
func feedClaims(kind auth.Kind, c auth.Claims) revocation.Claims {
	return revocation.Claims{Admin: kind == auth.Admin, Subject: c.Subject, ID: c.ID, Session: c.Session, Stamp: c.Stamp}
}
