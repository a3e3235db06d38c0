package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/eksnet/eksnet/internal/motoserver"
)

const fixtures = "../testdata/subnetcheck/"

func checkJSON(t *testing.T, r result) []map[string]any {
	t.Helper()
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("%v (exit %d, stderr %s)\n%s", err, r.code, r.stderr, r.stdout)
	}
	return rows
}

// wantWorkedExample checks §5's worked example 1 as the command reports it.
func wantWorkedExample(t *testing.T, row map[string]any) {
	t.Helper()
	want := map[string]float64{
		"allocatablePrefixes": 9, "predictedFreeAddresses": 215, "awsFreeAddresses": 215, "freeAddressDifference": 0,
		"freeGeneralBlocks": 9, "freeReservedBlocks": 0, "inUseBlocks": 3, "delegatedBlocks": 2, "explicitReservedBlocks": 0,
		"longestFreeRun": 6, "strandedAddresses": 71, "headroomNodes": 1,
	}
	for k, v := range want {
		if row[k] != v {
			t.Errorf("%s = %v, want %v", k, row[k], v)
		}
	}
	if row["subnetId"] != "subnet-0worked0example1" || row["cidr"] != "10.0.0.0/24" || row["availabilityZone"] != "us-east-1a" {
		t.Errorf("identity: %v", row)
	}
}

// The doc counts 8 blocks and 1 single per m5.large node at 110 pods: with
// prefix delegation and a kubelet max pods that does not stop ipamd first.
var m5Profile = []string{"--instance-type", "m5.large", "--prefix-delegation", "--pods-per-node", "110", "--max-pods", "250"}

func TestSubnetCheckFromFiles(t *testing.T) {
	files := []string{"--from-file", fixtures + "subnets.json", "--from-file", fixtures + "enis.json", "--from-file", fixtures + "reservations.json"}
	r := eksnet(t, append(append([]string{"subnet", "check", "-o", "json"}, files...), m5Profile...)...)
	rows := checkJSON(t, r)
	if len(rows) != 1 {
		t.Fatalf("%d rows", len(rows))
	}
	wantWorkedExample(t, rows[0])
	// Gates: 9 prefixes pass 9 and fail 10.
	if r := eksnet(t, append([]string{"subnet", "check", "--min-free-prefixes", "9"}, files...)...); r.code != 0 {
		t.Errorf("gate 9: exit %d %s", r.code, r.stderr)
	}
	r = eksnet(t, append([]string{"subnet", "check", "--min-free-prefixes", "10"}, files...)...)
	if r.code != ExitCheckFailed || !strings.Contains(r.stderr, "9 allocatable /28 prefixes, want at least 10") {
		t.Errorf("gate 10: exit %d %s", r.code, r.stderr)
	}
	r = eksnet(t, append(append([]string{"subnet", "check", "--min-headroom-nodes", "2"}, files...), m5Profile...)...)
	if r.code != ExitCheckFailed {
		t.Errorf("headroom gate: exit %d %s", r.code, r.stderr)
	}
	// Without the reservations file: a warning, and the scan goes on.
	r = eksnet(t, "subnet", "check", "--from-file", fixtures+"subnets.json", "--from-file", fixtures+"enis.json")
	if r.code != 0 || !strings.Contains(r.stderr, "explicit reservations may be counted as free") {
		t.Errorf("no reservations: exit %d %s", r.code, r.stderr)
	}
	// The map: one glyph per block.
	r = eksnet(t, append([]string{"subnet", "check", "--map"}, files...)...)
	if !strings.Contains(r.stdout, "AP#P.#......#..A") {
		t.Errorf("map:\n%s", r.stdout)
	}
}

func TestSubnetCheckBadInput(t *testing.T) {
	wantUsageError(t, eksnet(t, "subnet", "check"), "--subnet-id")
	wantUsageError(t, eksnet(t, "subnet", "check", "--subnet-id", "a", "--vpc-id", "b"), "separately")
	wantUsageError(t, eksnet(t, "subnet", "check", "--from-file", fixtures+"subnets.json", "--min-headroom-nodes", "3"), "--instance-type")
	wantUsageError(t, eksnet(t, "subnet", "check", "--from-file", fixtures+"absent.json"), "absent.json")
	wantUsageError(t, eksnet(t, "subnet", "check", "--from-file", "../testdata/daemonset/aws-node.yaml"), "not JSON")
	wantUsageError(t, eksnet(t, "subnet", "check", "--from-file", fixtures+"subnets.json", "--instance-type", "m5.larg"), "m5.large")
}

// ec2Fake serves the recorded EC2 XML of testdata/subnetcheck, with faults.
type ec2Fake struct {
	mu            sync.Mutex
	calls         map[string]int
	throttleFirst int  // answer this many requests with RequestLimitExceeded first
	denyRes       bool // GetSubnetCidrReservations: UnauthorizedOperation
	denySubnets   bool // DescribeSubnets: UnauthorizedOperation
	failPage2     bool // the second ENI page always fails
}

func (f *ec2Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	action := r.Form.Get("Action")
	f.mu.Lock()
	f.calls[action]++
	total := 0
	for _, n := range f.calls {
		total += n
	}
	f.mu.Unlock()
	fail := func(status int, code string) {
		w.WriteHeader(status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>%s</Code><Message>%s (test)</Message></Error></Errors><RequestID>test</RequestID></Response>`, code, code)
	}
	if total <= f.throttleFirst {
		fail(http.StatusServiceUnavailable, "RequestLimitExceeded")
		return
	}
	var file string
	switch action {
	case "DescribeSubnets":
		if f.denySubnets {
			fail(http.StatusForbidden, "UnauthorizedOperation")
			return
		}
		file = "describe-subnets.xml"
	case "DescribeNetworkInterfaces":
		file = "describe-network-interfaces-1.xml"
		if r.Form.Get("NextToken") == "page-2" {
			if f.failPage2 {
				fail(http.StatusInternalServerError, "InternalError")
				return
			}
			file = "describe-network-interfaces-2.xml"
		}
	case "GetSubnetCidrReservations":
		if f.denyRes {
			fail(http.StatusForbidden, "UnauthorizedOperation")
			return
		}
		file = "get-subnet-cidr-reservations.xml"
	default:
		fail(http.StatusBadRequest, "InvalidAction")
		return
	}
	data, err := os.ReadFile(fixtures + file)
	if err != nil {
		fail(http.StatusInternalServerError, "InternalError")
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Write(data)
}

func fakeEC2(t *testing.T, f *ec2Fake) string {
	f.calls = map[string]int{}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	return srv.URL
}

// moto has no /28 prefixes on ENIs: recorded EC2 XML covers Ipv4Prefixes and
// the second page of ENIs.
func TestSubnetCheckRecordedXML(t *testing.T) {
	f := &ec2Fake{}
	url := fakeEC2(t, f)
	args := append([]string{"subnet", "check", "--subnet-id", "subnet-0worked0example1", "--endpoint-url", url, "--region", "us-east-1", "-o", "json"}, m5Profile...)
	wantWorkedExample(t, checkJSON(t, eksnet(t, args...))[0])
	if f.calls["DescribeNetworkInterfaces"] != 2 {
		t.Errorf("ENI pages read: %d, want 2", f.calls["DescribeNetworkInterfaces"])
	}

	// Throttled twice, then served: the SDK's retryer makes the answer complete.
	f = &ec2Fake{throttleFirst: 2}
	url = fakeEC2(t, f)
	args[5] = url
	wantWorkedExample(t, checkJSON(t, eksnet(t, args...))[0])

	// Reservations denied: a warning, and the scan goes on.
	f = &ec2Fake{denyRes: true}
	args[5] = fakeEC2(t, f)
	r := eksnet(t, args...)
	rows := checkJSON(t, r)
	if r.code != 0 || !strings.Contains(fmt.Sprint(rows[0]["warnings"]), "GetSubnetCidrReservations") {
		t.Errorf("denied reservations: exit %d, warnings %v", r.code, rows[0]["warnings"])
	}

	// Subnets denied: exit 3, one line.
	args[5] = fakeEC2(t, &ec2Fake{denySubnets: true})
	wantOneLineError(t, eksnet(t, args...), ExitEnvironment, "access denied", "DescribeSubnets")

	// A page that fails mid-scan: no partial answer.
	args[5] = fakeEC2(t, &ec2Fake{failPage2: true})
	wantOneLineError(t, eksnet(t, args...), ExitEnvironment, "DescribeNetworkInterfaces")
}

// Through the command against moto_server: the JSON fields of the issue and a gate.
func TestSubnetCheckAgainstMoto(t *testing.T) {
	endpoint := motoserver.Start(t)
	ctx := context.Background()
	client := motoserver.EC2(t, endpoint)
	vpc, err := client.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.70.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := client.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.70.0.0/24"), AvailabilityZone: aws.String("us-east-1b")})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := client.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: sub.Subnet.SubnetId, SecondaryPrivateIpAddressCount: aws.Int32(3)}); err != nil {
			t.Fatal(err)
		}
	}
	r := eksnet(t, "subnet", "check", "--vpc-id", *vpc.Vpc.VpcId, "--endpoint-url", endpoint, "--region", "us-east-1", "-o", "json", "--instance-type", "m5.large")
	rows := checkJSON(t, r)
	for _, key := range []string{"subnetId", "cidr", "availabilityZone", "awsFreeAddresses", "predictedFreeAddresses", "allocatablePrefixes",
		"freeReservedBlocks", "freeGeneralBlocks", "inUseBlocks", "delegatedBlocks", "explicitReservedBlocks", "longestFreeRun",
		"strandedAddresses", "headroomNodes", "warnings"} {
		if _, ok := rows[0][key]; !ok {
			t.Errorf("JSON lacks %q", key)
		}
	}
	// 20 addresses, none AWS-reserved (moto may hand out such; they are not counted).
	if rows[0]["predictedFreeAddresses"].(float64) > 256-5-15 || rows[0]["inUseBlocks"].(float64) < 1 {
		t.Errorf("moto subnet: %v", rows[0])
	}
	r = eksnet(t, "subnet", "check", "--vpc-id", *vpc.Vpc.VpcId, "--endpoint-url", endpoint, "--region", "us-east-1", "--min-free-prefixes", "14")
	if r.code != ExitCheckFailed {
		t.Errorf("gate: exit %d %s", r.code, r.stderr)
	}
}

// --cluster asks EKS for the cluster's subnets (moto_server serves EKS too).
func TestSubnetCheckCluster(t *testing.T) {
	endpoint := motoserver.Start(t)
	ctx := context.Background()
	client := motoserver.EC2(t, endpoint)
	vpc, _ := client.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.80.0.0/16")})
	var ids []string
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		sub, err := client.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String(fmt.Sprintf("10.80.%d.0/24", i)), AvailabilityZone: aws.String(az)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, *sub.Subnet.SubnetId)
	}
	// A third subnet in the VPC that the cluster does not use.
	client.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.80.9.0/24"), AvailabilityZone: aws.String("us-east-1c")})
	eksClient := eks.NewFromConfig(motoserver.Config(t), func(o *eks.Options) { o.BaseEndpoint = aws.String(endpoint) })
	if _, err := eksClient.CreateCluster(ctx, &eks.CreateClusterInput{
		Name: aws.String("prod"), RoleArn: aws.String("arn:aws:iam::123456789012:role/eks"),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: ids},
	}); err != nil {
		t.Fatal(err)
	}
	rows := checkJSON(t, eksnet(t, "subnet", "check", "--cluster", "prod", "--endpoint-url", endpoint, "--region", "us-east-1", "-o", "json"))
	if len(rows) != 2 || rows[0]["subnetId"] != ids[0] && rows[0]["subnetId"] != ids[1] {
		t.Errorf("cluster subnets: %v, want %v", rows, ids)
	}
	wantUsageError(t, eksnet(t, "subnet", "check", "--cluster", "nosuch", "--endpoint-url", endpoint, "--region", "us-east-1"), "DescribeCluster")
	wantUsageError(t, eksnet(t, "subnet", "check", "--subnet-id", "subnet-0nosuch", "--endpoint-url", endpoint, "--region", "us-east-1"), "subnet-0nosuch")
}
