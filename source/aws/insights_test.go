package aws_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
	"github.com/vpnlens/vpnlens/source"
	awssource "github.com/vpnlens/vpnlens/source/aws"
)

// localCounts counts the local source's anomalies the way AnomalyCounts does.
func localCounts(t *testing.T, vpns []string, start, end time.Time) map[string]int64 {
	t.Helper()
	loc := local(t)
	out := map[string]int64{}
	for _, vpn := range vpns {
		res, err := loc.Logs(context.Background(), source.LogQuery{VPNConnectionID: vpn, Start: start, End: end})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range res.Events {
			if ev.Anomaly {
				h := ev.TimeMs - ev.TimeMs%3600000
				out[fmt.Sprintf("%s %s %s %s %s", ev.VPNConnectionID, ev.TunnelIP, ev.Stream, ev.Category, time.UnixMilli(h).UTC().Format(time.RFC3339))]++
			}
		}
	}
	return out
}

func countMap(c *awssource.Counts) map[string]int64 {
	out := map[string]int64{}
	for _, r := range c.Rows {
		out[fmt.Sprintf("%s %s %s %s %s", r.VPNConnectionID, r.TunnelIP, r.Stream, r.Category, r.Hour.Format(time.RFC3339))] += r.Count
	}
	return out
}

func diffCounts(t *testing.T, name string, got, want map[string]int64) {
	t.Helper()
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %s: %d, local source says %d", name, k, got[k], n)
		}
	}
	for k, n := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: %s: %d, local source has none", name, k, n)
		}
	}
}

// Insights counts (aggregated in AWS, classified here) equal the local
// source's classification of every record, also when the row cap forces
// the window to be split.
func TestAnomalyCountsMatchLocal(t *testing.T) {
	start, end := day, day.Add(24*time.Hour)
	want := localCounts(t, []string{hq, branch}, start, end)
	if len(want) < 10 {
		t.Fatalf("only %d local count rows", len(want))
	}
	for _, rows := range []int{10000, 25} {
		f := newFake(t, fakeaws.Options{MaxQueryRows: rows})
		src := newSource(t, f, func(c *awssource.Config) { c.MaxQueryRows = rows })
		got, err := src.AnomalyCounts(context.Background(), nil, start, end)
		if err != nil {
			t.Fatal(err)
		}
		if got.Path != awssource.PathInsights || f.Counts()["FilterLogEvents"] != 0 || f.Counts()["StartQuery"] == 0 {
			t.Errorf("rows %d: path %s, calls %s: want Insights without raw reads", rows, got.Path, counts(f))
		}
		if rows < 10000 && f.Counts()["StartQuery"] < 3 {
			t.Errorf("row cap %d did not split the query: %s", rows, counts(f))
		}
		diffCounts(t, fmt.Sprintf("insights, row cap %d", rows), countMap(got), want)
		t.Logf("row cap %d: %d count rows, %s, notes %v", rows, len(got.Rows), counts(f), got.Notes)
	}
	// Few connections, short window: FilterLogEvents, and the records stay
	// cached for the follow-up.
	f := newFake(t, fakeaws.Options{})
	src := newSource(t, f, nil)
	got, err := src.AnomalyCounts(context.Background(), []string{hq, branch}, start, end)
	if err != nil {
		t.Fatal(err)
	}
	if got.Path != awssource.PathFilter || f.Counts()["StartQuery"] != 0 {
		t.Errorf("path %s, calls %s: want FilterLogEvents", got.Path, counts(f))
	}
	diffCounts(t, "filter", countMap(got), want)
	f.ResetCalls()
	if _, err := src.Logs(context.Background(), source.LogQuery{VPNConnectionID: hq, Start: day.Add(3 * time.Hour), End: day.Add(4 * time.Hour)}); err != nil || f.Total() != 0 {
		t.Errorf("follow-up after counting: err %v, calls %s", err, counts(f))
	}
}

// Cancelling a question stops its Logs Insights query in AWS.
func TestCancelStopsInsightsQuery(t *testing.T) {
	f := newFake(t, fakeaws.Options{QueryDuration: time.Hour})
	src := newSource(t, f, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := src.AnomalyCounts(ctx, nil, day, day.Add(30*24*time.Hour))
		done <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for f.Counts()["GetQueryResults"] < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("AnomalyCounts did not return after cancel")
	}
	ids := f.QueryIDs()
	if len(ids) == 0 {
		t.Fatal("no query was started")
	}
	for _, id := range ids {
		if st := f.QueryStatus(id); st != "Cancelled" {
			t.Errorf("query %s is %s after cancel, want Cancelled", id, st)
		}
	}
	if f.Counts()["StopQuery"] != len(ids) {
		t.Errorf("StopQuery calls %d for %d queries", f.Counts()["StopQuery"], len(ids))
	}
}

// A throttling storm: AWS allows 4 FilterLogEvents per second while the
// client would send 20; adaptive retries slow down and the answer is
// still complete and right.
func TestThrottlingStormCompletes(t *testing.T) {
	f := newFake(t, fakeaws.Options{PageSize: 80 * demoScale, Throttle: map[string]float64{"FilterLogEvents": 4, "DescribeLogStreams": 2}})
	src := newSource(t, f, func(c *awssource.Config) {
		c.RateLimits = map[string]float64{"FilterLogEvents": 20, "DescribeLogStreams": 20}
		c.MaxAttempts = 12
		c.MaxBackoff = 400 * time.Millisecond
		c.NoRetryQuota = true
	})
	t0 := time.Now()
	got, err := src.Logs(context.Background(), dayQuery(hq))
	if err != nil {
		t.Fatal(err)
	}
	throttled := 0
	for _, c := range f.Calls() {
		if c.Code == "ThrottlingException" {
			throttled++
		}
	}
	if throttled == 0 {
		t.Error("the storm never throttled: the test proves nothing")
	}
	want, _ := local(t).Logs(context.Background(), dayQuery(hq))
	diffKeys(t, "storm", eventKeys(got.Events), eventKeys(want.Events))
	t.Logf("%d records in %s, %s, %d throttled", len(got.Events), time.Since(t0).Round(time.Millisecond), counts(f), throttled)
}
