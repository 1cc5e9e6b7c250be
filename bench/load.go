package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// result is one measured run of a case against one server.
type result struct {
	name           string
	reqs, errs     int
	firstErr       string
	rps            float64
	p50, p99       time.Duration
	rssMiB, hwmMiB float64 // process RSS at the end, and its peak while this run was measured
	sqlPerReq      float64
}

// run accumulates the measured windows of one workload against one server.
type run struct {
	name     string
	srv      server
	w        workload
	client   *http.Client
	lat      []time.Duration
	errs     int
	firstErr string
	stmts    int64
	elapsed  time.Duration
	rss, hwm float64
}

// compare measures runs for d each, from conns connections. The runs take turns in windows of
// about a second, so a clientele run and its baseline see the same background load (the
// machine may be shared), and every run stops by itself.
func compare(ctx context.Context, conns int, d time.Duration, runs ...*run) []result {
	for _, r := range runs {
		tr := &http.Transport{MaxConnsPerHost: conns, MaxIdleConnsPerHost: conns, DisableCompression: true}
		defer tr.CloseIdleConnections()
		r.client = &http.Client{Transport: tr, Timeout: 30 * time.Second}
		drive(ctx, r.client, r.srv.base, r.w, conns, min(d/4, time.Second)) // fills pools and caches
	}
	rounds := max(1, int(d/time.Second))
	for range rounds {
		for _, r := range runs {
			r.window(ctx, conns, d/time.Duration(rounds))
		}
	}
	out := make([]result, len(runs))
	for i, r := range runs {
		out[i] = r.result()
	}
	return out
}

func (r *run) window(ctx context.Context, conns int, d time.Duration) {
	debug.FreeOSMemory()
	resetPeakRSS()
	before := r.srv.statements()
	start := time.Now()
	lat, errs, firstErr := drive(ctx, r.client, r.srv.base, r.w, conns, d)
	r.elapsed += time.Since(start)
	r.stmts += r.srv.statements() - before
	r.lat = append(r.lat, lat...)
	r.errs += errs
	if r.firstErr == "" {
		r.firstErr = firstErr
	}
	var hwm float64
	r.rss, hwm = readRSS()
	r.hwm = max(r.hwm, hwm)
}

func (r *run) result() result {
	res := result{name: r.name, reqs: len(r.lat), errs: r.errs, firstErr: r.firstErr, rssMiB: r.rss, hwmMiB: r.hwm}
	if len(r.lat) > 0 {
		slices.Sort(r.lat)
		res.rps = float64(len(r.lat)) / r.elapsed.Seconds()
		res.p50, res.p99 = r.lat[len(r.lat)/2], r.lat[len(r.lat)*99/100]
		res.sqlPerReq = float64(r.stmts) / float64(len(r.lat))
	}
	return res
}

// drive runs conns workers until d has passed; it returns every latency, the number of
// failed requests (not 2xx, or a GraphQL error) and the first failure.
func drive(ctx context.Context, client *http.Client, base string, w workload, conns int, d time.Duration) ([]time.Duration, int, string) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	var all []time.Duration
	errs, firstErr := 0, ""
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
			var lat []time.Duration
			var buf bytes.Buffer
			nerr, msg := 0, ""
			for ctx.Err() == nil {
				req := w(base, rnd)
				t := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					buf.Reset()
					_, err = buf.ReadFrom(resp.Body)
					resp.Body.Close()
					if err == nil && (resp.StatusCode/100 != 2 || bytes.Contains(buf.Bytes(), []byte(`"errors":[`))) {
						err = fmt.Errorf("%s: %.200s", resp.Status, buf.Bytes())
					}
				}
				if err != nil {
					nerr++
					if msg == "" {
						msg = err.Error()
					}
					continue
				}
				lat = append(lat, time.Since(t))
			}
			mu.Lock()
			defer mu.Unlock()
			all = append(all, lat...)
			errs += nerr
			if firstErr == "" {
				firstErr = msg
			}
		})
	}
	wg.Wait()
	return all, errs, firstErr
}

// resetPeakRSS makes VmHWM start again from the current RSS (Linux clear_refs "5").
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// readRSS returns VmRSS and VmHWM of this process in MiB.
func readRSS() (rss, hwm float64) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		field, value, _ := strings.Cut(sc.Text(), ":")
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 64)
		if err != nil {
			continue
		}
		switch field {
		case "VmRSS":
			rss = kb / 1024
		case "VmHWM":
			hwm = kb / 1024
		}
	}
	return rss, hwm
}

func printTable(rows []result) {
	fmt.Printf("%-30s %9s %9s %9s %9s %9s %8s %7s\n", "case", "req/s", "p50", "p99", "RSS MiB", "peak MiB", "SQL/req", "errors")
	for _, r := range rows {
		fmt.Printf("%-30s %9.0f %9s %9s %9.0f %9.0f %8.2f %7d\n", r.name, r.rps, ms(r.p50), ms(r.p99), r.rssMiB, r.hwmMiB, r.sqlPerReq, r.errs)
		if r.firstErr != "" {
			fmt.Printf("    first error: %s\n", r.firstErr)
		}
	}
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64) + "ms"
}

// printRatios prints the targets of issue 14 as met/MISSED lines and, last, one `ratio
// same-answer NAME=0.NN` line (Clientele / the same-answer baseline) and one `ratio bare
// NAME=0.NN` line (Clientele / the bare baseline, kept for continuity) per case.
func printRatios(res map[string]result, hashTime time.Duration, total time.Duration) {
	verdict := func(ok bool) string { return map[bool]string{true: "met", false: "MISSED"}[ok] }
	targets := []struct {
		name    string
		min     float64 // of the same-answer baseline's req/s
		maxP99x float64 // times its p99; 0 when the issue sets none
	}{
		{"getCustomer", 0.70, 2}, {"getMe", 0.70, 2}, {"gqlCustomer", 0.70, 2},
		{"listCustomers", 0.60, 0}, {"listCustomersTotal", 0.60, 0}, {"listCustomersDeep", 0.60, 0},
		{"gqlCustomers", 0.50, 0}, {"signIn", 0.85, 0},
	}
	var same, bare []string
	for _, t := range targets {
		c, ok := res[t.name]
		if !ok || c.rps == 0 {
			continue
		}
		if s, ok := res["same-answer "+t.name]; ok && s.rps > 0 {
			r := c.rps / s.rps
			fmt.Printf("target %-18s >= %.2f of same-answer: %.2f %s\n", t.name, t.min, r, verdict(r >= t.min))
			if t.maxP99x > 0 {
				x := float64(c.p99) / float64(s.p99)
				fmt.Printf("target %-18s p99 <= %.0fx same-answer's: %s / %s = %.2fx %s\n", t.name, t.maxP99x, ms(c.p99), ms(s.p99), x, verdict(x <= t.maxP99x))
			}
			same = append(same, fmt.Sprintf("ratio same-answer %s=%.2f", t.name, r))
		}
		if b, ok := res["bare "+t.name]; ok && b.rps > 0 {
			bare = append(bare, fmt.Sprintf("ratio bare %s=%.2f", t.name, c.rps/b.rps))
		}
	}
	// Page 2,000 within 1.2x of page 1 (issue 7): deep throughput over page-1 throughput.
	if d, ok := res["listCustomersDeep"]; ok {
		if p, ok := res["listCustomers"]; ok && p.rps > 0 {
			fmt.Printf("target %-18s >= %.2f of listCustomers: %.2f %s\n", "deepPage", 1/1.2, d.rps/p.rps, verdict(d.rps/p.rps >= 1/1.2))
		}
	}
	// RSS is the process's (Clientele, both baselines and the load generator), so an upper bound.
	var peak result
	for _, r := range res {
		if r.hwmMiB > peak.hwmMiB {
			peak = r
		}
	}
	if peak.name != "" {
		fmt.Printf("target %-18s <= 200 MiB: peak %.0f MiB (%s) %s\n", "RSS", peak.hwmMiB, peak.name, verdict(peak.hwmMiB <= 200))
	}
	if s, ok := res["signIn"]; ok {
		ceiling := float64(runtime.NumCPU()) / hashTime.Seconds()
		fmt.Printf("signIn: %.1f/s against a ceiling of %d CPUs / %s per hash = %.1f/s (%.2f)\n",
			s.rps, runtime.NumCPU(), hashTime.Round(100*time.Microsecond), ceiling, s.rps/ceiling)
	}
	fmt.Printf("total time %s\n\n", total.Round(time.Second))
	fmt.Println(strings.Join(append(same, bare...), "\n"))
}
