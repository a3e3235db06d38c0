package plan

import (
	"bytes"
	"fmt"
	"net/netip"
	"text/template"

	"github.com/eksnet/eksnet/calc"
	"github.com/eksnet/eksnet/cidr"
)

// ExampleOptions shape the plan `eksnet plan init` writes.
type ExampleOptions struct {
	Instance         calc.Instance
	VPC              netip.Prefix
	AZs              []string
	MaxNodes         int
	PrefixDelegation bool
}

// The example's fixed choices, each explained in its comments.
const (
	exampleSurgePct     = 20
	exampleHeadroomPct  = 20
	exampleOthers       = 16
	exampleMinFreePD    = 8
	exampleDesiredShare = 2 // desired nodes = max / 2
)

// Example is a commented plan that passes Check: one node group spread over
// one subnet per AZ, each subnet the smallest that holds the group at peak
// with the example's headroom and free-prefix policy, carved from the VPC CIDR.
func Example(o ExampleOptions) ([]byte, error) {
	if len(o.AZs) == 0 || o.MaxNodes < 1 {
		return nil, fmt.Errorf("an example needs at least one AZ and one node")
	}
	settings := calc.WarmPoolSettings{WarmENITarget: 1, WarmPrefixTarget: 1, PrefixDelegation: o.PrefixDelegation}
	peak := o.MaxNodes + Surge{Percent: exampleSurgePct}.NodesAbove(o.MaxNodes)
	ng := calc.NodeGroup{Name: "general", Instance: o.Instance, Settings: settings, PodsPerNode: -1,
		NodesPerAZ: calc.PeakNodesPerAZ(peak, 0, 0, len(o.AZs), false)}
	sz, err := calc.SizeSubnets([]calc.NodeGroup{ng}, exampleOthers, exampleHeadroomPct, false)
	if err != nil {
		return nil, err
	}
	minFree := 0
	if o.PrefixDelegation {
		minFree = exampleMinFreePD
	}
	bits := calc.SubnetNeedFor(sz.PerAZ.Blocks+minFree, sz.PerAZ.Singles, false).PrefixLengthWorstCase
	if bits == 0 {
		return nil, fmt.Errorf("%d %s nodes per AZ need more than a /%d subnet: use more AZs or fewer nodes", ng.NodesPerAZ, o.Instance.Name, cidr.MinSubnetBits)
	}
	reqs := make([]cidr.Request, len(o.AZs))
	for i, az := range o.AZs {
		reqs[i] = cidr.Request{Name: fmt.Sprintf("nodes-%d", i+1), Bits: bits, AZ: az}
	}
	allocs, err := cidr.Split(o.VPC, reqs, nil)
	if err != nil {
		return nil, fmt.Errorf("%d /%d subnets (one per AZ) do not fit %s: %v", len(o.AZs), bits, o.VPC, err)
	}
	mode := ModeSecondaryIP
	if o.PrefixDelegation {
		mode = ModePrefix
	}
	var b bytes.Buffer
	err = exampleTemplate.Execute(&b, map[string]any{
		"VPC": o.VPC, "Subnets": allocs, "Type": o.Instance.Name, "Mode": mode,
		"Min": min(1, o.MaxNodes), "Desired": max(1, o.MaxNodes/exampleDesiredShare), "Max": o.MaxNodes,
		"Surge": exampleSurgePct, "Headroom": exampleHeadroomPct, "Others": exampleOthers, "MinFree": minFree,
		"MinAZs": min(len(o.AZs), 2), "Peak": ng.NodesPerAZ,
	})
	return b.Bytes(), err
}

var exampleTemplate = template.Must(template.New("plan").Parse(`# An eksnet plan: check it with 'eksnet plan check FILE'. Every key is
# described in eksnet's README (Plan files); unknown keys are errors, so a
# typo never goes unnoticed.
version: 1

vpc:
  # id: vpc-0123456789abcdef0   # for 'plan check --live': find the subnets by CIDR
  cidrs:                        # primary first, then secondary CIDRs
    - {{.VPC}}

subnets:
{{- range .Subnets}}
  - name: {{.Name}}
    cidr: {{.CIDR}}
    az: {{.AZ}}
    role: both                  # node, pod (custom networking) or both
    # id: subnet-0123...        # for --live, instead of matching by CIDR
    # reservations:             # subnet CIDR reservations
    #   - cidr: 10.0.16.0/20
    #     type: prefix          # prefix or explicit
{{- end}}

nodeGroups:
  - name: general
    instanceTypes: [{{.Type}}]  # the subnets are sized for the hungriest type listed
    minNodes: {{.Min}}
    desiredNodes: {{.Desired}}
    maxNodes: {{.Max}}
    surge: {{.Surge}}%                  # extra nodes during rolling updates: a count or a percentage
    subnets: [{{range $i, $s := .Subnets}}{{if $i}}, {{end}}{{$s.Name}}{{end}}]
    # podSubnets: [...]         # with customNetworking: one pod subnet per AZ
    cni:
      mode: {{.Mode}}           # secondary-ip or prefix
      customNetworking: false
      # warmENITarget: 1        # defaults as the VPC CNI's
      # warmIPTarget: 0
      # minimumIPTarget: 0
      # warmPrefixTarget: 1
      # maxENI: 0
      # securityGroupsForPods: false
      # branchPods: 0
    podsPerNode: max            # pods that need a VPC address per node, or max
    # maxPods: 110              # the kubelet's --max-pods in the user data; default: eksnet maxpods
    # ({{.Peak}} nodes per subnet at peak)

otherAddresses:
  - name: load balancers and endpoints
    subnets: [{{range $i, $s := .Subnets}}{{if $i}}, {{end}}{{$s.Name}}{{end}}]
    addresses: {{.Others}}               # in each of those subnets

policies:
  headroomPercent: {{.Headroom}}           # added to every subnet's demand
  minFreePrefixesPerSubnet: {{.MinFree}}    # /28s left free at peak in each pod subnet
  minAZs: {{.MinAZs}}                     # AZs each node group spans
  requireMaxPodsCap: true       # kubelet maxPods within 110 (< 30 vCPUs) or 250
  azFailure: false              # true: each AZ also holds a lost AZ's nodes
  lastBlockUsable: false        # count each subnet's last /28 as prefix-eligible
`))
