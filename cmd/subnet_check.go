package cmd

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/eksnet/eksnet/calc"
	"github.com/eksnet/eksnet/cidr"
	"github.com/eksnet/eksnet/cidr/live"
	"github.com/eksnet/eksnet/instancedata"
	"github.com/eksnet/eksnet/report"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// SubnetCheckOptions is what `subnet check` was asked.
type SubnetCheckOptions struct {
	IO     *IOStreams
	Lookup func(names []string) ([]instancedata.InstanceType, error)

	Query   live.Query
	Cluster string
	liveSource

	// Node profile for headroom: empty InstanceType means none.
	InstanceType string
	Settings     calc.WarmPoolSettings
	PodsPerNode  int // -1: max pods

	LastBlockUsable  bool
	Map              bool
	MinFreePrefixes  int
	MinHeadroomNodes int
	Output           report.Format
}

// NewCmdSubnetCheck builds `eksnet subnet check`.
func NewCmdSubnetCheck(f *Factory, runF func(context.Context, *SubnetCheckOptions) error) *cobra.Command {
	opts := &SubnetCheckOptions{IO: f.IO, Lookup: f.Lookup}
	wp := &warmPoolFlags{settings: &opts.Settings}
	var output, podsPerNode string
	c := &cobra.Command{
		Use:   "check (--subnet-id ID... | --vpc-id ID | --cluster NAME | --from-file FILE...)",
		Short: "How many /28 prefixes still fit in real subnets, and where the fragmentation is",
		Long: `Reads subnets, their ENIs and their CIDR reservations from EC2 (read-only:
DescribeSubnets, DescribeNetworkInterfaces, GetSubnetCidrReservations) and
classifies every /28: AWS-reserved, delegated, in use, explicit-reserved,
straddling a reservation, free inside a prefix reservation, or free.

Per subnet: EC2's free-address count beside eksnet's prediction, blocks by
state, allocatable prefixes, longest free run, stranded addresses, the owners
that alone spoil blocks, and with --instance-type the nodes that still fit.
--min-free-prefixes and --min-headroom-nodes turn it into a gate (exit 1).

--from-file reads saved 'aws ec2 describe-subnets', 'describe-network-interfaces'
and 'get-subnet-cidr-reservations' JSON instead, for CI without credentials.

Needs ec2:DescribeSubnets, ec2:DescribeNetworkInterfaces and
ec2:GetSubnetCidrReservations (not in AmazonEC2ReadOnlyAccess; without it
eksnet warns and goes on).`,
		Example: `  eksnet subnet check --vpc-id vpc-0abc --region us-east-1
  eksnet subnet check --subnet-id subnet-0a --subnet-id subnet-0b --map
  eksnet subnet check --cluster prod --instance-type m5.large --prefix-delegation
  eksnet subnet check --vpc-id vpc-0abc --instance-type m5.large --prefix-delegation --min-headroom-nodes 10
  eksnet subnet check --from-file subnets.json --from-file enis.json --from-file reservations.json -o json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			sources := 0
			for _, set := range []bool{len(opts.Query.SubnetIDs) > 0, opts.Query.VPCID != "", opts.Cluster != ""} {
				if set {
					sources++
				}
			}
			if sources == 0 && len(opts.FromFiles) == 0 {
				return usageErrorf("say which subnets: --subnet-id, --vpc-id, --cluster or --from-file")
			}
			if sources > 1 {
				return usageErrorf("--subnet-id, --vpc-id and --cluster go separately")
			}
			if opts.Cluster != "" && len(opts.FromFiles) > 0 {
				return usageErrorf("--cluster asks EKS; with --from-file, select subnets with --subnet-id or --vpc-id")
			}
			if opts.MinFreePrefixes < 0 || opts.MinHeadroomNodes < 0 {
				return usageErrorf("--min-free-prefixes and --min-headroom-nodes want 0 or more")
			}
			if c.Flags().Changed("min-headroom-nodes") && opts.InstanceType == "" {
				return usageErrorf("--min-headroom-nodes needs --instance-type: the node profile whose headroom is checked")
			}
			if _, err := wp.finish(c); err != nil {
				return err
			}
			var err error
			if opts.PodsPerNode, err = parsePodsPerNode(podsPerNode); err != nil {
				return err
			}
			if opts.Output, err = parseOutput(output, report.Table, report.JSON, report.YAML); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return runSubnetCheck(c.Context(), opts)
		},
	}
	fs := c.Flags()
	fs.StringSliceVar(&opts.Query.SubnetIDs, "subnet-id", nil, "subnet to check (repeatable)")
	fs.StringVar(&opts.Query.VPCID, "vpc-id", "", "check every subnet of this VPC")
	fs.StringVar(&opts.Cluster, "cluster", "", "check the subnets of this EKS cluster (eks:DescribeCluster)")
	opts.liveSource.addFlags(fs)
	fs.StringVar(&opts.InstanceType, "instance-type", "", "node profile for headroom: how many more such nodes fit")
	fs.StringVar(&podsPerNode, "pods-per-node", "max", "pods per new node, or max")
	wp.addFlags(fs)
	fs.BoolVar(&opts.LastBlockUsable, "last-block-usable", false, "count each subnet's last /28 as prefix-eligible")
	fs.BoolVar(&opts.Map, "map", false, "draw each subnet as one glyph per /28")
	fs.IntVar(&opts.MinFreePrefixes, "min-free-prefixes", 0, "gate: exit 1 if a subnet has fewer allocatable /28 prefixes")
	fs.IntVar(&opts.MinHeadroomNodes, "min-headroom-nodes", 0, "gate: exit 1 if fewer nodes of --instance-type fit in a subnet")
	_ = c.RegisterFlagCompletionFunc("instance-type", completeInstanceTypes(f))
	addOutputFlag(c, &output, "table", "json", "yaml")
	return c
}

// subnetCheckRow is one subnet's answer as JSON and YAML show it.
type subnetCheckRow struct {
	SubnetID               string         `json:"subnetId"`
	CIDR                   string         `json:"cidr"`
	AvailabilityZone       string         `json:"availabilityZone"`
	AWSFreeAddresses       int            `json:"awsFreeAddresses"`
	PredictedFreeAddresses int            `json:"predictedFreeAddresses"`
	FreeAddressDifference  int            `json:"freeAddressDifference"`
	AllocatablePrefixes    int            `json:"allocatablePrefixes"`
	FreeReservedBlocks     int            `json:"freeReservedBlocks"`
	FreeGeneralBlocks      int            `json:"freeGeneralBlocks"`
	InUseBlocks            int            `json:"inUseBlocks"`
	DelegatedBlocks        int            `json:"delegatedBlocks"`
	ExplicitReservedBlocks int            `json:"explicitReservedBlocks"`
	StraddlingBlocks       int            `json:"straddlingBlocks"`
	AWSReservedBlocks      int            `json:"awsReservedBlocks"`
	LongestFreeRun         int            `json:"longestFreeRun"`
	StrandedAddresses      int            `json:"strandedAddresses"`
	Fragmentation          float64        `json:"fragmentation"`
	ENIs                   int            `json:"enis"`
	HeadroomNodes          *int           `json:"headroomNodes,omitempty"`
	TopSpoilers            []cidr.Spoiler `json:"topSpoilers"`
	Warnings               []string       `json:"warnings"`
	analysis               cidr.Analysis
}

// topSpoilers is how many blocks spoiled by a single owner are listed.
const topSpoilers = 5

func runSubnetCheck(ctx context.Context, opts *SubnetCheckOptions) error {
	// The node profile first: a bad type should not cost a scan.
	var blocksPerNode, singlesPerNode int
	if opts.InstanceType != "" {
		types, err := opts.Lookup([]string{opts.InstanceType})
		if err != nil {
			return err
		}
		if err := checkBranchPods(opts.Settings, types[0]); err != nil {
			return err
		}
		sz, err := calc.SizeSubnets([]calc.NodeGroup{{Name: types[0].Name, Instance: types[0].Calc(), Settings: opts.Settings, PodsPerNode: opts.PodsPerNode, NodesPerAZ: 1}}, 0, 0, opts.LastBlockUsable)
		if err != nil {
			return usageError(err)
		}
		blocksPerNode, singlesPerNode = sz.PerAZ.Blocks, sz.PerAZ.Singles
	}

	if opts.Cluster != "" {
		cfg, err := awsConfig(ctx, opts.AWS)
		if err != nil {
			return err
		}
		eksClient := eks.NewFromConfig(cfg, func(o *eks.Options) {
			if opts.AWS.EndpointURL != "" {
				o.BaseEndpoint = aws.String(opts.AWS.EndpointURL)
			}
		})
		if opts.Query.SubnetIDs, err = live.ClusterSubnets(ctx, eksClient, opts.Cluster); err != nil {
			return explainAWSError(err)
		}
	}
	subnets, err := opts.liveSource.read(ctx, opts.IO, opts.Query)
	if err != nil {
		return err
	}

	var rows []subnetCheckRow
	var failures []string
	for _, s := range subnets {
		row := subnetCheckRow{SubnetID: s.ID, AvailabilityZone: s.AvailabilityZone, AWSFreeAddresses: s.AvailableAddresses, ENIs: s.ENIs, Warnings: s.Warnings, TopSpoilers: []cidr.Spoiler{}}
		if s.IPv6Only {
			rows = append(rows, row)
			continue
		}
		s.Usage.LastBlockUsable = opts.LastBlockUsable
		a, err := cidr.Analyze(s.Usage)
		if err != nil {
			row.Warnings = append(row.Warnings, err.Error())
			rows = append(rows, row)
			continue
		}
		row.analysis = a
		row.CIDR = a.CIDR.String()
		row.PredictedFreeAddresses = a.PredictedFreeAddresses
		row.FreeAddressDifference = s.AvailableAddresses - a.PredictedFreeAddresses
		row.AllocatablePrefixes = a.AllocatablePrefixes
		row.FreeReservedBlocks, row.FreeGeneralBlocks = a.Counts[cidr.FreeReserved], a.Counts[cidr.FreeGeneral]
		row.InUseBlocks, row.DelegatedBlocks = a.Counts[cidr.InUse], a.Counts[cidr.Delegated]
		row.ExplicitReservedBlocks, row.StraddlingBlocks, row.AWSReservedBlocks = a.Counts[cidr.ExplicitReserved], a.Counts[cidr.Straddling], a.Counts[cidr.AWSReserved]
		row.LongestFreeRun, row.StrandedAddresses, row.Fragmentation = a.LongestFreeRun, a.StrandedAddresses, a.Fragmentation
		row.TopSpoilers = a.Spoilers[:min(topSpoilers, len(a.Spoilers))]
		row.Warnings = append(row.Warnings, a.Anomalies...)
		hasReservations := len(s.Usage.Reservations) > 0
		switch d := row.FreeAddressDifference; {
		case d < 0 && hasReservations:
			row.Warnings = append(row.Warnings, fmt.Sprintf("EC2 counts %d fewer free addresses than predicted: it may subtract reservations (undocumented), or ENIs this caller cannot see (shared VPC, requester-managed) spoil blocks eksnet counts as free", -d))
		case d < 0:
			row.Warnings = append(row.Warnings, fmt.Sprintf("EC2 counts %d more addresses in use than the ENIs this caller can see (shared-VPC participants' or requester-managed ENIs): blocks may be spoiled that eksnet counts as free", -d))
		case d > 0:
			row.Warnings = append(row.Warnings, fmt.Sprintf("EC2 counts %d more free addresses than predicted: how EC2 accounts for reservations is not documented", d))
		}
		if opts.InstanceType != "" {
			n := a.HeadroomNodes(blocksPerNode, singlesPerNode)
			row.HeadroomNodes = &n
			if c := opts.MinHeadroomNodes; c > 0 && n < c {
				failures = append(failures, fmt.Sprintf("%s: %d more %s nodes fit, want at least %d", s.ID, n, opts.InstanceType, c))
			}
		}
		if c := opts.MinFreePrefixes; c > 0 && a.AllocatablePrefixes < c {
			failures = append(failures, fmt.Sprintf("%s: %d allocatable /28 prefixes, want at least %d", s.ID, a.AllocatablePrefixes, c))
		}
		rows = append(rows, row)
	}

	if opts.Output == report.JSON || opts.Output == report.YAML {
		if err := writeReport(opts.IO, opts.Output, report.Doc{Data: rows}); err != nil {
			return err
		}
	} else {
		if err := writeReport(opts.IO, opts.Output, subnetCheckTable(rows, opts.InstanceType != "")); err != nil {
			return err
		}
		if opts.Map {
			for _, r := range rows {
				writeBlockMap(opts.IO, r)
			}
		}
		for _, r := range rows {
			for _, w := range r.Warnings {
				fmt.Fprintf(opts.IO.ErrOut, "warning: %s: %s\n", r.SubnetID, w)
			}
			for _, sp := range r.TopSpoilers {
				fmt.Fprintf(opts.IO.ErrOut, "note: %s: %s alone holds %s (%d address(es)); draining it frees the block\n", r.SubnetID, sp.Owner, sp.Block, sp.Addresses)
			}
		}
	}
	if len(failures) > 0 {
		return &ExitError{ExitCheckFailed, fmt.Errorf("check failed: %s", strings.Join(failures, "; "))}
	}
	return nil
}

func subnetCheckTable(rows []subnetCheckRow, headroom bool) report.Doc {
	cols := []string{"subnet", "cidr", "az", "aws free", "predicted free", "difference", "prefixes", "free reserved", "free general", "in use", "delegated", "explicit", "longest run", "stranded"}
	if headroom {
		cols = append(cols, "headroom nodes")
	}
	doc := report.Doc{Columns: cols}
	for _, r := range rows {
		row := []string{r.SubnetID, orDash(r.CIDR), r.AvailabilityZone, strconv.Itoa(r.AWSFreeAddresses), strconv.Itoa(r.PredictedFreeAddresses),
			strconv.Itoa(r.FreeAddressDifference), strconv.Itoa(r.AllocatablePrefixes), strconv.Itoa(r.FreeReservedBlocks), strconv.Itoa(r.FreeGeneralBlocks),
			strconv.Itoa(r.InUseBlocks), strconv.Itoa(r.DelegatedBlocks), strconv.Itoa(r.ExplicitReservedBlocks), strconv.Itoa(r.LongestFreeRun), strconv.Itoa(r.StrandedAddresses)}
		if headroom {
			h := "-"
			if r.HeadroomNodes != nil {
				h = strconv.Itoa(*r.HeadroomNodes)
			}
			row = append(row, h)
		}
		doc.Rows = append(doc.Rows, row)
	}
	return doc
}

// blockGlyphs draw a block map: one glyph per /28.
var blockGlyphs = [...]byte{cidr.AWSReserved: 'A', cidr.Delegated: 'P', cidr.InUse: '#', cidr.ExplicitReserved: 'X', cidr.Straddling: '~', cidr.FreeReserved: 'o', cidr.FreeGeneral: '.'}

// mapWidth blocks per line keeps a line under 80 columns with its label.
const mapWidth = 64

func writeBlockMap(io *IOStreams, r subnetCheckRow) {
	a := r.analysis
	if len(a.Blocks) == 0 {
		return
	}
	fmt.Fprintf(io.Out, "\n%s %s, one glyph per /28, %d per line:\n", r.SubnetID, r.CIDR, mapWidth)
	for i := 0; i < len(a.Blocks); i += mapWidth {
		line := make([]byte, 0, mapWidth)
		for _, s := range a.Blocks[i:min(i+mapWidth, len(a.Blocks))] {
			line = append(line, blockGlyphs[s])
		}
		fmt.Fprintf(io.Out, "%-15s %s\n", cidr.BlockAt(a.CIDR, i).Addr(), line)
	}
	fmt.Fprintln(io.Out, "A aws-reserved  P delegated  # in use  X explicit-reserved  ~ straddling  o free (reserved)  . free")
}

// liveSource is where subnets are read from: EC2, or saved AWS CLI JSON
// (--from-file) for CI without credentials.
type liveSource struct {
	FromFiles []string
	AWS       AWSOptions
	// API replaces EC2 in tests; nil means a client from AWS.
	API live.EC2API
}

func (s *liveSource) addFlags(fs *pflag.FlagSet) {
	fs.StringSliceVar(&s.FromFiles, "from-file", nil, "saved AWS CLI JSON to read instead of EC2 (repeatable)")
	s.AWS.addFlags(fs)
}

// read describes the subnets of q, showing progress on a terminal. Errors are
// one line: bad files and subnets that do not exist are input errors, AWS
// failures environment errors.
func (s *liveSource) read(ctx context.Context, io *IOStreams, q live.Query) ([]live.Subnet, error) {
	api := s.API
	if api == nil && len(s.FromFiles) > 0 {
		files := &live.Files{}
		for _, name := range s.FromFiles {
			data, err := os.ReadFile(name)
			if err != nil {
				return nil, usageErrorf("--from-file %s: %v", name, err)
			}
			if err := files.Add(name, data); err != nil {
				return nil, usageErrorf("--from-file %v", err)
			}
		}
		api = files
	}
	if api == nil {
		client, err := newEC2Client(ctx, s.AWS, "")
		if err != nil {
			return nil, err
		}
		api = client
	}
	var progress func(string, int)
	if io.ErrTerminal {
		progress = func(id string, enis int) { fmt.Fprintf(io.ErrOut, "\r\033[Kreading %s: %d ENIs", id, enis) }
	}
	subnets, err := live.Read(ctx, api, q, progress)
	if progress != nil {
		fmt.Fprint(io.ErrOut, "\r\033[K")
	}
	if err != nil {
		if len(s.FromFiles) > 0 {
			return nil, usageErrorf("--from-file: %v", err)
		}
		if strings.HasPrefix(err.Error(), "no subnets found") {
			return nil, usageError(err)
		}
		return nil, explainAWSError(err)
	}
	return subnets, nil
}
