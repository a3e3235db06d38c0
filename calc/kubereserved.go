package calc

// KubeReservedMemoryMiB is the memory the EKS AMIs, nodeadm and Karpenter
// reserve for the kubelet and container runtime: 11 MiB per pod plus 255.
func KubeReservedMemoryMiB(maxPods int) int { return 11*maxPods + 255 }

// cpuReserveSteps is the AMIs' per-core CPU reservation: 6 % of the first
// core, 1 % of the second, 0.5 % of the third and fourth, 0.25 % of every
// core above four, in basis points of a core.
var cpuReserveSteps = []struct{ fromCores, basisPoints int }{{0, 600}, {1, 100}, {2, 50}, {4, 25}}

// KubeReservedCPUMillicores is the kube-reserved CPU for a vCPU count.
func KubeReservedCPUMillicores(vcpus int) int {
	total := 0
	for i, step := range cpuReserveSteps {
		upTo := vcpus
		if i+1 < len(cpuReserveSteps) {
			upTo = min(vcpus, cpuReserveSteps[i+1].fromCores)
		}
		if upTo > step.fromCores {
			total += (upTo - step.fromCores) * 1000 * step.basisPoints / 10000
		}
	}
	return total
}
