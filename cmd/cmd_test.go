package cmd

import (
	"context"
	"os"
	"strings"
	"testing"
)

// result is what one eksnet command line did.
type result struct {
	stdout, stderr string
	code           int
}

// TestMain keeps the developer's own settings out of the tests: no EKSNET_*
// variables and an empty config directory.
func TestMain(m *testing.M) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "EKSNET_") {
			os.Unsetenv(k)
		}
	}
	dir, err := os.MkdirTemp("", "eksnet-config")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CONFIG_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// eksnet runs a command line as the binary would, with stdout a pipe.
func eksnet(t testing.TB, args ...string) result {
	t.Helper()
	io, out, errOut := TestIO()
	code := Run(context.Background(), io, args)
	return result{out.String(), errOut.String(), code}
}

// wantUsageError checks the contract for bad input: exit 2, nothing on
// stdout, exactly one line on stderr containing every fragment.
func wantUsageError(t *testing.T, r result, fragments ...string) {
	t.Helper()
	wantOneLineError(t, r, ExitUsage, fragments...)
}

func wantOneLineError(t *testing.T, r result, code int, fragments ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit code %d, want %d (stderr %q)", r.code, code, r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("stdout should be empty on error, got %q", r.stdout)
	}
	if n := strings.Count(r.stderr, "\n"); n != 1 || !strings.HasSuffix(r.stderr, "\n") {
		t.Errorf("stderr should be exactly one line, got %d: %q", n, r.stderr)
	}
	for _, f := range fragments {
		if !strings.Contains(r.stderr, f) {
			t.Errorf("stderr %q lacks %q", r.stderr, f)
		}
	}
}
