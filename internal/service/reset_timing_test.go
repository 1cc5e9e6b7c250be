package service_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/clientele/clientele/internal/auth"
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
