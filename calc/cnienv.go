package calc

import (
	"fmt"
	"strconv"
	"strings"
)

// SettingsFromCNIEnv reads the aws-node container's environment the way
// ipamd parses it (warm-pool.md §2): unset or unparsable WARM_ENI_TARGET is
// 1; unset or negative WARM_IP_TARGET and MINIMUM_IP_TARGET are 0 (unset);
// WARM_PREFIX_TARGET is 0 when unset, which the manifests avoid by setting 1;
// MAX_ENI below 1 is ignored. Every value ipamd would replace is reported.
func SettingsFromCNIEnv(env map[string]string) (WarmPoolSettings, []string) {
	var notes []string
	intVar := func(name string, def, min int) int {
		raw, ok := env[name]
		if !ok {
			return def
		}
		n, err := strconv.Atoi(strings.TrimSpace(raw))
		if err != nil || n < min {
			notes = append(notes, fmt.Sprintf("%s=%q: ipamd reads this as %d", name, raw, def))
			return def
		}
		return n
	}
	boolVar := func(name string) bool {
		b, _ := strconv.ParseBool(strings.TrimSpace(env[name]))
		return b
	}
	s := WarmPoolSettings{
		WarmENITarget:         intVar("WARM_ENI_TARGET", 1, 0),
		WarmIPTarget:          intVar("WARM_IP_TARGET", 0, 0),
		MinimumIPTarget:       intVar("MINIMUM_IP_TARGET", 0, 0),
		WarmPrefixTarget:      intVar("WARM_PREFIX_TARGET", 0, 0),
		MaxENI:                intVar("MAX_ENI", 0, 1),
		PrefixDelegation:      boolVar("ENABLE_PREFIX_DELEGATION"),
		CustomNetworking:      boolVar("AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG"),
		SecurityGroupsForPods: boolVar("ENABLE_POD_ENI"),
	}
	if _, ok := env["WARM_PREFIX_TARGET"]; !ok && s.PrefixDelegation {
		notes = append(notes, "WARM_PREFIX_TARGET is not set: ipamd uses 0, not the manifests' 1")
	}
	return s, notes
}
