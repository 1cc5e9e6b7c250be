// Package auth holds who is calling (Principal), the JWT issuer/verifier, and password hashing.
package auth

import (
	"context"
	"slices"
	"sync"

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
	// CheckErr is why the bearer token of an anonymous principal was refused or could not be
	// checked (the database failing, say), so that an operation needing a caller can tell an
	// outage from a bad token.
	CheckErr error
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

// From returns the principal on ctx; an anonymous one when there is none. A pending credential
// is checked here, once per request, unless an operation has already folded its check into
// its own statement (see Unchecked).
func From(ctx context.Context) Principal {
	switch v := ctx.Value(principalKey{}).(type) {
	case Principal:
		return v
	case *Pending:
		return v.resolve(ctx)
	}
	return Principal{}
}

// Pending is a bearer token whose signature and lifetime are verified but whose database check
// has not run yet: the subject is active, its security stamp current, the token and its
// session not revoked, and an admin's permissions. The check runs at most once per request,
// on the first From, or inside the first statement of an operation that reads its own data
// and the check together (Unchecked, then Settle), which saves a round trip on the hot reads.
type Pending struct {
	kind     Kind
	claims   Claims
	foldable bool
	check    func(context.Context) (Principal, error)
	request  Principal // RequestID and IP, kept whatever the check says

	mu      sync.Mutex
	settled bool
	p       Principal
}

// NewPending returns a JWT credential of kind, to be checked by check. Its claims may be
// checked by an operation's own statement instead.
func NewPending(kind Kind, claims Claims, check func(context.Context) (Principal, error)) *Pending {
	return &Pending{kind: kind, claims: claims, foldable: true, check: check}
}

// NewOpaquePending returns a credential that only check can check (an API token).
func NewOpaquePending(check func(context.Context) (Principal, error)) *Pending {
	return &Pending{check: check}
}

// WithPending returns ctx carrying the credential; request holds the request's id and IP,
// which the principal keeps whether or not the credential passes its check.
func WithPending(ctx context.Context, request Principal, c *Pending) context.Context {
	c.request = request
	return context.WithValue(ctx, principalKey{}, c)
}

// Unchecked returns the kind and claims of the JWT on ctx when its database check has not run
// yet, so that the caller can run the check within its own statement and Settle the result.
func Unchecked(ctx context.Context) (*Pending, Kind, Claims, bool) {
	c, ok := ctx.Value(principalKey{}).(*Pending)
	if !ok || !c.foldable {
		return nil, Anonymous, Claims{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.settled {
		return nil, Anonymous, Claims{}, false
	}
	return c, c.kind, c.claims, true
}

// Settle records the outcome of a check run by an operation's own statement and returns the
// caller's principal: anonymous when err is not nil. When the credential was checked in the
// meantime, the first outcome stands.
func (c *Pending) Settle(p Principal, err error) Principal {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.settle(p, err)
	return c.p
}

func (c *Pending) resolve(ctx context.Context) Principal {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.settled {
		c.settle(c.check(ctx))
	}
	return c.p
}

func (c *Pending) settle(p Principal, err error) {
	if c.settled {
		return
	}
	if err != nil {
		p = Principal{CheckErr: err} // an invalid or unverifiable token leaves the caller anonymous
	}
	p.RequestID, p.IP = c.request.RequestID, c.request.IP
	c.p, c.settled = p, true
}
