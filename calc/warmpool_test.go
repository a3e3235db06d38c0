package calc

import (
	"fmt"
	"strings"
	"testing"
)

// Instance data as warm-pool.md §8 gives it.
var (
	t3small = Instance{Name: "t3.small", VCPUs: 2, ENIs: 3, IPv4PerENI: 4, Hypervisor: "nitro"}
	p3dn    = Instance{Name: "p3dn.24xlarge", VCPUs: 96, ENIs: 15, IPv4PerENI: 50, Hypervisor: "nitro"}
	m44x    = Instance{Name: "m4.4xlarge", VCPUs: 16, ENIs: 8, IPv4PerENI: 30, Hypervisor: "xen"}
)

// sip and pd build settings; -1 leaves a target at its default.
func sip(wet, wit, mit int) WarmPoolSettings {
	return WarmPoolSettings{WarmENITarget: wet, WarmIPTarget: wit, MinimumIPTarget: mit, WarmPrefixTarget: 1, MaxPods: 1000}
}

func pd(wpt, wit, mit int) WarmPoolSettings {
	return WarmPoolSettings{PrefixDelegation: true, WarmENITarget: 1, WarmPrefixTarget: wpt, WarmIPTarget: wit, MinimumIPTarget: mit, MaxPods: 1000}
}

// §8.1: docs/eni-and-ip-target.md, secondary-IP mode. Max pods is set high so
// that only the ENI limit caps the pool, as in the doc.
func TestWarmPoolSecondaryIPDocTable(t *testing.T) {
	rows := []struct {
		in                  Instance
		s                   WarmPoolSettings
		pods, enis, ips, un int
	}{
		{t3small, sip(1, 0, 0), 0, 1, 3, 3},
		{t3small, sip(1, 0, 0), 5, 3, 9, 4},
		{t3small, sip(1, 0, 0), 9, 3, 9, 0},
		{t3small, sip(1, 1, 1), 0, 1, 1, 1},
		{t3small, sip(1, 1, 1), 5, 2, 6, 1},
		{t3small, sip(1, 1, 1), 9, 3, 9, 0},
		// The doc lists the IPs per ENI as 2,3; ipamd fills the primary first (3,2). Same totals.
		{t3small, sip(1, 2, 5), 0, 2, 5, 5},
		{t3small, sip(1, 2, 5), 5, 3, 7, 2},
		{t3small, sip(1, 2, 5), 9, 3, 9, 0},
		{p3dn, sip(1, 0, 0), 0, 1, 49, 49},
		{p3dn, sip(1, 0, 0), 3, 2, 98, 95},
		{p3dn, sip(1, 0, 0), 95, 3, 147, 52},
		{p3dn, sip(1, 5, 10), 0, 1, 10, 10},
		{p3dn, sip(1, 5, 10), 7, 1, 12, 5},
		{p3dn, sip(1, 5, 10), 15, 1, 20, 5},
		{p3dn, sip(1, 5, 10), 45, 2, 50, 5},
	}
	for _, r := range rows {
		w := WarmPoolFor(r.in, r.s, r.pods)
		if w.AttachedENIs != r.enis || w.SecondaryIPs != r.ips || w.UnusedAddresses != r.un {
			t.Errorf("%s %+v pods %d: ENIs %d IPs %d unused %d, want %d %d %d", r.in.Name, r.s, r.pods, w.AttachedENIs, w.SecondaryIPs, w.UnusedAddresses, r.enis, r.ips, r.un)
		}
	}
}

// §8.2: docs/prefix-and-ip-target.md, prefix mode. Where the doc contradicts
// ipamd's code, the test asserts what the code does (comments say which).
func TestWarmPoolPrefixDocTable(t *testing.T) {
	rows := []struct {
		in                              Instance
		s                               WarmPoolSettings
		pods, enis, prefixes, unusedIPs int
		unusedPrefixes                  int
	}{
		{t3small, pd(1, 0, 0), 0, 1, 1, 16, 1},
		{t3small, pd(1, 0, 0), 5, 1, 2, 27, 1},
		{t3small, pd(1, 0, 0), 16, 1, 2, 16, 1},
		{t3small, pd(1, 0, 0), 17, 1, 3, 31, 1},
		{t3small, pd(1, 0, 0), 58, 2, 5, 22, 1},
		{t3small, pd(1, 1, 1), 0, 1, 1, 16, 1},
		{t3small, pd(1, 1, 1), 5, 1, 1, 11, 0},
		{t3small, pd(1, 1, 1), 17, 1, 2, 15, 0},
		{t3small, pd(1, 1, 1), 58, 2, 4, 6, 0},
		// The doc's row is self-contradictory (1 prefix, "2 per ENI"); the code
		// takes ceil(max(7, 20)/16) = 2 prefixes.
		{t3small, pd(1, 7, 20), 0, 1, 2, 32, 2},
		{t3small, pd(1, 7, 20), 5, 1, 2, 27, 1},
		{t3small, pd(1, 7, 20), 17, 1, 2, 15, 0},
		{t3small, pd(1, 7, 20), 58, 2, 5, 22, 1},
		{p3dn, pd(1, 0, 0), 0, 1, 1, 16, 1},
		// The doc says 2 and 3 ENIs; no code path attaches an ENI while the
		// primary has room for 49 prefixes: 1 ENI.
		{p3dn, pd(1, 0, 0), 3, 1, 2, 29, 1},
		{p3dn, pd(1, 0, 0), 95, 1, 7, 17, 1},
		{p3dn, pd(1, 5, 10), 0, 1, 1, 16, 1},
		{p3dn, pd(1, 5, 10), 7, 1, 1, 9, 0},
		{p3dn, pd(1, 5, 10), 15, 1, 2, 17, 1},
		// The doc says 2 ENIs (45,0); the code keeps 1.
		{p3dn, pd(1, 5, 10), 45, 1, 4, 19, 1},
	}
	for _, r := range rows {
		w := WarmPoolFor(r.in, r.s, r.pods)
		unusedPrefixes := w.Prefixes - ceilDiv(r.pods, PrefixSize)
		if w.AttachedENIs != r.enis || w.Prefixes != r.prefixes || w.UnusedAddresses != r.unusedIPs || unusedPrefixes != r.unusedPrefixes {
			t.Errorf("%s %+v pods %d: ENIs %d prefixes %d unused IPs %d unused prefixes %d, want %d %d %d %d", r.in.Name, r.s, r.pods,
				w.AttachedENIs, w.Prefixes, w.UnusedAddresses, unusedPrefixes, r.enis, r.prefixes, r.unusedIPs, r.unusedPrefixes)
		}
		if w.AlignedBlocks != w.Prefixes {
			t.Errorf("prefixes need one aligned /28 each: %d vs %d", w.AlignedBlocks, w.Prefixes)
		}
	}
}

// §8.3 (README) and §8.4 (ipamd source comments).
func TestWarmPoolReadmeFacts(t *testing.T) {
	// ENI allocation on m4.4xlarge, WARM_ENI_TARGET=1. The README says "0-29
	// pods: one more ENI"; the code gives 1 ENI at 0 pods.
	for _, c := range []struct{ pods, enis, ips int }{{0, 1, 29}, {1, 2, 58}, {29, 2, 58}, {30, 3, 87}, {58, 3, 87}, {59, 4, 116}, {87, 4, 116}} {
		if w := WarmPoolFor(m44x, sip(1, 0, 0), c.pods); w.PodENIs != c.enis || w.SecondaryIPs != c.ips {
			t.Errorf("m4.4xlarge %d pods: %d ENIs %d IPs, want %d %d", c.pods, w.PodENIs, w.SecondaryIPs, c.enis, c.ips)
		}
	}
	// WARM_IP_TARGET=16 in prefix mode: one prefix at first, two after one pod.
	m5 := Instance{Name: "m5.large", VCPUs: 2, ENIs: 3, IPv4PerENI: 10, Hypervisor: "nitro"}
	if a, b := WarmPoolFor(m5, pd(1, 16, 0), 0).Prefixes, WarmPoolFor(m5, pd(1, 16, 0), 1).Prefixes; a != 1 || b != 2 {
		t.Errorf("PD W=16: %d then %d prefixes, want 1 then 2", a, b)
	}
	// MINIMUM_IP_TARGET: 30 pods with W=30 -> 60 IPs; MIN=30, W=2 -> 32.
	if w := WarmPoolFor(m44x, sip(1, 30, 0), 30); w.SecondaryIPs != 60 {
		t.Errorf("W=30, 30 pods: %d IPs, want 60", w.SecondaryIPs)
	}
	if w := WarmPoolFor(m44x, sip(1, 2, 30), 30); w.SecondaryIPs != 32 {
		t.Errorf("W=2 MIN=30, 30 pods: %d IPs, want 32", w.SecondaryIPs)
	}
	// MINIMUM_IP_TARGET alone pins the node: pods above it starve.
	w := WarmPoolFor(m44x, sip(1, 0, 12), 20)
	if w.SecondaryIPs != 12 || w.UnplacedPods != 8 || !hasWarning(w, "without WARM_IP_TARGET") {
		t.Errorf("MIN=12 alone, 20 pods: %+v", w)
	}
	// §8.4, m4.4xlarge with 9 pods.
	for _, c := range []struct {
		s        WarmPoolSettings
		ips, un  int
		describe string
	}{
		{sip(1, 1, 0), 10, 1, "W=1"},
		{sip(1, 1, 12), 12, 3, "W=1 MIN=12"},
		{sip(1, 0, 0), 58, 49, "WET=1 (the comment's 60/51 counts primaries)"},
		{sip(2, 0, 0), 87, 78, "WET=2 (the comment's 90/81 counts primaries)"},
	} {
		if w := WarmPoolFor(m44x, c.s, 9); w.SecondaryIPs != c.ips || w.UnusedAddresses != c.un {
			t.Errorf("m4.4xlarge 9 pods %s: %d IPs %d free, want %d %d", c.describe, w.SecondaryIPs, w.UnusedAddresses, c.ips, c.un)
		}
	}
}

// §8.5: the vectors of ipamd's own unit tests, on the decision functions.
func TestWarmPoolDecisionVectors(t *testing.T) {
	sipCfg := func(m, enis, wet, wit, maxPods int) poolConfig {
		return poolConfig{perENI: m, podENIs: enis, wet: wet, wit: wit, maxPods: maxPods}
	}
	low := []struct {
		c    poolConfig
		s    poolState
		want bool
	}{
		{sipCfg(14, 4, 1, 0, 500), poolState{}, true},
		{sipCfg(14, 4, 0, 0, 500), poolState{}, true},
		{sipCfg(14, 4, 0, 3, 500), poolState{}, true},
		{sipCfg(3, 4, 1, 1, 500), poolState{total: 3}, false},
		{sipCfg(3, 4, 1, 0, 500), poolState{total: 3, assigned: 1}, true},
		{sipCfg(3, 4, 0, 0, 500), poolState{total: 3, assigned: 1}, false},
		{sipCfg(3, 4, 1, 0, 500), poolState{total: 3, assigned: 3}, true},
		{sipCfg(3, 4, 0, 0, 500), poolState{total: 3, assigned: 3}, true},
		{sipCfg(3, 4, 0, 5, 3), poolState{total: 3, assigned: 3}, false},
	}
	pdCfg := func(wpt, maxPods int) poolConfig {
		return poolConfig{pd: true, perENI: 16, podENIs: 4, wpt: wpt, maxPods: maxPods}
	}
	prefix := func(pods int) poolState {
		free := 0
		if pods == 0 {
			free = 1
		}
		return poolState{total: 16, assigned: pods, prefixes: 1, freePrefixes: free}
	}
	low = append(low, []struct {
		c    poolConfig
		s    poolState
		want bool
	}{
		{pdCfg(1, 500), poolState{}, true},
		{pdCfg(0, 500), poolState{}, true},
		{pdCfg(1, 500), prefix(0), false},
		{pdCfg(1, 500), prefix(1), true},
		{pdCfg(0, 500), prefix(1), false},
		{pdCfg(1, 500), prefix(3), true},
		{pdCfg(0, 500), prefix(3), false},
		{pdCfg(1, 4), prefix(3), false},
	}...)
	for i, v := range low {
		if got := poolTooLow(v.c, v.s); got != v.want {
			t.Errorf("pool-too-low vector %d (%+v, %+v): %v, want %v", i, v.c, v.s, got, v.want)
		}
	}
	// Warm-IP state.
	w5 := poolConfig{perENI: 14, podENIs: 4, wit: 5, maxPods: 500}
	for _, v := range []struct{ total, short, over int }{{0, 5, 0}, {2, 3, 0}, {5, 0, 0}} {
		if s, o := warmIPShortOver(w5, poolState{total: v.total}); s != v.short || o != v.over {
			t.Errorf("SIP W=5, %d IPs: short %d over %d, want %d %d", v.total, s, o, v.short, v.over)
		}
	}
	p5 := poolConfig{pd: true, perENI: 16, podENIs: 4, wit: 5, maxPods: 500}
	for _, v := range []struct{ prefixes, short, over int }{{0, 1, 0}, {2, 0, 1}, {1, 0, 0}} {
		s, o := warmIPShortOver(p5, poolState{total: 16 * v.prefixes, prefixes: v.prefixes, freePrefixes: v.prefixes})
		if s != v.short || o != v.over {
			t.Errorf("PD W=5, %d empty prefixes: short %d over %d, want %d %d", v.prefixes, s, o, v.short, v.over)
		}
	}
	// ENI-free vectors: ENI1 (primary) 2 IPs both used; ENI2 2 free; ENI3 1 free.
	eni := func(ips, pods int) *simENI { return &simENI{holdsPods: true, ips: ips, ipPods: pods} }
	freed := func(wit, mit int, enis []*simENI) (string, []*simENI) {
		sim := &simulator{c: poolConfig{perENI: 14, podENIs: 4, wit: wit, mit: mit, maxPods: 500}, enis: enis}
		before := len(sim.enis)
		if !sim.freeENI() {
			return "none", sim.enis
		}
		for i, e := range enis {
			if i >= len(sim.enis) || sim.enis[i] != e {
				return fmt.Sprintf("ENI%d", i+1), sim.enis
			}
		}
		return fmt.Sprintf("ENI%d", before), sim.enis
	}
	setup := func() []*simENI { return []*simENI{eni(2, 2), eni(2, 0), eni(1, 0)} }
	for _, v := range []struct {
		wit, mit int
		want     string
	}{{3, 1, "none"}, {1, 5, "none"}, {2, 4, "ENI3"}} {
		if got, _ := freed(v.wit, v.mit, setup()); got != v.want {
			t.Errorf("free ENI with W=%d MIN=%d: %s, want %s", v.wit, v.mit, got, v.want)
		}
	}
	_, rest := freed(2, 4, setup())
	if got, _ := freed(0, 3, rest); got != "none" {
		t.Errorf("then W=0 MIN=3: %s, want none", got)
	}
	if got, _ := freed(0, 2, rest); got != "ENI2" {
		t.Errorf("then W=0 MIN=2: %s, want ENI2", got)
	}
}

func hasWarning(w WarmPool, fragment string) bool {
	for _, s := range w.Warnings {
		if strings.Contains(s, fragment) {
			return true
		}
	}
	return false
}

func TestWarmPoolWarnings(t *testing.T) {
	m5 := Instance{Name: "m5.large", VCPUs: 2, ENIs: 3, IPv4PerENI: 10, Hypervisor: "nitro"}
	cases := []struct {
		in       Instance
		s        WarmPoolSettings
		pods     int
		fragment string
	}{
		{m5, WarmPoolSettings{WarmENITarget: 0, WarmPrefixTarget: 1}, 9, "WARM_ENI_TARGET=0"},
		{m5, WarmPoolSettings{PrefixDelegation: true, WarmPrefixTarget: 0}, 16, "WARM_PREFIX_TARGET=0"},
		{m5, WarmPoolSettings{PrefixDelegation: true, WarmPrefixTarget: 3}, 5, "up to 2 more prefixes"},
		{m5, WarmPoolSettings{WarmENITarget: 1, MinimumIPTarget: 10}, 5, "without WARM_IP_TARGET"},
		{m5, WarmPoolSettings{WarmENITarget: 1, MaxPods: 110}, 5, "above what the node can address"},
		{Instance{Name: "m4.large", VCPUs: 2, ENIs: 2, IPv4PerENI: 10, Hypervisor: "xen"}, WarmPoolSettings{PrefixDelegation: true, WarmENITarget: 1, WarmPrefixTarget: 1}, 5, "falls back"},
	}
	for _, c := range cases {
		w := WarmPoolFor(c.in, c.s, c.pods)
		if !hasWarning(w, c.fragment) {
			t.Errorf("%s %+v: warnings %q lack %q", c.in.Name, c.s, w.Warnings, c.fragment)
		}
	}
	if w := WarmPoolFor(m5, WarmPoolSettings{WarmENITarget: 0, WarmPrefixTarget: 1}, 9); !w.Flapping || w.PodENIs != 2 {
		t.Errorf("WET=0 at 9 pods on m5.large should flap, worst case 2 ENIs: %+v", w)
	}
	if w := WarmPoolFor(m5, WarmPoolSettings{WarmENITarget: 1, WarmPrefixTarget: 1}, 5); len(w.Warnings) != 0 {
		t.Errorf("defaults should not warn: %q", w.Warnings)
	}
}

// SettingsGrid is the grid the closed forms are checked on against the
// simulator.
func SettingsGrid() []WarmPoolSettings {
	var grid []WarmPoolSettings
	for _, cn := range []bool{false, true} {
		for _, wet := range []int{0, 1, 2} {
			grid = append(grid, WarmPoolSettings{WarmENITarget: wet, WarmPrefixTarget: 1, CustomNetworking: cn})
		}
		for _, wt := range [][2]int{{1, 0}, {2, 5}, {5, 10}, {0, 12}, {3, 40}, {20, 0}} {
			grid = append(grid, WarmPoolSettings{WarmENITarget: 1, WarmIPTarget: wt[0], MinimumIPTarget: wt[1], WarmPrefixTarget: 1, CustomNetworking: cn})
			grid = append(grid, WarmPoolSettings{PrefixDelegation: true, WarmENITarget: 1, WarmIPTarget: wt[0], MinimumIPTarget: wt[1], WarmPrefixTarget: 1, CustomNetworking: cn})
		}
		for _, wpt := range []int{0, 1, 2, 4} {
			grid = append(grid, WarmPoolSettings{PrefixDelegation: true, WarmENITarget: 1, WarmPrefixTarget: wpt, CustomNetworking: cn})
		}
		grid = append(grid, WarmPoolSettings{WarmENITarget: 1, WarmPrefixTarget: 1, MaxENI: 2, CustomNetworking: cn})
		grid = append(grid, WarmPoolSettings{WarmENITarget: 1, WarmPrefixTarget: 1, SecurityGroupsForPods: true, CustomNetworking: cn})
		grid = append(grid, WarmPoolSettings{PrefixDelegation: true, WarmENITarget: 1, WarmPrefixTarget: 1, MaxPods: 250, CustomNetworking: cn})
	}
	return grid
}

// CompareWithSimulator checks the closed form against the simulator for one
// instance and settings at every pod count from 0 to max pods.
func CompareWithSimulator(in Instance, s WarmPoolSettings) error {
	maxPods := s.MaxPods
	if maxPods == 0 {
		maxPods = DefaultKubeletMaxPods(in, s)
	}
	sim := SimulateWarmPool(in, s, maxPods)
	for n, got := range sim {
		w := WarmPoolFor(in, s, n)
		if w.PodENIs != got.PodENIs || w.Addresses != got.Addresses || w.Prefixes != got.Prefixes ||
			w.Pods-w.UnplacedPods != got.Assigned || w.Flapping != got.Flapping {
			return fmt.Errorf("%s %+v at %d pods: closed form ENIs %d addresses %d prefixes %d placed %d flapping %v; simulator %+v",
				in.Name, s, n, w.PodENIs, w.Addresses, w.Prefixes, w.Pods-w.UnplacedPods, w.Flapping, got)
		}
	}
	return nil
}

func TestWarmPoolClosedFormMatchesSimulatorOnDocTypes(t *testing.T) {
	for _, in := range []Instance{t3small, p3dn, m44x, {Name: "hpc6id.32xlarge", VCPUs: 64, ENIs: 1, IPv4PerENI: 50, Hypervisor: "nitro"}} {
		for _, s := range SettingsGrid() {
			if err := CompareWithSimulator(in, s); err != nil {
				t.Fatal(err)
			}
		}
	}
}
