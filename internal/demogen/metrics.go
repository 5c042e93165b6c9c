package main

import (
	"encoding/json"
	"time"
)

// metricsFile is the shape of tunnel-metrics.json (source.MetricsFile
// reads it): GetMetricData's MetricDataResults, each naming the metric,
// dimensions and period it was asked with.
type metricsFile struct {
	MetricDataResults []metricResult `json:"MetricDataResults"`
}

type metricResult struct {
	ID         string            `json:"Id"`
	Label      string            `json:"Label,omitempty"`
	MetricName string            `json:"MetricName"`
	Dimensions map[string]string `json:"Dimensions"`
	Period     int               `json:"Period"`
	Timestamps []time.Time       `json:"Timestamps"`
	Values     []float64         `json:"Values"`
	StatusCode string            `json:"StatusCode,omitempty"`
}

// metricsStart and metricsEnd bound the tunnel metrics written for the
// connections without logs: three weeks up to the end of the demo day, at
// CloudWatch's one-hour resolution for data that old.
var (
	metricsStart  = dayStart.Add(-21 * 24 * time.Hour)
	metricsEnd    = dayEnd
	metricsPeriod = time.Hour
)

// outage is a stretch a tunnel was down.
type outage struct{ from, to time.Time }

// drOutages are dr-site's tunnel outages, which its EC2 telemetry ends on
// (tunnel 2 DOWN since 2026-05-29 08:14:51, tunnel 1 UP since 2026-06-03
// 02:17:44 after 25 minutes down, both tunnels down then).
var drOutages = map[int][]outage{
	1: {{time.Date(2026, 6, 3, 1, 52, 10, 0, time.UTC), time.Date(2026, 6, 3, 2, 17, 44, 0, time.UTC)}},
	2: {{time.Date(2026, 5, 29, 8, 14, 51, 0, time.UTC), metricsEnd}},
}

// renderMetrics writes tunnel-metrics.json: AWS/VPN TunnelState (Average),
// TunnelDataIn and TunnelDataOut (Sum) per hour for the tunnels of the
// connections whose logging is off, as GetMetricData returns them. Tunnel 2
// carries the traffic while it is up, tunnel 1 after.
func renderMetrics(conns []*connection) ([]byte, error) {
	var f metricsFile
	for _, c := range conns {
		if c.Logging {
			continue
		}
		for _, tn := range c.Tunnels {
			dims := map[string]string{"VpnId": c.ID, "TunnelIpAddress": tn.IP}
			state := metricResult{ID: "state", MetricName: "TunnelState", Dimensions: dims, Period: int(metricsPeriod.Seconds()), StatusCode: "Complete"}
			in := metricResult{ID: "in", MetricName: "TunnelDataIn", Dimensions: dims, Period: state.Period, StatusCode: "Complete"}
			out := metricResult{ID: "out", MetricName: "TunnelDataOut", Dimensions: dims, Period: state.Period, StatusCode: "Complete"}
			for t := metricsStart; t.Before(metricsEnd); t = t.Add(metricsPeriod) {
				up := upShare(drOutages[tn.Num], t, t.Add(metricsPeriod))
				active := tn.Num == 2 || !t.Before(drOutages[2][0].from)
				bytesIn, bytesOut := 12_000.0, 9_000.0 // keepalives of a standby tunnel
				if active {
					h := float64(t.Hour())
					bytesIn, bytesOut = 40e6+1.5e6*h, 16e6+0.6e6*h
				}
				if tn.Num == 1 && t.Equal(drOutages[2][0].from.Truncate(time.Hour)) {
					// traffic moved here within the hour tunnel 2 went down
					bytesIn, bytesOut = bytesIn*(1-upShare(drOutages[2], t, t.Add(metricsPeriod))), bytesOut*(1-upShare(drOutages[2], t, t.Add(metricsPeriod)))
				}
				state.Timestamps = append(state.Timestamps, t)
				state.Values = append(state.Values, round3(up))
				in.Timestamps, out.Timestamps = append(in.Timestamps, t), append(out.Timestamps, t)
				in.Values, out.Values = append(in.Values, float64(int64(bytesIn*up))), append(out.Values, float64(int64(bytesOut*up)))
			}
			state.Label = c.ID + " " + tn.IP + " TunnelState"
			in.Label = c.ID + " " + tn.IP + " TunnelDataIn"
			out.Label = c.ID + " " + tn.IP + " TunnelDataOut"
			state.ID, in.ID, out.ID = "state_t"+itoa(tn.Num), "in_t"+itoa(tn.Num), "out_t"+itoa(tn.Num)
			f.MetricDataResults = append(f.MetricDataResults, state, in, out)
		}
	}
	b, err := json.MarshalIndent(&f, "", " ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// upShare is the share of [from, to) outside the outages.
func upShare(outs []outage, from, to time.Time) float64 {
	down := time.Duration(0)
	for _, o := range outs {
		a, b := max(o.from.UnixNano(), from.UnixNano()), min(o.to.UnixNano(), to.UnixNano())
		if b > a {
			down += time.Duration(b - a)
		}
	}
	return 1 - float64(down)/float64(to.Sub(from))
}

func round3(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }

func itoa(n int) string { return string(rune('0' + n)) }
