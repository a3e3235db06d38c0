package cmd

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/eksnet/eksnet/calc"
	"github.com/eksnet/eksnet/instancedata"
	"github.com/eksnet/eksnet/report"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"
)

// WarmPoolOptions is what `eksnet warmpool` was asked.
type WarmPoolOptions struct {
	IO       *IOStreams
	Lookup   func(names []string) ([]instancedata.InstanceType, error)
	Type     string
	Settings calc.WarmPoolSettings
	// PodsFrom..PodsTo is the pod count, or a sweep; -1 means max pods.
	PodsFrom, PodsTo int
	Nodes            int
	Compare          bool
	// Notes from reading the DaemonSet (values ipamd would replace).
	Notes  []string
	Output report.Format
}

// NewCmdWarmPool builds `eksnet warmpool`.
func NewCmdWarmPool(f *Factory, runF func(context.Context, *WarmPoolOptions) error) *cobra.Command {
	opts := &WarmPoolOptions{IO: f.IO, Lookup: f.Lookup}
	var output, pods string
	wp := &warmPoolFlags{settings: &opts.Settings}
	c := &cobra.Command{
		Use:   "warmpool TYPE",
		Short: "What ipamd's warm pool holds per node, and what it costs the subnets",
		Long: `Models the VPC CNI's ipamd: for an instance type, CNI settings and a number of
pods, how many ENIs, secondary IPs or /28 prefixes a node holds, how many
addresses sit unused, which pods get none, and what the node takes from the
node subnet and (with custom networking) the pod subnet.

The flags are named after the CNI's variables and default to the manifest's
values. --from-daemonset reads them from 'kubectl get ds aws-node -n
kube-system -o yaml', parsed as ipamd parses them; flags given as well win.`,
		Example: `  eksnet warmpool m5.large --pods 20
  eksnet warmpool m5.large --pods 0..29
  eksnet warmpool m5.xlarge --pods 30 --warm-ip-target 2 --minimum-ip-target 30 --nodes 50
  eksnet warmpool m5.large --pods 40 --prefix-delegation --compare
  kubectl get ds aws-node -n kube-system -o yaml > aws-node.yaml
  eksnet warmpool m5.large --pods 20 --from-daemonset aws-node.yaml -o json`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeInstanceTypes(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Type = args[0]
			notes, err := wp.finish(c)
			if err != nil {
				return err
			}
			opts.Notes = notes
			if opts.Nodes < 1 {
				return usageErrorf("--nodes %d: want 1 or more", opts.Nodes)
			}
			if opts.PodsFrom, opts.PodsTo, err = parsePods(pods); err != nil {
				return err
			}
			if opts.Compare && opts.PodsFrom != opts.PodsTo {
				return usageErrorf("--compare takes one pod count, not a sweep")
			}
			if opts.Output, err = parseOutput(output, report.Table, report.JSON, report.YAML, report.CSV); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return runWarmPool(opts)
		},
	}
	fs := c.Flags()
	wp.addFlags(fs)
	fs.StringVar(&pods, "pods", "max", "pods needing a pool address (not host-network): N, A..B for a sweep, or max")
	fs.IntVar(&opts.Nodes, "nodes", 1, "nodes, for cluster totals")
	fs.BoolVar(&opts.Compare, "compare", false, "the same pods under default, warm-IP and prefix settings side by side")
	addOutputFlag(c, &output, "table", "json", "yaml", "csv")
	return c
}

// warmPoolFlags are the CNI settings flags shared by warmpool and subnet size.
type warmPoolFlags struct {
	settings  *calc.WarmPoolSettings
	daemonset string
}

func (wp *warmPoolFlags) addFlags(fs *pflag.FlagSet) {
	s := wp.settings
	fs.IntVar(&s.WarmENITarget, "warm-eni-target", 1, "WARM_ENI_TARGET: spare ENIs kept (secondary-IP mode)")
	fs.IntVar(&s.WarmIPTarget, "warm-ip-target", 0, "WARM_IP_TARGET: spare addresses kept (0 = unset)")
	fs.IntVar(&s.MinimumIPTarget, "minimum-ip-target", 0, "MINIMUM_IP_TARGET: addresses held at least (0 = unset)")
	fs.IntVar(&s.WarmPrefixTarget, "warm-prefix-target", 1, "WARM_PREFIX_TARGET: spare /28 prefixes kept (prefix delegation)")
	fs.IntVar(&s.MaxENI, "max-eni", 0, "MAX_ENI: at most N ENIs")
	fs.BoolVar(&s.PrefixDelegation, "prefix-delegation", false, "ENABLE_PREFIX_DELEGATION: /28 prefixes instead of single addresses")
	fs.BoolVar(&s.CustomNetworking, "custom-networking", false, "custom networking: pod ENIs in the ENIConfig subnet, none on the primary ENI")
	fs.IntVar(&s.MaxPods, "max-pods", 0, "kubelet max pods (default: eksnet maxpods for the same settings)")
	fs.BoolVar(&s.SecurityGroupsForPods, "security-groups-for-pods", false, "ENABLE_POD_ENI: a trunk ENI takes one ENI slot")
	fs.IntVar(&s.BranchPods, "branch-pods", 0, "pods with security groups (branch ENIs) per node, besides the pods")
	fs.StringVar(&wp.daemonset, "from-daemonset", "", "aws-node DaemonSet YAML to read the CNI settings from (flags given win)")
}

// finish merges the DaemonSet's settings under the flags given and checks
// the values; it returns what ipamd would have replaced in the DaemonSet.
func (wp *warmPoolFlags) finish(c *cobra.Command) ([]string, error) {
	s := wp.settings
	var notes []string
	if wp.daemonset != "" {
		fromDS, dsNotes, err := readDaemonSet(wp.daemonset)
		if err != nil {
			return nil, err
		}
		notes = dsNotes
		mergeUnset(c, s, fromDS)
	}
	for name, v := range map[string]int{"--warm-eni-target": s.WarmENITarget, "--warm-ip-target": s.WarmIPTarget,
		"--minimum-ip-target": s.MinimumIPTarget, "--warm-prefix-target": s.WarmPrefixTarget, "--max-pods": s.MaxPods,
		"--branch-pods": s.BranchPods, "--max-eni": s.MaxENI} {
		if v < 0 {
			return nil, usageErrorf("%s %d: want 0 or more", name, v)
		}
	}
	if c.Flags().Changed("max-eni") && s.MaxENI < 1 {
		return nil, usageErrorf("--max-eni %d: want 1 or more (the ENIs the CNI may attach)", s.MaxENI)
	}
	return notes, nil
}

// checkBranchPods checks --branch-pods against the instance type.
func checkBranchPods(s calc.WarmPoolSettings, it instancedata.InstanceType) error {
	if s.BranchPods > 0 && !s.SecurityGroupsForPods {
		return usageErrorf("--branch-pods needs --security-groups-for-pods")
	}
	if s.SecurityGroupsForPods && s.BranchPods > it.BranchENIs {
		return usageErrorf("--branch-pods %d: %s takes at most %d branch-ENI pods", s.BranchPods, it.Name, it.BranchENIs)
	}
	return nil
}

// parsePods reads N, A..B or max (-1).
func parsePods(s string) (int, int, error) {
	one := func(v string) (int, error) {
		v = strings.TrimSpace(v)
		if v == "max" {
			return -1, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, usageErrorf("--pods %q: want a count such as 20, a range such as 0..110, or max", s)
		}
		return n, nil
	}
	if a, b, ok := strings.Cut(s, ".."); ok {
		from, err := one(a)
		if err != nil {
			return 0, 0, err
		}
		to, err := one(b)
		if err != nil {
			return 0, 0, err
		}
		if from < 0 || (to >= 0 && to < from) {
			return 0, 0, usageErrorf("--pods %q: want A..B with A <= B", s)
		}
		return from, to, nil
	}
	n, err := one(s)
	return n, n, err
}

// readDaemonSet reads the aws-node container's environment from a DaemonSet
// manifest, as kubectl prints it.
func readDaemonSet(path string) (calc.WarmPoolSettings, []string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return calc.WarmPoolSettings{}, nil, usageErrorf("--from-daemonset %s: %v", path, err)
	}
	var ds struct {
		Kind string `yaml:"kind"`
		Spec struct {
			Template struct {
				Spec struct {
					Containers []struct {
						Name string `yaml:"name"`
						Env  []struct {
							Name  string `yaml:"name"`
							Value string `yaml:"value"`
						} `yaml:"env"`
					} `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(data, &ds); err != nil {
		return calc.WarmPoolSettings{}, nil, usageErrorf("--from-daemonset %s: not valid YAML: %v", path, oneLine(err.Error()))
	}
	if ds.Kind != "DaemonSet" {
		return calc.WarmPoolSettings{}, nil, usageErrorf("--from-daemonset %s: kind %q, want the aws-node DaemonSet (kubectl get ds aws-node -n kube-system -o yaml)", path, ds.Kind)
	}
	for _, c := range ds.Spec.Template.Spec.Containers {
		if c.Name != "aws-node" {
			continue
		}
		env := map[string]string{}
		for _, e := range c.Env {
			env[e.Name] = e.Value
		}
		s, notes := calc.SettingsFromCNIEnv(env)
		return s, notes, nil
	}
	return calc.WarmPoolSettings{}, nil, usageErrorf("--from-daemonset %s: no container named aws-node", path)
}

// mergeUnset takes the DaemonSet's value for every setting whose flag was not
// given on the command line.
func mergeUnset(c *cobra.Command, s *calc.WarmPoolSettings, ds calc.WarmPoolSettings) {
	set := func(flag string, dst *int, v int) {
		if !c.Flags().Changed(flag) {
			*dst = v
		}
	}
	setB := func(flag string, dst *bool, v bool) {
		if !c.Flags().Changed(flag) {
			*dst = v
		}
	}
	set("warm-eni-target", &s.WarmENITarget, ds.WarmENITarget)
	set("warm-ip-target", &s.WarmIPTarget, ds.WarmIPTarget)
	set("minimum-ip-target", &s.MinimumIPTarget, ds.MinimumIPTarget)
	set("warm-prefix-target", &s.WarmPrefixTarget, ds.WarmPrefixTarget)
	set("max-eni", &s.MaxENI, ds.MaxENI)
	setB("prefix-delegation", &s.PrefixDelegation, ds.PrefixDelegation)
	setB("custom-networking", &s.CustomNetworking, ds.CustomNetworking)
	setB("security-groups-for-pods", &s.SecurityGroupsForPods, ds.SecurityGroupsForPods)
}

// warmPoolRow is one node's pool as JSON and YAML show it.
type warmPoolRow struct {
	InstanceType    string          `json:"instanceType"`
	Setting         string          `json:"setting,omitempty"`
	Mode            string          `json:"mode"`
	Rule            string          `json:"rule"`
	MaxPods         int             `json:"maxPods"`
	Pods            int             `json:"pods"`
	ENIs            int             `json:"enis"`
	PodENIs         int             `json:"podEnis"`
	TrunkENI        bool            `json:"trunkEni"`
	SecondaryIPs    int             `json:"secondaryIps"`
	Prefixes        int             `json:"prefixes"`
	PrefixesUpTo    int             `json:"prefixesUpTo"`
	Addresses       int             `json:"addresses"`
	UnusedAddresses int             `json:"unusedAddresses"`
	UnplacedPods    int             `json:"unplacedPods"`
	BranchPods      int             `json:"branchPods"`
	SubnetAddresses subnetAddresses `json:"subnetAddresses"`
	AlignedBlocks   int             `json:"alignedBlocks"`
	Flapping        bool            `json:"flapping"`
	EC2CallsToGrow  *int            `json:"ec2CallsToGrow,omitempty"`
	Nodes           int             `json:"nodes"`
	Cluster         *clusterTotals  `json:"cluster,omitempty"`
	Warnings        []string        `json:"warnings"`
}

type subnetAddresses struct {
	Node int `json:"node"`
	Pod  int `json:"pod"`
}

type clusterTotals struct {
	ENIs            int             `json:"enis"`
	Addresses       int             `json:"addresses"`
	UnusedAddresses int             `json:"unusedAddresses"`
	Prefixes        int             `json:"prefixes"`
	SubnetAddresses subnetAddresses `json:"subnetAddresses"`
}

func runWarmPool(opts *WarmPoolOptions) error {
	types, err := opts.Lookup([]string{opts.Type})
	if err != nil {
		return err
	}
	it := types[0]
	in := it.Calc()
	s := opts.Settings
	if err := checkBranchPods(s, it); err != nil {
		return err
	}
	maxPods := s.MaxPods
	if maxPods == 0 {
		maxPods = calc.DefaultKubeletMaxPods(in, s)
	}
	from, to := opts.PodsFrom, opts.PodsTo
	if from < 0 {
		from = calc.PoolPodsAtMaxPods(in, s)
	}
	if to < 0 {
		to = calc.PoolPodsAtMaxPods(in, s)
	}
	if to+s.BranchPods > maxPods {
		return usageErrorf("--pods %d with %d branch pods exceeds max pods %d of %s (set --max-pods to model a higher kubelet limit)", to, s.BranchPods, maxPods, it.Name)
	}
	for _, n := range opts.Notes {
		fmt.Fprintf(opts.IO.ErrOut, "note: %s\n", n)
	}

	var rows []warmPoolRow
	if opts.Compare {
		for _, cs := range compareSettings(s, from, opts) {
			row := warmPoolRowFor(it, cs.settings, from, opts.Nodes)
			row.Setting = cs.name
			steps := calc.SimulateWarmPool(in, cs.settings, from)[from].GrowSteps
			row.EC2CallsToGrow = &steps
			rows = append(rows, row)
		}
	} else {
		for n := from; n <= to; n++ {
			rows = append(rows, warmPoolRowFor(it, s, n, opts.Nodes))
		}
	}

	if opts.Output == report.JSON || opts.Output == report.YAML {
		return writeReport(opts.IO, opts.Output, report.Doc{Data: rows})
	}
	if err := writeReport(opts.IO, opts.Output, warmPoolTable(rows, opts)); err != nil {
		return err
	}
	if opts.IO.OutTerminal && len(rows) > 1 && !opts.Compare && opts.Output == "" {
		writeChart(opts.IO, rows)
	}
	var warnings []string
	for _, r := range rows {
		warnings = append(warnings, r.Warnings...)
	}
	printWarnings(opts.IO, warnings)
	return nil
}

// printWarnings writes each distinct warning once to stderr.
func printWarnings(io *IOStreams, warnings []string) {
	seen := map[string]bool{}
	for _, w := range warnings {
		if !seen[w] {
			seen[w] = true
			fmt.Fprintf(io.ErrOut, "warning: %s\n", w)
		}
	}
}

type namedSettings struct {
	name     string
	settings calc.WarmPoolSettings
}

// compareSettings are the contenders of --compare: the manifest defaults, a
// warm-IP pair (the given one, or MINIMUM_IP_TARGET = the pods and
// WARM_IP_TARGET = 2, the CNI docs' advice), and prefix delegation.
func compareSettings(s calc.WarmPoolSettings, pods int, opts *WarmPoolOptions) []namedSettings {
	base := s
	base.WarmENITarget, base.WarmIPTarget, base.MinimumIPTarget, base.WarmPrefixTarget, base.PrefixDelegation = 1, 0, 0, 1, false
	warmIP := base
	warmIP.WarmIPTarget, warmIP.MinimumIPTarget = s.WarmIPTarget, s.MinimumIPTarget
	if !warmIP.WarmIPMode() {
		warmIP.WarmIPTarget, warmIP.MinimumIPTarget = 2, pods
	}
	prefix := base
	prefix.PrefixDelegation = true
	// Each contender runs with its own kubelet max pods unless one was given.
	return []namedSettings{
		{"WARM_ENI_TARGET=1", base},
		{fmt.Sprintf("WARM_IP_TARGET=%d MINIMUM_IP_TARGET=%d", warmIP.WarmIPTarget, warmIP.MinimumIPTarget), warmIP},
		{"prefix delegation, WARM_PREFIX_TARGET=1", prefix},
	}
}

func warmPoolRowFor(it instancedata.InstanceType, s calc.WarmPoolSettings, pods, nodes int) warmPoolRow {
	w := calc.WarmPoolFor(it.Calc(), s, pods)
	mode := "secondary-ip"
	if w.PrefixDelegation {
		mode = "prefix"
	}
	r := warmPoolRow{
		InstanceType: it.Name, Mode: mode, Rule: w.Rule, MaxPods: w.MaxPods, Pods: pods,
		ENIs: w.AttachedENIs, PodENIs: w.PodENIs, TrunkENI: w.TrunkENI,
		SecondaryIPs: w.SecondaryIPs, Prefixes: w.Prefixes, PrefixesUpTo: w.PrefixesUpTo,
		Addresses: w.Addresses, UnusedAddresses: w.UnusedAddresses, UnplacedPods: w.UnplacedPods,
		BranchPods: w.BranchPods, SubnetAddresses: subnetAddresses{w.NodeSubnetAddresses, w.PodSubnetAddresses},
		AlignedBlocks: w.AlignedBlocks, Flapping: w.Flapping, Nodes: nodes, Warnings: w.Warnings,
	}
	if r.Warnings == nil {
		r.Warnings = []string{}
	}
	if nodes > 1 {
		r.Cluster = &clusterTotals{
			ENIs: nodes * w.AttachedENIs, Addresses: nodes * w.Addresses, UnusedAddresses: nodes * w.UnusedAddresses,
			Prefixes:        nodes * w.Prefixes,
			SubnetAddresses: subnetAddresses{nodes * w.NodeSubnetAddresses, nodes * w.PodSubnetAddresses},
		}
	}
	return r
}

func warmPoolTable(rows []warmPoolRow, opts *WarmPoolOptions) report.Doc {
	cols := []string{"pods", "enis", "secondary ips", "prefixes", "addresses", "unused", "unplaced", "node subnet", "pod subnet"}
	if opts.Compare {
		cols = append([]string{"setting"}, append(cols, "ec2 calls")...)
	}
	if opts.Nodes > 1 {
		cols = append(cols, "cluster node subnet", "cluster pod subnet")
	}
	doc := report.Doc{Columns: cols}
	for _, r := range rows {
		prefixes := strconv.Itoa(r.Prefixes)
		if r.PrefixesUpTo > r.Prefixes {
			prefixes = fmt.Sprintf("%d-%d", r.Prefixes, r.PrefixesUpTo)
		}
		enis := strconv.Itoa(r.ENIs)
		if r.Flapping {
			enis += "*" // flapping: the larger state
		}
		row := []string{strconv.Itoa(r.Pods), enis, strconv.Itoa(r.SecondaryIPs), prefixes, strconv.Itoa(r.Addresses),
			strconv.Itoa(r.UnusedAddresses), strconv.Itoa(r.UnplacedPods), strconv.Itoa(r.SubnetAddresses.Node), strconv.Itoa(r.SubnetAddresses.Pod)}
		if opts.Compare {
			row = append([]string{r.Setting}, append(row, strconv.Itoa(*r.EC2CallsToGrow))...)
		}
		if r.Cluster != nil {
			row = append(row, strconv.Itoa(r.Cluster.SubnetAddresses.Node), strconv.Itoa(r.Cluster.SubnetAddresses.Pod))
		}
		doc.Rows = append(doc.Rows, row)
	}
	return doc
}

// writeChart draws addresses held (#) against pods placed (=) per pod count,
// sampled to at most 30 lines.
func writeChart(io *IOStreams, rows []warmPoolRow) {
	most := 1
	for _, r := range rows {
		most = max(most, r.Addresses, r.Pods)
	}
	const width = 50
	step := max(1, (len(rows)+29)/30)
	fmt.Fprintf(io.Out, "\naddresses held (#) and pods (=), full width = %d addresses\n", most)
	for i := 0; i < len(rows); i += step {
		r := rows[i]
		held := r.Addresses * width / most
		used := min(r.Pods, r.Addresses) * width / most
		fmt.Fprintf(io.Out, "%5d %s%s %d\n", r.Pods, strings.Repeat("=", used), strings.Repeat("#", held-used), r.Addresses)
	}
}
