package instancedata

import (
	"slices"
	"strings"
)

// Suggest returns up to n known names closest to an unknown one, nearest
// first: a typo ("m5.larg"), a wrong size ("m5.huge") or a wrong family
// ("m5x.large") should each lead the user to the name they meant.
func Suggest(names []string, unknown string, n int) []string {
	unknown = strings.ToLower(strings.TrimSpace(unknown))
	type scored struct {
		name string
		dist int
	}
	// Names within this edit distance are plausible typos; beyond it, only
	// types of the same family are worth showing.
	limit := max(2, len(unknown)/3)
	family := Family(unknown)
	var best []scored
	for _, n := range names {
		d := editDistance(unknown, n)
		if d > limit && Family(n) != family {
			continue
		}
		best = append(best, scored{n, d})
	}
	slices.SortStableFunc(best, func(a, b scored) int { return a.dist - b.dist })
	out := make([]string, 0, n)
	for _, s := range best {
		if len(out) == n {
			break
		}
		out = append(out, s.name)
	}
	return out
}

// editDistance is the Levenshtein distance between a and b (bytes: instance
// type names are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
