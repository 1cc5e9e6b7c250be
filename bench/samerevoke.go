package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/clientele/clientele/internal/auth"
)

// checkRevocations proves that the same-answer baseline keeps Clientele's promise for tokens
// in the bench's mode (SPEC §7 "At once"): a token it accepted is refused within the sync
// interval after Clientele revokes it, at once with -sync 0. It revokes, through Clientele, a
// customer's token (its jti and session), every token of that customer (a new stamp) and an
// admin's token; the other tokens must still pass. With -sync > 0 the baseline must have
// vouched for the tokens from memory before, or this would prove only the database check.
func (e *env) checkRevocations() error {
	ctx := context.Background()
	// Not the measured tokens' subjects: emails[0] holds the customer token of getMe, and the
	// admin is signed out of one session only.
	var customer [2]string
	for i := range customer {
		tok, err := e.svc.GenerateCustomerToken(ctx, auth.Principal{}, e.emails[1], password)
		if err != nil {
			return err
		}
		customer[i] = tok.AccessToken
	}
	tok, err := e.svc.GenerateAdminToken(ctx, auth.Principal{}, adminEmail, password)
	if err != nil {
		return err
	}
	admin := tok.AccessToken
	me := func(token string) func(string) *http.Request {
		return func(base string) *http.Request { return newRequest("GET", base+"/v1/me", token, nil) }
	}
	read := func(token string) func(string) *http.Request {
		return func(base string) *http.Request { return newRequest("GET", base+"/v1/customers/"+e.ids[1], token, nil) }
	}
	steps := []struct {
		what        string
		read        func(base string) *http.Request
		revoke      *http.Request
		stillGood   func(base string) *http.Request // nil: none
		refusedWhen time.Duration
	}{
		{what: "a signed-out customer token", read: me(customer[0]),
			revoke: newRequest("POST", e.clientele.base+"/v1/auth/customer/revoke", customer[0], nil), stillGood: me(customer[1])},
		{what: "a customer's token after sign-out everywhere (a new stamp)", read: me(customer[1]),
			revoke: newRequest("POST", e.clientele.base+"/v1/auth/customer/revoke", customer[1], []byte(`{"everywhere":true}`))},
		{what: "a signed-out admin token", read: read(admin),
			revoke: newRequest("POST", e.clientele.base+"/v1/auth/admin/revoke", admin, nil), stillGood: read(e.adminToken)},
	}
	for _, s := range steps {
		if err := e.sameAccepts(s.read, true); err != nil {
			return fmt.Errorf("before revoking %s: %w", s.what, err)
		}
	}
	for i, s := range steps {
		start := time.Now()
		if status, body, err := send(s.revoke); err != nil || status != http.StatusOK {
			return fmt.Errorf("revoking %s on Clientele: %d %.200s %v", s.what, status, body, err)
		}
		for {
			sent := time.Now()
			status, body, err := send(s.read(e.same.base))
			if err != nil {
				return err
			}
			if status == http.StatusUnauthorized {
				steps[i].refusedWhen = sent.Sub(start)
				break
			}
			if status != http.StatusOK {
				return fmt.Errorf("%s: the same-answer baseline answered %d %.200s", s.what, status, body)
			}
			if sent.Sub(start) > e.sync {
				return fmt.Errorf("the same-answer baseline still accepts %s %s after Clientele revoked it (sync %s)",
					s.what, sent.Sub(start).Round(time.Millisecond), e.sync)
			}
			time.Sleep(5 * time.Millisecond)
		}
		if status, _, err := send(s.read(e.clientele.base)); err != nil || status != http.StatusUnauthorized {
			return fmt.Errorf("Clientele answers %d for %s: %v", status, s.what, err)
		}
		if s.stillGood != nil {
			if err := e.sameAccepts(s.stillGood, false); err != nil {
				return fmt.Errorf("after revoking %s, another token: %w", s.what, err)
			}
		}
	}
	var refused []string
	for _, s := range steps {
		refused = append(refused, fmt.Sprintf("%s by %s", s.what, s.refusedWhen.Round(time.Millisecond)))
	}
	fmt.Printf("revocations through Clientele, refused by the same-answer baseline: %s\n", strings.Join(refused, "; "))
	return nil
}

// sameAccepts sends a request to the same-answer baseline twice and fails unless both pass;
// with -sync > 0 and fromMemory, the second must be decided by the revocation memory (the
// first taught it the subject).
func (e *env) sameAccepts(req func(base string) *http.Request, fromMemory bool) error {
	for i := range 2 {
		before := e.sameAnswer.vouched.Load()
		status, body, err := send(req(e.same.base))
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			return fmt.Errorf("the same-answer baseline answered %d %.200s", status, body)
		}
		if i == 1 && fromMemory && e.sync > 0 && e.sameAnswer.vouched.Load() == before {
			return fmt.Errorf("the same-answer baseline checked a learnt subject's token in the database, not in memory")
		}
	}
	return nil
}
