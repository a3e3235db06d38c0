package cmd

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"
	"github.com/spf13/pflag"
)

// AWSOptions select the account, region and endpoint of live EC2 calls.
type AWSOptions struct {
	Region      string
	Profile     string
	EndpointURL string
}

func (o *AWSOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Region, "region", "", "AWS region (default: from AWS_REGION or the profile)")
	fs.StringVar(&o.Profile, "profile", "", "AWS shared-config profile (default: AWS_PROFILE or default)")
	fs.StringVar(&o.EndpointURL, "endpoint-url", "", "EC2 endpoint override, such as a local emulator (AWS_ENDPOINT_URL_EC2 also works)")
}

// awsConfig loads the default credential chain with eksnet's options on top.
// The adaptive retryer backs off on throttling instead of failing the run.
func awsConfig(ctx context.Context, o AWSOptions) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer { return retry.NewAdaptiveMode() }),
	}
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return cfg, explainAWSError(err)
	}
	if cfg.Region == "" {
		return cfg, environmentErrorf("no AWS region: pass --region or set AWS_REGION")
	}
	return cfg, nil
}

// newEC2Client builds an EC2 client for the options, in region if given.
func newEC2Client(ctx context.Context, o AWSOptions, region string) (*ec2.Client, error) {
	if region != "" {
		o.Region = region
	}
	cfg, err := awsConfig(ctx, o)
	if err != nil {
		return nil, err
	}
	return ec2.NewFromConfig(cfg, func(eo *ec2.Options) {
		if o.EndpointURL != "" {
			eo.BaseEndpoint = aws.String(o.EndpointURL)
		}
	}), nil
}

// explainAWSError turns an SDK error into one line a person can act on, with
// exit code 3 (2 where the request itself named something that does not exist).
func explainAWSError(err error) error {
	if err == nil {
		return nil
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return err
	}
	op := "the AWS call"
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		op = oe.Service() + ":" + oe.Operation()
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code, msg := apiErr.ErrorCode(), oneLine(apiErr.ErrorMessage())
		switch {
		case code == "UnauthorizedOperation" || strings.HasPrefix(code, "AccessDenied"):
			return environmentErrorf("access denied to %s: the caller needs permission for it (%s)", op, code)
		case code == "AuthFailure" || code == "InvalidClientTokenId" || code == "SignatureDoesNotMatch" ||
			code == "ExpiredToken" || code == "RequestExpired" || code == "UnrecognizedClientException":
			return environmentErrorf("AWS rejected the credentials for %s (%s): check AWS_PROFILE or the access keys", op, code)
		case code == "RequestLimitExceeded" || code == "Throttling" || code == "ThrottlingException":
			return environmentErrorf("%s was throttled and still failed after the SDK's retries: try again later", op)
		case code == "InvalidInstanceType":
			return usageErrorf("%s", msg)
		case code == "ResourceNotFoundException" || strings.HasSuffix(code, ".NotFound") || strings.HasSuffix(code, ".Malformed"):
			// A cluster, subnet or VPC that does not exist is bad input.
			return usageErrorf("%s: %s", op, msg)
		}
		return environmentErrorf("%s failed: %s: %s", op, code, msg)
	}
	var se *v4.SigningError
	if errors.As(err, &se) {
		return environmentErrorf("no usable AWS credentials for %s: set AWS_PROFILE or --profile, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", op)
	}
	var pe config.SharedConfigProfileNotExistError
	if errors.As(err, &pe) {
		return environmentErrorf("AWS profile %q not found in the shared config files", pe.Profile)
	}
	var mr *aws.MissingRegionError
	if errors.As(err, &mr) {
		return environmentErrorf("no AWS region: pass --region or set AWS_REGION")
	}
	var ne net.Error
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) || errors.As(err, &ne) {
		return environmentErrorf("cannot reach the EC2 endpoint for %s: %s", op, oneLine(rootCause(err).Error()))
	}
	if errors.Is(err, context.Canceled) {
		return environmentErrorf("%s cancelled", op)
	}
	return environmentErrorf("%s failed: %s", op, oneLine(err.Error()))
}

func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
