package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

type sample struct {
	InstanceType string   `json:"instanceType"`
	VCPUs        *int     `json:"vcpus"`
	MaxPods      int      `json:"maxPods"`
	Version      string   `json:"version"`
	Notes        []string `json:"notes"`
}

func sampleDoc() Doc {
	two := 2
	return Doc{
		Columns: []string{"type", "vcpus", "max pods", "mode"},
		Rows: [][]string{
			{"m5.large", "2", "29", "ip"},
			{"c9g.large", "-", "110", "prefix"},
		},
		Data: []sample{
			{"m5.large", &two, 29, "1.10", []string{}},
			{"c9g.large", nil, 110, "yes", []string{"vCPUs not known: applied the 110 cap"}},
		},
	}
}

// Golden files pin every format byte for byte; run with -update after an
// intended change and read the diff.
func TestWriteGolden(t *testing.T) {
	cases := []struct {
		file     string
		format   Format
		terminal bool
	}{
		{"table-terminal.txt", Table, true},
		{"table-pipe.txt", Table, false},
		{"sample.csv", CSV, false},
		{"sample.json", JSON, false},
		{"sample.yaml", YAML, false},
	}
	for _, tc := range cases {
		var buf bytes.Buffer
		if err := Write(&buf, tc.format, sampleDoc(), tc.terminal); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", tc.file)
		if *update {
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./report -update)", err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s differs:\n--- got\n%s--- want\n%s", tc.file, buf.String(), want)
		}
	}
}

func TestParseFormat(t *testing.T) {
	if f, err := ParseFormat("json", Table, JSON); err != nil || f != JSON {
		t.Errorf("json: %v %v", f, err)
	}
	if _, err := ParseFormat("yaml", Table, JSON); err == nil || err.Error() != `output format "yaml": want one of table, json` {
		t.Errorf("yaml where not offered: %v", err)
	}
}
