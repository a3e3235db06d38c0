package cmd

import (
	"encoding/json"
	"strings"
	"testing"
)

func warmPoolJSON(t *testing.T, args ...string) []map[string]any {
	t.Helper()
	r := eksnet(t, append([]string{"warmpool", "-o", "json"}, args...)...)
	if r.code != 0 {
		t.Fatalf("warmpool %v: exit %d: %s", args, r.code, r.stderr)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatal(err, r.stdout)
	}
	return rows
}

func TestWarmPoolCommandJSON(t *testing.T) {
	rows := warmPoolJSON(t, "m5.large", "--pods", "20")
	r := rows[0]
	for _, key := range []string{"instanceType", "pods", "enis", "secondaryIps", "prefixes", "unusedAddresses", "unplacedPods", "subnetAddresses", "warnings"} {
		if _, ok := r[key]; !ok {
			t.Errorf("JSON lacks %q", key)
		}
	}
	// m5.large, 9 addresses per ENI, WARM_ENI_TARGET=1, 20 pods: 3 ENIs, 27 IPs,
	// and the node subnet pays 3 ENI primaries + 27.
	if r["enis"] != 3.0 || r["secondaryIps"] != 27.0 || r["unusedAddresses"] != 7.0 || r["subnetAddresses"].(map[string]any)["node"] != 30.0 {
		t.Errorf("m5.large 20 pods: %v", r)
	}
	// Custom networking: the node subnet pays the node's address only.
	r = warmPoolJSON(t, "m5.large", "--pods", "10", "--custom-networking")[0]
	if sa := r["subnetAddresses"].(map[string]any); sa["node"] != 1.0 || sa["pod"] != 20.0 || r["enis"] != 3.0 {
		t.Errorf("custom networking: %v", r)
	}
	// Cluster totals.
	r = warmPoolJSON(t, "m5.large", "--pods", "20", "--nodes", "50")[0]
	if c := r["cluster"].(map[string]any); c["subnetAddresses"].(map[string]any)["node"] != 1500.0 {
		t.Errorf("cluster: %v", c)
	}
}

func TestWarmPoolSweepAndCompare(t *testing.T) {
	rows := warmPoolJSON(t, "m5.large", "--pods", "0..29")
	if len(rows) != 30 || rows[0]["pods"] != 0.0 || rows[29]["pods"] != 29.0 {
		t.Fatalf("sweep: %d rows", len(rows))
	}
	// Without -o in a pipe: one plain row per pod count and a header.
	r := eksnet(t, "warmpool", "m5.large", "--pods", "0..9")
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 11 || !strings.HasPrefix(lines[0], "PODS") {
		t.Errorf("plain sweep:\n%s", r.stdout)
	}
	rows = warmPoolJSON(t, "m5.xlarge", "--pods", "30", "--compare")
	if len(rows) != 3 {
		t.Fatalf("compare: %d rows", len(rows))
	}
	// Warm-IP settings hold fewer addresses than a warm ENI; prefix
	// delegation needs the fewest EC2 calls to get there.
	if rows[1]["addresses"].(float64) >= rows[0]["addresses"].(float64) || rows[2]["ec2CallsToGrow"].(float64) > rows[1]["ec2CallsToGrow"].(float64) {
		t.Errorf("compare:\n%v", rows)
	}
}

func TestWarmPoolFromDaemonSet(t *testing.T) {
	r := eksnet(t, "warmpool", "m5.large", "--pods", "20", "--from-daemonset", "../testdata/daemonset/aws-node.yaml", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rows []map[string]any
	json.Unmarshal([]byte(r.stdout), &rows)
	// ENABLE_PREFIX_DELEGATION=true, WARM_PREFIX_TARGET=2 (the aws-node
	// container's, not the neighbour's 9): ceil(20/16)+2 = 4 prefixes.
	if rows[0]["mode"] != "prefix" || rows[0]["prefixes"] != 4.0 {
		t.Errorf("daemonset settings: %v", rows[0])
	}
	// MINIMUM_IP_TARGET=-3 is read as unset, as ipamd does, and said.
	if !strings.Contains(r.stderr, `MINIMUM_IP_TARGET="-3"`) {
		t.Errorf("stderr should note the replaced value: %q", r.stderr)
	}
	// A flag beats the DaemonSet.
	rows = warmPoolJSON(t, "m5.large", "--pods", "20", "--from-daemonset", "../testdata/daemonset/aws-node.yaml", "--warm-prefix-target", "1")
	if rows[0]["prefixes"] != 3.0 {
		t.Errorf("flag over daemonset: %v", rows[0])
	}
}

func TestWarmPoolBadInput(t *testing.T) {
	wantUsageError(t, eksnet(t, "warmpool", "m5.large", "--warm-ip-target", "-1"), "--warm-ip-target -1")
	wantUsageError(t, eksnet(t, "warmpool", "m5.large", "--warm-prefix-target", "-2"), "--warm-prefix-target -2")
	wantUsageError(t, eksnet(t, "warmpool", "m5.large", "--pods", "30"), "exceeds max pods 29")
	wantUsageError(t, eksnet(t, "warmpool", "m5.large", "--pods", "ten"), `"ten"`)
	wantUsageError(t, eksnet(t, "warmpool", "m5.large", "--pods", "9..3"), "A <= B")
	wantUsageError(t, eksnet(t, "warmpool", "m5.larg"), "m5.large")
	wantUsageError(t, eksnet(t, "warmpool", "m5.large", "--nodes", "0"), "--nodes 0")
	wantUsageError(t, eksnet(t, "warmpool", "m5.large", "--branch-pods", "3"), "--security-groups-for-pods")
	wantUsageError(t, eksnet(t, "warmpool", "m5.large", "--security-groups-for-pods", "--branch-pods", "10"), "at most 9")
	wantUsageError(t, eksnet(t, "warmpool", "m5.large", "--from-daemonset", "../testdata/daemonset/malformed.yaml"), "not valid YAML")
	wantUsageError(t, eksnet(t, "warmpool", "m5.large", "--from-daemonset", "../testdata/daemonset/not-a-daemonset.yaml"), "ConfigMap")
	wantUsageError(t, eksnet(t, "warmpool", "m5.large", "--from-daemonset", "../testdata/daemonset/absent.yaml"), "absent.yaml")
	wantUsageError(t, eksnet(t, "warmpool", "m5.large", "--pods", "0..5", "--compare"), "--compare")
}

func TestWarmPoolSettingsFromEnvironment(t *testing.T) {
	t.Setenv("EKSNET_WARM_IP_TARGET", "2")
	t.Setenv("EKSNET_MINIMUM_IP_TARGET", "10")
	rows := warmPoolJSON(t, "m5.large", "--pods", "3")
	if rows[0]["secondaryIps"] != 10.0 || rows[0]["rule"] != "WARM_IP_TARGET/MINIMUM_IP_TARGET" {
		t.Errorf("EKSNET_* settings: %v", rows[0])
	}
}

// On a terminal a sweep gets a bordered table and a text chart.
func TestWarmPoolTerminalChart(t *testing.T) {
	io, out, _ := TestIO()
	io.OutTerminal = true
	if code := Run(t.Context(), io, []string{"warmpool", "m5.large", "--pods", "0..29"}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if s := out.String(); !strings.Contains(s, "┌") || !strings.Contains(s, "addresses held (#)") || !strings.Contains(s, "#") {
		t.Errorf("terminal output:\n%s", s)
	}
}
