package cmd

import (
	"bytes"
	"flag"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// golden compares got with testdata/NAME, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("..", "testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd -run %s -update)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s--- want\n%s", name, got, want)
	}
}

// The same max pods as `eksnet maxpods` for the same flags: no second formula.
func maxPodsFor(t *testing.T, args ...string) int {
	r := eksnet(t, append([]string{"maxpods"}, args...)...)
	n, err := strconv.Atoi(strings.TrimSpace(r.stdout))
	if err != nil {
		t.Fatalf("maxpods %v: %q %s", args, r.stdout, r.stderr)
	}
	return n
}

func TestUserDataFormats(t *testing.T) {
	mode := []string{"m5.large", "--prefix-delegation", "--cni-version", "1.18.0"}
	want := maxPodsFor(t, mode...)
	memory := strconv.Itoa(11*want+255) + "Mi"
	run := func(format string, extra ...string) string {
		r := eksnet(t, append(append([]string{"userdata", "--format", format, "--cluster-name", "prod"}, mode...), extra...)...)
		if r.code != 0 {
			t.Fatalf("%s: exit %d %s", format, r.code, r.stderr)
		}
		return r.stdout
	}

	// al2: a shell script bash accepts, passing max pods and kube-reserved.
	al2 := run("al2")
	golden(t, "userdata/al2.sh", al2)
	if err := exec.Command("bash", "-n", "-c", al2).Run(); err != nil {
		t.Errorf("al2 user data is not valid bash: %v", err)
	}
	if !strings.Contains(al2, "--use-max-pods false") || !strings.Contains(al2, "--max-pods="+strconv.Itoa(want)+" ") || !strings.Contains(al2, "memory="+memory) {
		t.Errorf("al2:\n%s", al2)
	}

	// al2023: a NodeConfig; with --mime, inside a multipart document.
	type nodeConfig struct {
		Kind string `yaml:"kind"`
		Spec struct {
			Cluster struct{ Name string } `yaml:"cluster"`
			Kubelet struct {
				Config struct {
					MaxPods      int               `yaml:"maxPods"`
					KubeReserved map[string]string `yaml:"kubeReserved"`
				} `yaml:"config"`
			} `yaml:"kubelet"`
		} `yaml:"spec"`
	}
	check := func(name string, doc []byte) {
		var nc nodeConfig
		if err := yaml.Unmarshal(doc, &nc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if nc.Kind != "NodeConfig" || nc.Spec.Cluster.Name != "prod" || nc.Spec.Kubelet.Config.MaxPods != want || nc.Spec.Kubelet.Config.KubeReserved["memory"] != memory {
			t.Errorf("%s: %+v", name, nc)
		}
	}
	plain := run("al2023")
	golden(t, "userdata/al2023.yaml", plain)
	check("al2023", []byte(plain))
	withMIME := run("al2023", "--mime")
	golden(t, "userdata/al2023.mime", withMIME)
	msg, err := mail.ReadMessage(strings.NewReader(withMIME))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("MIME type %q %v", mt, err)
	}
	part, err := multipart.NewReader(msg.Body, params["boundary"]).NextPart()
	if err != nil || part.Header.Get("Content-Type") != "application/node.eks.aws" {
		t.Fatalf("MIME part: %v %v", part, err)
	}
	body, _ := io.ReadAll(part)
	check("al2023 --mime", body)

	// bottlerocket: TOML settings.
	br := run("bottlerocket")
	golden(t, "userdata/bottlerocket.toml", br)
	var settings struct {
		Settings struct {
			Kubernetes struct {
				ClusterName  string            `toml:"cluster-name"`
				MaxPods      int               `toml:"max-pods"`
				KubeReserved map[string]string `toml:"kube-reserved"`
			} `toml:"kubernetes"`
		} `toml:"settings"`
	}
	if err := toml.Unmarshal([]byte(br), &settings); err != nil {
		t.Fatal(err)
	}
	if k := settings.Settings.Kubernetes; k.MaxPods != want || k.ClusterName != "prod" || k.KubeReserved["memory"] != memory || k.KubeReserved["cpu"] != "70m" {
		t.Errorf("bottlerocket: %+v", k)
	}

	// karpenter, eksctl and kubelet-config: YAML in each tool's shape.
	kp := run("karpenter", "--name", "pd")
	golden(t, "userdata/karpenter.yaml", kp)
	var nodeClass struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct{ Name string }
		Spec       struct {
			Kubelet struct {
				MaxPods      int               `yaml:"maxPods"`
				KubeReserved map[string]string `yaml:"kubeReserved"`
			} `yaml:"kubelet"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal([]byte(kp), &nodeClass); err != nil || nodeClass.Kind != "EC2NodeClass" || nodeClass.Metadata.Name != "pd" || nodeClass.Spec.Kubelet.MaxPods != want {
		t.Errorf("karpenter: %+v %v", nodeClass, err)
	}
	ek := run("eksctl")
	golden(t, "userdata/eksctl.yaml", ek)
	var cc struct {
		Kind              string `yaml:"kind"`
		ManagedNodeGroups []struct {
			InstanceType   string `yaml:"instanceType"`
			MaxPodsPerNode int    `yaml:"maxPodsPerNode"`
		} `yaml:"managedNodeGroups"`
	}
	if err := yaml.Unmarshal([]byte(ek), &cc); err != nil || cc.Kind != "ClusterConfig" || cc.ManagedNodeGroups[0].MaxPodsPerNode != want || cc.ManagedNodeGroups[0].InstanceType != "m5.large" {
		t.Errorf("eksctl: %+v %v", cc, err)
	}
	kc := run("kubelet-config")
	golden(t, "userdata/kubelet-config.yaml", kc)
	var kubelet struct {
		Kind    string `yaml:"kind"`
		MaxPods int    `yaml:"maxPods"`
	}
	if err := yaml.Unmarshal([]byte(kc), &kubelet); err != nil || kubelet.Kind != "KubeletConfiguration" || kubelet.MaxPods != want {
		t.Errorf("kubelet-config: %+v %v", kubelet, err)
	}
}

func TestUserDataOutAndErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "ud.yaml")
	if r := eksnet(t, "userdata", "m5.large", "--format", "kubelet-config", "--max-pods", "50", "--out", out); r.code != 0 || r.stdout != "" {
		t.Fatalf("--out: exit %d %q %s", r.code, r.stdout, r.stderr)
	}
	data, _ := os.ReadFile(out)
	if !bytes.Contains(data, []byte("maxPods: 50")) || !bytes.Contains(data, []byte("memory: 805Mi")) {
		t.Errorf("--max-pods 50 with kube-reserved following:\n%s", data)
	}
	wantUsageError(t, eksnet(t, "userdata", "m5.large", "--format", "al2"), "--cluster-name")
	wantUsageError(t, eksnet(t, "userdata", "m5.large", "--format", "eksctl"), "--cluster-name")
	wantUsageError(t, eksnet(t, "userdata", "m5.large", "--format", "ubuntu"), `"ubuntu"`, "al2023")
	wantUsageError(t, eksnet(t, "userdata", "m5.large", "--format", "bottlerocket", "--mime"), "--mime")
	wantUsageError(t, eksnet(t, "userdata", "m5.larg", "--format", "al2023"), "m5.large")
	wantUsageError(t, eksnet(t, "userdata", "m5.large", "--format", "al2023", "--max-eni", "0"), "--max-eni 0")
	wantUsageError(t, eksnet(t, "userdata", "hpc6id.32xlarge", "--format", "al2023", "--reserved-enis", "1"), "max pods of hpc6id.32xlarge is 0")
	r := eksnet(t, "userdata", "m5.large", "--format", "al2023", "--out", filepath.Join(t.TempDir(), "missing", "x.yaml"))
	wantOneLineError(t, r, ExitEnvironment, "writing")
}
