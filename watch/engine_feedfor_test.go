package watch

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/vpnlens/vpnlens/source"
	awssource "github.com/vpnlens/vpnlens/source/aws"
)

// sharedClientSource is the AWS source on the fake, with rate limits high
// enough that a replayed day runs at the fake's speed.
func sharedClientSource(t *testing.T, rp *awsReplay, clock Clock) *awssource.Source {
	t.Helper()
	fast := map[string]float64{}
	for op := range awssource.DefaultRateLimits {
		fast[op] = 100000
	}
	src, err := awssource.New(context.Background(), awssource.Config{Region: rp.fake.Region(), Endpoint: rp.fake.URL,
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""), Now: clock.Now, Logger: quietLogger(),
		MaxAttempts: 2, RateLimits: fast})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// replayCalls runs an engine on feed over [from, to) of the demo day
// appended to the fake as time goes by, and returns the reports and the
// FilterLogEvents requests the fake served.
func replayCalls(t *testing.T, rp *awsReplay, clock *FakeClock, feed source.Feed, to time.Time) ([]Report, int) {
	t.Helper()
	out := &syncBuffer{}
	e, err := New(Config{Feed: feed, Clock: clock, Logger: quietLogger(), StatePath: filepath.Join(t.TempDir(), "state.json"),
		Sinks: []Sink{NewStdoutSink(out)}, Region: rp.fake.Region()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	before := rp.fake.Counts()["FilterLogEvents"]
	for clock.Now().Before(to) {
		rp.until(clock.Now())
		if err := e.Step(ctx); err != nil {
			t.Fatal(err)
		}
		e.DeliverDue(ctx)
		clock.Advance(DefaultInterval)
	}
	return reports(t, out.String()), rp.fake.Counts()["FilterLogEvents"] - before
}

// vpn://incidents in `vpnlens serve` on AWS watches through FeedFor: an
// aws.Feed on the source's own client, which reads each log group with one
// request series per poll, where the generic SourceFeed reads every
// stream of every connection. Both see the same incidents; the AWS feed
// costs a fraction of the requests (against a 5-per-second account quota
// shared with everything else).
func TestFeedForAWSSource(t *testing.T) {
	t.Parallel()
	from := time.Date(2026, 6, 12, 19, 30, 0, 0, time.UTC)
	to := time.Date(2026, 6, 12, 22, 0, 0, 0, time.UTC) // the demo's 20:25 drop and its recovery

	rp := newAWSReplay(t)
	clock := NewFakeClock(from)
	rp.until(clock.Now())
	src := sharedClientSource(t, rp, clock)
	feed, err := source.FeedFor(context.Background(), "serve", src, src, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := feed.(*awssource.Feed); !ok {
		t.Fatalf("FeedFor(the AWS source) = %T, want *aws.Feed", feed)
	}
	awsReports, awsCalls := replayCalls(t, rp, clock, feed, to)
	if got := src.Calls()["FilterLogEvents"]; got != awsCalls {
		t.Errorf("the feed's requests did not go through the source's client: the source counted %d, the fake served %d", got, awsCalls)
	}

	rp2 := newAWSReplay(t)
	clock2 := NewFakeClock(from)
	rp2.until(clock2.Now())
	src2 := sharedClientSource(t, rp2, clock2)
	srcReports, srcCalls := replayCalls(t, rp2, clock2, &source.SourceFeed{Name: "serve", Inventory: src2, Logs: src2}, to)

	// The demo has four log groups of two streams each: the AWS feed
	// reads a group per request where SourceFeed reads a stream.
	t.Logf("FilterLogEvents over %s of polls every %s: aws.Feed %d, SourceFeed %d", to.Sub(from), DefaultInterval, awsCalls, srcCalls)
	if awsCalls == 0 || awsCalls*3 > srcCalls*2 {
		t.Errorf("aws.Feed made %d FilterLogEvents requests, SourceFeed %d: want at most two thirds", awsCalls, srcCalls)
	}
	titles := func(rs []Report) map[string]bool {
		m := map[string]bool{}
		for _, r := range rs {
			m[r.Event+" "+r.Title] = true
		}
		return m
	}
	a, s := titles(awsReports), titles(srcReports)
	if len(a) == 0 {
		t.Fatal("the AWS feed reported nothing over the demo's 20:25 drop")
	}
	for k := range s {
		if !a[k] {
			t.Errorf("SourceFeed reported %q, the AWS feed did not", k)
		}
	}
	for k := range a {
		if !s[k] {
			t.Errorf("the AWS feed reported %q, SourceFeed did not", k)
		}
	}
}

// What serve's vpn://incidents costs on AWS does not grow with the fleet:
// with every stream in one log group, a poll of a healthy fleet is one
// FilterLogEvents request per 100 streams, whether 5 connections or 40.
// (SourceFeed made one per stream: 4 per connection per poll.)
func TestServeFeedCostIndependentOfFleetSize(t *testing.T) {
	t.Parallel()
	polls := int(time.Hour / DefaultInterval)
	for _, n := range []int{5, 40} {
		perHour := fleetCalls(t, "serve-feed", n)
		streams := 4 * n
		limit := polls * ((streams + 99) / 100)
		t.Logf("%d connections (%d streams): %v per hour", n, streams, perHour)
		if got := perHour["FilterLogEvents"]; got == 0 || got > limit {
			t.Errorf("%d connections: %d FilterLogEvents per hour, want 1..%d (one per poll per 100 streams)", n, got, limit)
		}
	}
}
