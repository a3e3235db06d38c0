package cidr

import (
	"fmt"
	"math/bits"
	"net/netip"
	"sort"
)

// BlockState classifies one aligned /28 of a subnet, in the order of
// subnets-and-fragmentation.md §5: a block takes the first state that applies.
type BlockState uint8

const (
	AWSReserved      BlockState = iota // first block, and the last unless usable
	Delegated                          // a prefix delegated to an ENI
	InUse                              // holds a single address of an ENI
	ExplicitReserved                   // overlaps an explicit reservation
	Straddling                         // partly inside a prefix reservation
	FreeReserved                       // free, inside a prefix reservation
	FreeGeneral                        // free, outside every reservation
	blockStates
)

var blockStateNames = [...]string{"aws-reserved", "delegated", "in-use", "explicit-reserved", "straddling", "free-reserved", "free-general"}

func (s BlockState) String() string { return blockStateNames[s] }

// Free reports whether a prefix can be delegated in the block now.
func (s BlockState) Free() bool { return s == FreeReserved || s == FreeGeneral }

// Address is a single address on an ENI and who owns it (an instance ID, or
// the ENI's description for ENIs without an instance).
type Address struct {
	Addr  netip.Addr
	Owner string
}

// Reservation is a subnet CIDR reservation of type "prefix" or "explicit".
type Reservation struct {
	CIDR netip.Prefix
	Type string
}

// SubnetUsage is what EC2 says is in a subnet.
type SubnetUsage struct {
	CIDR            netip.Prefix
	Addresses       []Address
	Prefixes        []netip.Prefix
	Reservations    []Reservation
	LastBlockUsable bool
}

// Spoiler is an in-use block whose addresses all belong to one owner: it
// becomes free for a prefix when that owner goes away.
type Spoiler struct {
	Block     netip.Prefix `json:"block"`
	Owner     string       `json:"owner"`
	Addresses int          `json:"addresses"`
}

// Analysis is the block map of a subnet and what follows from it.
type Analysis struct {
	CIDR   netip.Prefix
	Blocks []BlockState
	// Counts[s] is the number of blocks in state s.
	Counts              [blockStates]int
	AllocatablePrefixes int
	LongestFreeRun      int
	// GeneralPool is the addresses left for singles outside every
	// reservation; StrandedAddresses those of them not in a whole free block.
	GeneralPool       int
	StrandedAddresses int
	// Fragmentation is stranded / general pool; Score is in-use / (in-use +
	// free) over the blocks that could ever hold a prefix, as AWS's
	// subnet_frag tool reports it.
	Fragmentation float64
	Score         float64
	// PredictedFreeAddresses is what DescribeSubnets' AvailableIpAddressCount
	// should say: all addresses less AWS's five, the singles and 16 per prefix.
	PredictedFreeAddresses int
	UsedAddresses          int
	DelegatedPrefixes      int
	Spoilers               []Spoiler
	Anomalies              []string
}

// addrSet is one bit per address of the subnet.
type addrSet []uint64

func newAddrSet(n int) addrSet   { return make(addrSet, (n+63)/64) }
func (b addrSet) set(i int)      { b[i>>6] |= 1 << (uint(i) & 63) }
func (b addrSet) has(i int) bool { return b[i>>6]&(1<<(uint(i)&63)) != 0 }
func (b addrSet) setRange(lo, hi int) { // [lo, hi)
	for i := lo; i < hi; i++ {
		b.set(i)
	}
}

// offset is a's position in p, and whether it lies inside.
func offset(p netip.Prefix, a netip.Addr) (int, bool) {
	if !a.Is4() || !p.Contains(a) {
		return 0, false
	}
	x, y := a.As4(), p.Addr().As4()
	return int(be32(x) - be32(y)), true
}

func be32(b [4]byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// clip returns the part of r inside p as an offset range.
func clip(p, r netip.Prefix) (lo, hi int, ok bool) {
	if !r.Addr().Is4() || !p.Overlaps(r) {
		return 0, 0, false
	}
	if Contains(p, r) {
		lo, _ = offset(p, r.Addr())
		return lo, lo + Size(r), true
	}
	return 0, Size(p), true // r holds all of p
}

// BlockAt is block i of subnet p.
func BlockAt(p netip.Prefix, i int) netip.Prefix {
	return netip.PrefixFrom(addrAt(p, i*BlockSize), PrefixBits)
}

// Analyze classifies every /28 of the subnet and derives the figures of §5.
// It is linear in the addresses, prefixes, reservations and blocks, and its
// memory is a few bits per address of the subnet.
func Analyze(u SubnetUsage) (Analysis, error) {
	p := u.CIDR.Masked()
	if !p.Addr().Is4() || p.Bits() > PrefixBits || p.Bits() < MinSubnetBits {
		return Analysis{}, fmt.Errorf("subnet %s: want an IPv4 subnet from /%d to /%d", u.CIDR, MinSubnetBits, PrefixBits)
	}
	total := Size(p)
	k := BlockCount(p)
	a := Analysis{CIDR: p, Blocks: make([]BlockState, k)}

	reserved := newAddrSet(total) // AWS's five
	for _, i := range []int{0, 1, 2, 3, total - 1} {
		reserved.set(i)
	}
	used := newAddrSet(total)
	usedInBlock := make([]int32, k)
	// Owner of a block's addresses: index into owners, -1 none yet, -2 several.
	blockOwner := make([]int32, k)
	for i := range blockOwner {
		blockOwner[i] = -1
	}
	ownerIndex := map[string]int32{}
	var owners []string
	outside := 0
	for _, ad := range u.Addresses {
		off, ok := offset(p, ad.Addr)
		if !ok {
			outside++
			continue
		}
		if used.has(off) {
			continue // the same address listed twice (emulators do this)
		}
		used.set(off)
		if !reserved.has(off) {
			a.UsedAddresses++
		}
		blk := off >> 4
		usedInBlock[blk]++
		oi, seen := ownerIndex[ad.Owner]
		if !seen {
			oi = int32(len(owners))
			ownerIndex[ad.Owner] = oi
			owners = append(owners, ad.Owner)
		}
		switch blockOwner[blk] {
		case -1:
			blockOwner[blk] = oi
		case oi:
		default:
			blockOwner[blk] = -2
		}
	}
	if outside > 0 {
		a.Anomalies = append(a.Anomalies, fmt.Sprintf("%d address(es) on ENIs of this subnet lie outside %s", outside, p))
	}

	delegated := newAddrSet(total)
	isDelegated := make([]bool, k)
	for _, pre := range u.Prefixes {
		if pre.Bits() != PrefixBits || pre.Masked() != pre || !Contains(p, pre) {
			a.Anomalies = append(a.Anomalies, fmt.Sprintf("delegated prefix %s is not an aligned /28 inside %s", pre, p))
			continue
		}
		off, _ := offset(p, pre.Addr())
		if isDelegated[off>>4] {
			continue
		}
		isDelegated[off>>4] = true
		a.DelegatedPrefixes++
		delegated.setRange(off, off+BlockSize)
	}

	anyReservation := newAddrSet(total)
	explicitIn := make([]bool, k)
	prefixIn := make([]int, k) // addresses of the block inside prefix reservations
	for _, r := range u.Reservations {
		lo, hi, ok := clip(p, r.CIDR)
		if !ok || !Contains(p, r.CIDR) {
			a.Anomalies = append(a.Anomalies, fmt.Sprintf("%s reservation %s is not inside %s", r.Type, r.CIDR, p))
		}
		if !ok {
			continue
		}
		anyReservation.setRange(lo, hi)
		for blk := lo >> 4; blk <= (hi-1)>>4; blk++ {
			n := min(hi, (blk+1)*BlockSize) - max(lo, blk*BlockSize)
			switch r.Type {
			case "explicit":
				explicitIn[blk] = true
			case "prefix":
				prefixIn[blk] += n
			default:
				a.Anomalies = append(a.Anomalies, fmt.Sprintf("reservation %s has unknown type %q", r.CIDR, r.Type))
			}
		}
	}

	run := 0
	for blk := range k {
		var s BlockState
		switch {
		case blk == 0 || (blk == k-1 && !u.LastBlockUsable) || k == 1:
			s = AWSReserved
		case isDelegated[blk]:
			s = Delegated
		case usedInBlock[blk] > 0:
			s = InUse
		case explicitIn[blk]:
			s = ExplicitReserved
		case prefixIn[blk] > 0 && prefixIn[blk] < BlockSize:
			s = Straddling
		case prefixIn[blk] >= BlockSize:
			s = FreeReserved
		default:
			s = FreeGeneral
		}
		a.Blocks[blk] = s
		a.Counts[s]++
		if s.Free() {
			run++
			a.LongestFreeRun = max(a.LongestFreeRun, run)
		} else {
			run = 0
		}
		if s == InUse && blockOwner[blk] >= 0 {
			a.Spoilers = append(a.Spoilers, Spoiler{BlockAt(p, blk), owners[blockOwner[blk]], int(usedInBlock[blk])})
		}
	}
	a.AllocatablePrefixes = a.Counts[FreeReserved] + a.Counts[FreeGeneral]

	// General pool: addresses in no reservation, not AWS's, not used, not
	// in a delegated prefix.
	for i := range reserved {
		taken := reserved[i] | used[i] | delegated[i] | anyReservation[i]
		free := ^taken
		if rest := total - i*64; rest < 64 {
			free &= 1<<uint(rest) - 1
		}
		a.GeneralPool += bits.OnesCount64(free)
	}
	a.StrandedAddresses = a.GeneralPool - BlockSize*a.Counts[FreeGeneral]
	if a.GeneralPool > 0 {
		a.Fragmentation = float64(a.StrandedAddresses) / float64(a.GeneralPool)
	}
	if denom := a.Counts[InUse] + a.AllocatablePrefixes; denom > 0 {
		a.Score = float64(a.Counts[InUse]) / float64(denom)
	}
	a.PredictedFreeAddresses = total - ReservedPerSubnet - a.UsedAddresses - BlockSize*a.DelegatedPrefixes

	// The owners that alone spoil the most blocks first; blocks stay in
	// address order within an owner.
	spoiled := map[string]int{}
	for _, s := range a.Spoilers {
		spoiled[s.Owner]++
	}
	sort.SliceStable(a.Spoilers, func(i, j int) bool {
		oi, oj := a.Spoilers[i].Owner, a.Spoilers[j].Owner
		if spoiled[oi] != spoiled[oj] {
			return spoiled[oi] > spoiled[oj]
		}
		return oi < oj
	})
	return a, nil
}

// HeadroomNodes is how many more nodes of a profile (blocks and single
// addresses each) fit: their singles can only go to the general pool, where
// each may spoil a free general block, so conservatively
// N*blocks <= free-reserved + (free-general - N*singles), and the singles
// must fit the general pool.
func (a Analysis) HeadroomNodes(blocks, singles int) int {
	if blocks <= 0 && singles <= 0 {
		return 0
	}
	fits := func(n int) bool {
		if n*singles > a.GeneralPool {
			return false
		}
		return n*blocks <= a.Counts[FreeReserved]+max(0, a.Counts[FreeGeneral]-n*singles)
	}
	n := 0
	for fits(n + 1) {
		n++
	}
	return n
}
