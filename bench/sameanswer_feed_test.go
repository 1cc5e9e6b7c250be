package main

import (
	"context"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/testdb"
)

// The same-answer baseline's feed follower must decide as Clientele's (internal/revocation):
// these are the cases of its tests that the bench's own revocation check cannot reach.

func newTestMemory(t *testing.T, d *db.DB, gapWait time.Duration) *feedMemory {
	t.Helper()
	m := newFeedMemory(d.SQL(), feedOptions{interval: time.Minute, gapWait: gapWait, keep: time.Minute, forget: 15 * time.Minute})
	pollOK(t, m)
	return m
}

func pollOK(t *testing.T, m *feedMemory) {
	t.Helper()
	if err := m.poll(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func insertFeedRow(t *testing.T, d *db.DB, id int64, kind, key string, expires time.Time) {
	t.Helper()
	if _, err := d.SQL().Exec("INSERT INTO revocation_feed (id, kind, subject, expires_at) VALUES (?, ?, ?, ?)", id, kind, key, expires.UTC()); err != nil {
		t.Fatal(err)
	}
}

// knownToken is a customer's token with id jti whose subject memory learnt to be good.
func knownToken(m *feedMemory, jti string) *tokenClaims {
	c := &tokenClaims{Stamp: "stamp", Session: "s-" + jti}
	c.ID, c.Subject = jti, "c-"+jti
	_, _, ticket := m.vouch(c, false)
	m.learn(ticket, false, c.Subject, subjectState{found: true, active: true, stamp: "stamp"})
	return c
}

func wantVerdictOf(t *testing.T, m *feedMemory, c *tokenClaims, want verdict) {
	t.Helper()
	if got, _, _ := m.vouch(c, false); got != want {
		t.Fatalf("token %s: verdict %d, want %d", c.ID, got, want)
	}
}

// TestFeedRowsThatCommitLateAreRead: ids 1 and 3 commit before 2; the poll after 2 commits
// applies it, and row 3, read again meanwhile, is applied once (it does not make memory
// forget what it learnt after).
func TestFeedRowsThatCommitLateAreRead(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		m := newTestMemory(t, d, time.Minute)
		exp := time.Now().Add(15 * time.Minute)
		insertFeedRow(t, d, 1, "token", "a", exp)
		insertFeedRow(t, d, 3, "customer", "c-x", exp)
		pollOK(t, m)
		wantVerdictOf(t, m, knownToken(m, "a"), refuse)
		x := knownToken(m, "x")
		wantVerdictOf(t, m, x, accept)
		pollOK(t, m)
		wantVerdictOf(t, m, x, accept)
		insertFeedRow(t, d, 2, "token", "b", exp)
		pollOK(t, m)
		wantVerdictOf(t, m, knownToken(m, "b"), refuse)
		wantVerdictOf(t, m, x, accept)
	})
}

// TestFeedGapsAreGivenUp: an id missing for longer than the gap wait belonged to a rolled-back
// transaction; a row that shows up with it later is not read.
func TestFeedGapsAreGivenUp(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		m := newTestMemory(t, d, time.Millisecond)
		exp := time.Now().Add(15 * time.Minute)
		insertFeedRow(t, d, 1, "token", "a", exp)
		insertFeedRow(t, d, 3, "token", "c", exp)
		pollOK(t, m)
		time.Sleep(5 * time.Millisecond)
		pollOK(t, m)
		insertFeedRow(t, d, 2, "token", "b", exp)
		pollOK(t, m)
		wantVerdictOf(t, m, knownToken(m, "b"), accept)
		wantVerdictOf(t, m, knownToken(m, "c"), refuse)
	})
}

// TestFeedStaleMemoryFallsBack: memory not read for three intervals decides nothing; the
// next read reads the whole feed and forgets the subjects learnt, and rows past their
// expiry and keep are not applied.
func TestFeedStaleMemoryFallsBack(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		m := newTestMemory(t, d, time.Minute)
		now := time.Now()
		insertFeedRow(t, d, 1, "token", "a", now.Add(15*time.Minute))
		insertFeedRow(t, d, 2, "token", "old", now.Add(-2*time.Minute))
		pollOK(t, m)
		x := knownToken(m, "x")
		wantVerdictOf(t, m, x, accept)
		wantVerdictOf(t, m, knownToken(m, "old"), accept)
		m.mu.Lock()
		m.lastRead = now.Add(-3*m.interval - time.Second)
		m.mu.Unlock()
		wantVerdictOf(t, m, x, unknown)
		wantVerdictOf(t, m, &tokenClaims{Session: "a"}, unknown)
		pollOK(t, m)
		wantVerdictOf(t, m, x, unknown)
		wantVerdictOf(t, m, knownToken(m, "a"), refuse)
	})
}
