package service_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/clientele/clientele/internal/apperr"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/config"
	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/service"
)

// testArgon2 is real argon2id at a cost that keeps the suite fast.
var testArgon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1}

func newService(t testing.TB, d *db.DB, mutate ...func(*config.Config)) *service.Service {
	t.Helper()
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mutate {
		m(&cfg)
	}
	s, err := service.New(context.Background(), d, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), service.Options{Argon2: &testArgon2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) }) // before the database goes
	return s
}

func wantKind(t *testing.T, err error, kind apperr.Kind) *apperr.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s, got no error", kind)
	}
	ae := apperr.As(err)
	if ae.Kind != kind {
		t.Fatalf("want %s, got %v", kind, err)
	}
	return ae
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
