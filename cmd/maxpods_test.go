package cmd

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/eksnet/eksnet/instancedata"
	"github.com/eksnet/eksnet/internal/reference"
	"gopkg.in/yaml.v3"
)

// readMaxPodsList reads `TYPE N` lines, skipping comments.
func readMaxPodsList(t *testing.T, text string) map[string]int {
	t.Helper()
	out := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			t.Fatalf("bad line %q", line)
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			t.Fatalf("bad line %q", line)
		}
		out[f[0]] = n
	}
	return out
}

// The VPC CNI's eni-max-pods.txt is the AMI's official list of uncapped
// secondary-IP max pods. Every type eksnet knows must give the same number;
// types only one side has are listed.
func TestMaxPodsEqualsOfficialList(t *testing.T) {
	data, err := os.ReadFile(reference.Path(t, "eni-max-pods.txt"))
	if err != nil {
		t.Fatal(err)
	}
	official := readMaxPodsList(t, string(data))
	r := eksnet(t, "maxpods", "--all", "--show-max-allowed", "--format", "eni-max-pods")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	ours := readMaxPodsList(t, r.stdout)
	var missing, extra []string
	compared := 0
	for name, want := range official {
		got, ok := ours[name]
		if !ok {
			missing = append(missing, name)
			continue
		}
		compared++
		if got != want {
			t.Errorf("%s: eksnet %d, eni-max-pods.txt %d", name, got, want)
		}
	}
	for name := range ours {
		if _, ok := official[name]; !ok {
			extra = append(extra, name)
		}
	}
	t.Logf("compared %d types; in eni-max-pods.txt but not in the table: %v; in the table only: %v", compared, missing, extra)
	if len(missing) > 0 {
		t.Errorf("the embedded table lacks %d types of eni-max-pods.txt (run make data): %v", len(missing), missing)
	}
	if compared < 1000 {
		t.Errorf("only %d types compared", compared)
	}
}

// maxPodsJSON runs maxpods with -o json and returns the rows.
func maxPodsJSON(t *testing.T, args ...string) []maxPodsRow {
	t.Helper()
	r := eksnet(t, append([]string{"maxpods", "-o", "json"}, args...)...)
	if r.code != 0 {
		t.Fatalf("maxpods %v: exit %d: %s", args, r.code, r.stderr)
	}
	var rows []maxPodsRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("maxpods %v: %v\n%s", args, err, r.stdout)
	}
	return rows
}

// The worked examples and edge cases of shared/docs/maxpods.md §5 and §7, on
// the embedded table's figures.
func TestMaxPodsExamplesOnEmbeddedTable(t *testing.T) {
	tests := []struct {
		args      []string
		maxPods   int
		pd        bool
		noteMatch string
	}{
		{[]string{"p5.48xlarge", "--show-max-allowed"}, 100, false, ""}, // default card only: 2 of 64 ENIs
		{[]string{"c6in.32xlarge", "--show-max-allowed"}, 394, false, ""},
		{[]string{"m5.4xlarge"}, 110, false, ""}, // capped in secondary-IP mode too
		{[]string{"m5.8xlarge"}, 234, false, ""},
		{[]string{"m5.large"}, 29, false, ""},
		{[]string{"m5.large", "--custom-networking"}, 20, false, ""},
		{[]string{"m5.large", "--prefix-delegation"}, 110, true, ""},
		{[]string{"m5.large", "--prefix-delegation", "--show-max-allowed"}, 434, true, ""},
		{[]string{"m4.large", "--prefix-delegation"}, 20, false, "xen"},
		{[]string{"hpc6id.32xlarge", "--custom-networking"}, 2, false, "no ENI left"},
		{[]string{"hpc6id.32xlarge", "--reserved-enis", "1"}, 0, false, "Karpenter"},
		{[]string{"u-6tb1.metal", "--prefix-delegation"}, 250, true, ""},
		{[]string{"u-6tb1.metal", "--prefix-delegation", "--calculator-compat"}, 147, false, "calculator"},
		{[]string{"m5.metal", "--prefix-delegation", "--calculator-compat", "--show-max-allowed"}, 737, false, "calculator"},
		{[]string{"m5.metal", "--prefix-delegation", "--show-max-allowed"}, 11762, true, ""},
		{[]string{"m5.large", "--prefix-delegation", "--cni-version", "1.8.0"}, 29, false, "1.9.0"},
		{[]string{"t3.large", "--reserved-enis", "1"}, 24, false, ""},
		{[]string{"m5.large", "--security-groups-for-pods"}, 20, false, "9 branch-ENI pods"},
		{[]string{"m5.large", "--ipv6"}, 110, true, "IPv6"},
	}
	for _, tc := range tests {
		rows := maxPodsJSON(t, tc.args...)
		if len(rows) != 1 {
			t.Fatalf("%v: %d rows", tc.args, len(rows))
		}
		r := rows[0]
		if r.MaxPods != tc.maxPods || r.PrefixDelegation != tc.pd {
			t.Errorf("%v: maxPods %d prefixDelegation %v, want %d %v (notes %q)", tc.args, r.MaxPods, r.PrefixDelegation, tc.maxPods, tc.pd, r.Notes)
		}
		if tc.noteMatch != "" && !strings.Contains(strings.Join(r.Notes, ";"), tc.noteMatch) {
			t.Errorf("%v: notes %q lack %q", tc.args, r.Notes, tc.noteMatch)
		}
	}
}

func TestMaxPodsJSONFields(t *testing.T) {
	r := eksnet(t, "maxpods", "m5.large", "c9g.large", "-o", "json", "--prefix-delegation")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatal(err, r.stdout)
	}
	for _, key := range []string{"instanceType", "vcpus", "enis", "ipv4PerEni", "podEnis", "customNetworking", "prefixDelegation", "maxPods", "maxPodsUncapped", "notes"} {
		if _, ok := rows[0][key]; !ok {
			t.Errorf("JSON lacks %q: %v", key, rows[0])
		}
	}
	// A supplemented type has no known vCPUs: null, and a note, never a guess.
	if rows[1]["vcpus"] != nil || rows[1]["supplemented"] != true || !strings.Contains(r.stdout, "vCPUs not known") {
		t.Errorf("c9g.large should have vcpus null, supplemented and a note: %v", rows[1])
	}
}

func TestMaxPodsOutputs(t *testing.T) {
	// One type into a pipe: the bare number, as the calculator printed it.
	if r := eksnet(t, "maxpods", "m5.large"); r.stdout != "29\n" || r.code != 0 {
		t.Errorf("bare number: got %q (exit %d)", r.stdout, r.code)
	}
	// Several types into a pipe: plain columns with one-word headers.
	r := eksnet(t, "maxpods", "m5.large", "m5.xlarge")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 || strings.Fields(lines[0])[5] != "MAX_PODS" || strings.Fields(lines[2])[5] != "58" {
		t.Errorf("plain table:\n%s", r.stdout)
	}
	r = eksnet(t, "maxpods", "m5.large", "-o", "csv")
	if !strings.HasPrefix(r.stdout, "type,vcpus,enis,ipv4/eni,mode,max pods,uncapped\nm5.large,2,3,10,ip,29,29\n") {
		t.Errorf("csv:\n%s", r.stdout)
	}
	r = eksnet(t, "maxpods", "m5.large", "-o", "yaml")
	var y []map[string]any
	if err := yaml.Unmarshal([]byte(r.stdout), &y); err != nil || y[0]["maxPods"] != 29 || y[0]["instanceType"] != "m5.large" {
		t.Errorf("yaml: %v %v\n%s", err, y, r.stdout)
	}
	r = eksnet(t, "maxpods", "--family", "m5", "--format", "eni-max-pods")
	got := readMaxPodsList(t, r.stdout)
	if got["m5.large"] != 29 || got["m5.4xlarge"] != 110 || len(got) != 9 {
		t.Errorf("eni-max-pods format for m5 (capped by default): %v", got)
	}
	for name := range got {
		if instancedata.Family(name) != "m5" {
			t.Errorf("--family m5 listed %s", name)
		}
	}
}

// Scripts written for max-pods-calculator.sh keep their flag names.
func TestMaxPodsCalculatorFlagNames(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--instance-type", "m5.large", "--cni-version", "1.18.0"}, "29\n"},
		{[]string{"--instance-type", "m5.large", "--cni-version", "v1.18.0", "--cni-custom-networking-enabled"}, "20\n"},
		{[]string{"--instance-type", "m5.large", "--cni-version", "1.9.0-eksbuild.1", "--cni-prefix-delegation-enabled"}, "110\n"},
		{[]string{"--instance-type", "m5.large", "--cni-version", "1.9.0", "--cni-prefix-delegation-enabled", "--show-max-allowed"}, "434\n"},
		{[]string{"--instance-type", "m5.xlarge", "--cni-max-eni", "2"}, "30\n"},
		{[]string{"--instance-type", "m5.xlarge", "--cni-max-eni", "2", "--cni-custom-networking-enabled"}, "16\n"},
	}
	for _, tc := range tests {
		if r := eksnet(t, append([]string{"maxpods"}, tc.args...)...); r.stdout != tc.want || r.code != 0 {
			t.Errorf("%v: got %q (exit %d, %s), want %q", tc.args, r.stdout, r.code, r.stderr, tc.want)
		}
	}
}

// Flags beat EKSNET_* variables, which beat the config file, which beats defaults.
func TestMaxPodsSettingsPrecedence(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte("cni-version: 1.18.0\nmaxpods:\n  prefix-delegation: true\n  show-max-allowed: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := eksnet(t, "maxpods", "m5.large", "--config", cfg); r.stdout != "434\n" {
		t.Errorf("config file: got %q %s", r.stdout, r.stderr)
	}
	t.Setenv("EKSNET_SHOW_MAX_ALLOWED", "false")
	if r := eksnet(t, "maxpods", "m5.large", "--config", cfg); r.stdout != "110\n" {
		t.Errorf("environment over config: got %q %s", r.stdout, r.stderr)
	}
	if r := eksnet(t, "maxpods", "m5.large", "--config", cfg, "--show-max-allowed"); r.stdout != "434\n" {
		t.Errorf("flag over environment: got %q %s", r.stdout, r.stderr)
	}
	t.Setenv("EKSNET_PREFIX_DELEGATION", "maybe")
	wantUsageError(t, eksnet(t, "maxpods", "m5.large"), "EKSNET_PREFIX_DELEGATION", "maybe")
	t.Setenv("EKSNET_PREFIX_DELEGATION", "")
	wantUsageError(t, eksnet(t, "maxpods", "m5.large", "--config", filepath.Join(t.TempDir(), "absent.yaml")), "absent.yaml")
	// The default config path is read when present.
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	os.MkdirAll(filepath.Join(dir, "eksnet"), 0o755)
	os.WriteFile(filepath.Join(dir, "eksnet", "config.yaml"), []byte("custom-networking: true\n"), 0o644)
	if r := eksnet(t, "maxpods", "m5.large"); r.stdout != "20\n" {
		t.Errorf("default config file: got %q %s", r.stdout, r.stderr)
	}
}

func TestMaxPodsBadInput(t *testing.T) {
	wantUsageError(t, eksnet(t, "maxpods", "m5.larg"), `"m5.larg"`, "m5.large")
	wantUsageError(t, eksnet(t, "maxpods", "m5.large", "zz9.huge"), `"zz9.huge"`)
	wantUsageError(t, eksnet(t, "maxpods"), "instance type")
	wantUsageError(t, eksnet(t, "maxpods", "m5.large", "--cni-version", "latest"), "latest", "1.18.0")
	wantUsageError(t, eksnet(t, "maxpods", "m5.large", "--max-eni", "0"), "--max-eni 0", "1 or more")
	wantUsageError(t, eksnet(t, "maxpods", "m5.large", "--cni-max-eni", "-2"), "--max-eni -2")
	wantUsageError(t, eksnet(t, "maxpods", "m5.large", "--reserved-enis", "-1"), "--reserved-enis -1")
	wantUsageError(t, eksnet(t, "maxpods", "m5.large", "-o", "xml"), `"xml"`, "json")
	wantUsageError(t, eksnet(t, "maxpods", "m5.large", "--format", "kubelet"), "eni-max-pods")
	wantUsageError(t, eksnet(t, "maxpods", "m5.large", "--source", "api"), "embedded or ec2")
	wantUsageError(t, eksnet(t, "maxpods", "m5.large", "--bogus"), "--bogus")
	wantUsageError(t, eksnet(t, "maxpods", "--family", "m55"), `"m55"`, "m5")
	wantUsageError(t, eksnet(t, "maxpods", "--all", "m5.large"), "--all")
	wantUsageError(t, eksnet(t, "maxpods", "m5.large", "--instance-data", "/nonexistent/table.json"), "/nonexistent/table.json")
	wantUsageError(t, eksnet(t, "nosuchcommand"), "nosuchcommand")
}

func TestCompletion(t *testing.T) {
	r := eksnet(t, "__complete", "maxpods", "m5.2x")
	if !strings.Contains(r.stdout, "m5.2xlarge\n") || strings.Contains(r.stdout, "m5.large") {
		t.Errorf("type completion:\n%s", r.stdout)
	}
	r = eksnet(t, "__complete", "maxpods", "--family", "c6i")
	if !strings.Contains(r.stdout, "c6in\n") {
		t.Errorf("family completion:\n%s", r.stdout)
	}
	if r := eksnet(t, "completion", "bash"); r.code != 0 || !strings.Contains(r.stdout, "eksnet") {
		t.Errorf("bash completion script: exit %d", r.code)
	}
}

func BenchmarkMaxPodsAllInProcess(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		io, _, _ := TestIO()
		if code := Run(b.Context(), io, []string{"maxpods", "--all", "-o", "csv"}); code != 0 {
			b.Fatal(code)
		}
	}
}
