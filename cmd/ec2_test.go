package cmd

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/eksnet/eksnet/instancedata"
	"github.com/eksnet/eksnet/internal/motoserver"
	"github.com/eksnet/eksnet/internal/reference"
)

// Pulling from moto_server, which serves EC2's real instance catalogue, must
// reproduce the embedded table type for type: the shipped table is exactly
// what the command writes.
func TestPullFromEC2ReproducesEmbeddedTable(t *testing.T) {
	endpoint := motoserver.Start(t)
	out := filepath.Join(t.TempDir(), "types.json")
	r := eksnet(t, "instancedata", "pull", "--region", "us-east-1", "--endpoint-url", endpoint, "--out", out)
	if r.code != 0 {
		t.Fatalf("pull: exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "wrote 1391 instance types") {
		t.Errorf("summary: %q", r.stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	pulled, err := instancedata.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	embedded, _ := instancedata.Embedded()
	if !reflect.DeepEqual(pulled.InstanceTypes, embedded.InstanceTypes) {
		for i := range min(len(pulled.InstanceTypes), len(embedded.InstanceTypes)) {
			if !reflect.DeepEqual(pulled.InstanceTypes[i], embedded.InstanceTypes[i]) {
				t.Fatalf("first difference: pulled %+v, embedded %+v", pulled.InstanceTypes[i], embedded.InstanceTypes[i])
			}
		}
		t.Fatalf("pulled %d types, embedded %d", len(pulled.InstanceTypes), len(embedded.InstanceTypes))
	}
	if !strings.Contains(pulled.Source, "DescribeInstanceTypes") || pulled.Generated == "" || len(pulled.Regions) != 1 {
		t.Errorf("provenance: %q %q %v", pulled.Source, pulled.Generated, pulled.Regions)
	}

	// The pulled file serves as --instance-data.
	if r := eksnet(t, "maxpods", "--instance-data", out, "c6in.32xlarge", "--show-max-allowed"); r.stdout != "394\n" {
		t.Errorf("--instance-data: %q %s", r.stdout, r.stderr)
	}

	// A pull that fails leaves the old file as it was, and no temporary file.
	closed := closedPort(t)
	r = eksnet(t, "instancedata", "pull", "--region", "us-east-1", "--endpoint-url", closed, "--out", out)
	wantOneLineError(t, r, ExitEnvironment, "cannot reach")
	after, _ := os.ReadFile(out)
	if string(after) != string(data) {
		t.Error("a failed pull changed the existing file")
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}

// maxpods --source ec2 asks DescribeInstanceTypes, for types newer than the
// table; its answers must match AWS's published list too.
func TestMaxPodsSourceEC2(t *testing.T) {
	endpoint := motoserver.Start(t)
	data, err := os.ReadFile(reference.Path(t, "eni-max-pods.txt"))
	if err != nil {
		t.Fatal(err)
	}
	official := readMaxPodsList(t, string(data))
	ec2 := []string{"--source", "ec2", "--endpoint-url", endpoint, "--region", "us-east-1"}

	for _, name := range []string{"m5.large", "p5.48xlarge", "c6in.32xlarge", "t3.nano", "m5.metal"} {
		r := eksnet(t, append([]string{"maxpods", name, "--show-max-allowed"}, ec2...)...)
		if r.code != 0 || strings.TrimSpace(r.stdout) != strconv.Itoa(official[name]) {
			t.Errorf("%s from EC2: %q (exit %d, %s), official %d", name, r.stdout, r.code, r.stderr, official[name])
		}
	}
	rows := maxPodsJSON(t, append([]string{"--family", "p5", "--prefix-delegation"}, ec2...)...)
	if len(rows) == 0 || rows[0].InstanceType != "p5.48xlarge" || rows[0].MaxPods != 250 || !rows[0].PrefixDelegation {
		t.Errorf("--family p5 from EC2: %+v", rows)
	}
	// Branch limits come from the table: EC2 has none.
	rows = maxPodsJSON(t, append([]string{"m5.large", "--security-groups-for-pods"}, ec2...)...)
	if rows[0].BranchPods == nil || *rows[0].BranchPods != 9 || rows[0].MaxPods != 20 {
		t.Errorf("security groups for pods from EC2: %+v", rows[0])
	}
	wantUsageError(t, eksnet(t, append([]string{"maxpods", "m5.larg"}, ec2...)...), "m5.large")
	wantOneLineError(t, eksnet(t, "maxpods", "m5.large", "--source", "ec2", "--endpoint-url", closedPort(t), "--region", "us-east-1"), ExitEnvironment, "cannot reach")
}

// --all-regions asks DescribeRegions and merges every region's catalogue.
func TestPullAllRegions(t *testing.T) {
	if testing.Short() {
		t.Skip("reads every region of moto_server (about 40 s)")
	}
	endpoint := motoserver.Start(t)
	out := filepath.Join(t.TempDir(), "types.json")
	r := eksnet(t, "instancedata", "pull", "--all-regions", "--region", "us-east-1", "--endpoint-url", endpoint, "--out", out)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var tb instancedata.Table
	data, _ := os.ReadFile(out)
	if err := json.Unmarshal(data, &tb); err != nil {
		t.Fatal(err)
	}
	if len(tb.Regions) < 10 || len(tb.InstanceTypes) != 1391 {
		t.Errorf("%d regions, %d types; stderr %s", len(tb.Regions), len(tb.InstanceTypes), r.stderr)
	}
}

func TestPullBadInput(t *testing.T) {
	wantUsageError(t, eksnet(t, "instancedata", "pull", "--region", "us-east-1"), "--out")
	wantUsageError(t, eksnet(t, "instancedata", "pull", "--out", "x.json", "--supplement", "/nonexistent.json"), "/nonexistent.json")
	wantUsageError(t, eksnet(t, "instancedata", "pull", "--out", "x.json", "--branch-limits", "/nonexistent.csv"), "/nonexistent.csv")
}

// closedPort returns an endpoint on which nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}
