package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/service"
	"github.com/clientele/clientele/internal/testdb"
)

// TestCommands runs the binary's commands against a real database: migrate, admin create,
// then serve with a bootstrap admin until the context ends (graceful shutdown).
func TestCommands(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			url := testdb.URL(t, dialect)
			t.Setenv("CLIENTELE_DATABASE_URL", url)
			ctx := context.Background()

			if err := run(ctx, []string{"migrate"}); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			if err := run(ctx, []string{"admin", "create", "--email", "Ops@Example.com", "--password", "an admin passphrase"}); err != nil {
				t.Fatalf("admin create: %v", err)
			}
			if err := run(ctx, []string{"admin", "create", "--email", "ops@example.com", "--password", "an admin passphrase"}); err == nil {
				t.Fatal("creating the same admin twice succeeded")
			}
			if err := run(ctx, []string{"admin", "create", "--email", "weak@example.com", "--password", "short"}); err == nil {
				t.Fatal("a short admin password was accepted")
			}
			if err := run(ctx, []string{"frobnicate"}); err == nil || !strings.Contains(err.Error(), "unknown command") {
				t.Fatalf("unknown command: %v", err)
			}

			d, err := db.Open(url)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			cfg, _ := config.Load(func(string) string { return "" })
			svc, err := service.New(ctx, d, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), service.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.GenerateAdminToken(ctx, auth.Principal{}, "ops@example.com", "an admin passphrase"); err != nil {
				t.Fatalf("the created admin cannot sign in: %v", err)
			}

			addr := freeAddr(t)
			t.Setenv("CLIENTELE_ADDR", addr)
			serveCtx, stop := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- run(serveCtx, nil) }()
			waitUntilServing(t, "http://"+addr+"/healthz")
			stop()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("serve returned %v after shutdown", err)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("serve did not shut down")
			}
		})
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitUntilServing(t *testing.T, url string) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never answered", url)
}
