// Package auth holds who is calling (Principal), the JWT issuer/verifier, and password hashing.
package auth

import (
	"context"
	"slices"

	"github.com/clientele/clientele/models"
)

// Kind says what sort of caller a Principal is.
type Kind int

const (
	Anonymous Kind = iota
	Customer
	Admin
	System // the service itself: bootstrap, CLI
)

// Principal is the authenticated caller of an operation.
type Principal struct {
	Kind        Kind
	ID          string
	Permissions []string // admins only: the union of their roles' permissions
	TokenID     string   // jti of the access token, empty for other credentials
	SessionID   string   // refresh-token family of the access token
	TokenExpiry int64    // unix seconds; how long a revoked jti must be remembered
	RequestID   string
	IP          string
	// Customer is the customer's row as read while authenticating its access token, so the
	// request that asks for it (`me`) need not read it again. Nil otherwise.
	Customer *models.Customer
}

// Can reports whether an admin principal holds permission (or `*`).
func (p Principal) Can(permission string) bool {
	return p.Kind == Admin && (slices.Contains(p.Permissions, "*") || slices.Contains(p.Permissions, permission))
}

type principalKey struct{}

// With returns ctx carrying p.
func With(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// From returns the principal on ctx; an anonymous one when there is none.
func From(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}
