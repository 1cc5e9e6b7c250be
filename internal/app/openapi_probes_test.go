package app_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/db"
	"github.com/clientele/clientele/internal/testdb"
)

// TestOpenAPIResponseKeysAreStatuses: every response of openapi.yaml is keyed by one status
// code. Ranges ('4XX') and `default` make orval 7's clients fail tsc, and leave the others'
// errors untyped.
func TestOpenAPIResponseKeysAreStatuses(t *testing.T) {
	status := regexp.MustCompile(`^[1-5][0-9][0-9]$`)
	spec := loadSpec(t)
	for _, path := range spec.Paths.InMatchingOrder() {
		for method, op := range spec.Paths.Find(path).Operations() {
			for key := range op.Responses.Map() {
				if !status.MatchString(key) {
					t.Errorf("%s (%s %s) lists the response %q: list each status instead", op.OperationID, method, path, key)
				}
			}
		}
	}
}

// TestProbesRefuseALargeBody: the probes answer 413 to a request declaring a body over 1 MiB,
// as openapi.yaml says, with the problem document it describes.
func TestProbesRefuseALargeBody(t *testing.T) {
	e := newEnv(t, testdb.New(t, db.SQLite))
	spec := loadSpec(t)
	big := strings.Repeat("a", 1<<20+1)
	for _, path := range []string{"/healthz", "/readyz"} {
		if spec.Paths.Find(path).Get.Responses.Value("413") == nil {
			t.Errorf("openapi.yaml does not list 413 on GET %s", path)
		}
		resp, got := do(t, "GET", e.url+path, "application/json", big)
		if resp.StatusCode != 413 || problemCode(t, resp, got) != "PAYLOAD_TOO_LARGE" {
			t.Errorf("GET %s with a body over 1 MiB: status %d (%.200s)", path, resp.StatusCode, got)
		}
	}
}
