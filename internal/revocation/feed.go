// Package revocation lets an instance vouch for an access token from memory (SPEC §7 "At
// once"). Memory holds the token ids and sessions revoked, and what the database said of each
// customer and admin whose token was checked lately (security stamp, status, existence, an
// admin's permissions). Every change to any of that appends a row to the revocation_feed
// table in the change's own transaction: the instance that made it applies the row once it
// commits, and every instance reads the others' rows twice an interval, forgetting what it
// knew of the subjects they name. When it cannot read them for three intervals it stops
// vouching, and the caller checks each token against the database again.
package revocation

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/clientele/clientele/internal/db"
)

// Kind is what a feed row says changed.
type Kind string

// The kinds of feed rows. Key is a token id or session for Token, the subject's id for
// Customer and Admin, the role's id for Role.
const (
	Token    Kind = "token"    // a token id (jti) or session (refresh-token family) is revoked
	Customer Kind = "customer" // a customer's stamp, status or existence changed
	Admin    Kind = "admin"    // an admin's stamp, status, existence or roles changed
	Role     Kind = "role"     // a role's permissions changed, so every admin's may have
)

// Event is one row of the feed. Expires is when the last token it concerns expires.
type Event struct {
	Kind    Kind
	Key     string
	Expires time.Time
}

// State is what the database says about a token's subject.
type State struct {
	Found       bool
	Active      bool
	Stamp       string   // digest of the security stamp, as tokens carry it
	Permissions []string // an admin's, sorted
}

// Admits reports whether a token carrying stamp is good for the subject.
func (s State) Admits(stamp string) bool { return s.Found && s.Active && s.Stamp == stamp }

// Claims is what the check needs of an access token.
type Claims struct {
	Admin   bool
	Subject string
	ID      string // jti
	Session string
	Stamp   string
}

// Verdict is what memory says of a token.
type Verdict int

const (
	// Unknown: memory cannot vouch; check the token against the database (and Learn).
	Unknown Verdict = iota
	Accept
	Refuse
)

// Options configure a Feed.
type Options struct {
	// Interval is CLIENTELE_REVOCATION_SYNC: other instances' changes apply within it. 0
	// turns the memory off: Vouch is always Unknown, and Append only writes the rows.
	Interval time.Duration
	// GapWait is how long an id missing below the newest one read may still commit: longer
	// than any transaction that wrote a row can take to commit.
	GapWait time.Duration
	// Keep is how long after Expires an event still matters (the tokens' leeway and the
	// clock skew between instances).
	Keep time.Duration
	// Forget is how long what was learnt of a subject is kept: memory holds the subjects
	// checked within it.
	Forget time.Duration
	Now    func() time.Time // nil: time.Now
}

// Feed is one instance's memory of revocations and its reader of the feed.
type Feed struct {
	db  *db.DB
	log *slog.Logger
	opt Options

	mu       sync.RWMutex
	loaded   bool      // a read has succeeded since the memory was last stale
	lastRead time.Time // the last successful read
	maxSeen  int64     // the highest id read
	gaps     []gap     // ids below maxSeen not read yet, oldest first
	revoked  map[string]time.Time
	// customers and admins hold what the database said of the subjects checked since they
	// last changed; a subject not here is unknown.
	customers, admins map[string]learnt
	// gen counts the changes to customers and admins, so that a check that read the database
	// while one happened does not store what it read (Learn).
	gen uint64
}

type learnt struct {
	State
	at time.Time
}

// gap is a run of ids, lo to hi, that may yet commit; since is when it was first missed.
type gap struct {
	lo, hi int64
	since  time.Time
}

// New returns the feed of d. Read it once (Poll) before vouching for anything.
func New(d *db.DB, log *slog.Logger, opt Options) *Feed {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Feed{db: d, log: log, opt: opt, revoked: map[string]time.Time{}, customers: map[string]learnt{}, admins: map[string]learnt{}}
}

// enabled reports whether the memory is in use (CLIENTELE_REVOCATION_SYNC is not 0).
func (f *Feed) enabled() bool { return f.opt.Interval > 0 }

// vouching reports whether memory is current enough to decide: read within three intervals.
func (f *Feed) vouching(now time.Time) bool {
	return f.opt.Interval > 0 && f.loaded && now.Sub(f.lastRead) <= 3*f.opt.Interval
}

// Vouch decides on a token from memory. On Unknown, ticket is what to give Learn with the
// database's answer.
func (f *Feed) Vouch(c Claims) (v Verdict, permissions []string, ticket uint64) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if !f.vouching(f.opt.Now()) {
		return Unknown, nil, f.gen
	}
	if _, ok := f.revoked[c.ID]; ok {
		return Refuse, nil, f.gen
	}
	if _, ok := f.revoked[c.Session]; ok && c.Session != "" {
		return Refuse, nil, f.gen
	}
	known := f.customers
	if c.Admin {
		known = f.admins
	}
	state, ok := known[c.Subject]
	switch {
	case !ok:
		return Unknown, nil, f.gen
	case !state.Admits(c.Stamp):
		return Refuse, nil, f.gen
	}
	return Accept, state.Permissions, f.gen
}

// Learn keeps what the database said of a subject after Vouch was Unknown, unless the
// subject (or any other) changed since ticket: then the next check reads it again.
func (f *Feed) Learn(ticket uint64, admin bool, subject string, s State) {
	if !f.enabled() {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if ticket != f.gen {
		return
	}
	known := f.customers
	if admin {
		known = f.admins
	}
	known[subject] = learnt{State: s, at: f.opt.Now()}
}

// Append writes events to the feed in the transaction on ctx, and applies them to this
// instance's memory once it commits.
func (f *Feed) Append(ctx context.Context, events ...Event) error {
	if len(events) == 0 {
		return nil
	}
	values := strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", len(events)), ", ")
	args := make([]any, 0, 3*len(events))
	for _, e := range events {
		args = append(args, string(e.Kind), e.Key, e.Expires.UTC())
	}
	if err := f.db.Conn(ctx).Exec("INSERT INTO revocation_feed (kind, subject, expires_at) VALUES "+values, args...).Error; err != nil {
		return err
	}
	if f.enabled() {
		db.AfterCommit(ctx, func() {
			f.mu.Lock()
			defer f.mu.Unlock()
			for _, e := range events {
				f.apply(e, f.opt.Now())
			}
		})
	}
	return nil
}

// apply changes memory for e; f.mu is held.
func (f *Feed) apply(e Event, now time.Time) {
	if now.After(e.Expires.Add(f.opt.Keep)) {
		return // every token it concerns has expired
	}
	switch e.Kind {
	case Token:
		if e.Expires.After(f.revoked[e.Key]) {
			f.revoked[e.Key] = e.Expires
		}
	case Customer:
		delete(f.customers, e.Key)
		f.gen++
	case Admin:
		delete(f.admins, e.Key)
		f.gen++
	case Role:
		clear(f.admins)
		f.gen++
	}
}

// Follow reads the feed twice an interval until ctx ends, so that a change shows within
// the interval.
func (f *Feed) Follow(ctx context.Context) {
	if !f.enabled() {
		return
	}
	t := time.NewTicker(f.opt.Interval / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = f.Poll(ctx) // Poll logs what matters
		}
	}
}

type row struct {
	id      int64
	kind    string
	key     string
	expires time.Time
}

// Poll reads the rows not read yet, and those a transaction may still have been holding
// (an id below the newest one read that had not committed: auto-increment order is not
// commit order), and applies them once each. After memory went stale, it reads the whole
// feed again and forgets what it learnt from the database.
func (f *Feed) Poll(ctx context.Context) error {
	if !f.enabled() {
		return nil
	}
	f.mu.RLock()
	full := !f.vouching(f.opt.Now())
	from := f.floor()
	f.mu.RUnlock()
	if full {
		from = 0
	}
	// A hung database must not hold the follower for long; staleness counts from lastRead.
	ctx, cancel := context.WithTimeout(ctx, max(3*f.opt.Interval, 5*time.Second))
	defer cancel()
	rows, err := f.read(ctx, from)
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.opt.Now()
	if err != nil {
		if f.loaded && !f.vouching(now) {
			f.loaded = false
			f.log.Warn("revocation feed unreadable for three intervals; checking every token against the database", "err", err)
		}
		return err
	}
	if full {
		// Whatever was learnt may have changed unseen: read it again, and start the ids over
		// (an id below the lowest one read may yet commit).
		clear(f.customers)
		clear(f.admins)
		f.gen++
		f.maxSeen, f.gaps = 0, nil
		if f.lastRead != (time.Time{}) {
			f.log.Info("revocation feed readable again")
		}
	}
	for _, r := range rows {
		if f.take(r.id, now) {
			f.apply(Event{Kind: Kind(r.kind), Key: r.key, Expires: r.expires}, now)
		}
	}
	f.prune(now)
	f.loaded, f.lastRead = true, now
	return nil
}

func (f *Feed) read(ctx context.Context, from int64) ([]row, error) {
	rs, err := f.db.SQL().QueryContext(ctx, "SELECT id, kind, subject, expires_at FROM revocation_feed WHERE id > ? ORDER BY id", from)
	if err != nil {
		return nil, fmt.Errorf("read revocation feed: %w", err)
	}
	defer rs.Close()
	var out []row
	for rs.Next() {
		var r row
		if err := rs.Scan(&r.id, &r.kind, &r.key, &r.expires); err != nil {
			return nil, fmt.Errorf("read revocation feed: %w", err)
		}
		out = append(out, r)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("read revocation feed: %w", err)
	}
	return out, nil
}

// floor is the id below which every row has been read or given up on; f.mu is held.
func (f *Feed) floor() int64 {
	if len(f.gaps) > 0 {
		return f.gaps[0].lo - 1
	}
	return f.maxSeen
}

// take records that id was read and reports whether it is new; f.mu is held.
func (f *Feed) take(id int64, now time.Time) bool {
	if id > f.maxSeen {
		if id > f.maxSeen+1 {
			f.gaps = append(f.gaps, gap{lo: f.maxSeen + 1, hi: id - 1, since: now})
		}
		f.maxSeen = id
		return true
	}
	i := slices.IndexFunc(f.gaps, func(g gap) bool { return g.lo <= id && id <= g.hi })
	if i < 0 {
		return false
	}
	g := f.gaps[i]
	switch {
	case g.lo == g.hi:
		f.gaps = slices.Delete(f.gaps, i, i+1)
	case id == g.lo:
		f.gaps[i].lo++
	case id == g.hi:
		f.gaps[i].hi--
	default:
		f.gaps[i].hi = id - 1
		f.gaps = slices.Insert(f.gaps, i+1, gap{lo: id + 1, hi: g.hi, since: g.since})
	}
	return true
}

// prune forgets gaps no transaction can fill any more, revocations whose tokens have all
// expired, and subjects not checked lately; f.mu is held.
func (f *Feed) prune(now time.Time) {
	f.gaps = slices.DeleteFunc(f.gaps, func(g gap) bool { return now.Sub(g.since) > f.opt.GapWait })
	for k, exp := range f.revoked {
		if now.After(exp.Add(f.opt.Keep)) {
			delete(f.revoked, k)
		}
	}
	for _, known := range []map[string]learnt{f.customers, f.admins} {
		for k, l := range known {
			if now.Sub(l.at) > f.opt.Forget {
				delete(known, k)
			}
		}
	}
}
