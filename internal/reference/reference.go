// Package reference finds the facts AWS publishes that tests compare against
// (../shared/reference beside the repository).
package reference

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Path returns the path of a reference file. Without the shared directory the
// test is skipped, except under CI=true, where it must be there.
func Path(t testing.TB, name string) string {
	t.Helper()
	dir := os.Getenv("EKSNET_REFERENCE_DIR")
	if dir == "" {
		_, file, _, _ := runtime.Caller(0)
		// internal/reference/reference.go -> repository root -> ../shared/reference
		dir = filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "reference")
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("reference file %s missing: %v", p, err)
		}
		t.Skipf("reference file %s missing", p)
	}
	return p
}
