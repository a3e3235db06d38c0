// Package live reads what a subnet check needs from EC2 (read-only Describe
// and Get calls) and turns it into cidr.SubnetUsage for the analysis.
package live

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/eksnet/eksnet/cidr"
)

// EC2API holds the only calls a subnet check makes.
type EC2API interface {
	DescribeSubnets(ctx context.Context, in *ec2.DescribeSubnetsInput, opts ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error)
	DescribeNetworkInterfaces(ctx context.Context, in *ec2.DescribeNetworkInterfacesInput, opts ...func(*ec2.Options)) (*ec2.DescribeNetworkInterfacesOutput, error)
	GetSubnetCidrReservations(ctx context.Context, in *ec2.GetSubnetCidrReservationsInput, opts ...func(*ec2.Options)) (*ec2.GetSubnetCidrReservationsOutput, error)
}

// Query selects subnets by ID or by VPC.
type Query struct {
	SubnetIDs []string
	VPCID     string
}

// Subnet is one subnet as EC2 describes it, ready for cidr.Analyze.
type Subnet struct {
	ID               string
	VPCID            string
	AvailabilityZone string
	// AvailableAddresses is EC2's AvailableIpAddressCount.
	AvailableAddresses int
	IPv6Only           bool
	Usage              cidr.SubnetUsage
	ENIs               int
	Warnings           []string
}

// Concurrency bounds the subnets read at once.
const Concurrency = 4

// eniPageSize is the largest page DescribeNetworkInterfaces serves.
const eniPageSize = 1000

// Read describes the subnets of the query, their ENIs and their CIDR
// reservations. A subnet whose reservations cannot be read (the managed
// AmazonEC2ReadOnlyAccess policy lacks ec2:GetSubnetCidrReservations) gets a
// warning and is analysed without them. Any other failure fails the whole
// read: a partial answer is never presented as complete. progress, if not
// nil, is told each subnet's ENI count as pages arrive.
func Read(ctx context.Context, api EC2API, q Query, progress func(subnetID string, enis int)) ([]Subnet, error) {
	in := &ec2.DescribeSubnetsInput{}
	if len(q.SubnetIDs) > 0 {
		in.SubnetIds = q.SubnetIDs
	}
	if q.VPCID != "" {
		in.Filters = []types.Filter{{Name: aws.String("vpc-id"), Values: []string{q.VPCID}}}
	}
	var described []types.Subnet
	pages := ec2.NewDescribeSubnetsPaginator(api, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		described = append(described, page.Subnets...)
	}
	if len(described) == 0 {
		return nil, fmt.Errorf("no subnets found for %s", q)
	}
	slices.SortFunc(described, func(a, b types.Subnet) int {
		return strings.Compare(aws.ToString(a.SubnetId), aws.ToString(b.SubnetId))
	})

	out := make([]Subnet, len(described))
	errs := make([]error, len(described))
	sem := make(chan struct{}, Concurrency)
	var wg sync.WaitGroup
	for i, s := range described {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i], errs[i] = readSubnet(ctx, api, s, progress)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

func (q Query) String() string {
	if q.VPCID != "" {
		return "VPC " + q.VPCID
	}
	return strings.Join(q.SubnetIDs, ", ")
}

func readSubnet(ctx context.Context, api EC2API, s types.Subnet, progress func(string, int)) (Subnet, error) {
	id := aws.ToString(s.SubnetId)
	sub := Subnet{
		ID:                 id,
		VPCID:              aws.ToString(s.VpcId),
		AvailabilityZone:   aws.ToString(s.AvailabilityZone),
		AvailableAddresses: int(aws.ToInt32(s.AvailableIpAddressCount)),
		IPv6Only:           aws.ToBool(s.Ipv6Native),
	}
	if s.CidrBlock == nil {
		if sub.IPv6Only {
			sub.Warnings = append(sub.Warnings, "IPv6-only subnet: no IPv4 addresses or /28 prefixes to check")
			return sub, nil
		}
		return sub, fmt.Errorf("subnet %s has no IPv4 CIDR", id)
	}
	p, err := netip.ParsePrefix(aws.ToString(s.CidrBlock))
	if err != nil {
		return sub, fmt.Errorf("subnet %s: CIDR %q: %v", id, aws.ToString(s.CidrBlock), err)
	}
	sub.Usage.CIDR = p

	enis := ec2.NewDescribeNetworkInterfacesPaginator(api, &ec2.DescribeNetworkInterfacesInput{
		Filters:    []types.Filter{{Name: aws.String("subnet-id"), Values: []string{id}}},
		MaxResults: aws.Int32(eniPageSize),
	})
	seenENI := map[string]bool{}
	detached := 0
	for enis.HasMorePages() {
		page, err := enis.NextPage(ctx)
		if err != nil {
			return sub, err
		}
		for _, e := range page.NetworkInterfaces {
			eniID := aws.ToString(e.NetworkInterfaceId)
			// Filters are the server's job; an emulator may ignore them, and
			// pages may repeat an ENI.
			if aws.ToString(e.SubnetId) != id || seenENI[eniID] {
				continue
			}
			seenENI[eniID] = true
			owner := eniOwner(e)
			if e.Status == types.NetworkInterfaceStatusAvailable {
				detached++
			}
			for _, a := range e.PrivateIpAddresses {
				if addr, err := netip.ParseAddr(aws.ToString(a.PrivateIpAddress)); err == nil {
					sub.Usage.Addresses = append(sub.Usage.Addresses, cidr.Address{Addr: addr, Owner: owner})
				}
			}
			for _, pre := range e.Ipv4Prefixes {
				if pp, err := netip.ParsePrefix(aws.ToString(pre.Ipv4Prefix)); err == nil {
					sub.Usage.Prefixes = append(sub.Usage.Prefixes, pp)
				} else {
					sub.Warnings = append(sub.Warnings, fmt.Sprintf("ENI %s has an unreadable prefix %q", eniID, aws.ToString(pre.Ipv4Prefix)))
				}
			}
		}
		if progress != nil {
			progress(id, len(seenENI))
		}
	}
	sub.ENIs = len(seenENI)
	if detached > 0 {
		sub.Warnings = append(sub.Warnings, fmt.Sprintf("%d detached ENI(s) (status available) hold addresses: leaked ENIs spoil blocks until deleted", detached))
	}

	res, err := readReservations(ctx, api, id)
	if errors.Is(err, ErrNoReservationData) {
		sub.Warnings = append(sub.Warnings, "no get-subnet-cidr-reservations output given: blocks in explicit reservations may be counted as free")
	} else if isAccessDenied(err) {
		sub.Warnings = append(sub.Warnings, "cannot read subnet CIDR reservations (ec2:GetSubnetCidrReservations denied): blocks in explicit reservations may be counted as free")
	} else if err != nil {
		return sub, err
	}
	sub.Usage.Reservations = res
	return sub, nil
}

func readReservations(ctx context.Context, api EC2API, id string) ([]cidr.Reservation, error) {
	var out []cidr.Reservation
	in := &ec2.GetSubnetCidrReservationsInput{SubnetId: aws.String(id)}
	for {
		page, err := api.GetSubnetCidrReservations(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, r := range page.SubnetIpv4CidrReservations {
			p, err := netip.ParsePrefix(aws.ToString(r.Cidr))
			if err != nil {
				return nil, fmt.Errorf("subnet %s: reservation CIDR %q: %v", id, aws.ToString(r.Cidr), err)
			}
			out = append(out, cidr.Reservation{CIDR: p, Type: string(r.ReservationType)})
		}
		if page.NextToken == nil || *page.NextToken == "" {
			return out, nil
		}
		in.NextToken = page.NextToken
	}
}

// eniOwner names who holds an ENI: its instance, or what created it.
func eniOwner(e types.NetworkInterface) string {
	if e.Attachment != nil && aws.ToString(e.Attachment.InstanceId) != "" {
		return aws.ToString(e.Attachment.InstanceId)
	}
	if d := aws.ToString(e.Description); d != "" {
		return d
	}
	if e.InterfaceType != "" && e.InterfaceType != types.NetworkInterfaceTypeInterface {
		return string(e.InterfaceType) + " " + aws.ToString(e.NetworkInterfaceId)
	}
	return aws.ToString(e.NetworkInterfaceId)
}

func isAccessDenied(err error) bool {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	code := apiErr.ErrorCode()
	return code == "UnauthorizedOperation" || strings.HasPrefix(code, "AccessDenied")
}
