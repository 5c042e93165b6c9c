package aws_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
	"github.com/vpnlens/vpnlens/source"
	awssource "github.com/vpnlens/vpnlens/source/aws"
)

func dayQuery(vpn string) source.LogQuery {
	return source.LogQuery{VPNConnectionID: vpn, Start: day, End: day.Add(24 * time.Hour)}
}

// Every failure is a *source.Error whose message names the cause and the
// fix, never a stack trace.
func TestErrorsAreActionable(t *testing.T) {
	type tc struct {
		name  string
		setup func(f *fakeaws.Server)
		mod   func(*awssource.Config)
		call  func(s *awssource.Source) error
		cause string
		want  []string
	}
	logs := func(vpn string) func(s *awssource.Source) error {
		return func(s *awssource.Source) error { _, err := s.Logs(context.Background(), dayQuery(vpn)); return err }
	}
	inventory := func(s *awssource.Source) error { _, err := s.Connections(context.Background()); return err }
	cases := []tc{
		{name: "access denied FilterLogEvents", setup: func(f *fakeaws.Server) { f.Deny("FilterLogEvents") }, call: logs(hq),
			cause: "AccessDenied", want: []string{"logs:FilterLogEvents", "docs/iam-policy.json"}},
		{name: "access denied DescribeLogStreams", setup: func(f *fakeaws.Server) { f.Deny("DescribeLogStreams") }, call: logs(hq),
			cause: "AccessDenied", want: []string{"logs:DescribeLogStreams", "docs/iam-policy.json"}},
		{name: "access denied EC2", setup: func(f *fakeaws.Server) { f.Deny("DescribeVpnConnections") }, call: inventory,
			cause: "AccessDenied", want: []string{"ec2:DescribeVpnConnections", "docs/iam-policy.json"}},
		{name: "access denied StartQuery", setup: func(f *fakeaws.Server) { f.Deny("StartQuery") },
			call: func(s *awssource.Source) error {
				_, err := s.AnomalyCounts(context.Background(), nil, day, day.Add(30*24*time.Hour))
				return err
			}, cause: "AccessDenied", want: []string{"logs:StartQuery", "docs/iam-policy.json"}},
		{name: "log group not found", mod: func(c *awssource.Config) { c.LogGroup = "/no/such/group" }, call: logs(hq),
			cause: "LogGroupNotFound", want: []string{"/no/such/group", "--log-group", "does not exist"}},
		{name: "log group of the tunnel options missing", setup: func(f *fakeaws.Server) {
			f.AddConnection(fakeaws.VpnConnection{VpnConnectionId: "vpn-0deadbeef0000001", State: "available", Options: &fakeaws.VpnOptions{TunnelOptions: []fakeaws.TunnelOption{{
				OutsideIpAddress: "198.51.100.9", LogOptions: &fakeaws.LogOptions{CloudWatchLogOptions: &fakeaws.CloudWatchLogOptions{LogEnabled: true,
					LogGroupArn: "arn:aws:logs:eu-central-1:111122223333:log-group:/gone/vpn:*"}}}}}})
		}, call: logs("vpn-0deadbeef0000001"), cause: "LogGroupNotFound", want: []string{"/gone/vpn", "tunnel 1's IKE log options"}},
		{name: "logging disabled", call: func(s *awssource.Source) error {
			q := dayQuery(dr)
			q.TunnelIPs = []string{"203.0.113.50", "203.0.113.60"}
			_, err := s.Logs(context.Background(), q)
			return err
		}, cause: "LoggingDisabled",
			want: []string{"disabled on tunnel 1 (203.0.113.50)", "tunnel 2 (203.0.113.60)", "modify-vpn-tunnel-options", "one tunnel at a time", "--vpn-tunnel-outside-ip-address 203.0.113.60"}},
		{name: "throttled after retries", setup: func(f *fakeaws.Server) {
			f.AddFault(fakeaws.Fault{Op: "FilterLogEvents", Code: "ThrottlingException", Message: "Rate exceeded"})
		}, mod: func(c *awssource.Config) { c.NoRetryQuota = true; c.MaxAttempts = 2 }, call: logs(hq), cause: "Throttled", want: []string{"throttling FilterLogEvents", "after 2 attempts", "wait a minute"}},
		{name: "expired credentials", setup: func(f *fakeaws.Server) {
			f.AddFault(fakeaws.Fault{Op: "DescribeVpnConnections", Code: "RequestExpired", Status: 400, Message: "Request has expired."})
		}, call: inventory, cause: "Credentials", want: []string{"expired or invalid", "--profile"}},
		{name: "expired token on logs", setup: func(f *fakeaws.Server) {
			f.AddFault(fakeaws.Fault{Op: "DescribeLogStreams", Code: "ExpiredTokenException", Message: "The security token included in the request is expired"})
		}, call: logs(hq), cause: "Credentials", want: []string{"expired", "aws sso login"}},
		{name: "missing credentials", mod: func(c *awssource.Config) {
			c.Credentials = sdkaws.CredentialsProviderFunc(func(context.Context) (sdkaws.Credentials, error) {
				return sdkaws.Credentials{}, errors.New("no EC2 IMDS role found")
			})
		}, call: inventory, cause: "Credentials", want: []string{"no usable AWS credentials", "--profile"}},
		{name: "region mismatch", call: logs("vpn-0123456789abcdef9"), cause: "RegionMismatch", want: []string{"vpn-0123456789abcdef9", "another region", "--region"}},
		{name: "no connections in region", setup: func(f *fakeaws.Server) { f.LoadInventoryJSON([]byte(`{"VpnConnections":[]}`)) },
			call: inventory, cause: "NoConnections", want: []string{"no Site-to-Site VPN connections in region eu-central-1", "--region"}},
		{name: "service unavailable", setup: func(f *fakeaws.Server) {
			f.AddFault(fakeaws.Fault{Op: "FilterLogEvents", Code: "ServiceUnavailableException", Status: 503})
		}, call: logs(hq), cause: "Unavailable", want: []string{"failed on its side", "try again"}},
		{name: "access denied mid-pagination", setup: func(f *fakeaws.Server) {
			f.SetOptions(func(o *fakeaws.Options) { o.PageSize = 20 * demoScale })
			f.AddFault(fakeaws.Fault{Op: "FilterLogEvents", Code: "AccessDeniedException", OnlyPaged: true, After: 2, Times: 1})
		}, call: logs(hq), cause: "AccessDenied", want: []string{"logs:FilterLogEvents"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t, fakeaws.Options{})
			if c.setup != nil {
				c.setup(f)
			}
			err := c.call(newSource(t, f, c.mod))
			var se *source.Error
			if !errors.As(err, &se) {
				t.Fatalf("error %v (%T) is not a *source.Error", err, err)
			}
			if se.Cause != c.cause {
				t.Errorf("cause %q, want %q: %s", se.Cause, c.cause, se.Msg)
			}
			for _, w := range c.want {
				if !strings.Contains(se.Msg, w) {
					t.Errorf("message lacks %q:\n%s", w, se.Msg)
				}
			}
			for _, bad := range []string{"goroutine", ".go:", "panic"} {
				if strings.Contains(se.Msg, bad) {
					t.Errorf("message looks like a stack trace (%q):\n%s", bad, se.Msg)
				}
			}
		})
	}
}

// A connection-wide read of a connection without logging answers with no
// records and the reason, so that fleet summaries go on with the others.
func TestLoggingDisabledConnectionWide(t *testing.T) {
	f := newFake(t, fakeaws.Options{})
	res, err := newSource(t, f, nil).Logs(context.Background(), dayQuery(dr))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Events) != 0 || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "one tunnel at a time") || !strings.Contains(res.Notes[0], "disabled on tunnel 2") {
		t.Errorf("events %d, notes %q", len(res.Events), res.Notes)
	}
	if n := f.Counts()["FilterLogEvents"] + f.Counts()["DescribeLogStreams"]; n != 0 {
		t.Errorf("%d log calls for a connection without logs", n)
	}
}

// Transient failures (5xx, a failure mid-pagination) are retried and the
// answer is complete; a failed read leaves nothing half-cached.
func TestTransientFailuresRecover(t *testing.T) {
	f := newFake(t, fakeaws.Options{PageSize: 25 * demoScale})
	src := newSource(t, f, nil)
	mid := f.AddFault(fakeaws.Fault{Op: "FilterLogEvents", Code: "InternalFailure", Status: 500, OnlyPaged: true, After: 3, Times: 2})
	five := f.AddFault(fakeaws.Fault{Op: "DescribeLogStreams", Code: "ServiceUnavailableException", Status: 503, Times: 1})
	got, err := src.Logs(context.Background(), dayQuery(hq))
	if err != nil {
		t.Fatal(err)
	}
	if f.Fired(mid) != 2 || f.Fired(five) != 1 {
		t.Errorf("faults fired %d and %d times", f.Fired(mid), f.Fired(five))
	}
	want, _ := local(t).Logs(context.Background(), dayQuery(hq))
	diffKeys(t, "after retries", eventKeys(got.Events), eventKeys(want.Events))

	// A non-retryable failure mid-pagination: the error, then a clean retry.
	f2 := newFake(t, fakeaws.Options{PageSize: 25 * demoScale})
	src2 := newSource(t, f2, nil)
	f2.AddFault(fakeaws.Fault{Op: "FilterLogEvents", Code: "AccessDeniedException", OnlyPaged: true, After: 5, Times: 1})
	if _, err := src2.Logs(context.Background(), dayQuery(hq)); err == nil {
		t.Fatal("no error from a denied page")
	}
	got2, err := src2.Logs(context.Background(), dayQuery(hq))
	if err != nil {
		t.Fatal(err)
	}
	diffKeys(t, "after a failed read", eventKeys(got2.Events), eventKeys(want.Events))
}
