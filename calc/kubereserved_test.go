package calc

import "testing"

func TestKubeReserved(t *testing.T) {
	// maxpods.md §3: Karpenter's t3.large test, 35 pods -> 640Mi; 24 -> 519Mi.
	for pods, want := range map[int]int{35: 640, 24: 519, 110: 1465, 29: 574} {
		if got := KubeReservedMemoryMiB(pods); got != want {
			t.Errorf("memory for %d pods: %d, want %d", pods, got, want)
		}
	}
	// 6 % of core 1, 1 % of core 2, 0.5 % of cores 3-4, 0.25 % above.
	for vcpus, want := range map[int]int{1: 60, 2: 70, 4: 80, 8: 90, 16: 110, 96: 310} {
		if got := KubeReservedCPUMillicores(vcpus); got != want {
			t.Errorf("CPU for %d vCPUs: %dm, want %dm", vcpus, got, want)
		}
	}
}
