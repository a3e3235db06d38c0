package cidr

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
)

// shared/docs/subnets-and-fragmentation.md §4.1, every row.
func TestInfoSizesTable(t *testing.T) {
	rows := []struct {
		bits, total, usable, blocks, eligible, eligibleLastKept int
	}{
		{16, 65536, 65531, 4096, 4094, 4095},
		{17, 32768, 32763, 2048, 2046, 2047},
		{18, 16384, 16379, 1024, 1022, 1023},
		{19, 8192, 8187, 512, 510, 511},
		{20, 4096, 4091, 256, 254, 255},
		{21, 2048, 2043, 128, 126, 127},
		{22, 1024, 1019, 64, 62, 63},
		{23, 512, 507, 32, 30, 31},
		{24, 256, 251, 16, 14, 15},
		{25, 128, 123, 8, 6, 7},
		{26, 64, 59, 4, 2, 3},
		{27, 32, 27, 2, 0, 1},
		{28, 16, 11, 1, 0, 0},
	}
	for _, r := range rows {
		p := netip.PrefixFrom(netip.MustParseAddr("10.0.0.0"), r.bits)
		info, err := Info(p, false)
		if err != nil {
			t.Fatal(err)
		}
		last, _ := Info(p, true)
		if info.Total != r.total || info.Usable != r.usable || info.Blocks != r.blocks ||
			info.PrefixEligibleBlocks != r.eligible || last.PrefixEligibleBlocks != r.eligibleLastKept || !info.AllowedForSubnet {
			t.Errorf("/%d: got total %d usable %d blocks %d eligible %d/%d allowed %v; want %+v", r.bits,
				info.Total, info.Usable, info.Blocks, info.PrefixEligibleBlocks, last.PrefixEligibleBlocks, info.AllowedForSubnet, r)
		}
	}
}

func TestInfoAddresses(t *testing.T) {
	info, err := Info(netip.MustParsePrefix("10.1.2.0/24"), false)
	if err != nil {
		t.Fatal(err)
	}
	var reserved []string
	for _, r := range info.Reserved {
		reserved = append(reserved, r.Addr.String())
	}
	if got := strings.Join(reserved, " "); got != "10.1.2.0 10.1.2.1 10.1.2.2 10.1.2.3 10.1.2.255" {
		t.Errorf("reserved %s", got)
	}
	if info.FirstUsable.String() != "10.1.2.4" || info.LastUsable.String() != "10.1.2.254" || info.AddressClass != "rfc1918" {
		t.Errorf("%+v", info)
	}
	if big, _ := Info(netip.MustParsePrefix("10.0.0.0/8"), false); big.AllowedForSubnet {
		t.Error("a /8 is not allowed for a subnet")
	}
	if _, err := Info(netip.MustParsePrefix("10.0.0.0/30"), false); err == nil {
		t.Error("a /30 cannot hold the reserved addresses")
	}
	classes := map[string]string{
		"100.64.0.0/16": "rfc6598", "172.31.0.0/16": "rfc1918", "192.168.0.0/24": "rfc1918",
		"52.0.0.0/16": "public", "127.0.0.0/16": "special", "100.0.0.0/8": "mixed", "172.0.0.0/8": "mixed",
	}
	for c, want := range classes {
		if got := AddressClass(netip.MustParsePrefix(c)); got != want {
			t.Errorf("AddressClass(%s) = %s, want %s", c, got, want)
		}
	}
}

func TestParse(t *testing.T) {
	if p, err := ParseSubnet(" 10.0.0.0/16 "); err != nil || p.String() != "10.0.0.0/16" {
		t.Errorf("%v %v", p, err)
	}
	bad := map[string]string{
		"10.0.0.5/24":     "did you mean 10.0.0.0/24",
		"10.0.0.0":        "not an IPv4 CIDR",
		"10.0.0.0/33":     "not an IPv4 CIDR",
		"10.0.0/24":       "", // ipaddress-go reads this as 10.0.0.0/24; netip does not
		"banana":          "not an IPv4 CIDR",
		"":                "not an IPv4 CIDR",
		"10.0.0.0/15":     "outside the /16 to /28",
		"10.0.0.0/29":     "outside the /16 to /28",
		"2001:db8::/56":   "IPv6",
		"10.0.0.0-10.0.0": "not an IPv4 CIDR",
	}
	for in, want := range bad {
		_, err := ParseSubnet(in)
		if err == nil {
			t.Errorf("ParseSubnet(%q) accepted", in)
			continue
		}
		if want != "" && !strings.Contains(err.Error(), want) {
			t.Errorf("ParseSubnet(%q): %v, want it to say %q", in, err, want)
		}
	}
	if _, err := ParseIPv4("2001:db8::/56"); !errors.Is(err, ErrIPv6) {
		t.Errorf("IPv6 should be ErrIPv6: %v", err)
	}
}

func FuzzParseIPv4(f *testing.F) {
	for _, s := range []string{"10.0.0.0/16", "10.0.0.5/24", "::/0", "1.2.3.4", "/", "0.0.0.0/0", "255.255.255.255/32"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseIPv4(s)
		if err != nil {
			return
		}
		if !p.Addr().Is4() || p.Masked() != p {
			t.Fatalf("%q parsed to %v, not a masked IPv4 prefix", s, p)
		}
		if again, err := ParseIPv4(p.String()); err != nil || again != p {
			t.Fatalf("%q -> %v does not round-trip: %v %v", s, p, again, err)
		}
	})
}

// bitmap marks addresses of a small VPC.
type bitmap struct {
	base netip.Prefix
	set  []int
}

func newBitmap(p netip.Prefix) *bitmap { return &bitmap{p, make([]int, Size(p))} }

func (b *bitmap) offset(a netip.Addr) int {
	x, y := a.As4(), b.base.Addr().As4()
	return int(uint32(x[0])<<24|uint32(x[1])<<16|uint32(x[2])<<8|uint32(x[3])) -
		int(uint32(y[0])<<24|uint32(y[1])<<16|uint32(y[2])<<8|uint32(y[3]))
}

// mark adds one to every address of p inside the bitmap's range.
func (b *bitmap) mark(p netip.Prefix) {
	start := b.offset(p.Addr())
	for i := range Size(p) {
		if o := start + i; o >= 0 && o < len(b.set) {
			b.set[o]++
		}
	}
}

func randomPrefix(r *rand.Rand, within netip.Prefix, minBits, maxBits int) netip.Prefix {
	bits := minBits + r.IntN(maxBits-minBits+1)
	off := r.IntN(Size(within))
	return netip.PrefixFrom(addrAt(within, off), bits).Masked()
}

// free ∪ used = the VPC exactly, free is disjoint from used, and no two free
// blocks could merge into a larger aligned block.
func TestFreeProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	vpc := netip.MustParsePrefix("10.20.0.0/20")
	for trial := range 300 {
		var used []netip.Prefix
		for range r.IntN(12) {
			used = append(used, randomPrefix(r, vpc, 20, 32))
		}
		free := Free(vpc, used)
		cover := newBitmap(vpc)
		for _, u := range used {
			cover.mark(u)
		}
		freeMap := newBitmap(vpc)
		for _, f := range free {
			if !Contains(vpc, f) || f.Masked() != f {
				t.Fatalf("trial %d: free block %v not an aligned block inside %v", trial, f, vpc)
			}
			freeMap.mark(f)
		}
		for i := range cover.set {
			inUsed, inFree := cover.set[i] > 0, freeMap.set[i]
			if inFree > 1 || (inUsed && inFree > 0) || (!inUsed && inFree == 0) {
				t.Fatalf("trial %d: address %v used=%v free count=%d (used %v, free %v)", trial, addrAt(vpc, i), inUsed, inFree, used, free)
			}
		}
		for i := range free {
			for j := i + 1; j < len(free); j++ {
				a, b := free[i], free[j]
				if a.Bits() == b.Bits() && a.Bits() > 0 {
					parent, _ := a.Addr().Prefix(a.Bits() - 1)
					if Contains(parent, b) {
						t.Fatalf("trial %d: %v and %v should have merged", trial, a, b)
					}
				}
			}
		}
	}
}

// Split results never overlap, stay inside the VPC, are aligned and avoid
// every exclusion; without exclusions, anything that adds up to the VPC's
// size fits.
func TestSplitProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	vpc := netip.MustParsePrefix("10.30.0.0/18")
	placed, refused := 0, 0
	for trial := range 300 {
		var excl []netip.Prefix
		if trial%2 == 1 {
			for range r.IntN(5) {
				excl = append(excl, randomPrefix(r, vpc, 19, 28))
			}
		}
		var reqs []Request
		total := 0
		for i := range 1 + r.IntN(20) {
			bits := 19 + r.IntN(10)
			reqs = append(reqs, Request{Name: fmt.Sprintf("s%d", i), Bits: bits})
			total += 1 << (32 - bits)
		}
		allocs, err := Split(vpc, reqs, excl)
		if err != nil {
			refused++
			if len(excl) == 0 && total <= Size(vpc) {
				t.Fatalf("trial %d: %d addresses in a %v refused: %v", trial, total, vpc, err)
			}
			continue
		}
		placed++
		excluded := newBitmap(vpc)
		for _, e := range excl {
			excluded.mark(e)
		}
		m := newBitmap(vpc)
		for i, n := range excluded.set {
			m.set[i] = min(n, 1)
		}
		for i, a := range allocs {
			if a.Name != reqs[i].Name || a.CIDR.Bits() != reqs[i].Bits || a.CIDR.Masked() != a.CIDR || !Contains(vpc, a.CIDR) {
				t.Fatalf("trial %d: allocation %+v for request %+v", trial, a, reqs[i])
			}
			m.mark(a.CIDR)
		}
		for i, n := range m.set {
			if n > 1 {
				t.Fatalf("trial %d: address %v taken twice (excl %v, allocs %v)", trial, addrAt(vpc, i), excl, allocs)
			}
		}
	}
	if placed < 50 || refused < 10 {
		t.Errorf("placed %d, refused %d: the trials do not exercise both outcomes", placed, refused)
	}
}

func TestSplitErrors(t *testing.T) {
	vpc := netip.MustParsePrefix("10.0.0.0/18")
	reqs := []Request{{Name: "a", Bits: 19}, {Name: "b", Bits: 19}, {Name: "c", Bits: 19}}
	_, err := Split(vpc, reqs, nil)
	if err == nil || !strings.Contains(err.Error(), "3 x /19") || !strings.Contains(err.Error(), "a /17 VPC CIDR would hold them") {
		t.Errorf("3 x /19 in a /18: %v", err)
	}
	if _, err := Split(vpc, []Request{{Name: "big", Bits: 17}}, nil); err == nil || !strings.Contains(err.Error(), "larger than the VPC") {
		t.Errorf("/17 in /18: %v", err)
	}
	if _, err := Split(vpc, []Request{{Name: "tiny", Bits: 29}}, nil); err == nil || !strings.Contains(err.Error(), "/16 to /28") {
		t.Errorf("/29: %v", err)
	}
	// Exclusions are avoided, and a split that fits around them succeeds.
	got, err := Split(vpc, []Request{{Name: "a", Bits: 19}, {Name: "b", Bits: 20}}, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/24")})
	if err != nil || got[0].CIDR.String() != "10.0.32.0/19" || got[1].CIDR.String() != "10.0.16.0/20" {
		t.Errorf("around an exclusion: %v %v", got, err)
	}
}

func BenchmarkInfo16(b *testing.B) {
	p := netip.MustParsePrefix("10.0.0.0/16")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Info(p, false); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSplit16Into28s(b *testing.B) {
	vpc := netip.MustParsePrefix("10.0.0.0/16")
	reqs := make([]Request, Size(vpc)/16)
	for i := range reqs {
		reqs[i] = Request{Name: fmt.Sprint(i), Bits: 28}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Split(vpc, reqs, nil); err != nil {
			b.Fatal(err)
		}
	}
}
