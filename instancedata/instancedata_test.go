package instancedata

import (
	"bytes"
	"encoding/csv"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/eksnet/eksnet/internal/reference"
)

func mustEmbedded(t testing.TB) *Table {
	t.Helper()
	tb, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// The shipped file must be exactly what Encode writes, so that a regeneration
// diffs line by line and nobody hand-edits it out of order.
func TestEmbeddedFileIsCanonical(t *testing.T) {
	tb := mustEmbedded(t)
	var buf bytes.Buffer
	if err := tb.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), embeddedTable) {
		t.Error("instance-types.json is not in Encode's canonical form; regenerate it with make data")
	}
	if tb.Source == "" || tb.Generated == "" || tb.BranchSource == "" || tb.SupplementSource == "" {
		t.Errorf("provenance missing: %+v", tb.Header)
	}
}

// The table comes from EC2 (through moto's copy of its catalogue); the VPC
// CNI publishes the same limits from its own EC2 sweep. They must agree for
// every type both have.
func TestEmbeddedAgreesWithCNILimits(t *testing.T) {
	f, err := os.Open(reference.Path(t, "vpc-cni-instance-limits.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// Where the CNI's hand-kept list overrides EC2, the table keeps what EC2
	// says, which is what AWS's calculator saw.
	knownDifferences := map[string]string{
		"c7g.metal": "the CNI lists hypervisor nitro; EC2 reports none, as for every bare-metal type",
	}
	tb := mustEmbedded(t)
	compared := 0
	for _, row := range rows[1:] {
		name := row[0]
		it, ok := tb.Lookup(name)
		if !ok {
			t.Errorf("%s: in the CNI's limits, not in the table", name)
			continue
		}
		compared++
		if why, ok := knownDifferences[name]; ok {
			t.Logf("%s: skipped, known difference: %s", name, why)
			continue
		}
		enis, _ := strconv.Atoi(row[1])
		ipv4, _ := strconv.Atoi(row[2])
		hyp := row[5]
		if hyp == "unknown" {
			hyp = ""
		}
		cards := strings.Count(row[4], ":")
		if it.DefaultCardENIs() != enis || it.IPv4PerENI != ipv4 || it.Hypervisor != hyp ||
			strconv.FormatBool(it.BareMetal) != row[6] || len(it.NetworkCardENIs) != cards {
			t.Errorf("%s: table ENIs %d IPv4 %d hypervisor %q metal %v cards %d; CNI %v",
				name, it.DefaultCardENIs(), it.IPv4PerENI, it.Hypervisor, it.BareMetal, len(it.NetworkCardENIs), row[1:])
		}
	}
	if compared != len(tb.InstanceTypes) {
		t.Errorf("compared %d of %d types", compared, len(tb.InstanceTypes))
	}
}

func TestEmbeddedBranchLimitsMatchPublished(t *testing.T) {
	f, err := os.Open(reference.Path(t, "branch-eni-limits.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	published, err := ParseBranchCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	tb := mustEmbedded(t)
	for name, b := range published {
		it, ok := tb.Lookup(name)
		if !ok {
			continue // the resource controller lists a few types EC2 retired
		}
		if it.TrunkCompatible != b.TrunkCompatible || it.BranchENIs != b.BranchENIs {
			t.Errorf("%s: table trunk %v branches %d, published %v %d", name, it.TrunkCompatible, it.BranchENIs, b.TrunkCompatible, b.BranchENIs)
		}
	}
	for _, it := range tb.InstanceTypes {
		if _, ok := published[it.Name]; !ok && (it.TrunkCompatible || it.BranchENIs != 0) {
			t.Errorf("%s has branch limits nobody published", it.Name)
		}
	}
}

func TestEmbeddedShape(t *testing.T) {
	tb := mustEmbedded(t)
	supplemented := 0
	for _, it := range tb.InstanceTypes {
		if it.Supplemented {
			supplemented++
			if it.Note == "" {
				t.Errorf("%s is supplemented without a note on its source", it.Name)
			}
		} else if it.VCPUs == nil || it.MemoryMiB == nil || it.IPv6Supported == nil {
			t.Errorf("%s came from EC2 but lacks vCPUs, memory or IPv6 support", it.Name)
		}
		if it.BareMetal != (it.Hypervisor == "") && !it.Supplemented {
			t.Errorf("%s: EC2 reports no hypervisor exactly for bare metal; got %q metal=%v", it.Name, it.Hypervisor, it.BareMetal)
		}
	}
	if supplemented == 0 || supplemented == len(tb.InstanceTypes) {
		t.Errorf("%d of %d supplemented", supplemented, len(tb.InstanceTypes))
	}
	p5, _ := tb.Lookup("p5.48xlarge")
	if p5.MaxENIs <= p5.DefaultCardENIs() || len(p5.NetworkCardENIs) < 2 {
		t.Errorf("p5.48xlarge should have several cards with more ENIs in all than on card 0: %+v", p5)
	}
}

func TestLookupEmbeddedAgreesWithFullDecode(t *testing.T) {
	tb := mustEmbedded(t)
	for _, want := range tb.InstanceTypes {
		got, ok := LookupEmbedded(want.Name)
		if !ok || got.Name != want.Name || got.IPv4PerENI != want.IPv4PerENI || got.DefaultCardENIs() != want.DefaultCardENIs() {
			t.Fatalf("LookupEmbedded(%q) = %+v, %v; want %+v", want.Name, got, ok, want)
		}
	}
	for _, absent := range []string{"", "a", "m5.larg", "zzz.large", "m5.large2"} {
		if _, ok := LookupEmbedded(absent); ok {
			t.Errorf("LookupEmbedded(%q) found something", absent)
		}
	}
}

func BenchmarkLookupEmbedded(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := LookupEmbedded("m5.large"); !ok {
			b.Fatal("m5.large")
		}
	}
}

func TestLookupAndSuggest(t *testing.T) {
	tb := mustEmbedded(t)
	if _, ok := tb.Lookup("m5.large"); !ok {
		t.Error("m5.large not found")
	}
	if _, ok := tb.Lookup("m5.larg"); ok {
		t.Error("m5.larg found")
	}
	tests := map[string]string{"m5.larg": "m5.large", "m5.lage": "m5.large", "M5.LARGE ": "m5.large", "c6in.32xl": "c6in.32xlarge", "m5.huge": "m5."}
	for in, want := range tests {
		got := Suggest(tb.Names(), in, 3)
		if len(got) == 0 || !strings.HasPrefix(got[0], want) {
			t.Errorf("Suggest(%q) = %v, want first %q", in, got, want)
		}
	}
	if got := Suggest(tb.Names(), "qqqqqqqqqqqqqqqqqqq", 3); len(got) != 0 {
		t.Errorf("nonsense got suggestions %v", got)
	}
}

func TestFilter(t *testing.T) {
	tb := mustEmbedded(t)
	m5, _ := tb.Lookup("m5.large")
	metal, _ := tb.Lookup("m5.metal")
	c9g, _ := tb.Lookup("c9g.large")
	tests := []struct {
		expr string
		it   InstanceType
		want bool
	}{
		{"vcpus>=2", m5, true}, {"vcpus>2", m5, false}, {"vcpus<=2", m5, true}, {"vcpus<10", metal, false},
		{"hypervisor=nitro", m5, true}, {"hypervisor=NITRO", m5, true}, {"hypervisor!=nitro", metal, true},
		{"bareMetal=true", metal, true}, {"baremetal=true", m5, false}, {"family=m5", metal, true},
		{"ipv4PerEni=10", m5, true}, {"trunkCompatible=true", m5, true}, {"branchEnis>=9", m5, true},
		{"vcpus>=1", c9g, false}, {"vcpus!=4", c9g, true}, {"supplemented=true", c9g, true},
	}
	for _, tc := range tests {
		f, err := ParseFilter(tc.expr)
		if err != nil {
			t.Fatalf("%s: %v", tc.expr, err)
		}
		if got := f.Match(tc.it); got != tc.want {
			t.Errorf("%s on %s: %v, want %v", tc.expr, tc.it.Name, got, tc.want)
		}
	}
	for _, bad := range []string{"vcpus", "color=red", "=4"} {
		if _, err := ParseFilter(bad); err == nil {
			t.Errorf("ParseFilter(%q) accepted", bad)
		}
	}
}

func TestMergeRegionsReportsConflicts(t *testing.T) {
	a := InstanceType{Name: "x.large", IPv4PerENI: 10, NetworkCardENIs: []int{3}, MaxENIs: 3}
	b := a
	b.IPv4PerENI = 15
	c := InstanceType{Name: "y.large", IPv4PerENI: 4, NetworkCardENIs: []int{2}, MaxENIs: 2}
	merged, conflicts := MergeRegions(map[string][]InstanceType{"us-west-2": {b}, "eu-west-1": {a, c}})
	if len(merged) != 2 || merged[0].IPv4PerENI != 10 {
		t.Errorf("merged %+v: want both types, eu-west-1's figures kept", merged)
	}
	if len(conflicts) != 1 || conflicts[0].Field != "ipv4PerEni" || conflicts[0].OtherRegion != "us-west-2" {
		t.Errorf("conflicts %+v", conflicts)
	}
	if s := conflicts[0].String(); !strings.Contains(s, "x.large") || !strings.Contains(s, "15") {
		t.Errorf("conflict text %q", s)
	}
}

func TestBuildMergesSupplementAndBranches(t *testing.T) {
	ec2 := []InstanceType{{Name: "b.large", IPv4PerENI: 10, NetworkCardENIs: []int{3}}}
	sup := Supplement{Source: "hand", InstanceTypes: []InstanceType{
		{Name: "b.large", IPv4PerENI: 99, NetworkCardENIs: []int{9}},
		{Name: "a.old", IPv4PerENI: 30, NetworkCardENIs: []int{8}, Note: "retired"},
	}}
	tb, obsolete := Build(ec2, sup, map[string]BranchLimit{"b.large": {true, 9}})
	if err := tb.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(tb.InstanceTypes) != 2 || tb.InstanceTypes[0].Name != "a.old" || !tb.InstanceTypes[0].Supplemented {
		t.Errorf("table %+v", tb.InstanceTypes)
	}
	if b, _ := tb.Lookup("b.large"); b.IPv4PerENI != 10 || !b.TrunkCompatible || b.BranchENIs != 9 || b.Supplemented {
		t.Errorf("EC2's figures must win over the supplement: %+v", b)
	}
	if len(obsolete) != 1 || obsolete[0] != "b.large" {
		t.Errorf("obsolete %v", obsolete)
	}
}

func TestDecodeRejectsBadTables(t *testing.T) {
	for name, doc := range map[string]string{
		"not json":   `{"instanceTypes": [`,
		"unsorted":   `{"instanceTypes":[{"name":"b","ipv4PerEni":2,"networkCardEnis":[1]},{"name":"a","ipv4PerEni":2,"networkCardEnis":[1]}]}`,
		"duplicate":  `{"instanceTypes":[{"name":"a","ipv4PerEni":2,"networkCardEnis":[1]},{"name":"a","ipv4PerEni":2,"networkCardEnis":[1]}]}`,
		"no limits":  `{"instanceTypes":[{"name":"a"}]}`,
		"empty name": `{"instanceTypes":[{"ipv4PerEni":2,"networkCardEnis":[1]}]}`,
	} {
		if _, err := Decode([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := ParseBranchCSV(strings.NewReader("instance_type,trunking_compatible,branch_interfaces\nm5.large,yes,9\n")); err == nil {
		t.Error("ParseBranchCSV accepted a non-boolean")
	}
}

// Decoding the embedded table happens once per process, on first use: this is
// its whole cost.
func BenchmarkDecodeEmbedded(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(embeddedTable); err != nil {
			b.Fatal(err)
		}
	}
}
