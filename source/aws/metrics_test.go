package aws_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
	"github.com/vpnlens/vpnlens/source"
)

// The tunnel metrics read through the real CloudWatch client (Smithy RPC
// v2 CBOR) from the fake are the series the logs folder holds, at the
// resolution asked, in one call; dr-site's tunnel 2 reads down from
// 2026-05-29 08:14 (the hour it went down is 0.248 up).
func TestTunnelMetricsThroughCloudWatch(t *testing.T) {
	f := newFake(t, fakeaws.Options{})
	src := newSource(t, f, nil)
	ctx := context.Background()
	q := source.MetricsQuery{VPNConnectionID: dr, Start: day.Add(-15 * 24 * time.Hour), End: day.Add(24 * time.Hour)}
	got, err := src.TunnelMetrics(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	want, err := local(t).TunnelMetrics(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Series) != 6 || len(want.Series) != 6 {
		t.Fatalf("series: aws %d, local %d, want 6 each", len(got.Series), len(want.Series))
	}
	for _, w := range want.Series {
		g := got.Find(w.TunnelIP, w.Metric)
		if g == nil {
			t.Errorf("%s %s missing through CloudWatch", w.TunnelIP, w.Metric)
			continue
		}
		if g.Period != time.Hour || len(g.Points) != len(w.Points) || len(g.Points) != 16*24 {
			t.Errorf("%s %s: period %s, %d points, local %d", w.TunnelIP, w.Metric, g.Period, len(g.Points), len(w.Points))
			continue
		}
		for i := range g.Points {
			if !g.Points[i].Time.Equal(w.Points[i].Time) || g.Points[i].Value != w.Points[i].Value {
				t.Errorf("%s %s point %d: %v, local %v", w.TunnelIP, w.Metric, i, g.Points[i], w.Points[i])
				break
			}
		}
	}
	if n := f.Counts()["GetMetricData"]; n != 1 {
		t.Errorf("GetMetricData calls = %d, want 1", n)
	}
	spans := source.StateSpans(got.Find("203.0.113.60", source.MetricTunnelState))
	last := spans[len(spans)-1]
	if last.Up || !last.FromEstimate.Equal(time.Date(2026, 5, 29, 8, 14, 52, 800_000_000, time.UTC)) {
		t.Errorf("tunnel 2 last span %+v, want down from about 08:14:52", last)
	}
}

// A window read at five minutes from hourly data still answers (the fake
// returns the coarser points, as CloudWatch does past a retention), and
// pages are followed: with 50 data points a page, the 6 series of 4 days
// take several calls and lose nothing.
func TestTunnelMetricsPages(t *testing.T) {
	f := newFake(t, fakeaws.Options{PageSize: 50})
	src := newSource(t, f, nil)
	q := source.MetricsQuery{VPNConnectionID: dr, Start: day.Add(-3 * 24 * time.Hour), End: day.Add(24 * time.Hour), Period: time.Hour}
	got, err := src.TunnelMetrics(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, s := range got.Series {
		total += len(s.Points)
	}
	if total != 6*4*24 {
		t.Errorf("%d points, want %d", total, 6*4*24)
	}
	if n := f.Counts()["GetMetricData"]; n != (6*4*24+49)/50 {
		t.Errorf("GetMetricData calls = %d, want %d", n, (6*4*24+49)/50)
	}
}

// A denied GetMetricData names the missing permission.
func TestTunnelMetricsAccessDenied(t *testing.T) {
	f := newFake(t, fakeaws.Options{})
	f.Deny("GetMetricData")
	src := newSource(t, f, nil)
	_, err := src.TunnelMetrics(context.Background(), source.MetricsQuery{VPNConnectionID: dr, Start: day, End: day.Add(time.Hour)})
	var se *source.Error
	if err == nil || !errors.As(err, &se) || se.Cause != "AccessDenied" || !strings.Contains(err.Error(), "cloudwatch:GetMetricData") {
		t.Fatalf("err = %v", err)
	}
}

// diagnose_tunnel_drop on dr-site's tunnel 2 (no logs) through the real
// SDK clients and the fake answers as the local source does, from the
// metrics, with one GetMetricData call on top of the inventory.
func TestDiagnoseFromMetricsThroughAWS(t *testing.T) {
	f := newFake(t, fakeaws.Options{})
	src := newSource(t, f, nil)
	loc := local(t)
	args := map[string]any{"vpn_connection_id": dr, "tunnel": "2", "at": "2026-06-12 12:00"}
	got, msg := callJSON(t, mcpClient(t, src, src), "diagnose_tunnel_drop", args)
	if msg != "" {
		t.Fatal(msg)
	}
	want, msg := callJSON(t, mcpClient(t, loc, loc), "diagnose_tunnel_drop", args)
	if msg != "" {
		t.Fatal(msg)
	}
	gm, _ := got["from_metrics"].(map[string]any)
	wm, _ := want["from_metrics"].(map[string]any)
	if gm == nil || wm == nil {
		t.Fatalf("from_metrics: aws %v, local %v", gm, wm)
	}
	if gm["source"] != "CloudWatch GetMetricData" {
		t.Errorf("source = %v", gm["source"])
	}
	delete(gm, "source")
	delete(wm, "source")
	gb, _ := json.Marshal(dropPlace(gm))
	wb, _ := json.Marshal(dropPlace(wm))
	if string(gb) != string(wb) {
		t.Errorf("from_metrics differ:\naws   %s\nlocal %s", gb, wb)
	}
	counts := f.Counts()
	if counts["GetMetricData"] != 1 {
		t.Errorf("calls = %v, want one GetMetricData", counts)
	}
	t.Logf("API calls for diagnose_tunnel_drop on a tunnel without logs: %v", counts)
}
