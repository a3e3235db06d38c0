package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/eksnet/eksnet/calc"
	"github.com/eksnet/eksnet/calc/plan"
	"github.com/eksnet/eksnet/cidr"
	"github.com/eksnet/eksnet/cidr/live"
	"github.com/eksnet/eksnet/instancedata"
	"github.com/eksnet/eksnet/report"
	"github.com/spf13/cobra"
)

// NewCmdPlan builds `eksnet plan` and its subcommands.
func NewCmdPlan(f *Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "plan",
		Short: "Check a YAML plan of subnets and node groups, for CI gates",
		Long: `A plan file describes a VPC's subnets, the node groups placed in them with
their VPC CNI settings, other address consumers and the policies the plan must
keep. 'eksnet plan check' finds what would break at peak: subnets too small for
their nodes, pods and warm pools, fragmentation that starves prefix
delegation, kubelet max pods above the addresses a node can get.

'eksnet plan init' writes a commented example; the README's "Plan files"
section describes every key.`,
	}
	c.AddCommand(NewCmdPlanInit(f, nil), NewCmdPlanCheck(f, nil), NewCmdPlanRules(f, nil))
	return c
}

// PlanCheckOptions is what `plan check` was asked.
type PlanCheckOptions struct {
	IO     *IOStreams
	Lookup func(names []string) ([]instancedata.InstanceType, error)

	Files  []string
	FailOn plan.Severity // failNever: report only
	Output report.Format

	Live bool
	liveSource
}

// failNever is --fail-on none: above every severity.
const failNever = plan.SeverityError + 1

// NewCmdPlanCheck builds `eksnet plan check`.
func NewCmdPlanCheck(f *Factory, runF func(context.Context, *PlanCheckOptions) error) *cobra.Command {
	opts := &PlanCheckOptions{IO: f.IO, Lookup: f.Lookup}
	var output, failOn string
	c := &cobra.Command{
		Use:   "check FILE...",
		Short: "Check plan files against eksnet's rules; exit 1 on violations",
		Long: `Checks each plan file (- reads standard input) and reports every violation
with its rule, severity, place in the file (file:line:column), message and the
fix that would satisfy it. 'eksnet plan rules' lists the rules.

Output: a table (-o table), JSON or YAML for scripts, JUnit XML (-o junit) for
CI test reports, or GitHub Actions annotations (-o github) that mark the
plan's lines in a pull request.

--live reads the plan's subnets from EC2 as 'eksnet subnet check' does (by
vpc.id and CIDR, or by each subnet's id), compares them with the plan and
checks that what the plan still needs fits the free /28 blocks as they are
now. --from-file reads saved AWS CLI JSON instead.

Exit codes: 0 no violation at or above --fail-on, 1 violations, 2 a plan that
cannot be read (one line with file:line:column), 3 AWS errors.`,
		Example: `  eksnet plan init plan.yaml
  eksnet plan check plan.yaml
  eksnet plan check plans/*.yaml -o github --fail-on warning
  eksnet plan check plan.yaml -o junit > eksnet-plan.xml
  eksnet plan check plan.yaml --live --region us-east-1`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Files = args
			var err error
			if opts.Output, err = parseOutput(output, report.Table, report.JSON, report.YAML, report.JUnit, report.GitHub); err != nil {
				return err
			}
			if failOn == "none" {
				opts.FailOn = failNever
			} else if opts.FailOn, err = plan.ParseSeverity(failOn); err != nil {
				return usageErrorf("--fail-on %q: want error, warning, info or none", failOn)
			}
			if !opts.Live && (len(opts.FromFiles) > 0 || c.Flags().Changed("endpoint-url")) {
				return usageErrorf("--from-file and --endpoint-url go with --live")
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return runPlanCheck(c.Context(), opts)
		},
	}
	fs := c.Flags()
	fs.StringVar(&failOn, "fail-on", "error", "lowest severity that fails the check (exit 1): error, warning, info or none")
	fs.BoolVar(&opts.Live, "live", false, "also compare the plan with its subnets in EC2 (read-only)")
	opts.liveSource.addFlags(fs)
	_ = c.RegisterFlagCompletionFunc("fail-on", cobra.FixedCompletions([]string{"error", "warning", "info", "none"}, cobra.ShellCompDirectiveNoFileComp))
	addOutputFlag(c, &output, "table", "json", "yaml", "junit", "github")
	c.ValidArgsFunction = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
	}
	return c
}

// readPlan reads and parses one plan file; - is standard input.
func readPlan(streams *IOStreams, name string) (*plan.Plan, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(streams.In)
		name = "<stdin>"
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, usageErrorf("plan %s: %v", name, err)
	}
	p, err := plan.Parse(name, data)
	if err != nil {
		return nil, usageError(err)
	}
	return p, nil
}

// instanceLookup serves the plan's instance types from the table, each
// looked up once per run.
func (opts *PlanCheckOptions) instanceLookup() func(string) (calc.Instance, error) {
	seen := map[string]calc.Instance{}
	return func(name string) (calc.Instance, error) {
		if in, ok := seen[name]; ok {
			return in, nil
		}
		types, err := opts.Lookup([]string{name})
		if err != nil {
			return calc.Instance{}, err
		}
		seen[name] = types[0].Calc()
		return seen[name], nil
	}
}

func runPlanCheck(ctx context.Context, opts *PlanCheckOptions) error {
	// Every file is read first: an unreadable plan stops the run before
	// anything is reported.
	plans := make([]*plan.Plan, len(opts.Files))
	for i, name := range opts.Files {
		p, err := readPlan(opts.IO, name)
		if err != nil {
			return err
		}
		plans[i] = p
	}
	lookup := opts.instanceLookup()
	results := make([]plan.Result, len(plans))
	for i, p := range plans {
		env := plan.Env{Instance: lookup}
		if opts.Live {
			m, err := opts.readLive(ctx, p)
			if err != nil {
				return err
			}
			env.Live = m
		}
		results[i] = plan.Check(p, env)
	}
	if err := writePlanResults(opts, results); err != nil {
		return err
	}
	failing := 0
	for _, r := range results {
		failing += r.Count(opts.FailOn)
	}
	if failing > 0 {
		return &ExitError{ExitCheckFailed, fmt.Errorf("plan check failed: %s at or above %s", plural(failing, "violation"), opts.FailOn)}
	}
	return nil
}

// readLive reads a plan's subnets from EC2 (or --from-file) and pairs them
// with the plan's.
func (opts *PlanCheckOptions) readLive(ctx context.Context, p *plan.Plan) (map[string]plan.LiveSubnet, error) {
	vpcID, ids, ok := p.LiveSelector()
	if !ok {
		return nil, usageErrorf("%s: --live needs vpc.id, or an id on every subnet, to find the subnets in EC2", p.File)
	}
	subnets, err := opts.liveSource.read(ctx, opts.IO, live.Query{VPCID: vpcID, SubnetIDs: ids})
	if err != nil {
		return nil, err
	}
	var real []plan.LiveSubnet
	for _, s := range subnets {
		if !s.IPv6Only {
			real = append(real, plan.LiveSubnet{ID: s.ID, AZ: s.AvailabilityZone, Usage: s.Usage})
		}
	}
	return plan.MatchLive(p, real), nil
}

// planCheckReport is what -o json and yaml write.
type planCheckReport struct {
	Plans  []plan.Result `json:"plans"`
	FailOn string        `json:"failOn"`
	Failed bool          `json:"failed"`
}

func writePlanResults(opts *PlanCheckOptions, results []plan.Result) error {
	failOn := "none"
	if opts.FailOn != failNever {
		failOn = opts.FailOn.String()
	}
	out := opts.IO.Out
	switch opts.Output {
	case report.JUnit:
		return report.WriteJUnit(out, results, opts.FailOn)
	case report.GitHub:
		if err := report.WriteGitHub(out, results); err != nil {
			return err
		}
	case report.JSON, report.YAML:
		rep := planCheckReport{Plans: results, FailOn: failOn}
		for _, r := range results {
			rep.Failed = rep.Failed || r.Count(opts.FailOn) > 0
		}
		return writeReport(opts.IO, opts.Output, report.Doc{Data: rep})
	default:
		if err := writeReport(opts.IO, opts.Output, planSubnetTable(results, opts.Live)); err != nil {
			return err
		}
		if v := planViolationTable(results); len(v.Rows) > 0 {
			fmt.Fprintln(out)
			if err := writeReport(opts.IO, opts.Output, v); err != nil {
				return err
			}
		}
	}
	for _, r := range results {
		fmt.Fprintln(out, planSummary(r))
	}
	return nil
}

func planSubnetTable(results []plan.Result, withLive bool) report.Doc {
	cols := []string{"subnet", "cidr", "az", "role", "node groups", "blocks", "singles", "needs", "free blocks at peak"}
	if len(results) > 1 {
		cols = append([]string{"plan"}, cols...)
	}
	if withLive {
		cols = append(cols, "subnet id", "allocatable now", "still needed")
	}
	doc := report.Doc{Columns: cols}
	for _, r := range results {
		for _, s := range r.Subnets {
			needs := "-"
			if s.PrefixLengthWorstCase > 0 && s.Blocks+s.Singles > 0 {
				needs = "/" + strconv.Itoa(s.PrefixLengthWorstCase)
			}
			free := strconv.Itoa(s.FreePrefixesAtPeak)
			if s.FreePrefixesAtPeak < 0 {
				free = "does not fit"
			}
			row := []string{s.Name, s.CIDR, s.AZ, s.Role, orDash(strings.Join(s.NodeGroups, ",")), strconv.Itoa(s.Blocks), strconv.Itoa(s.Singles), needs, free}
			if len(results) > 1 {
				row = append([]string{r.File}, row...)
			}
			if withLive {
				if l := s.Live; l != nil {
					row = append(row, l.ID, strconv.Itoa(l.AllocatablePrefixes), fmt.Sprintf("%d blocks + %d", l.StillNeededBlocks, l.StillNeededSingles))
				} else {
					row = append(row, "-", "-", "-")
				}
			}
			doc.Rows = append(doc.Rows, row)
		}
	}
	return doc
}

func planViolationTable(results []plan.Result) report.Doc {
	doc := report.Doc{Columns: []string{"location", "severity", "rule", "message", "fix"}, MaxColumnWidth: 60}
	for _, r := range results {
		for _, v := range r.Violations {
			doc.Rows = append(doc.Rows, []string{fmt.Sprintf("%s:%d:%d", v.File, v.Line, v.Column), v.Severity.String(), v.Rule, v.Message, v.Fix})
		}
	}
	return doc
}

// planSummary is one line per plan: what was found, by severity.
func planSummary(r plan.Result) string {
	if len(r.Violations) == 0 {
		return fmt.Sprintf("%s: no violations (%d rules)", r.File, len(r.Rules))
	}
	var parts []string
	for s := plan.SeverityError; s >= plan.SeverityInfo; s-- {
		n := 0
		for _, v := range r.Violations {
			if v.Severity == s {
				n++
			}
		}
		if n > 0 {
			parts = append(parts, plural(n, s.String()))
		}
	}
	return fmt.Sprintf("%s: %s (%d rules)", r.File, strings.Join(parts, ", "), len(r.Rules))
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// PlanInitOptions is what `plan init` was asked.
type PlanInitOptions struct {
	IO     *IOStreams
	Lookup func(names []string) ([]instancedata.InstanceType, error)

	File             string
	Force            bool
	InstanceType     string
	VPCCIDR          string
	AZs              []string
	MaxNodes         int
	PrefixDelegation bool
}

// NewCmdPlanInit builds `eksnet plan init`.
func NewCmdPlanInit(f *Factory, runF func(*PlanInitOptions) error) *cobra.Command {
	opts := &PlanInitOptions{IO: f.IO, Lookup: f.Lookup}
	c := &cobra.Command{
		Use:   "init [FILE]",
		Short: "Write a commented example plan that passes 'plan check'",
		Long: `Writes a commented plan file (default eksnet-plan.yaml; - for standard output):
one node group spread over one subnet per AZ, each subnet the smallest that
holds the group at peak with 20% surge and 20% headroom, carved from the VPC
CIDR. Edit it to describe your cluster; 'eksnet plan check' keeps it honest.`,
		Example: `  eksnet plan init
  eksnet plan init plan.yaml --instance-type m6i.xlarge --max-nodes 60 --prefix-delegation
  eksnet plan init - --vpc-cidr 10.20.0.0/16 --azs eu-west-1a,eu-west-1b`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.File = "eksnet-plan.yaml"
			if len(args) == 1 {
				opts.File = args[0]
			}
			if opts.MaxNodes < 1 {
				return usageErrorf("--max-nodes %d: want 1 or more", opts.MaxNodes)
			}
			if len(opts.AZs) == 0 {
				return usageErrorf("--azs: name at least one availability zone")
			}
			if runF != nil {
				return runF(opts)
			}
			return runPlanInit(opts)
		},
	}
	fs := c.Flags()
	fs.BoolVar(&opts.Force, "force", false, "overwrite FILE if it exists")
	fs.StringVar(&opts.InstanceType, "instance-type", "m5.large", "the node group's instance type")
	fs.StringVar(&opts.VPCCIDR, "vpc-cidr", "10.0.0.0/16", "the VPC CIDR to carve the subnets from")
	fs.StringSliceVar(&opts.AZs, "azs", []string{"us-east-1a", "us-east-1b", "us-east-1c"}, "availability zones, one subnet each")
	fs.IntVar(&opts.MaxNodes, "max-nodes", 30, "the node group's maximum nodes")
	fs.BoolVar(&opts.PrefixDelegation, "prefix-delegation", false, "plan for /28 prefix delegation")
	_ = c.RegisterFlagCompletionFunc("instance-type", completeInstanceTypes(f))
	return c
}

func runPlanInit(opts *PlanInitOptions) error {
	vpc, err := cidr.ParseSubnet(opts.VPCCIDR)
	if err != nil {
		return usageErrorf("--vpc-cidr: %v", err)
	}
	types, err := opts.Lookup([]string{opts.InstanceType})
	if err != nil {
		return err
	}
	data, err := plan.Example(plan.ExampleOptions{Instance: types[0].Calc(), VPC: vpc, AZs: opts.AZs, MaxNodes: opts.MaxNodes, PrefixDelegation: opts.PrefixDelegation})
	if err != nil {
		return usageError(err)
	}
	if opts.File == "-" {
		_, err := opts.IO.Out.Write(data)
		return err
	}
	if _, err := os.Stat(opts.File); err == nil && !opts.Force {
		return usageErrorf("%s exists: pass --force to overwrite it, or name another file", opts.File)
	}
	if err := writeFileAtomic(opts.File, data); err != nil {
		return environmentErrorf("writing %s: %v", opts.File, err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "wrote %s; check it with: eksnet plan check %s\n", opts.File, opts.File)
	return nil
}

// PlanRulesOptions is what `plan rules` was asked.
type PlanRulesOptions struct {
	IO     *IOStreams
	Output report.Format
}

// NewCmdPlanRules builds `eksnet plan rules`.
func NewCmdPlanRules(f *Factory, runF func(*PlanRulesOptions) error) *cobra.Command {
	opts := &PlanRulesOptions{IO: f.IO}
	var output string
	c := &cobra.Command{
		Use:   "rules",
		Short: "List the rules 'plan check' applies, with their IDs and severities",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			var err error
			if opts.Output, err = parseOutput(output, report.Table, report.JSON, report.YAML, report.CSV); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			doc := report.Doc{Columns: []string{"rule", "severity", "live", "checks"}, Data: plan.Rules}
			for _, r := range plan.Rules {
				live := "no"
				if r.Live {
					live = "yes"
				}
				doc.Rows = append(doc.Rows, []string{r.ID, r.Severity.String(), live, r.Summary})
			}
			return writeReport(opts.IO, opts.Output, doc)
		},
	}
	addOutputFlag(c, &output, "table", "json", "yaml", "csv")
	return c
}
