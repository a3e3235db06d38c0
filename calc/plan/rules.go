package plan

import (
	"fmt"
	"strings"
)

// Severity orders violations; --fail-on picks the lowest that fails a run.
type Severity int

const (
	SeverityInfo Severity = iota
	SeverityWarning
	SeverityError
)

var severityNames = []string{"info", "warning", "error"}

func (s Severity) String() string { return severityNames[s] }

// MarshalText writes the severity's name in JSON and YAML.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity's name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	*s = v
	return err
}

// ParseSeverity reads a severity name.
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if n == name {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("severity %q: want one of %s", name, strings.Join(severityNames, ", "))
}

// Rule is one check. IDs are stable: CI configurations and suppressions
// name them.
type Rule struct {
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	Summary  string   `json:"summary"`
	// Live rules run only with what EC2 says (plan check --live).
	Live bool `json:"live"`
}

// Rule IDs.
const (
	RuleCIDRValid           = "cidr-valid"
	RuleCIDRSize            = "cidr-size"
	RuleVPCCIDROverlap      = "vpc-cidr-overlap"
	RuleSubnetInVPC         = "subnet-in-vpc"
	RuleSubnetOverlap       = "subnet-overlap"
	RuleReservationInSubnet = "reservation-in-subnet"
	RuleNameUnique          = "name-unique"
	RuleSubnetReference     = "subnet-reference"
	RuleSubnetRole          = "subnet-role"
	RuleMinAZs              = "min-azs"
	RuleNodeCounts          = "node-counts"
	RuleInstanceType        = "instance-type"
	RulePrefixDelegation    = "prefix-delegation-supported"
	RuleMaxPodsAddresses    = "max-pods-addresses"
	RuleMaxPodsCap          = "max-pods-cap"
	RulePodsPerNode         = "pods-per-node"
	RulePodSubnetAZ         = "pod-subnet-az"
	RuleWarmPool            = "warm-pool"
	RuleSubnetCapacity      = "subnet-capacity"
	RuleMinFreePrefixes     = "min-free-prefixes"
	RuleLiveSubnet          = "live-subnet"
	RuleLiveReservation     = "live-reservation"
	RuleLiveCapacity        = "live-capacity"
	RuleLiveMinFreePrefixes = "live-min-free-prefixes"
)

// Rules is every check, in the order they run.
var Rules = []Rule{
	{RuleCIDRValid, SeverityError, "every CIDR is an IPv4 network address with a prefix length", false},
	{RuleCIDRSize, SeverityError, "VPC CIDRs and subnets are /16 to /28, as AWS allows", false},
	{RuleVPCCIDROverlap, SeverityError, "the VPC's CIDRs do not overlap", false},
	{RuleSubnetInVPC, SeverityError, "every subnet lies inside one of the VPC's CIDRs", false},
	{RuleSubnetOverlap, SeverityError, "subnets do not overlap", false},
	{RuleReservationInSubnet, SeverityError, "CIDR reservations lie inside their subnet and do not overlap", false},
	{RuleNameUnique, SeverityError, "subnet and node group names are unique", false},
	{RuleSubnetReference, SeverityError, "node groups and other consumers name subnets the plan defines", false},
	{RuleSubnetRole, SeverityWarning, "nodes go in node or both subnets, custom-networking pods in pod or both subnets", false},
	{RuleMinAZs, SeverityError, "each node group's subnets span policies.minAZs availability zones", false},
	{RuleNodeCounts, SeverityError, "minNodes <= desiredNodes <= maxNodes", false},
	{RuleInstanceType, SeverityError, "instance types are known to eksnet's instance table", false},
	{RulePrefixDelegation, SeverityError, "prefix mode only on instance types that can use /28 prefixes (Nitro)", false},
	{RuleMaxPodsAddresses, SeverityError, "kubelet maxPods is not above the pod addresses a node can get", false},
	{RuleMaxPodsCap, SeverityError, "with policies.requireMaxPodsCap, kubelet maxPods is within 110 (under 30 vCPUs) or 250", false},
	{RulePodsPerNode, SeverityError, "podsPerNode is not above the kubelet's maxPods", false},
	{RulePodSubnetAZ, SeverityError, "custom networking has a pod subnet in the AZ of every node subnet", false},
	{RuleWarmPool, SeverityWarning, "warm-pool settings that ipamd handles badly (flapping, starvation)", false},
	{RuleSubnetCapacity, SeverityError, "each subnet holds its node groups at maxNodes plus surge, warm pools, other addresses and headroom, with every single address spoiling a /28 (worst case)", false},
	{RuleMinFreePrefixes, SeverityError, "policies.minFreePrefixesPerSubnet /28s stay free in each pod-holding subnet at peak", false},
	{RuleLiveSubnet, SeverityError, "each plan subnet exists with the same CIDR and AZ", true},
	{RuleLiveReservation, SeverityWarning, "the plan's CIDR reservations exist", true},
	{RuleLiveCapacity, SeverityError, "what the plan still needs fits the subnet's free blocks and addresses as they are now", true},
	{RuleLiveMinFreePrefixes, SeverityError, "each pod-holding subnet has policies.minFreePrefixesPerSubnet allocatable /28s now", true},
}

func ruleByID(id string) Rule {
	for _, r := range Rules {
		if r.ID == id {
			return r
		}
	}
	panic("plan: unknown rule " + id)
}
