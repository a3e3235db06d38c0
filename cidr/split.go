package cidr

import (
	"fmt"
	"maps"
	"math/bits"
	"net/netip"
	"slices"
	"strings"
)

// Request asks for one subnet of a given prefix length.
type Request struct {
	Name string `json:"name"`
	Bits int    `json:"-"`
	AZ   string `json:"az,omitempty"`
	Role string `json:"role,omitempty"`
}

// Allocation is a request with the CIDR it got.
type Allocation struct {
	Request
	CIDR netip.Prefix `json:"cidr"`
}

// Split carves aligned, non-overlapping subnets for the requests out of vpc,
// avoiding the excluded CIDRs. Larger subnets are placed first, each in the
// smallest free block that holds it (lowest address on ties), which keeps
// large aligned blocks whole: without exclusions, any set of requests whose
// sizes add up to at most the VPC's size fits. Allocations come back in the
// order of the requests.
func Split(vpc netip.Prefix, reqs []Request, exclude []netip.Prefix) ([]Allocation, error) {
	for _, r := range reqs {
		if err := CheckSubnetSize(r.Bits); err != nil {
			return nil, fmt.Errorf("subnet %s: %w", r.Name, err)
		}
		if r.Bits < vpc.Bits() {
			return nil, fmt.Errorf("subnet %s: a /%d is larger than the VPC CIDR %s", r.Name, r.Bits, vpc)
		}
	}
	free := Free(vpc, exclude)
	order := make([]int, len(reqs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return reqs[a].Bits - reqs[b].Bits })

	out := make([]Allocation, len(reqs))
	for _, i := range order {
		r := reqs[i]
		best := -1
		for j, f := range free {
			if f.Bits() <= r.Bits && (best < 0 || f.Bits() > free[best].Bits()) {
				best = j // free is in address order, so ties keep the lowest
			}
		}
		if best < 0 {
			return nil, splitError(vpc, reqs, exclude, r)
		}
		got := netip.PrefixFrom(free[best].Addr(), r.Bits)
		out[i] = Allocation{r, got}
		rest := Free(free[best], []netip.Prefix{got})
		free = slices.Concat(free[:best], rest, free[best+1:])
	}
	return out, nil
}

// splitError says why requests do not fit and what would.
func splitError(vpc netip.Prefix, reqs []Request, exclude []netip.Prefix, failed Request) error {
	need := 0
	counts := map[int]int{}
	for _, r := range reqs {
		need += 1 << (32 - r.Bits)
		counts[r.Bits]++
	}
	excluded := 0
	for _, e := range Free(vpc, nil) {
		excluded += Size(e)
	}
	for _, f := range Free(vpc, exclude) {
		excluded -= Size(f)
	}
	var parts []string
	for _, b := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%d x /%d", counts[b], b))
	}
	// The smallest VPC that holds the requests and as much space as the
	// exclusions take today.
	total := need + excluded
	fit := 32 - bits.Len(uint(total-1))
	hint := fmt.Sprintf("a /%d VPC CIDR would hold them", fit)
	if fit < MinSubnetBits {
		hint = fmt.Sprintf("even a /%d VPC cannot hold them: use fewer or smaller subnets", MinSubnetBits)
	}
	return fmt.Errorf("cannot place %s (%d addresses) in %s: no free aligned /%d left for %s (%d addresses free after exclusions); %s",
		strings.Join(parts, " + "), need, vpc, failed.Bits, failed.Name, Size(vpc)-excluded, hint)
}
