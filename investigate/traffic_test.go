package investigate

import (
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/source"
)

// trafficSeries is TunnelDataIn and TunnelDataOut (half of in) of one
// tunnel at period p from start, in bytes per period from perPeriod.
func trafficSeries(ip string, start time.Time, p time.Duration, n int, perPeriod func(t time.Time) float64) []source.MetricSeries {
	in := source.MetricSeries{TunnelIP: ip, Metric: source.MetricDataIn, Period: p}
	out := source.MetricSeries{TunnelIP: ip, Metric: source.MetricDataOut, Period: p}
	for i := range n {
		t := start.Add(time.Duration(i) * p)
		v := perPeriod(t)
		in.Points = append(in.Points, source.MetricPoint{Time: t, Value: v})
		out.Points = append(out.Points, source.MetricPoint{Time: t, Value: v / 2})
	}
	return []source.MetricSeries{in, out}
}

// Each verdict from the bytes before and during an outage of tunnel 2
// (10:02 to 10:47 at 5-minute periods: during is 10:05-10:45, before
// 09:20-10:00): moved, total loss, no failover, standby, only part moved;
// no data points at all gives no traffic part.
func TestTrafficVerdicts(t *testing.T) {
	conn := &source.Connection{ID: "vpn-1", Tunnels: []source.Tunnel{{Number: 1, OutsideIP: "192.0.2.1"}, {Number: 2, OutsideIP: "192.0.2.2"}}}
	day := time.Date(2026, 6, 12, 0, 0, 0, 0, time.UTC)
	down, up := day.Add(10*time.Hour+2*time.Minute), day.Add(10*time.Hour+47*time.Minute)
	p := 5 * time.Minute
	in := func(t time.Time) bool { return !t.Before(down.Truncate(p)) && t.Before(up) }
	flat := func(v float64) func(time.Time) float64 { return func(time.Time) float64 { return v } }
	step := func(before, during float64) func(time.Time) float64 {
		return func(t time.Time) float64 {
			if in(t) {
				return during
			}
			return before
		}
	}
	for _, tc := range []struct {
		name   string
		t1, t2 func(time.Time) float64
		want   string
	}{
		{"moved", step(1e3, 1e6), step(1e6, 0), "traffic moved to tunnel 1 (192.0.2.1) during the outage"},
		{"total loss", step(1e3, 0), step(1e6, 0), "no traffic on either tunnel during the outage: total loss"},
		{"no failover", step(1e3, 0), step(1e6, 5e5), "the other tunnel carried no traffic: failover did not happen"},
		{"standby", flat(1e6), flat(0), "tunnel 1 (192.0.2.1) carried the traffic before and during the outage"},
		{"part", step(1e5, 2e5), step(1e6, 0), "only part of the traffic moved"},
		{"idle", flat(0), flat(0), "no traffic on either tunnel before or during the outage"},
	} {
		mr := &source.MetricsResult{Path: "test", Series: append(trafficSeries("192.0.2.1", day.Add(8*time.Hour), p, 48, tc.t1), trafficSeries("192.0.2.2", day.Add(8*time.Hour), p, 48, tc.t2)...)}
		tv := trafficOf(mr, conn, "192.0.2.2", down, up)
		if tv == nil {
			t.Fatalf("%s: no traffic part", tc.name)
		}
		if !strings.HasPrefix(tv.Verdict, tc.want) {
			t.Errorf("%s: verdict %q, want %q", tc.name, tv.Verdict, tc.want)
		}
		if tv.BeforeFrom != "2026-06-12T09:20:00Z" || tv.BeforeTo != "2026-06-12T10:00:00Z" || tv.DuringFrom != "2026-06-12T10:05:00Z" || tv.DuringTo != "2026-06-12T10:45:00Z" {
			t.Errorf("%s: spans %+v", tc.name, tv)
		}
	}
	// No data points (metrics exist for other connections only): nothing.
	if tv := trafficOf(&source.MetricsResult{Series: []source.MetricSeries{{TunnelIP: "192.0.2.1", Metric: source.MetricDataIn, Period: p}}}, conn, "192.0.2.2", down, up); tv != nil {
		t.Errorf("traffic from no points: %+v", tv)
	}
	// An outage shorter than a period is judged on the periods holding
	// it, and says so; at hourly periods likewise.
	short := trafficOf(&source.MetricsResult{Path: "test", Series: append(trafficSeries("192.0.2.1", day, time.Hour, 24, flat(1)), trafficSeries("192.0.2.2", day, time.Hour, 24, flat(1))...)},
		conn, "192.0.2.2", down, up)
	if short == nil || short.DuringFrom != "2026-06-12T10:00:00Z" || short.DuringTo != "2026-06-12T11:00:00Z" || short.BeforeFrom != "2026-06-12T09:00:00Z" ||
		!strings.Contains(short.Resolution, "1h periods holding the outage") || short.Tunnels[0].DuringInBytes != 1 || short.Tunnels[1].BeforeInBytes != 1 {
		t.Errorf("short outage: %+v", short)
	}
}
