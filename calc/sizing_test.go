package calc

import (
	"math"
	"testing"
)

// subnets-and-fragmentation.md §1.5's figures for the random-placement model.
func TestExpectedSpoiledBlocks(t *testing.T) {
	for _, c := range []struct {
		eligible, singles int
		want              float64
	}{{254, 100, 83}, {254, 200, 139}, {510, 200, 166}, {254, 0, 0}, {0, 10, 0}} {
		if got := ExpectedSpoiledBlocks(c.eligible, c.singles); math.Abs(got-c.want) > 1 {
			t.Errorf("E=%d S=%d: %.1f spoiled, want about %.0f", c.eligible, c.singles, got, c.want)
		}
	}
}

func TestPeakNodesPerAZ(t *testing.T) {
	for _, c := range []struct {
		nodes, maxNodes, surge, azs int
		fail                        bool
		want                        int
	}{
		{60, 0, 20, 3, false, 24}, // §4.3: 20 per AZ, 24 with 20 % surge
		{60, 0, 0, 3, true, 30},
		{0, 90, 0, 3, false, 30},
		{61, 0, 0, 3, false, 21},
		{10, 0, 0, 1, true, 10},
	} {
		if got := PeakNodesPerAZ(c.nodes, c.maxNodes, c.surge, c.azs, c.fail); got != c.want {
			t.Errorf("%+v: %d", c, got)
		}
	}
}

// §4.3's worked example: 24 m5.large nodes per AZ at peak, prefix delegation,
// 110 pods per node, WARM_PREFIX_TARGET=1, 15 other addresses.
func TestSizingWorkedExample(t *testing.T) {
	m5 := Instance{Name: "m5.large", VCPUs: 2, ENIs: 3, IPv4PerENI: 10, Hypervisor: "nitro"}
	group := NodeGroup{Name: "ng", Instance: m5, PodsPerNode: 110, NodesPerAZ: 24,
		Settings: WarmPoolSettings{PrefixDelegation: true, WarmENITarget: 1, WarmPrefixTarget: 1, MaxPods: 250}}
	// The doc's arithmetic, k = ceil(110/16)+1 = 8 blocks and e = 1 ENI per
	// node, holds where the kubelet's max pods does not stop ipamd (here 250).
	sz, err := SizeSubnets([]NodeGroup{group}, 15, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	need := sz.PerAZ
	if need.Blocks != 192 || need.Singles != 39 || need.PrefixLengthWorstCase != 20 || need.PrefixLengthExpectedCase != 20 {
		t.Errorf("B=192 S=39, worst /20 (a /21's 126 blocks fail), expected /20: got %+v", need)
	}
	if r := need.Reservation; r == nil || r.PrefixLength != 20 || r.EligibleBlocks != 255 || r.SubnetPrefixLength != 19 {
		t.Errorf("a /19 whose /20 is a prefix reservation of 255 eligible blocks: got %+v", r)
	}
	// The doc does not apply ipamd's max-pods stop: at the recommended max
	// pods of 110, 16 x 7 = 112 addresses already reach it, so the code holds
	// 7 prefixes, not 8. The model follows the code.
	group.Settings.MaxPods = 0
	sz, _ = SizeSubnets([]NodeGroup{group}, 15, 0, false)
	if sz.PerAZ.Blocks != 168 || sz.PerAZ.PrefixLengthWorstCase != 20 {
		t.Errorf("at max pods 110: 7 blocks per node, 168 in all, still a /20: got %+v", sz.PerAZ)
	}
	// 20 % headroom and secondary-IP mode.
	sip := NodeGroup{Name: "sip", Instance: m5, PodsPerNode: 20, NodesPerAZ: 24, Settings: WarmPoolSettings{WarmENITarget: 1}}
	sz, _ = SizeSubnets([]NodeGroup{sip}, 15, 20, false)
	// Per node: 3 ENIs, 27 IPs -> 30 addresses; 24 x 30 + 15 = 735, +20 % = 882: a /22 (1,019 usable).
	if sz.PerAZ.Blocks != 0 || sz.PerAZ.Addresses != 882 || sz.PerAZ.PrefixLengthWorstCase != 22 || sz.PerAZ.Reservation != nil {
		t.Errorf("secondary IP: %+v", sz.PerAZ)
	}
}

func TestSizingCustomNetworkingAndLimits(t *testing.T) {
	m5 := Instance{Name: "m5.large", VCPUs: 2, ENIs: 3, IPv4PerENI: 10, Hypervisor: "nitro"}
	g := NodeGroup{Name: "cn", Instance: m5, PodsPerNode: 20, NodesPerAZ: 10,
		Settings: WarmPoolSettings{WarmENITarget: 1, CustomNetworking: true}}
	sz, err := SizeSubnets([]NodeGroup{g}, 5, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	// Node subnet: 10 node IPs + 5 others. Pod subnet: 10 x (2 ENIs + 18 IPs).
	if sz.NodeSubnet == nil || sz.NodeSubnet.Addresses != 15 || sz.PerAZ.Addresses != 200 {
		t.Errorf("custom networking: node %+v pod %+v", sz.NodeSubnet, sz.PerAZ)
	}
	other := g
	other.Settings.CustomNetworking = false
	if _, err := SizeSubnets([]NodeGroup{g, other}, 0, 0, false); err == nil {
		t.Error("mixed custom networking should be refused")
	}
	huge := NodeGroup{Name: "huge", Instance: m5, PodsPerNode: 20, NodesPerAZ: 5000, Settings: WarmPoolSettings{WarmENITarget: 1}}
	sz, _ = SizeSubnets([]NodeGroup{huge}, 0, 0, false)
	if sz.PerAZ.PrefixLengthWorstCase != 0 || len(sz.Warnings) == 0 {
		t.Errorf("150,000 addresses fit no subnet: %+v %q", sz.PerAZ, sz.Warnings)
	}
}

// Planning at max pods places every pod that needs an address and no more:
// the formula's two host-network pods and the branch-ENI pods take none.
func TestSizingAtMaxPods(t *testing.T) {
	m5 := Instance{Name: "m5.large", VCPUs: 2, ENIs: 3, IPv4PerENI: 10, Hypervisor: "nitro", TrunkCompatible: true, BranchENIs: 9}
	for _, s := range []WarmPoolSettings{
		{WarmENITarget: 1},
		{WarmENITarget: 1, PrefixDelegation: true, WarmPrefixTarget: 1},
		{WarmENITarget: 1, SecurityGroupsForPods: true, BranchPods: 5},
		{WarmENITarget: 1, MaxPods: 20},
	} {
		sz, err := SizeSubnets([]NodeGroup{{Name: "g", Instance: m5, Settings: s, PodsPerNode: -1, NodesPerAZ: 1}}, 0, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		w := sz.PerNode[0]
		if w.UnplacedPods != 0 || len(sz.Warnings) != 0 {
			t.Errorf("%+v: %d pods unplaced, warnings %q", s, w.UnplacedPods, sz.Warnings)
		}
		if want := ComputeMaxPods(m5, s.MaxPodsOptions()).Recommended; s.MaxPods == 0 && w.Pods+hostNetworkPods+s.BranchPods != want {
			t.Errorf("%+v: %d pool pods + %d host-network + %d branch, want max pods %d", s, w.Pods, hostNetworkPods, s.BranchPods, want)
		}
	}
}
