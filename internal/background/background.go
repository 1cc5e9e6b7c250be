// Package background runs work that a request asks for but need not wait for, such as the
// writes behind an answer that must not depend on them (a password reset answers the same
// whether or not the email exists). A job starts a short delay after it is queued, so that it
// runs after the answer has gone out rather than beside it, competing with it for the CPU and
// the database. Jobs run a bounded number at a time, each under its own timeout and detached
// from the request that queued it, so a client hanging up does not cancel them; a bounded
// number wait, so a burst queues instead of growing memory. A job's error or panic is logged,
// never returned to the request.
package background

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// ErrClosed is returned by Go after Close: the process is shutting down.
var ErrClosed = errors.New("background: closed")

// Runner runs jobs in the background. The zero value is not usable; see New.
type Runner struct {
	log     *slog.Logger
	delay   time.Duration
	timeout time.Duration
	slots   chan struct{} // one per job queued or running: the bound on waiting work
	running chan struct{} // one per job running: the bound on concurrency

	mu      sync.Mutex
	pending int
	idle    chan struct{} // closed while pending is 0
	closed  bool
}

// New returns a runner of at most workers jobs at a time and queue more waiting, each job
// starting delay after it is queued and cancelled timeout after it starts.
func New(workers, queue int, delay, timeout time.Duration, log *slog.Logger) *Runner {
	idle := make(chan struct{})
	close(idle)
	return &Runner{log: log, delay: delay, timeout: timeout, slots: make(chan struct{}, workers+queue),
		running: make(chan struct{}, workers), idle: idle}
}

// Go queues job under name (for the log). When the queue is full it waits for room until ctx
// ends, and then returns ctx's error; after Close it returns ErrClosed. job runs under a
// context of its own, carrying none of ctx's values or cancellation.
func (r *Runner) Go(ctx context.Context, name string, job func(ctx context.Context) error) error {
	if err := r.add(); err != nil {
		return err
	}
	select {
	case r.slots <- struct{}{}:
	case <-ctx.Done():
		r.done()
		return ctx.Err()
	}
	go func() {
		defer r.done()
		defer func() { <-r.slots }()
		time.Sleep(r.delay)
		r.running <- struct{}{}
		defer func() { <-r.running }()
		r.run(name, job)
	}()
	return nil
}

func (r *Runner) run(name string, job func(ctx context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("background job panicked", "job", name, "panic", fmt.Sprint(p))
		}
	}()
	if err := job(ctx); err != nil {
		r.log.Error("background job failed", "job", name, "err", err)
	}
}

func (r *Runner) add() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	if r.pending == 0 {
		r.idle = make(chan struct{})
	}
	r.pending++
	return nil
}

func (r *Runner) done() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending--
	if r.pending == 0 {
		close(r.idle)
	}
}

// Wait returns once no job is queued or running, or with ctx's error when ctx ends first.
func (r *Runner) Wait(ctx context.Context) error {
	r.mu.Lock()
	idle := r.idle
	r.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops taking jobs and waits, until ctx ends, for those already taken to finish.
func (r *Runner) Close(ctx context.Context) error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	return r.Wait(ctx)
}
