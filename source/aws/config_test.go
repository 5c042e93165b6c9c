package aws_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"

	awssource "github.com/vpnlens/vpnlens/source/aws"
)

type countingTransport struct{ n int }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n++
	return http.DefaultTransport.RoundTrip(r)
}

// LoadConfig: the configuration has the options given, and its HTTP
// client (the one given, or the SDK's) sends through WholeBodyClient.
func TestLoadConfig(t *testing.T) {
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CA_BUNDLE", "") // a bundle needs the SDK's own client, not the one given here
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()

	rt := &countingTransport{}
	cfg, err := awssource.LoadConfig(ctx, awssource.ConfigOptions{Region: "eu-central-1", HTTPClient: &http.Client{Transport: rt},
		Credentials: credentials.NewStaticCredentialsProvider("AKIDFAKE", "secret", ""),
		Retryer: func() sdkaws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 2 })
		}})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "eu-central-1" {
		t.Errorf("region %q", cfg.Region)
	}
	if got := cfg.Retryer().MaxAttempts(); got != 2 {
		t.Errorf("retryer: %d attempts, want the 2 of the option", got)
	}
	if c, err := cfg.Credentials.Retrieve(ctx); err != nil || c.AccessKeyID != "AKIDFAKE" {
		t.Errorf("credentials: %+v %v", c, err)
	}
	if awssource.WholeBodyClient(cfg.HTTPClient) != cfg.HTTPClient {
		t.Errorf("the HTTP client is not wrapped in WholeBodyClient: %T", cfg.HTTPClient)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	resp, err := cfg.HTTPClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if rt.n != 1 {
		t.Errorf("the HTTP client given sent %d requests, want 1", rt.n)
	}

	// The SDK's own client (with an attempt timeout) is wrapped too.
	cfg, err = awssource.LoadConfig(ctx, awssource.ConfigOptions{Region: "eu-central-1", AttemptTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if awssource.WholeBodyClient(cfg.HTTPClient) != cfg.HTTPClient {
		t.Errorf("the SDK's HTTP client is not wrapped in WholeBodyClient: %T", cfg.HTTPClient)
	}

	// Neither a client nor a timeout (the --logs-s3 source): the SDK's
	// default client, wrapped, sends.
	cfg, err = awssource.LoadConfig(ctx, awssource.ConfigOptions{Region: "eu-central-1"})
	if err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest(http.MethodGet, srv.URL, nil)
	resp, err = cfg.HTTPClient.Do(req)
	if err != nil {
		t.Fatalf("the default HTTP client: %v", err)
	}
	resp.Body.Close()

	// A profile that is not there is an error, not a silent default.
	if _, err := awssource.LoadConfig(ctx, awssource.ConfigOptions{Profile: "no-such-profile"}); err == nil {
		t.Error("LoadConfig with a missing profile: no error")
	}
}
