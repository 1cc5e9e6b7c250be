// Command clientele serves Clientele's REST and GraphQL APIs.
//
//	clientele [serve]                                   migrate, then serve on CLIENTELE_ADDR
//	clientele migrate                                   apply pending migrations and exit
//	clientele admin create --email E --password P [--name N]   create a super administrator
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/clientele/clientele/internal/app"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/httpserver"
	"github.com/clientele/clientele/internal/service"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "clientele:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogLevel)
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve", "migrate", "admin":
	default:
		return fmt.Errorf("unknown command %q (want serve, migrate or admin create)", cmd)
	}

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
		return adminCreate(ctx, svc, args)
	}
	return serve(ctx, cfg, d, svc, log)
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
	proxies, _ := config.ParseCIDRs(cfg.TrustedProxies) // validated by config.Load
	e, err := app.New(svc, log, app.Options{DB: d.SQL(), GraphQLMaxComplexity: cfg.GraphQLMaxComplexity,
		GraphQLMaxBytes: cfg.GraphQLMaxBytes, GraphQLMaxFields: cfg.GraphQLMaxFields, RequestTimeout: cfg.RequestTimeout,
		TrustedProxies: proxies})
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

func adminCreate(ctx context.Context, svc *service.Service, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: clientele admin create --email EMAIL --password PASSWORD [--name NAME]")
	}
	fs := flag.NewFlagSet("admin create", flag.ContinueOnError)
	email := fs.String("email", "", "the admin's email (required)")
	password := fs.String("password", "", "the admin's password (required)")
	name := fs.String("name", "", "the admin's display name (default: the email)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	a, err := svc.CreateSuperAdmin(ctx, *email, *password, *name)
	if err != nil {
		return err
	}
	fmt.Printf("created super administrator %s (%s)\n", a.Email, a.ID)
	return nil
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}
