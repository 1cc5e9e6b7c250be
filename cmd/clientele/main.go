// Command clientele serves Clientele's REST and GraphQL APIs.
//
//	clientele [serve]                                   migrate, then serve on CLIENTELE_ADDR
//	clientele migrate                                   apply pending migrations and exit
//	clientele admin create --email E --password P [--name N]   create a super administrator
//	clientele help [COMMAND], clientele [COMMAND] -h    print usage
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/clientele/clientele/internal/app"
	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/httpserver"
	"github.com/clientele/clientele/internal/service"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "clientele:", describe(err))
		os.Exit(1)
	}
}

// describe is what the operator reads: a classified error's code, message and fields, never
// its cause (a duplicate key is a CONFLICT, not the database's wording); anything else in full,
// since an unreachable database or a bad setting is the operator's to fix.
func describe(err error) string {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind == apperr.Internal {
		return err.Error()
	}
	msg := string(ae.Kind) + ": " + ae.Message
	if len(ae.Fields) > 1 {
		for _, f := range ae.Fields {
			msg += "\n  " + f.Field + ": " + f.Message
		}
	}
	return msg
}

// usageOut is where help goes (the tests read it).
var usageOut io.Writer = os.Stdout

const usage = `Clientele serves a customer-account service: REST under /v1 (described at /openapi.yaml)
and GraphQL at /graphql.

Usage:
  clientele [serve]        apply pending migrations, then serve on CLIENTELE_ADDR
  clientele migrate        apply pending migrations and exit
  clientele admin create --email EMAIL --password PASSWORD [--name NAME]
                           create a super administrator
  clientele help [COMMAND] print this help, or a command's (so does COMMAND -h)

Settings come from CLIENTELE_* environment variables (the README lists them); without
CLIENTELE_DATABASE_URL the data is kept in the SQLite file clientele.db.
`

// commandUsage is each command's help.
var commandUsage = map[string]string{
	"serve": `Usage: clientele serve

Applies pending migrations, creates the first super administrator from CLIENTELE_ADMIN_EMAIL
and CLIENTELE_ADMIN_PASSWORD when there is no admin yet, and serves REST and GraphQL on
CLIENTELE_ADDR until SIGINT or SIGTERM, then drains requests in flight for up to
CLIENTELE_SHUTDOWN_TIMEOUT. "clientele" with no command does the same.
`,
	"migrate": `Usage: clientele migrate

Applies pending migrations to CLIENTELE_DATABASE_URL and exits.
`,
	"admin": `Usage: clientele admin create --email EMAIL --password PASSWORD [--name NAME]

Creates a super administrator (every permission), after applying pending migrations. The
password must satisfy the password policy; an email another admin has is refused.

Flags:
  --email EMAIL        the admin's email (required)
  --password PASSWORD  the admin's password (required)
  --name NAME          the admin's display name (default: the email)
`,
}

// errHelp means help was asked for and printed: exit 0.
var errHelp = errors.New("help printed")

func run(ctx context.Context, args []string) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	admin, err := parseCommand(cmd, args)
	if errors.Is(err, errHelp) {
		return nil
	}
	if err != nil {
		return err
	}

	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogLevel)
	d, err := db.Open(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Migrate(ctx); err != nil {
		return err
	}
	if cmd == "migrate" {
		log.Info("migrations applied", "database", config.MaskURL(cfg.DatabaseURL))
		return nil
	}
	svc, err := service.New(ctx, d, cfg, log, service.Options{})
	if err != nil {
		return err
	}
	if cmd == "admin" {
		a, err := svc.CreateSuperAdmin(ctx, admin.email, admin.password, admin.name)
		if err != nil {
			return err
		}
		fmt.Printf("created super administrator %s (%s)\n", a.Email, a.ID)
		return nil
	}
	return serve(ctx, cfg, d, svc, log)
}

type adminArgs struct{ email, password, name string }

// parseCommand checks a command line before anything is opened, and prints help when asked
// (errHelp). It returns admin create's arguments.
func parseCommand(cmd string, args []string) (adminArgs, error) {
	var a adminArgs
	switch cmd {
	case "-h", "-help", "--help", "help":
		text := usage
		if len(args) > 0 {
			if text = commandUsage[args[0]]; text == "" {
				return a, fmt.Errorf("no help for %q: the commands are serve, migrate and admin", args[0])
			}
		}
		fmt.Fprint(usageOut, text)
		return a, errHelp
	case "serve", "migrate", "admin":
	default:
		return a, fmt.Errorf("unknown command %q (want serve, migrate or admin create; see clientele --help)", cmd)
	}
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are returned, help is printed below
	if cmd == "admin" {
		if len(args) > 0 && args[0] == "create" {
			args = args[1:]
		} else if len(args) == 0 || !isHelpFlag(args[0]) {
			return a, errors.New("usage: clientele admin create --email EMAIL --password PASSWORD [--name NAME]")
		}
		fs.StringVar(&a.email, "email", "", "")
		fs.StringVar(&a.password, "password", "", "")
		fs.StringVar(&a.name, "name", "", "")
	}
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(usageOut, commandUsage[cmd])
		return a, errHelp
	} else if err != nil {
		return a, fmt.Errorf("%s: %w (see clientele %s -h)", cmd, err, cmd)
	}
	if fs.NArg() > 0 {
		return a, fmt.Errorf("%s: unexpected argument %q (see clientele %s -h)", cmd, fs.Arg(0), cmd)
	}
	return a, nil
}

func isHelpFlag(arg string) bool {
	switch strings.TrimLeft(arg, "-") {
	case "h", "help":
		return strings.HasPrefix(arg, "-")
	}
	return false
}

func serve(ctx context.Context, cfg config.Config, d *db.DB, svc *service.Service, log *slog.Logger) error {
	log.Info("starting", "config", cfg.String())
	created, err := svc.BootstrapAdmin(ctx)
	if err != nil {
		return fmt.Errorf("bootstrap admin: %w", err)
	}
	if created {
		log.Info("created the first super administrator", "email", cfg.AdminEmail)
	}
	opts, err := app.OptionsFrom(cfg, d.SQL())
	if err != nil {
		return err
	}
	e, err := app.New(svc, log, opts)
	if err != nil {
		return err
	}
	defer runInBackground(ctx, func(ctx context.Context) { svc.RunCourier(ctx, 0) })()
	defer runInBackground(ctx, func(ctx context.Context) { svc.RunHousekeeping(ctx, cfg.HousekeepingInterval) })()
	defer runInBackground(ctx, svc.FollowRevocations)()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	log.Info("listening", "addr", ln.Addr().String())
	// The mails the last requests handed to the background (reset and verification links)
	// still go out, within what is left of the grace.
	drainMail := func(ctx context.Context) {
		if err := svc.Shutdown(ctx); err != nil {
			log.Warn("background work still running after the shutdown timeout", "err", err)
		}
	}
	return httpserver.Serve(ctx, httpserver.New(e, cfg.HTTP), ln, cfg.ShutdownTimeout, log, drainMail)
}

// runInBackground runs fn until ctx ends or the returned stop is called; stop waits for fn.
func runInBackground(ctx context.Context, fn func(context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); fn(ctx) }()
	return func() { cancel(); <-done }
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}
