package aws

import (
	"context"
	"net/http"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
)

// ConfigOptions chooses the account, region, transport and retries of an
// SDK configuration built by LoadConfig.
type ConfigOptions struct {
	Region      string                     // "" = AWS_REGION / the profile's region
	Profile     string                     // "" = AWS_PROFILE / default
	Credentials sdkaws.CredentialsProvider // nil = the standard chain
	// HTTPClient sends the requests; nil = the SDK's own client, with
	// AttemptTimeout bounding one attempt (response body included) when
	// it is set.
	HTTPClient     *http.Client
	AttemptTimeout time.Duration
	// Retryer makes the retryer of every client (nil = the SDK's).
	Retryer func() sdkaws.Retryer
}

// LoadConfig builds the SDK configuration that every AWS client vpnlens
// makes comes from (the source's EC2 and CloudWatch Logs, the watch's
// SNS): the standard chain of environment, shared config files and
// credentials, with the options set, and the HTTP client wrapped in
// WholeBodyClient. It makes no request.
//
// An endpoint override (tests, fakes) is set on each service client, as
// its BaseEndpoint option: set here, on the configuration, an
// AWS_ENDPOINT_URL_<SERVICE> variable would win over it.
func LoadConfig(ctx context.Context, o ConfigOptions) (sdkaws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if o.Retryer != nil {
		opts = append(opts, config.WithRetryer(o.Retryer))
	}
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Credentials != nil {
		opts = append(opts, config.WithCredentialsProvider(o.Credentials))
	}
	if o.HTTPClient != nil {
		opts = append(opts, config.WithHTTPClient(o.HTTPClient))
	} else if o.AttemptTimeout > 0 {
		opts = append(opts, config.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(o.AttemptTimeout)))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return sdkaws.Config{}, err
	}
	if awsCfg.HTTPClient == nil {
		// LoadDefaultConfig leaves it nil (each service client would make
		// its own) unless a CA bundle is configured; wrapped as nil, every
		// request would dereference it.
		awsCfg.HTTPClient = awshttp.NewBuildableClient()
	}
	awsCfg.HTTPClient = WholeBodyClient(awsCfg.HTTPClient)
	return awsCfg, nil
}
