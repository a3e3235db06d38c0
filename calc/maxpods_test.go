package calc

import (
	"strings"
	"testing"
)

// The worked examples of shared/docs/maxpods.md §5: E, I, hypervisor, bare
// metal and vCPUs in, every mode's raw and recommended value out, plus
// Karpenter's value with one reserved ENI.
func TestMaxPodsWorkedExamples(t *testing.T) {
	type pair struct{ raw, rec int }
	tests := []struct {
		name       string
		in         Instance
		std, cn    pair
		pd, cnpd   pair // as AWS's calculator computes them (--calculator-compat)
		karpenter1 int
	}{
		{"m5.large", Instance{VCPUs: 2, ENIs: 3, IPv4PerENI: 10, Hypervisor: "nitro"}, pair{29, 29}, pair{20, 20}, pair{434, 110}, pair{290, 110}, 20},
		{"t3.medium", Instance{VCPUs: 2, ENIs: 3, IPv4PerENI: 6, Hypervisor: "nitro"}, pair{17, 17}, pair{12, 12}, pair{242, 110}, pair{162, 110}, 12},
		{"c5.large", Instance{VCPUs: 2, ENIs: 3, IPv4PerENI: 10, Hypervisor: "nitro"}, pair{29, 29}, pair{20, 20}, pair{434, 110}, pair{290, 110}, 20},
		{"m5.xlarge", Instance{VCPUs: 4, ENIs: 4, IPv4PerENI: 15, Hypervisor: "nitro"}, pair{58, 58}, pair{44, 44}, pair{898, 110}, pair{674, 110}, 44},
		{"m5.4xlarge", Instance{VCPUs: 16, ENIs: 8, IPv4PerENI: 30, Hypervisor: "nitro"}, pair{234, 110}, pair{205, 110}, pair{3714, 110}, pair{3250, 110}, 205},
		{"m5.8xlarge", Instance{VCPUs: 32, ENIs: 8, IPv4PerENI: 30, Hypervisor: "nitro"}, pair{234, 234}, pair{205, 205}, pair{3714, 250}, pair{3250, 250}, 205},
		{"p5.48xlarge", Instance{VCPUs: 192, ENIs: 2, IPv4PerENI: 50, Hypervisor: "nitro"}, pair{100, 100}, pair{51, 51}, pair{1570, 250}, pair{786, 250}, 51},
		{"c6in.32xlarge", Instance{VCPUs: 128, ENIs: 8, IPv4PerENI: 50, Hypervisor: "nitro"}, pair{394, 250}, pair{345, 250}, pair{6274, 250}, pair{5490, 250}, 345},
		{"p4d.24xlarge", Instance{VCPUs: 96, ENIs: 15, IPv4PerENI: 50, Hypervisor: "nitro"}, pair{737, 250}, pair{688, 250}, pair{11762, 250}, pair{10978, 250}, 688},
		{"m4.large", Instance{VCPUs: 2, ENIs: 2, IPv4PerENI: 10, Hypervisor: "xen"}, pair{20, 20}, pair{11, 11}, pair{20, 20}, pair{11, 11}, 11},
		{"c4.large", Instance{VCPUs: 2, ENIs: 3, IPv4PerENI: 10, Hypervisor: "xen"}, pair{29, 29}, pair{20, 20}, pair{29, 29}, pair{20, 20}, 20},
		{"m5.metal", Instance{VCPUs: 96, ENIs: 15, IPv4PerENI: 50, BareMetal: true}, pair{737, 250}, pair{688, 250}, pair{737, 250}, pair{688, 250}, 688},
		{"t3.nano", Instance{VCPUs: 2, ENIs: 2, IPv4PerENI: 2, Hypervisor: "nitro"}, pair{4, 4}, pair{3, 3}, pair{34, 34}, pair{18, 18}, 3},
		{"u-6tb1.metal", Instance{VCPUs: 448, ENIs: 5, IPv4PerENI: 30, BareMetal: true}, pair{147, 147}, pair{118, 118}, pair{147, 147}, pair{118, 118}, 118},
		{"hpc6id.32xlarge", Instance{VCPUs: 64, ENIs: 1, IPv4PerENI: 50, Hypervisor: "nitro"}, pair{51, 51}, pair{2, 2}, pair{786, 250}, pair{2, 2}, 0},
	}
	cni := CNIVersion{1, 18, 0}
	for _, tc := range tests {
		tc.in.Name = tc.name
		check := func(mode string, o MaxPodsOptions, want pair) {
			t.Helper()
			o.CNIVersion = &cni
			got := ComputeMaxPods(tc.in, o)
			if got.Uncapped != want.raw || got.Recommended != want.rec {
				t.Errorf("%s %s: got raw/rec %d/%d, want %d/%d (notes %q)", tc.name, mode, got.Uncapped, got.Recommended, want.raw, want.rec, got.Notes)
			}
		}
		check("std", MaxPodsOptions{}, tc.std)
		check("custom networking", MaxPodsOptions{CustomNetworking: true}, tc.cn)
		check("prefix delegation (calculator)", MaxPodsOptions{PrefixDelegation: true, CalculatorCompat: true}, tc.pd)
		check("custom networking + prefix delegation (calculator)", MaxPodsOptions{CustomNetworking: true, PrefixDelegation: true, CalculatorCompat: true}, tc.cnpd)
		if got := ComputeMaxPods(tc.in, MaxPodsOptions{ReservedENIs: 1}).Uncapped; got != tc.karpenter1 {
			t.Errorf("%s with 1 reserved ENI (Karpenter): got %d, want %d", tc.name, got, tc.karpenter1)
		}
	}
}

// §1.4: the test cases that shipped with max-pods-calculator.sh.
func TestMaxPodsCalculatorTestCases(t *testing.T) {
	m58x := Instance{Name: "m5.8xlarge", VCPUs: 32, ENIs: 8, IPv4PerENI: 30, Hypervisor: "nitro"}
	m4x := Instance{Name: "m4.xlarge", VCPUs: 4, ENIs: 4, IPv4PerENI: 15, Hypervisor: "xen"}
	c6in := Instance{Name: "c6in.32xlarge", VCPUs: 128, ENIs: 8, IPv4PerENI: 50, Hypervisor: "nitro"}
	v := func(s string) *CNIVersion { x, _ := ParseCNIVersion(s); return &x }
	tests := []struct {
		name string
		in   Instance
		o    MaxPodsOptions
		raw  bool
		want int
	}{
		{"max-pods-cni-1-11-2", m58x, MaxPodsOptions{CNIVersion: v("1.11.2")}, false, 234},
		{"max-pods-cni-1-11-2-delegation", m58x, MaxPodsOptions{CNIVersion: v("1.11.2"), PrefixDelegation: true}, false, 250},
		{"max-pods-cni-1-7-5", m4x, MaxPodsOptions{CNIVersion: v("1.7.5")}, false, 58},
		{"max-pods-cni-1-18-0 --show-max-allowed", c6in, MaxPodsOptions{CNIVersion: v("1.18.0")}, true, 394},
	}
	for _, tc := range tests {
		r := ComputeMaxPods(tc.in, tc.o)
		got := r.Recommended
		if tc.raw {
			got = r.Uncapped
		}
		if got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestMaxPodsEdgeCases(t *testing.T) {
	nitro := func(name string, vcpus, enis, ipv4 int) Instance {
		return Instance{Name: name, VCPUs: vcpus, ENIs: enis, IPv4PerENI: ipv4, Hypervisor: "nitro"}
	}
	v := func(s string) *CNIVersion { x, _ := ParseCNIVersion(s); return &x }
	m5large := nitro("m5.large", 2, 3, 10)
	m5xlarge := nitro("m5.xlarge", 4, 4, 15)
	u6 := Instance{Name: "u-6tb1.metal", VCPUs: 448, ENIs: 5, IPv4PerENI: 30, BareMetal: true}
	tests := []struct {
		name      string
		in        Instance
		o         MaxPodsOptions
		raw, rec  int
		pd        bool
		noteMatch string
	}{
		// §7.2: the CNI does delegate prefixes on bare metal; the calculator does not.
		{"bare metal PD, CNI view", u6, MaxPodsOptions{PrefixDelegation: true}, 2322, 250, true, ""},
		{"bare metal PD, calculator view", u6, MaxPodsOptions{PrefixDelegation: true, CalculatorCompat: true}, 147, 147, false, "calculator"},
		{"bare metal PD, CNI before 1.11", u6, MaxPodsOptions{PrefixDelegation: true, CNIVersion: v("1.10.3")}, 147, 147, false, "1.11.0"},
		// §7.3: Xen ignores PD and says so.
		{"xen PD", Instance{Name: "m4.large", VCPUs: 2, ENIs: 2, IPv4PerENI: 10, Hypervisor: "xen"}, MaxPodsOptions{PrefixDelegation: true}, 20, 20, false, "xen"},
		{"PD before CNI 1.9", m5large, MaxPodsOptions{PrefixDelegation: true, CNIVersion: v("1.8.9")}, 29, 29, false, "1.9.0"},
		{"PD at CNI 1.9.0-eksbuild.1", m5large, MaxPodsOptions{PrefixDelegation: true, CNIVersion: v("1.9.0-eksbuild.1")}, 434, 110, true, ""},
		// §7.5: 30 vCPUs still get 110; 31 get 250.
		{"30 vCPUs", nitro("x.30", 30, 8, 30), MaxPodsOptions{}, 234, 110, false, ""},
		{"31 vCPUs", nitro("x.31", 31, 8, 30), MaxPodsOptions{}, 234, 234, false, ""},
		// §7.7: --max-eni is applied before the custom-networking subtraction, and
		// the count never goes negative.
		{"max-eni 2", m5xlarge, MaxPodsOptions{MaxENI: 2}, 30, 30, false, ""},
		{"max-eni 2 + CN", m5xlarge, MaxPodsOptions{MaxENI: 2, CustomNetworking: true}, 16, 16, false, ""},
		{"max-eni 1 + CN", m5xlarge, MaxPodsOptions{MaxENI: 1, CustomNetworking: true}, 2, 2, false, "no ENI left"},
		{"max-eni above E", m5xlarge, MaxPodsOptions{MaxENI: 99}, 58, 58, false, ""},
		// Karpenter: a huge RESERVED_ENIS gives 0, never negative.
		{"reserved ENIs beyond E", m5large, MaxPodsOptions{ReservedENIs: 40}, 0, 0, false, "Karpenter"},
		{"t3.large Karpenter reserved 1", nitro("t3.large", 2, 3, 12), MaxPodsOptions{ReservedENIs: 1}, 24, 24, false, ""},
		// §7.10: the trunk ENI takes one ENI from pods.
		{"security groups for pods", Instance{Name: "m5.large", VCPUs: 2, ENIs: 3, IPv4PerENI: 10, Hypervisor: "nitro", TrunkCompatible: true, BranchENIs: 9},
			MaxPodsOptions{SecurityGroupsForPods: true}, 20, 20, false, "9 branch-ENI pods"},
		{"security groups for pods, not trunk-compatible", Instance{Name: "t3.large", VCPUs: 2, ENIs: 3, IPv4PerENI: 12, Hypervisor: "nitro"},
			MaxPodsOptions{SecurityGroupsForPods: true}, 35, 35, false, "not trunk-compatible"},
		// IPv6: only the cap limits pods.
		{"ipv6 small", m5large, MaxPodsOptions{IPv6: true}, 110, 110, true, "IPv6"},
		{"ipv6 large", nitro("m5.8xlarge", 32, 8, 30), MaxPodsOptions{IPv6: true}, 250, 250, true, "IPv6"},
		{"ipv6 on xen", Instance{Name: "m4.large", VCPUs: 2, ENIs: 2, IPv4PerENI: 10, Hypervisor: "xen"}, MaxPodsOptions{IPv6: true}, 0, 0, false, "cannot run in IPv6"},
		// Unknown vCPUs: the lower cap, said out loud, only where it binds.
		{"unknown vCPUs, cap binds", Instance{Name: "c9g.large", ENIs: 3, IPv4PerENI: 20, Hypervisor: "nitro"}, MaxPodsOptions{PrefixDelegation: true}, 914, 110, true, "vCPUs not known"},
	}
	for _, tc := range tests {
		r := ComputeMaxPods(tc.in, tc.o)
		if r.Uncapped != tc.raw || r.Recommended != tc.rec || r.PrefixDelegation != tc.pd {
			t.Errorf("%s: got raw/rec/pd %d/%d/%v, want %d/%d/%v (notes %q)", tc.name, r.Uncapped, r.Recommended, r.PrefixDelegation, tc.raw, tc.rec, tc.pd, r.Notes)
		}
		notes := strings.Join(r.Notes, "; ")
		if tc.noteMatch != "" && !strings.Contains(notes, tc.noteMatch) {
			t.Errorf("%s: notes %q lack %q", tc.name, notes, tc.noteMatch)
		}
		if tc.noteMatch == "" && len(r.Notes) > 0 {
			t.Errorf("%s: unexpected notes %q", tc.name, notes)
		}
	}
	if r := ComputeMaxPods(Instance{Name: "c9g.medium", ENIs: 2, IPv4PerENI: 4, Hypervisor: "nitro"}, MaxPodsOptions{}); len(r.Notes) != 0 {
		t.Errorf("unknown vCPUs where the cap does not bind should not be noted: %q", r.Notes)
	}
}

func TestParseCNIVersion(t *testing.T) {
	good := map[string]CNIVersion{
		"1.18.0": {1, 18, 0}, "v1.18.0": {1, 18, 0}, "1.9.0-eksbuild.1": {1, 9, 0},
		"v1.19.2-eksbuild.5": {1, 19, 2}, "1.9": {1, 9, 0}, " 2.0.1 ": {2, 0, 1},
	}
	for in, want := range good {
		got, err := ParseCNIVersion(in)
		if err != nil || got != want {
			t.Errorf("ParseCNIVersion(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "1", "v", "1.x.0", "1.2.3.4", "latest", "1..0", "-1.9.0", "1.-9"} {
		if _, err := ParseCNIVersion(in); err == nil {
			t.Errorf("ParseCNIVersion(%q) accepted", in)
		}
	}
	if !(CNIVersion{1, 8, 9}).Less(CNIVersion{1, 9, 0}) || (CNIVersion{1, 10, 0}).Less(CNIVersion{1, 9, 9}) {
		t.Error("Less orders versions wrongly")
	}
}

func FuzzParseCNIVersion(f *testing.F) {
	for _, s := range []string{"1.18.0", "v1.9.0-eksbuild.1", "1.9", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseCNIVersion(s)
		if err != nil {
			return
		}
		// Whatever parses must round-trip through its canonical form.
		again, err := ParseCNIVersion(v.String())
		if err != nil || again != v {
			t.Fatalf("%q parsed to %v, which does not round-trip (%v, %v)", s, v, again, err)
		}
	})
}

func BenchmarkComputeMaxPods(b *testing.B) {
	in := Instance{Name: "m5.large", VCPUs: 2, ENIs: 3, IPv4PerENI: 10, Hypervisor: "nitro"}
	o := MaxPodsOptions{PrefixDelegation: true, CustomNetworking: true}
	b.ReportAllocs()
	for b.Loop() {
		_ = ComputeMaxPods(in, o)
	}
}
