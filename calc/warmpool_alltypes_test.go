package calc_test

import (
	"testing"

	"github.com/eksnet/eksnet/calc"
	"github.com/eksnet/eksnet/instancedata"
)

// The closed forms that eksnet reports must agree with the simulator of
// ipamd's rules for every instance type, every setting of the grid and every
// pod count from 0 to max pods.
func TestWarmPoolClosedFormMatchesSimulatorOnAllTypes(t *testing.T) {
	tb, err := instancedata.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	grid := calc.SettingsGrid()
	checked := 0
	for _, it := range tb.InstanceTypes {
		for _, s := range grid {
			if err := calc.CompareWithSimulator(it.Calc(), s); err != nil {
				t.Fatal(err)
			}
			checked++
		}
	}
	t.Logf("%d instance types x %d settings agree", len(tb.InstanceTypes), len(grid))
}

// BenchmarkWarmPoolSweepAllTypes is the full sweep 0..max pods for every
// instance type with the default settings, what `warmpool --pods 0..max`
// costs for the whole table.
func BenchmarkWarmPoolSweepAllTypes(b *testing.B) {
	tb, err := instancedata.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	s := calc.WarmPoolSettings{WarmENITarget: 1, WarmPrefixTarget: 1}
	b.ReportAllocs()
	for b.Loop() {
		for _, it := range tb.InstanceTypes {
			in := it.Calc()
			maxPods := calc.DefaultKubeletMaxPods(in, s)
			for n := 0; n <= maxPods; n++ {
				_ = calc.WarmPoolFor(in, s, n)
			}
		}
	}
}
