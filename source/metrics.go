package source

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/vpnlens/vpnlens/vpnlog"
)

// The tunnel metrics AWS publishes for every VPN tunnel in CloudWatch
// (namespace AWS/VPN, dimensions VpnId and TunnelIpAddress), whether or not
// its logging is on: they are what is left to say about a tunnel that
// logged nothing, or an outage older than the logs.
const (
	MetricNamespace   = "AWS/VPN"
	MetricTunnelState = "TunnelState"   // 1 up, 0 down; between: partly up in the period (Average)
	MetricDataIn      = "TunnelDataIn"  // bytes received through the tunnel in the period (Sum)
	MetricDataOut     = "TunnelDataOut" // bytes sent through the tunnel in the period (Sum)
)

// TunnelMetricNames are the metrics read for every tunnel, in this order.
var TunnelMetricNames = []string{MetricTunnelState, MetricDataIn, MetricDataOut}

// MetricsFileName is the optional file of a logs folder holding tunnel
// metrics, in the shape of CloudWatch GetMetricData output, each result
// naming its metric, tunnel and period (MetricsFile).
const MetricsFileName = vpnlog.TunnelMetricsFile

// MetricsQuery asks for the metrics of some tunnels of one connection.
type MetricsQuery struct {
	VPNConnectionID string
	TunnelIPs       []string // empty = every tunnel the source knows of
	Start, End      time.Time
	// Period is the resolution wanted; the source may give a coarser one
	// (it says which in each series).
	Period time.Duration
}

// MetricPoint is one value of a series: the period starting at Time.
type MetricPoint struct {
	Time  time.Time
	Value float64
}

// MetricSeries is one metric of one tunnel, points in time order.
type MetricSeries struct {
	TunnelIP string
	Metric   string
	Period   time.Duration
	Points   []MetricPoint
}

// MetricsResult is a TunnelMetrics answer.
type MetricsResult struct {
	Series []MetricSeries
	Path   string // how they were read, e.g. "CloudWatch GetMetricData", "tunnel-metrics.json"
	Notes  []string
}

// Find returns the series of one metric of one tunnel (nil when absent).
func (r *MetricsResult) Find(tunnelIP, metric string) *MetricSeries {
	for i := range r.Series {
		if r.Series[i].TunnelIP == tunnelIP && r.Series[i].Metric == metric {
			return &r.Series[i]
		}
	}
	return nil
}

// TunnelMetrics answers "state and traffic of these tunnels in this
// window" from CloudWatch metrics, for tunnels whose logs say nothing.
type TunnelMetrics interface {
	TunnelMetrics(ctx context.Context, q MetricsQuery) (*MetricsResult, error)
}

// MetricsFile is the tunnel-metrics.json shape: GetMetricData's
// MetricDataResults, each result carrying the metric, dimensions and period
// it was asked with (GetMetricData returns them under the query's Id).
type MetricsFile struct {
	MetricDataResults []MetricsFileResult `json:"MetricDataResults"`
}

// MetricsFileResult is one series of a MetricsFile.
type MetricsFileResult struct {
	ID         string            `json:"Id"`
	Label      string            `json:"Label,omitempty"`
	MetricName string            `json:"MetricName"`
	Dimensions map[string]string `json:"Dimensions"` // VpnId, TunnelIpAddress
	Period     int               `json:"Period"`     // seconds
	Timestamps []time.Time       `json:"Timestamps"`
	Values     []float64         `json:"Values"`
	StatusCode string            `json:"StatusCode,omitempty"`
}

// ParseMetricsFile reads a tunnel-metrics.json, naming what is wrong with
// it (name is the file as shown to the user).
func ParseMetricsFile(name string, b []byte) (*MetricsFile, error) {
	var f MetricsFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: not GetMetricData output: %v", name, err)
	}
	for i, r := range f.MetricDataResults {
		switch {
		case !slices.Contains(TunnelMetricNames, r.MetricName):
			return nil, fmt.Errorf("%s: MetricDataResults[%d]: MetricName %q is not one of %v", name, i, r.MetricName, TunnelMetricNames)
		case r.Dimensions["VpnId"] == "" || r.Dimensions["TunnelIpAddress"] == "":
			return nil, fmt.Errorf("%s: MetricDataResults[%d]: Dimensions need VpnId and TunnelIpAddress", name, i)
		case r.Period <= 0:
			return nil, fmt.Errorf("%s: MetricDataResults[%d]: Period must be a positive number of seconds", name, i)
		case len(r.Timestamps) != len(r.Values):
			return nil, fmt.Errorf("%s: MetricDataResults[%d]: %d Timestamps but %d Values", name, i, len(r.Timestamps), len(r.Values))
		}
	}
	return &f, nil
}

// Query answers q from the file: the series of q's connection and tunnels
// with the points in [Start, End), in time order.
func (f *MetricsFile) Query(q MetricsQuery) []MetricSeries {
	var out []MetricSeries
	for _, r := range f.MetricDataResults {
		ip := r.Dimensions["TunnelIpAddress"]
		if r.Dimensions["VpnId"] != q.VPNConnectionID || len(q.TunnelIPs) > 0 && !slices.Contains(q.TunnelIPs, ip) {
			continue
		}
		s := MetricSeries{TunnelIP: ip, Metric: r.MetricName, Period: time.Duration(r.Period) * time.Second}
		for i, t := range r.Timestamps {
			if !t.Before(q.Start) && t.Before(q.End) {
				s.Points = append(s.Points, MetricPoint{Time: t.UTC(), Value: r.Values[i]})
			}
		}
		slices.SortFunc(s.Points, func(a, b MetricPoint) int { return a.Time.Compare(b.Time) })
		out = append(out, s)
	}
	return out
}

// StateSpan is a stretch of time in which a tunnel's TunnelState stayed
// up or down, as far as the metric's resolution tells: a change happened
// within the period that holds a value between 0 and 1 (or between two
// periods), and ChangeEstimate places it by the share of the period the
// tunnel was up.
type StateSpan struct {
	Up       bool
	From, To time.Time // To is the end of the last period of the span
	// FromEstimate is when the change into this state most likely happened
	// (zero for the first span of the series).
	FromEstimate time.Time
	// Missing is true for a stretch with no data points at all.
	Missing bool
}

// StateSpans folds a TunnelState series (Average per period) into spans of
// up and down. A period partly up belongs to the change: it ends the span
// before it and its share of uptime estimates when the change happened.
func StateSpans(s *MetricSeries) []StateSpan {
	var out []StateSpan
	p := s.Period
	for i, pt := range s.Points {
		end := pt.Time.Add(p)
		if i > 0 && pt.Time.After(s.Points[i-1].Time.Add(p)) {
			out = append(out, StateSpan{Missing: true, From: s.Points[i-1].Time.Add(p), To: pt.Time})
		}
		up := pt.Value >= 0.5
		partial := pt.Value > 0 && pt.Value < 1
		last := len(out) - 1
		if partial && last >= 0 && !out[last].Missing {
			up = !out[last].Up // the change happened within this period
		}
		if last >= 0 && !out[last].Missing && out[last].Up == up {
			out[last].To = end
			continue
		}
		sp := StateSpan{Up: up, From: pt.Time, To: end}
		if last >= 0 && !out[last].Missing {
			sp.FromEstimate = pt.Time
			if partial {
				// up for Value of the period: before it went down, or
				// after it came up
				share := time.Duration(pt.Value * float64(p))
				if up {
					sp.FromEstimate = end.Add(-share)
				} else {
					sp.FromEstimate = pt.Time.Add(share)
				}
			}
		}
		out = append(out, sp)
	}
	return out
}

// Sum adds the values of a series between from and to (whole periods
// starting in [from, to)).
func (s *MetricSeries) Sum(from, to time.Time) float64 {
	var n float64
	for _, pt := range s.Points {
		if !pt.Time.Before(from) && pt.Time.Before(to) {
			n += pt.Value
		}
	}
	return n
}
