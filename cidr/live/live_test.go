package live

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/eksnet/eksnet/cidr"
	"github.com/eksnet/eksnet/internal/motoserver"
)

// recorder passes calls through and records which operations were issued.
type recorder struct {
	EC2API
	mu  sync.Mutex
	ops map[string]int
}

func (r *recorder) note(op string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops[op]++
}

func (r *recorder) DescribeSubnets(ctx context.Context, in *ec2.DescribeSubnetsInput, o ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error) {
	r.note("DescribeSubnets")
	return r.EC2API.DescribeSubnets(ctx, in, o...)
}

func (r *recorder) DescribeNetworkInterfaces(ctx context.Context, in *ec2.DescribeNetworkInterfacesInput, o ...func(*ec2.Options)) (*ec2.DescribeNetworkInterfacesOutput, error) {
	r.note("DescribeNetworkInterfaces")
	return r.EC2API.DescribeNetworkInterfaces(ctx, in, o...)
}

func (r *recorder) GetSubnetCidrReservations(ctx context.Context, in *ec2.GetSubnetCidrReservationsInput, o ...func(*ec2.Options)) (*ec2.GetSubnetCidrReservationsOutput, error) {
	r.note("GetSubnetCidrReservations")
	return r.EC2API.GetSubnetCidrReservations(ctx, in, o...)
}

// A subnet built in moto_server: eksnet's reading and analysis must agree with
// a count made here from what was created.
func TestReadAgainstMoto(t *testing.T) {
	ctx := context.Background()
	client := motoserver.EC2(t, motoserver.Start(t))
	vpc, err := client.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.50.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := client.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.50.0.0/22"), AvailabilityZone: aws.String("us-east-1a")})
	if err != nil {
		t.Fatal(err)
	}
	subnetID := sub.Subnet.SubnetId
	subnet := netip.MustParsePrefix("10.50.0.0/22")
	// Reservations: the top /24 for prefixes, a /28 explicit.
	for _, r := range []struct{ cidr, typ string }{{"10.50.3.0/24", "prefix"}, {"10.50.2.32/28", "explicit"}} {
		if _, err := client.CreateSubnetCidrReservation(ctx, &ec2.CreateSubnetCidrReservationInput{
			SubnetId: subnetID, Cidr: aws.String(r.cidr), ReservationType: types.SubnetCidrReservationType(r.typ),
		}); err != nil {
			t.Fatal(err)
		}
	}
	// ENIs with chosen primaries, and random secondaries that EC2 picks.
	rng := rand.New(rand.NewPCG(11, 12))
	for i := range 12 {
		primary := fmt.Sprintf("10.50.%d.%d", rng.IntN(2), 16+rng.IntN(200))
		eni, err := client.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{
			SubnetId: subnetID, PrivateIpAddress: aws.String(primary), Description: aws.String(fmt.Sprintf("test-eni-%d", i)),
		})
		if err != nil {
			continue // a chosen address may already be taken
		}
		if _, err := client.AssignPrivateIpAddresses(ctx, &ec2.AssignPrivateIpAddressesInput{
			NetworkInterfaceId: eni.NetworkInterface.NetworkInterfaceId, SecondaryPrivateIpAddressCount: aws.Int32(int32(1 + rng.IntN(4))),
		}); err != nil {
			t.Fatal(err)
		}
	}

	// The independent count: every address on every ENI moto now lists.
	all, err := client.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{})
	if err != nil {
		t.Fatal(err)
	}
	used := map[netip.Addr]bool{}
	for _, e := range all.NetworkInterfaces {
		for _, a := range e.PrivateIpAddresses {
			used[netip.MustParseAddr(*a.PrivateIpAddress)] = true
		}
	}
	if len(used) < 12 {
		t.Fatalf("only %d addresses created: the test would prove nothing", len(used))
	}
	freeGeneral, inUse := 0, 0
	for blk := 1; blk < 63; blk++ { // a /22 has 64 blocks; the edges never count
		start := subnet.Addr().As4()
		base := netip.AddrFrom4([4]byte{start[0], start[1], start[2] + byte(blk/16), byte(blk % 16 * 16)})
		block := netip.PrefixFrom(base, 28)
		taken := false
		for a := range used {
			taken = taken || block.Contains(a)
		}
		reserved := netip.MustParsePrefix("10.50.3.0/24").Contains(base) || netip.MustParsePrefix("10.50.2.32/28").Contains(base)
		switch {
		case taken:
			inUse++
		case !reserved:
			freeGeneral++
		}
	}

	rec := &recorder{EC2API: client, ops: map[string]int{}}
	subnets, err := Read(ctx, rec, Query{VPCID: *vpc.Vpc.VpcId}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(subnets) != 1 || subnets[0].ID != *subnetID || len(subnets[0].Usage.Reservations) != 2 {
		t.Fatalf("read %+v", subnets)
	}
	a, err := cidr.Analyze(subnets[0].Usage)
	if err != nil {
		t.Fatal(err)
	}
	if a.Counts[cidr.InUse] != inUse || a.Counts[cidr.FreeGeneral] != freeGeneral || a.UsedAddresses != len(used) {
		t.Errorf("eksnet: in-use %d free-general %d used %d; counted here: %d %d %d", a.Counts[cidr.InUse], a.Counts[cidr.FreeGeneral], a.UsedAddresses, inUse, freeGeneral, len(used))
	}
	// Read-only, and exactly these calls.
	ops := make([]string, 0, len(rec.ops))
	for op := range rec.ops {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	if fmt.Sprint(ops) != "[DescribeNetworkInterfaces DescribeSubnets GetSubnetCidrReservations]" {
		t.Errorf("operations issued: %v", ops)
	}
}
