package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// ErrNoReservationData says that saved files held no reservations output.
var ErrNoReservationData = errors.New("no get-subnet-cidr-reservations output given")

// Files serves saved `aws ec2 describe-subnets`, `describe-network-interfaces`
// and `get-subnet-cidr-reservations` JSON (as `--output json` writes it)
// through the same interface as EC2, so an offline check runs the same code.
// The AWS CLI's field names are the SDK's, so the files decode into the SDK's
// own output types.
type Files struct {
	subnets      []types.Subnet
	enis         []types.NetworkInterface
	reservations []types.SubnetCidrReservation
	haveRes      bool
}

// Add reads one saved file; which call wrote it is told by its top-level key.
func (f *Files) Add(name string, data []byte) error {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(data, &keys); err != nil {
		return fmt.Errorf("%s: not JSON from the AWS CLI: %v", name, err)
	}
	switch {
	case keys["Subnets"] != nil:
		var out ec2.DescribeSubnetsOutput
		if err := json.Unmarshal(data, &out); err != nil {
			return fmt.Errorf("%s: describe-subnets output: %v", name, err)
		}
		f.subnets = append(f.subnets, out.Subnets...)
	case keys["NetworkInterfaces"] != nil:
		var out ec2.DescribeNetworkInterfacesOutput
		if err := json.Unmarshal(data, &out); err != nil {
			return fmt.Errorf("%s: describe-network-interfaces output: %v", name, err)
		}
		f.enis = append(f.enis, out.NetworkInterfaces...)
	case keys["SubnetIpv4CidrReservations"] != nil || keys["SubnetIpv6CidrReservations"] != nil:
		var out ec2.GetSubnetCidrReservationsOutput
		if err := json.Unmarshal(data, &out); err != nil {
			return fmt.Errorf("%s: get-subnet-cidr-reservations output: %v", name, err)
		}
		f.reservations = append(f.reservations, out.SubnetIpv4CidrReservations...)
		f.haveRes = true
	default:
		return fmt.Errorf("%s: want the JSON of aws ec2 describe-subnets, describe-network-interfaces or get-subnet-cidr-reservations", name)
	}
	return nil
}

// DescribeSubnets filters by subnet IDs and the vpc-id filter, as EC2 does.
func (f *Files) DescribeSubnets(_ context.Context, in *ec2.DescribeSubnetsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error) {
	out := &ec2.DescribeSubnetsOutput{}
	for _, s := range f.subnets {
		if len(in.SubnetIds) > 0 && !slices.Contains(in.SubnetIds, aws.ToString(s.SubnetId)) {
			continue
		}
		if !matches(in.Filters, "vpc-id", aws.ToString(s.VpcId)) {
			continue
		}
		out.Subnets = append(out.Subnets, s)
	}
	return out, nil
}

// DescribeNetworkInterfaces filters by subnet-id.
func (f *Files) DescribeNetworkInterfaces(_ context.Context, in *ec2.DescribeNetworkInterfacesInput, _ ...func(*ec2.Options)) (*ec2.DescribeNetworkInterfacesOutput, error) {
	out := &ec2.DescribeNetworkInterfacesOutput{}
	for _, e := range f.enis {
		if matches(in.Filters, "subnet-id", aws.ToString(e.SubnetId)) {
			out.NetworkInterfaces = append(out.NetworkInterfaces, e)
		}
	}
	return out, nil
}

// GetSubnetCidrReservations returns the subnet's reservations.
func (f *Files) GetSubnetCidrReservations(_ context.Context, in *ec2.GetSubnetCidrReservationsInput, _ ...func(*ec2.Options)) (*ec2.GetSubnetCidrReservationsOutput, error) {
	if !f.haveRes {
		return nil, ErrNoReservationData
	}
	out := &ec2.GetSubnetCidrReservationsOutput{}
	for _, r := range f.reservations {
		if aws.ToString(r.SubnetId) == aws.ToString(in.SubnetId) {
			out.SubnetIpv4CidrReservations = append(out.SubnetIpv4CidrReservations, r)
		}
	}
	return out, nil
}

func matches(filters []types.Filter, name, value string) bool {
	for _, f := range filters {
		if aws.ToString(f.Name) == name && !slices.Contains(f.Values, value) {
			return false
		}
	}
	return true
}
