package service_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/internal/testdb"
	"github.com/clientele/clientele/models"
)

// mailRequests are the two operations that must answer alike for known and unknown emails.
var mailRequests = []struct {
	name     string
	template string
	call     func(s *service.Service, email string) error
}{
	{"requestPasswordReset", service.TemplatePasswordReset, func(s *service.Service, email string) error {
		return s.RequestPasswordReset(context.Background(), auth.Principal{IP: "192.0.2.1"}, email)
	}},
	{"sendVerifyEmail", service.TemplateVerifyEmail, func(s *service.Service, email string) error {
		return s.SendVerifyEmail(context.Background(), auth.Principal{IP: "192.0.2.1"}, email)
	}},
}

// statementLog records "<kind> <table>" for every statement GORM runs on a database.
type statementLog struct {
	mu   sync.Mutex
	list []string
}

func logStatements(t *testing.T, d *db.DB) *statementLog {
	t.Helper()
	l := &statementLog{}
	cb := d.Gorm().Callback()
	record := func(kind string) func(*gorm.DB) {
		return func(tx *gorm.DB) {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.list = append(l.list, kind+" "+tx.Statement.Table)
		}
	}
	for _, err := range []error{
		cb.Create().After("gorm:create").Register("test:log", record("create")),
		cb.Query().After("gorm:query").Register("test:log", record("query")),
		cb.Update().After("gorm:update").Register("test:log", record("update")),
		cb.Delete().After("gorm:delete").Register("test:log", record("delete")),
		cb.Raw().After("gorm:raw").Register("test:log", record("raw")),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return l
}

func (l *statementLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.list
	l.list = nil
	return out
}

// TestMailRequestsAnswerBeforeWriting: for a known and an unknown email, requestPasswordReset
// and sendVerifyEmail run the same statements before answering (the rate limit and one
// lookup of the email) and write no token, message or audit event; the known email's message
// is written afterwards, in the background.
func TestMailRequestsAnswerBeforeWriting(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := newSessFixture(t, d)
		f.register("ada@example.com")
		stmts := logStatements(t, d)
		for _, op := range mailRequests {
			t.Run(op.name, func(t *testing.T) {
				// Hold the background workers, so whatever the request left for later waits.
				release := make(chan struct{})
				for range service.BackgroundWorkers {
					if err := service.BackgroundOf(f.s).Go(f.ctx, "hold", func(context.Context) error { <-release; return nil }); err != nil {
						t.Fatal(err)
					}
				}
				var count int64
				countMessages := func() int64 {
					if err := d.Gorm().Model(&models.Message{}).Where("template = ?", op.template).Count(&count).Error; err != nil {
						t.Fatal(err)
					}
					return count
				}
				before := countMessages()
				stmts.take()

				if err := op.call(f.s, "nobody@example.com"); err != nil {
					t.Fatal(err)
				}
				unknown := stmts.take()
				if err := op.call(f.s, " ADA@example.com"); err != nil {
					t.Fatal(err)
				}
				known := stmts.take()
				if !slices.Equal(known, unknown) {
					t.Fatalf("statements before answering: known email %v, unknown %v", known, unknown)
				}
				for _, s := range known {
					if !strings.HasSuffix(s, " rate_limits") && s != "query customers" {
						t.Fatalf("answered after %q; want only the rate limit and the email lookup (%v)", s, known)
					}
				}
				if n := countMessages(); n != before {
					t.Fatalf("%d messages written before the workers were free", n-before)
				}

				close(release)
				if err := f.s.WaitForBackground(f.ctx); err != nil {
					t.Fatal(err)
				}
				if n := countMessages(); n != before+1 {
					t.Fatalf("%d messages after the background work, want 1", n-before)
				}
			})
		}
	})
}

// TestMailRequestLatency measures how long requestPasswordReset and sendVerifyEmail take for a
// known and an unknown email, in adjacent pairs (the background work is waited for between
// calls, outside the measurement), and checks the median of the pairs' ratios is near 1. Before
// the writes moved to the background it was 2.5 or more on either database.
func TestMailRequestLatency(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		// The rate limit runs (it is part of every answer) but never refuses.
		f := newSessFixture(t, d, func(c *config.Config) { c.RateLimitPerEmail, c.RateLimitPerIP = 1<<30, 1<<30 })
		f.register("ada@example.com")
		const pairs = 60
		for _, op := range mailRequests {
			var known, unknown, ratios []float64
			measure := func(email string, into *[]float64) {
				start := time.Now()
				if err := op.call(f.s, email); err != nil {
					t.Fatal(err)
				}
				*into = append(*into, float64(time.Since(start)))
				if err := f.s.WaitForBackground(f.ctx); err != nil {
					t.Fatal(err)
				}
			}
			for i := range pairs {
				if i%2 == 0 { // alternate which goes first
					measure("ada@example.com", &known)
					measure("nobody@example.com", &unknown)
				} else {
					measure("nobody@example.com", &unknown)
					measure("ada@example.com", &known)
				}
				ratios = append(ratios, known[i]/unknown[i])
			}
			ratio := median(ratios)
			t.Logf("%s: median known %v, unknown %v; median ratio of pairs %.2f",
				op.name, time.Duration(median(known)), time.Duration(median(unknown)), ratio)
			if ratio > 1.5 || ratio < 1/1.5 {
				t.Errorf("%s: a known email takes %.2f times as long as an unknown one", op.name, ratio)
			}
		}
	})
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
