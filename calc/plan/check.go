package plan

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/eksnet/eksnet/calc"
	"github.com/eksnet/eksnet/cidr"
)

// Env is what a check needs besides the plan.
type Env struct {
	// Instance gives an instance type's limits; its error says what is
	// wrong in one line (with the nearest names).
	Instance func(name string) (calc.Instance, error)
	// Live, when not nil, is what EC2 says about the plan's subnets, by plan
	// subnet name; a subnet missing from it was not found.
	Live map[string]LiveSubnet
}

// LiveSubnet is a real subnet matched to a plan subnet.
type LiveSubnet struct {
	ID    string
	AZ    string
	Usage cidr.SubnetUsage
}

// Violation is one broken rule at one place.
type Violation struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Column   int      `json:"column"`
	// Path is the element of the plan, such as subnets[2].cidr.
	Path    string `json:"path"`
	Message string `json:"message"`
	Fix     string `json:"fix"`
}

// SubnetDemand is what the plan puts in one subnet at peak.
type SubnetDemand struct {
	Name       string   `json:"name"`
	CIDR       string   `json:"cidr"`
	AZ         string   `json:"az"`
	Role       string   `json:"role"`
	NodeGroups []string `json:"nodeGroups"`
	// Blocks are whole /28s for prefixes, Singles single addresses; both
	// with the headroom.
	Blocks  int `json:"blocks"`
	Singles int `json:"singles"`
	// PrefixLengthWorstCase is the smallest subnet (without reservations)
	// that holds the demand if every single spoils a block; 0: none does.
	PrefixLengthWorstCase int `json:"prefixLengthWorstCase"`
	// FreePrefixesAtPeak is the /28s left whole at peak, worst case;
	// negative when the demand does not fit (see freeAtPeak).
	FreePrefixesAtPeak int        `json:"freePrefixesAtPeak"`
	Live               *LiveState `json:"live,omitempty"`
}

// LiveState is a subnet as EC2 has it now.
type LiveState struct {
	ID                  string `json:"id"`
	CIDR                string `json:"cidr"`
	AllocatablePrefixes int    `json:"allocatablePrefixes"`
	FreeAddresses       int    `json:"freeAddresses"`
	DelegatedPrefixes   int    `json:"delegatedPrefixes"`
	UsedAddresses       int    `json:"usedAddresses"`
	// StillNeededBlocks and StillNeededSingles are the plan's demand less
	// what is already in use (taken to be the plan's own nodes).
	StillNeededBlocks  int `json:"stillNeededBlocks"`
	StillNeededSingles int `json:"stillNeededSingles"`
}

// Result is a checked plan.
type Result struct {
	File       string         `json:"file"`
	Violations []Violation    `json:"violations"`
	Subnets    []SubnetDemand `json:"subnets"`
	// Rules are the IDs of the rules that ran.
	Rules []string `json:"rules"`
}

// Count is the number of violations at or above a severity.
func (r Result) Count(atLeast Severity) int {
	n := 0
	for _, v := range r.Violations {
		if v.Severity >= atLeast {
			n++
		}
	}
	return n
}

// checker carries one plan's check.
type checker struct {
	p   *Plan
	env Env
	res Result
	// subnets by name: the parsed CIDR (invalid when it did not parse)
	subnets map[string]*subnetState
	vpc     []netip.Prefix
}

type subnetState struct {
	index        int
	s            *Subnet
	cidr         netip.Prefix
	reservations []cidr.Reservation
	// placed node groups, by kind of demand
	nodes, customNodes, customPods []calc.NodeGroup
	groups                         []string
	others                         int
}

// Check runs every rule over the plan (the live ones when env.Live is set).
func Check(p *Plan, env Env) Result {
	c := &checker{p: p, env: env, subnets: map[string]*subnetState{}}
	c.res.File = p.File
	for _, r := range Rules {
		if !r.Live || env.Live != nil {
			c.res.Rules = append(c.res.Rules, r.ID)
		}
	}
	c.checkVPC()
	c.checkSubnets()
	for i := range p.NodeGroups {
		c.checkNodeGroup(i)
	}
	c.checkOthers()
	c.checkCapacity()
	slices.SortStableFunc(c.res.Violations, func(a, b Violation) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	if c.res.Violations == nil {
		c.res.Violations = []Violation{}
	}
	return c.res
}

func (c *checker) add(rule, path, fix, format string, a ...any) {
	r := ruleByID(rule)
	pos := c.p.At(path)
	c.res.Violations = append(c.res.Violations, Violation{
		Rule: r.ID, Severity: r.Severity, File: c.p.File, Line: pos.Line, Column: pos.Column,
		Path: path, Message: fmt.Sprintf(format, a...), Fix: fix,
	})
}

// parseCIDR checks one CIDR of the plan; ok is false after a violation.
func (c *checker) parseCIDR(s, path string, sized bool) (netip.Prefix, bool) {
	p, err := cidr.ParseIPv4(s)
	if err != nil {
		c.add(RuleCIDRValid, path, "write an IPv4 network address and prefix length, such as 10.0.0.0/19", "%v", err)
		return p, false
	}
	if sized {
		if err := cidr.CheckSubnetSize(p.Bits()); err != nil {
			fix := fmt.Sprintf("use a prefix length from /%d to /%d", cidr.MinSubnetBits, cidr.MaxSubnetBits)
			if p.Bits() < cidr.MinSubnetBits {
				fix = fmt.Sprintf("split %s into /%d blocks, one CIDR each", p, cidr.MinSubnetBits)
			}
			c.add(RuleCIDRSize, path, fix, "%s: %v", p, err)
			return p, false
		}
	}
	return p, true
}

func (c *checker) checkVPC() {
	if len(c.p.VPC.CIDRs) == 0 {
		c.add(RuleCIDRValid, "vpc.cidrs", "list the VPC's CIDRs, primary first", "vpc.cidrs is empty: subnets cannot be placed")
	}
	for i, s := range c.p.VPC.CIDRs {
		path := fmt.Sprintf("vpc.cidrs[%d]", i)
		p, ok := c.parseCIDR(s, path, true)
		if !ok {
			continue
		}
		for j, q := range c.vpc {
			if cidr.Overlaps(p, q) {
				c.add(RuleVPCCIDROverlap, path, "pick a CIDR that overlaps none of the others", "VPC CIDR %s overlaps VPC CIDR %s (vpc.cidrs[%d])", p, q, j)
			}
		}
		c.vpc = append(c.vpc, p)
	}
}

func (c *checker) checkSubnets() {
	var placed []*subnetState
	for i := range c.p.Subnets {
		s := &c.p.Subnets[i]
		path := fmt.Sprintf("subnets[%d]", i)
		if s.Role == "" {
			s.Role = RoleBoth
		}
		if prev, dup := c.subnets[s.Name]; dup {
			c.add(RuleNameUnique, path+".name", "give each subnet its own name", "subnet name %q is also subnets[%d]", s.Name, prev.index)
			continue
		}
		st := &subnetState{index: i, s: s}
		c.subnets[s.Name] = st
		p, ok := c.parseCIDR(s.CIDR, path+".cidr", true)
		if !ok {
			continue
		}
		st.cidr = p
		if !slices.ContainsFunc(c.vpc, func(v netip.Prefix) bool { return cidr.Contains(v, p) }) && len(c.vpc) > 0 {
			c.add(RuleSubnetInVPC, path+".cidr", "move the subnet inside a VPC CIDR, or add a secondary CIDR to vpc.cidrs that holds it",
				"subnet %s (%s) is not inside any VPC CIDR (%s)", s.Name, p, prefixList(c.vpc))
		}
		for _, o := range placed {
			if cidr.Overlaps(p, o.cidr) {
				c.add(RuleSubnetOverlap, path+".cidr", "give each subnet its own range; `eksnet subnet split` carves a VPC CIDR without overlaps",
					"subnet %s (%s) overlaps subnet %s (%s)", s.Name, p, o.s.Name, o.cidr)
			}
		}
		placed = append(placed, st)
		for j, r := range s.Reservations {
			rpath := fmt.Sprintf("%s.reservations[%d].cidr", path, j)
			rp, ok := c.parseCIDR(r.CIDR, rpath, false)
			if !ok {
				continue
			}
			if !cidr.Contains(p, rp) {
				c.add(RuleReservationInSubnet, rpath, fmt.Sprintf("reserve a range inside %s", p), "reservation %s is not inside subnet %s (%s)", rp, s.Name, p)
				continue
			}
			if k := slices.IndexFunc(st.reservations, func(o cidr.Reservation) bool { return cidr.Overlaps(o.CIDR, rp) }); k >= 0 {
				c.add(RuleReservationInSubnet, rpath, "make the reservations disjoint", "reservation %s overlaps reservation %s of subnet %s", rp, st.reservations[k].CIDR, s.Name)
				continue
			}
			st.reservations = append(st.reservations, cidr.Reservation{CIDR: rp, Type: r.Type})
		}
	}
}

func prefixList(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

// settings is the group's CNI configuration as ipamd reads it.
func (g *NodeGroup) settings() calc.WarmPoolSettings {
	s := calc.WarmPoolSettings{
		WarmENITarget:         1,
		WarmIPTarget:          g.CNI.WarmIPTarget,
		MinimumIPTarget:       g.CNI.MinimumIPTarget,
		WarmPrefixTarget:      1,
		MaxENI:                g.CNI.MaxENI,
		PrefixDelegation:      g.CNI.Mode == ModePrefix,
		CustomNetworking:      g.CNI.CustomNetworking,
		SecurityGroupsForPods: g.CNI.SecurityGroupsForPods,
		BranchPods:            g.CNI.BranchPods,
		MaxPods:               g.MaxPods,
	}
	if g.CNI.WarmENITarget != nil {
		s.WarmENITarget = *g.CNI.WarmENITarget
	}
	if g.CNI.WarmPrefixTarget != nil {
		s.WarmPrefixTarget = *g.CNI.WarmPrefixTarget
	}
	return s
}

// resolveSubnets looks up a list of subnet names; unknown ones are violations.
func (c *checker) resolveSubnets(names []string, path string) []*subnetState {
	var out []*subnetState
	for i, n := range names {
		st, ok := c.subnets[n]
		if !ok {
			c.add(RuleSubnetReference, fmt.Sprintf("%s[%d]", path, i), "name a subnet of the plan's subnets list, or add it there",
				"subnet %q is not in the plan (subnets: %s)", n, strings.Join(c.subnetNames(), ", "))
			continue
		}
		out = append(out, st)
	}
	return out
}

func (c *checker) subnetNames() []string {
	var names []string
	for _, s := range c.p.Subnets {
		names = append(names, s.Name)
	}
	return names
}

func (c *checker) checkNodeGroup(i int) {
	g := &c.p.NodeGroups[i]
	path := fmt.Sprintf("nodeGroups[%d]", i)
	for j := range i {
		if c.p.NodeGroups[j].Name == g.Name {
			c.add(RuleNameUnique, path+".name", "give each node group its own name", "node group name %q is also nodeGroups[%d]", g.Name, j)
			break
		}
	}
	if g.DesiredNodes > g.MaxNodes || g.MinNodes > g.MaxNodes || (g.DesiredNodes > 0 && g.MinNodes > g.DesiredNodes) {
		c.add(RuleNodeCounts, path, "keep minNodes <= desiredNodes <= maxNodes",
			"node group %s: minNodes %d, desiredNodes %d, maxNodes %d are out of order", g.Name, g.MinNodes, g.DesiredNodes, g.MaxNodes)
	}
	settings := g.settings()

	nodeSubnets := c.resolveSubnets(g.Subnets, path+".subnets")
	for j, st := range nodeSubnets {
		if st.s.Role == RolePod {
			c.add(RuleSubnetRole, fmt.Sprintf("%s.subnets[%d]", path, j), "place nodes in subnets of role node or both, or change the subnet's role",
				"node group %s puts nodes in %s, a pod subnet", g.Name, st.s.Name)
		}
	}
	azs := distinctAZs(nodeSubnets)
	if c.p.Policies.MinAZs > 0 && len(azs) < c.p.Policies.MinAZs && len(nodeSubnets) == len(g.Subnets) {
		c.add(RuleMinAZs, path+".subnets", fmt.Sprintf("add subnets in %d more AZs", c.p.Policies.MinAZs-len(azs)),
			"node group %s spans %d AZs (%s); policies.minAZs wants %d", g.Name, len(azs), strings.Join(azs, ", "), c.p.Policies.MinAZs)
	}

	// Custom networking: ENIConfigs give one pod subnet per AZ; a node in an
	// AZ without one gets no pod addresses.
	podSubnetOf := map[*subnetState]*subnetState{}
	switch {
	case settings.CustomNetworking && len(g.PodSubnets) == 0:
		c.add(RulePodSubnetAZ, path+".cni.customNetworking", "list the pod subnets (one per AZ, as the ENIConfigs name them) in podSubnets",
			"node group %s uses custom networking but names no podSubnets", g.Name)
	case settings.CustomNetworking:
		pods := c.resolveSubnets(g.PodSubnets, path+".podSubnets")
		for j, ps := range pods {
			if ps.s.Role == RoleNode {
				c.add(RuleSubnetRole, fmt.Sprintf("%s.podSubnets[%d]", path, j), "name subnets of role pod or both in podSubnets, or change the subnet's role",
					"node group %s takes pod addresses from %s, a node subnet", g.Name, ps.s.Name)
			}
		}
		for j, ns := range nodeSubnets {
			k := slices.IndexFunc(pods, func(ps *subnetState) bool { return ps.s.AZ == ns.s.AZ })
			if k < 0 {
				c.add(RulePodSubnetAZ, fmt.Sprintf("%s.subnets[%d]", path, j), fmt.Sprintf("add a pod subnet in %s to podSubnets (and an ENIConfig for it)", ns.s.AZ),
					"node group %s has nodes in %s (%s) but no pod subnet in that AZ: its pods get no addresses", g.Name, ns.s.Name, ns.s.AZ)
				continue
			}
			podSubnetOf[ns] = pods[k]
		}
	case len(g.PodSubnets) > 0:
		c.add(RulePodSubnetAZ, path+".podSubnets", "set cni.customNetworking: true, or remove podSubnets",
			"node group %s names podSubnets without custom networking: pods take node-subnet addresses", g.Name)
	}

	worst, ok := c.checkInstanceTypes(g, path, settings)
	if !ok || len(nodeSubnets) == 0 {
		return
	}
	peak := g.MaxNodes + g.Surge.NodesAbove(g.MaxNodes)
	perSubnet := calc.PeakNodesPerAZ(peak, 0, 0, len(nodeSubnets), c.p.Policies.AZFailure)
	for _, ns := range nodeSubnets {
		ng := worst
		ng.NodesPerAZ = perSubnet
		ns.groups = append(ns.groups, g.Name)
		if !settings.CustomNetworking {
			ns.nodes = append(ns.nodes, ng)
			continue
		}
		ns.customNodes = append(ns.customNodes, ng)
		if ps := podSubnetOf[ns]; ps != nil {
			ps.customPods = append(ps.customPods, ng)
			if !slices.Contains(ps.groups, g.Name) {
				ps.groups = append(ps.groups, g.Name)
			}
		}
	}
}

func distinctAZs(ss []*subnetState) []string {
	var azs []string
	for _, s := range ss {
		if !slices.Contains(azs, s.s.AZ) {
			azs = append(azs, s.s.AZ)
		}
	}
	return azs
}

// checkInstanceTypes runs the per-type rules and returns the type that takes
// the most addresses per node, which sizes the subnets.
func (c *checker) checkInstanceTypes(g *NodeGroup, path string, settings calc.WarmPoolSettings) (calc.NodeGroup, bool) {
	var worst calc.NodeGroup
	worstAddresses := -1
	pods := -1
	if g.PodsPerNode.Set {
		pods = g.PodsPerNode.Count
	}
	mpo := settings.MaxPodsOptions()
	for j, name := range g.InstanceTypes {
		tpath := fmt.Sprintf("%s.instanceTypes[%d]", path, j)
		in, err := c.env.Instance(name)
		if err != nil {
			c.add(RuleInstanceType, tpath, "use an instance type `eksnet instancedata list` shows, or pass --instance-data with a newer table", "%v", err)
			continue
		}
		mp := calc.ComputeMaxPods(in, mpo)
		before := len(c.res.Violations)
		if settings.PrefixDelegation {
			if ok, why := calc.PrefixDelegationSupported(in, mpo); !ok {
				c.add(RulePrefixDelegation, tpath, "use a Nitro instance type, or cni.mode: secondary-ip for this node group",
					"%s: %s", in.Name, why)
			}
		}
		kubelet := mp.Recommended
		if g.MaxPods > 0 {
			kubelet = g.MaxPods
			if g.MaxPods > mp.Uncapped {
				c.add(RuleMaxPodsAddresses, path+".maxPods", fmt.Sprintf("set maxPods to %d or less, or use prefix delegation or a larger type", mp.Uncapped),
					"kubelet maxPods %d on %s is above the %d pods its addresses allow (%d ENIs for pods): the rest stay in ContainerCreating", g.MaxPods, in.Name, mp.Uncapped, mp.PodENIs)
			}
			if cap := calc.RecommendedCap(in.VCPUs); c.p.Policies.RequireMaxPodsCap && g.MaxPods > cap {
				c.add(RuleMaxPodsCap, path+".maxPods", fmt.Sprintf("set maxPods to %d or less", cap),
					"kubelet maxPods %d on %s is above the %d cap for %s", g.MaxPods, in.Name, cap, vcpuText(in.VCPUs))
			}
		}
		if pods > kubelet {
			c.add(RulePodsPerNode, path+".podsPerNode", fmt.Sprintf("plan %d pods per node or fewer, or raise maxPods where addresses allow", kubelet),
				"podsPerNode %d on %s is above the kubelet's max pods %d: the scheduler places no more", pods, in.Name, kubelet)
		}
		ng := calc.NodeGroup{Name: g.Name, Instance: in, Settings: settings, PodsPerNode: pods, NodesPerAZ: 1}
		one, err := calc.SizeSubnets([]calc.NodeGroup{ng}, 0, 0, c.p.Policies.LastBlockUsable)
		if err != nil {
			continue
		}
		// The warm-pool model repeats what a rule above already said (a
		// fallback from prefix mode, pods beyond the addresses): one cause,
		// one violation.
		if len(c.res.Violations) > before {
			one.Warnings = nil
		}
		for _, w := range one.Warnings {
			c.add(RuleWarmPool, path+".cni", "see `eksnet warmpool "+in.Name+"` with the same settings", "%s: %s", in.Name, w)
		}
		if a := one.PerAZ.Addresses + nodeSubnetAddresses(one); a > worstAddresses {
			worst, worstAddresses = ng, a
		}
	}
	return worst, worstAddresses >= 0
}

func nodeSubnetAddresses(s calc.Sizing) int {
	if s.NodeSubnet == nil {
		return 0
	}
	return s.NodeSubnet.Addresses
}

func vcpuText(v int) string {
	if v == 0 {
		return "an unknown vCPU count"
	}
	return fmt.Sprintf("%d vCPUs", v)
}

func (c *checker) checkOthers() {
	for i, o := range c.p.OtherAddresses {
		for _, st := range c.resolveSubnets(o.Subnets, fmt.Sprintf("otherAddresses[%d].subnets", i)) {
			st.others += o.Addresses
		}
	}
}

// holdsPods says whether pods take addresses from the subnet.
func (st *subnetState) holdsPods() bool { return len(st.nodes) > 0 || len(st.customPods) > 0 }

// checkCapacity sizes each subnet's demand and checks it against the subnet
// as planned and, with live data, as it is.
func (c *checker) checkCapacity() {
	pol := c.p.Policies
	for i := range c.p.Subnets {
		s := &c.p.Subnets[i]
		st := c.subnets[s.Name]
		if st == nil || st.index != i {
			continue // a duplicate name, reported already
		}
		path := fmt.Sprintf("subnets[%d]", i)
		// Three demands meet in a subnet: nodes with their pods, nodes whose
		// pods are elsewhere (custom networking), and custom-networking
		// pods. SizeSubnets adds the headroom to each.
		var blocks, singles int
		var warnings []string
		for _, part := range []struct {
			groups []calc.NodeGroup
			other  int
			pods   bool
		}{{st.nodes, st.others, true}, {st.customNodes, 0, false}, {st.customPods, 0, true}} {
			if len(part.groups) == 0 && part.other == 0 {
				continue
			}
			sz, err := calc.SizeSubnets(part.groups, part.other, pol.HeadroomPercent, pol.LastBlockUsable)
			if err != nil {
				continue // the groups of a part agree on custom networking by construction
			}
			need := sz.PerAZ
			if !part.pods {
				need = *sz.NodeSubnet
			}
			blocks += need.Blocks
			singles += need.Singles
			warnings = append(warnings, sz.Warnings...)
		}
		need := calc.SubnetNeedFor(blocks, singles, pol.LastBlockUsable)
		d := SubnetDemand{Name: s.Name, CIDR: s.CIDR, AZ: s.AZ, Role: s.Role, NodeGroups: st.groups, Blocks: blocks, Singles: singles,
			PrefixLengthWorstCase: need.PrefixLengthWorstCase}
		if d.NodeGroups == nil {
			d.NodeGroups = []string{}
		}
		if !st.cidr.IsValid() {
			c.res.Subnets = append(c.res.Subnets, d)
			continue
		}
		planned, err := cidr.Analyze(cidr.SubnetUsage{CIDR: st.cidr, Reservations: st.reservations, LastBlockUsable: pol.LastBlockUsable})
		if err != nil {
			c.res.Subnets = append(c.res.Subnets, d)
			continue
		}
		d.FreePrefixesAtPeak = freeAtPeak(planned, blocks, singles)
		if blocks+singles > 0 && d.FreePrefixesAtPeak < 0 {
			c.add(RuleSubnetCapacity, path+".cidr", capacityFix(need, st),
				"subnet %s (%s) cannot hold its demand at peak: %d /28 blocks and %d single addresses (headroom %d%% included) need %s; it has %d free blocks and %d usable addresses",
				s.Name, st.cidr, blocks, singles, pol.HeadroomPercent, needText(need), planned.AllocatablePrefixes, planned.GeneralPool)
		} else if st.holdsPods() && pol.MinFreePrefixesPerSubnet > 0 && d.FreePrefixesAtPeak < pol.MinFreePrefixesPerSubnet {
			c.add(RuleMinFreePrefixes, path+".cidr", fmt.Sprintf("give the subnet %d more free /28s: a larger CIDR, or fewer nodes in it", pol.MinFreePrefixesPerSubnet-d.FreePrefixesAtPeak),
				"subnet %s (%s) keeps %d free /28s at peak, worst case; policies.minFreePrefixesPerSubnet wants %d", s.Name, st.cidr, d.FreePrefixesAtPeak, pol.MinFreePrefixesPerSubnet)
		}
		if c.env.Live != nil {
			d.Live = c.checkLive(st, path, blocks, singles)
		}
		c.res.Subnets = append(c.res.Subnets, d)
	}
}

// freeAtPeak is the /28s left whole once blocks prefixes and singles single
// addresses are placed, every single spoiling a general block (worst case).
// Negative means they do not fit: by that many blocks, or -1 when the single
// addresses alone overflow.
func freeAtPeak(a cidr.Analysis, blocks, singles int) int {
	if singles > a.GeneralPool {
		return -1
	}
	return a.Counts[cidr.FreeReserved] + max(0, a.Counts[cidr.FreeGeneral]-singles) - blocks
}

func needText(n calc.SubnetNeed) string {
	if n.PrefixLengthWorstCase == 0 {
		return "more than a /16"
	}
	return fmt.Sprintf("a /%d", n.PrefixLengthWorstCase)
}

func capacityFix(n calc.SubnetNeed, st *subnetState) string {
	var fix []string
	if n.PrefixLengthWorstCase > 0 {
		fix = append(fix, fmt.Sprintf("make the subnet a /%d or larger", n.PrefixLengthWorstCase))
	}
	if r := n.Reservation; r != nil && len(st.reservations) == 0 && r.SubnetPrefixLength <= st.cidr.Bits() {
		fix = append(fix, fmt.Sprintf("reserve a /%d of it for prefixes (subnet CIDR reservation of type prefix)", r.PrefixLength))
	}
	fix = append(fix, "spread the node groups over more subnets, or lower maxNodes")
	return strings.Join(fix, "; or ")
}

// checkLive compares a subnet with what EC2 says and checks that what the
// plan still needs fits the subnet's free blocks now. What is in use is taken
// to be the plan's own nodes: the plan describes the cluster as it will be.
func (c *checker) checkLive(st *subnetState, path string, blocks, singles int) *LiveState {
	s := st.s
	ls, found := c.env.Live[s.Name]
	if !found {
		what := s.ID
		if s.ID == "" {
			what = fmt.Sprintf("with CIDR %s in %s", st.cidr, c.p.VPC.ID)
		}
		c.add(RuleLiveSubnet, path, "create the subnet, or correct the plan's id or cidr", "subnet %s: EC2 has no subnet %s", s.Name, what)
		return nil
	}
	if ls.Usage.CIDR != st.cidr {
		c.add(RuleLiveSubnet, path+".cidr", fmt.Sprintf("set cidr to %s, as EC2 has it", ls.Usage.CIDR), "subnet %s (%s) is %s in EC2", s.Name, ls.ID, ls.Usage.CIDR)
	}
	if ls.AZ != s.AZ {
		c.add(RuleLiveSubnet, path+".az", fmt.Sprintf("set az to %s, as EC2 has it", ls.AZ), "subnet %s (%s) is in %s in EC2, not %s", s.Name, ls.ID, ls.AZ, s.AZ)
	}
	for j, r := range st.reservations {
		if !slices.Contains(ls.Usage.Reservations, r) {
			c.add(RuleLiveReservation, fmt.Sprintf("%s.reservations[%d]", path, j),
				fmt.Sprintf("aws ec2 create-subnet-cidr-reservation --subnet-id %s --cidr %s --reservation-type %s", ls.ID, r.CIDR, r.Type),
				"subnet %s (%s) has no %s reservation %s", s.Name, ls.ID, r.Type, r.CIDR)
		}
	}
	u := ls.Usage
	u.LastBlockUsable = c.p.Policies.LastBlockUsable
	a, err := cidr.Analyze(u)
	if err != nil {
		c.add(RuleLiveSubnet, path, "check the subnet in EC2", "subnet %s (%s): %v", s.Name, ls.ID, err)
		return nil
	}
	state := &LiveState{ID: ls.ID, CIDR: a.CIDR.String(), AllocatablePrefixes: a.AllocatablePrefixes, FreeAddresses: a.PredictedFreeAddresses,
		DelegatedPrefixes: a.DelegatedPrefixes, UsedAddresses: a.UsedAddresses,
		StillNeededBlocks: max(0, blocks-a.DelegatedPrefixes), StillNeededSingles: max(0, singles-a.UsedAddresses)}
	if state.StillNeededBlocks+state.StillNeededSingles > 0 && freeAtPeak(a, state.StillNeededBlocks, state.StillNeededSingles) < 0 {
		c.add(RuleLiveCapacity, path, "free addresses in the subnet (`eksnet subnet check --subnet-id "+ls.ID+" --map` shows who spoils which blocks), add a prefix reservation, or move node groups elsewhere",
			"subnet %s (%s) cannot take what the plan still needs: %d more /28 blocks and %d more addresses, with %d allocatable /28s and %d free addresses now (%d stranded)",
			s.Name, ls.ID, state.StillNeededBlocks, state.StillNeededSingles, a.AllocatablePrefixes, a.PredictedFreeAddresses, a.StrandedAddresses)
	}
	if st.holdsPods() && c.p.Policies.MinFreePrefixesPerSubnet > 0 && a.AllocatablePrefixes < c.p.Policies.MinFreePrefixesPerSubnet {
		c.add(RuleLiveMinFreePrefixes, path, "free or defragment addresses in the subnet, or add a prefix reservation",
			"subnet %s (%s) has %d allocatable /28s now; policies.minFreePrefixesPerSubnet wants %d", s.Name, ls.ID, a.AllocatablePrefixes, c.p.Policies.MinFreePrefixesPerSubnet)
	}
	return state
}

// LiveSelector says how --live finds the plan's subnets: by the VPC's ID
// (matching CIDRs), or by the subnets' IDs when every subnet has one. ok is
// false when the plan gives neither.
func (p *Plan) LiveSelector() (vpcID string, subnetIDs []string, ok bool) {
	if p.VPC.ID != "" {
		return p.VPC.ID, nil, true
	}
	for _, s := range p.Subnets {
		if s.ID == "" {
			return "", nil, false
		}
		subnetIDs = append(subnetIDs, s.ID)
	}
	return "", subnetIDs, len(subnetIDs) > 0
}

// MatchLive pairs real subnets with the plan's, by ID where the plan gives
// one and by CIDR otherwise. Plan subnets without a match are left out:
// Check reports them.
func MatchLive(p *Plan, real []LiveSubnet) map[string]LiveSubnet {
	m := map[string]LiveSubnet{}
	for _, s := range p.Subnets {
		want, _ := cidr.ParseIPv4(s.CIDR)
		for _, r := range real {
			if s.ID != "" && r.ID == s.ID || s.ID == "" && want.IsValid() && r.Usage.CIDR == want {
				m[s.Name] = r
				break
			}
		}
	}
	return m
}
