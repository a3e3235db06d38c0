package cmd

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/eksnet/eksnet/instancedata"
	"github.com/eksnet/eksnet/report"
	"github.com/spf13/cobra"
)

// NewCmdInstanceData builds `eksnet instancedata` and its subcommands.
func NewCmdInstanceData(f *Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "instancedata",
		Short: "Show, list and regenerate the EC2 instance-limit table",
		Long: `The instance-limit table holds, per EC2 instance type, what max pods and warm
pools depend on: vCPUs, hypervisor, bare metal, ENIs per network card, IPv4
and IPv6 addresses per ENI, EFA interfaces, and the security-groups-for-pods
branch ENI limit. eksnet embeds one; 'pull' writes a fresh one from EC2, which
--instance-data FILE then uses instead.`,
	}
	c.AddCommand(newCmdInstanceDataShow(f, nil), newCmdInstanceDataList(f, nil), NewCmdInstanceDataPull(f, nil))
	return c
}

// InstanceDataShowOptions is what `instancedata show` was asked.
type InstanceDataShowOptions struct {
	IO     *IOStreams
	Lookup func(names []string) ([]instancedata.InstanceType, error)
	Names  []string
	Output report.Format
}

func newCmdInstanceDataShow(f *Factory, runF func(*InstanceDataShowOptions) error) *cobra.Command {
	opts := &InstanceDataShowOptions{IO: f.IO, Lookup: f.Lookup}
	var output string
	c := &cobra.Command{
		Use:               "show TYPE...",
		Short:             "Everything the table knows about instance types",
		Example:           "  eksnet instancedata show m5.large p5.48xlarge\n  eksnet instancedata show u-6tb1.metal -o json",
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: completeInstanceTypes(f),
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Names = args
			var err error
			if opts.Output, err = parseOutput(output, report.Table, report.JSON, report.YAML); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runInstanceDataShow(opts)
		},
	}
	addOutputFlag(c, &output, "table", "json", "yaml")
	return c
}

func runInstanceDataShow(opts *InstanceDataShowOptions) error {
	types, err := opts.Lookup(opts.Names)
	if err != nil {
		return err
	}
	if opts.Output == report.JSON || opts.Output == report.YAML {
		return writeReport(opts.IO, opts.Output, report.Doc{Data: types})
	}
	// One column per type, one row per field: types side by side compare well.
	doc := report.Doc{Columns: []string{"field"}, KeepHeaderCase: true}
	for _, t := range types {
		doc.Columns = append(doc.Columns, t.Name)
	}
	add := func(name string, val func(instancedata.InstanceType) string) {
		row := []string{name}
		for _, t := range types {
			row = append(row, val(t))
		}
		doc.Rows = append(doc.Rows, row)
	}
	add("vcpus", func(t instancedata.InstanceType) string { return optInt(t.VCPUs) })
	add("memory MiB", func(t instancedata.InstanceType) string { return optInt(t.MemoryMiB) })
	add("hypervisor", func(t instancedata.InstanceType) string { return orNone(t.Hypervisor) })
	add("bare metal", func(t instancedata.InstanceType) string { return strconv.FormatBool(t.BareMetal) })
	add("ENIs (default card)", func(t instancedata.InstanceType) string { return strconv.Itoa(t.DefaultCardENIs()) })
	add("ENIs (all cards)", func(t instancedata.InstanceType) string { return strconv.Itoa(t.MaxENIs) })
	add("network cards", func(t instancedata.InstanceType) string { return strconv.Itoa(len(t.NetworkCardENIs)) })
	add("default card index", func(t instancedata.InstanceType) string { return strconv.Itoa(t.DefaultNetworkCard) })
	add("IPv4 per ENI", func(t instancedata.InstanceType) string { return strconv.Itoa(t.IPv4PerENI) })
	add("IPv6 per ENI", func(t instancedata.InstanceType) string { return optInt(t.IPv6PerENI) })
	add("IPv6 supported", func(t instancedata.InstanceType) string {
		if t.IPv6Supported == nil {
			return "unknown"
		}
		return strconv.FormatBool(*t.IPv6Supported)
	})
	add("EFA interfaces", func(t instancedata.InstanceType) string { return strconv.Itoa(t.EFAMaxInterfaces) })
	add("trunk compatible", func(t instancedata.InstanceType) string { return strconv.FormatBool(t.TrunkCompatible) })
	add("branch ENIs", func(t instancedata.InstanceType) string { return strconv.Itoa(t.BranchENIs) })
	add("source", func(t instancedata.InstanceType) string {
		if t.Supplemented {
			return "supplement"
		}
		return "ec2"
	})
	return writeReport(opts.IO, opts.Output, doc)
}

func optInt(p *int) string {
	if p == nil {
		return "unknown"
	}
	return strconv.Itoa(*p)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// InstanceDataListOptions is what `instancedata list` was asked.
type InstanceDataListOptions struct {
	IO       *IOStreams
	Table    func() (*instancedata.Table, error)
	Families []string
	Filters  []instancedata.Filter
	Output   report.Format
}

func newCmdInstanceDataList(f *Factory, runF func(*InstanceDataListOptions) error) *cobra.Command {
	opts := &InstanceDataListOptions{IO: f.IO, Table: f.Table}
	var output string
	var filters []string
	c := &cobra.Command{
		Use:   "list",
		Short: "List instance types, optionally by family or filter",
		Long: `List instance types with their network limits.

--filter takes KEY OP VALUE, with OP one of = != < <= > >= and KEY a JSON field
of the table (vcpus, memoryMiB, hypervisor, bareMetal, ipv4PerEni,
trunkCompatible, branchEnis, supplemented, ...) or family. Filters combine
with AND; an unknown figure matches only !=.`,
		Example: `  eksnet instancedata list --family m5
  eksnet instancedata list --filter 'vcpus>=64' --filter hypervisor=nitro
  eksnet instancedata list --filter supplemented=true -o csv`,
		Args: cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			for _, expr := range filters {
				fl, err := instancedata.ParseFilter(expr)
				if err != nil {
					return usageError(err)
				}
				opts.Filters = append(opts.Filters, fl)
			}
			var err error
			if opts.Output, err = parseOutput(output, report.Table, report.JSON, report.YAML, report.CSV); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runInstanceDataList(opts)
		},
	}
	c.Flags().StringSliceVar(&opts.Families, "family", nil, "only these families, such as m5 (repeatable)")
	c.Flags().StringArrayVar(&filters, "filter", nil, "KEY OP VALUE condition, such as vcpus>=8 (repeatable)")
	_ = c.RegisterFlagCompletionFunc("family", completeFamilies(f))
	addOutputFlag(c, &output, "table", "json", "yaml", "csv")
	return c
}

func runInstanceDataList(opts *InstanceDataListOptions) error {
	tb, err := opts.Table()
	if err != nil {
		return err
	}
	types, err := selectTypes(tb, nil, opts.Families, len(opts.Families) == 0)
	if err != nil {
		return err
	}
	var kept []instancedata.InstanceType
	for _, t := range types {
		ok := true
		for _, fl := range opts.Filters {
			ok = ok && fl.Match(t)
		}
		if ok {
			kept = append(kept, t)
		}
	}
	if kept == nil {
		kept = []instancedata.InstanceType{}
	}
	if opts.Output == report.JSON || opts.Output == report.YAML {
		return writeReport(opts.IO, opts.Output, report.Doc{Data: kept})
	}
	doc := report.Doc{Columns: []string{"type", "vcpus", "memory MiB", "hypervisor", "metal", "enis", "cards", "ipv4/eni", "ipv6/eni", "efa", "trunk", "branch enis", "source"}}
	for _, t := range kept {
		src := "ec2"
		if t.Supplemented {
			src = "supplement"
		}
		doc.Rows = append(doc.Rows, []string{t.Name, optInt(t.VCPUs), optInt(t.MemoryMiB), orNone(t.Hypervisor),
			strconv.FormatBool(t.BareMetal), strconv.Itoa(t.DefaultCardENIs()), strconv.Itoa(len(t.NetworkCardENIs)),
			strconv.Itoa(t.IPv4PerENI), optInt(t.IPv6PerENI), strconv.Itoa(t.EFAMaxInterfaces),
			strconv.FormatBool(t.TrunkCompatible), strconv.Itoa(t.BranchENIs), src})
	}
	return writeReport(opts.IO, opts.Output, doc)
}

// InstanceDataPullOptions is what `instancedata pull` was asked.
type InstanceDataPullOptions struct {
	IO         *IOStreams
	Known      func() (*instancedata.Table, error)
	AWS        AWSOptions
	AllRegions bool
	Out        string
	// SupplementFile and BranchFile replace the embedded supplement and the
	// branch limits carried over from the table in use.
	SupplementFile string
	BranchFile     string
	Now            func() time.Time
}

// pullConcurrency bounds the regions read at once: enough to finish a
// 30-region sweep quickly, few enough not to provoke throttling.
const pullConcurrency = 4

// NewCmdInstanceDataPull builds `eksnet instancedata pull`.
func NewCmdInstanceDataPull(f *Factory, runF func(context.Context, *InstanceDataPullOptions) error) *cobra.Command {
	opts := &InstanceDataPullOptions{IO: f.IO, Known: f.Table, Now: time.Now}
	c := &cobra.Command{
		Use:   "pull --out FILE",
		Short: "Write a fresh instance table from EC2 DescribeInstanceTypes",
		Long: `Pages DescribeInstanceTypes (one region, or every region with --all-regions,
reporting figures on which regions disagree), merges the supplement of types
EC2 does not return and the security-groups-for-pods branch ENI limits, and
writes the table to FILE atomically. Use it with --instance-data FILE.

Needs ec2:DescribeInstanceTypes (and ec2:DescribeRegions for --all-regions).`,
		Example: `  eksnet instancedata pull --region us-east-1 --out instance-types.json
  eksnet instancedata pull --all-regions --region us-east-1 --out instance-types.json
  eksnet maxpods --instance-data instance-types.json c9g.large`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if opts.Out == "" {
				return usageErrorf("--out FILE is required: where to write the table")
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return runInstanceDataPull(c.Context(), opts)
		},
	}
	fs := c.Flags()
	opts.AWS.addFlags(fs)
	fs.BoolVar(&opts.AllRegions, "all-regions", false, "read every region from DescribeRegions and merge")
	fs.StringVar(&opts.Out, "out", "", "file to write (atomically)")
	fs.StringVar(&opts.SupplementFile, "supplement", "", "supplement JSON of types EC2 does not return (default: the embedded one)")
	fs.StringVar(&opts.BranchFile, "branch-limits", "", "branch ENI limits CSV (instance_type,trunking_compatible,branch_interfaces; default: from the table in use)")
	_ = c.MarkFlagFilename("out", "json")
	_ = c.MarkFlagFilename("supplement", "json")
	_ = c.MarkFlagFilename("branch-limits", "csv")
	return c
}

func runInstanceDataPull(ctx context.Context, opts *InstanceDataPullOptions) error {
	known, err := opts.Known()
	if err != nil {
		return err
	}
	sup, err := loadSupplement(opts.SupplementFile)
	if err != nil {
		return err
	}
	branches, branchSource := known.BranchLimits(), known.BranchSource
	if opts.BranchFile != "" {
		if branches, branchSource, err = loadBranchCSV(opts.BranchFile); err != nil {
			return err
		}
	}

	home, err := newEC2Client(ctx, opts.AWS, "")
	if err != nil {
		return err
	}
	regions := []string{home.Options().Region}
	if opts.AllRegions {
		if regions, err = instancedata.FetchRegions(ctx, home); err != nil {
			return explainAWSError(err)
		}
	}

	perRegion := make(map[string][]instancedata.InstanceType, len(regions))
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, pullConcurrency)
	var wg sync.WaitGroup
	for _, region := range regions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			client, err := newEC2Client(ctx, opts.AWS, region)
			var types []instancedata.InstanceType
			if err == nil {
				types, err = instancedata.FetchInstanceTypes(ctx, client, nil)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = explainAWSError(err)
			}
			perRegion[region] = types
			if opts.IO.ErrTerminal {
				fmt.Fprintf(opts.IO.ErrOut, "\r%d of %d regions read", len(perRegion), len(regions))
			}
		}()
	}
	wg.Wait()
	if opts.IO.ErrTerminal {
		fmt.Fprintln(opts.IO.ErrOut)
	}
	if firstErr != nil {
		// A partial catalogue would silently drop types: write nothing.
		return firstErr
	}

	merged, conflicts := instancedata.MergeRegions(perRegion)
	for _, cf := range conflicts {
		fmt.Fprintf(opts.IO.ErrOut, "warning: regions disagree: %s\n", cf)
	}
	if len(merged) == 0 {
		return environmentErrorf("EC2 returned no instance types in %s: nothing written", strings.Join(regions, ", "))
	}
	tb, obsolete := instancedata.Build(merged, sup, branches)
	for _, name := range obsolete {
		fmt.Fprintf(opts.IO.ErrOut, "note: %s is in the supplement but EC2 now describes it; EC2's figures were used\n", name)
	}
	tb.Source = "ec2:DescribeInstanceTypes"
	if opts.AWS.EndpointURL != "" || os.Getenv("AWS_ENDPOINT_URL_EC2") != "" || os.Getenv("AWS_ENDPOINT_URL") != "" {
		tb.Source += " at an endpoint override (not AWS itself)"
	}
	tb.Generated = opts.Now().UTC().Format(time.DateOnly)
	tb.Regions = regions
	tb.BranchSource = branchSource
	if err := tb.Validate(); err != nil {
		return environmentErrorf("EC2 data failed validation, nothing written: %v", err)
	}
	var buf bytes.Buffer
	if err := tb.Encode(&buf); err != nil {
		return environmentErrorf("encoding the table: %v", err)
	}
	if err := writeFileAtomic(opts.Out, buf.Bytes()); err != nil {
		return environmentErrorf("writing %s: %v", opts.Out, err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "wrote %d instance types to %s (%d from EC2 in %d region(s), %d supplemented)\n",
		len(tb.InstanceTypes), opts.Out, len(merged), len(regions), len(tb.InstanceTypes)-len(merged))
	return nil
}

func loadSupplement(path string) (instancedata.Supplement, error) {
	data := instancedata.EmbeddedSupplement
	if path != "" {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			return instancedata.Supplement{}, usageErrorf("--supplement %s: %v", path, err)
		}
	}
	sup, err := instancedata.DecodeSupplement(data)
	if err != nil {
		return sup, usageErrorf("--supplement %s: %v", path, err)
	}
	return sup, nil
}

// loadBranchCSV reads the branch limits and takes the file's leading comment
// as the statement of where they were published.
func loadBranchCSV(path string) (map[string]instancedata.BranchLimit, string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", usageErrorf("--branch-limits %s: %v", path, err)
	}
	branches, err := instancedata.ParseBranchCSV(bytes.NewReader(data))
	if err != nil {
		return nil, "", usageErrorf("--branch-limits %s: %v", path, err)
	}
	var comment []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() && strings.HasPrefix(sc.Text(), "#") {
		comment = append(comment, strings.TrimSpace(strings.TrimPrefix(sc.Text(), "#")))
	}
	source := strings.Join(comment, " ")
	if source == "" {
		source = path
	}
	return branches, source, nil
}

// parseOutput checks -o against what a command offers.
func parseOutput(s string, allowed ...report.Format) (report.Format, error) {
	if s == "" {
		return "", nil
	}
	f, err := report.ParseFormat(s, allowed...)
	if err != nil {
		return "", usageError(err)
	}
	return f, nil
}

func addOutputFlag(c *cobra.Command, p *string, formats ...string) {
	c.Flags().StringVarP(p, "output", "o", "", "output format: "+strings.Join(formats, ", "))
	_ = c.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(formats, cobra.ShellCompDirectiveNoFileComp))
}
