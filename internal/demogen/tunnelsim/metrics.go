package tunnelsim

import (
	"encoding/json"
	"strconv"
	"time"
)

// The CloudWatch metrics AWS publishes for every tunnel whether or not its
// logging is on (tunnel-metrics.json, source.MetricsFile reads it): what
// is left to say about a tunnel that logs nothing.

// metricsFile is the shape of tunnel-metrics.json: GetMetricData's
// MetricDataResults, each naming the metric, dimensions and period it was
// asked with.
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

// MetricsPlan says what the metrics of the tunnels without logs record.
type MetricsPlan struct {
	Start, End time.Time     // the periods written: [Start, End)
	Period     time.Duration // CloudWatch's resolution for data of that age
	// Outages are the stretches each tunnel was down.
	Outages map[*Tunnel][]Span
	// Traffic is the bytes a tunnel would carry in the period starting at
	// t were it up all of it (it is scaled by the share it was up).
	Traffic func(tn *Tunnel, t time.Time) (in, out float64)
}

// RenderMetrics writes tunnel-metrics.json: AWS/VPN TunnelState (Average),
// TunnelDataIn and TunnelDataOut (Sum) per period for every tunnel of the
// connections with a tunnel whose logging is off (AWS publishes them for
// every tunnel; the other tunnel's say where the traffic went), as
// GetMetricData returns them.
func RenderMetrics(conns []*Connection, p MetricsPlan) ([]byte, error) {
	f := metricsFile{MetricDataResults: []metricResult{}}
	period := int(p.Period.Seconds())
	for _, c := range conns {
		if !c.hasTunnelWithoutLogs() {
			continue
		}
		for _, tn := range c.Tunnels {
			dims := map[string]string{"VpnId": c.ID, "TunnelIpAddress": tn.IP}
			num := strconv.Itoa(tn.Num)
			series := func(id, name string) metricResult {
				return metricResult{ID: id + "_t" + num, Label: c.ID + " " + tn.IP + " " + name, MetricName: name, Dimensions: dims, Period: period, StatusCode: "Complete"}
			}
			state, in, out := series("state", "TunnelState"), series("in", "TunnelDataIn"), series("out", "TunnelDataOut")
			for t := p.Start; t.Before(p.End); t = t.Add(p.Period) {
				up := UpShare(p.Outages[tn], t, t.Add(p.Period))
				bytesIn, bytesOut := p.Traffic(tn, t)
				state.Timestamps = append(state.Timestamps, t)
				state.Values = append(state.Values, round3(up))
				in.Timestamps, out.Timestamps = append(in.Timestamps, t), append(out.Timestamps, t)
				in.Values, out.Values = append(in.Values, float64(int64(bytesIn*up))), append(out.Values, float64(int64(bytesOut*up)))
			}
			f.MetricDataResults = append(f.MetricDataResults, state, in, out)
		}
	}
	b, err := json.MarshalIndent(&f, "", " ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// UpShare is the share of [from, to) outside the outages.
func UpShare(outs []Span, from, to time.Time) float64 {
	down := time.Duration(0)
	for _, o := range outs {
		a, b := max(o.From.UnixNano(), from.UnixNano()), min(o.To.UnixNano(), to.UnixNano())
		if b > a {
			down += time.Duration(b - a)
		}
	}
	return 1 - float64(down)/float64(to.Sub(from))
}

func round3(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }

func (c *Connection) hasTunnelWithoutLogs() bool {
	for _, tn := range c.Tunnels {
		if !tn.Logs() {
			return true
		}
	}
	return false
}
