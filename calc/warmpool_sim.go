package calc

// SimulatedPool is the simulator's state after some pods have arrived.
type SimulatedPool struct {
	Pods      int // pods that want an address
	Assigned  int // pods that have one
	PodENIs   int // ENIs that may hold pod addresses
	Addresses int // pod addresses held (16 per prefix)
	Prefixes  int
	// Flapping: the rules never settle; the figures are the cycle's largest.
	Flapping bool
	// GrowSteps counts increase actions since the node started, each one EC2
	// call (assign addresses or prefixes, or create and attach an ENI).
	GrowSteps int
}

type simENI struct {
	holdsPods bool  // false for the primary ENI under custom networking
	ips       int   // SIP: secondary addresses
	ipPods    int   // SIP: pods on them
	prefixes  []int // PD: pods in each prefix
}

type simulator struct {
	c      poolConfig
	enis   []*simENI
	wanted int
	grows  int
}

func (sim *simulator) state() poolState {
	var s poolState
	for _, e := range sim.enis {
		s.add(sim.c, e)
	}
	return s
}

func (s *poolState) add(c poolConfig, e *simENI) {
	if !c.pd {
		s.total += e.ips
		s.assigned += e.ipPods
		return
	}
	for _, n := range e.prefixes {
		s.total += PrefixSize
		s.assigned += n
		s.prefixes++
		if n == 0 {
			s.freePrefixes++
		}
	}
}

func (e *simENI) held(c poolConfig) int {
	if c.pd {
		return len(e.prefixes)
	}
	return e.ips
}

func (e *simENI) empty() bool {
	if e.ipPods > 0 {
		return false
	}
	for _, n := range e.prefixes {
		if n > 0 {
			return false
		}
	}
	return true
}

// place gives waiting pods the first free addresses in creation order.
func (sim *simulator) place() {
	waiting := sim.wanted - sim.state().assigned
	for _, e := range sim.enis {
		for ; waiting > 0 && !sim.c.pd && e.ipPods < e.ips; waiting-- {
			e.ipPods++
		}
		for i := range e.prefixes {
			for ; waiting > 0 && e.prefixes[i] < PrefixSize; waiting-- {
				e.prefixes[i]++
			}
		}
	}
}

func (sim *simulator) podENIs() int {
	n := 0
	for _, e := range sim.enis {
		if e.holdsPods {
			n++
		}
	}
	return n
}

// grow is one increase step (§4.3): more addresses on the first ENI with
// room, or else one new ENI.
func (sim *simulator) grow() bool {
	s := sim.state()
	for _, e := range sim.enis {
		if room := sim.c.perENI - e.held(sim.c); e.holdsPods && room > 0 {
			if n := growBatch(sim.c, s, room); n > 0 {
				e.assign(sim.c, n)
				return true
			}
			return false
		}
	}
	if sim.podENIs() >= sim.c.podENIs {
		return false
	}
	n := growBatch(sim.c, s, sim.c.perENI)
	if n == 0 {
		return false
	}
	e := &simENI{holdsPods: true}
	e.assign(sim.c, n)
	sim.enis = append(sim.enis, e)
	return true
}

func (e *simENI) assign(c poolConfig, n int) {
	if c.pd {
		e.prefixes = append(e.prefixes, make([]int, n)...)
	} else {
		e.ips += n
	}
}

// release gives back up to n unassigned addresses or empty prefixes, newest
// ENI first (§4.4).
func (sim *simulator) release(n int) bool {
	released := false
	for i := len(sim.enis) - 1; i >= 0 && n > 0; i-- {
		e := sim.enis[i]
		if !sim.c.pd {
			k := min(n, e.ips-e.ipPods)
			e.ips -= k
			n -= k
			released = released || k > 0
			continue
		}
		kept := e.prefixes[:0]
		for _, p := range e.prefixes {
			if p == 0 && n > 0 {
				n--
				released = true
				continue
			}
			kept = append(kept, p)
		}
		e.prefixes = kept
	}
	return released
}

// freeENI detaches the newest empty secondary ENI if §4.5 allows it.
func (sim *simulator) freeENI() bool {
	someEmpty := false
	for _, e := range sim.enis[1:] {
		someEmpty = someEmpty || e.empty()
	}
	if !considerFreeingENI(sim.c, sim.state(), someEmpty) {
		return false
	}
	for i := len(sim.enis) - 1; i >= 1; i-- {
		if !sim.enis[i].empty() {
			continue
		}
		var others poolState
		for j, e := range sim.enis {
			if j != i {
				others.add(sim.c, e)
			}
		}
		if canFreeENI(sim.c, others) {
			sim.enis = append(sim.enis[:i], sim.enis[i+1:]...)
			return true
		}
	}
	return false
}

func (sim *simulator) signature() [3]int {
	s := sim.state()
	return [3]int{len(sim.enis), s.total, s.prefixes}
}

// settle runs ipamd's loop until nothing changes. A state seen twice is a
// cycle: the pool flaps, and the cycle's largest state is reported.
func (sim *simulator) settle() SimulatedPool {
	seen := map[[3]int]bool{}
	var worst SimulatedPool
	for {
		sim.place()
		snap := sim.snapshot()
		if snap.Addresses > worst.Addresses || snap.PodENIs > worst.PodENIs {
			worst = snap
		}
		sig := sim.signature()
		if seen[sig] {
			worst.Flapping = true
			return worst
		}
		seen[sig] = true
		s := sim.state()
		if poolTooLow(sim.c, s) {
			if sim.grow() {
				sim.grows++
				continue
			}
		} else if n := poolTooHigh(sim.c, s); n > 0 && sim.release(n) {
			continue
		}
		if sim.freeENI() {
			continue
		}
		return snap
	}
}

func (sim *simulator) snapshot() SimulatedPool {
	s := sim.state()
	return SimulatedPool{Pods: sim.wanted, Assigned: s.assigned, PodENIs: sim.podENIs(), Addresses: s.total, Prefixes: s.prefixes, GrowSteps: sim.grows}
}

// SimulateWarmPool runs ipamd's rules as pods arrive one at a time, from an
// empty node to maxPods pods, and returns the settled pool after each arrival
// (index = pods). ENI age, IP cooldown and EC2 latency are left out: they
// delay the pool, they do not change where it settles. Tests hold the closed
// forms of WarmPoolFor to this.
func SimulateWarmPool(in Instance, s WarmPoolSettings, maxPods int) []SimulatedPool {
	c := resolvePool(in, s)
	sim := &simulator{c: c, enis: []*simENI{{holdsPods: !s.CustomNetworking}}}
	out := make([]SimulatedPool, 0, maxPods+1)
	out = append(out, sim.settle())
	for n := 1; n <= maxPods; n++ {
		sim.wanted = n
		out = append(out, sim.settle())
	}
	return out
}
