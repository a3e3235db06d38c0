package calc

import (
	"fmt"
	"math"
	"net/netip"

	"github.com/eksnet/eksnet/cidr"
)

// NodeGroup is one group of identical nodes to place in a subnet per AZ. A
// plan file's node groups map onto it one to one.
type NodeGroup struct {
	Name        string
	Instance    Instance
	Settings    WarmPoolSettings
	PodsPerNode int // pods needing a pool address; -1: as many as max pods allows
	NodesPerAZ  int // at peak: surge and AZ failure included
}

// PeakNodesPerAZ spreads a node count over AZs: surge (percent) on top, and
// with azFailure the nodes of a lost AZ moved to the others.
func PeakNodesPerAZ(nodes, maxNodes, surgePct, azs int, azFailure bool) int {
	peak := nodes + ceilDiv(nodes*surgePct, 100)
	if maxNodes > 0 {
		peak = maxNodes
	}
	if azFailure && azs > 1 {
		return ceilDiv(peak, azs-1)
	}
	return ceilDiv(peak, azs)
}

// SubnetNeed is what one subnet of one AZ must hold.
type SubnetNeed struct {
	// Blocks are the whole aligned /28s prefixes need; Singles the single
	// addresses (ENI primaries, trunk and branch ENIs, secondary IPs, other
	// consumers). Both include the headroom.
	Blocks  int `json:"blocks"`
	Singles int `json:"singles"`
	// Addresses is everything: 16 per block plus the singles.
	Addresses int `json:"addresses"`
	// PrefixLengthWorstCase fits the demand even if every single address
	// spoils a block; PrefixLengthExpectedCase if singles land at random
	// (subnets-and-fragmentation.md §1.5). 0: not even a /16 holds it.
	PrefixLengthWorstCase    int `json:"prefixLengthWorstCase"`
	PrefixLengthExpectedCase int `json:"prefixLengthExpectedCase"`
	// Reservation suggests a `prefix` subnet CIDR reservation that keeps pod
	// blocks whole, and the subnet that holds it and the singles.
	Reservation *ReservationAdvice `json:"prefixReservation,omitempty"`
}

// ReservationAdvice is a suggested prefix reservation.
type ReservationAdvice struct {
	PrefixLength       int `json:"prefixLength"`
	EligibleBlocks     int `json:"eligibleBlocks"`
	SubnetPrefixLength int `json:"subnetPrefixLength"`
}

// Sizing is the answer for a set of node groups sharing subnets in each AZ.
type Sizing struct {
	PerNode []WarmPool
	// PerAZ is the subnet the pods' addresses come from: the node subnet, or
	// the pod subnet under custom networking, where NodeSubnet is the other.
	PerAZ      SubnetNeed
	NodeSubnet *SubnetNeed
	Warnings   []string
}

// SizeSubnets sizes the subnets of one AZ for node groups at peak, other
// address consumers and a headroom percentage, from the warm-pool model of
// each node. Custom networking is taken from the node groups: all of them
// must agree, as they share the subnets.
func SizeSubnets(groups []NodeGroup, otherAddresses, headroomPct int, lastBlockUsable bool) (Sizing, error) {
	var sz Sizing
	var blocks, podSingles, nodeSingles int
	custom := len(groups) > 0 && groups[0].Settings.CustomNetworking
	for _, g := range groups {
		if g.Settings.CustomNetworking != custom {
			return sz, fmt.Errorf("node groups %s and %s disagree on custom networking; size their subnets separately", groups[0].Name, g.Name)
		}
		pods := g.PodsPerNode
		if pods < 0 {
			pods = PoolPodsAtMaxPods(g.Instance, g.Settings)
		}
		w := WarmPoolFor(g.Instance, g.Settings, pods)
		sz.PerNode = append(sz.PerNode, w)
		sz.Warnings = append(sz.Warnings, w.Warnings...)
		// Everything the node takes in its pod-address subnet that is not a
		// whole prefix block is a single address.
		inPodSubnet := w.NodeSubnetAddresses
		if custom {
			inPodSubnet = w.PodSubnetAddresses
			nodeSingles += g.NodesPerAZ * w.NodeSubnetAddresses
		}
		blocks += g.NodesPerAZ * w.Prefixes
		podSingles += g.NodesPerAZ * (inPodSubnet - w.Prefixes*PrefixSize)
	}
	withHeadroom := func(n int) int { return n + ceilDiv(n*headroomPct, 100) }
	if custom {
		// Load balancers, endpoints and control-plane ENIs live in the node subnets.
		need := SubnetNeedFor(0, withHeadroom(nodeSingles+otherAddresses), lastBlockUsable)
		sz.NodeSubnet = &need
		sz.PerAZ = SubnetNeedFor(withHeadroom(blocks), withHeadroom(podSingles), lastBlockUsable)
	} else {
		sz.PerAZ = SubnetNeedFor(withHeadroom(blocks), withHeadroom(podSingles+otherAddresses), lastBlockUsable)
	}
	for _, need := range []*SubnetNeed{&sz.PerAZ, sz.NodeSubnet} {
		if need != nil && need.PrefixLengthWorstCase == 0 {
			sz.Warnings = append(sz.Warnings, fmt.Sprintf("%d addresses (%d blocks) per AZ do not fit even a /%d subnet: spread the nodes over more subnets or AZs",
				need.Addresses, need.Blocks, cidr.MinSubnetBits))
		}
	}
	return sz, nil
}

// SubnetNeedFor finds the smallest subnets that hold blocks whole /28s and
// singles single addresses.
func SubnetNeedFor(blocks, singles int, lastBlockUsable bool) SubnetNeed {
	need := SubnetNeed{Blocks: blocks, Singles: singles, Addresses: blocks*PrefixSize + singles}
	for bits := cidr.MaxSubnetBits; bits >= cidr.MinSubnetBits; bits-- {
		p := netip.PrefixFrom(netip.IPv4Unspecified(), bits)
		usable := cidr.Size(p) - cidr.ReservedPerSubnet
		eligible := cidr.EligibleBlocks(p, lastBlockUsable)
		fitsAddresses := usable >= need.Addresses
		if need.PrefixLengthWorstCase == 0 && fitsAddresses && (blocks == 0 || eligible >= blocks+singles) {
			need.PrefixLengthWorstCase = bits
		}
		if need.PrefixLengthExpectedCase == 0 && fitsAddresses && (blocks == 0 || float64(eligible)-ExpectedSpoiledBlocks(eligible, singles) >= float64(blocks)) {
			need.PrefixLengthExpectedCase = bits
		}
	}
	if blocks > 0 {
		need.Reservation = reservationFor(blocks, singles)
	}
	return need
}

// ExpectedSpoiledBlocks is how many of eligible blocks singles single
// addresses spoil when they land uniformly at random: E(1 - (1 - 1/E)^S).
func ExpectedSpoiledBlocks(eligible, singles int) float64 {
	if eligible == 0 {
		return 0
	}
	e := float64(eligible)
	return e * (1 - math.Pow(1-1/e, float64(singles)))
}

// reservationFor is the smallest prefix reservation holding blocks whole
// /28s, less the edge block it shares with the subnet's broadcast or network
// address, and the smallest subnet holding it plus the singles outside it.
func reservationFor(blocks, singles int) *ReservationAdvice {
	for bits := cidr.PrefixBits; bits >= cidr.MinSubnetBits; bits-- {
		eligible := 1<<(cidr.PrefixBits-bits) - 1
		if eligible < blocks {
			continue
		}
		for sub := bits - 1; sub >= cidr.MinSubnetBits; sub-- {
			rest := 1<<(32-sub) - 1<<(32-bits) - (cidr.ReservedPerSubnet - 1)
			if rest >= singles {
				return &ReservationAdvice{PrefixLength: bits, EligibleBlocks: eligible, SubnetPrefixLength: sub}
			}
		}
		return nil
	}
	return nil
}
