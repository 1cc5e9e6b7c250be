package revocation_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/revocation"
	"github.com/clientele/clientele/internal/testdb"
)

const (
	interval = 200 * time.Millisecond
	gapWait  = 2 * time.Second
)

// clock is a time the test moves by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newFeed(t *testing.T, d *db.DB, c *clock, forget ...time.Duration) *revocation.Feed {
	t.Helper()
	opt := revocation.Options{Interval: interval, GapWait: gapWait, Keep: time.Minute, Forget: 15 * time.Minute, Now: c.Now}
	if len(forget) > 0 {
		opt.Forget = forget[0]
	}
	f := revocation.New(d, slog.New(slog.NewTextHandler(io.Discard, nil)), opt)
	poll(t, f)
	return f
}

func poll(t *testing.T, f *revocation.Feed) {
	t.Helper()
	if err := f.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// insert writes a feed row with a chosen id, as a transaction that got it would commit it.
func insert(t *testing.T, d *db.DB, id int64, kind revocation.Kind, key string, expires time.Time) {
	t.Helper()
	err := d.Gorm().Exec("INSERT INTO revocation_feed (id, kind, subject, expires_at) VALUES (?, ?, ?, ?)", id, string(kind), key, expires.UTC()).Error
	if err != nil {
		t.Fatal(err)
	}
}

// token is a customer's token with id jti, whose subject memory knows to be good.
func token(f *revocation.Feed, jti string) revocation.Claims {
	c := revocation.Claims{Subject: "c-" + jti, ID: jti, Session: "s-" + jti, Stamp: "stamp"}
	learn(f, c, revocation.State{Found: true, Active: true, Stamp: "stamp"})
	return c
}

// learn tells memory what the database says of c's subject, as a check that read it would.
func learn(f *revocation.Feed, c revocation.Claims, s revocation.State) {
	_, _, ticket := f.Vouch(c)
	f.Learn(ticket, c.Admin, c.Subject, s)
}

func verdict(f *revocation.Feed, c revocation.Claims) revocation.Verdict {
	v, _, _ := f.Vouch(c)
	return v
}

func wantVerdict(t *testing.T, f *revocation.Feed, c revocation.Claims, want revocation.Verdict) {
	t.Helper()
	if got := verdict(f, c); got != want {
		t.Fatalf("%+v: verdict %d, want %d", c, got, want)
	}
}

func start() *clock { return &clock{now: time.Now().UTC()} }

// TestRowsThatCommitLateAreStillRead: ids 1 and 3 commit, then 2 (its transaction took the id
// first but committed last). A poll after 2 commits still applies it, and a row read twice
// (the polls re-read above the gap) is applied once.
func TestRowsThatCommitLateAreStillRead(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		c := start()
		f := newFeed(t, d, c)
		exp := c.Now().Add(15 * time.Minute)
		insert(t, d, 1, revocation.Token, "a", exp)
		insert(t, d, 3, revocation.Customer, "c-x", exp)
		poll(t, f)
		wantVerdict(t, f, token(f, "a"), revocation.Refuse)
		wantVerdict(t, f, token(f, "b"), revocation.Accept)
		customer := revocation.Claims{Subject: "c-x", ID: "x", Stamp: "new"}
		learn(f, customer, revocation.State{Found: true, Active: true, Stamp: "new"})
		wantVerdict(t, f, customer, revocation.Accept)

		poll(t, f) // reads row 3 again: it must not undo what was learnt
		wantVerdict(t, f, customer, revocation.Accept)

		insert(t, d, 2, revocation.Token, "b", exp)
		poll(t, f)
		wantVerdict(t, f, token(f, "b"), revocation.Refuse)
		wantVerdict(t, f, customer, revocation.Accept)
	})
}

// TestConcurrentCommitsOutOfIDOrder: on MySQL, a transaction that took an id and commits
// after a later one is read by the poll after its commit.
func TestConcurrentCommitsOutOfIDOrder(t *testing.T) {
	t.Parallel()
	if !slices.Contains(testdb.Dialects(), db.MySQL) {
		t.Skip("SQLite has one writer: its ids commit in order")
	}
	d := testdb.New(t, db.MySQL)
	c := start()
	f := newFeed(t, d, c)
	ctx := context.Background()
	exp := c.Now().Add(15 * time.Minute)
	early := d.Gorm().Begin()
	if err := early.Exec("INSERT INTO revocation_feed (kind, subject, expires_at) VALUES ('token', 'early', ?)", exp).Error; err != nil {
		t.Fatal(err)
	}
	if err := d.Tx(ctx, func(ctx context.Context) error {
		return f.Append(ctx, revocation.Event{Kind: revocation.Token, Key: "late", Expires: exp})
	}); err != nil {
		t.Fatal(err)
	}
	poll(t, f)
	wantVerdict(t, f, token(f, "late"), revocation.Refuse)
	wantVerdict(t, f, token(f, "early"), revocation.Accept)
	if err := early.Commit().Error; err != nil {
		t.Fatal(err)
	}
	poll(t, f)
	wantVerdict(t, f, token(f, "early"), revocation.Refuse)
}

// TestGapsAreGivenUp: an id missing for longer than GapWait belonged to a transaction that
// rolled back; the polls stop reading from below it.
func TestGapsAreGivenUp(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		c := start()
		f := newFeed(t, d, c)
		exp := c.Now().Add(15 * time.Minute)
		insert(t, d, 1, revocation.Token, "a", exp)
		insert(t, d, 3, revocation.Token, "c", exp)
		poll(t, f)
		for waited := time.Duration(0); waited <= gapWait; waited += interval {
			c.add(interval)
			poll(t, f)
		}
		insert(t, d, 2, revocation.Token, "b", exp)
		poll(t, f)
		wantVerdict(t, f, token(f, "b"), revocation.Accept)
	})
}

// TestChangesApplyHereOnCommit: the instance that writes a row applies it once its
// transaction commits, before any poll, and not at all when it rolls back.
func TestChangesApplyHereOnCommit(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		c := start()
		f := newFeed(t, d, c)
		ctx := context.Background()
		exp := c.Now().Add(15 * time.Minute)
		rollback := errors.New("rolled back")
		err := d.Tx(ctx, func(ctx context.Context) error {
			if err := f.Append(ctx, revocation.Event{Kind: revocation.Token, Key: "undone", Expires: exp}); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		wantVerdict(t, f, token(f, "undone"), revocation.Accept)
		err = d.Tx(ctx, func(ctx context.Context) error {
			if err := f.Append(ctx, revocation.Event{Kind: revocation.Token, Key: "done", Expires: exp}); err != nil {
				return err
			}
			if v := verdict(f, token(f, "done")); v != revocation.Accept {
				t.Errorf("refused before the commit: %d", v)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		wantVerdict(t, f, token(f, "done"), revocation.Refuse)
		poll(t, f)
		wantVerdict(t, f, token(f, "undone"), revocation.Accept)
	})
}

// TestFallsBackWhenTheFeedCannotBeRead: memory vouches while the feed was read within three
// intervals; after that every token is Unknown (checked against the database), and the first
// read that succeeds again reads the whole feed and forgets what was learnt.
func TestFallsBackWhenTheFeedCannotBeRead(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		c := start()
		f := newFeed(t, d, c)
		exp := c.Now().Add(15 * time.Minute)
		insert(t, d, 1, revocation.Token, "a", exp)
		poll(t, f)
		admin := revocation.Claims{Admin: true, Subject: "admin-1", ID: "j1", Stamp: "s"}
		learn(f, admin, revocation.State{Found: true, Active: true, Stamp: "s", Permissions: []string{"customers:read"}})
		if v, perms, _ := f.Vouch(admin); v != revocation.Accept || !slices.Equal(perms, []string{"customers:read"}) {
			t.Fatalf("learnt admin: %d %v", v, perms)
		}

		rename(t, d, "revocation_feed", "revocation_feed_away")
		for range 3 {
			c.add(interval)
			if err := f.Poll(context.Background()); err == nil {
				t.Fatal("poll of a missing table succeeded")
			}
			wantVerdict(t, f, token(f, "a"), revocation.Refuse) // still within three intervals
		}
		c.add(interval / 2)
		if err := f.Poll(context.Background()); err == nil {
			t.Fatal("poll of a missing table succeeded")
		}
		wantVerdict(t, f, token(f, "a"), revocation.Unknown)
		wantVerdict(t, f, token(f, "b"), revocation.Unknown)
		wantVerdict(t, f, admin, revocation.Unknown)

		rename(t, d, "revocation_feed_away", "revocation_feed")
		insert(t, d, 2, revocation.Token, "b", exp) // written while this instance could not read
		poll(t, f)
		wantVerdict(t, f, admin, revocation.Unknown) // learnt before: read again
		wantVerdict(t, f, token(f, "a"), revocation.Refuse)
		wantVerdict(t, f, token(f, "b"), revocation.Refuse)
		wantVerdict(t, f, token(f, "c"), revocation.Accept)
	})
}

func rename(t *testing.T, d *db.DB, from, to string) {
	t.Helper()
	if err := d.Gorm().Exec("ALTER TABLE " + from + " RENAME TO " + to).Error; err != nil {
		t.Fatal(err)
	}
}

// TestStartLoadsWhatHasNotExpired: a new instance's first read applies the revocations whose
// tokens may still be live, and not the others; memory forgets them once they have expired,
// and forgets subjects not checked for a while.
func TestStartLoadsWhatHasNotExpired(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		c := start()
		insert(t, d, 1, revocation.Token, "old", c.Now().Add(-2*time.Minute)) // past Keep (1 min)
		insert(t, d, 2, revocation.Token, "recent", c.Now().Add(-time.Minute+interval))
		f := newFeed(t, d, c, 2*interval)
		wantVerdict(t, f, token(f, "old"), revocation.Accept)
		wantVerdict(t, f, token(f, "recent"), revocation.Refuse)
		customer := revocation.Claims{Subject: "c-1", ID: "j", Stamp: "s"}
		wantVerdict(t, f, customer, revocation.Unknown)
		learn(f, customer, revocation.State{Found: true, Active: true, Stamp: "s"})
		wantVerdict(t, f, customer, revocation.Accept)

		for range 3 {
			c.add(interval)
			poll(t, f)
		}
		wantVerdict(t, f, customer, revocation.Unknown)
		wantVerdict(t, f, token(f, "recent"), revocation.Accept)
	})
}

// TestAdminsAreKnownUntilTheyChange: an admin's state is learnt from the database once and
// kept until a row about it or about any role; what a check read while a change happened is
// not kept.
func TestAdminsAreKnownUntilTheyChange(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		c := start()
		f := newFeed(t, d, c)
		ctx := context.Background()
		exp := c.Now().Add(15 * time.Minute)
		admin := revocation.Claims{Admin: true, Subject: "admin-1", ID: "j1", Stamp: "s"}
		good := revocation.State{Found: true, Active: true, Stamp: "s", Permissions: []string{"*"}}
		learn := func() {
			_, _, ticket := f.Vouch(admin)
			f.Learn(ticket, true, "admin-1", good)
		}
		wantVerdict(t, f, admin, revocation.Unknown)
		learn()
		wantVerdict(t, f, admin, revocation.Accept)
		for _, e := range []revocation.Event{
			{Kind: revocation.Role, Key: "role-1", Expires: exp},
			{Kind: revocation.Admin, Key: "admin-1", Expires: exp},
		} {
			if err := f.Append(ctx, e); err != nil {
				t.Fatal(err)
			}
			wantVerdict(t, f, admin, revocation.Unknown)
			learn()
			wantVerdict(t, f, admin, revocation.Accept)
		}
		_, _, ticket := f.Vouch(admin)
		if err := f.Append(ctx, revocation.Event{Kind: revocation.Admin, Key: "admin-1", Expires: exp}); err != nil {
			t.Fatal(err)
		}
		f.Learn(ticket, true, "admin-1", good) // read before the change committed
		wantVerdict(t, f, admin, revocation.Unknown)
		_, _, ticket = f.Vouch(admin)
		f.Learn(ticket, true, "admin-1", revocation.State{Found: true, Active: false, Stamp: "s"})
		wantVerdict(t, f, admin, revocation.Refuse)
	})
}

// TestOffWritesButNeverVouches: with CLIENTELE_REVOCATION_SYNC=0 the rows are still written
// (other instances may follow them) and every token is checked against the database.
func TestOffWritesButNeverVouches(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := revocation.New(d, slog.New(slog.NewTextHandler(io.Discard, nil)), revocation.Options{})
		if err := f.Poll(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := f.Append(context.Background(), revocation.Event{Kind: revocation.Token, Key: "a", Expires: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		wantVerdict(t, f, token(f, "a"), revocation.Unknown)
		wantVerdict(t, f, token(f, "b"), revocation.Unknown)
		var n int64
		if err := d.Gorm().Raw("SELECT COUNT(*) FROM revocation_feed").Scan(&n).Error; err != nil || n != 1 {
			t.Fatalf("rows = %d, %v", n, err)
		}
	})
}
