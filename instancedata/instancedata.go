// Package instancedata holds eksnet's table of EC2 instance-type network limits:
// the copy embedded in the binary, its file format, look-ups by name, and the
// loader that rebuilds it from EC2 DescribeInstanceTypes.
package instancedata

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/eksnet/eksnet/calc"
)

// InstanceType is the networking-relevant description of one EC2 instance type.
// Pointer fields are nil when the figure is not known: EC2 does not describe
// supplemented (retired or not yet listed) types, and eksnet says so rather than
// guessing.
type InstanceType struct {
	Name      string `json:"name"`
	VCPUs     *int   `json:"vcpus"`
	MemoryMiB *int   `json:"memoryMiB"`
	// Hypervisor is "nitro" or "xen"; EC2 reports none for bare metal.
	Hypervisor string `json:"hypervisor"`
	BareMetal  bool   `json:"bareMetal"`
	// MaxENIs is the instance-wide limit summed over all network cards. Max pods
	// never uses it: the VPC CNI manages the default card only.
	MaxENIs            int `json:"maxEnis"`
	DefaultNetworkCard int `json:"defaultNetworkCard"`
	// NetworkCardENIs[i] is the ENI limit of network card i.
	NetworkCardENIs  []int `json:"networkCardEnis"`
	IPv4PerENI       int   `json:"ipv4PerEni"`
	IPv6PerENI       *int  `json:"ipv6PerEni"`
	IPv6Supported    *bool `json:"ipv6Supported"`
	EFAMaxInterfaces int   `json:"efaMaxInterfaces"`
	// Trunking and BranchENIs describe security groups for pods. No EC2 API
	// publishes them; they come from the VPC resource controller's table.
	TrunkCompatible bool `json:"trunkCompatible"`
	BranchENIs      int  `json:"branchEnis"`
	// Supplemented marks a type that EC2 did not return; its limits come from the
	// supplement file, whose note says where they were published.
	Supplemented bool   `json:"supplemented,omitempty"`
	Note         string `json:"note,omitempty"`
}

// DefaultCardENIs is the ENI limit of the default network card, the E of every
// max-pods formula.
func (t InstanceType) DefaultCardENIs() int {
	if t.DefaultNetworkCard >= 0 && t.DefaultNetworkCard < len(t.NetworkCardENIs) {
		return t.NetworkCardENIs[t.DefaultNetworkCard]
	}
	return t.MaxENIs
}

// Family is the part of the name before the first dot ("m5" for "m5.large").
func (t InstanceType) Family() string { return Family(t.Name) }

// Family returns the family part of an instance type name.
func Family(name string) string {
	family, _, _ := strings.Cut(name, ".")
	return family
}

// Table is the whole instance-limit table with its provenance.
type Table struct {
	Header
	InstanceTypes []InstanceType `json:"instanceTypes"`
}

// Header says where a table's figures came from.
type Header struct {
	// Source says where the EC2 figures came from, Generated when (YYYY-MM-DD).
	Source    string   `json:"source"`
	Generated string   `json:"generated"`
	Regions   []string `json:"regions"`
	// SupplementSource and BranchSource name the published sources of the
	// hand-kept supplement and of the security-groups-for-pods figures.
	SupplementSource string `json:"supplementSource"`
	BranchSource     string `json:"branchSource"`
}

// Lookup finds a type by exact name. Types are kept sorted, so this is a
// binary search.
func (tb *Table) Lookup(name string) (InstanceType, bool) {
	i, ok := slices.BinarySearchFunc(tb.InstanceTypes, name, func(t InstanceType, n string) int {
		return strings.Compare(t.Name, n)
	})
	if !ok {
		return InstanceType{}, false
	}
	return tb.InstanceTypes[i], true
}

// Names lists every type name in order.
func (tb *Table) Names() []string {
	names := make([]string, len(tb.InstanceTypes))
	for i, t := range tb.InstanceTypes {
		names[i] = t.Name
	}
	return names
}

// Sort orders the types by name, the order Lookup relies on and the file keeps.
func (tb *Table) Sort() {
	slices.SortFunc(tb.InstanceTypes, func(a, b InstanceType) int { return strings.Compare(a.Name, b.Name) })
}

// Encode writes the table as JSON with one instance type per line, so that a
// regeneration shows up in a diff as the lines of the types that changed.
func (tb *Table) Encode(w io.Writer) error {
	var buf bytes.Buffer
	head, err := json.MarshalIndent(tb.Header, "", "  ")
	if err != nil {
		return err
	}
	// Re-open the header object and append the instance types to it.
	buf.Write(bytes.TrimSuffix(head, []byte("\n}")))
	buf.WriteString(",\n  \"instanceTypes\": [\n")
	for i, t := range tb.InstanceTypes {
		line, err := json.Marshal(t)
		if err != nil {
			return err
		}
		buf.WriteString("    ")
		buf.Write(line)
		if i < len(tb.InstanceTypes)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("  ]\n}\n")
	_, err = w.Write(buf.Bytes())
	return err
}

// Decode reads a table written by Encode (or any JSON of the same shape) and
// checks the invariants that the rest of eksnet relies on.
func Decode(data []byte) (*Table, error) {
	var tb Table
	if err := json.Unmarshal(data, &tb); err != nil {
		return nil, fmt.Errorf("instance table: %w", err)
	}
	if err := tb.Validate(); err != nil {
		return nil, err
	}
	return &tb, nil
}

// Validate checks that names are unique and sorted and that every type has the
// limits max pods needs.
func (tb *Table) Validate() error {
	for i, t := range tb.InstanceTypes {
		if t.Name == "" {
			return fmt.Errorf("instance table: entry %d has no name", i)
		}
		if i > 0 && tb.InstanceTypes[i-1].Name >= t.Name {
			return fmt.Errorf("instance table: %q is out of order or duplicated", t.Name)
		}
		if t.DefaultCardENIs() < 1 || t.IPv4PerENI < 1 {
			return fmt.Errorf("instance table: %s has no ENI or IPv4 limit", t.Name)
		}
	}
	return nil
}

// Calc returns what the calculations need to know about the type.
func (t InstanceType) Calc() calc.Instance {
	in := calc.Instance{
		Name:            t.Name,
		ENIs:            t.DefaultCardENIs(),
		IPv4PerENI:      t.IPv4PerENI,
		Hypervisor:      t.Hypervisor,
		BareMetal:       t.BareMetal,
		TrunkCompatible: t.TrunkCompatible,
		BranchENIs:      t.BranchENIs,
	}
	if t.VCPUs != nil {
		in.VCPUs = *t.VCPUs
	}
	return in
}
