package aws_test

import (
	"context"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/internal/corpusgen/corpus"
	"github.com/vpnlens/vpnlens/internal/fakeaws"
	"github.com/vpnlens/vpnlens/investigate"
)

// Timelines of one connection through the fake at AWS-like conditions
// (100 ms per call, the account quotas, the client's default rate limits,
// 500 ms for a Logs Insights query to run), as get_vpn_timeline asks them:
// a day and a week. The connection's logs come from the corpus generator
// (internal/corpusgen, which says its density), 80 MB of them. Reports
// wall time, AWS calls, records and the peak heap while the question ran.
//
//	go test ./source/aws -run '^$' -bench 'Timeline' -benchtime 3x
func BenchmarkTimeline24h(b *testing.B) { benchTimeline(b, 24*time.Hour) }

func BenchmarkTimeline7d(b *testing.B) { benchTimeline(b, 7*24*time.Hour) }

func benchTimeline(b *testing.B, span time.Duration) {
	dir := b.TempDir()
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	if _, err := corpus.WriteDir(dir, 80<<20, corpus.Options{Connections: 1, Seed: 7, Start: start}); err != nil {
		b.Fatal(err)
	}
	f := fakeaws.New(fakeaws.Options{Latency: benchLatency, Throttle: benchThrottle, QueryDuration: 500 * time.Millisecond})
	b.Cleanup(f.Close)
	if err := f.AddConnectionsFor(dir, "/aws/vendedlogs/vpn/corpus"); err != nil {
		b.Fatal(err)
	}
	if err := f.LoadDir(dir); err != nil {
		b.Fatal(err)
	}
	end := start.Add(7 * 24 * time.Hour)
	var ids []string
	conns, err := benchSource(b, f).Connections(context.Background())
	if err != nil || len(conns) != 1 {
		b.Fatalf("%d connections, %v", len(conns), err)
	}
	ids = append(ids, conns[0].ID)
	var total time.Duration
	var peak uint64
	var records int
	for b.Loop() {
		src := benchSource(b, f)
		svc := &investigate.Service{Inventory: src, Logs: src, Limits: investigate.DefaultLimits, Logger: quiet, Now: func() time.Time { return end.Add(time.Hour) }}
		ctx := context.Background()
		f.ResetCalls()
		runtime.GC()
		stop := heapPeak()
		t0 := time.Now()
		conn, err := svc.Connection(ctx, ids[0])
		if err != nil {
			b.Fatal(err)
		}
		res, err := svc.Timeline(ctx, investigate.TimelineQuestion{Conn: conn, Window: investigate.Window{Start: end.Add(-span), End: end, Loc: time.UTC},
			Collapse: true, View: investigate.ViewDefault})
		if err != nil {
			b.Fatal(err)
		}
		total += time.Since(t0)
		peak = max(peak, stop())
		records = res.Records
		if res.Records == 0 || len(res.Entries) == 0 {
			b.Fatalf("an empty timeline: %d records, %d entries, %+v", res.Records, len(res.Entries), res.Notes)
		}
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "wall-ms")
	b.ReportMetric(float64(f.Total()), "calls/op")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(records), "records")
	b.Logf("%d records in %s; %s", records, span, counts(f))
}

// heapPeak samples the live heap every 5 ms until the returned function
// is called, which returns the highest sample.
func heapPeak() func() uint64 {
	var mu sync.Mutex
	var peak uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	go func() {
		defer close(stopped)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			mu.Lock()
			peak = max(peak, sample[0].Value.Uint64())
			mu.Unlock()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-stopped
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}
