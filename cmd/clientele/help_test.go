package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/testdb"
)

// TestHelp: the binary and each command print their usage on -h, --help and help, and exit 0
// without opening a database (CLIENTELE_DATABASE_URL points nowhere).
func TestHelp(t *testing.T) {
	t.Setenv("CLIENTELE_DATABASE_URL", "mysql://nobody@127.0.0.1:1/none")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--help"}, "clientele migrate"},
		{[]string{"-h"}, "clientele admin create"},
		{[]string{"help"}, "clientele [serve]"},
		{[]string{"help", "admin"}, "--password PASSWORD"},
		{[]string{"serve", "-h"}, "Usage: clientele serve"},
		{[]string{"migrate", "-h"}, "Usage: clientele migrate"},
		{[]string{"migrate", "--help"}, "Usage: clientele migrate"},
		{[]string{"admin", "-h"}, "Usage: clientele admin create"},
		{[]string{"admin", "create", "-h"}, "--name NAME"},
		{[]string{"admin", "create", "--email", "a@example.com", "--help"}, "--name NAME"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out bytes.Buffer
			usageOut = &out
			t.Cleanup(func() { usageOut = os.Stdout })
			if err := run(context.Background(), tc.args); err != nil {
				t.Fatalf("exit with %v", err)
			}
			if !strings.Contains(out.String(), tc.want) {
				t.Errorf("printed %q, want it to mention %q", out.String(), tc.want)
			}
		})
	}
	for _, args := range [][]string{{"help", "frobnicate"}, {"migrate", "extra"}, {"admin", "create", "--bogus"}, {"admin"}, {"--version"}} {
		if err := run(context.Background(), args); err == nil || strings.Contains(err.Error(), "127.0.0.1") {
			t.Errorf("%v: %v, want a usage error before the database is opened", args, err)
		}
	}
}

// TestAdminCreateTakenEmail: a taken email is a CONFLICT in the service's words; the
// database's own error text (a duplicate key, an index name) never reaches the operator.
func TestAdminCreateTakenEmail(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			t.Setenv("CLIENTELE_DATABASE_URL", testdb.URL(t, dialect))
			ctx := context.Background()
			if err := run(ctx, []string{"admin", "create", "--email", "taken@example.com", "--password", "an admin passphrase"}); err != nil {
				t.Fatal(err)
			}
			err := run(ctx, []string{"admin", "create", "--email", "Taken@Example.com", "--password", "an admin passphrase"})
			if got := describe(err); got != "CONFLICT: An admin with the same email address already exists." {
				t.Errorf("the operator reads %q", got)
			}
			if err == nil || strings.Contains(strings.ToLower(err.Error()), "duplicate") {
				t.Errorf("the error carries the database's text: %v", err)
			}
		})
	}
}
