// Package cmd holds eksnet's cobra commands. Each command parses and checks
// its flags into an Options struct and hands it to a run function; the
// thinking lives in calc, cidr and instancedata.
package cmd

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/eksnet/eksnet/instancedata"
	"github.com/spf13/cobra"
)

// Factory gives commands what they share: streams, the instance table, and
// how to reach EC2. Tests build one with buffers and a test endpoint.
type Factory struct {
	IO *IOStreams
	// InstanceData, if set, is a table file used instead of the embedded one.
	InstanceData string
	table        *instancedata.Table
}

// Table returns the instance table in use: --instance-data or the embedded one.
func (f *Factory) Table() (*instancedata.Table, error) {
	if f.table != nil {
		return f.table, nil
	}
	if f.InstanceData == "" {
		tb, err := instancedata.Embedded()
		if err != nil {
			return nil, environmentErrorf("embedded instance table is damaged: %v", err)
		}
		f.table = tb
		return tb, nil
	}
	data, err := os.ReadFile(f.InstanceData)
	if err != nil {
		return nil, usageErrorf("--instance-data %s: %v", f.InstanceData, err)
	}
	tb, err := instancedata.Decode(data)
	if err != nil {
		return nil, usageErrorf("--instance-data %s: %v", f.InstanceData, err)
	}
	f.table = tb
	return tb, nil
}

// NewCmdRoot builds the eksnet command tree.
func NewCmdRoot(f *Factory) *cobra.Command {
	var configPath string
	root := &cobra.Command{
		Use:   "eksnet",
		Short: "Capacity planner for Amazon EKS networking with the AWS VPC CNI",
		Long: `eksnet answers EKS networking capacity questions offline, from an embedded
table of EC2 instance limits: max pods per instance type, warm-pool cost,
subnet sizes and /28 prefix fragmentation.

Settings come from flags, then EKSNET_* environment variables (EKSNET_CNI_VERSION
for --cni-version), then the config file (flag names as YAML keys, optionally
under a command name), then defaults.

Exit codes: 0 ok, 1 a check failed, 2 bad usage or input, 3 AWS or environment error.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(c *cobra.Command, _ []string) error {
			explicit := c.Flags().Changed("config")
			path := configPath
			if !explicit {
				if env := os.Getenv("EKSNET_CONFIG"); env != "" {
					path, explicit = env, true
				} else {
					path = defaultConfigPath()
				}
			}
			v, err := loadSettings(path, explicit)
			if err != nil {
				return err
			}
			return applySettings(c, v)
		},
	}
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })
	root.PersistentFlags().StringVar(&configPath, "config", "", "config file (default $XDG_CONFIG_HOME/eksnet/config.yaml)")
	root.PersistentFlags().StringVar(&f.InstanceData, "instance-data", "", "instance table file written by `eksnet instancedata pull` (default: the embedded table)")
	_ = root.MarkPersistentFlagFilename("instance-data", "json")
	_ = root.MarkPersistentFlagFilename("config", "yaml", "yml")

	root.AddCommand(NewCmdMaxPods(f, nil))
	root.AddCommand(NewCmdInstanceData(f))
	root.AddCommand(NewCmdSubnet(f))
	root.AddCommand(NewCmdWarmPool(f, nil))
	root.AddCommand(NewCmdUserData(f, nil))
	root.AddCommand(NewCmdPlan(f))
	return root
}

// Main runs eksnet with the process's arguments and returns its exit code.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return Run(ctx, SystemIO(), os.Args[1:])
}

// Run executes one eksnet command line on the given streams: what the binary
// does, callable from tests. Any error becomes one line on stderr.
func Run(ctx context.Context, io *IOStreams, args []string) int {
	root := NewCmdRoot(&Factory{IO: io})
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil {
		fmt.Fprintln(io.ErrOut, "eksnet: "+oneLine(err.Error()))
	}
	return ExitCode(err)
}

// completeInstanceTypes completes instance type names from the table in use.
func completeInstanceTypes(f *Factory) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
		tb, err := f.Table()
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		var out []string
		for _, n := range tb.Names() {
			if strings.HasPrefix(n, prefix) {
				out = append(out, n)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeFamilies completes instance families.
func completeFamilies(f *Factory) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
		tb, err := f.Table()
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		var out []string
		for _, t := range tb.InstanceTypes {
			fam := t.Family()
			if strings.HasPrefix(fam, prefix) && (len(out) == 0 || out[len(out)-1] != fam) {
				out = append(out, fam)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// resolveTypes looks names up in the table; unknown names fail with the
// nearest known ones.
func resolveTypes(tb *instancedata.Table, names []string) ([]instancedata.InstanceType, error) {
	out := make([]instancedata.InstanceType, 0, len(names))
	for _, n := range names {
		n = normalizeTypeName(n)
		t, ok := tb.Lookup(n)
		if !ok {
			return nil, unknownTypeError(tb, n)
		}
		out = append(out, t)
	}
	return out, nil
}

func normalizeTypeName(n string) string { return strings.ToLower(strings.TrimSpace(n)) }

// Lookup resolves instance type names. On the embedded table it decodes only
// the lines of the types named, which keeps a one-type command as fast as a
// process can start; the whole table is decoded only to suggest names.
func (f *Factory) Lookup(names []string) ([]instancedata.InstanceType, error) {
	if f.InstanceData != "" || f.table != nil {
		tb, err := f.Table()
		if err != nil {
			return nil, err
		}
		return resolveTypes(tb, names)
	}
	out := make([]instancedata.InstanceType, 0, len(names))
	for _, n := range names {
		t, ok := instancedata.LookupEmbedded(normalizeTypeName(n))
		if !ok {
			tb, err := f.Table()
			if err != nil {
				return nil, err
			}
			return nil, unknownTypeError(tb, normalizeTypeName(n))
		}
		out = append(out, t)
	}
	return out, nil
}

// Select gathers the types a command was asked about: names, families, or
// all of them.
func (f *Factory) Select(names, families []string, all bool) ([]instancedata.InstanceType, error) {
	if !all && len(families) == 0 {
		return f.Lookup(names)
	}
	tb, err := f.Table()
	if err != nil {
		return nil, err
	}
	return selectTypes(tb, names, families, all)
}

func unknownTypeError(tb *instancedata.Table, name string) error {
	near := instancedata.Suggest(tb.Names(), name, 3)
	if len(near) == 0 {
		return usageErrorf("unknown instance type %q: see `eksnet instancedata list` for the %d known types", name, len(tb.InstanceTypes))
	}
	return usageErrorf("unknown instance type %q: did you mean %s?", name, strings.Join(near, ", "))
}

// selectTypes gathers the types a command was asked about: names, families or
// all of them, in table order for families and all.
func selectTypes(tb *instancedata.Table, names, families []string, all bool) ([]instancedata.InstanceType, error) {
	if all {
		return tb.InstanceTypes, nil
	}
	out, err := resolveTypes(tb, names)
	if err != nil {
		return nil, err
	}
	for _, fam := range families {
		fam = normalizeTypeName(fam)
		n := len(out)
		for _, t := range tb.InstanceTypes {
			if t.Family() == fam {
				out = append(out, t)
			}
		}
		if len(out) == n {
			var fams []string
			for _, t := range tb.InstanceTypes {
				if len(fams) == 0 || fams[len(fams)-1] != t.Family() {
					fams = append(fams, t.Family())
				}
			}
			near := instancedata.Suggest(fams, fam, 3)
			return nil, usageErrorf("unknown instance family %q: did you mean %s?", fam, strings.Join(near, ", "))
		}
	}
	return out, nil
}
