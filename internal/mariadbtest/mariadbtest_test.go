package mariadbtest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/mariadbtest"
)

// TestServerLifecycle: the server answers, is gone after Kill, comes back with its data after
// Restart, and hangs while frozen.
func TestServerLifecycle(t *testing.T) {
	s := mariadbtest.Start(t)
	d, err := db.Open(s.CreateDatabase("lifecycle"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	exec := func(timeout time.Duration, sql string) error {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		return d.Gorm().WithContext(ctx).Exec(sql).Error
	}
	if err := exec(5*time.Second, "CREATE TABLE kept (id INT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	if err := exec(5*time.Second, "INSERT INTO kept VALUES (1)"); err != nil {
		t.Fatal(err)
	}

	s.Kill()
	if err := exec(5*time.Second, "SELECT 1"); err == nil {
		t.Fatal("a killed server answered")
	}

	s.Restart()
	t.Logf("restart after a kill answered in %v", s.Startup.Round(time.Millisecond))
	var n int64
	if err := d.Gorm().Raw("SELECT COUNT(*) FROM kept").Scan(&n).Error; err != nil || n != 1 {
		t.Fatalf("after restart: %d rows, %v", n, err)
	}

	s.Freeze()
	began := time.Now()
	err = exec(500*time.Millisecond, "SELECT 1")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a frozen server: %v, want the context's deadline", err)
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("a statement on a frozen server took %v despite a 500ms deadline", took)
	}
	s.Thaw()
	if err := exec(5*time.Second, "SELECT 1"); err != nil {
		t.Fatalf("after thaw: %v", err)
	}
}
