// Package mariadbtest starts a MariaDB server of a test's own, on a temporary data directory
// and a port of its own, so fault tests can stop, kill and freeze it (SPEC §9 "Evidence")
// without touching any database anyone else uses. Tests that use it skip when not run as root
// or when mariadbd is not installed.
package mariadbtest

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Binaries, in the order they are looked for.
var (
	serverBinaries  = []string{"mariadbd", "/usr/sbin/mariadbd", "mysqld", "/usr/sbin/mysqld"}
	installBinaries = []string{"mariadb-install-db", "mysql_install_db"}
)

// Server is a running mariadbd this test started. Its root user has no password.
type Server struct {
	t       testing.TB
	dir     string
	port    int
	server  string
	cmd     *exec.Cmd
	exited  chan struct{}
	Startup time.Duration // how long the last start took until the server answered
}

// Start initialises a data directory and starts mariadbd on it; the server is killed and the
// directory removed when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mariadbtest: starting an own mariadbd needs root here")
	}
	server, install := lookPath(serverBinaries), lookPath(installBinaries)
	if server == "" || install == "" {
		t.Skip("mariadbtest: mariadbd or mariadb-install-db is not installed")
	}
	// A short path: the Unix socket's must fit in 108 bytes, which t.TempDir's may not.
	dir, err := os.MkdirTemp("", "mariadbtest-")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, dir: dir, port: freePort(t), server: server}
	t.Cleanup(func() {
		s.Kill()
		_ = os.RemoveAll(dir)
	})
	began := time.Now()
	out, err := exec.Command(install, append([]string{"--no-defaults", "--datadir=" + s.dataDir(),
		"--auth-root-authentication-method=normal", "--skip-test-db", "--user=root"}, engineOptions...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("mariadbtest: %s: %v\n%s", install, err, out)
	}
	s.Restart()
	t.Logf("mariadbtest: own mariadbd on port %d: data directory in %v, server answering %v later",
		s.port, (time.Since(began) - s.Startup).Round(time.Millisecond), s.Startup.Round(time.Millisecond))
	return s
}

// engineOptions keep the server small and quick to start (a 96 MiB redo log by default).
var engineOptions = []string{"--innodb-buffer-pool-size=32M", "--innodb-log-file-size=16M"}

// URL is a CLIENTELE_DATABASE_URL for database name on this server.
func (s *Server) URL(name string) string {
	return fmt.Sprintf("mysql://root@127.0.0.1:%d/%s", s.port, name)
}

// CreateDatabase creates database name and returns its URL.
func (s *Server) CreateDatabase(name string) string {
	s.t.Helper()
	db := s.open()
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		s.t.Fatalf("mariadbtest: create database: %v", err)
	}
	return s.URL(name)
}

// Restart starts mariadbd on the same data directory and port (after Kill) and waits until
// it answers.
func (s *Server) Restart() {
	s.t.Helper()
	began := time.Now()
	cmd := exec.Command(s.server, append([]string{"--no-defaults", "--user=root",
		"--datadir=" + s.dataDir(), "--port=" + strconv.Itoa(s.port), "--bind-address=127.0.0.1",
		"--socket=" + filepath.Join(s.dir, "s"), "--pid-file=" + filepath.Join(s.dir, "pid"),
		"--log-error=" + s.logFile(), "--skip-name-resolve", "--skip-log-bin",
		"--innodb-flush-log-at-trx-commit=2", "--max-connections=500"}, engineOptions...)...)
	// A test binary that dies without its cleanups (a timeout's panic) takes the server along.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("mariadbtest: start %s: %v", s.server, err)
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	go func(exited chan struct{}) { _ = cmd.Wait(); close(exited) }(s.exited)
	db := s.open()
	defer db.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			break
		}
		select {
		case <-s.exited:
			s.t.Fatalf("mariadbtest: mariadbd exited while starting:\n%s", s.log())
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("mariadbtest: mariadbd did not answer within 30 s: %v\n%s", err, s.log())
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.Startup = time.Since(began)
}

// Kill ends the server at once (SIGKILL, by its PID), as a crash or a lost host would, and
// waits until it is gone. A frozen server is killed too.
func (s *Server) Kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
	s.cmd = nil
}

// Freeze stops the server's process (SIGSTOP): connections stay open and the port accepts,
// but nothing answers, as with a hung host or a stalled disk. It returns once every thread
// has stopped: a signal is delivered asynchronously, and a thread that is still running
// could answer one more statement.
func (s *Server) Freeze() {
	s.t.Helper()
	s.signal(syscall.SIGSTOP)
	deadline := time.Now().Add(5 * time.Second)
	for !s.stopped() {
		if time.Now().After(deadline) {
			s.t.Fatal("mariadbtest: mariadbd did not stop within 5 s of SIGSTOP")
		}
		time.Sleep(time.Millisecond)
	}
}

// stopped reports whether every thread of the server is in the stopped state (Linux /proc).
func (s *Server) stopped() bool {
	stats, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", s.cmd.Process.Pid))
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // the thread ended
		}
		// The state follows the parenthesised command name: "pid (comm) T ...".
		i := strings.LastIndexByte(string(b), ')')
		if i < 0 || i+2 >= len(b) || (b[i+2] != 'T' && b[i+2] != 't') {
			return false
		}
	}
	return len(stats) > 0
}

// Thaw resumes a frozen server (SIGCONT).
func (s *Server) Thaw() { s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig syscall.Signal) {
	s.t.Helper()
	if s.cmd == nil {
		s.t.Fatal("mariadbtest: the server is not running")
	}
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("mariadbtest: %v: %v", sig, err)
	}
}

func (s *Server) open() *sql.DB {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr = "root", "tcp", "127.0.0.1:"+strconv.Itoa(s.port)
	cfg.Timeout = time.Second
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		s.t.Fatal(err)
	}
	return sql.OpenDB(connector)
}

func (s *Server) dataDir() string { return filepath.Join(s.dir, "data") }
func (s *Server) logFile() string { return filepath.Join(s.dir, "error.log") }

func (s *Server) log() string {
	b, _ := os.ReadFile(s.logFile())
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-20):], "\n")
}

func lookPath(names []string) string {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
