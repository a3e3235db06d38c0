package cmd

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/eksnet/eksnet/cidr"
)

func TestSubnetInfoJSON(t *testing.T) {
	r := eksnet(t, "subnet", "info", "100.64.0.0/19", "2001:db8::/56", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatal(err)
	}
	v4 := rows[0]
	for _, key := range []string{"cidr", "usableAddresses", "reservedAddresses", "blocks", "prefixEligibleBlocks", "allowedForSubnet"} {
		if _, ok := v4[key]; !ok {
			t.Errorf("JSON lacks %q", key)
		}
	}
	if v4["usableAddresses"] != 8187.0 || v4["prefixEligibleBlocks"] != 510.0 || v4["addressClass"] != "rfc6598" || len(v4["reservedAddresses"].([]any)) != 5 {
		t.Errorf("100.64.0.0/19: %v", v4)
	}
	// IPv6 gets a statement of what applies, not an error.
	if v6 := rows[1]; v6["ipVersion"] != 6.0 || !strings.Contains(v6["note"].(string), "/80") || v6["usableAddresses"] != nil {
		t.Errorf("IPv6 row: %v", v6)
	}
	if r := eksnet(t, "subnet", "info", "10.0.0.0/20", "--last-block-usable", "-o", "json"); !strings.Contains(r.stdout, `"prefixEligibleBlocks": 255`) {
		t.Errorf("--last-block-usable:\n%s", r.stdout)
	}
}

func TestSubnetSplitAndFree(t *testing.T) {
	r := eksnet(t, "subnet", "split", "10.0.0.0/16", "--azs", "3", "--sizes", "19,19,19,24,24,24",
		"--roles", "pod,pod,pod,node,node,node", "--az-names", "us-east-1a,us-east-1b,us-east-1c", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rows []struct {
		Name string       `json:"name"`
		CIDR netip.Prefix `json:"cidr"`
		AZ   string       `json:"az"`
		Role string       `json:"role"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) != 6 {
		t.Fatal(err, r.stdout)
	}
	var used []string
	for i, row := range rows {
		want := []string{"us-east-1a", "us-east-1b", "us-east-1c"}[i%3]
		if row.AZ != want || row.CIDR.Bits() != []int{19, 19, 19, 24, 24, 24}[i] || row.Name == "" || row.Role == "" {
			t.Errorf("row %d: %+v", i, row)
		}
		used = append(used, row.CIDR.String())
	}
	// What free reports plus what split carved is the VPC, address for address.
	r = eksnet(t, "subnet", "free", "10.0.0.0/16", "--used", strings.Join(used, ","), "-o", "json")
	var free []netip.Prefix
	if err := json.Unmarshal([]byte(r.stdout), &free); err != nil {
		t.Fatal(err, r.stdout)
	}
	total := 0
	for _, p := range append(free, mustPrefixes(t, used)...) {
		total += cidr.Size(p)
	}
	if total != 65536 {
		t.Errorf("free + used = %d addresses, want 65536 (free %v)", total, free)
	}
	r = eksnet(t, "subnet", "split", "10.0.0.0/16", "--azs", "2", "--prefix-length", "20")
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 3 || !strings.Contains(lines[1], "10.0.0.0/20") || !strings.Contains(lines[2], "10.0.16.0/20") {
		t.Errorf("per-AZ split:\n%s", r.stdout)
	}
}

func mustPrefixes(t *testing.T, ss []string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

func TestSubnetBadInput(t *testing.T) {
	wantUsageError(t, eksnet(t, "subnet", "info", "10.0.0.5/24"), "did you mean 10.0.0.0/24")
	wantUsageError(t, eksnet(t, "subnet", "info", "10.0.0/33"), "10.0.0/33")
	wantUsageError(t, eksnet(t, "subnet", "info", "10.0.0.0/31"), "reserves")
	wantUsageError(t, eksnet(t, "subnet", "split", "10.0.0.0/18", "--azs", "3", "--prefix-length", "19"), "cannot place", "/17 VPC CIDR would hold them")
	wantUsageError(t, eksnet(t, "subnet", "split", "10.0.0.0/16", "--sizes", "19,29"), "/29", "/16 to /28")
	wantUsageError(t, eksnet(t, "subnet", "split", "10.0.0.0/12", "--sizes", "19"), "/12", "/16 to /28")
	wantUsageError(t, eksnet(t, "subnet", "split", "2001:db8::/56", "--sizes", "64"), "IPv6", "IPv4")
	wantUsageError(t, eksnet(t, "subnet", "split", "10.0.0.0/16", "--sizes", "nineteen"), "nineteen")
	wantUsageError(t, eksnet(t, "subnet", "split", "10.0.0.0/16"), "--sizes")
	wantUsageError(t, eksnet(t, "subnet", "split", "10.0.0.0/16", "--sizes", "19,19", "--names", "a"), "--names")
	wantUsageError(t, eksnet(t, "subnet", "split", "10.0.0.0/16", "--sizes", "19", "--exclude", "10.1.0.0/24"), "outside the VPC")
	wantUsageError(t, eksnet(t, "subnet", "split", "10.0.0.0/16", "--azs", "0", "--prefix-length", "19"), "--azs 0")
	wantUsageError(t, eksnet(t, "subnet", "free", "10.0.0.0/16", "--used", "10.1.0.0/24"), "not inside")
	wantUsageError(t, eksnet(t, "subnet", "free", "10.0.0.0/16", "--used", "10.0.0.1/24"), "did you mean 10.0.0.0/24")
}

func TestSubnetSize(t *testing.T) {
	r := eksnet(t, "subnet", "size", "--instance-type", "m5.large", "--nodes", "60", "--azs", "3", "--surge", "20",
		"--prefix-delegation", "--pods-per-node", "110", "--other-addresses", "15", "--headroom", "0", "--max-pods", "250", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	perAZ := rep["perAz"].(map[string]any)
	for _, key := range []string{"addresses", "blocks", "prefixLengthWorstCase", "prefixLengthExpectedCase"} {
		if _, ok := perAZ[key]; !ok {
			t.Errorf("perAz lacks %q", key)
		}
	}
	if perAZ["blocks"] != 192.0 || perAZ["addresses"] != 3111.0 || perAZ["prefixLengthWorstCase"] != 20.0 || rep["nodesPerAz"] != 24.0 {
		t.Errorf("§4.3 example: %v", rep)
	}
	r = eksnet(t, "subnet", "size", "--instance-type", "m5.large", "--max-nodes", "30", "--azs", "3", "--az-failure", "--custom-networking", "--pods-per-node", "10")
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); r.code != 0 || len(lines) != 3 || !strings.HasPrefix(lines[1], "pod") || !strings.HasPrefix(lines[2], "node") {
		t.Errorf("custom networking sizes both subnets:\n%s%s", r.stdout, r.stderr)
	}
	wantUsageError(t, eksnet(t, "subnet", "size", "--nodes", "3"), "--instance-type")
	wantUsageError(t, eksnet(t, "subnet", "size", "--instance-type", "m5.large"), "--nodes")
	wantUsageError(t, eksnet(t, "subnet", "size", "--instance-type", "m5.large", "--nodes", "3", "--pods-per-node", "40"), "exceeds max pods 29")
	wantUsageError(t, eksnet(t, "subnet", "size", "--instance-type", "m5.large", "--nodes", "3", "--azs", "1", "--az-failure"), "--az-failure")
	wantUsageError(t, eksnet(t, "subnet", "size", "--instance-type", "m5.large", "--nodes", "3", "--warm-ip-target", "-2"), "--warm-ip-target -2")
	wantUsageError(t, eksnet(t, "subnet", "size", "--instance-type", "m5.larg", "--nodes", "3"), "m5.large")
}
