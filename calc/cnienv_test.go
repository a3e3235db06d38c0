package calc

import (
	"strings"
	"testing"
)

func TestSettingsFromCNIEnv(t *testing.T) {
	s, notes := SettingsFromCNIEnv(map[string]string{})
	if s.WarmENITarget != 1 || s.WarmPrefixTarget != 0 || s.WarmIPTarget != 0 || s.PrefixDelegation || len(notes) != 0 {
		t.Errorf("unset: %+v %q", s, notes)
	}
	s, notes = SettingsFromCNIEnv(map[string]string{
		"WARM_ENI_TARGET": "x", "WARM_IP_TARGET": "-4", "MINIMUM_IP_TARGET": "12", "MAX_ENI": "0",
		"ENABLE_PREFIX_DELEGATION": "true", "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG": "TRUE", "ENABLE_POD_ENI": "false",
	})
	want := WarmPoolSettings{WarmENITarget: 1, MinimumIPTarget: 12, PrefixDelegation: true, CustomNetworking: true}
	if s != want {
		t.Errorf("got %+v, want %+v", s, want)
	}
	joined := strings.Join(notes, "; ")
	for _, frag := range []string{`WARM_ENI_TARGET="x"`, `WARM_IP_TARGET="-4"`, `MAX_ENI="0"`, "WARM_PREFIX_TARGET is not set"} {
		if !strings.Contains(joined, frag) {
			t.Errorf("notes %q lack %q", joined, frag)
		}
	}
	if s, _ := SettingsFromCNIEnv(map[string]string{"WARM_ENI_TARGET": "0"}); s.WarmENITarget != 0 {
		t.Error("WARM_ENI_TARGET=0 is allowed")
	}
}
