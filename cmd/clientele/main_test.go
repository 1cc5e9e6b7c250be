package main

import (
	"bufio"
	"context"
	"fmt"
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

// TestShutdown: on SIGTERM (the context ending) serve stops accepting, lets a request in
// flight finish within CLIENTELE_SHUTDOWN_TIMEOUT, and returns nil (exit status 0) even when a
// request is still unfinished at the timeout: its connection is closed then.
func TestShutdown(t *testing.T) {
	register := `{"email":"drain@example.com","password":"a fine passphrase","confirmPassword":"a fine passphrase","firstName":"Ada","lastName":"Lovelace"}`
	// serve starts the server and a register request whose body is half sent.
	serve := func(t *testing.T, timeout string) (stop func() (error, time.Duration), conn net.Conn) {
		t.Setenv("CLIENTELE_DATABASE_URL", testdb.URL(t, db.SQLite))
		t.Setenv("CLIENTELE_SHUTDOWN_TIMEOUT", timeout)
		addr := freeAddr(t)
		t.Setenv("CLIENTELE_ADDR", addr)
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		done := make(chan error, 1)
		go func() { done <- run(ctx, nil) }()
		waitUntilServing(t, "http://"+addr+"/healthz")
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		fmt.Fprintf(conn, "POST /v1/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
			len(register), register[:10])
		time.Sleep(100 * time.Millisecond) // the request is in its handler, reading the body
		return func() (error, time.Duration) {
			began := time.Now()
			cancel()
			select {
			case err := <-done:
				return err, time.Since(began)
			case <-time.After(10 * time.Second):
				t.Fatal("serve did not return")
				return nil, 0
			}
		}, conn
	}

	t.Run("drains a request in flight", func(t *testing.T) {
		stop, conn := serve(t, "5s")
		stopped := make(chan error, 1)
		go func() { err, _ := stop(); stopped <- err }()
		time.Sleep(200 * time.Millisecond)
		if _, err := io.WriteString(conn, register[10:]); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("the request in flight got no response: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Errorf("the request in flight: %d", resp.StatusCode)
		}
		if err := <-stopped; err != nil {
			t.Errorf("serve: %v", err)
		}
	})

	t.Run("exits 0 past the timeout", func(t *testing.T) {
		stop, conn := serve(t, "300ms")
		err, took := stop()
		if err != nil {
			t.Errorf("serve returned %v past its shutdown timeout, want nil (exit 0)", err)
		}
		if took < 300*time.Millisecond || took > 3*time.Second {
			t.Errorf("serve returned %v after the signal; the shutdown timeout is 300ms", took)
		}
		_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := io.ReadAll(conn); err != nil {
			t.Errorf("the unfinished request's connection was not closed: %v", err)
		}
	})
}
