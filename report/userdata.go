package report

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"gopkg.in/yaml.v3"
)

// UserData is what every bootstrap format needs to set the kubelet's max
// pods with the kube-reserved resources that follow it.
type UserData struct {
	ClusterName          string
	APIServerEndpoint    string
	CertificateAuthority string
	ServiceCIDR          string
	InstanceType         string
	NodeGroupName        string
	MaxPods              int
	KubeReservedMemMiB   int
	KubeReservedCPUMilli int // 0: not known, left to the AMI
	Comment              string
}

// UserDataFormats are the formats RenderUserData writes.
var UserDataFormats = []string{"al2", "al2023", "bottlerocket", "karpenter", "eksctl", "kubelet-config"}

// MIMEBoundary is fixed so that generated user data is reproducible.
const MIMEBoundary = "EKSNET-USERDATA-BOUNDARY"

func (u UserData) kubeReserved() map[string]string {
	r := map[string]string{"memory": fmt.Sprintf("%dMi", u.KubeReservedMemMiB)}
	if u.KubeReservedCPUMilli > 0 {
		r["cpu"] = fmt.Sprintf("%dm", u.KubeReservedCPUMilli)
	}
	return r
}

// RenderUserData writes u in a bootstrap format; mime wraps al2023's
// NodeConfig in the multipart document launch templates take.
func RenderUserData(format string, u UserData, mime bool) ([]byte, error) {
	if mime && format != "al2023" {
		return nil, fmt.Errorf("MIME multipart is for al2023 NodeConfig only")
	}
	switch format {
	case "al2":
		return al2(u)
	case "al2023":
		doc, err := yamlDoc(u.Comment, nodeConfig(u))
		if err != nil || !mime {
			return doc, err
		}
		return mimeWrap(doc)
	case "bottlerocket":
		return bottlerocket(u)
	case "karpenter":
		return yamlDoc(u.Comment+"\nMerge spec.kubelet into your EC2NodeClass (role, AMI and selector terms are yours).", ec2NodeClass(u))
	case "eksctl":
		return yamlDoc(u.Comment, eksctlConfig(u))
	case "kubelet-config":
		return yamlDoc(u.Comment, map[string]any{
			"apiVersion":   "kubelet.config.k8s.io/v1beta1",
			"kind":         "KubeletConfiguration",
			"maxPods":      u.MaxPods,
			"kubeReserved": u.kubeReserved(),
		})
	}
	return nil, fmt.Errorf("user data format %q: want one of %s", format, strings.Join(UserDataFormats, ", "))
}

func comment(c string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(c), "\n") {
		if line != "" {
			b.WriteString("# " + line + "\n")
		}
	}
	return b.String()
}

// al2 is a bootstrap.sh script. --use-max-pods false stops bootstrap.sh from
// writing the table's value; kube-reserved is passed too, because bootstrap.sh
// computes it from the table's max pods, not from the one given.
func al2(u UserData) ([]byte, error) {
	if u.ClusterName == "" {
		return nil, fmt.Errorf("al2 user data needs --cluster-name: bootstrap.sh takes the cluster's name")
	}
	reserved := fmt.Sprintf("memory=%dMi", u.KubeReservedMemMiB)
	if u.KubeReservedCPUMilli > 0 {
		reserved = fmt.Sprintf("cpu=%dm,%s", u.KubeReservedCPUMilli, reserved)
	}
	var extra []string
	if u.APIServerEndpoint != "" {
		extra = append(extra, "--apiserver-endpoint "+shellQuote(u.APIServerEndpoint))
	}
	if u.CertificateAuthority != "" {
		extra = append(extra, "--b64-cluster-ca "+shellQuote(u.CertificateAuthority))
	}
	if u.ServiceCIDR != "" {
		extra = append(extra, "--service-ipv4-cidr "+shellQuote(u.ServiceCIDR))
	}
	var b bytes.Buffer
	b.WriteString("#!/bin/bash\nset -o errexit -o pipefail -o nounset\n")
	b.WriteString(comment(u.Comment))
	fmt.Fprintf(&b, "/etc/eks/bootstrap.sh %s %s--use-max-pods false --kubelet-extra-args '--max-pods=%d --kube-reserved=%s'\n",
		shellQuote(u.ClusterName), strings.Join(append(extra, ""), " "), u.MaxPods, reserved)
	return b.Bytes(), nil
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func nodeConfig(u UserData) map[string]any {
	spec := map[string]any{
		"kubelet": map[string]any{"config": map[string]any{"maxPods": u.MaxPods, "kubeReserved": u.kubeReserved()}},
	}
	if u.ClusterName != "" {
		cluster := map[string]any{"name": u.ClusterName}
		for k, v := range map[string]string{"apiServerEndpoint": u.APIServerEndpoint, "certificateAuthority": u.CertificateAuthority, "cidr": u.ServiceCIDR} {
			if v != "" {
				cluster[k] = v
			}
		}
		spec["cluster"] = cluster
	}
	return map[string]any{"apiVersion": "node.eks.aws/v1alpha1", "kind": "NodeConfig", "spec": spec}
}

func ec2NodeClass(u UserData) map[string]any {
	name := u.NodeGroupName
	if name == "" {
		name = "default"
	}
	return map[string]any{
		"apiVersion": "karpenter.k8s.aws/v1",
		"kind":       "EC2NodeClass",
		"metadata":   map[string]any{"name": name},
		"spec":       map[string]any{"kubelet": map[string]any{"maxPods": u.MaxPods, "kubeReserved": u.kubeReserved()}},
	}
}

func eksctlConfig(u UserData) map[string]any {
	name := u.NodeGroupName
	if name == "" {
		name = "ng-" + strings.ReplaceAll(u.InstanceType, ".", "-")
	}
	return map[string]any{
		"apiVersion": "eksctl.io/v1alpha5",
		"kind":       "ClusterConfig",
		"metadata":   map[string]any{"name": u.ClusterName},
		"managedNodeGroups": []any{map[string]any{
			"name": name, "instanceType": u.InstanceType, "maxPodsPerNode": u.MaxPods,
		}},
	}
}

// yamlDoc writes v as YAML with the comment on top. Maps come out with
// sorted keys, which keeps the output stable.
func yamlDoc(c string, v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(comment(c))
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func bottlerocket(u UserData) ([]byte, error) {
	type kubernetes struct {
		ClusterName        string            `toml:"cluster-name,omitempty"`
		APIServer          string            `toml:"api-server,omitempty"`
		ClusterCertificate string            `toml:"cluster-certificate,omitempty"`
		MaxPods            int               `toml:"max-pods"`
		KubeReserved       map[string]string `toml:"kube-reserved"`
	}
	var doc struct {
		Settings struct {
			Kubernetes kubernetes `toml:"kubernetes"`
		} `toml:"settings"`
	}
	doc.Settings.Kubernetes = kubernetes{u.ClusterName, u.APIServerEndpoint, u.CertificateAuthority, u.MaxPods, u.kubeReserved()}
	body, err := toml.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return append([]byte(comment(u.Comment)), body...), nil
}

// mimeWrap puts a NodeConfig in the multipart document that EC2 launch
// templates and managed node groups take for AL2023.
func mimeWrap(nodeConfig []byte) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=%q\r\n\r\n", MIMEBoundary)
	w := multipart.NewWriter(&b)
	if err := w.SetBoundary(MIMEBoundary); err != nil {
		return nil, err
	}
	part, err := w.CreatePart(textproto.MIMEHeader{"Content-Type": {"application/node.eks.aws"}})
	if err != nil {
		return nil, err
	}
	if _, err := part.Write(nodeConfig); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
