package aws_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
	"github.com/vpnlens/vpnlens/source"
	awssource "github.com/vpnlens/vpnlens/source/aws"
)

const demoDir = "../../testdata/demo"

// demoScale is how many times more records the demo holds at real density
// (the liveness exchange every ~10 s) than when these tests were written
// (68,597 against 1,943): page sizes and the row caps of raw-record
// queries are scaled by it, so each test still makes the calls it was
// written for (pages, throttled bursts, split queries), not 35 times more.
const demoScale = 35

var (
	hq     = "vpn-0a1b2c3d4e5f60718"
	branch = "vpn-0f9e8d7c6b5a40312"
	dr     = "vpn-0c0ffee00d15a5e77"
	day    = time.Date(2026, 6, 12, 0, 0, 0, 0, time.UTC)
	now    = time.Date(2026, 6, 13, 8, 0, 0, 0, time.UTC)
	quiet  = slog.New(slog.DiscardHandler)
)

// newFake serves the demo data set.
func newFake(t testing.TB, opt fakeaws.Options) *fakeaws.Server {
	t.Helper()
	f := fakeaws.New(opt)
	t.Cleanup(f.Close)
	if err := f.LoadDir(demoDir); err != nil {
		t.Fatal(err)
	}
	return f
}

// newSource points a real-SDK source at the fake, with static credentials
// and retries bounded and quick.
func newSource(t testing.TB, f *fakeaws.Server, mod func(*awssource.Config)) *awssource.Source {
	t.Helper()
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	cfg := awssource.Config{
		Region: f.Region(), Endpoint: f.URL, Credentials: credentials.NewStaticCredentialsProvider("AKIDFAKE", "secret", ""),
		MaxAttempts: 4, MaxBackoff: 50 * time.Millisecond, PollInitial: 5 * time.Millisecond, PollMax: 20 * time.Millisecond,
		Now: func() time.Time { return now }, Logger: quiet,
		RateLimits: map[string]float64{"FilterLogEvents": 1000, "GetLogEvents": 1000, "DescribeLogStreams": 1000, "StartQuery": 1000,
			"GetQueryResults": 1000, "StopQuery": 1000, "DescribeVpnConnections": 1000,
			"DescribeDeliverySources": 1000, "DescribeDeliveries": 1000, "DescribeDeliveryDestinations": 1000, "GetMetricData": 1000, "LookupEvents": 1000, "GetVpnTunnelReplacementStatus": 1000, "GetActiveVpnTunnelStatus": 1000},
	}
	if mod != nil {
		mod(&cfg)
	}
	s, err := awssource.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// local is the --logs-dir source on the same data.
func local(t testing.TB) *source.Local {
	t.Helper()
	l, err := source.OpenFS(source.HideFiles(os.DirFS(demoDir), "expected.json"), "demo", quiet)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
