package cmd

import (
	"fmt"
	"slices"
	"strings"

	"github.com/eksnet/eksnet/calc"
	"github.com/eksnet/eksnet/instancedata"
	"github.com/eksnet/eksnet/report"
	"github.com/spf13/cobra"
)

// UserDataOptions is what `eksnet userdata` was asked.
type UserDataOptions struct {
	IO       *IOStreams
	Lookup   func(names []string) ([]instancedata.InstanceType, error)
	Type     string
	Settings calc.MaxPodsOptions
	// MaxPods overrides the computed value; kube-reserved follows it.
	MaxPods int
	Format  string
	MIME    bool
	Data    report.UserData
	Out     string
}

// NewCmdUserData builds `eksnet userdata`.
func NewCmdUserData(f *Factory, runF func(*UserDataOptions) error) *cobra.Command {
	opts := &UserDataOptions{IO: f.IO, Lookup: f.Lookup}
	mp := &maxPodsFlags{settings: &opts.Settings}
	c := &cobra.Command{
		Use:   "userdata TYPE --format FORMAT",
		Short: "Kubelet max pods, with kube-reserved to match, for each way nodes bootstrap",
		Long: `Writes the kubelet's max pods for an instance type (the same value and mode
flags as 'eksnet maxpods') in the syntax of a node bootstrap, with the
kube-reserved memory that follows it (11 x max pods + 255 MiB, as the AMIs and
Karpenter compute it) and the AMIs' per-core kube-reserved CPU:

  al2             bootstrap.sh with --use-max-pods false and --kubelet-extra-args
  al2023          a nodeadm NodeConfig (--mime: the multipart launch templates take)
  bottlerocket    settings.kubernetes TOML
  karpenter       an EC2NodeClass with spec.kubelet
  eksctl          a ClusterConfig managed node group with maxPodsPerNode
  kubelet-config  a KubeletConfiguration`,
		Example: `  eksnet userdata m5.large --format al2023 --prefix-delegation --cluster-name prod --mime
  eksnet userdata m5.large --format al2 --cluster-name prod --custom-networking
  eksnet userdata c6i.2xlarge --format bottlerocket --prefix-delegation --out settings.toml
  eksnet userdata m5.large --format karpenter --security-groups-for-pods`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeInstanceTypes(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Type = args[0]
			if err := mp.finish(c); err != nil {
				return err
			}
			if !slices.Contains(report.UserDataFormats, opts.Format) {
				return usageErrorf("--format %q: want one of %s", opts.Format, strings.Join(report.UserDataFormats, ", "))
			}
			if opts.MIME && opts.Format != "al2023" {
				return usageErrorf("--mime goes with --format al2023 (a NodeConfig in a multipart launch template)")
			}
			if opts.Data.ClusterName == "" {
				switch opts.Format {
				case "al2":
					return usageErrorf("--format al2 needs --cluster-name: bootstrap.sh takes the cluster's name")
				case "eksctl":
					return usageErrorf("--format eksctl needs --cluster-name: a ClusterConfig names its cluster")
				}
			}
			if c.Flags().Changed("max-pods") && opts.MaxPods < 1 {
				return usageErrorf("--max-pods %d: want 1 or more", opts.MaxPods)
			}
			if runF != nil {
				return runF(opts)
			}
			return runUserData(opts)
		},
	}
	fs := c.Flags()
	fs.StringVar(&opts.Format, "format", "", "al2, al2023, bottlerocket, karpenter, eksctl or kubelet-config")
	fs.BoolVar(&opts.MIME, "mime", false, "wrap the al2023 NodeConfig as MIME multipart")
	fs.IntVar(&opts.MaxPods, "max-pods", 0, "use this max pods instead of the computed one (kube-reserved follows)")
	fs.StringVar(&opts.Data.ClusterName, "cluster-name", "", "EKS cluster name")
	fs.StringVar(&opts.Data.APIServerEndpoint, "api-server-endpoint", "", "cluster API server endpoint (self-managed nodes)")
	fs.StringVar(&opts.Data.CertificateAuthority, "certificate-authority", "", "cluster CA, base64 (self-managed nodes)")
	fs.StringVar(&opts.Data.ServiceCIDR, "service-cidr", "", "cluster service CIDR (self-managed nodes)")
	fs.StringVar(&opts.Data.NodeGroupName, "name", "", "node group or EC2NodeClass name")
	fs.StringVar(&opts.Out, "out", "", "write to FILE (atomically) instead of stdout")
	mp.addFlags(fs)
	_ = c.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(report.UserDataFormats, cobra.ShellCompDirectiveNoFileComp))
	return c
}

func runUserData(opts *UserDataOptions) error {
	types, err := opts.Lookup([]string{opts.Type})
	if err != nil {
		return err
	}
	it := types[0]
	r := calc.ComputeMaxPods(it.Calc(), opts.Settings)
	maxPods := r.Recommended
	if opts.MaxPods > 0 {
		maxPods = opts.MaxPods
		if opts.MaxPods > r.Uncapped && !opts.Settings.IPv6 {
			fmt.Fprintf(opts.IO.ErrOut, "warning: --max-pods %d is above the %d pods %s can address: pods beyond that stay in ContainerCreating\n", opts.MaxPods, r.Uncapped, it.Name)
		}
	}
	if maxPods < 1 {
		return usageErrorf("max pods of %s is 0 with these settings (%s): no user data", it.Name, strings.Join(r.Notes, "; "))
	}
	u := opts.Data
	u.InstanceType = it.Name
	u.MaxPods = maxPods
	u.KubeReservedMemMiB = calc.KubeReservedMemoryMiB(maxPods)
	if it.VCPUs != nil {
		u.KubeReservedCPUMilli = calc.KubeReservedCPUMillicores(*it.VCPUs)
	} else {
		fmt.Fprintf(opts.IO.ErrOut, "note: vCPUs of %s not known: kube-reserved CPU left to the AMI\n", it.Name)
	}
	mode := "secondary IP"
	switch {
	case opts.Settings.IPv6 && r.PrefixDelegation:
		mode = "IPv6"
	case r.PrefixDelegation:
		mode = "prefix delegation"
	}
	if opts.Settings.CustomNetworking {
		mode += ", custom networking"
	}
	u.Comment = fmt.Sprintf("Generated by eksnet: %s, %s, max pods %d (address limit %d).\nkube-reserved memory = 11 x max pods + 255 MiB.", it.Name, mode, maxPods, r.Uncapped)
	for _, n := range r.Notes {
		fmt.Fprintf(opts.IO.ErrOut, "note: %s: %s\n", it.Name, n)
	}
	data, err := report.RenderUserData(opts.Format, u, opts.MIME)
	if err != nil {
		return usageError(err)
	}
	if opts.Out == "" {
		_, err := opts.IO.Out.Write(data)
		return err
	}
	if err := writeFileAtomic(opts.Out, data); err != nil {
		return environmentErrorf("writing %s: %v", opts.Out, err)
	}
	return nil
}
