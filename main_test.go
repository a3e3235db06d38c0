package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// buildBinary builds a main package the way `make build` does.
func buildBinary(b *testing.B, dir, out string) {
	b.Helper()
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, msg)
	}
}

func runBinary(b *testing.B, bin string, args ...string) {
	for b.Loop() {
		if err := exec.Command(bin, args...).Run(); err != nil {
			b.Fatal(err)
		}
	}
}

// The whole process, start-up included: what a bootstrap script pays.
func BenchmarkProcessMaxPods(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "eksnet")
	buildBinary(b, ".", bin)
	b.Run("one-type", func(b *testing.B) { runBinary(b, bin, "maxpods", "m5.large") })
	b.Run("all-types", func(b *testing.B) { runBinary(b, bin, "maxpods", "--all", "-o", "csv") })
}

// A trivial Go binary's start-up, the yardstick for BenchmarkProcessMaxPods.
func BenchmarkProcessTrivial(b *testing.B) {
	dir := b.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module trivial\n\ngo 1.22\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nimport \"os\"\n\nfunc main() { os.Stdout.WriteString(\"29\\n\") }\n"), 0o644)
	bin := filepath.Join(dir, "trivial")
	buildBinary(b, dir, bin)
	runBinary(b, bin)
}
