package calc

// The VPC CNI's ipamd decides, in a loop, whether a node's pool of pod
// addresses is too low or too high and grows or shrinks it by one step. This
// file restates those decisions (warm-pool.md §4) as pure functions over the
// pool's state; the simulator runs them and the closed forms in warmpool.go
// predict where they settle.

// WarmPoolSettings are the CNI variables that shape the pool, as ipamd reads
// them after normalisation (see Normalize).
type WarmPoolSettings struct {
	// WarmENITarget is WARM_ENI_TARGET (default 1; 0 is allowed).
	WarmENITarget int
	// WarmIPTarget and MinimumIPTarget are WARM_IP_TARGET and
	// MINIMUM_IP_TARGET; 0 means unset.
	WarmIPTarget    int
	MinimumIPTarget int
	// WarmPrefixTarget is WARM_PREFIX_TARGET (manifest default 1; 0 is used
	// literally in prefix mode).
	WarmPrefixTarget int
	// MaxENI is MAX_ENI; 0 means unset.
	MaxENI           int
	PrefixDelegation bool
	CustomNetworking bool
	// SecurityGroupsForPods (ENABLE_POD_ENI) attaches a trunk ENI on
	// trunk-compatible types; BranchPods pods then use branch ENIs instead of
	// pool addresses.
	SecurityGroupsForPods bool
	BranchPods            int
	// MaxPods is the kubelet's max pods; 0 means eksnet's own recommended
	// value for the same configuration.
	MaxPods int
}

// WarmIPMode reports whether WARM_IP_TARGET or MINIMUM_IP_TARGET drives the
// pool, which overrides both the warm ENI and the warm prefix target.
func (s WarmPoolSettings) WarmIPMode() bool { return s.WarmIPTarget > 0 || s.MinimumIPTarget > 0 }

// poolConfig is a resolved configuration: settings plus the instance's
// capacity, in the units ipamd counts.
type poolConfig struct {
	pd bool
	// perENI is pod addresses per ENI in SIP mode, prefixes per ENI in PD.
	perENI int
	// podENIs is how many ENIs may hold pod addresses (E_pod).
	podENIs            int
	wet, wit, mit, wpt int
	maxPods            int
}

// poolState is what the decision functions look at.
type poolState struct {
	total        int // pod addresses held (16 per prefix in PD)
	assigned     int // addresses in use by pods
	prefixes     int // PD only
	freePrefixes int // PD only: prefixes with no pod
}

func (s poolState) available() int { return s.total - s.assigned }

func ceilDiv(a, b int) int {
	if a <= 0 {
		return 0
	}
	return (a + b - 1) / b
}

// warmIPShortOver is §4.1: how far the pool is below or above the warm-IP
// targets, in addresses (SIP) or prefixes (PD).
func warmIPShortOver(c poolConfig, s poolState) (short, over int) {
	avail := s.available()
	short = max(0, c.wit-avail, c.mit-s.total)
	if !c.pd {
		over = max(0, min(avail-c.wit, s.total-c.mit))
		return short, over
	}
	shortPrefixes := ceilDiv(short, PrefixSize)
	over = max(0, min(s.freePrefixes, s.prefixes-ceilDiv(s.assigned+c.wit, PrefixSize), s.prefixes-ceilDiv(c.mit, PrefixSize)))
	return shortPrefixes, over
}

// poolTooLow is §4.2.
func poolTooLow(c poolConfig, s poolState) bool {
	if s.total >= c.maxPods {
		return false
	}
	avail := s.available()
	switch {
	case c.wit > 0 || c.mit > 0:
		short, _ := warmIPShortOver(c, s)
		return short > 0
	case !c.pd:
		return avail < c.wet*c.perENI || (c.wet == 0 && avail == 0)
	default:
		return avail < PrefixSize*c.wpt || (c.wpt == 0 && avail == 0)
	}
}

// growBatch is §4.3: how many addresses (SIP) or prefixes (PD) one increase
// step asks for on an ENI that has room left.
func growBatch(c poolConfig, s poolState, room int) int {
	warmIP := c.wit > 0 || c.mit > 0
	short, _ := warmIPShortOver(c, s)
	switch {
	case !c.pd && !warmIP:
		return room // fill the ENI
	case !c.pd:
		return min(room, short)
	case warmIP:
		return min(room, max(1, short))
	default:
		return min(room, max(1, c.wpt-s.freePrefixes))
	}
}

// poolTooHigh is §4.4: how many unassigned addresses (SIP) or empty prefixes
// (PD) ipamd releases.
func poolTooHigh(c poolConfig, s poolState) int {
	switch {
	case c.wit > 0 || c.mit > 0:
		_, over := warmIPShortOver(c, s)
		return over
	case c.pd:
		return max(0, s.freePrefixes-c.wpt)
	default:
		return 0 // warm ENI mode never releases single addresses
	}
}

// considerFreeingENI is the first test of §4.5: whether ipamd looks for an
// ENI to free at all.
func considerFreeingENI(c poolConfig, s poolState, someEmptySecondary bool) bool {
	switch {
	case c.wit > 0 || c.mit > 0:
		return true
	case !c.pd:
		return s.available() >= (c.wet+1)*c.perENI
	default:
		return s.available() >= (c.wpt+1)*PrefixSize*c.perENI || someEmptySecondary
	}
}

// canFreeENI is the second test of §4.5: whether the pool without an empty
// ENI still meets the targets. others is the state without that ENI.
func canFreeENI(c poolConfig, others poolState) bool {
	w, m := c.wit, c.mit
	if c.pd {
		w, m = ceilDiv(w, PrefixSize)*PrefixSize, ceilDiv(m, PrefixSize)*PrefixSize
	}
	if w > 0 && others.available() < w {
		return false
	}
	if m > 0 && others.total < m {
		return false
	}
	if c.pd && c.wpt > 0 && others.freePrefixes < c.wpt {
		return false
	}
	return true
}
