package calc

import "fmt"

// WarmPool is what ipamd holds on one node with a given number of pods, and
// what that costs the subnets.
type WarmPool struct {
	// PrefixDelegation is whether prefixes are really in use (not just asked for).
	PrefixDelegation bool
	// Rule names the setting that drives the pool: WARM_ENI_TARGET,
	// WARM_IP_TARGET/MINIMUM_IP_TARGET or WARM_PREFIX_TARGET.
	Rule    string
	Pods    int // pods that need a pool address (not host-network, not branch)
	MaxPods int // the kubelet's max pods, at which ipamd stops growing
	// PodENIs hold pod addresses; AttachedENIs adds the primary under custom
	// networking and the trunk.
	PodENIs      int
	AttachedENIs int
	TrunkENI     bool
	SecondaryIPs int // secondary-IP mode
	Prefixes     int // prefix mode: the packed (expected) count
	// PrefixesUpTo is the most prefixes with WARM_PREFIX_TARGET >= 2, where
	// pods spread over prefixes (ipamd picks them at random).
	PrefixesUpTo int
	// Addresses is the pool: secondary IPs, or 16 per prefix.
	Addresses       int
	UnusedAddresses int
	// UnplacedPods get no address and stay in ContainerCreating.
	UnplacedPods int
	BranchPods   int
	// NodeSubnetAddresses and PodSubnetAddresses are what the node takes from
	// each subnet; without custom networking both live in the node subnet.
	NodeSubnetAddresses int
	PodSubnetAddresses  int
	// AlignedBlocks is the number of free, aligned /28s the prefixes need.
	AlignedBlocks int
	// Flapping: at this pod count ipamd attaches and frees capacity in a
	// loop; the figures are the larger state.
	Flapping bool
	Warnings []string
}

// Rules that drive the pool (warm-pool.md §2).
const (
	RuleWarmENI    = "WARM_ENI_TARGET"
	RuleWarmIP     = "WARM_IP_TARGET/MINIMUM_IP_TARGET"
	RuleWarmPrefix = "WARM_PREFIX_TARGET"
)

// resolvePool turns settings and limits into ipamd's working quantities.
func resolvePool(in Instance, s WarmPoolSettings) poolConfig {
	pd, _ := PrefixDelegationSupported(in, MaxPodsOptions{})
	c := poolConfig{
		pd:      s.PrefixDelegation && pd,
		perENI:  in.IPv4PerENI - 1,
		podENIs: PodENIs(in, MaxPodsOptions{MaxENI: s.MaxENI, CustomNetworking: s.CustomNetworking, SecurityGroupsForPods: s.SecurityGroupsForPods}),
		wet:     s.WarmENITarget,
		wit:     s.WarmIPTarget,
		mit:     s.MinimumIPTarget,
		wpt:     s.WarmPrefixTarget,
		maxPods: s.MaxPods,
	}
	if c.maxPods == 0 {
		c.maxPods = DefaultKubeletMaxPods(in, s)
	}
	return c
}

// DefaultKubeletMaxPods is eksnet's recommended max pods for the same
// configuration, what a node bootstrapped by eksnet's advice would run with.
func DefaultKubeletMaxPods(in Instance, s WarmPoolSettings) int {
	return ComputeMaxPods(in, s.MaxPodsOptions()).Recommended
}

// PoolPodsAtMaxPods is how many pods take a pool address on a node at the
// kubelet's max pods: all but the host-network pods (aws-node, kube-proxy),
// which the max-pods formula adds for that reason, and the branch-ENI pods.
func PoolPodsAtMaxPods(in Instance, s WarmPoolSettings) int {
	mp := s.MaxPods
	if mp == 0 {
		mp = DefaultKubeletMaxPods(in, s)
	}
	return max(0, mp-hostNetworkPods-s.BranchPods)
}

// MaxPodsOptions are the max-pods options these CNI settings imply.
func (s WarmPoolSettings) MaxPodsOptions() MaxPodsOptions {
	return MaxPodsOptions{
		CustomNetworking:      s.CustomNetworking,
		PrefixDelegation:      s.PrefixDelegation,
		MaxENI:                s.MaxENI,
		SecurityGroupsForPods: s.SecurityGroupsForPods,
	}
}

// units converts addresses to what the pool counts: addresses, or prefixes.
func (c poolConfig) units(addresses int) int {
	if c.pd {
		return ceilDiv(addresses, PrefixSize)
	}
	return addresses
}

// capped applies the two hard caps to a target in pool units: the ENI slots,
// and ipamd's rule that it stops growing once the pool reaches max pods. The
// pool grows in ENI-sized steps from an empty node to its first target, then
// one unit per pod, so the max-pods stop lands on the first step at or past
// it.
func (c poolConfig) capped(target, startTarget int) int {
	maxUnits := c.units(c.maxPods)
	firstSteps := min(startTarget, ceilDiv(maxUnits, c.perENI)*c.perENI)
	return min(target, c.podENIs*c.perENI, max(maxUnits, firstSteps))
}

// WarmPoolFor is the closed form of where ipamd's pool settles with pods
// pods on the node (warm-pool.md §5), with the caps, the subnet cost (§6) and
// the warnings of §12.
func WarmPoolFor(in Instance, s WarmPoolSettings, pods int) WarmPool {
	c := resolvePool(in, s)
	w := WarmPool{Pods: pods, MaxPods: c.maxPods, PrefixDelegation: c.pd, BranchPods: s.BranchPods}
	w.TrunkENI = s.SecurityGroupsForPods && in.TrunkCompatible
	w.warn(in, s, c)

	if c.podENIs > 0 && c.perENI > 0 {
		switch {
		case s.WarmIPMode():
			w.Rule = RuleWarmIP
			target := func(n int) int {
				if c.wit == 0 {
					return c.units(c.mit) // nothing asks for more: pods above MIN starve
				}
				return c.units(max(n+c.wit, c.mit))
			}
			w.setUnits(c, c.capped(target(pods), target(0)))
		case !c.pd:
			w.Rule = RuleWarmENI
			enis := func(n int) int {
				if c.wet == 0 {
					return n/c.perENI + 1
				}
				return ceilDiv(n, c.perENI) + c.wet
			}
			// Warm ENI mode grows by whole ENIs only.
			k := min(enis(pods), c.podENIs, max(1, ceilDiv(c.maxPods, c.perENI)))
			w.setUnits(c, k*c.perENI)
			// With no free address left an ENI is added, and then freed as
			// surplus. At 0 pods that only happens under custom networking,
			// where the one pod ENI is a secondary ENI that may be freed.
			w.Flapping = c.wet == 0 && pods%c.perENI == 0 && (pods > 0 || s.CustomNetworking) && enis(pods) == k
		default:
			w.Rule = RuleWarmPrefix
			prefixes := func(n int) int {
				if c.wpt == 0 {
					return n/PrefixSize + 1
				}
				return ceilDiv(n, PrefixSize) + c.wpt
			}
			w.setUnits(c, c.capped(prefixes(pods), prefixes(0)))
			w.Flapping = c.wpt == 0 && pods%PrefixSize == 0 && prefixes(pods) == w.Prefixes
			if c.wpt >= 2 {
				// Pods spread over prefixes leave fewer free: up to T-1 more.
				w.PrefixesUpTo = c.capped(prefixes(pods)+c.wpt-1, prefixes(0))
			}
		}
	}
	if w.PrefixesUpTo < w.Prefixes {
		w.PrefixesUpTo = w.Prefixes
	}

	placed := min(pods, w.Addresses)
	w.UnusedAddresses = w.Addresses - placed
	w.UnplacedPods = pods - placed
	w.AttachedENIs = w.PodENIs
	if s.CustomNetworking || w.PodENIs == 0 {
		w.AttachedENIs++ // the primary ENI, which holds no pod addresses
	}
	if w.TrunkENI {
		w.AttachedENIs++
	}
	extra := w.PodENIs + w.Addresses + s.BranchPods
	if w.TrunkENI {
		extra++
	}
	if s.CustomNetworking {
		w.NodeSubnetAddresses = 1
		w.PodSubnetAddresses = extra
	} else {
		w.NodeSubnetAddresses = extra
		if w.PodENIs == 0 {
			w.NodeSubnetAddresses++ // the primary's own address
		}
	}
	if c.pd {
		w.AlignedBlocks = w.Prefixes
	}
	if w.UnplacedPods > 0 {
		w.Warnings = append(w.Warnings, fmt.Sprintf("%d of %d pods get no address and stay in ContainerCreating", w.UnplacedPods, pods))
	}
	return w
}

// setUnits records a pool of n units (addresses or prefixes), packed onto
// as few ENIs as hold them: ipamd fills an ENI before it attaches the next.
func (w *WarmPool) setUnits(c poolConfig, n int) {
	w.PodENIs = ceilDiv(n, c.perENI)
	if c.pd {
		w.Prefixes = n
		w.Addresses = n * PrefixSize
		return
	}
	w.SecondaryIPs = n
	w.Addresses = n
}

// warn adds the warnings a user must see about the configuration itself.
func (w *WarmPool) warn(in Instance, s WarmPoolSettings, c poolConfig) {
	if s.PrefixDelegation && !c.pd {
		_, why := PrefixDelegationSupported(in, MaxPodsOptions{})
		w.Warnings = append(w.Warnings, why)
	}
	switch {
	case s.MinimumIPTarget > 0 && s.WarmIPTarget == 0:
		w.Warnings = append(w.Warnings, fmt.Sprintf("MINIMUM_IP_TARGET=%d without WARM_IP_TARGET: ipamd never allocates beyond %d addresses, pods above that starve", s.MinimumIPTarget, c.units(s.MinimumIPTarget)*unitSize(c)))
	case s.WarmIPMode():
	case !c.pd && s.WarmENITarget == 0:
		w.Warnings = append(w.Warnings, fmt.Sprintf("WARM_ENI_TARGET=0: the pool flaps (an ENI is attached and freed in a loop) whenever pods are a multiple of %d", c.perENI))
	case c.pd && s.WarmPrefixTarget == 0:
		w.Warnings = append(w.Warnings, "WARM_PREFIX_TARGET=0 is not supported with prefix delegation: the pool flaps whenever pods are a multiple of 16")
	case c.pd && s.WarmPrefixTarget >= 2:
		w.Warnings = append(w.Warnings, fmt.Sprintf("WARM_PREFIX_TARGET=%d: pods spread over prefixes, so a node holds from the packed count up to %d more prefixes", s.WarmPrefixTarget, s.WarmPrefixTarget-1))
	}
	if capacity := c.podENIs * c.perENI * unitSize(c); c.maxPods > capacity+hostNetworkPods+s.BranchPods {
		w.Warnings = append(w.Warnings, fmt.Sprintf("max pods %d is above what the node can address (%d pod addresses + %d host-network pods): pods beyond that stay in ContainerCreating", c.maxPods, capacity, hostNetworkPods))
	}
}

func unitSize(c poolConfig) int {
	if c.pd {
		return PrefixSize
	}
	return 1
}
