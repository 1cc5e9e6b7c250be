package service

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/models"
)

// Message templates.
const (
	TemplateVerifyEmail     = "VERIFY_EMAIL"
	TemplatePasswordReset   = "PASSWORD_RESET"
	TemplateInvitation      = "INVITATION"
	TemplatePasswordChanged = "PASSWORD_CHANGED"
)

// PermMessagesRead lets an admin read the outbox.
const PermMessagesRead = "messages:read"

// messageTemplate is the plain-text form of one message. path, when set, is the page of the public
// site that takes the message's one-time token; %s in text is replaced by that link.
type messageTemplate struct {
	subject, path, text string
}

var messageTemplates = map[string]messageTemplate{
	TemplateVerifyEmail: {
		subject: "Verify your email address",
		path:    "/verify-email",
		text: "Hello,\n\nPlease confirm your email address by opening this link:\n\n%s\n\n" +
			"The link works once and expires in 48 hours. If you did not create an account, ignore this message.\n",
	},
	TemplatePasswordReset: {
		subject: "Reset your password",
		path:    "/reset-password",
		text: "Hello,\n\nSomeone asked to reset the password of your account. To choose a new one, open this link:\n\n%s\n\n" +
			"The link works once and expires in 1 hour. If you did not ask for it, ignore this message: your password stays as it is.\n",
	},
	TemplateInvitation: {
		subject: "You have been invited to create your account",
		path:    "/accept-invitation",
		text: "Hello,\n\nAn account has been created for you. To choose your password and sign in, open this link:\n\n%s\n\n" +
			"The link works once and expires in 7 days.\n",
	},
	TemplatePasswordChanged: {
		subject: "Your password was changed",
		text: "Hello,\n\nThe password of your account was just changed, and every other session was signed out.\n\n" +
			"If you did not do this, reset your password at once and contact support.\n",
	},
}

// renderMessage returns the subject and body of template with token in its link.
func (s *Service) renderMessage(name, token string) (subject, body string, err error) {
	t, ok := messageTemplates[name]
	switch {
	case !ok:
		return "", "", fmt.Errorf("unknown message template %q", name)
	case t.path == "" && token != "", t.path != "" && token == "":
		return "", "", fmt.Errorf("template %s: token given where none is expected, or missing", name)
	case t.path == "":
		return t.subject, t.text, nil
	}
	link := s.cfg.PublicURL + t.path + "?token=" + url.QueryEscape(token)
	return t.subject, fmt.Sprintf(t.text, link), nil
}

// linkToken is the one-time token in a message's link.
var linkToken = regexp.MustCompile(`([?&]token=)[^\s&#]+`)

// sentBody is what the outbox keeps of a delivered message: the link without its one-time
// token, which now lives only in the recipient's mailbox (SPEC §9). A STORED message keeps
// it: there the outbox is the delivery.
func sentBody(body string) string { return linkToken.ReplaceAllString(body, "${1}[sent]") }

// queueMessage puts an email in the outbox, in the transaction on ctx. token, when not
// empty, is a one-time token the message's link carries.
func (s *Service) queueMessage(ctx context.Context, to, template, token string) error {
	subject, body, err := s.renderMessage(template, token)
	if err != nil {
		return apperr.Wrap(apperr.Internal, err, "An internal error occurred.")
	}
	now := s.now()
	m := models.Message{ID: newID(), To: to, Subject: subject, Template: template, Body: body,
		Status: models.MessageStored, CreatedAt: now}
	if s.cfg.SMTPURL != "" {
		m.Status, m.NextAttemptAt = models.MessageQueued, &now
	}
	if err := s.db.Conn(ctx).Create(&m).Error; err != nil {
		return dbErr(err, "", "")
	}
	if m.Status == models.MessageStored {
		// The body carries a live one-time token and the address is personal: both stay in the
		// outbox (GET /v1/messages) and out of the log. Logged once stored for good: a
		// transaction that rolls back, or is retried, stored nothing.
		db.AfterCommit(ctx, func() {
			s.log.InfoContext(ctx, "email stored, not sent: CLIENTELE_SMTP_URL is not set",
				"messageId", m.ID, "template", template)
		})
	}
	return nil
}

// mailOneTimeToken issues a token of purpose for the customer or admin (subjectType) id and
// queues template to email with the token in its link.
func (s *Service) mailOneTimeToken(ctx context.Context, subjectType, id, email, purpose, template string) error {
	token, err := s.issueOneTimeToken(ctx, subjectType, id, email, purpose)
	if err != nil {
		return err
	}
	return s.queueMessage(ctx, email, template, token)
}

// sendVerification issues an email-verification token for c and queues VERIFY_EMAIL.
func (s *Service) sendVerification(ctx context.Context, c *models.Customer) error {
	return s.mailOneTimeToken(ctx, models.SubjectCustomer, c.ID, c.Email, models.PurposeVerifyEmail, TemplateVerifyEmail)
}

// sendInvitation issues an invitation token for c (a customer without a password) and
// queues INVITATION.
func (s *Service) sendInvitation(ctx context.Context, c *models.Customer) error {
	return s.mailOneTimeToken(ctx, models.SubjectCustomer, c.ID, c.Email, models.PurposeInvitation, TemplateInvitation)
}

// sendAdminInvitation issues an invitation token for a (an admin without a password) and
// queues INVITATION.
func (s *Service) sendAdminInvitation(ctx context.Context, a *models.Admin) error {
	return s.mailOneTimeToken(ctx, models.SubjectAdmin, a.ID, a.Email, models.PurposeInvitation, TemplateInvitation)
}

// MessageFilter narrows the outbox list; empty fields do not filter.
type MessageFilter struct {
	To       string
	Template string
}

// ListMessages returns the outbox, newest first, keyset-paginated.
func (s *Service) ListMessages(ctx context.Context, actor auth.Principal, filter MessageFilter, args PageArgs) (Page[models.Message], error) {
	if err := requireAdmin(actor, PermMessagesRead); err != nil {
		return Page[models.Message]{}, err
	}
	if _, ok := messageTemplates[filter.Template]; filter.Template != "" && !ok {
		return Page[models.Message]{}, apperr.New(apperr.BadRequest, "template must be one of VERIFY_EMAIL, PASSWORD_RESET, INVITATION, PASSWORD_CHANGED.")
	}
	q := s.db.Conn(ctx).Model(&models.Message{})
	if filter.To != "" {
		q = q.Where("to_address = ?", normalizeEmail(filter.To))
	}
	if filter.Template != "" {
		q = q.Where("template = ?", filter.Template)
	}
	return newestFirst(q, args, "created_at", "-createdAt", func(m *models.Message) (time.Time, string) { return m.CreatedAt, m.ID })
}

// Courier tuning. A message is tried courierMaxAttempts times, waiting courierRetryBase·2^n
// between attempts (30 s, 1 min, 2 min, 4 min).
const (
	courierMaxAttempts  = 5
	courierRetryBase    = 30 * time.Second
	courierBatch        = 50
	courierSMTPTimeout  = 15 * time.Second
	courierDefaultEvery = 5 * time.Second
	maxLastError        = 1000
)

// RunCourier delivers queued messages over CLIENTELE_SMTP_URL until ctx ends, looking for
// due messages every `every` (0: 5 s). Several instances may run it at once: each message
// is claimed by one of them with a conditional UPDATE before it is sent.
func (s *Service) RunCourier(ctx context.Context, every time.Duration) {
	if s.cfg.SMTPURL == "" {
		s.log.InfoContext(ctx, "courier not started: CLIENTELE_SMTP_URL is not set; messages are stored, not sent")
		return
	}
	smtp, err := parseSMTPURL(s.cfg.SMTPURL, s.cfg.PublicURL)
	if err != nil {
		s.log.ErrorContext(ctx, "courier not started: CLIENTELE_SMTP_URL is invalid; messages stay queued", "err", err)
		return
	}
	if every <= 0 {
		every = courierDefaultEvery
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		// A full batch means more may be due: go on without waiting for the next tick.
		for full := true; full && ctx.Err() == nil; {
			full = s.deliverDue(ctx, smtp) == courierBatch
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// deliverDue sends the queued messages whose next attempt has come and returns how many it found.
func (s *Service) deliverDue(ctx context.Context, cfg smtpConfig) int {
	var due []models.Message
	err := s.db.Conn(ctx).Where("status = ? AND next_attempt_at <= ?", models.MessageQueued, s.now()).
		Order("next_attempt_at, id").Limit(courierBatch).Find(&due).Error
	if err != nil {
		if ctx.Err() == nil {
			s.log.ErrorContext(ctx, "courier: read the outbox", "err", err)
		}
		return 0
	}
	var client *mail.Client
	defer func() {
		if client != nil {
			_ = client.Close()
		}
	}()
	for i := range due {
		m := &due[i]
		claimed, err := s.claimMessage(ctx, m)
		if err != nil || !claimed {
			continue // another instance has it, or the database is away: the next poll retries
		}
		// Dial lazily and once per batch. A dial failure ends the batch until the next tick,
		// so an unreachable server costs one message one attempt per tick, not every
		// message all its attempts at once.
		if client == nil {
			if client, err = cfg.dial(ctx); err != nil {
				s.messageFailed(ctx, m, err, cfg)
				return 0
			}
		}
		msg, err := cfg.msg(m)
		if err == nil {
			err = client.Send(msg)
		}
		if err != nil {
			s.messageFailed(ctx, m, err, cfg)
			continue
		}
		err = s.db.Conn(ctx).Model(&models.Message{}).Where("id = ? AND status = ?", m.ID, models.MessageQueued).
			Updates(map[string]any{"status": models.MessageSent, "sent_at": s.now(), "next_attempt_at": nil, "last_error": nil,
				"body": sentBody(m.Body)}).Error
		if err != nil {
			s.log.ErrorContext(ctx, "courier: mark message sent", "messageId", m.ID, "err", err)
		}
	}
	return len(due)
}

// claimMessage counts an attempt at m and schedules its retry in one conditional UPDATE: of
// several instances polling the same row, exactly one sees a row affected and sends it. The
// retry time is also the lease: an instance that dies mid-send leaves the message due again.
func (s *Service) claimMessage(ctx context.Context, m *models.Message) (bool, error) {
	retry := s.now().Add(courierRetryBase << m.Attempts)
	res := s.db.Conn(ctx).Model(&models.Message{}).
		Where("id = ? AND status = ? AND attempts = ?", m.ID, models.MessageQueued, m.Attempts).
		Updates(map[string]any{"attempts": m.Attempts + 1, "next_attempt_at": retry})
	if res.Error != nil {
		s.log.ErrorContext(ctx, "courier: claim message", "messageId", m.ID, "err", res.Error)
		return false, res.Error
	}
	m.Attempts++
	return res.RowsAffected == 1, nil
}

// messageFailed records a failed attempt; the last allowed one makes the message FAILED.
func (s *Service) messageFailed(ctx context.Context, m *models.Message, sendErr error, cfg smtpConfig) {
	reason := cfg.scrub(sendErr.Error())
	updates := map[string]any{"last_error": reason}
	if m.Attempts >= courierMaxAttempts {
		updates["status"], updates["next_attempt_at"] = models.MessageFailed, nil
	}
	s.log.WarnContext(ctx, "courier: message not sent", "messageId", m.ID, "attempt", m.Attempts, "err", reason)
	err := s.db.Conn(ctx).Model(&models.Message{}).Where("id = ? AND status = ?", m.ID, models.MessageQueued).Updates(updates).Error
	if err != nil {
		s.log.ErrorContext(ctx, "courier: record failed attempt", "messageId", m.ID, "err", err)
	}
}

// smtpConfig is a parsed CLIENTELE_SMTP_URL.
type smtpConfig struct {
	host     string
	port     int
	user     string
	password string
	from     string
	tls      string // none | starttls | tls (implicit, smtps://)
}

// parseSMTPURL reads smtp://user:pass@host:port (plain, no TLS), smtp://…?tls=starttls
// (STARTTLS required) or smtps://… (TLS from the first byte). ?from= sets the sender;
// by default it is no-reply@ the host of the public URL. Errors never quote the URL: it
// holds the password.
func parseSMTPURL(raw, publicURL string) (smtpConfig, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return smtpConfig{}, errors.New("not a URL of the form smtp://user:pass@host:port")
	}
	c := smtpConfig{host: u.Hostname(), tls: "none"}
	defaultPort := 25
	switch u.Scheme {
	case "smtp":
	case "smtps":
		c.tls, defaultPort = "tls", 465
	default:
		return smtpConfig{}, errors.New("the scheme must be smtp or smtps")
	}
	if c.host == "" {
		return smtpConfig{}, errors.New("the host is missing")
	}
	c.port = defaultPort
	if p := u.Port(); p != "" {
		if c.port, err = strconv.Atoi(p); err != nil || c.port < 1 || c.port > 65535 {
			return smtpConfig{}, errors.New("the port must be a number between 1 and 65535")
		}
	}
	if u.User != nil {
		c.user = u.User.Username()
		c.password, _ = u.User.Password()
	}
	q := u.Query()
	switch t := q.Get("tls"); {
	case t == "" || t == c.tls:
	case t == "starttls" && c.tls == "none":
		c.tls = t
	default:
		return smtpConfig{}, errors.New("tls must be starttls (smtp://) or left out")
	}
	c.from = q.Get("from")
	if c.from == "" {
		host := "localhost"
		if pu, err := url.Parse(publicURL); err == nil && pu.Hostname() != "" {
			host = pu.Hostname()
		}
		c.from = "no-reply@" + host
	}
	if err := mail.NewMsg().From(c.from); err != nil {
		return smtpConfig{}, errors.New("from is not a valid email address")
	}
	return c, nil
}

// dial opens an SMTP session (and authenticates when the URL has a user).
func (c smtpConfig) dial(ctx context.Context) (*mail.Client, error) {
	opts := []mail.Option{mail.WithPort(c.port), mail.WithTimeout(courierSMTPTimeout)}
	encrypted := c.tls != "none"
	switch c.tls {
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case "starttls":
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case "tls":
		opts = append(opts, mail.WithSSL())
	}
	if c.user != "" {
		// Without TLS the operator chose a plain connection (a local relay): PLAIN is allowed
		// over it only because the URL says so.
		authType := mail.SMTPAuthPlainNoEnc
		if encrypted {
			authType = mail.SMTPAuthAutoDiscover
		}
		opts = append(opts, mail.WithSMTPAuth(authType), mail.WithUsername(c.user), mail.WithPassword(c.password))
	}
	client, err := mail.NewClient(c.host, opts...)
	if err != nil {
		return nil, err
	}
	if err := client.DialWithContext(ctx); err != nil {
		return nil, err
	}
	return client, nil
}

// msg builds the email of m.
func (c smtpConfig) msg(m *models.Message) (*mail.Msg, error) {
	msg := mail.NewMsg()
	if err := msg.From(c.from); err != nil {
		return nil, err
	}
	if err := msg.To(m.To); err != nil {
		return nil, err
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(mail.TypeTextPlain, m.Body)
	return msg, nil
}

// scrub makes an error safe to store and log: no credentials, bounded length.
func (c smtpConfig) scrub(s string) string {
	for _, secret := range []string{c.password, url.QueryEscape(c.password), url.PathEscape(c.password)} {
		if len(secret) >= 3 {
			s = strings.ReplaceAll(s, secret, "***")
		}
	}
	if len(s) > maxLastError {
		s = strings.ToValidUTF8(s[:maxLastError], "")
	}
	return s
}
