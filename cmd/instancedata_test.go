package cmd

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/eksnet/eksnet/instancedata"
)

func TestInstanceDataShow(t *testing.T) {
	r := eksnet(t, "instancedata", "show", "m5.large", "c9g.large")
	for _, want := range []string{"ENIs (default card)", "branch ENIs", "supplement", "unknown"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("show lacks %q:\n%s", want, r.stdout)
		}
	}
	r = eksnet(t, "instancedata", "show", "p5.48xlarge", "-o", "json")
	var types []instancedata.InstanceType
	if err := json.Unmarshal([]byte(r.stdout), &types); err != nil || len(types) != 1 {
		t.Fatal(err, r.stdout)
	}
	if p5 := types[0]; p5.DefaultCardENIs() >= p5.MaxENIs || p5.VCPUs == nil || p5.EFAMaxInterfaces == 0 {
		t.Errorf("p5.48xlarge: %+v", p5)
	}
	wantUsageError(t, eksnet(t, "instancedata", "show", "p5.48xlrge"), "p5.48xlarge")
	wantUsageError(t, eksnet(t, "instancedata", "show"), "arg")
}

func TestInstanceDataList(t *testing.T) {
	r := eksnet(t, "instancedata", "list", "--family", "c6in", "-o", "csv")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) < 5 || !strings.HasPrefix(lines[1], "c6in.") {
		t.Errorf("c6in list:\n%s", r.stdout)
	}
	r = eksnet(t, "instancedata", "list", "--filter", "vcpus>=192", "--filter", "hypervisor=nitro", "-o", "json")
	var types []instancedata.InstanceType
	if err := json.Unmarshal([]byte(r.stdout), &types); err != nil || len(types) == 0 {
		t.Fatal(err, r.stdout)
	}
	for _, it := range types {
		if *it.VCPUs < 192 || it.Hypervisor != "nitro" {
			t.Errorf("%s does not match the filters", it.Name)
		}
	}
	r = eksnet(t, "instancedata", "list", "--filter", "supplemented=true", "-o", "json")
	if err := json.Unmarshal([]byte(r.stdout), &types); err != nil || len(types) != 128 {
		t.Errorf("supplemented types: %d, %v", len(types), err)
	}
	wantUsageError(t, eksnet(t, "instancedata", "list", "--filter", "colour=red"), "colour", "vcpus")
	wantUsageError(t, eksnet(t, "instancedata", "list", "-o", "xml"), "xml")
}
