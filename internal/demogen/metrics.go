package main

import (
	"time"

	"github.com/vpnlens/vpnlens/internal/demogen/tunnelsim"
)

// metricsStart and metricsEnd bound the tunnel metrics written for the
// connections without logs: three weeks up to the end of the demo day, at
// CloudWatch's one-hour resolution for data that old.
var (
	metricsStart  = dayStart.Add(-21 * 24 * time.Hour)
	metricsEnd    = dayEnd
	metricsPeriod = time.Hour
)

// drOutages are dr-site's tunnel outages, which its EC2 telemetry ends on
// (tunnel 2 DOWN since 2026-05-29 08:14:51, tunnel 1 UP since 2026-06-03
// 02:17:44 after 25 minutes down, both tunnels down then).
var drOutages = map[int][]tunnelsim.Span{
	1: {{From: time.Date(2026, 6, 3, 1, 52, 10, 0, time.UTC), To: time.Date(2026, 6, 3, 2, 17, 44, 0, time.UTC)}},
	2: {{From: time.Date(2026, 5, 29, 8, 14, 51, 0, time.UTC), To: metricsEnd}},
}

// renderMetrics writes tunnel-metrics.json for the connections whose
// logging is off. Tunnel 2 carries the traffic while it is up, tunnel 1
// after.
func renderMetrics(conns []*connection) ([]byte, error) {
	outages := map[*tunnelsim.Tunnel][]tunnelsim.Span{}
	for _, c := range conns {
		if !c.Logging {
			for _, tn := range c.Tunnels {
				outages[tn] = drOutages[tn.Num]
			}
		}
	}
	t2Down := drOutages[2][0].From
	return tunnelsim.RenderMetrics(conns, tunnelsim.MetricsPlan{Start: metricsStart, End: metricsEnd, Period: metricsPeriod, Outages: outages,
		Traffic: func(tn *tunnelsim.Tunnel, t time.Time) (float64, float64) {
			active := tn.Num == 2 || !t.Before(t2Down)
			bytesIn, bytesOut := 12_000.0, 9_000.0 // keepalives of a standby tunnel
			if active {
				h := float64(t.Hour())
				bytesIn, bytesOut = 40e6+1.5e6*h, 16e6+0.6e6*h
			}
			if tn.Num == 1 && t.Equal(t2Down.Truncate(time.Hour)) {
				// traffic moved here within the hour tunnel 2 went down
				moved := 1 - tunnelsim.UpShare(drOutages[2], t, t.Add(metricsPeriod))
				bytesIn, bytesOut = bytesIn*moved, bytesOut*moved
			}
			return bytesIn, bytesOut
		}})
}
