package main

import (
	"context"
	"database/sql"
	"maps"
	"slices"
	"sync"
	"time"
)

// feedMemory is the same-answer baseline's hand-written follower of the revocation feed
// (migration 13), deciding as Clientele does with CLIENTELE_REVOCATION_SYNC > 0 (SPEC §7 "At
// once"): it remembers the token ids and sessions revoked, and what the database said of each
// customer and admin whose token it checked (stamp, status, existence, an admin's
// permissions) until a feed row names them or an access-token lifetime has passed. It reads
// the feed twice an interval, re-reading ids that were skipped (auto-increment order is not
// commit order) until they commit or cannot any more, and stops vouching after three
// intervals without a read. With interval 0 it never vouches: every token is checked in the
// database.
type feedMemory struct {
	db                              *sql.DB
	interval, gapWait, keep, forget time.Duration

	mu       sync.RWMutex
	lastRead time.Time // the last successful read; zero: none since memory was last stale
	maxSeen  int64
	gaps     []idGap // ids below maxSeen not read yet, oldest first
	revoked  map[string]time.Time
	// customers and admins: what the database said of the subjects checked since a feed row
	// last named them.
	customers, admins map[string]subjectState
	gen               uint64 // counts forgettings, so a check that raced one does not learn
}

type feedOptions struct {
	interval time.Duration // CLIENTELE_REVOCATION_SYNC
	gapWait  time.Duration // how long a skipped id may still commit
	keep     time.Duration // how long after its expiry a row still matters (leeway and skew)
	forget   time.Duration // how long a subject learnt is kept (an access token's lifetime)
}

// subjectState is what the database says about a token's subject.
type subjectState struct {
	found, active bool
	stamp         string   // the stamp's digest, as tokens carry it
	permissions   []string // an admin's, sorted
	at            time.Time
}

func (s subjectState) admits(stamp string) bool { return s.found && s.active && s.stamp == stamp }

type idGap struct {
	lo, hi int64
	since  time.Time
}

type verdict int

const (
	unknown verdict = iota // check in the database, then learn
	accept
	refuse
)

func newFeedMemory(db *sql.DB, opt feedOptions) *feedMemory {
	return &feedMemory{db: db, interval: opt.interval, gapWait: opt.gapWait, keep: opt.keep, forget: opt.forget,
		revoked: map[string]time.Time{}, customers: map[string]subjectState{}, admins: map[string]subjectState{}}
}

// vouching reports whether memory is current enough to decide; m.mu is held.
func (m *feedMemory) vouching(now time.Time) bool {
	return m.interval > 0 && !m.lastRead.IsZero() && now.Sub(m.lastRead) <= 3*m.interval
}

// vouch decides on a token from memory; on unknown, ticket goes to learn with the database's answer.
func (m *feedMemory) vouch(c *tokenClaims, admin bool) (v verdict, permissions []string, ticket uint64) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !m.vouching(time.Now()) {
		return unknown, nil, m.gen
	}
	if _, ok := m.revoked[c.ID]; ok {
		return refuse, nil, m.gen
	}
	if _, ok := m.revoked[c.Session]; ok && c.Session != "" {
		return refuse, nil, m.gen
	}
	known := m.customers
	if admin {
		known = m.admins
	}
	st, ok := known[c.Subject]
	switch {
	case !ok:
		return unknown, nil, m.gen
	case !st.admits(c.Stamp):
		return refuse, nil, m.gen
	}
	return accept, st.permissions, m.gen
}

// learn keeps what the database said of a subject, unless a feed row made memory forget
// anything since ticket.
func (m *feedMemory) learn(ticket uint64, admin bool, subject string, st subjectState) {
	if m.interval == 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if ticket != m.gen {
		return
	}
	st.at = time.Now()
	if admin {
		m.admins[subject] = st
	} else {
		m.customers[subject] = st
	}
}

// follow polls the feed twice an interval until ctx ends.
func (m *feedMemory) follow(ctx context.Context) {
	t := time.NewTicker(m.interval / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = m.poll(ctx) // a failure shows as staleness: database checks after three intervals
		}
	}
}

// poll applies the feed rows not applied yet. After memory went stale it reads the whole feed
// and forgets the subjects it learnt (they may have changed unseen).
func (m *feedMemory) poll(ctx context.Context) error {
	if m.interval == 0 {
		return nil
	}
	m.mu.RLock()
	full := !m.vouching(time.Now())
	from := m.maxSeen
	if len(m.gaps) > 0 {
		from = m.gaps[0].lo - 1
	}
	m.mu.RUnlock()
	if full {
		from = 0
	}
	ctx, cancel := context.WithTimeout(ctx, max(3*m.interval, 5*time.Second))
	defer cancel()
	rows, err := m.read(ctx, from)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if full {
		clear(m.customers)
		clear(m.admins)
		m.gen++
		m.maxSeen, m.gaps = 0, nil
	}
	for _, r := range rows {
		if m.take(r.id, now) {
			m.apply(r, now)
		}
	}
	m.gaps = slices.DeleteFunc(m.gaps, func(g idGap) bool { return now.Sub(g.since) > m.gapWait })
	for k, exp := range m.revoked {
		if now.After(exp.Add(m.keep)) {
			delete(m.revoked, k)
		}
	}
	for _, known := range []map[string]subjectState{m.customers, m.admins} {
		maps.DeleteFunc(known, func(_ string, st subjectState) bool { return now.Sub(st.at) > m.forget })
	}
	m.lastRead = now
	return nil
}

type feedRow struct {
	id        int64
	kind, key string
	expires   time.Time
}

func (m *feedMemory) read(ctx context.Context, from int64) ([]feedRow, error) {
	rows, err := m.db.QueryContext(ctx, "SELECT id, kind, subject, expires_at FROM revocation_feed WHERE id > ? ORDER BY id", from)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []feedRow
	for rows.Next() {
		var r feedRow
		if err := rows.Scan(&r.id, &r.kind, &r.key, &r.expires); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// take records id as read and reports whether it was not before; m.mu is held. An id above
// the highest read leaves the ids skipped as a gap; an id in a gap fills it.
func (m *feedMemory) take(id int64, now time.Time) bool {
	if id > m.maxSeen {
		if id > m.maxSeen+1 {
			m.gaps = append(m.gaps, idGap{lo: m.maxSeen + 1, hi: id - 1, since: now})
		}
		m.maxSeen = id
		return true
	}
	i := slices.IndexFunc(m.gaps, func(g idGap) bool { return g.lo <= id && id <= g.hi })
	if i < 0 {
		return false
	}
	g := m.gaps[i]
	m.gaps = slices.Delete(m.gaps, i, i+1)
	var split []idGap
	if g.lo < id {
		split = append(split, idGap{lo: g.lo, hi: id - 1, since: g.since})
	}
	if id < g.hi {
		split = append(split, idGap{lo: id + 1, hi: g.hi, since: g.since})
	}
	m.gaps = slices.Insert(m.gaps, i, split...)
	return true
}

// apply changes memory for a feed row; m.mu is held.
func (m *feedMemory) apply(r feedRow, now time.Time) {
	if now.After(r.expires.Add(m.keep)) {
		return // every token it concerns has expired
	}
	switch r.kind {
	case "token":
		if r.expires.After(m.revoked[r.key]) {
			m.revoked[r.key] = r.expires
		}
	case "customer":
		delete(m.customers, r.key)
		m.gen++
	case "admin":
		delete(m.admins, r.key)
		m.gen++
	case "role":
		clear(m.admins)
		m.gen++
	}
}
