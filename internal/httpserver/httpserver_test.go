package httpserver_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/httpserver"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// start serves h within l on a free port until the test ends; it returns the address and the
// channel Serve's result arrives on, and a function that stops it (as SIGTERM would).
func start(t *testing.T, h http.Handler, l httpserver.Limits, grace time.Duration) (string, func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- httpserver.Serve(ctx, httpserver.New(h, l), ln, grace, quiet) }()
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(grace + 5*time.Second):
			t.Fatal("Serve did not return after its grace")
			return nil
		}
	}
	t.Cleanup(func() { cancel() })
	return ln.Addr().String(), stop
}

var ok = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })

// TestSlowHeadersAreCut: 300 connections that send half a request and then nothing are closed
// by the server once ReadHeaderTimeout passes, while ordinary requests are served meanwhile.
func TestSlowHeadersAreCut(t *testing.T) {
	const conns = 300
	l := httpserver.DefaultLimits
	l.ReadHeaderTimeout = 500 * time.Millisecond
	addr, stop := start(t, ok, l, time.Second)

	slow := make([]net.Conn, 0, conns)
	t.Cleanup(func() {
		for _, c := range slow {
			_ = c.Close()
		}
	})
	began := time.Now()
	for range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		slow = append(slow, c)
		if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: "); err != nil {
			t.Fatal(err)
		}
	}

	client := &http.Client{Timeout: 2 * time.Second}
	for i := range 20 {
		resp, err := client.Get("http://" + addr + "/")
		if err != nil {
			t.Fatalf("request %d beside the slow connections: %v", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != "ok" {
			t.Fatalf("request %d: %d %q", i, resp.StatusCode, body)
		}
	}

	// Every slow connection is closed by the server: its read ends, with no response.
	var wg sync.WaitGroup
	closedAfter := make([]time.Duration, conns)
	for i, c := range slow {
		wg.Go(func() {
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err := io.ReadAll(c)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Errorf("connection %d still open after 5 s", i)
				return
			}
			closedAfter[i] = time.Since(began)
		})
	}
	wg.Wait()
	var last time.Duration
	for _, d := range closedAfter {
		last = max(last, d)
	}
	t.Logf("%d slow-header connections all closed by the server %v after the first was opened (ReadHeaderTimeout %v)", conns, last.Round(time.Millisecond), l.ReadHeaderTimeout)
	if err := stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

// TestHeadersAreBounded: a request whose headers exceed MaxHeaderBytes is refused with 431.
func TestHeadersAreBounded(t *testing.T) {
	addr, _ := start(t, ok, httpserver.DefaultLimits, time.Second)
	req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
	req.Header.Set("X-Big", strings.Repeat("x", 80<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("80 KiB of headers: %d, want 431", resp.StatusCode)
	}
}

// TestIdleConnectionsAreClosed: a keep-alive connection that sends no next request is closed
// after IdleTimeout.
func TestIdleConnectionsAreClosed(t *testing.T) {
	l := httpserver.DefaultLimits
	l.IdleTimeout = 300 * time.Millisecond
	addr, _ := start(t, ok, l, time.Second)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, err := r.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("idle connection: read gave %v, want EOF (closed by the server)", err)
	}
}

// TestShutdownDrainsThenGivesUp: a request in flight when shutdown begins is answered if it
// finishes within the grace; one that does not is cut off at the grace, and Serve still
// returns nil (the process exits 0).
func TestShutdownDrainsThenGivesUp(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 2)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		if r.URL.Path == "/forever" {
			<-r.Context().Done()
			return
		}
		<-release
		_, _ = io.WriteString(w, "drained")
	})

	t.Run("drains", func(t *testing.T) {
		addr, stop := start(t, h, httpserver.DefaultLimits, 5*time.Second)
		got := make(chan string, 1)
		go func() {
			resp, err := http.Get("http://" + addr + "/slow")
			if err != nil {
				got <- err.Error()
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			got <- string(b)
		}()
		<-entered
		stopped := make(chan error, 1)
		go func() { stopped <- stop() }()
		time.Sleep(100 * time.Millisecond)
		if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			t.Error("the listener still accepts after shutdown began")
		}
		close(release)
		if b := <-got; b != "drained" {
			t.Errorf("the request in flight got %q", b)
		}
		if err := <-stopped; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})

	t.Run("gives up after the grace", func(t *testing.T) {
		const grace = 300 * time.Millisecond
		addr, stop := start(t, h, httpserver.DefaultLimits, grace)
		go func() {
			if resp, err := http.Get("http://" + addr + "/forever"); err == nil {
				resp.Body.Close()
			}
		}()
		<-entered
		began := time.Now()
		if err := stop(); err != nil {
			t.Fatalf("Serve past its grace: %v, want nil", err)
		}
		if took := time.Since(began); took < grace || took > grace+2*time.Second {
			t.Fatalf("Serve returned %v after shutdown began, grace %v", took, grace)
		}
	})
}
