// Package plan reads an eksnet plan file (a VPC's subnets, the node groups in
// them, and the policies they must keep) and checks it with calc and cidr.
// It is pure: callers hand it bytes, instance limits and, for live checks,
// what EC2 says is in the subnets.
package plan

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is the plan file format this package reads.
const Version = 1

// Plan is one plan file. The yaml tags are the file's keys; "required",
// "enum" and "min" are checked when reading, with the key's position.
type Plan struct {
	Version        int              `yaml:"version,required" min:"1"`
	VPC            VPC              `yaml:"vpc,required"`
	Subnets        []Subnet         `yaml:"subnets,required"`
	NodeGroups     []NodeGroup      `yaml:"nodeGroups"`
	OtherAddresses []OtherAddresses `yaml:"otherAddresses"`
	Policies       Policies         `yaml:"policies"`

	// File is the name the plan was read from; positions map a path such as
	// "subnets[2].cidr" to where it is in the file.
	File      string
	positions map[string]Pos
}

// VPC is the VPC the subnets are carved from.
type VPC struct {
	// ID is needed only by --live, to find the subnets by CIDR.
	ID string `yaml:"id"`
	// CIDRs: the primary CIDR first, then secondary ones (such as a
	// 100.64.0.0/16 for custom networking).
	CIDRs []string `yaml:"cidrs,required"`
}

// Subnet is one subnet of the plan.
type Subnet struct {
	Name string `yaml:"name,required"`
	CIDR string `yaml:"cidr,required"`
	AZ   string `yaml:"az,required"`
	// Role: node subnets hold nodes (and their pods without custom
	// networking), pod subnets hold custom-networking pods, both holds both.
	Role string `yaml:"role" enum:"node,pod,both"`
	// ID is the real subnet, for --live.
	ID           string        `yaml:"id"`
	Reservations []Reservation `yaml:"reservations"`
}

// Subnet roles.
const (
	RoleNode = "node"
	RolePod  = "pod"
	RoleBoth = "both"
)

// Reservation is a subnet CIDR reservation.
type Reservation struct {
	CIDR string `yaml:"cidr,required"`
	Type string `yaml:"type,required" enum:"prefix,explicit"`
}

// NodeGroup is a managed node group, an Auto Scaling group or a Karpenter
// node pool: nodes of one or more instance types spread over subnets.
type NodeGroup struct {
	Name          string   `yaml:"name,required"`
	InstanceTypes []string `yaml:"instanceTypes,required"`
	MinNodes      int      `yaml:"minNodes" min:"0"`
	DesiredNodes  int      `yaml:"desiredNodes" min:"0"`
	MaxNodes      int      `yaml:"maxNodes,required" min:"1"`
	// Surge is extra nodes during a rolling update: a count, or a percentage
	// of maxNodes such as "20%".
	Surge Surge `yaml:"surge"`
	// Subnets hold the nodes; PodSubnets the pods under custom networking
	// (one per AZ, as ENIConfigs name them).
	Subnets    []string `yaml:"subnets,required"`
	PodSubnets []string `yaml:"podSubnets"`
	CNI        CNI      `yaml:"cni"`
	// PodsPerNode is the pods that need a VPC address at peak, or "max".
	PodsPerNode PodsPerNode `yaml:"podsPerNode"`
	// MaxPods is the kubelet's --max-pods as the nodes' user data sets it;
	// 0 means eksnet's recommended value (`eksnet maxpods`).
	MaxPods int `yaml:"maxPods" min:"0"`
}

// CNI is the VPC CNI's configuration for a node group.
type CNI struct {
	Mode             string `yaml:"mode" enum:"secondary-ip,prefix"`
	CustomNetworking bool   `yaml:"customNetworking"`
	// WarmENITarget and WarmPrefixTarget default to 1 when absent.
	WarmENITarget         *int `yaml:"warmENITarget" min:"0"`
	WarmIPTarget          int  `yaml:"warmIPTarget" min:"0"`
	MinimumIPTarget       int  `yaml:"minimumIPTarget" min:"0"`
	WarmPrefixTarget      *int `yaml:"warmPrefixTarget" min:"0"`
	MaxENI                int  `yaml:"maxENI" min:"0"`
	SecurityGroupsForPods bool `yaml:"securityGroupsForPods"`
	// BranchPods are pods per node with their own branch ENI (security
	// groups for pods); they take no address from the pool.
	BranchPods int `yaml:"branchPods" min:"0"`
}

// CNI modes.
const (
	ModeSecondaryIP = "secondary-ip"
	ModePrefix      = "prefix"
)

// OtherAddresses are addresses that are not nodes' or pods': load
// balancers, VPC endpoints, NAT gateways, the EKS control plane's ENIs.
type OtherAddresses struct {
	Name    string   `yaml:"name,required"`
	Subnets []string `yaml:"subnets,required"`
	// Addresses is taken in each of the subnets.
	Addresses int `yaml:"addresses,required" min:"0"`
}

// Policies are what the plan promises beyond fitting.
type Policies struct {
	// HeadroomPercent is added to every subnet's demand (churn, bursts).
	HeadroomPercent int `yaml:"headroomPercent" min:"0"`
	// MinFreePrefixesPerSubnet /28s must stay free in each subnet that holds
	// pods, after the plan's peak.
	MinFreePrefixesPerSubnet int `yaml:"minFreePrefixesPerSubnet" min:"0"`
	// MinAZs is the AZs each node group's subnets must span.
	MinAZs int `yaml:"minAZs" min:"0"`
	// RequireMaxPodsCap: kubelet max pods may not exceed 110 (fewer than 30
	// vCPUs) or 250.
	RequireMaxPodsCap bool `yaml:"requireMaxPodsCap"`
	// AZFailure: each AZ must hold the nodes of a lost AZ too.
	AZFailure bool `yaml:"azFailure"`
	// LastBlockUsable counts each subnet's last /28 as prefix-eligible.
	LastBlockUsable bool `yaml:"lastBlockUsable"`
}

// Surge is a node count or a percentage of maxNodes.
type Surge struct {
	Nodes   int
	Percent int
}

// NodesAbove is the surge for maxNodes nodes.
func (s Surge) NodesAbove(maxNodes int) int {
	return s.Nodes + (maxNodes*s.Percent+99)/100
}

func (s *Surge) decodeScalar(v string) error {
	if p, ok := strings.CutSuffix(v, "%"); ok {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return fmt.Errorf("want a node count or a percentage such as 20%%, got %q", v)
		}
		s.Percent = n
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return fmt.Errorf("want a node count or a percentage such as 20%%, got %q", v)
	}
	s.Nodes = n
	return nil
}

// PodsPerNode is a pod count, or Max (the kubelet's max pods) when absent
// or "max".
type PodsPerNode struct {
	Count int
	Set   bool
}

// Max says the node group plans at the kubelet's max pods.
func (p PodsPerNode) Max() bool { return !p.Set }

func (p *PodsPerNode) decodeScalar(v string) error {
	if v == "max" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return fmt.Errorf("want a pod count or max, got %q", v)
	}
	p.Count, p.Set = n, true
	return nil
}

// Pos is a place in the plan file, 1-based.
type Pos struct {
	Line   int
	Column int
}

// At is the position of path, or of its nearest enclosing element when path
// itself is not in the file (a default).
func (p *Plan) At(path string) Pos {
	for path != "" {
		if pos, ok := p.positions[path]; ok {
			return pos
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return p.positions[""]
}
