package aws_test

import (
	"context"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
	"github.com/vpnlens/vpnlens/source"
	awssource "github.com/vpnlens/vpnlens/source/aws"
)

// Benchmarks of the AWS source against the fake with AWS-like conditions:
// 100 ms per call, a throttle at the account quotas, the client at its
// default rate limits (FilterLogEvents 5/s). Each reports API calls, wall
// time, the lower bound that pages, latency and quota set, and the ratio.
//
//	go test ./source/aws -run '^$' -bench . -benchtime 3x

const benchLatency = 100 * time.Millisecond

var benchThrottle = map[string]float64{"FilterLogEvents": 10, "DescribeLogStreams": 25, "GetLogEvents": 25, "StartQuery": 10, "GetQueryResults": 10,
	"StopQuery": 10, "DescribeVpnConnections": 20}

func benchSource(b *testing.B, f *fakeaws.Server) *awssource.Source {
	return newSource(b, f, func(c *awssource.Config) {
		c.RateLimits = nil // the defaults, as in production
		c.MaxAttempts, c.MaxBackoff = 0, 0
		c.PollInitial, c.PollMax = 0, 0
	})
}

// streamPages is the FilterLogEvents pages one stream needs for a window.
func streamPages(events, pageSize int) int { return max(1, (events+pageSize-1)/pageSize) }

// One connection, 24 hours, 4 streams, pages of 100 events (AWS returns up
// to 10,000 or 1 MB; small pages make paging and the quota matter).
func BenchmarkPull24hOneConnection(b *testing.B) {
	const pageSize = 100
	f := newFake(b, fakeaws.Options{Latency: benchLatency, PageSize: pageSize, Throttle: benchThrottle})
	q := source.LogQuery{VPNConnectionID: hq, Start: day, End: day.Add(24 * time.Hour)}
	want, _ := local(b).Logs(context.Background(), q)
	perStream := map[string]int{}
	for _, ev := range want.Events {
		perStream[ev.TunnelIP+ev.Stream.String()]++
	}
	pages, longest := 0, 0
	for _, n := range perStream {
		p := streamPages(n, pageSize)
		pages += p
		longest = max(longest, p)
	}
	// Inventory, then the two groups' listings in parallel, then the
	// pages: no faster than the longest chain of pages, nor than the quota.
	quotaBound := time.Duration(pages-1)*time.Second/5 + benchLatency
	chainBound := time.Duration(longest) * benchLatency
	lower := 2*benchLatency + max(quotaBound, chainBound)
	var total time.Duration
	calls := 0
	for b.Loop() {
		src := benchSource(b, f)
		f.ResetCalls()
		t0 := time.Now()
		res, err := src.Logs(context.Background(), q)
		if err != nil {
			b.Fatal(err)
		}
		total += time.Since(t0)
		if len(res.Events) != len(want.Events) {
			b.Fatalf("%d events, want %d", len(res.Events), len(want.Events))
		}
		calls = f.Total()
	}
	wall := total / time.Duration(b.N)
	b.ReportMetric(float64(calls), "calls/op")
	b.ReportMetric(float64(pages), "pages")
	b.ReportMetric(float64(lower.Milliseconds()), "lowerbound-ms")
	b.ReportMetric(float64(wall.Milliseconds()), "wall-ms")
	b.ReportMetric(float64(wall)/float64(lower), "ratio")
}

// The follow-up question on the same incident: inventory, extents and the
// records all come from memory.
func BenchmarkFollowUpSameIncident(b *testing.B) {
	f := newFake(b, fakeaws.Options{Latency: benchLatency, PageSize: 100, Throttle: benchThrottle})
	src := benchSource(b, f)
	ctx := context.Background()
	q := source.LogQuery{VPNConnectionID: hq, Start: day.Add(3 * time.Hour), End: day.Add(9 * time.Hour)}
	if _, err := src.Logs(ctx, q); err != nil {
		b.Fatal(err)
	}
	f.ResetCalls()
	for b.Loop() {
		if _, err := src.Connections(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := src.Extents(ctx, hq); err != nil {
			b.Fatal(err)
		}
		res, err := src.Logs(ctx, source.LogQuery{VPNConnectionID: hq, TunnelIPs: []string{"203.0.113.10"}, Start: day.Add(3 * time.Hour), End: day.Add(4 * time.Hour)})
		if err != nil || res.Path != awssource.PathCache {
			b.Fatalf("path %v err %v", res.Path, err)
		}
	}
	if f.Total() != 0 {
		b.Fatalf("the follow-up made %d calls", f.Total())
	}
	b.ReportMetric(0, "calls/op")
}

// A 30-day anomaly summary of a 50-connection fleet, counted inside AWS by
// Logs Insights. The fake's engine takes 2 s per query (QueryDuration), as
// a month of logs would in AWS; no raw record is read.
func BenchmarkFleet30Days50Connections(b *testing.B) {
	const engine = 2 * time.Second
	f := newFake(b, fakeaws.Options{Latency: benchLatency, Throttle: benchThrottle, QueryDuration: engine})
	ids, err := f.AddFleet(hq, 50, 30)
	if err != nil {
		b.Fatal(err)
	}
	// Inventory, then one round of queries in parallel: the StartQuery
	// calls at AWS's quota of 10 per second, the engine, one
	// GetQueryResults. The number of queries is the source's choice: it is
	// taken from the run.
	var total time.Duration
	var got *awssource.Counts
	for b.Loop() {
		src := benchSource(b, f)
		f.ResetCalls()
		t0 := time.Now()
		got, err = src.AnomalyCounts(context.Background(), ids, day, day.Add(30*24*time.Hour))
		if err != nil {
			b.Fatal(err)
		}
		total += time.Since(t0)
		if got.Path != awssource.PathInsights || f.Counts()["FilterLogEvents"] != 0 {
			b.Fatalf("path %s, calls %s", got.Path, counts(f))
		}
	}
	var n int64
	for _, r := range got.Rows {
		n += r.Count
	}
	// The template day's anomalies, for every connection and day.
	want := localCounts(&testing.T{}, []string{hq}, day, day.Add(24*time.Hour))
	var perDay int64
	for _, c := range want {
		perDay += c
	}
	if n != perDay*50*30 {
		b.Errorf("%d anomalies counted, want %d", n, perDay*50*30)
	}
	wall := total / time.Duration(b.N)
	queries := f.Counts()["StartQuery"]
	lower := benchLatency + time.Duration(queries-1)*time.Second/10 + benchLatency + engine + benchLatency
	b.ReportMetric(float64(f.Total()), "calls/op")
	b.ReportMetric(float64(queries), "queries")
	b.ReportMetric(float64(lower.Milliseconds()), "lowerbound-ms")
	b.ReportMetric(float64(wall.Milliseconds()), "wall-ms")
	b.ReportMetric(float64(wall)/float64(lower), "ratio")
	b.Logf("%d anomalies in %d count rows, %s", n, len(got.Rows), counts(f))
}
