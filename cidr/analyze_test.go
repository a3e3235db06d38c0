package cidr

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
)

func addrs(owner string, ss ...string) []Address {
	var out []Address
	for _, s := range ss {
		out = append(out, Address{netip.MustParseAddr(s), owner})
	}
	return out
}

func prefixes(ss ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

// subnets-and-fragmentation.md §5, worked example 1.
func TestAnalyzeWorkedExample(t *testing.T) {
	u := SubnetUsage{
		CIDR: netip.MustParsePrefix("10.0.0.0/24"),
		Addresses: append(append(addrs("i-node1", "10.0.0.10"), addrs("i-node2", "10.0.0.37")...),
			append(addrs("i-node3", "10.0.0.200"), addrs("nat-gateway", "10.0.0.90")...)...),
		Prefixes: prefixes("10.0.0.16/28", "10.0.0.48/28"),
	}
	a, err := Analyze(u)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]BlockState{0: AWSReserved, 15: AWSReserved, 1: Delegated, 3: Delegated, 2: InUse, 5: InUse, 12: InUse}
	for blk, s := range a.Blocks {
		w, ok := want[blk]
		if !ok {
			w = FreeGeneral
		}
		if s != w {
			t.Errorf("block %d: %v, want %v", blk, s, w)
		}
	}
	if a.AllocatablePrefixes != 9 || a.PredictedFreeAddresses != 215 || a.StrandedAddresses != 71 || a.GeneralPool != 215 {
		t.Errorf("allocatable %d predicted %d stranded %d general %d; want 9 215 71 215", a.AllocatablePrefixes, a.PredictedFreeAddresses, a.StrandedAddresses, a.GeneralPool)
	}
	// m5.large at 110 pods as the doc counts it: 8 blocks and 1 single per node.
	if n := a.HeadroomNodes(8, 1); n != 1 {
		t.Errorf("headroom %d nodes, want 1", n)
	}
	if a.LongestFreeRun != 6 { // blocks 6-11
		t.Errorf("longest free run %d, want 6", a.LongestFreeRun)
	}
	u.LastBlockUsable = true
	if a, _ := Analyze(u); a.AllocatablePrefixes != 10 {
		t.Errorf("with the last block usable: %d, want 10", a.AllocatablePrefixes)
	}
	if len(a.Spoilers) != 3 || a.Spoilers[0].Owner == "" {
		t.Errorf("spoilers %+v: blocks 2, 5, 12 each held by one owner", a.Spoilers)
	}
}

// "Thousands free, zero prefixes": one address in every eligible block.
func TestAnalyzeEveryBlockSpoiled(t *testing.T) {
	p := netip.MustParsePrefix("10.1.0.0/20")
	var u []Address
	for blk := 1; blk < 255; blk++ {
		u = append(u, Address{addrAt(p, blk*16+7), fmt.Sprintf("i-%d", blk%5)})
	}
	u = append(u, u[:10]...) // duplicates, as an emulator may list them
	a, err := Analyze(SubnetUsage{CIDR: p, Addresses: u})
	if err != nil {
		t.Fatal(err)
	}
	if a.AllocatablePrefixes != 0 || a.PredictedFreeAddresses != 4096-5-254 || a.StrandedAddresses != a.GeneralPool || a.Score != 1 {
		t.Errorf("allocatable %d, predicted %d, stranded %d of %d, score %v", a.AllocatablePrefixes, a.PredictedFreeAddresses, a.StrandedAddresses, a.GeneralPool, a.Score)
	}
	if a.HeadroomNodes(7, 1) != 0 {
		t.Error("no node with prefixes fits")
	}
}

func TestAnalyzeReservations(t *testing.T) {
	p := netip.MustParsePrefix("10.2.0.0/24")
	a, err := Analyze(SubnetUsage{
		CIDR: p,
		Reservations: []Reservation{
			{netip.MustParsePrefix("10.2.0.128/25"), "prefix"},   // blocks 8-15
			{netip.MustParsePrefix("10.2.0.64/27"), "explicit"},  // blocks 4-5
			{netip.MustParsePrefix("10.2.0.100/30"), "explicit"}, // smaller than a /28: spoils block 6
			{netip.MustParsePrefix("10.2.0.120/29"), "prefix"},   // half of block 7: straddling
		},
		Addresses: addrs("i-a", "10.2.0.130"), // inside the prefix reservation: block 8 in use
	})
	if err != nil {
		t.Fatal(err)
	}
	c := a.Counts
	if c[AWSReserved] != 2 || c[ExplicitReserved] != 3 || c[Straddling] != 1 || c[InUse] != 1 || c[FreeReserved] != 6 || c[FreeGeneral] != 3 {
		t.Errorf("counts %v (aws-reserved, delegated, in-use, explicit, straddling, free-reserved, free-general)", c)
	}
	// Free-reserved (6) and free-general (blocks 1-3) are allocatable.
	if a.AllocatablePrefixes != 9 {
		t.Errorf("allocatable %d", a.AllocatablePrefixes)
	}
	// General pool: outside every reservation and AWS's addresses: .4-.63
	// (60), .96-.99 (4) and .104-.119 (16) = 80; stranded = 80 - 3 free
	// general blocks x 16 = 32.
	if a.GeneralPool != 80 || a.StrandedAddresses != 32 {
		t.Errorf("general pool %d stranded %d, want 80 32", a.GeneralPool, a.StrandedAddresses)
	}
}

func TestAnalyzeAnomalies(t *testing.T) {
	a, err := Analyze(SubnetUsage{
		CIDR:         netip.MustParsePrefix("10.3.0.0/24"),
		Addresses:    addrs("i-x", "10.3.1.5", "10.3.0.20"),
		Prefixes:     prefixes("10.3.0.40/28", "10.3.2.0/28", "10.3.0.32/27"),
		Reservations: []Reservation{{netip.MustParsePrefix("10.9.0.0/28"), "prefix"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(a.Anomalies, "\n")
	for _, frag := range []string{"1 address(es)", "10.3.0.40/28", "10.3.2.0/28", "10.3.0.32/27", "10.9.0.0/28"} {
		if !strings.Contains(joined, frag) {
			t.Errorf("anomalies lack %q:\n%s", frag, joined)
		}
	}
	if a.DelegatedPrefixes != 0 || a.UsedAddresses != 1 {
		t.Errorf("only valid data counts: %d prefixes, %d addresses", a.DelegatedPrefixes, a.UsedAddresses)
	}
	if _, err := Analyze(SubnetUsage{CIDR: netip.MustParsePrefix("10.0.0.0/29")}); err == nil {
		t.Error("a /29 is not a subnet")
	}
}

// scatteredSlash16 is a /16 with n random single addresses and m prefixes.
func scatteredSlash16(n, m int) SubnetUsage {
	r := rand.New(rand.NewPCG(7, 8))
	p := netip.MustParsePrefix("10.4.0.0/16")
	u := SubnetUsage{CIDR: p}
	for i := range n {
		u.Addresses = append(u.Addresses, Address{addrAt(p, r.IntN(65536)), fmt.Sprintf("i-%04d", i%900)})
	}
	for range m {
		u.Prefixes = append(u.Prefixes, netip.PrefixFrom(addrAt(p, r.IntN(4096)*16), 28))
	}
	return u
}

func BenchmarkAnalyzeSlash16(b *testing.B) {
	u := scatteredSlash16(60000, 2000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Analyze(u); err != nil {
			b.Fatal(err)
		}
	}
}
