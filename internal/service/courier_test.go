package service_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/internal/testdb"
	"github.com/clientele/clientele/models"
)

// SMTP credentials of the test server.
const (
	testSMTPUser     = "mailer"
	testSMTPPassword = "s3cret-relay-password"
)

// testSMTPServer is a real SMTP server on 127.0.0.1 that requires AUTH PLAIN and keeps what it receives.
type testSMTPServer struct {
	addr string
	mu   sync.Mutex
	got  []testReceivedMail
}

type testReceivedMail struct {
	from string
	to   []string
	msg  *mail.Message
	body string
}

func startTestSMTP(t *testing.T) *testSMTPServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &testSMTPServer{addr: l.Addr().String()}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &testSMTPSession{srv: srv}, nil }))
	s.Domain = "localhost"
	s.AllowInsecureAuth = true // the courier is told to use plain SMTP by the URL
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	go func() { _ = s.Serve(l) }()
	t.Cleanup(func() { _ = s.Close() })
	return srv
}

func (srv *testSMTPServer) URL() string {
	return "smtp://" + testSMTPUser + ":" + testSMTPPassword + "@" + srv.addr
}

func (srv *testSMTPServer) received() []testReceivedMail {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return append([]testReceivedMail(nil), srv.got...)
}

type testSMTPSession struct {
	srv    *testSMTPServer
	authed bool
	from   string
	to     []string
}

func (s *testSMTPSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *testSMTPSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != testSMTPUser || pass != testSMTPPassword {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *testSMTPSession) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *testSMTPSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *testSMTPSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	var body io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(msg.Body)
	}
	text, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	s.srv.got = append(s.srv.got, testReceivedMail{from: s.from, to: s.to, msg: msg, body: string(text)})
	s.srv.mu.Unlock()
	return nil
}

func (s *testSMTPSession) Reset()        { s.from, s.to = "", nil }
func (s *testSMTPSession) Logout() error { return nil }

// runTestCourier runs the courier until the test ends.
func runTestCourier(t *testing.T, s *service.Service) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.RunCourier(ctx, 20*time.Millisecond)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// msgEventually polls cond for up to 5 s.
func msgEventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func msgRow(t *testing.T, d *db.DB, to, template string) models.Message {
	t.Helper()
	var m models.Message
	if err := d.Gorm().Where("to_address = ? AND template = ?", to, template).Take(&m).Error; err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCourierSendsOverSMTP(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		srv := startTestSMTP(t)
		s := newService(t, d, func(c *config.Config) { c.SMTPURL = srv.URL() })
		ada := must[service.Registration](t)(s.Register(context.Background(), auth.Principal{}, registerInput("ada@example.com"))).Customer
		if m := msgRow(t, d, ada.Email, service.TemplateVerifyEmail); m.Status != models.MessageQueued {
			t.Fatalf("with SMTP configured the message is %s, want QUEUED", m.Status)
		}

		runTestCourier(t, s)
		msgEventually(t, "the message to be SENT", func() bool {
			return msgRow(t, d, ada.Email, service.TemplateVerifyEmail).Status == models.MessageSent
		})
		m := msgRow(t, d, ada.Email, service.TemplateVerifyEmail)
		if m.SentAt == nil || m.Attempts != 1 || m.LastError != nil {
			t.Fatalf("sent message = %+v", m)
		}
		got := srv.received()
		if len(got) != 1 {
			t.Fatalf("server received %d messages, want 1", len(got))
		}
		r := got[0]
		if len(r.to) != 1 || r.to[0] != ada.Email || r.from != "no-reply@localhost" {
			t.Fatalf("envelope from %s to %v", r.from, r.to)
		}
		if r.msg.Header.Get("To") != "<"+ada.Email+">" && r.msg.Header.Get("To") != ada.Email {
			t.Fatalf("To header = %q", r.msg.Header.Get("To"))
		}
		if r.msg.Header.Get("Subject") != m.Subject || m.Subject != "Verify your email address" {
			t.Fatalf("Subject header = %q, stored %q", r.msg.Header.Get("Subject"), m.Subject)
		}
		// The delivered link works.
		token := msgTokenIn(t, r.body, "/verify-email")
		if c := must[models.Customer](t)(s.VerifyEmail(context.Background(), auth.Principal{}, token)); !c.EmailVerified {
			t.Fatal("the emailed token did not verify the address")
		}
	})
}

func TestCourierInstancesDoNotDoubleSend(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		srv := startTestSMTP(t)
		s := newService(t, d, func(c *config.Config) { c.SMTPURL = srv.URL() })
		const n = 6
		for i := range n {
			must[service.Registration](t)(s.Register(context.Background(), auth.Principal{}, registerInput("c"+string(rune('a'+i))+"@example.com")))
		}
		for range 3 { // three instances polling one msgOutbox
			runTestCourier(t, s)
		}
		msgEventually(t, "every message to be SENT", func() bool {
			var sent int64
			d.Gorm().Model(&models.Message{}).Where("status = ?", models.MessageSent).Count(&sent)
			return sent == n
		})
		time.Sleep(100 * time.Millisecond) // a double send would arrive now
		if got := srv.received(); len(got) != n {
			t.Fatalf("server received %d messages for %d queued", len(got), n)
		}
	})
}

func TestCourierRetriesThenFails(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		// A port nothing listens on.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		_ = l.Close()
		s := newService(t, d, func(c *config.Config) { c.SMTPURL = "smtp://" + testSMTPUser + ":" + testSMTPPassword + "@" + addr })
		ada := must[service.Registration](t)(s.Register(context.Background(), auth.Principal{}, registerInput("ada@example.com"))).Customer
		runTestCourier(t, s)

		msgEventually(t, "a failed attempt to be recorded", func() bool {
			return msgRow(t, d, ada.Email, service.TemplateVerifyEmail).LastError != nil
		})
		m := msgRow(t, d, ada.Email, service.TemplateVerifyEmail)
		if m.Status != models.MessageQueued || m.Attempts != 1 || m.NextAttemptAt == nil ||
			m.NextAttemptAt.Before(time.Now().Add(20*time.Second)) {
			t.Fatalf("after one failure = %+v", m)
		}
		if strings.Contains(*m.LastError, testSMTPPassword) || strings.Contains(*m.LastError, "token") {
			t.Fatalf("last_error leaks a secret: %q", *m.LastError)
		}

		// Skip the back-off to the last allowed attempt.
		err = d.Gorm().Model(&models.Message{}).Where("id = ?", m.ID).
			Updates(map[string]any{"attempts": 4, "next_attempt_at": time.Now().UTC().Add(-time.Second)}).Error
		if err != nil {
			t.Fatal(err)
		}
		msgEventually(t, "the message to be FAILED", func() bool {
			return msgRow(t, d, ada.Email, service.TemplateVerifyEmail).Status == models.MessageFailed
		})
		m = msgRow(t, d, ada.Email, service.TemplateVerifyEmail)
		if m.Attempts != 5 || m.LastError == nil || m.SentAt != nil {
			t.Fatalf("failed message = %+v", m)
		}
	})
}

// TestStoredMessagesAreLoggedWithoutSecrets: without SMTP a message is STORED and logged by
// recipient and template only.
func TestStoredMessagesAreLoggedWithoutSecrets(t *testing.T) {
	var logs msgLogBuffer
	d, s := serviceLoggingTo(t, &logs)
	ada := must[service.Registration](t)(s.Register(context.Background(), auth.Principal{}, registerInput("ada@example.com"))).Customer
	m := msgRow(t, d, ada.Email, service.TemplateVerifyEmail)
	if m.Status != models.MessageStored || m.NextAttemptAt != nil {
		t.Fatalf("stored message = %+v", m)
	}
	token := msgTokenIn(t, m.Body, "/verify-email")
	out := logs.String()
	if !strings.Contains(out, "template=VERIFY_EMAIL") || !strings.Contains(out, "messageId="+m.ID) {
		t.Fatalf("the stored message is not logged: %s", out)
	}
	if strings.Contains(out, token) || strings.Contains(out, "token=") || strings.Contains(out, ada.Email) {
		t.Fatalf("the log carries the token or the address: %s", out)
	}

	// Without SMTP the courier does not start.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s.RunCourier(ctx, time.Millisecond)
	if ctx.Err() != nil {
		t.Fatal("RunCourier without CLIENTELE_SMTP_URL did not return at once")
	}
}

// TestStoredMessagesAreLoggedOnCommit: a message queued in a transaction that rolls back is
// neither stored nor logged; one whose transaction commits is logged once.
func TestStoredMessagesAreLoggedOnCommit(t *testing.T) {
	var logs msgLogBuffer
	d, s := serviceLoggingTo(t, &logs)
	queue := func(ctx context.Context) error {
		return service.QueueMessage(s, ctx, "ada@example.com", service.TemplateVerifyEmail, "token")
	}
	rolledBack := d.Tx(context.Background(), func(ctx context.Context) error {
		if err := queue(ctx); err != nil {
			return err
		}
		return errors.New("a later step failed")
	})
	if rolledBack == nil || strings.Contains(logs.String(), "email stored") {
		t.Fatalf("rolled back (%v), yet logged: %s", rolledBack, logs.String())
	}
	if err := d.Tx(context.Background(), queue); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(logs.String(), "email stored"); n != 1 {
		t.Fatalf("one message stored, %d logged: %s", n, logs.String())
	}
	var stored int64
	if err := d.Gorm().Model(&models.Message{}).Where("to_address = ?", "ada@example.com").Count(&stored).Error; err != nil || stored != 1 {
		t.Fatalf("%d messages stored (%v), want 1", stored, err)
	}
}

// serviceLoggingTo is a service without SMTP on a fresh SQLite database, logging to logs.
func serviceLoggingTo(t *testing.T, logs *msgLogBuffer) (*db.DB, *service.Service) {
	t.Helper()
	d := testdb.New(t, db.SQLite)
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	s, err := service.New(context.Background(), d, cfg, slog.New(slog.NewTextHandler(logs, nil)), service.Options{Argon2: &testArgon2})
	if err != nil {
		t.Fatal(err)
	}
	return d, s
}

type msgLogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *msgLogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *msgLogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestListMessages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		admin := adminPrincipal(t, s)
		emails := []string{"a@example.com", "b@example.com", "c@example.com"}
		for _, e := range emails {
			must[service.Registration](t)(s.Register(ctx, auth.Principal{}, registerInput(e)))
		}
		must[models.Customer](t)(s.CreateCustomer(ctx, admin, service.CreateCustomerInput{
			Profile: service.Profile{Email: "d@example.com", FirstName: "D", LastName: "D"},
		}))

		list := func(f service.MessageFilter, args service.PageArgs) service.Page[models.Message] {
			t.Helper()
			return must[service.Page[models.Message]](t)(s.ListMessages(ctx, admin, f, args))
		}
		all := list(service.MessageFilter{}, service.PageArgs{WithTotal: true})
		if all.Total == nil || *all.Total != 4 || len(all.Items) != 4 || all.NextCursor != "" {
			t.Fatalf("all messages: %d items, total %v", len(all.Items), all.Total)
		}
		if all.Items[0].Template != service.TemplateInvitation || all.Items[0].To != "d@example.com" {
			t.Fatalf("newest message = %+v, want the invitation", all.Items[0])
		}

		// Pages of two, newest first, by template.
		verify := service.MessageFilter{Template: service.TemplateVerifyEmail}
		p1 := list(verify, service.PageArgs{Limit: 2, WithTotal: true})
		if len(p1.Items) != 2 || p1.NextCursor == "" || *p1.Total != 3 || p1.Cursor(1) != p1.NextCursor {
			t.Fatalf("page 1 = %+v", p1)
		}
		p2 := list(verify, service.PageArgs{Limit: 2, Cursor: p1.NextCursor})
		if len(p2.Items) != 1 || p2.NextCursor != "" || p2.Total != nil {
			t.Fatalf("page 2 = %+v", p2)
		}
		var order []string
		for _, m := range append(p1.Items, p2.Items...) {
			order = append(order, m.To)
		}
		if strings.Join(order, ",") != "c@example.com,b@example.com,a@example.com" {
			t.Fatalf("order = %v, want newest first", order)
		}

		byTo := list(service.MessageFilter{To: " B@Example.com "}, service.PageArgs{})
		if len(byTo.Items) != 1 || byTo.Items[0].To != "b@example.com" {
			t.Fatalf("messages to b = %+v", byTo.Items)
		}
		none := list(service.MessageFilter{To: "b@example.com", Template: service.TemplateInvitation}, service.PageArgs{})
		if len(none.Items) != 0 {
			t.Fatalf("invitations to b = %+v", none.Items)
		}

		_, err := s.ListMessages(ctx, admin, service.MessageFilter{Template: "SPAM"}, service.PageArgs{})
		wantKind(t, err, apperr.BadRequest)
		_, err = s.ListMessages(ctx, admin, service.MessageFilter{}, service.PageArgs{Cursor: "not-a-cursor"})
		wantKind(t, err, apperr.BadRequest)
		customer := customerPrincipal(t, s, "e@example.com")
		_, err = s.ListMessages(ctx, customer, service.MessageFilter{}, service.PageArgs{})
		wantKind(t, err, apperr.Forbidden)
		_, err = s.ListMessages(ctx, auth.Principal{}, service.MessageFilter{}, service.PageArgs{})
		wantKind(t, err, apperr.Unauthenticated)
	})
}
