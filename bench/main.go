// Command bench measures Clientele against two baselines on the same machine: in one process
// and one run it seeds MariaDB/MySQL, serves Clientele (app.New over service.New), a
// same-answer baseline and a bare baseline, drives them over loopback, and prints a table,
// issue 14's targets as met/MISSED lines, and `ratio same-answer NAME=0.NN` and `ratio bare
// NAME=0.NN` lines (Clientele's req/s over each baseline's).
//
// The same-answer baseline (sameanswer*.go) is hand-written net/http, database/sql and
// encoding/json answering the same requests with the same bodies after the same token check
// (and, for sign-in, the same argon2id check and writes): before measuring a case the bench
// sends one request to both and stops on any difference in the bodies (samecheck.go). Both
// check tokens in the same mode (-sync): in the database per request, or by following the
// revocation feed in memory (sameanswer_feed.go); before measuring, the bench revokes tokens
// through Clientele and stops unless the baseline refuses them within the interval
// (samerevoke.go). The
// bare baseline (baseline.go) runs a thin primary-key select; its ratios are kept for
// continuity with earlier results.
//
//	go run ./bench                    # 100k customers on mysql://root@127.0.0.1:3306/clientele_bench
//	go run ./bench -quick             # 10k customers, 2 s per case: proves it runs (CI), not a verdict
//	go run ./bench -cases getMe,signIn -duration 20s -cpuprofile /tmp/prof
//	go run ./bench -cases mixedWrites -duration 30s   # issue 13's mixed writes at 32 connections
//	go run ./bench -sync 1s           # both servers follow the revocation feed (the default is 0)
//
// Speed is reported as ratios within one run, never as timed assertions. Seeded data is
// reused when the database already holds -n customers (-reseed to start over). Server,
// baselines and load generator share one process, so RSS is the process's: the peak (VmHWM)
// is reset before each run's window and read after it.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"
)

func main() {
	dbURL := flag.String("db", "", "mysql://user:pass@host:port/db (default: a fresh clientele_bench on mysql://root@127.0.0.1:3306)")
	n := flag.Int("n", 100000, "customers to seed")
	quick := flag.Bool("quick", false, "10k customers, 2s per case (CI smoke run)")
	duration := flag.Duration("duration", 10*time.Second, "measured time per case (after a short warm-up)")
	sync := flag.Duration("sync", 0, "CLIENTELE_REVOCATION_SYNC of Clientele and the same-answer baseline alike: 0 checks every token in the database; "+
		"1s follows the revocation feed in memory, checking a subject in the database once")
	conns := flag.Int("conns", 16, "concurrent connections (sign-in always uses 16)")
	cases := flag.String("cases", "", "comma list of cases to run (default all): "+strings.Join(caseNames(), ","))
	reseed := flag.Bool("reseed", false, "seed again even if the database already has -n customers")
	cpuprofile := flag.String("cpuprofile", "", "directory for one CPU profile per run (<case>.pprof)")
	flag.Parse()
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *quick {
		if !set["n"] {
			*n = 10000
		}
		if !set["duration"] {
			*duration = 2 * time.Second
		}
	}
	selected := caseNames()
	if *cases != "" {
		selected = strings.Split(*cases, ",")
		for _, c := range selected {
			if !slices.Contains(caseNames(), c) {
				log.Fatalf("unknown case %q; want one of %s", c, strings.Join(caseNames(), ","))
			}
		}
	}
	if *cpuprofile != "" {
		if err := os.MkdirAll(*cpuprofile, 0o755); err != nil {
			log.Fatal(err)
		}
	}
	if err := bench(context.Background(), options{
		dbURL: *dbURL, n: *n, duration: *duration, conns: *conns, cases: selected, reseed: *reseed, profDir: *cpuprofile, sync: *sync,
	}); err != nil {
		log.Fatal(err)
	}
}

type options struct {
	dbURL    string
	n        int
	duration time.Duration
	conns    int
	cases    []string
	reseed   bool
	profDir  string
	sync     time.Duration
}

func bench(ctx context.Context, cfg options) error {
	start := time.Now()
	if cfg.dbURL == "" {
		var err error
		if cfg.dbURL, err = createDatabase(ctx, "mysql://root@127.0.0.1:3306", "clientele_bench"); err != nil {
			return err
		}
	}
	env, err := setup(ctx, cfg)
	if err != nil {
		return err
	}
	defer env.close()
	fmt.Printf("machine: %d CPUs, GOMAXPROCS %d, %s; database %s (%s); %d customers; setup %s\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), env.dbVersion, redact(cfg.dbURL), cfg.n, time.Since(start).Round(time.Millisecond))
	fmt.Printf("one argon2id hash (default params, median of 5): %s\n", env.hashTime.Round(100*time.Microsecond))
	if cfg.sync > 0 {
		fmt.Printf("token checks: -sync %s: Clientele (CLIENTELE_REVOCATION_SYNC=%[1]s) and the same-answer baseline follow the revocation feed in memory "+
			"(read every %s), checking a subject in the database once\n", cfg.sync, cfg.sync/2)
	} else {
		fmt.Println("token checks: -sync 0: Clientele (CLIENTELE_REVOCATION_SYNC=0) and the same-answer baseline check every token in the database")
	}
	if err := env.checkRevocations(); err != nil {
		return err
	}
	fmt.Println()

	results := map[string]result{}
	var rows []result
	for _, c := range env.cases() {
		if !slices.Contains(cfg.cases, c.name) {
			continue
		}
		conns := cfg.conns
		switch c.name {
		case "signIn":
			conns = 16 // the 16 parallel sign-ins
		case "mixedWrites":
			conns = 32 // issue 13's busy shop
		case "search":
			conns = 1 // issue 14's p50 target is one search's latency, not queueing on 2 cores
		}
		if c.check != nil {
			if err := c.check(); err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
		}
		runs := []*run{{name: c.name, srv: env.clientele, w: c.clientele}}
		if c.same {
			if err := env.checkSameAnswer(c); err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			runs = append(runs, &run{name: "same-answer " + c.name, srv: env.same, w: c.clientele})
		}
		if c.baseline != nil {
			runs = append(runs, &run{name: "bare " + c.name, srv: env.baseline, w: c.baseline})
		}
		stop, err := profile(cfg.profDir, c.name)
		if err != nil {
			return err
		}
		for _, r := range compare(ctx, conns, cfg.duration, runs...) {
			results[r.name] = r
			rows = append(rows, r)
		}
		stop()
	}

	printTable(rows)
	fmt.Println()
	printRatios(results, env.hashTime, time.Since(start))
	return nil
}

// profile writes a CPU profile of one case (clientele and baseline together) to dir/name.pprof.
func profile(dir, name string) (stop func(), err error) {
	if dir == "" {
		return func() {}, nil
	}
	f, err := os.Create(filepath.Join(dir, name+".pprof"))
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// createDatabase creates database name on the server at base (a URL without a path) and
// returns its URL.
func createDatabase(ctx context.Context, base, name string) (string, error) {
	if err := waitForServer(base); err != nil {
		return "", err
	}
	sqlDB, err := openSQL(base + "/mysql")
	if err != nil {
		return "", err
	}
	defer sqlDB.Close()
	if _, err := sqlDB.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	return base + "/" + name, nil
}

func waitForServer(base string) error {
	host := strings.TrimPrefix(base, "mysql://")
	host = host[strings.LastIndex(host, "@")+1:]
	c, err := net.DialTimeout("tcp", host, 2*time.Second)
	if err != nil {
		return fmt.Errorf("MariaDB does not answer on %s (start it: start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd): %w", host, err)
	}
	return c.Close()
}

func redact(u string) string {
	at := strings.LastIndex(u, "@")
	colon := strings.Index(u, "://")
	if at < 0 || colon < 0 {
		return u
	}
	user := u[colon+3 : at]
	if i := strings.Index(user, ":"); i >= 0 {
		user = user[:i] + ":***"
	}
	return u[:colon+3] + user + u[at:]
}

// server is one side of a comparison: where to send requests and how to count its SQL.
type server struct {
	base       string
	statements func() int64
}

func serve(h http.Handler) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	s := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go s.Serve(l)
	return "http://" + l.Addr().String(), func() { s.Close() }, nil
}
