package live

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
)

// ClusterAPI is the one EKS call `--cluster` needs.
type ClusterAPI interface {
	DescribeCluster(ctx context.Context, in *eks.DescribeClusterInput, opts ...func(*eks.Options)) (*eks.DescribeClusterOutput, error)
}

// ClusterSubnets returns the subnets an EKS cluster was created with.
func ClusterSubnets(ctx context.Context, api ClusterAPI, name string) ([]string, error) {
	out, err := api.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(name)})
	if err != nil {
		return nil, err
	}
	if out.Cluster == nil || out.Cluster.ResourcesVpcConfig == nil || len(out.Cluster.ResourcesVpcConfig.SubnetIds) == 0 {
		return nil, fmt.Errorf("cluster %s lists no subnets", name)
	}
	return out.Cluster.ResourcesVpcConfig.SubnetIds, nil
}
