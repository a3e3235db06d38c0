package cidr

import (
	"fmt"
	"net/netip"
)

// ReservedAddress is one of the five addresses AWS keeps in every subnet.
type ReservedAddress struct {
	Addr    netip.Addr `json:"address"`
	Purpose string     `json:"purpose"`
}

// SubnetInfo is what a subnet CIDR offers on AWS.
type SubnetInfo struct {
	CIDR        netip.Prefix      `json:"cidr"`
	Network     netip.Addr        `json:"network"`
	FirstUsable netip.Addr        `json:"firstUsable"`
	LastUsable  netip.Addr        `json:"lastUsable"`
	Reserved    []ReservedAddress `json:"reservedAddresses"`
	Total       int               `json:"totalAddresses"`
	Usable      int               `json:"usableAddresses"`
	// Blocks counts the aligned /28s; PrefixEligibleBlocks those a /28
	// prefix may take: never the first (it holds four reserved addresses)
	// and, unless LastBlockUsable, not the last (it holds the broadcast
	// address, and AWS does not document whether it delegates it).
	Blocks               int    `json:"blocks"`
	PrefixEligibleBlocks int    `json:"prefixEligibleBlocks"`
	LastBlockUsable      bool   `json:"lastBlockUsable"`
	AllowedForSubnet     bool   `json:"allowedForSubnet"`
	AddressClass         string `json:"addressClass"`
}

// MaxInfoBits is the longest prefix Info describes: a /30 or longer cannot
// hold AWS's five reserved addresses.
const MaxInfoBits = 29

// Info describes a subnet CIDR as AWS treats it.
func Info(p netip.Prefix, lastBlockUsable bool) (SubnetInfo, error) {
	if !p.Addr().Is4() {
		return SubnetInfo{}, fmt.Errorf("CIDR %s: %w where IPv4 is required", p, ErrIPv6)
	}
	if p.Bits() > MaxInfoBits {
		return SubnetInfo{}, fmt.Errorf("CIDR %s: a /%d cannot hold the %d addresses AWS reserves in a subnet", p, p.Bits(), ReservedPerSubnet)
	}
	p = p.Masked()
	total := Size(p)
	network := p.Addr()
	broadcast := addrAt(p, total-1)
	info := SubnetInfo{
		CIDR:        p,
		Network:     network,
		FirstUsable: addrAt(p, 4),
		LastUsable:  addrAt(p, total-2),
		Reserved: []ReservedAddress{
			{network, "network address"},
			{addrAt(p, 1), "VPC router"},
			{addrAt(p, 2), "Amazon DNS"},
			{addrAt(p, 3), "reserved by AWS for future use"},
			{broadcast, "broadcast (not supported in a VPC)"},
		},
		Total:            total,
		Usable:           total - ReservedPerSubnet,
		Blocks:           BlockCount(p),
		LastBlockUsable:  lastBlockUsable,
		AllowedForSubnet: CheckSubnetSize(p.Bits()) == nil,
		AddressClass:     AddressClass(p),
	}
	info.PrefixEligibleBlocks = EligibleBlocks(p, lastBlockUsable)
	return info, nil
}

// BlockCount is the number of aligned /28 blocks in p (0 if p is smaller).
func BlockCount(p netip.Prefix) int {
	if p.Bits() > PrefixBits {
		return 0
	}
	return 1 << (PrefixBits - p.Bits())
}

// EligibleBlocks is the number of /28 blocks a prefix may take in subnet p.
func EligibleBlocks(p netip.Prefix, lastBlockUsable bool) int {
	k := BlockCount(p)
	edges := 2
	if lastBlockUsable {
		edges = 1
	}
	// A /28 subnet's one block is both edges and holds all five reserved addresses.
	if k == 1 {
		return 0
	}
	return max(k-edges, 0)
}

// addrAt is the address at offset i of p.
func addrAt(p netip.Prefix, i int) netip.Addr {
	b := p.Addr().As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	v += uint32(i)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

var (
	rfc1918 = []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("172.16.0.0/12"),
		netip.MustParsePrefix("192.168.0.0/16"),
	}
	rfc6598 = netip.MustParsePrefix("100.64.0.0/10")
	// Ranges that are neither private nor publicly routable.
	special = []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/8"),
		netip.MustParsePrefix("127.0.0.0/8"),
		netip.MustParsePrefix("169.254.0.0/16"),
		netip.MustParsePrefix("192.0.0.0/24"),
		netip.MustParsePrefix("192.0.2.0/24"),
		netip.MustParsePrefix("198.18.0.0/15"),
		netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("203.0.113.0/24"),
		netip.MustParsePrefix("224.0.0.0/3"),
	}
)

// AddressClass names the kind of address space p is in: "rfc1918" (private),
// "rfc6598" (100.64.0.0/10, the usual secondary CIDR for pods), "public",
// "special" (loopback, link-local, documentation, multicast...), or "mixed"
// when p spans more than one.
func AddressClass(p netip.Prefix) string {
	for _, r := range rfc1918 {
		if Contains(r, p) {
			return "rfc1918"
		}
	}
	if Contains(rfc6598, p) {
		return "rfc6598"
	}
	for _, r := range special {
		if Contains(r, p) {
			return "special"
		}
	}
	for _, r := range append(append([]netip.Prefix{rfc6598}, rfc1918...), special...) {
		if Overlaps(r, p) {
			return "mixed"
		}
	}
	return "public"
}
