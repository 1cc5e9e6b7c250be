package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// readmeBlock is a fenced code block of README.md's Examples section.
type readmeBlock struct {
	line  int    // README line of its first line of code
	lang  string // sh, json, …
	code  string
	prose string // the text between the previous block and this one
}

// examplePreamble makes the examples fail as a reader would notice: any failing command stops
// the run, curl fails on an HTTP error status (showing the body), and a GraphQL answer with
// errors counts as a failure although its status is 200; a proxy in the environment is not
// used for the local server. README_LINE_OFFSET, set before each
// block, turns the script's line numbers into README's.
const examplePreamble = `set -euo pipefail
README_LINE_OFFSET=0
trap 'echo "README.md:$((LINENO + README_LINE_OFFSET)): failed (exit $?): $BASH_COMMAND" >&2' ERR
curl() {
	local body status=0
	body=$(mktemp)
	command curl --noproxy '*' --fail-with-body --show-error "$@" >"$body" || status=$?
	if [[ $status == 0 && $* == */graphql* ]] && jq -e 'type == "object" and has("errors")' "$body" >/dev/null 2>&1; then
		echo "GraphQL answered errors" >&2
		status=1
	fi
	if [[ $status != 0 ]]; then
		echo "curl $* failed (exit $status):" >&2
		cat "$body" >&2
		echo >&2
		rm -f "$body"
		return "$status"
	fi
	cat "$body"
	rm -f "$body"
}
`

// TestReadmeExamples runs the shell blocks of README.md's Examples section top to bottom in one
// bash, against a server started as the first block says (SQLite, a bootstrap admin), and
// checks the outputs the README shows. A broken example fails with its README line and output.
func TestReadmeExamples(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the README examples need %s: %v", tool, err)
		}
	}
	blocks := readmeExamples(t)

	dir := t.TempDir()
	addr := freeAddr(t)
	url := "http://" + addr
	t.Setenv("CLIENTELE_ADDR", addr)
	t.Setenv("CLIENTELE_DATABASE_URL", "sqlite:"+filepath.Join(dir, "clientele.db"))
	t.Setenv("CLIENTELE_ADMIN_EMAIL", "admin@example.com")
	t.Setenv("CLIENTELE_ADMIN_PASSWORD", "change me, admin!")
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	waitUntilServing(t, url+"/healthz")

	var script strings.Builder
	script.WriteString(examplePreamble)
	var shell []readmeBlock // the blocks run, in order
	for _, b := range blocks {
		if b.lang != "sh" {
			continue
		}
		if strings.Contains(b.code, "go run ./cmd/clientele") {
			continue // the server the test started
		}
		n := len(shell)
		shell = append(shell, b)
		code := strings.ReplaceAll(b.code, "http://localhost:8080", url)
		scriptLine := strings.Count(script.String(), "\n") + 1
		// The block starts two lines below this one (the offset, then "{").
		fmt.Fprintf(&script, "README_LINE_OFFSET=%d\n{\n%s} >%q 2>%q\n", b.line-(scriptLine+2), code,
			filepath.Join(dir, fmt.Sprintf("out.%d", n)), filepath.Join(dir, fmt.Sprintf("err.%d", n)))
	}
	if len(shell) < 5 {
		t.Fatalf("found %d shell blocks in README.md's Examples section; the parser is off", len(shell))
	}

	cmd := exec.Command("bash", "-c", script.String())
	cmd.Dir = dir
	runErr := cmd.Run()
	output := func(n int) (stdout, stderr string) {
		o, _ := os.ReadFile(filepath.Join(dir, fmt.Sprintf("out.%d", n)))
		e, _ := os.ReadFile(filepath.Join(dir, fmt.Sprintf("err.%d", n)))
		return string(o), string(e)
	}
	if runErr != nil {
		// The last block that wrote its files is the one that failed.
		last := 0
		for n := range shell {
			if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf("out.%d", n))); err == nil {
				last = n
			}
		}
		stdout, stderr := output(last)
		t.Fatalf("the README example at README.md:%d failed: %v\n--- example\n%s--- stdout\n%s--- stderr\n%s",
			shell[last].line, runErr, shell[last].code, stdout, stderr)
	}

	if testing.Verbose() {
		for n, b := range shell {
			stdout, stderr := output(n)
			t.Logf("README.md:%d printed\n%s%s", b.line, stdout, stderr)
		}
	}

	// A ```json block whose preceding text says "prints" is the output of the last command of the
	// shell block before it.
	checked := 0
	for i, b := range blocks {
		if b.lang != "json" || !strings.Contains(b.prose, "prints") {
			continue
		}
		n := -1
		for j := i - 1; j >= 0 && n < 0; j-- {
			for k, s := range shell {
				if s.line == blocks[j].line {
					n = k
				}
			}
		}
		if n < 0 {
			t.Fatalf("README.md:%d: an expected output follows no example", b.line)
		}
		var want any
		if err := json.Unmarshal([]byte(b.code), &want); err != nil {
			t.Fatalf("README.md:%d: the expected output is not JSON: %v", b.line, err)
		}
		stdout, _ := output(n)
		got, err := lastJSON(stdout)
		if err != nil {
			t.Fatalf("README.md:%d: the example's output is not JSON: %v\n%s", shell[n].line, err, stdout)
		}
		if !sameShape(want, got) {
			printed, _ := json.MarshalIndent(got, "", "  ")
			t.Errorf("README.md:%d says the example at README.md:%d ends by printing\n%s\nbut it printed\n%s", b.line, shell[n].line, b.code, printed)
		}
		checked++
	}
	if checked == 0 {
		t.Error("no expected output was checked; the parser is off")
	}
}

// readmeExamples returns the fenced blocks of README.md's "## Examples" section, in order.
func readmeExamples(t *testing.T) []readmeBlock {
	t.Helper()
	f, err := os.Open("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		blocks  []readmeBlock
		in      bool // inside the section
		cur     *readmeBlock
		prose   strings.Builder
		lineNum int
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lineNum++
		line := sc.Text()
		switch {
		case cur != nil && line == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.code += line + "\n"
		case strings.HasPrefix(line, "## "):
			if in {
				return blocks
			}
			in = line == "## Examples"
		case in && strings.HasPrefix(line, "```"):
			cur = &readmeBlock{line: lineNum + 1, lang: strings.TrimPrefix(line, "```"), prose: prose.String()}
			prose.Reset()
		case in:
			prose.WriteString(line + "\n")
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(blocks) == 0 {
		t.Fatal(`README.md has no "## Examples" section with code blocks`)
	}
	return blocks
}

// lastJSON is the last of the JSON values the output is made of.
func lastJSON(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	var last any
	found := false
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		last, found = v, true
	}
	if !found {
		return nil, errors.New("no output")
	}
	return last, nil
}

var rfc3339 = regexp.MustCompile(`^\d{4}-\d\d-\d\dT`)

// sameShape is deep equality, except that an id matches any id and a time any time: the
// README cannot know what the server generates.
func sameShape(want, got any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for k, v := range w {
			if gv, ok := g[k]; !ok || !sameShape(v, gv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !sameShape(w[i], g[i]) {
				return false
			}
		}
		return true
	case string:
		g, ok := got.(string)
		if !ok {
			return false
		}
		if _, err := uuid.Parse(w); err == nil {
			_, err := uuid.Parse(g)
			return err == nil
		}
		if rfc3339.MatchString(w) {
			_, errW := time.Parse(time.RFC3339Nano, w)
			_, errG := time.Parse(time.RFC3339Nano, g)
			return errW == nil && errG == nil
		}
		return w == g
	default:
		return reflect.DeepEqual(want, got)
	}
}
