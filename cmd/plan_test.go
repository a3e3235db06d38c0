package cmd

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/eksnet/eksnet/calc/plan"
	"github.com/eksnet/eksnet/internal/motoserver"
)

const plansDir = "../testdata/plans"

// liveFiles are the saved AWS CLI answers the live corpus is checked against.
var liveFiles = []string{"--from-file", plansDir + "/live/subnets.json", "--from-file", plansDir + "/live/enis.json", "--from-file", plansDir + "/live/reservations.json"}

// checkArgs is how the corpus runs a plan: live plans against the saved VPC.
func checkArgs(path string, extra ...string) []string {
	args := append([]string{"plan", "check", path}, extra...)
	if filepath.Base(filepath.Dir(path)) == "live" {
		args = append(args, "--live")
		args = append(args, liveFiles...)
	}
	return args
}

// planJSON runs plan check -o json and decodes the report.
func planJSON(t *testing.T, args ...string) (planCheckReport, result) {
	t.Helper()
	r := eksnet(t, append(args, "-o", "json")...)
	var rep planCheckReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || len(rep.Plans) == 0 {
		t.Fatalf("%v: %v\nstdout %s\nstderr %s", args, err, r.stdout, r.stderr)
	}
	return rep, r
}

// The corpus: good plans pass; each bad plan breaks exactly the rule it is
// named after (and exits 1 when that rule is an error); every rule has a
// failing plan; unreadable plans are one line with the position, exit 2.
// The human output of each is a golden file.
func TestPlanCorpus(t *testing.T) {
	broken := map[string]bool{}
	for _, dir := range []string{"good", "bad", "live"} {
		files, _ := filepath.Glob(filepath.Join(plansDir, dir, "*.yaml"))
		if len(files) == 0 {
			t.Fatalf("no plans in %s", dir)
		}
		for _, path := range files {
			name := strings.TrimSuffix(filepath.Base(path), ".yaml")
			t.Run(dir+"/"+name, func(t *testing.T) {
				rep, r := planJSON(t, checkArgs(path)...)
				var rules []string
				for _, v := range rep.Plans[0].Violations {
					if !slices.Contains(rules, v.Rule) {
						rules = append(rules, v.Rule)
					}
					if v.Line == 0 || v.Column == 0 || v.Message == "" || v.Fix == "" {
						t.Errorf("violation without place, message or fix: %+v", v)
					}
				}
				if name == "good" || dir == "good" {
					if len(rules) != 0 || r.code != 0 {
						t.Errorf("a good plan: exit %d, rules %v", r.code, rules)
					}
				} else {
					if !slices.Equal(rules, []string{name}) {
						t.Errorf("breaks %v, want only %s", rules, name)
					}
					broken[name] = true
					want := ExitOK
					if rule := ruleOf(t, name); rule.Severity == plan.SeverityError {
						want = ExitCheckFailed
					}
					if r.code != want {
						t.Errorf("exit %d, want %d", r.code, want)
					}
				}
				human := eksnet(t, checkArgs(path)...)
				golden(t, filepath.Join("plans", "golden", dir+"-"+name+".txt"), transcript(human))
			})
		}
	}
	for _, rule := range plan.Rules {
		if !broken[rule.ID] {
			t.Errorf("rule %s has no failing plan in %s/bad or %s/live", rule.ID, plansDir, plansDir)
		}
	}

	position := regexp.MustCompile(`^eksnet: \.\./testdata/plans/unreadable/[a-z-]+\.yaml:\d+(:\d+)?: `)
	files, _ := filepath.Glob(filepath.Join(plansDir, "unreadable", "*.yaml"))
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".yaml")
		t.Run("unreadable/"+name, func(t *testing.T) {
			for _, output := range []string{"table", "json", "junit", "github"} {
				r := eksnet(t, "plan", "check", plansDir+"/good/minimal.yaml", path, "-o", output)
				wantUsageError(t, r)
				if name != "empty" && !position.MatchString(r.stderr) {
					t.Errorf("no file:line[:column] in %q", r.stderr)
				}
			}
			golden(t, filepath.Join("plans", "golden", "unreadable-"+name+".txt"), transcript(eksnet(t, "plan", "check", path)))
		})
	}
}

func ruleOf(t *testing.T, id string) plan.Rule {
	for _, r := range plan.Rules {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no rule %s", id)
	return plan.Rule{}
}

// transcript is what a golden file holds: stdout, stderr and the exit code.
func transcript(r result) string {
	return fmt.Sprintf("%s--- stderr\n%s--- exit %d\n", r.stdout, r.stderr, r.code)
}

// The machine formats, each parsed back: JSON, JUnit XML (one suite per plan,
// a case per rule, failures at or above --fail-on) and GitHub annotations.
func TestPlanCheckFormats(t *testing.T) {
	capacity := plansDir + "/bad/subnet-capacity.yaml"
	warm := plansDir + "/bad/warm-pool.yaml"

	r := eksnet(t, "plan", "check", capacity, warm, "-o", "junit")
	golden(t, "plans/golden/format.junit.xml", r.stdout)
	if r.code != ExitCheckFailed {
		t.Errorf("junit: exit %d", r.code)
	}
	var suites junitDoc
	if err := xml.Unmarshal([]byte(r.stdout), &suites); err != nil {
		t.Fatal(err)
	}
	if len(suites.Suites) != 2 || suites.Tests != 2*(len(plan.Rules)-4) || suites.Failures != 1 {
		t.Fatalf("junit: %d suites, %d tests, %d failures", len(suites.Suites), suites.Tests, suites.Failures)
	}
	for _, c := range suites.Suites[0].Cases {
		if (c.Failure != nil) != (c.Name == plan.RuleSubnetCapacity) {
			t.Errorf("junit case %s: failure %v", c.Name, c.Failure)
		}
	}
	// Warnings fail nothing at --fail-on error; they are in the case's output.
	for _, c := range suites.Suites[1].Cases {
		if c.Failure != nil || (c.Name == plan.RuleWarmPool) != (c.SystemOut != "") {
			t.Errorf("junit case %s: %+v", c.Name, c)
		}
	}
	r = eksnet(t, "plan", "check", warm, "-o", "junit", "--fail-on", "warning")
	if r.code != ExitCheckFailed || !strings.Contains(r.stdout, `<failure message="2 violations; first: m5.large: MINIMUM_IP_TARGET`) {
		t.Errorf("junit --fail-on warning: exit %d\n%s", r.code, r.stdout)
	}

	r = eksnet(t, "plan", "check", capacity, warm, "-o", "github")
	golden(t, "plans/golden/format.github.txt", r.stdout)
	annotation := regexp.MustCompile(`^::(error|warning|notice) file=[^,:]+,line=\d+,col=\d+,title=eksnet [a-z-]+::[^\n]+$`)
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if strings.HasPrefix(line, "::") {
			n++
			if !annotation.MatchString(line) {
				t.Errorf("not a workflow command: %q", line)
			}
		}
	}
	if n != 4 {
		t.Errorf("%d annotations, want 2 errors and 2 warnings", n)
	}

	r = eksnet(t, "plan", "check", capacity, "-o", "json")
	golden(t, "plans/golden/format.json", r.stdout)
	var rep map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep["failed"] != true || rep["failOn"] != "error" {
		t.Errorf("json: %v %v", err, rep)
	}
	r = eksnet(t, "plan", "check", capacity, "-o", "yaml")
	if !strings.Contains(r.stdout, "rule: subnet-capacity") || r.code != ExitCheckFailed {
		t.Errorf("yaml: exit %d\n%s", r.code, r.stdout)
	}
	// Several plans in one table get a plan column.
	r = eksnet(t, "plan", "check", plansDir+"/good/minimal.yaml", plansDir+"/good/secondary-ip.yaml")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "PLAN ") {
		t.Errorf("two plans: exit %d\n%s", r.code, r.stdout)
	}
}

type junitDoc struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Suites   []struct {
		Name  string `xml:"name,attr"`
		Cases []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
			} `xml:"failure"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestPlanCheckFailOn(t *testing.T) {
	warn := plansDir + "/bad/subnet-role.yaml"
	for _, c := range []struct {
		plan, failOn string
		want         int
	}{
		{warn, "error", ExitOK}, {warn, "warning", ExitCheckFailed}, {warn, "info", ExitCheckFailed},
		{plansDir + "/bad/subnet-capacity.yaml", "none", ExitOK},
		{plansDir + "/good/minimal.yaml", "info", ExitOK},
	} {
		if r := eksnet(t, "plan", "check", c.plan, "--fail-on", c.failOn); r.code != c.want {
			t.Errorf("%s --fail-on %s: exit %d, want %d (%s)", c.plan, c.failOn, r.code, c.want, r.stderr)
		}
	}
}

func TestPlanCheckBadInput(t *testing.T) {
	good := plansDir + "/good/minimal.yaml"
	wantUsageError(t, eksnet(t, "plan", "check", "nope.yaml"), "plan nope.yaml: no such file or directory")
	wantUsageError(t, eksnet(t, "plan", "check", good, "nope.yaml"), "nope.yaml")
	wantUsageError(t, eksnet(t, "plan", "check"), "arg")
	wantUsageError(t, eksnet(t, "plan", "check", good, "--fail-on", "fatal"), "--fail-on", "error, warning, info or none")
	wantUsageError(t, eksnet(t, "plan", "check", good, "-o", "xml"), "junit")
	wantUsageError(t, eksnet(t, "plan", "check", good, "--from-file", "x.json"), "--live")
	wantUsageError(t, eksnet(t, "plan", "check", good, "--live", "--from-file", plansDir+"/live/subnets.json"), "vpc.id")
	// Standard input is a plan too.
	io, out, _ := TestIO()
	data, _ := os.ReadFile(plansDir + "/bad/min-azs.yaml")
	io.In = strings.NewReader(string(data))
	if code := Run(context.Background(), io, []string{"plan", "check", "-", "-o", "github"}); code != ExitCheckFailed || !strings.Contains(out.String(), "file=<stdin>,line=12,") {
		t.Errorf("stdin: exit %d\n%s", code, out.String())
	}
}

// plan init writes plans that pass, for several shapes; it never overwrites
// without --force and leaves nothing behind when it fails.
func TestPlanInit(t *testing.T) {
	dir := t.TempDir()
	for i, args := range [][]string{
		nil,
		{"--prefix-delegation"},
		{"--instance-type", "m6i.xlarge", "--max-nodes", "90", "--prefix-delegation"},
		{"--instance-type", "c5.large", "--azs", "eu-west-1a,eu-west-1b", "--vpc-cidr", "172.16.0.0/20", "--max-nodes", "8"},
		{"--instance-type", "t3.medium", "--max-nodes", "1", "--azs", "us-west-2a"},
	} {
		path := filepath.Join(dir, fmt.Sprintf("plan-%d.yaml", i))
		r := eksnet(t, append([]string{"plan", "init", path}, args...)...)
		if r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "wrote "+path) {
			t.Fatalf("init %v: exit %d, %q %q", args, r.code, r.stdout, r.stderr)
		}
		rep, c := planJSON(t, "plan", "check", path)
		if c.code != 0 || len(rep.Plans[0].Violations) != 0 {
			t.Errorf("init %v writes a plan that fails: %+v", args, rep.Plans[0].Violations)
		}
	}
	golden(t, "plans/golden/init.yaml", eksnet(t, "plan", "init", "-").stdout)

	path := filepath.Join(dir, "plan-0.yaml")
	before, _ := os.ReadFile(path)
	wantUsageError(t, eksnet(t, "plan", "init", path, "--prefix-delegation"), "exists", "--force")
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("init overwrote a plan without --force")
	}
	if r := eksnet(t, "plan", "init", path, "--prefix-delegation", "--force"); r.code != 0 {
		t.Errorf("--force: exit %d %s", r.code, r.stderr)
	}

	fresh := filepath.Join(dir, "fresh.yaml")
	wantUsageError(t, eksnet(t, "plan", "init", fresh, "--vpc-cidr", "10.0.0.1/16"), "--vpc-cidr", "10.0.0.0/16")
	wantUsageError(t, eksnet(t, "plan", "init", fresh, "--max-nodes", "0"), "--max-nodes")
	wantUsageError(t, eksnet(t, "plan", "init", fresh, "--instance-type", "m5.lrge"), "m5.large")
	wantUsageError(t, eksnet(t, "plan", "init", fresh, "--vpc-cidr", "10.0.0.0/24", "--max-nodes", "300"), "10.0.0.0/24")
	r := eksnet(t, "plan", "init", filepath.Join(dir, "missing", "plan.yaml"))
	wantOneLineError(t, r, ExitEnvironment, "writing")
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "fresh") || strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("a failed init left %s", e.Name())
		}
	}
}

func TestPlanRules(t *testing.T) {
	r := eksnet(t, "plan", "rules", "-o", "json")
	var rules []plan.Rule
	if err := json.Unmarshal([]byte(r.stdout), &rules); err != nil || len(rules) != len(plan.Rules) {
		t.Fatalf("%v %d", err, len(rules))
	}
	seen := map[string]bool{}
	for _, rule := range rules {
		if seen[rule.ID] || rule.Summary == "" {
			t.Errorf("rule %+v repeated or without summary", rule)
		}
		seen[rule.ID] = true
	}
}

// plan check --live against moto_server holding the plan's subnets, one of
// them too full for the prefixes its nodes will need.
func TestPlanCheckLiveAgainstMoto(t *testing.T) {
	endpoint := motoserver.Start(t)
	ctx := context.Background()
	client := motoserver.EC2(t, endpoint)
	vpc, err := client.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.80.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	subnet := func(cidr, az string) (string, netip.Prefix) {
		s, err := client.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String(cidr), AvailabilityZone: aws.String(az)})
		if err != nil {
			t.Fatal(err)
		}
		return *s.Subnet.SubnetId, netip.MustParsePrefix(cidr)
	}
	fullID, fullCIDR := subnet("10.80.0.0/24", "us-east-1a")
	calmID, _ := subnet("10.80.1.0/24", "us-east-1b")
	// 200 addresses in the full subnet leave at most 51 free: fewer than the
	// 7 whole /28s a prefix-mode m5.large node needs, wherever they are.
	used := map[netip.Addr]bool{}
	for range 8 {
		eni, err := client.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(fullID), SecondaryPrivateIpAddressCount: aws.Int32(24)})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range eni.NetworkInterface.PrivateIpAddresses {
			addr := netip.MustParseAddr(*a.PrivateIpAddress)
			// moto may hand out AWS-reserved addresses; EC2 never does.
			if i := addr.As4()[3]; i > 3 && i < 255 {
				used[addr] = true
			}
		}
	}
	if _, err := client.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(calmID)}); err != nil {
		t.Fatal(err)
	}
	planText := func(selector string) string {
		return fmt.Sprintf(`version: 1
vpc:
  cidrs: [10.80.0.0/16]
%s
nodeGroups:
  - name: general
    instanceTypes: [m5.large]
    maxNodes: 2
    subnets: [full, calm]
    cni: {mode: prefix}
`, selector)
	}
	dir := t.TempDir()
	byVPC := filepath.Join(dir, "by-vpc.yaml")
	byID := filepath.Join(dir, "by-id.yaml")
	os.WriteFile(byVPC, []byte(strings.Replace(planText(`subnets:
  - {name: full, cidr: 10.80.0.0/24, az: us-east-1a}
  - {name: calm, cidr: 10.80.1.0/24, az: us-east-1b}`), "vpc:\n", "vpc:\n  id: "+*vpc.Vpc.VpcId+"\n", 1)), 0o644)
	os.WriteFile(byID, []byte(planText(fmt.Sprintf(`subnets:
  - {name: full, cidr: 10.80.0.0/24, az: us-east-1a, id: %s}
  - {name: calm, cidr: 10.80.1.0/24, az: us-east-1b, id: %s}`, fullID, calmID))), 0o644)

	// Offline the plan fits: the subnets are empty on paper.
	if r := eksnet(t, "plan", "check", byVPC); r.code != 0 {
		t.Fatalf("offline: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, path := range []string{byVPC, byID} {
		rep, r := planJSON(t, "plan", "check", path, "--live", "--endpoint-url", endpoint, "--region", "us-east-1")
		if r.code != ExitCheckFailed {
			t.Errorf("%s: exit %d, want 1 (%s)", path, r.code, r.stderr)
		}
		res := rep.Plans[0]
		if len(res.Violations) != 1 || res.Violations[0].Rule != plan.RuleLiveCapacity || res.Violations[0].Path != "subnets[0]" {
			t.Errorf("%s: want one live-capacity violation on the full subnet, got %+v", path, res.Violations)
		}
		full, calm := res.Subnets[0].Live, res.Subnets[1].Live
		if full == nil || calm == nil || full.ID != fullID || calm.ID != calmID || full.CIDR != fullCIDR.String() {
			t.Fatalf("%s: live state %+v %+v", path, full, calm)
		}
		if full.UsedAddresses != len(used) {
			t.Errorf("%s: %d addresses in use, the test created %d", path, full.UsedAddresses, len(used))
		}
		if full.AllocatablePrefixes >= full.StillNeededBlocks || calm.AllocatablePrefixes < calm.StillNeededBlocks {
			t.Errorf("%s: full %+v calm %+v", path, full, calm)
		}
	}
}

// The README's plan file passes: the documentation shows a plan that works.
func TestREADMEPlanPasses(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "### Plan files\n\n```yaml\n")
	text, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("README has no plan file under ### Plan files")
	}
	path := filepath.Join(t.TempDir(), "readme.yaml")
	os.WriteFile(path, []byte(text), 0o644)
	rep, r := planJSON(t, "plan", "check", path)
	if r.code != 0 || len(rep.Plans[0].Violations) != 0 {
		t.Errorf("README plan: exit %d, %+v", r.code, rep.Plans[0].Violations)
	}
}
