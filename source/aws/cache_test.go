package aws_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
	"github.com/vpnlens/vpnlens/source"
	awssource "github.com/vpnlens/vpnlens/source/aws"
)

func counts(f *fakeaws.Server) string {
	c := f.Counts()
	return fmt.Sprintf("ec2=%d streams=%d filter=%d get=%d start=%d results=%d stop=%d", c["DescribeVpnConnections"], c["DescribeLogStreams"],
		c["FilterLogEvents"], c["GetLogEvents"], c["StartQuery"], c["GetQueryResults"], c["StopQuery"])
}

// Exact API calls: the first read, the same window again, a part of it, an
// extension that fetches only the missing hour, and the inventory and
// listings reused until their TTL.
func TestCacheCallCounts(t *testing.T) {
	f := newFake(t, fakeaws.Options{})
	clock := now
	src := newSource(t, f, func(c *awssource.Config) { c.Now = func() time.Time { return clock } })
	ctx := context.Background()
	q := source.LogQuery{VPNConnectionID: hq, Start: day.Add(time.Hour), End: day.Add(13 * time.Hour)}
	step := func(name string, q source.LogQuery, wantCalls, wantPath string) *source.LogResult {
		t.Helper()
		f.ResetCalls()
		res, err := src.Logs(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := counts(f); got != wantCalls {
			t.Errorf("%s: calls %s, want %s", name, got, wantCalls)
		}
		if res.Path != wantPath {
			t.Errorf("%s: path %q, want %q", name, res.Path, wantPath)
		}
		return res
	}
	first := step("first read", q, "ec2=1 streams=2 filter=4 get=0 start=0 results=0 stop=0", awssource.PathFilter)
	again := step("same window", q, "ec2=0 streams=0 filter=0 get=0 start=0 results=0 stop=0", awssource.PathCache)
	if len(first.Events) == 0 || len(first.Events) != len(again.Events) {
		t.Fatalf("cached answer has %d events, first had %d", len(again.Events), len(first.Events))
	}
	step("part of it", source.LogQuery{VPNConnectionID: hq, Start: day.Add(3 * time.Hour), End: day.Add(4 * time.Hour)},
		"ec2=0 streams=0 filter=0 get=0 start=0 results=0 stop=0", awssource.PathCache)
	step("anomalies of it", source.LogQuery{VPNConnectionID: hq, Start: day.Add(3 * time.Hour), End: day.Add(4 * time.Hour), AnomaliesOnly: true},
		"ec2=0 streams=0 filter=0 get=0 start=0 results=0 stop=0", awssource.PathCache)
	ext := source.LogQuery{VPNConnectionID: hq, Start: day, End: day.Add(13 * time.Hour)}
	step("extended by an hour", ext, "ec2=0 streams=0 filter=4 get=0 start=0 results=0 stop=0", awssource.PathFilter)
	for _, c := range f.Calls() {
		if c.Op == "FilterLogEvents" && (c.Start != day.UnixMilli() || c.End != day.Add(time.Hour).UnixMilli()-1) {
			t.Errorf("extension fetched %d..%d, want only the missing hour %d..%d", c.Start, c.End, day.UnixMilli(), day.Add(time.Hour).UnixMilli()-1)
		}
	}
	// One tunnel: its two streams, only the missing hour of each.
	step("one stream extended", source.LogQuery{VPNConnectionID: hq, TunnelIPs: []string{"203.0.113.20"}, Kinds: nil, Start: day, End: day.Add(14 * time.Hour)},
		"ec2=0 streams=0 filter=2 get=0 start=0 results=0 stop=0", awssource.PathFilter)
	// Anomalies-only outside the cached range use the server-side pattern;
	// asking again is free, and a later full read still fetches in full.
	aq := source.LogQuery{VPNConnectionID: hq, Start: day.Add(14 * time.Hour), End: day.Add(24 * time.Hour), AnomaliesOnly: true}
	step("anomalies only", aq, "ec2=0 streams=0 filter=4 get=0 start=0 results=0 stop=0", awssource.PathFilter)
	step("anomalies only again", aq, "ec2=0 streams=0 filter=0 get=0 start=0 results=0 stop=0", awssource.PathCache)
	full := step("full after anomalies", source.LogQuery{VPNConnectionID: hq, Start: day, End: day.Add(24 * time.Hour)},
		"ec2=0 streams=0 filter=4 get=0 start=0 results=0 stop=0", awssource.PathFilter)
	want, _ := local(t).Logs(ctx, source.LogQuery{VPNConnectionID: hq, Start: day, End: day.Add(24 * time.Hour)})
	diffKeys(t, "pieced together", eventKeys(full.Events), eventKeys(want.Events))
	// Extents and inventory come from the same cached listings.
	f.ResetCalls()
	if _, err := src.Extents(ctx, hq); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Connections(ctx); err != nil {
		t.Fatal(err)
	}
	if f.Total() != 0 {
		t.Errorf("extents and inventory within their TTL cost %s", counts(f))
	}
	clock = clock.Add(6 * time.Minute)
	if _, err := src.Extents(ctx, hq); err != nil {
		t.Fatal(err)
	}
	if got := counts(f); got != "ec2=1 streams=2 filter=0 get=0 start=0 results=0 stop=0" {
		t.Errorf("after the TTL: %s", got)
	}
}

// Records newer than now-Settle may still be arriving in CloudWatch: they
// are returned but fetched again next time.
func TestCacheRecentTailIsRefetched(t *testing.T) {
	f := newFake(t, fakeaws.Options{})
	liveNow := day.Add(12 * time.Hour)
	src := newSource(t, f, func(c *awssource.Config) { c.Now = func() time.Time { return liveNow } })
	q := source.LogQuery{VPNConnectionID: hq, Start: day.Add(10 * time.Hour), End: liveNow}
	if _, err := src.Logs(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	f.ResetCalls()
	res, err := src.Logs(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if f.Counts()["FilterLogEvents"] != 4 {
		t.Errorf("the unsettled tail was not fetched again: %s", counts(f))
	}
	for _, c := range f.Calls() {
		if c.Op == "FilterLogEvents" && c.Start != liveNow.Add(-5*time.Minute).UnixMilli() {
			t.Errorf("refetch starts at %d, want now-5min", c.Start)
		}
	}
	want, _ := local(t).Logs(context.Background(), q)
	diffKeys(t, "live window", eventKeys(res.Events), eventKeys(want.Events))
}

// Parallel questions on the same window (MCP clients call tools
// concurrently) may fetch the same gap twice; the cache keeps one copy.
func TestCacheConcurrentReads(t *testing.T) {
	f := newFake(t, fakeaws.Options{PageSize: 50 * demoScale, Latency: 5 * time.Millisecond})
	src := newSource(t, f, nil)
	want, _ := local(t).Logs(context.Background(), dayQuery(hq))
	errs := make(chan error, 6)
	for range 6 {
		go func() {
			res, err := src.Logs(context.Background(), dayQuery(hq))
			if err == nil && len(res.Events) != len(want.Events) {
				err = fmt.Errorf("%d events, want %d", len(res.Events), len(want.Events))
			}
			errs <- err
		}()
	}
	for range 6 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	f.ResetCalls()
	got, err := src.Logs(context.Background(), dayQuery(hq))
	if err != nil || f.Total() != 0 {
		t.Fatalf("err %v, calls %s", err, counts(f))
	}
	diffKeys(t, "after concurrent reads", eventKeys(got.Events), eventKeys(want.Events))
}

// A long window that is mostly cached is completed with FilterLogEvents;
// a long gap goes to Insights.
func TestPathFollowsWhatIsMissing(t *testing.T) {
	f := newFake(t, fakeaws.Options{})
	src := newSource(t, f, func(c *awssource.Config) { c.InsightsWindow = 6 * time.Hour })
	ctx := context.Background()
	res, err := src.Logs(ctx, source.LogQuery{VPNConnectionID: hq, Start: day, End: day.Add(20 * time.Hour)})
	if err != nil || res.Path != awssource.PathInsights {
		t.Fatalf("20 h uncached: path %v, err %v", res.Path, err)
	}
	f.ResetCalls()
	res, err = src.Logs(ctx, dayQuery(hq))
	if err != nil || res.Path != awssource.PathFilter || f.Counts()["StartQuery"] != 0 {
		t.Fatalf("24 h with 4 h missing: path %v, err %v, calls %s", res.Path, err, counts(f))
	}
	want, _ := local(t).Logs(ctx, dayQuery(hq))
	diffKeys(t, "mixed paths", eventKeys(res.Events), eventKeys(want.Events))
}

// The standard endpoint variables reach the SDK: no Endpoint in Config.
func TestEndpointFromEnvironment(t *testing.T) {
	f := newFake(t, fakeaws.Options{})
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1") // the specific variables win
	t.Setenv("AWS_ENDPOINT_URL_EC2", f.URL)
	t.Setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", f.URL)
	t.Setenv("AWS_REGION", "eu-central-1")
	src := newSource(t, f, func(c *awssource.Config) { c.Endpoint, c.Region = "", "" })
	if src.Region() != "eu-central-1" {
		t.Errorf("region %q from AWS_REGION", src.Region())
	}
	if _, err := src.Logs(context.Background(), dayQuery(hq)); err != nil {
		t.Fatal(err)
	}
	// Every call reached the fake: as many as a source given its address.
	ref := newFake(t, fakeaws.Options{})
	if _, err := newSource(t, ref, nil).Logs(context.Background(), dayQuery(hq)); err != nil {
		t.Fatal(err)
	}
	want := ref.Counts()["FilterLogEvents"]
	if want < 4 || f.Counts()["FilterLogEvents"] != want || f.Counts()["DescribeVpnConnections"] != 1 {
		t.Errorf("calls %s, want %d FilterLogEvents (a page or more per stream) and 1 DescribeVpnConnections", counts(f), want)
	}
}
