package background_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/background"
)

// lockedBuffer is a log sink safe for the runner's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newRunner(t *testing.T, workers, queue int, delay, timeout time.Duration) (*background.Runner, *lockedBuffer) {
	t.Helper()
	logs := &lockedBuffer{}
	r := background.New(workers, queue, delay, timeout, slog.New(slog.NewTextHandler(logs, nil)))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := r.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return r, logs
}

func wait(t *testing.T, r *background.Runner) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.Wait(ctx); err != nil {
		t.Fatalf("Wait: %v", err)
	}
}

func TestRunsEveryJobAtMostWorkersAtATime(t *testing.T) {
	t.Parallel()
	const workers, jobs = 3, 40
	r, _ := newRunner(t, workers, jobs, 0, time.Second)
	var running, most, done atomic.Int64
	for range jobs {
		err := r.Go(context.Background(), "count", func(context.Context) error {
			n := running.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(time.Millisecond)
			running.Add(-1)
			done.Add(1)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	wait(t, r)
	if done.Load() != jobs || most.Load() > workers {
		t.Fatalf("ran %d of %d jobs, at most %d at once (limit %d)", done.Load(), jobs, most.Load(), workers)
	}
}

func TestFullQueueWaitsUntilTheCallerGivesUp(t *testing.T) {
	t.Parallel()
	r, _ := newRunner(t, 1, 1, 0, time.Second)
	release := make(chan struct{})
	hold := func(context.Context) error { <-release; return nil }
	for range 2 { // one running, one queued
		if err := r.Go(context.Background(), "hold", hold); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := r.Go(ctx, "third", hold)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) < 40*time.Millisecond {
		t.Fatalf("Go on a full queue = %v after %v, want the caller's deadline", err, time.Since(start))
	}
	close(release)
	wait(t, r)
}

func TestJobOutlivesItsRequestButNotItsTimeout(t *testing.T) {
	t.Parallel()
	r, logs := newRunner(t, 1, 1, 0, 50*time.Millisecond)
	reqCtx, cancel := context.WithCancel(context.WithValue(context.Background(), struct{}{}, "request"))
	var jobErr error
	var sawValue bool
	err := r.Go(reqCtx, "slow", func(ctx context.Context) error {
		sawValue = ctx.Value(struct{}{}) != nil
		<-ctx.Done()
		jobErr = ctx.Err()
		return jobErr
	})
	cancel() // the client hangs up at once
	if err != nil {
		t.Fatal(err)
	}
	wait(t, r)
	if !errors.Is(jobErr, context.DeadlineExceeded) || sawValue {
		t.Fatalf("job ended with %v (saw the request's values: %v); want its own timeout", jobErr, sawValue)
	}
	if !strings.Contains(logs.String(), "background job failed") || !strings.Contains(logs.String(), "job=slow") {
		t.Fatalf("the failure was not logged: %s", logs.String())
	}
}

func TestPanickingJobIsLogged(t *testing.T) {
	t.Parallel()
	r, logs := newRunner(t, 1, 1, 0, time.Second)
	if err := r.Go(context.Background(), "boom", func(context.Context) error { panic("kaboom") }); err != nil {
		t.Fatal(err)
	}
	wait(t, r)
	if !strings.Contains(logs.String(), "kaboom") {
		t.Fatalf("the panic was not logged: %s", logs.String())
	}
	// The runner still works.
	ran := false
	if err := r.Go(context.Background(), "after", func(context.Context) error { ran = true; return nil }); err != nil {
		t.Fatal(err)
	}
	wait(t, r)
	if !ran {
		t.Fatal("the job after a panic did not run")
	}
}

func TestJobStartsAfterTheDelay(t *testing.T) {
	t.Parallel()
	const delay = 30 * time.Millisecond
	r, _ := newRunner(t, 1, 1, delay, time.Second)
	queued := time.Now()
	var started time.Time
	if err := r.Go(context.Background(), "late", func(context.Context) error { started = time.Now(); return nil }); err != nil {
		t.Fatal(err)
	}
	wait(t, r)
	if started.Sub(queued) < delay {
		t.Fatalf("started %v after it was queued, want at least %v", started.Sub(queued), delay)
	}
}

func TestCloseFinishesQueuedJobsAndRefusesNewOnes(t *testing.T) {
	t.Parallel()
	logs := &lockedBuffer{}
	r := background.New(1, 4, 0, time.Second, slog.New(slog.NewTextHandler(logs, nil)))
	var done atomic.Int64
	for range 5 {
		if err := r.Go(context.Background(), "work", func(context.Context) error {
			time.Sleep(5 * time.Millisecond)
			done.Add(1)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.Close(ctx); err != nil || done.Load() != 5 {
		t.Fatalf("Close = %v with %d of 5 jobs done", err, done.Load())
	}
	if err := r.Go(context.Background(), "late", func(context.Context) error { return nil }); !errors.Is(err, background.ErrClosed) {
		t.Fatalf("Go after Close = %v, want ErrClosed", err)
	}
}
