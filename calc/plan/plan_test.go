package plan

import (
	"bufio"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/eksnet/eksnet/calc"
	"github.com/eksnet/eksnet/cidr"
	"github.com/eksnet/eksnet/instancedata"
	"github.com/eksnet/eksnet/internal/reference"
)

// embedded looks instance types up in eksnet's embedded table.
func embedded(name string) (calc.Instance, error) {
	t, ok := instancedata.LookupEmbedded(name)
	if !ok {
		return calc.Instance{}, fmt.Errorf("unknown instance type %q", name)
	}
	return t.Calc(), nil
}

func mustParse(t testing.TB, text string) *Plan {
	t.Helper()
	p, err := Parse("plan.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func rulesOf(r Result) []string {
	var ids []string
	for _, v := range r.Violations {
		ids = append(ids, v.Rule)
	}
	return ids
}

// referenceLimits reads an instance type's ENIs and addresses per ENI from
// the VPC CNI's published limits.
func referenceLimits(t *testing.T, name string) (enis, perENI int) {
	f, err := os.Open(reference.Path(t, "vpc-cni-instance-limits.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ",")
		if fields[0] == name {
			enis, _ = strconv.Atoi(fields[1])
			perENI, _ = strconv.Atoi(fields[2])
			return enis, perENI
		}
	}
	t.Fatalf("%s not in the reference", name)
	return 0, 0
}

// A secondary-IP node at max pods holds every address of every ENI; a /24
// has 256 - 5 usable. The capacity rule must pass exactly the node counts
// that arithmetic on AWS's published limits allows, and fail the next.
func TestCapacityBoundaryAgainstReference(t *testing.T) {
	enis, perENI := referenceLimits(t, "m5.large")
	perNode := enis * perENI
	usable := 256 - cidr.ReservedPerSubnet
	fits := usable / perNode
	for nodes := 1; nodes <= fits+2; nodes++ {
		p := mustParse(t, fmt.Sprintf(`version: 1
vpc: {cidrs: [10.0.0.0/16]}
subnets: [{name: a, cidr: 10.0.0.0/24, az: us-east-1a}]
nodeGroups: [{name: g, instanceTypes: [m5.large], maxNodes: %d, subnets: [a]}]
`, nodes))
		r := Check(p, Env{Instance: embedded})
		if got, want := len(r.Violations) > 0, nodes > fits; got != want {
			t.Errorf("%d nodes x %d addresses in a /24 (%d usable): violations %v", nodes, perNode, usable, rulesOf(r))
		}
		if r.Subnets[0].Singles != nodes*perNode || r.Subnets[0].Blocks != 0 {
			t.Errorf("%d nodes: demand %d blocks %d singles, want %d singles", nodes, r.Subnets[0].Blocks, r.Subnets[0].Singles, nodes*perNode)
		}
	}
}

// Prefix mode in a subnet whose upper half is a prefix reservation: the
// blocks may use the reservation, the singles only the rest, and every
// single may spoil a general block (subnets-and-fragmentation.md §4.3).
func TestCapacityWithReservation(t *testing.T) {
	plan := func(reservation string, nodes int) Result {
		return Check(mustParse(t, fmt.Sprintf(`version: 1
vpc: {cidrs: [10.0.0.0/16]}
subnets:
  - {name: a, cidr: 10.0.0.0/24, az: us-east-1a%s}
nodeGroups:
  - {name: g, instanceTypes: [m5.large], maxNodes: %d, subnets: [a], cni: {mode: prefix}}
`, reservation, nodes)), Env{Instance: embedded})
	}
	one := plan("", 1).Subnets[0]
	// Without a reservation: 14 eligible blocks, each single spoils one.
	eligible := cidr.EligibleBlocks(cidrPrefix("10.0.0.0/24"), false)
	for nodes := 1; nodes <= 3; nodes++ {
		r := plan("", nodes)
		want := nodes*(one.Blocks+one.Singles) <= eligible
		if got := len(r.Violations) == 0; got != want {
			t.Errorf("%d nodes, no reservation: fits %v, want %v (%v)", nodes, got, want, rulesOf(r))
		}
	}
	// With the upper /25 reserved: 7 reserved blocks (the edge block lost)
	// and 7 general ones for the rest.
	res := ", reservations: [{cidr: 10.0.0.128/25, type: prefix}]"
	for nodes := 1; nodes <= 3; nodes++ {
		r := plan(res, nodes)
		b, s := nodes*one.Blocks, nodes*one.Singles
		want := b <= 7+max(0, 7-s)
		if got := len(r.Violations) == 0; got != want {
			t.Errorf("%d nodes, /25 reserved: fits %v, want %v (%v)", nodes, got, want, rulesOf(r))
		}
	}
}

func cidrPrefix(s string) netip.Prefix {
	p, _ := cidr.ParseIPv4(s)
	return p
}

func TestParsePositions(t *testing.T) {
	p := mustParse(t, `version: 1
vpc:
  cidrs: [10.0.0.0/16]
subnets:
  - &a {name: a, cidr: 10.0.0.0/24, az: us-east-1a}
  - {name: b, cidr: 10.0.1.0/24, az: us-east-1b, role: pod}
nodeGroups:
  - name: g
    instanceTypes: [m5.large]
    maxNodes: 10
    surge: 25%
    subnets: [a]
    podsPerNode: 40
  - {name: h, instanceTypes: [m5.large], maxNodes: 3, surge: 2, subnets: [a], cni: {warmENITarget: 0}}
`)
	for path, want := range map[string]Pos{
		"subnets[1].cidr":        {6, 21},
		"subnets[1].role":        {6, 56},
		"nodeGroups[0].surge":    {11, 12},
		"nodeGroups[1].cni.mode": {14, 84}, // absent: the cni mapping
		"policies.minAZs":        {1, 1},   // absent: the plan
	} {
		if got := p.At(path); got != want {
			t.Errorf("At(%q) = %v, want %v", path, got, want)
		}
	}
	g, h := p.NodeGroups[0], p.NodeGroups[1]
	if g.Surge.NodesAbove(10) != 3 || h.Surge.NodesAbove(3) != 2 || !g.PodsPerNode.Set || g.PodsPerNode.Count != 40 || !h.PodsPerNode.Max() {
		t.Errorf("surge and pods: %+v %+v", g, h)
	}
	if s := h.settings(); s.WarmENITarget != 0 || s.WarmPrefixTarget != 1 {
		t.Errorf("explicit 0 and defaults: %+v", s)
	}
	if s := g.settings(); s.WarmENITarget != 1 {
		t.Errorf("default WARM_ENI_TARGET: %+v", s)
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"version: 1\nvpc: {cidrs: [10.0.0.0/16]}\nsubnets: []\nnodeGroups: [{name: g, instanceTypes: m5.large, maxNodes: 1, subnets: []}]\n", "plan.yaml:4:39: nodeGroups[0].instanceTypes: want a list"},
		{"version: 1\nvpc: {cidrs: [10.0.0.0/16]}\nsubnets: []\npolicies: {azFailure: yes please}\n", "plan.yaml:4:23: policies.azFailure: want true or false"},
		{"version: 1\nvpc: {cidrs: [10.0.0.0/16]}\nsubnets: []\npolicies: {headroomPercent: -5}\n", "plan.yaml:4:29: policies.headroomPercent: -5: want 0 or more"},
		{"version: 1\nvpc: {cidrs: [10.0.0.0/16]}\nsubnets: [{name: a, cidr: 10.0.0.0/24, az: x, reservations: [{cidr: 10.0.0.0/28, type: pfx}]}]\n", `plan.yaml:3:88: subnets[0].reservations[0].type: "pfx": want one of prefix, explicit`},
		{"version: 1\nvpc: {cidrs: [10.0.0.0/16]}\nsubnets: [{name: a, cidr: [10.0.0.0/24], az: x}]\n", "plan.yaml:3:27: subnets[0].cidr: want a string, got a list"},
		{"version: 1\nvpc: {cidrs: [10.0.0.0/16]}\nsubnets: []\nnodeGroups: [{name: g, instanceTypes: [m5.large], maxNodes: 1, subnets: [], podsPerNode: some}]\n", `nodeGroups[0].podsPerNode: want a pod count or max, got "some"`},
		{"- 1\n- 2\n", "plan.yaml:1:1: want a mapping, got a list"},
		{"vpc: {cidrs: [10.0.0.0/16]}\nsubnets: []\n", `plan.yaml:1:1: missing key "version" in the plan`},
	} {
		_, err := Parse("plan.yaml", []byte(c.text))
		var re *ReadError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.text, err, c.want)
		}
	}
}

// benchmarkPlan has 50 node groups over 30 subnets in 3 AZs, half of them
// in prefix mode, each with two instance types.
func benchmarkPlan() string {
	var b strings.Builder
	b.WriteString("version: 1\nvpc:\n  cidrs: [10.0.0.0/16, 10.1.0.0/16, 10.2.0.0/16, 10.3.0.0/16]\nsubnets:\n")
	azs := []string{"us-east-1a", "us-east-1b", "us-east-1c"}
	for i := range 30 {
		fmt.Fprintf(&b, "  - {name: s%d, cidr: 10.%d.%d.0/19, az: %s}\n", i, i/8, i%8*32, azs[i%3])
	}
	b.WriteString("nodeGroups:\n")
	types := [][2]string{{"m5.large", "m5a.large"}, {"m6i.xlarge", "m6a.xlarge"}, {"c6i.2xlarge", "c5.2xlarge"}, {"r6i.large", "r5.large"}}
	for i := range 50 {
		mode := "secondary-ip"
		if i%2 == 1 {
			mode = "prefix"
		}
		ty := types[i%len(types)]
		fmt.Fprintf(&b, "  - {name: g%d, instanceTypes: [%s, %s], maxNodes: 4, surge: 25%%, subnets: [s%d, s%d, s%d], cni: {mode: %s}}\n",
			i, ty[0], ty[1], i%30, (i+1)%30, (i+2)%30, mode)
	}
	b.WriteString("otherAddresses:\n  - {name: lbs, subnets: [s0, s1, s2], addresses: 20}\npolicies: {headroomPercent: 20, minAZs: 3, minFreePrefixesPerSubnet: 4}\n")
	return b.String()
}

func TestBenchmarkPlanPasses(t *testing.T) {
	p := mustParse(t, benchmarkPlan())
	if len(p.NodeGroups) != 50 || len(p.Subnets) != 30 {
		t.Fatalf("%d node groups, %d subnets", len(p.NodeGroups), len(p.Subnets))
	}
	if r := Check(p, Env{Instance: embedded}); len(r.Violations) != 0 {
		t.Errorf("the benchmark plan should pass: %+v", r.Violations)
	}
}

// BenchmarkCheck50x30 reads and checks a plan of 50 node groups and 30
// subnets, with instance types looked up once each as plan check does.
func BenchmarkCheck50x30(b *testing.B) {
	data := []byte(benchmarkPlan())
	b.ReportAllocs()
	for b.Loop() {
		p, err := Parse("plan.yaml", data)
		if err != nil {
			b.Fatal(err)
		}
		cache := map[string]calc.Instance{}
		lookup := func(name string) (calc.Instance, error) {
			if in, ok := cache[name]; ok {
				return in, nil
			}
			in, err := embedded(name)
			cache[name] = in
			return in, err
		}
		Check(p, Env{Instance: lookup})
	}
}

func TestEmptyVPCCIDRs(t *testing.T) {
	r := Check(mustParse(t, "version: 1\nvpc: {cidrs: []}\nsubnets: [{name: a, cidr: 10.0.0.0/24, az: x}]\n"), Env{Instance: embedded})
	if ids := rulesOf(r); len(ids) != 1 || ids[0] != RuleCIDRValid || r.Violations[0].Line != 2 {
		t.Errorf("empty vpc.cidrs: %+v", r.Violations)
	}
}
