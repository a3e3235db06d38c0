package instancedata

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Filter is one condition of `eksnet instancedata list --filter`, such as
// `vcpus>=8`, `hypervisor=nitro` or `trunkCompatible=true`. Keys are the JSON
// field names of InstanceType (any case) plus `family`.
type Filter struct {
	Key   string
	Op    string
	Value string
}

var filterOps = []string{">=", "<=", "!=", "=", ">", "<"} // longest first

// FilterKeys lists the keys a filter may name.
func FilterKeys() []string {
	// Set the omitempty fields so that their keys appear.
	keys := append(slices.Collect(maps.Keys(fieldsOf(InstanceType{Supplemented: true, Note: "-"}))), "family")
	slices.Sort(keys)
	return keys
}

// ParseFilter reads `KEY OP VALUE`.
func ParseFilter(expr string) (Filter, error) {
	for _, op := range filterOps {
		k, v, ok := strings.Cut(expr, op)
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		for _, known := range FilterKeys() {
			if strings.EqualFold(k, known) {
				return Filter{known, op, strings.TrimSpace(v)}, nil
			}
		}
		return Filter{}, fmt.Errorf("filter %q: unknown key %q; keys: %s", expr, k, strings.Join(FilterKeys(), ", "))
	}
	return Filter{}, fmt.Errorf("filter %q: want KEY OP VALUE with OP one of = != < <= > >=, such as vcpus>=8", expr)
}

// Match reports whether t satisfies the filter. Numbers compare as numbers;
// an unknown (null) figure matches nothing but !=.
func (f Filter) Match(t InstanceType) bool {
	var have string
	if f.Key == "family" {
		have = t.Family()
	} else {
		raw := fieldsOf(t)[f.Key]
		if raw == nil || string(raw) == "null" {
			return f.Op == "!="
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			have = s
		} else {
			have = string(raw)
		}
	}
	a, errA := strconv.ParseFloat(have, 64)
	b, errB := strconv.ParseFloat(f.Value, 64)
	cmp := 0
	if errA == nil && errB == nil {
		switch {
		case a < b:
			cmp = -1
		case a > b:
			cmp = 1
		}
	} else {
		cmp = strings.Compare(strings.ToLower(have), strings.ToLower(f.Value))
	}
	switch f.Op {
	case "=":
		return cmp == 0
	case "!=":
		return cmp != 0
	case "<":
		return cmp < 0
	case "<=":
		return cmp <= 0
	case ">":
		return cmp > 0
	default:
		return cmp >= 0
	}
}
