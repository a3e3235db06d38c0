// Package calc holds eksnet's calculations: max pods, and later warm pools and
// subnet demand. Everything here is a pure function over plain values; no I/O,
// no AWS.
package calc

import "fmt"

// Instance is what the calculations need to know about an instance type.
type Instance struct {
	Name string
	// VCPUs is 0 when not known; the recommended cap then falls back to the
	// lower one, with a note.
	VCPUs int
	// ENIs is the ENI limit of the default network card (E).
	ENIs int
	// IPv4PerENI counts the ENI's primary address (I).
	IPv4PerENI int
	Hypervisor string // "nitro", "xen", or "" for bare metal
	BareMetal  bool
	// TrunkCompatible and BranchENIs describe security groups for pods.
	TrunkCompatible bool
	BranchENIs      int
}

// Nitro reports whether EC2 calls the hypervisor Nitro.
func (in Instance) Nitro() bool { return in.Hypervisor == "nitro" }

// The kubelet caps the recommended value: 110 is Kubernetes' tested pods per
// node, 250 what EKS tested for types with more than 30 vCPUs.
const (
	SmallNodeCap   = 110
	LargeNodeCap   = 250
	capVCPUCeiling = 30 // strict: 30 vCPUs still get the small cap
	// PrefixSize is the number of addresses in one delegated /28 prefix.
	PrefixSize = 16
	// hostNetworkPods are aws-node and kube-proxy, which need no VPC address.
	hostNetworkPods = 2
)

// MaxPodsOptions are the CNI and bootstrap settings that change max pods.
type MaxPodsOptions struct {
	CustomNetworking bool
	PrefixDelegation bool
	// CNIVersion is the VPC CNI version; nil means a current CNI.
	CNIVersion *CNIVersion
	// MaxENI caps the ENIs used for pods (CNI MAX_ENI); 0 means unset.
	MaxENI int
	// ReservedENIs has Karpenter's meaning: ENIs subtracted before the formula,
	// and no ENI left means no pods at all.
	ReservedENIs int
	// SecurityGroupsForPods attaches a trunk ENI, which takes one ENI from pods.
	SecurityGroupsForPods bool
	// IPv6 pods take addresses from a /80 per ENI, so only the cap limits them.
	IPv6 bool
	// CalculatorCompat reproduces AWS's max-pods-calculator.sh exactly: bare
	// metal (no hypervisor reported) never gets prefix delegation.
	CalculatorCompat bool
}

// MaxPods is the answer for one instance type.
type MaxPods struct {
	Instance Instance
	// PodENIs is the number of ENIs whose secondary addresses serve pods.
	PodENIs int
	// PrefixDelegation is whether /28 prefixes are really in use, which the
	// request alone does not decide.
	PrefixDelegation bool
	// Uncapped is the address-limited value (the calculator's
	// --show-max-allowed); Recommended applies the 110/250 cap.
	Uncapped    int
	Recommended int
	Cap         int
	// BranchPods is the security-groups-for-pods capacity (pods with their own
	// branch ENI, counted by the kubelet as vpc.amazonaws.com/pod-eni).
	BranchPods int
	Notes      []string
}

// PrefixDelegationSupported says whether the CNI can use /28 prefixes on this
// type, and why not when it cannot.
func PrefixDelegationSupported(in Instance, o MaxPodsOptions) (bool, string) {
	switch {
	case o.CNIVersion != nil && o.CNIVersion.Less(CNIVersion{1, 9, 0}):
		return false, fmt.Sprintf("prefix delegation needs VPC CNI 1.9.0 or later (have %s)", o.CNIVersion)
	case in.Nitro():
		return true, ""
	case in.BareMetal && o.CalculatorCompat:
		return false, "prefix delegation not applied: the AWS calculator treats bare metal (no hypervisor reported) as non-Nitro"
	case in.BareMetal && o.CNIVersion != nil && o.CNIVersion.Less(CNIVersion{1, 11, 0}):
		return false, fmt.Sprintf("prefix delegation on bare metal needs VPC CNI 1.11.0 or later (have %s)", o.CNIVersion)
	case in.BareMetal:
		return true, ""
	case in.Hypervisor == "":
		return false, "prefix delegation not applied: hypervisor not known, and the CNI supports prefixes only on Nitro and bare metal"
	default:
		return false, fmt.Sprintf("prefix delegation not applied: %s hypervisor; the CNI falls back to secondary IPs", in.Hypervisor)
	}
}

// RecommendedCap is the 110/250 cap for a vCPU count (0 = unknown).
func RecommendedCap(vcpus int) int {
	if vcpus > capVCPUCeiling {
		return LargeNodeCap
	}
	return SmallNodeCap
}

// PodENIs is the number of ENIs left for pods after MAX_ENI, custom networking,
// the trunk ENI and reserved ENIs, never below zero.
func PodENIs(in Instance, o MaxPodsOptions) int {
	n := in.ENIs
	if o.MaxENI > 0 {
		n = min(n, o.MaxENI)
	}
	if o.CustomNetworking {
		n-- // the primary ENI stays in the node subnet
	}
	if o.SecurityGroupsForPods && in.TrunkCompatible {
		n-- // the trunk ENI
	}
	n -= o.ReservedENIs
	return max(n, 0)
}

// AddressesPerENI is how many pod addresses one ENI holds: its secondary IPs,
// or 16 per secondary slot with prefix delegation.
func AddressesPerENI(in Instance, prefixDelegation bool) int {
	slots := in.IPv4PerENI - 1 // the primary address is not for pods
	if prefixDelegation {
		return slots * PrefixSize
	}
	return slots
}

// ComputeMaxPods applies the max-pods rules of the VPC CNI and AWS's
// calculator to one instance type.
func ComputeMaxPods(in Instance, o MaxPodsOptions) MaxPods {
	r := MaxPods{Instance: in, Cap: RecommendedCap(in.VCPUs)}
	if o.SecurityGroupsForPods {
		if in.TrunkCompatible {
			r.BranchPods = in.BranchENIs
			r.Notes = append(r.Notes, fmt.Sprintf("security groups for pods: the trunk ENI takes one ENI; up to %d branch-ENI pods besides", in.BranchENIs))
		} else {
			r.Notes = append(r.Notes, "security groups for pods: not trunk-compatible, no branch ENIs")
		}
	}

	pdWanted := o.PrefixDelegation || o.IPv6
	if pdWanted {
		ok, why := PrefixDelegationSupported(in, o)
		r.PrefixDelegation = ok
		if !ok {
			r.Notes = append(r.Notes, why)
		}
	}
	r.PodENIs = PodENIs(in, o)

	if o.IPv6 {
		if !r.PrefixDelegation {
			r.Notes = append(r.Notes, "IPv6 needs prefix delegation, so the CNI cannot run in IPv6 mode on this type")
			return r
		}
		// Each ENI gets a /80: addresses never run out, only the cap binds.
		r.Notes = append(r.Notes, "IPv6: pods are not address-limited; max pods is the kubelet cap")
		r.Uncapped, r.Recommended = r.Cap, r.Cap
		r.noteUnknownCap(true)
		return r
	}

	switch {
	case r.PodENIs == 0 && o.ReservedENIs > 0:
		// Karpenter: no usable ENI means the node takes no pods.
		r.Notes = append(r.Notes, "no ENI left for pods after reserved ENIs: 0 pods (Karpenter's rule)")
		r.Uncapped = 0
	case r.PodENIs == 0:
		r.Notes = append(r.Notes, "no ENI left for pods: only the 2 host-network pods fit")
		r.Uncapped = hostNetworkPods
	default:
		r.Uncapped = r.PodENIs*AddressesPerENI(in, r.PrefixDelegation) + hostNetworkPods
	}
	r.Recommended = min(r.Uncapped, r.Cap)
	r.noteUnknownCap(r.Uncapped > SmallNodeCap)
	return r
}

// noteUnknownCap says which cap was assumed when the vCPUs that decide it are
// not known and the cap binds, rather than guessing silently.
func (r *MaxPods) noteUnknownCap(binds bool) {
	if r.Instance.VCPUs == 0 && binds {
		r.Notes = append(r.Notes, fmt.Sprintf("vCPUs not known: applied the %d cap (it is %d if the type has more than %d vCPUs)",
			SmallNodeCap, LargeNodeCap, capVCPUCeiling))
	}
}
