package cmd

import (
	"fmt"
	"strconv"

	"github.com/eksnet/eksnet/calc"
	"github.com/eksnet/eksnet/instancedata"
	"github.com/eksnet/eksnet/report"
	"github.com/spf13/cobra"
)

// SubnetSizeOptions is what `subnet size` was asked.
type SubnetSizeOptions struct {
	IO     *IOStreams
	Lookup func(names []string) ([]instancedata.InstanceType, error)

	InstanceType    string
	Settings        calc.WarmPoolSettings
	Nodes, MaxNodes int
	SurgePct        int
	PodsPerNode     int // -1: max pods
	OtherAddresses  int
	AZs             int
	AZFailure       bool
	HeadroomPct     int
	LastBlockUsable bool
	Notes           []string
	Output          report.Format
}

// NewCmdSubnetSize builds `eksnet subnet size`.
func NewCmdSubnetSize(f *Factory, runF func(*SubnetSizeOptions) error) *cobra.Command {
	opts := &SubnetSizeOptions{IO: f.IO, Lookup: f.Lookup}
	wp := &warmPoolFlags{settings: &opts.Settings}
	var output, podsPerNode string
	c := &cobra.Command{
		Use:   "size --instance-type TYPE --nodes N",
		Short: "The smallest subnet per AZ for a node group, from the warm-pool model",
		Long: `Sizes the subnet of each AZ for a node group at peak (surge, or --max-nodes,
and with --az-failure the nodes of a lost AZ moved to the others): every node's
ENIs, addresses and /28 prefixes come from the same warm-pool model as
'eksnet warmpool', plus other consumers (load balancers, endpoints, EKS
control-plane ENIs) and headroom.

With prefix delegation, a /28 needs a whole aligned block: the worst case
assumes every single address spoils one, the expected case that they land at
random. A 'prefix' subnet CIDR reservation keeps pod blocks whole; its
suggested size leaves out the edge block it shares with the subnet.
Under custom networking the pod subnet and the node subnet are sized apart.`,
		Example: `  eksnet subnet size --instance-type m5.large --nodes 60 --azs 3 --surge 20 --prefix-delegation --pods-per-node 110 --other-addresses 15
  eksnet subnet size --instance-type m5.xlarge --nodes 30 --warm-ip-target 2 --minimum-ip-target 20 --pods-per-node 20 -o json
  eksnet subnet size --instance-type c6i.2xlarge --max-nodes 90 --azs 3 --az-failure --custom-networking --prefix-delegation`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if opts.InstanceType == "" {
				return usageErrorf("--instance-type is required")
			}
			if opts.Nodes < 1 && opts.MaxNodes < 1 {
				return usageErrorf("--nodes N (or --max-nodes N) is required: how many nodes the group runs")
			}
			if opts.Nodes < 0 || opts.MaxNodes < 0 || opts.SurgePct < 0 || opts.OtherAddresses < 0 || opts.HeadroomPct < 0 {
				return usageErrorf("--nodes, --max-nodes, --surge, --other-addresses and --headroom want 0 or more")
			}
			if opts.AZs < 1 {
				return usageErrorf("--azs %d: want 1 or more", opts.AZs)
			}
			if opts.AZFailure && opts.AZs < 2 {
				return usageErrorf("--az-failure needs --azs 2 or more: the nodes of a lost AZ go to the others")
			}
			notes, err := wp.finish(c)
			if err != nil {
				return err
			}
			opts.Notes = notes
			if opts.PodsPerNode, err = parsePodsPerNode(podsPerNode); err != nil {
				return err
			}
			if opts.Output, err = parseOutput(output, report.Table, report.JSON, report.YAML); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runSubnetSize(opts)
		},
	}
	fs := c.Flags()
	fs.StringVar(&opts.InstanceType, "instance-type", "", "instance type of the node group")
	fs.IntVar(&opts.Nodes, "nodes", 0, "nodes of the group across all AZs at steady state")
	fs.IntVar(&opts.MaxNodes, "max-nodes", 0, "nodes at peak across all AZs (instead of --nodes with --surge)")
	fs.IntVar(&opts.SurgePct, "surge", 0, "extra nodes during rolling updates and replacements, percent of --nodes")
	fs.StringVar(&podsPerNode, "pods-per-node", "max", "pods per node needing a pool address, or max")
	fs.IntVar(&opts.OtherAddresses, "other-addresses", 0, "other addresses per AZ: load balancers, endpoints, EKS control-plane ENIs")
	fs.IntVar(&opts.AZs, "azs", 3, "availability zones the nodes spread over")
	fs.BoolVar(&opts.AZFailure, "az-failure", false, "survive losing one AZ: its nodes move to the others")
	fs.IntVar(&opts.HeadroomPct, "headroom", 20, "headroom for churn and bursts, percent")
	fs.BoolVar(&opts.LastBlockUsable, "last-block-usable", false, "count the subnet's last /28 as prefix-eligible")
	wp.addFlags(fs)
	_ = c.RegisterFlagCompletionFunc("instance-type", completeInstanceTypes(f))
	addOutputFlag(c, &output, "table", "json", "yaml")
	return c
}

// subnetSizeReport is the JSON and YAML answer.
type subnetSizeReport struct {
	InstanceType    string           `json:"instanceType"`
	NodesPerAZ      int              `json:"nodesPerAz"`
	PodsPerNode     int              `json:"podsPerNode"`
	PerNode         perNodeCost      `json:"perNode"`
	PerAZ           calc.SubnetNeed  `json:"perAz"`
	NodeSubnetPerAZ *calc.SubnetNeed `json:"nodeSubnetPerAz,omitempty"`
	Warnings        []string         `json:"warnings"`
}

type perNodeCost struct {
	ENIs            int             `json:"enis"`
	SecondaryIPs    int             `json:"secondaryIps"`
	Prefixes        int             `json:"prefixes"`
	SubnetAddresses subnetAddresses `json:"subnetAddresses"`
}

func runSubnetSize(opts *SubnetSizeOptions) error {
	types, err := opts.Lookup([]string{opts.InstanceType})
	if err != nil {
		return err
	}
	it := types[0]
	if err := checkBranchPods(opts.Settings, it); err != nil {
		return err
	}
	maxPods := opts.Settings.MaxPods
	if maxPods == 0 {
		maxPods = calc.DefaultKubeletMaxPods(it.Calc(), opts.Settings)
	}
	if opts.PodsPerNode+opts.Settings.BranchPods > maxPods {
		return usageErrorf("--pods-per-node %d with %d branch pods exceeds max pods %d of %s", opts.PodsPerNode, opts.Settings.BranchPods, maxPods, it.Name)
	}
	perAZ := calc.PeakNodesPerAZ(opts.Nodes, opts.MaxNodes, opts.SurgePct, opts.AZs, opts.AZFailure)
	group := calc.NodeGroup{Name: it.Name, Instance: it.Calc(), Settings: opts.Settings, PodsPerNode: opts.PodsPerNode, NodesPerAZ: perAZ}
	sz, err := calc.SizeSubnets([]calc.NodeGroup{group}, opts.OtherAddresses, opts.HeadroomPct, opts.LastBlockUsable)
	if err != nil {
		return usageError(err)
	}
	w := sz.PerNode[0]
	rep := subnetSizeReport{
		InstanceType: it.Name, NodesPerAZ: perAZ, PodsPerNode: w.Pods,
		PerNode: perNodeCost{w.AttachedENIs, w.SecondaryIPs, w.Prefixes, subnetAddresses{w.NodeSubnetAddresses, w.PodSubnetAddresses}},
		PerAZ:   sz.PerAZ, NodeSubnetPerAZ: sz.NodeSubnet, Warnings: sz.Warnings,
	}
	if rep.Warnings == nil {
		rep.Warnings = []string{}
	}
	for _, n := range opts.Notes {
		fmt.Fprintf(opts.IO.ErrOut, "note: %s\n", n)
	}
	if opts.Output == report.JSON || opts.Output == report.YAML {
		return writeReport(opts.IO, opts.Output, report.Doc{Data: rep})
	}
	doc := report.Doc{Columns: []string{"subnet", "nodes/az", "blocks", "singles", "addresses", "worst case", "expected case", "prefix reservation"}}
	add := func(name string, need calc.SubnetNeed) {
		res := "-"
		if need.Reservation != nil {
			res = fmt.Sprintf("/%d in a /%d", need.Reservation.PrefixLength, need.Reservation.SubnetPrefixLength)
		}
		doc.Rows = append(doc.Rows, []string{name, strconv.Itoa(perAZ), strconv.Itoa(need.Blocks), strconv.Itoa(need.Singles),
			strconv.Itoa(need.Addresses), prefixLen(need.PrefixLengthWorstCase), prefixLen(need.PrefixLengthExpectedCase), res})
	}
	if sz.NodeSubnet != nil {
		add("pod", sz.PerAZ)
		add("node", *sz.NodeSubnet)
	} else {
		add("node+pod", sz.PerAZ)
	}
	if err := writeReport(opts.IO, opts.Output, doc); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "note: per node %d pods: %d ENIs, %d secondary IPs, %d prefixes; %d%% headroom included\n",
		w.Pods, w.AttachedENIs, w.SecondaryIPs, w.Prefixes, opts.HeadroomPct)
	printWarnings(opts.IO, sz.Warnings)
	return nil
}

// parsePodsPerNode reads --pods-per-node: a count, or max (-1).
func parsePodsPerNode(s string) (int, error) {
	if s == "max" {
		return -1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, usageErrorf("--pods-per-node %q: want a count or max", s)
	}
	return n, nil
}

func prefixLen(bits int) string {
	if bits == 0 {
		return "none"
	}
	return "/" + strconv.Itoa(bits)
}
