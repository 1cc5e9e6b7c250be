package gqlguard_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/gqlguard"
)

var limits = gqlguard.Limits{
	MaxBytes: 64 << 10, MaxSelections: 1000, MaxDepth: 12, MaxRepeats: 50, MaxFragments: 100,
	Flat:      map[string]bool{"ofType": true},
	Exclusive: map[string]bool{"signIn": true, "erase": true},
}

func TestCheck(t *testing.T) {
	nest := func(n int) string { return strings.Repeat("a { ", n-1) + "b" + strings.Repeat(" }", n-1) }
	for _, c := range []struct {
		name, query, refused string // refused: "" when allowed
	}{
		{"small", `{ a b c { d } }`, ""},
		{"does not parse: left to gqlgen", `{ a `, ""},
		{"depth 12", "{ " + nest(12) + " }", ""},
		{"depth 13", "{ " + nest(13) + " }", "nested 13 levels deep"},
		{"ofType adds no level", "{ " + strings.Repeat("a { ", 10) + "ofType { ofType { c } }" + strings.Repeat(" }", 10) + " }", ""},
		{"fragment adds no level", "{ a { ...F } } fragment F on A { " + nest(11) + " }", ""},
		{"fragment depth counts where spread", "{ a { b { ...F } } } fragment F on A { " + nest(11) + " }", "nested 13 levels deep"},
		{"1000 selections", "{ " + strings.Repeat("a ", 1000) + "}", `"a" is selected more than 50`},
		{"1001 distinct selections", "{ " + seq(1001, "a%d") + " }", "more than 1000 selections"},
		{"a fragment counts per spread", "{ ...F ...F ...F } fragment F on Q { " + seq(334, "f%d") + " }", "more than 1000 selections"},
		{"exponential fragments", fanOut(20), "more than 1000 selections"},
		{"one exclusive field", `mutation { signIn }`, ""},
		{"exclusive through an alias", `mutation { a: signIn b: signIn }`, "at most one"},
		{"exclusive through fragments", `mutation { ...F ... { erase } } fragment F on M { signIn }`, "at most one"},
		{"exclusive below the root is a plain field", `{ a { signIn erase } }`, ""},
		{"exclusive in two operations", `mutation A { signIn } mutation B { signIn }`, ""},
		{"a cycle", `{ ...A } fragment A on Q { ...B } fragment B on Q { ...A }`, "spreads itself"},
		{"unknown fragment", `{ ...Nope }`, "Unknown fragment"},
		{"duplicate fragment", `{ ...A } fragment A on Q { a } fragment A on Q { b }`, "defined twice"},
		{"unused fragment counts", `{ a } fragment U on Q { ` + seq(1001, "u%d") + ` }`, "more than 1000 selections"},
		{"too many fragments", `{ a } ` + seq(101, "fragment F%d on Q { a }"), "defines 101 fragments"},
		{"too long", `{ ` + strings.Repeat(" ", 64<<10) + `a }`, "bytes long"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := gqlguard.Check(c.query, limits)
			var ge *gqlguard.Error
			switch {
			case c.refused == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.refused != "" && (!errors.As(err, &ge) || !strings.Contains(ge.Message, c.refused)):
				t.Fatalf("got %v, want an error saying %q", err, c.refused)
			}
		})
	}
}

// seq joins n copies of format, each with its number.
func seq(n int, format string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(format, i)
	}
	return strings.Join(parts, " ")
}

// fanOut spreads each fragment ten times into the one above: 10^levels fields when expanded.
func fanOut(levels int) string {
	var b strings.Builder
	b.WriteString("{ ...F0 }\n")
	for l := range levels {
		fmt.Fprintf(&b, "fragment F%d on Q { %s }\n", l, strings.Repeat(fmt.Sprintf("...F%d ", l+1), 10))
	}
	fmt.Fprintf(&b, "fragment F%d on Q { a }\n", levels)
	return b.String()
}

// TestCheckIsLinear: documents at the byte limit, of every abusive shape, are checked fast.
func TestCheckIsLinear(t *testing.T) {
	fill := func(piece func(i int) string) string {
		var b strings.Builder
		b.WriteString("{ ")
		for i := 0; b.Len() < 64<<10-100; i++ {
			b.WriteString(piece(i) + " ")
		}
		return b.String() + "}"
	}
	for name, q := range map[string]string{
		"conflicting aliases": fill(func(i int) string { return fmt.Sprintf(`a: f(id: "%d") { x }`, i) }),
		"typename aliases":    fill(func(i int) string { return fmt.Sprintf("a%d: __typename", i) }),
		"nested":              "{ " + strings.Repeat("a { ", 6000) + "b" + strings.Repeat(" }", 6000) + " }",
		"nested inline":       "{ " + strings.Repeat("... { ", 6000) + "b" + strings.Repeat(" }", 6000) + " }",
		"fragment fan-out":    fanOut(99),
	} {
		start := time.Now()
		if err := gqlguard.Check(q, limits); err == nil {
			t.Errorf("%s: not refused", name)
		}
		if took := time.Since(start); took > 500*time.Millisecond {
			t.Errorf("%s: checked in %v", name, took)
		}
	}
}

// FuzzCheck: any document is checked without a panic, quickly.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{`{ a b { c } }`, `{ ...A } fragment A on Q { ...B } fragment B on Q { a }`,
		`mutation { a: signIn ...F } fragment F on M { signIn }`, fanOut(4), `query($v: Int = 1) { a(x: $v) @d { ... on T { b } } }`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		start := time.Now()
		_ = gqlguard.Check(q, limits)
		if took := time.Since(start); took > time.Second {
			t.Fatalf("checked %d bytes in %v", len(q), took)
		}
	})
}
