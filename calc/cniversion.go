package calc

import (
	"fmt"
	"strconv"
	"strings"
)

// CNIVersion is a VPC CNI version, as far as max pods cares.
type CNIVersion struct{ Major, Minor, Patch int }

// ParseCNIVersion accepts what people paste: "1.18.0", "v1.18.0",
// "1.9.0-eksbuild.1", "1.9". AWS's calculator needed major.minor and no "v";
// eksnet is more forgiving but still refuses anything that is not a version.
func ParseCNIVersion(s string) (CNIVersion, error) {
	v := strings.TrimPrefix(strings.TrimSpace(s), "v")
	v, _, _ = strings.Cut(v, "-") // build suffix such as -eksbuild.1
	v, _, _ = strings.Cut(v, "+")
	parts := strings.Split(v, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return CNIVersion{}, fmt.Errorf("CNI version %q: want MAJOR.MINOR[.PATCH], such as 1.18.0 or v1.9.0-eksbuild.1", s)
	}
	var nums [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p == "" || (p[0] == '+') {
			return CNIVersion{}, fmt.Errorf("CNI version %q: want MAJOR.MINOR[.PATCH], such as 1.18.0 or v1.9.0-eksbuild.1", s)
		}
		nums[i] = n
	}
	return CNIVersion{nums[0], nums[1], nums[2]}, nil
}

// Less orders versions.
func (v CNIVersion) Less(w CNIVersion) bool {
	if v.Major != w.Major {
		return v.Major < w.Major
	}
	if v.Minor != w.Minor {
		return v.Minor < w.Minor
	}
	return v.Patch < w.Patch
}

func (v CNIVersion) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }
