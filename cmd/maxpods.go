package cmd

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/eksnet/eksnet/calc"
	"github.com/eksnet/eksnet/instancedata"
	"github.com/eksnet/eksnet/report"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// MaxPodsOptions is what `eksnet maxpods` was asked.
type MaxPodsOptions struct {
	IO     *IOStreams
	Table  func() (*instancedata.Table, error)
	Select func(names, families []string, all bool) ([]instancedata.InstanceType, error)

	Names    []string
	All      bool
	Families []string

	Settings       calc.MaxPodsOptions
	ShowMaxAllowed bool

	Source string // embedded or ec2
	AWS    AWSOptions

	Output report.Format // empty: a table, or the bare number for one type in a pipe
	// ListFormat "eni-max-pods" prints `TYPE N` lines like eni-max-pods.txt.
	ListFormat string
}

// calculatorFlagNames maps the flag names of AWS's max-pods-calculator.sh to
// eksnet's, so scripts can switch tools without rewriting their flags.
var calculatorFlagNames = map[string]string{
	"cni-custom-networking-enabled": "custom-networking",
	"cni-prefix-delegation-enabled": "prefix-delegation",
	"cni-max-eni":                   "max-eni",
}

// NewCmdMaxPods builds `eksnet maxpods`. runF replaces the run function in tests.
func NewCmdMaxPods(f *Factory, runF func(context.Context, *MaxPodsOptions) error) *cobra.Command {
	opts := &MaxPodsOptions{IO: f.IO, Table: f.Table, Select: f.Select}
	mp := &maxPodsFlags{settings: &opts.Settings}
	var output string
	c := &cobra.Command{
		Use:   "maxpods [TYPE...]",
		Short: "Max pods per instance type, as AWS's max-pods calculator computes it",
		Long: `Max pods per EC2 instance type with the AWS VPC CNI.

Only the ENIs of the default network card count. Secondary-IP mode gives
ENIs x (IPv4 per ENI - 1) + 2; custom networking leaves the primary ENI out;
prefix delegation puts a /28 (16 addresses) in every secondary slot, on Nitro
and bare metal with VPC CNI 1.9.0 or later. The recommended value is capped at
110 for types with up to 30 vCPUs and at 250 above, in every mode;
--show-max-allowed prints the uncapped value.

The flag names of AWS's max-pods-calculator.sh are accepted too:
--instance-type, --cni-version, --cni-custom-networking-enabled,
--cni-prefix-delegation-enabled, --cni-max-eni, --show-max-allowed.
With one type and stdout not a terminal, only the number is printed, as the
calculator did.`,
		Example: `  eksnet maxpods m5.large
  eksnet maxpods m5.large --prefix-delegation --cni-version 1.18.0
  eksnet maxpods --instance-type m5.4xlarge --cni-custom-networking-enabled --show-max-allowed
  eksnet maxpods --family c6in -o json
  eksnet maxpods --all --show-max-allowed --format eni-max-pods > eni-max-pods.txt
  MAX_PODS=$(eksnet maxpods m5.large --prefix-delegation)`,
		ValidArgsFunction: completeInstanceTypes(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Names = append(opts.Names, args...)
			if len(opts.Names) == 0 && !opts.All && len(opts.Families) == 0 {
				return usageErrorf("name an instance type (eksnet maxpods m5.large), or use --family or --all")
			}
			if opts.All && (len(opts.Names) > 0 || len(opts.Families) > 0) {
				return usageErrorf("--all takes no instance types or families")
			}
			if err := mp.finish(c); err != nil {
				return err
			}
			if opts.Source != "embedded" && opts.Source != "ec2" {
				return usageErrorf("--source %q: want embedded or ec2", opts.Source)
			}
			if output != "" && opts.ListFormat != "" {
				return usageErrorf("-o and --format go separately: --format eni-max-pods prints its own layout")
			}
			var err error
			if opts.Output, err = parseOutput(output, report.Table, report.JSON, report.YAML, report.CSV); err != nil {
				return err
			}
			if opts.ListFormat != "" && opts.ListFormat != "eni-max-pods" {
				return usageErrorf("--format %q: want eni-max-pods", opts.ListFormat)
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return runMaxPods(c.Context(), opts)
		},
	}
	fs := c.Flags()
	fs.StringSliceVar(&opts.Names, "instance-type", nil, "instance type (repeatable; same as the TYPE arguments)")
	fs.BoolVar(&opts.All, "all", false, "every instance type in the table")
	fs.BoolVar(&opts.ShowMaxAllowed, "show-max-allowed", false, "report the uncapped value instead of the 110/250-capped one")
	fs.StringSliceVar(&opts.Families, "family", nil, "every type of an instance family, such as m5 (repeatable)")
	mp.addFlags(fs)
	fs.StringVar(&opts.Source, "source", "embedded", "where instance limits come from: embedded (the table) or ec2 (DescribeInstanceTypes, live)")
	opts.AWS.addFlags(fs)
	addOutputFlag(c, &output, "table", "json", "yaml", "csv")
	fs.StringVar(&opts.ListFormat, "format", "", "eni-max-pods: `TYPE N` lines in the layout of eni-max-pods.txt")
	_ = c.RegisterFlagCompletionFunc("instance-type", completeInstanceTypes(f))
	_ = c.RegisterFlagCompletionFunc("family", completeFamilies(f))
	_ = c.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"eni-max-pods"}, cobra.ShellCompDirectiveNoFileComp))
	_ = c.RegisterFlagCompletionFunc("source", cobra.FixedCompletions([]string{"embedded", "ec2"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}

// maxPodsFlags are the CNI mode flags of maxpods, shared by userdata: the
// calculator's names are accepted as aliases.
type maxPodsFlags struct {
	settings   *calc.MaxPodsOptions
	cniVersion string
}

func (m *maxPodsFlags) addFlags(fs *pflag.FlagSet) {
	s := m.settings
	fs.StringVar(&m.cniVersion, "cni-version", "", "VPC CNI version, such as 1.18.0 (default: a current CNI)")
	fs.BoolVar(&s.CustomNetworking, "custom-networking", false, "custom networking (ENIConfig): the primary ENI serves no pods (alias --cni-custom-networking-enabled)")
	fs.BoolVar(&s.PrefixDelegation, "prefix-delegation", false, "prefix delegation: a /28 per secondary slot (alias --cni-prefix-delegation-enabled)")
	fs.IntVar(&s.MaxENI, "max-eni", 0, "at most N ENIs for pods, the CNI's MAX_ENI (alias --cni-max-eni)")
	fs.BoolVar(&s.CalculatorCompat, "calculator-compat", false, "reproduce AWS's calculator exactly: no prefix delegation on bare metal")
	fs.IntVar(&s.ReservedENIs, "reserved-enis", 0, "ENIs kept from pods, Karpenter's RESERVED_ENIS: no ENI left means 0 pods")
	fs.BoolVar(&s.SecurityGroupsForPods, "security-groups-for-pods", false, "security groups for pods: the trunk ENI takes one ENI; branch-ENI pods shown beside")
	fs.BoolVar(&s.IPv6, "ipv6", false, "IPv6 cluster: pods are not address-limited, max pods is the cap")
	fs.SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		if to, ok := calculatorFlagNames[name]; ok {
			name = to
		}
		return pflag.NormalizedName(name)
	})
}

func (m *maxPodsFlags) finish(c *cobra.Command) error {
	if c.Flags().Changed("cni-version") {
		v, err := calc.ParseCNIVersion(m.cniVersion)
		if err != nil {
			return usageError(err)
		}
		m.settings.CNIVersion = &v
	}
	if c.Flags().Changed("max-eni") && m.settings.MaxENI < 1 {
		return usageErrorf("--max-eni %d: want 1 or more (the ENIs the CNI may attach for pods)", m.settings.MaxENI)
	}
	if m.settings.ReservedENIs < 0 {
		return usageErrorf("--reserved-enis %d: want 0 or more", m.settings.ReservedENIs)
	}
	return nil
}

// maxPodsRow is one type's answer as JSON and YAML show it.
type maxPodsRow struct {
	InstanceType     string   `json:"instanceType"`
	VCPUs            *int     `json:"vcpus"`
	ENIs             int      `json:"enis"`
	IPv4PerENI       int      `json:"ipv4PerEni"`
	PodENIs          int      `json:"podEnis"`
	CustomNetworking bool     `json:"customNetworking"`
	PrefixDelegation bool     `json:"prefixDelegation"`
	IPv6             bool     `json:"ipv6"`
	MaxPods          int      `json:"maxPods"`
	MaxPodsUncapped  int      `json:"maxPodsUncapped"`
	Cap              int      `json:"cap"`
	BranchPods       *int     `json:"branchPods,omitempty"`
	Supplemented     bool     `json:"supplemented"`
	Notes            []string `json:"notes"`
}

func runMaxPods(ctx context.Context, opts *MaxPodsOptions) error {
	var types []instancedata.InstanceType
	var err error
	if opts.Source == "ec2" {
		types, err = liveTypes(ctx, opts)
	} else {
		types, err = opts.Select(opts.Names, opts.Families, opts.All)
	}
	if err != nil {
		return err
	}

	rows := make([]maxPodsRow, len(types))
	for i, t := range types {
		r := calc.ComputeMaxPods(t.Calc(), opts.Settings)
		rows[i] = maxPodsRow{
			InstanceType:     t.Name,
			VCPUs:            t.VCPUs,
			ENIs:             r.Instance.ENIs,
			IPv4PerENI:       t.IPv4PerENI,
			PodENIs:          r.PodENIs,
			CustomNetworking: opts.Settings.CustomNetworking,
			PrefixDelegation: r.PrefixDelegation,
			IPv6:             opts.Settings.IPv6,
			MaxPods:          r.Recommended,
			MaxPodsUncapped:  r.Uncapped,
			Cap:              r.Cap,
			Supplemented:     t.Supplemented,
			Notes:            r.Notes,
		}
		if opts.ShowMaxAllowed {
			rows[i].MaxPods = r.Uncapped
		}
		if opts.Settings.SecurityGroupsForPods {
			rows[i].BranchPods = &r.BranchPods
		}
		if rows[i].Notes == nil {
			rows[i].Notes = []string{}
		}
	}

	out := opts.IO.Out
	switch {
	case opts.ListFormat == "eni-max-pods":
		for _, r := range rows {
			fmt.Fprintf(out, "%s %d\n", r.InstanceType, r.MaxPods)
		}
	case opts.Output == "" && !opts.IO.OutTerminal && len(rows) == 1:
		fmt.Fprintln(out, rows[0].MaxPods)
	case opts.Output == report.JSON || opts.Output == report.YAML:
		return writeReport(opts.IO, opts.Output, report.Doc{Data: rows})
	default:
		if err := writeReport(opts.IO, opts.Output, maxPodsTable(rows, opts)); err != nil {
			return err
		}
	}
	if opts.Output != report.JSON && opts.Output != report.YAML {
		printNotes(opts.IO, rows)
	}
	return nil
}

func maxPodsTable(rows []maxPodsRow, opts *MaxPodsOptions) report.Doc {
	cols := []string{"type", "vcpus", "enis", "ipv4/eni", "mode", "max pods", "uncapped"}
	if opts.Settings.SecurityGroupsForPods {
		cols = append(cols, "branch pods")
	}
	doc := report.Doc{Columns: cols}
	for _, r := range rows {
		vcpus := "-"
		if r.VCPUs != nil {
			vcpus = strconv.Itoa(*r.VCPUs)
		}
		mode := "ip"
		switch {
		case r.IPv6:
			mode = "ipv6"
		case r.PrefixDelegation:
			mode = "prefix"
		}
		if r.CustomNetworking {
			mode += "+custom"
		}
		row := []string{r.InstanceType, vcpus, strconv.Itoa(r.ENIs), strconv.Itoa(r.IPv4PerENI), mode,
			strconv.Itoa(r.MaxPods), strconv.Itoa(r.MaxPodsUncapped)}
		if r.BranchPods != nil {
			row = append(row, strconv.Itoa(*r.BranchPods))
		}
		doc.Rows = append(doc.Rows, row)
	}
	return doc
}

// printNotes writes each distinct note once to stderr with the types it
// concerns, so a table of a thousand types does not drown in repeats.
func printNotes(io *IOStreams, rows []maxPodsRow) {
	var order []string
	typesOf := map[string][]string{}
	for _, r := range rows {
		for _, n := range r.Notes {
			if _, ok := typesOf[n]; !ok {
				order = append(order, n)
			}
			typesOf[n] = append(typesOf[n], r.InstanceType)
		}
	}
	for _, n := range order {
		ts := typesOf[n]
		who := strings.Join(ts, ", ")
		if len(ts) > 3 {
			who = fmt.Sprintf("%d types (%s, ...)", len(ts), strings.Join(ts[:3], ", "))
		}
		fmt.Fprintf(io.ErrOut, "note: %s: %s\n", who, n)
	}
}

// writeReport renders doc on stdout in the chosen format (default: table).
func writeReport(io *IOStreams, f report.Format, doc report.Doc) error {
	if f == "" {
		f = report.Table
	}
	if err := report.Write(io.Out, f, doc, io.OutTerminal); err != nil {
		return environmentErrorf("writing output: %v", err)
	}
	return nil
}

// liveTypes asks EC2 for the types named (or the whole catalogue, for --all
// and --family). Security-groups-for-pods limits, which no EC2 call returns,
// come from the table in use where it knows the type.
func liveTypes(ctx context.Context, opts *MaxPodsOptions) ([]instancedata.InstanceType, error) {
	known, err := opts.Table()
	if err != nil {
		return nil, err
	}
	client, err := newEC2Client(ctx, opts.AWS, "")
	if err != nil {
		return nil, err
	}
	wantAll := opts.All || len(opts.Families) > 0
	var ask []string
	if !wantAll {
		for _, n := range opts.Names {
			ask = append(ask, normalizeTypeName(n))
		}
	}
	fetched, err := instancedata.FetchInstanceTypes(ctx, client, ask)
	if err != nil {
		err = explainAWSError(err)
		if ExitCode(err) == ExitUsage && len(ask) == 1 {
			return nil, unknownTypeError(known, ask[0])
		}
		return nil, err
	}
	live, _ := instancedata.Build(fetched, instancedata.Supplement{}, known.BranchLimits())
	// EC2 answers an unknown name with an error, but an emulator may just
	// leave it out.
	for _, n := range ask {
		if _, ok := live.Lookup(n); !ok {
			return nil, unknownTypeError(known, n)
		}
	}
	return selectTypes(live, opts.Names, opts.Families, opts.All)
}
