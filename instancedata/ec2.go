package instancedata

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// InstanceTypesAPI is the one EC2 call the loader makes per region.
type InstanceTypesAPI interface {
	DescribeInstanceTypes(ctx context.Context, in *ec2.DescribeInstanceTypesInput, opts ...func(*ec2.Options)) (*ec2.DescribeInstanceTypesOutput, error)
}

// RegionsAPI lists the regions an all-regions pull visits.
type RegionsAPI interface {
	DescribeRegions(ctx context.Context, in *ec2.DescribeRegionsInput, opts ...func(*ec2.Options)) (*ec2.DescribeRegionsOutput, error)
}

// describeBatch is EC2's limit on instance types named in one request.
const describeBatch = 100

// FetchInstanceTypes pages DescribeInstanceTypes. With no names it reads the
// whole catalogue of the client's region; with names it asks for those only.
// Types come back sorted by name.
func FetchInstanceTypes(ctx context.Context, api InstanceTypesAPI, names []string) ([]InstanceType, error) {
	var out []InstanceType
	fetch := func(in *ec2.DescribeInstanceTypesInput) error {
		p := ec2.NewDescribeInstanceTypesPaginator(api, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return err
			}
			for _, info := range page.InstanceTypes {
				out = append(out, FromEC2(info))
			}
		}
		return nil
	}
	if len(names) == 0 {
		if err := fetch(&ec2.DescribeInstanceTypesInput{MaxResults: aws.Int32(100)}); err != nil {
			return nil, err
		}
	}
	for batch := range slices.Chunk(names, describeBatch) {
		in := &ec2.DescribeInstanceTypesInput{}
		for _, n := range batch {
			in.InstanceTypes = append(in.InstanceTypes, types.InstanceType(n))
		}
		if err := fetch(in); err != nil {
			return nil, err
		}
	}
	// An emulator may repeat items across pages; keep each type once.
	slices.SortFunc(out, func(a, b InstanceType) int { return strings.Compare(a.Name, b.Name) })
	out = slices.CompactFunc(out, func(a, b InstanceType) bool { return a.Name == b.Name })
	return out, nil
}

// FetchRegions lists the regions enabled for the account, sorted.
func FetchRegions(ctx context.Context, api RegionsAPI) ([]string, error) {
	out, err := api.DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	if err != nil {
		return nil, err
	}
	var regions []string
	for _, r := range out.Regions {
		if r.RegionName != nil {
			regions = append(regions, *r.RegionName)
		}
	}
	slices.Sort(regions)
	return slices.Compact(regions), nil
}

// FromEC2 converts one DescribeInstanceTypes item.
func FromEC2(info types.InstanceTypeInfo) InstanceType {
	t := InstanceType{
		Name:       string(info.InstanceType),
		Hypervisor: string(info.Hypervisor),
		BareMetal:  aws.ToBool(info.BareMetal),
	}
	if info.VCpuInfo != nil && info.VCpuInfo.DefaultVCpus != nil {
		t.VCPUs = aws.Int(int(*info.VCpuInfo.DefaultVCpus))
	}
	if info.MemoryInfo != nil && info.MemoryInfo.SizeInMiB != nil {
		t.MemoryMiB = aws.Int(int(*info.MemoryInfo.SizeInMiB))
	}
	if n := info.NetworkInfo; n != nil {
		t.MaxENIs = int(aws.ToInt32(n.MaximumNetworkInterfaces))
		t.DefaultNetworkCard = int(aws.ToInt32(n.DefaultNetworkCardIndex))
		t.IPv4PerENI = int(aws.ToInt32(n.Ipv4AddressesPerInterface))
		if n.Ipv6AddressesPerInterface != nil {
			t.IPv6PerENI = aws.Int(int(*n.Ipv6AddressesPerInterface))
		}
		t.IPv6Supported = n.Ipv6Supported
		if n.EfaInfo != nil {
			t.EFAMaxInterfaces = int(aws.ToInt32(n.EfaInfo.MaximumEfaInterfaces))
		}
		for _, c := range n.NetworkCards {
			i := int(aws.ToInt32(c.NetworkCardIndex))
			if i < 0 {
				continue
			}
			for len(t.NetworkCardENIs) <= i {
				t.NetworkCardENIs = append(t.NetworkCardENIs, 0)
			}
			t.NetworkCardENIs[i] = int(aws.ToInt32(c.MaximumNetworkInterfaces))
		}
		// Old single-card types may come without a card list; their one card
		// holds all the ENIs.
		if len(t.NetworkCardENIs) == 0 {
			t.NetworkCardENIs = []int{t.MaxENIs}
		}
	}
	return t
}

// Conflict is one figure on which two regions disagree.
type Conflict struct {
	InstanceType string
	Field        string
	Region       string // the region whose value was kept
	Value        string
	OtherRegion  string
	OtherValue   string
}

func (c Conflict) String() string {
	return fmt.Sprintf("%s: %s is %s in %s but %s in %s (kept %s)",
		c.InstanceType, c.Field, c.Value, c.Region, c.OtherValue, c.OtherRegion, c.Value)
}

// MergeRegions unions the catalogues of several regions. Where regions
// disagree on a type, the first region in name order wins and the
// disagreement is returned: the VPC CNI's generator aborts on these, eksnet
// reports them so a person can decide.
func MergeRegions(perRegion map[string][]InstanceType) ([]InstanceType, []Conflict) {
	regions := slices.Sorted(maps.Keys(perRegion))
	byName := map[string]InstanceType{}
	from := map[string]string{}
	var conflicts []Conflict
	for _, r := range regions {
		for _, t := range perRegion[r] {
			kept, seen := byName[t.Name]
			if !seen {
				byName[t.Name], from[t.Name] = t, r
				continue
			}
			for _, d := range diffFields(kept, t) {
				conflicts = append(conflicts, Conflict{t.Name, d.field, from[t.Name], d.a, r, d.b})
			}
		}
	}
	merged := make([]InstanceType, 0, len(byName))
	for _, t := range byName {
		merged = append(merged, t)
	}
	slices.SortFunc(merged, func(a, b InstanceType) int { return strings.Compare(a.Name, b.Name) })
	return merged, conflicts
}

type fieldDiff struct{ field, a, b string }

// diffFields compares two descriptions field by field through their JSON form,
// so that a field added to InstanceType is compared without touching this code.
func diffFields(a, b InstanceType) []fieldDiff {
	ma, mb := fieldsOf(a), fieldsOf(b)
	var diffs []fieldDiff
	for _, k := range slices.Sorted(maps.Keys(ma)) {
		if string(ma[k]) != string(mb[k]) {
			diffs = append(diffs, fieldDiff{k, string(ma[k]), string(mb[k])})
		}
	}
	return diffs
}

func fieldsOf(t InstanceType) map[string]json.RawMessage {
	raw, _ := json.Marshal(t)
	var m map[string]json.RawMessage
	_ = json.Unmarshal(raw, &m)
	return m
}

// Supplement is the hand-kept list of types EC2 does not return.
type Supplement struct {
	Source        string         `json:"source"`
	InstanceTypes []InstanceType `json:"instanceTypes"`
}

// DecodeSupplement reads a supplement file.
func DecodeSupplement(data []byte) (Supplement, error) {
	var s Supplement
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("supplement: %w", err)
	}
	return s, nil
}

// BranchLimit is the security-groups-for-pods capacity of one type.
type BranchLimit struct {
	TrunkCompatible bool
	BranchENIs      int
}

// ParseBranchCSV reads the VPC resource controller's limits as published in
// `instance_type,trunking_compatible,branch_interfaces` CSV ('#' comments).
func ParseBranchCSV(r io.Reader) (map[string]BranchLimit, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = 3
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("branch limits: %w", err)
	}
	out := map[string]BranchLimit{}
	for i, row := range rows {
		if i == 0 && row[0] == "instance_type" {
			continue
		}
		trunk, err1 := strconv.ParseBool(row[1])
		branches, err2 := strconv.Atoi(row[2])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("branch limits: row %d (%s): want true/false and a number", i+1, row[0])
		}
		out[row[0]] = BranchLimit{trunk, branches}
	}
	return out, nil
}

// BranchLimits extracts the security-groups-for-pods figures of a table, so a
// new pull can carry over what no EC2 call returns.
func (tb *Table) BranchLimits() map[string]BranchLimit {
	out := map[string]BranchLimit{}
	for _, t := range tb.InstanceTypes {
		out[t.Name] = BranchLimit{t.TrunkCompatible, t.BranchENIs}
	}
	return out
}

// Build assembles a table from EC2's types, the supplement (only for types EC2
// did not return) and the branch limits. It returns the supplement entries
// that EC2 now describes, which can be dropped from the supplement.
func Build(fromEC2 []InstanceType, sup Supplement, branches map[string]BranchLimit) (*Table, []string) {
	tb := &Table{Header: Header{SupplementSource: sup.Source}}
	have := map[string]bool{}
	for _, t := range fromEC2 {
		have[t.Name] = true
		tb.InstanceTypes = append(tb.InstanceTypes, t)
	}
	var obsolete []string
	for _, t := range sup.InstanceTypes {
		if have[t.Name] {
			obsolete = append(obsolete, t.Name)
			continue
		}
		t.Supplemented = true
		tb.InstanceTypes = append(tb.InstanceTypes, t)
	}
	for i := range tb.InstanceTypes {
		if b, ok := branches[tb.InstanceTypes[i].Name]; ok {
			tb.InstanceTypes[i].TrunkCompatible = b.TrunkCompatible
			tb.InstanceTypes[i].BranchENIs = b.BranchENIs
		}
	}
	tb.Sort()
	return tb, obsolete
}
