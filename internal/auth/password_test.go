package auth

import (
	"context"
	"errors"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// testParams is real argon2id at a cost that keeps the tests fast.
var testParams = Argon2Params{Memory: 1024, Time: 1, Threads: 1}

var phcPattern = regexp.MustCompile(`^\$argon2id\$v=19\$m=1024,t=1,p=1\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$`)

func TestHashIsPHCArgon2id(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := NewHasher(testParams)
	a, err := h.Hash(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	m := phcPattern.FindStringSubmatch(a)
	if m == nil {
		t.Fatalf("hash %q is not $argon2id$v=19$m=1024,t=1,p=1$<salt>$<hash>", a)
	}
	if strings.Contains(a, "correct horse") {
		t.Fatalf("hash contains the password: %q", a)
	}
	b, err := h.Hash(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	n := phcPattern.FindStringSubmatch(b)
	if n == nil || a == b || m[1] == n[1] || m[2] == n[2] {
		t.Fatalf("two hashes of one password share salt or key:\n%s\n%s", a, b)
	}
	// The default parameters are in the string too.
	d, err := NewHasher(DefaultArgon2).Hash(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("default hash = %q", d)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := NewHasher(testParams)
	enc, err := h.Hash(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		password string
		want     bool
	}{
		{"correct horse battery", true},
		{"correct horse batterY", false},
		{"correct horse battery ", false},
		{"", false},
	} {
		got, err := h.Verify(ctx, &enc, tc.password)
		if err != nil || got != tc.want {
			t.Errorf("Verify(%q) = %v, %v; want %v", tc.password, got, err, tc.want)
		}
	}
	// No hash: compared against the dummy, never true, not even for the dummy's password.
	for _, pw := range []string{"correct horse battery", "clientele-dummy-password", ""} {
		got, err := h.Verify(ctx, nil, pw)
		if err != nil || got {
			t.Errorf("Verify(nil, %q) = %v, %v; want false", pw, got, err)
		}
	}
	// The parameters come from the stored string: a hasher with other costs still verifies.
	other := NewHasher(Argon2Params{Memory: 2048, Time: 2, Threads: 2})
	if ok, err := other.Verify(ctx, &enc, "correct horse battery"); err != nil || !ok {
		t.Fatalf("verify with other params = %v, %v", ok, err)
	}
	// A malformed hash is an error, not a match.
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaA", strings.Replace(enc, "v=19", "v=16", 1)} {
		ok, err := h.Verify(ctx, &bad, "correct horse battery")
		if ok || err == nil {
			t.Errorf("Verify(%q) = %v, %v; want false and an error", bad, ok, err)
		}
	}
}

// TestHashingIsBounded holds every hashing slot and checks that one more hash waits (and
// gives up with its context) instead of running.
func TestHashingIsBounded(t *testing.T) {
	t.Parallel()
	h := NewHasher(testParams)
	n := runtime.GOMAXPROCS(0)
	if cap(h.slots) != n {
		t.Fatalf("hasher allows %d hashes at once, want GOMAXPROCS = %d", cap(h.slots), n)
	}
	bg := context.Background()
	for range n {
		if err := h.acquire(bg); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(bg, 50*time.Millisecond)
	defer cancel()
	if _, err := h.Hash(ctx, "correct horse battery"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hash with every slot busy = %v, want it to wait until the deadline", err)
	}
	enc := h.dummy
	if _, err := h.Verify(ctx, &enc, "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("verify with every slot busy = %v, want it to wait until the deadline", err)
	}
	// A hash queued behind the busy slots runs as soon as one is released.
	done := make(chan error, 1)
	go func() {
		_, err := h.Hash(bg, "correct horse battery")
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("hash ran while every slot was busy (err %v)", err)
	case <-time.After(50 * time.Millisecond):
	}
	h.release()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("queued hash did not run after a slot was released")
	}
	for range n - 1 {
		h.release()
	}
}

func TestCommonPasswordListLoaded(t *testing.T) {
	t.Parallel()
	if len(commonPasswords) < 100 {
		t.Fatalf("only %d common passwords loaded", len(commonPasswords))
	}
	for pw := range commonPasswords {
		if pw != strings.ToLower(pw) || strings.TrimSpace(pw) != pw || pw == "" {
			t.Fatalf("common password %q is not normalised", pw)
		}
	}
}
