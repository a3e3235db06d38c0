package cmd

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/eksnet/eksnet/cidr"
	"github.com/eksnet/eksnet/report"
	"github.com/spf13/cobra"
)

// NewCmdSubnet builds `eksnet subnet` and its subcommands.
func NewCmdSubnet(f *Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "subnet",
		Short: "Plan subnets: AWS-usable addresses, /28 prefix blocks, splits and free space",
		Long: `Subnet planning offline. AWS reserves five addresses in every subnet (network,
VPC router, DNS, future use, broadcast), and prefix delegation needs whole
aligned /28 blocks, of which the first (and, conservatively, the last) never
qualifies.`,
	}
	c.AddCommand(NewCmdSubnetInfo(f, nil), NewCmdSubnetSize(f, nil), NewCmdSubnetCheck(f, nil), NewCmdSubnetSplit(f, nil), NewCmdSubnetFree(f, nil))
	return c
}

// SubnetInfoOptions is what `subnet info` was asked.
type SubnetInfoOptions struct {
	IO              *IOStreams
	CIDRs           []string
	LastBlockUsable bool
	Output          report.Format
}

// NewCmdSubnetInfo builds `eksnet subnet info`.
func NewCmdSubnetInfo(f *Factory, runF func(*SubnetInfoOptions) error) *cobra.Command {
	opts := &SubnetInfoOptions{IO: f.IO}
	var output string
	c := &cobra.Command{
		Use:   "info CIDR...",
		Short: "Usable addresses, reserved addresses and /28 blocks of subnet CIDRs",
		Example: `  eksnet subnet info 10.0.0.0/24
  eksnet subnet info 100.64.0.0/19 100.64.32.0/19 -o json
  eksnet subnet info 10.0.0.0/20 --last-block-usable`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			opts.CIDRs = args
			var err error
			if opts.Output, err = parseOutput(output, report.Table, report.JSON, report.YAML); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runSubnetInfo(opts)
		},
	}
	c.Flags().BoolVar(&opts.LastBlockUsable, "last-block-usable", false, "count the last /28 (it holds the broadcast address) as prefix-eligible")
	addOutputFlag(c, &output, "table", "json", "yaml")
	return c
}

// subnetInfoRow is one CIDR's answer: IPv4 facts, or the IPv6 statement.
type subnetInfoRow struct {
	CIDR      netip.Prefix `json:"cidr"`
	IPVersion int          `json:"ipVersion"`
	*cidr.SubnetInfo
	Note string `json:"note,omitempty"`
}

// ipv6Statement is what eksnet has to say about an IPv6 subnet: there is
// nothing to ration.
const ipv6Statement = "IPv6: each node's ENI gets a /80 prefix from the subnet's /64, so pods do not exhaust addresses; only max pods (110/250) limits them"

func runSubnetInfo(opts *SubnetInfoOptions) error {
	var rows []subnetInfoRow
	for _, s := range opts.CIDRs {
		p, err := cidr.ParseIPv4(s)
		if errors.Is(err, cidr.ErrIPv6) {
			v6, perr := netip.ParsePrefix(strings.TrimSpace(s))
			if perr != nil {
				return usageErrorf("CIDR %q: not a valid IPv6 CIDR", s)
			}
			rows = append(rows, subnetInfoRow{CIDR: v6.Masked(), IPVersion: 6, Note: ipv6Statement})
			continue
		}
		if err != nil {
			return usageError(err)
		}
		info, err := cidr.Info(p, opts.LastBlockUsable)
		if err != nil {
			return usageError(err)
		}
		rows = append(rows, subnetInfoRow{CIDR: info.CIDR, IPVersion: 4, SubnetInfo: &info})
	}
	if opts.Output == report.JSON || opts.Output == report.YAML {
		return writeReport(opts.IO, opts.Output, report.Doc{Data: rows})
	}
	doc := report.Doc{Columns: []string{"field"}, KeepHeaderCase: true}
	for _, r := range rows {
		doc.Columns = append(doc.Columns, r.CIDR.String())
	}
	add := func(name string, val func(subnetInfoRow) string) {
		row := []string{name}
		for _, r := range rows {
			if r.IPVersion == 6 {
				row = append(row, "-")
				continue
			}
			row = append(row, val(r))
		}
		doc.Rows = append(doc.Rows, row)
	}
	add("network", func(r subnetInfoRow) string { return r.Network.String() })
	add("first usable", func(r subnetInfoRow) string { return r.FirstUsable.String() })
	add("last usable", func(r subnetInfoRow) string { return r.LastUsable.String() })
	for i, purpose := range []string{"network", "VPC router", "DNS", "future use", "broadcast"} {
		add("reserved: "+purpose, func(r subnetInfoRow) string { return r.Reserved[i].Addr.String() })
	}
	add("total addresses", func(r subnetInfoRow) string { return strconv.Itoa(r.Total) })
	add("usable addresses", func(r subnetInfoRow) string { return strconv.Itoa(r.Usable) })
	add("/28 blocks", func(r subnetInfoRow) string { return strconv.Itoa(r.Blocks) })
	add("prefix-eligible blocks", func(r subnetInfoRow) string { return strconv.Itoa(r.PrefixEligibleBlocks) })
	add("allowed for a subnet", func(r subnetInfoRow) string { return strconv.FormatBool(r.AllowedForSubnet) })
	add("address class", func(r subnetInfoRow) string { return r.AddressClass })
	if err := writeReport(opts.IO, opts.Output, doc); err != nil {
		return err
	}
	for _, r := range rows {
		if r.IPVersion == 6 {
			fmt.Fprintf(opts.IO.ErrOut, "note: %s: %s\n", r.CIDR, r.Note)
		} else if !r.AllowedForSubnet {
			fmt.Fprintf(opts.IO.ErrOut, "note: %s: AWS allows /16 to /28 for VPCs and subnets\n", r.CIDR)
		}
	}
	return nil
}

// SubnetSplitOptions is what `subnet split` was asked.
type SubnetSplitOptions struct {
	IO       *IOStreams
	VPC      netip.Prefix
	Requests []cidr.Request
	Exclude  []netip.Prefix
	Output   report.Format
}

// NewCmdSubnetSplit builds `eksnet subnet split`.
func NewCmdSubnetSplit(f *Factory, runF func(*SubnetSplitOptions) error) *cobra.Command {
	opts := &SubnetSplitOptions{IO: f.IO}
	var output string
	var azs, prefixLength int
	var sizes, names, roles, azNames, exclude []string
	c := &cobra.Command{
		Use:   "split VPC_CIDR",
		Short: "Carve aligned, non-overlapping subnets out of a VPC CIDR",
		Long: `Carve aligned, non-overlapping subnets out of a VPC CIDR, largest first,
each in the smallest free block that holds it, skipping --exclude CIDRs that
are already in use. Subnets are spread over the AZs in turn.`,
		Example: `  eksnet subnet split 10.0.0.0/16 --azs 3 --prefix-length 19
  eksnet subnet split 10.0.0.0/16 --azs 3 --sizes 19,19,19,24,24,24 --roles pod,pod,pod,node,node,node
  eksnet subnet split 100.64.0.0/16 --sizes 18,18,18 --names pods-a,pods-b,pods-c --exclude 100.64.0.0/24`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			vpc, err := cidr.ParseSubnet(args[0])
			if err != nil {
				return usageError(err)
			}
			opts.VPC = vpc
			var bits []int
			switch {
			case len(sizes) > 0 && c.Flags().Changed("prefix-length"):
				return usageErrorf("--sizes and --prefix-length go separately: one subnet per listed size, or one per AZ")
			case len(sizes) > 0:
				for _, s := range sizes {
					b, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(s), "/"))
					if err != nil {
						return usageErrorf("--sizes %q: want prefix lengths such as 19,19,24", s)
					}
					bits = append(bits, b)
				}
			case c.Flags().Changed("prefix-length"):
				if azs < 1 {
					return usageErrorf("--azs %d: want 1 or more", azs)
				}
				for range azs {
					bits = append(bits, prefixLength)
				}
			default:
				return usageErrorf("say what to carve: --azs N --prefix-length L, or --sizes L1,L2,...")
			}
			if azs < 1 {
				return usageErrorf("--azs %d: want 1 or more", azs)
			}
			if len(names) > 0 && len(names) != len(bits) {
				return usageErrorf("--names has %d entries for %d subnets", len(names), len(bits))
			}
			if len(roles) > 0 && len(roles) != len(bits) {
				return usageErrorf("--roles has %d entries for %d subnets", len(roles), len(bits))
			}
			if len(azNames) > 0 && len(azNames) != azs {
				return usageErrorf("--az-names has %d entries for --azs %d", len(azNames), azs)
			}
			for i, b := range bits {
				if err := cidr.CheckSubnetSize(b); err != nil {
					return usageErrorf("subnet size /%d: %v", b, err)
				}
				r := cidr.Request{Name: fmt.Sprintf("subnet-%d", i+1), Bits: b, AZ: fmt.Sprintf("az%d", i%azs+1)}
				if len(azNames) > 0 {
					r.AZ = azNames[i%azs]
				}
				if len(names) > 0 {
					r.Name = names[i]
				}
				if len(roles) > 0 {
					r.Role = roles[i]
				}
				opts.Requests = append(opts.Requests, r)
			}
			for _, e := range exclude {
				p, err := cidr.ParseIPv4(e)
				if err != nil {
					return usageErrorf("--exclude: %v", err)
				}
				if !cidr.Overlaps(vpc, p) {
					return usageErrorf("--exclude %s is outside the VPC CIDR %s", p, vpc)
				}
				opts.Exclude = append(opts.Exclude, p)
			}
			if opts.Output, err = parseOutput(output, report.Table, report.JSON, report.YAML, report.CSV); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runSubnetSplit(opts)
		},
	}
	fs := c.Flags()
	fs.IntVar(&azs, "azs", 1, "availability zones to spread the subnets over")
	fs.IntVar(&prefixLength, "prefix-length", 0, "one subnet of this length per AZ")
	fs.StringSliceVar(&sizes, "sizes", nil, "prefix lengths of the subnets, such as 19,19,19,24,24,24")
	fs.StringSliceVar(&names, "names", nil, "subnet names, one per subnet (default subnet-1, subnet-2, ...)")
	fs.StringSliceVar(&roles, "roles", nil, "subnet roles, one per subnet, such as node,node,pod")
	fs.StringSliceVar(&azNames, "az-names", nil, "AZ names, one per AZ (default az1, az2, ...)")
	fs.StringSliceVar(&exclude, "exclude", nil, "CIDRs already in use (repeatable)")
	addOutputFlag(c, &output, "table", "json", "yaml", "csv")
	return c
}

// splitRow is one carved subnet as JSON shows it.
type splitRow struct {
	cidr.Allocation
	UsableAddresses      int `json:"usableAddresses"`
	PrefixEligibleBlocks int `json:"prefixEligibleBlocks"`
}

func runSubnetSplit(opts *SubnetSplitOptions) error {
	allocs, err := cidr.Split(opts.VPC, opts.Requests, opts.Exclude)
	if err != nil {
		return usageError(err)
	}
	rows := make([]splitRow, len(allocs))
	doc := report.Doc{Columns: []string{"name", "cidr", "az", "role", "usable", "prefix blocks"}}
	for i, a := range allocs {
		info, _ := cidr.Info(a.CIDR, false)
		rows[i] = splitRow{a, info.Usable, info.PrefixEligibleBlocks}
		doc.Rows = append(doc.Rows, []string{a.Name, a.CIDR.String(), a.AZ, orDash(a.Role), strconv.Itoa(info.Usable), strconv.Itoa(info.PrefixEligibleBlocks)})
	}
	doc.Data = rows
	return writeReport(opts.IO, opts.Output, doc)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// SubnetFreeOptions is what `subnet free` was asked.
type SubnetFreeOptions struct {
	IO     *IOStreams
	VPC    netip.Prefix
	Used   []netip.Prefix
	Output report.Format
}

// NewCmdSubnetFree builds `eksnet subnet free`.
func NewCmdSubnetFree(f *Factory, runF func(*SubnetFreeOptions) error) *cobra.Command {
	opts := &SubnetFreeOptions{IO: f.IO}
	var output string
	var used []string
	c := &cobra.Command{
		Use:   "free VPC_CIDR --used CIDR...",
		Short: "The unused space of a VPC CIDR as maximal aligned blocks",
		Example: `  eksnet subnet free 10.0.0.0/16 --used 10.0.0.0/19,10.0.32.0/19,10.0.64.0/24
  eksnet subnet free 10.0.0.0/16 --used 10.0.0.0/19 -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			vpc, err := cidr.ParseSubnet(args[0])
			if err != nil {
				return usageError(err)
			}
			opts.VPC = vpc
			for _, u := range used {
				p, err := cidr.ParseIPv4(u)
				if err != nil {
					return usageErrorf("--used: %v", err)
				}
				if !cidr.Contains(vpc, p) {
					return usageErrorf("--used %s is not inside the VPC CIDR %s", p, vpc)
				}
				opts.Used = append(opts.Used, p)
			}
			if opts.Output, err = parseOutput(output, report.Table, report.JSON, report.YAML, report.CSV); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runSubnetFree(opts)
		},
	}
	c.Flags().StringSliceVar(&used, "used", nil, "CIDRs in use inside the VPC CIDR (repeatable)")
	addOutputFlag(c, &output, "table", "json", "yaml", "csv")
	return c
}

func runSubnetFree(opts *SubnetFreeOptions) error {
	free := cidr.Free(opts.VPC, opts.Used)
	doc := report.Doc{Columns: []string{"cidr", "addresses"}, Data: free}
	if free == nil {
		doc.Data = []netip.Prefix{}
	}
	for _, p := range free {
		doc.Rows = append(doc.Rows, []string{p.String(), strconv.Itoa(cidr.Size(p))})
	}
	return writeReport(opts.IO, opts.Output, doc)
}
