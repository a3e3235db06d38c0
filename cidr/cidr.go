// Package cidr is eksnet's address arithmetic: parsing VPC and subnet CIDRs,
// the addresses AWS reserves, /28 prefix blocks, free space and aligned
// splits. Values are net/netip prefixes; the CIDR algebra (subtraction,
// merging, overlap) is done with github.com/seancfoley/ipaddress-go.
package cidr

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/seancfoley/ipaddress-go/ipaddr"
)

// AWS allows VPC and subnet IPv4 CIDRs from /16 to /28.
const (
	MinSubnetBits = 16
	MaxSubnetBits = 28
	// PrefixBits is the length of a delegated IPv4 prefix, BlockSize its addresses.
	PrefixBits = 28
	BlockSize  = 16
	// ReservedPerSubnet: network, VPC router, DNS, future use, broadcast.
	ReservedPerSubnet = 5
)

// ErrIPv6 is returned when an IPv6 CIDR is given where IPv4 is required.
var ErrIPv6 = errors.New("IPv6")

// ParseIPv4 parses an IPv4 CIDR such as 10.0.0.0/24. A CIDR with host bits
// set is refused with the network that was probably meant: a planner must not
// silently move a subnet.
func ParseIPv4(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	str := ipaddr.NewIPAddressString(s)
	if err := str.Validate(); err != nil || !strings.Contains(s, "/") {
		return netip.Prefix{}, fmt.Errorf("CIDR %q: not an IPv4 CIDR such as 10.0.0.0/24", s)
	}
	addr := str.GetAddress()
	if addr == nil || addr.IsMultiple() && !addr.IsPrefixBlock() {
		return netip.Prefix{}, fmt.Errorf("CIDR %q: not an IPv4 CIDR such as 10.0.0.0/24", s)
	}
	if addr.IsIPv6() {
		return netip.Prefix{}, fmt.Errorf("CIDR %q: %w where IPv4 is required", s, ErrIPv6)
	}
	bits := addr.GetNetworkPrefixLen().Len()
	// ipaddress-go reads "10.0.0.5/24" as the whole /24 block; netip keeps
	// the address as written, which tells us the host bits were set.
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("CIDR %q: not an IPv4 CIDR such as 10.0.0.0/24", s)
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("CIDR %q has host bits set: did you mean %s?", s, p.Masked())
	}
	return netip.PrefixFrom(p.Addr(), int(bits)), nil
}

// ParseSubnet parses an IPv4 CIDR and checks that AWS allows it as a VPC or
// subnet CIDR (/16 to /28).
func ParseSubnet(s string) (netip.Prefix, error) {
	p, err := ParseIPv4(s)
	if err != nil {
		return p, err
	}
	if err := CheckSubnetSize(p.Bits()); err != nil {
		return p, fmt.Errorf("CIDR %s: %w", p, err)
	}
	return p, nil
}

// CheckSubnetSize says whether a prefix length is allowed for a VPC or subnet.
func CheckSubnetSize(bits int) error {
	if bits < MinSubnetBits || bits > MaxSubnetBits {
		return fmt.Errorf("/%d is outside the /%d to /%d that AWS allows for VPCs and subnets", bits, MinSubnetBits, MaxSubnetBits)
	}
	return nil
}

// Size is the number of addresses in p.
func Size(p netip.Prefix) int { return 1 << (32 - p.Bits()) }

// ip converts a prefix for ipaddress-go.
func ip(p netip.Prefix) *ipaddr.IPv4Address {
	a, err := ipaddr.NewIPAddressFromNetNetIPPrefix(p)
	if err != nil {
		panic(fmt.Sprintf("cidr: %v is not a valid prefix: %v", p, err)) // callers pass parsed prefixes
	}
	return a.ToPrefixBlock().ToIPv4()
}

// fromIP converts an ipaddress-go prefix block back.
func fromIP(a *ipaddr.IPv4Address) netip.Prefix {
	bits := 32
	if pl := a.GetPrefixLen(); pl != nil {
		bits = pl.Len()
	}
	return netip.PrefixFrom(a.GetLower().GetNetNetIPAddr(), bits)
}

// Overlaps reports whether two prefixes share any address.
func Overlaps(a, b netip.Prefix) bool { return a.Overlaps(b) }

// Contains reports whether outer holds all of inner.
func Contains(outer, inner netip.Prefix) bool {
	return outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

// Free returns the part of vpc not covered by used, as the fewest maximal
// aligned blocks, in address order. used may overlap each other; parts of
// them outside vpc are ignored.
func Free(vpc netip.Prefix, used []netip.Prefix) []netip.Prefix {
	remaining := []*ipaddr.IPv4Address{ip(vpc)}
	for _, u := range used {
		cut := ip(u)
		var next []*ipaddr.IPv4Address
		for _, r := range remaining {
			next = append(next, r.Subtract(cut)...)
		}
		remaining = next
	}
	if len(remaining) == 0 {
		return nil
	}
	merged := remaining[0].MergeToPrefixBlocks(remaining[1:]...)
	out := make([]netip.Prefix, len(merged))
	for i, m := range merged {
		out[i] = fromIP(m)
	}
	slices.SortFunc(out, comparePrefix)
	return out
}

func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}
