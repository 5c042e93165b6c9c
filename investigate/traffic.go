package investigate

import (
	"context"
	"fmt"
	"time"

	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/source"
)

// Traffic beside a logged drop: the logs say why a tunnel went down and
// whether the other one kept exchanging routes, not whether the traffic
// followed. The tunnels' TunnelDataIn and TunnelDataOut metrics do, at
// their resolution: bytes on each tunnel in the outage against the same
// span before it.

// trafficSpanMax bounds the outage span compared (and the same span
// before it): a tunnel down for days is judged on its first day.
const trafficSpanMax = 24 * time.Hour

// trafficMargin widens the metrics read on both sides so that whole
// periods of the coarsest resolution (an hour) hold the drop and the
// span before it.
const trafficMargin = 3 * time.Hour

// TrafficView is where a logged drop's traffic went: bytes on each tunnel
// before and during the outage, and the verdict.
type TrafficView struct {
	Verdict    string          `json:"verdict" jsonschema:"where the traffic went during the outage: moved to the other tunnel, total loss, or no failover"`
	Resolution string          `json:"resolution" jsonschema:"the metric, its period (the resolution) and what was summed: the periods within the outage (or holding it, when it is shorter than two periods) against as many before the drop"`
	BeforeFrom string          `json:"before_from" jsonschema:"RFC 3339 UTC start of the span compared before the outage, as long as the during span"`
	BeforeTo   string          `json:"before_to" jsonschema:"RFC 3339 UTC end of the span before: the start of the period the tunnel went down in"`
	DuringFrom string          `json:"during_from" jsonschema:"RFC 3339 UTC start of the first period within the outage"`
	DuringTo   string          `json:"during_to" jsonschema:"RFC 3339 UTC end of the last period within the outage (it ends at the recovery, or where the logs read end when it had not)"`
	Tunnels    []TunnelTraffic `json:"tunnels" jsonschema:"bytes per tunnel (TunnelDataIn, TunnelDataOut summed) before and during the outage"`
}

// TunnelTraffic is one tunnel's bytes before and during an outage.
type TunnelTraffic struct {
	TunnelNumber   int    `json:"tunnel_number,omitempty" jsonschema:"1 or 2"`
	Tunnel         string `json:"tunnel" jsonschema:"outside IP"`
	Dropped        bool   `json:"dropped,omitempty" jsonschema:"the tunnel that went down"`
	BeforeInBytes  int64  `json:"before_in_bytes" jsonschema:"bytes received through the tunnel (TunnelDataIn) from before_from to before_to"`
	BeforeOutBytes int64  `json:"before_out_bytes" jsonschema:"bytes sent through the tunnel (TunnelDataOut) from before_from to before_to"`
	DuringInBytes  int64  `json:"during_in_bytes" jsonschema:"bytes received through the tunnel from during_from to during_to"`
	DuringOutBytes int64  `json:"during_out_bytes" jsonschema:"bytes sent through the tunnel from during_from to during_to"`
}

func (t *TunnelTraffic) before() int64 { return t.BeforeInBytes + t.BeforeOutBytes }
func (t *TunnelTraffic) during() int64 { return t.DuringInBytes + t.DuringOutBytes }

// addTraffic reads the metrics of the connection's tunnels around the
// outage of in (one metrics query for every tunnel and metric) and adds
// where its traffic went. Without metrics it adds nothing; a read that
// failed is a note. end is where the logs read end (an outage not over
// is judged up to there).
func (svc *Service) addTraffic(ctx context.Context, res *DiagnoseResult, conn *source.Connection, in *correlate.Incident, end time.Time) {
	m := svc.tunnelMetrics()
	if m == nil || !in.Down || len(conn.Tunnels) < 2 {
		return
	}
	down := time.UnixMilli(in.DownMs).UTC()
	up := end
	if in.Recovered {
		up = time.UnixMilli(in.RecoveredMs).UTC()
	}
	if now := svc.now(); up.After(now) {
		up = now
	}
	if up.Sub(down) > trafficSpanMax {
		up = down.Add(trafficSpanMax)
	}
	if !up.After(down) {
		return
	}
	// Whole minutes, so that the same incident asked about again reads
	// the same window (and a cached answer serves it).
	q := source.MetricsQuery{VPNConnectionID: conn.ID, Start: down.Add(-up.Sub(down) - trafficMargin).Truncate(time.Minute),
		End: up.Add(trafficMargin).Truncate(time.Minute)}
	mr, err := m.TunnelMetrics(ctx, q)
	if err != nil {
		if ctx.Err() == nil {
			res.Notes = append(res.Notes, fmt.Sprintf("the traffic on the tunnels during the outage (CloudWatch TunnelDataIn/Out) could not be read: %v", err))
		}
		return
	}
	if tv := trafficOf(mr, conn, in.TunnelIP, down, up); tv != nil {
		res.Traffic = tv
	}
}

// trafficOf sums each tunnel's bytes in the periods within the outage
// (down to up) and in as many periods just before the one it began in, and
// says where the traffic went; nil when no tunnel has traffic metrics
// there. An outage shorter than two periods is judged on the periods that
// hold it, which hold traffic from before and after it too (said).
func trafficOf(mr *source.MetricsResult, conn *source.Connection, dropped string, down, up time.Time) *TrafficView {
	var period time.Duration
	for _, s := range mr.Series {
		if (s.Metric == source.MetricDataIn || s.Metric == source.MetricDataOut) && len(s.Points) > 0 {
			period = max(period, s.Period)
		}
	}
	if period <= 0 {
		return nil
	}
	within := fmt.Sprintf("the %s periods within the outage", SpanText(period))
	from, to := down.Truncate(period), up.Truncate(period)
	beforeTo := from
	if from.Before(down) {
		from = from.Add(period)
	}
	if !to.After(from) {
		// shorter than the periods: the ones holding it
		from, to = beforeTo, up.Truncate(period)
		if to.Before(up) {
			to = to.Add(period)
		}
		within = fmt.Sprintf("the %s periods holding the outage (it is shorter than them, so they hold traffic from before the drop and after the recovery too)", SpanText(period))
	}
	before := beforeTo.Add(-to.Sub(from))
	tv := &TrafficView{BeforeFrom: correlate.FormatUTC(before), BeforeTo: correlate.FormatUTC(beforeTo), DuringFrom: correlate.FormatUTC(from), DuringTo: correlate.FormatUTC(to),
		Resolution: fmt.Sprintf("TunnelDataIn and TunnelDataOut (%s) summed over %s (%s to %s), against as many periods before the drop", mr.Path, within, correlate.FormatUTC(down), correlate.FormatUTC(up))}
	var drop *TunnelTraffic
	var others []*TunnelTraffic
	seen := false
	for i := range conn.Tunnels {
		t := &conn.Tunnels[i]
		tt := TunnelTraffic{TunnelNumber: t.Number, Tunnel: t.OutsideIP, Dropped: t.OutsideIP == dropped}
		for _, m := range []struct {
			name           string
			before, during *int64
		}{{source.MetricDataIn, &tt.BeforeInBytes, &tt.DuringInBytes}, {source.MetricDataOut, &tt.BeforeOutBytes, &tt.DuringOutBytes}} {
			if s := mr.Find(t.OutsideIP, m.name); s != nil && len(s.Points) > 0 {
				seen = true
				*m.before, *m.during = int64(s.Sum(before, beforeTo)), int64(s.Sum(from, to))
			}
		}
		tv.Tunnels = append(tv.Tunnels, tt)
	}
	if !seen {
		return nil
	}
	for i := range tv.Tunnels {
		if tv.Tunnels[i].Dropped {
			drop = &tv.Tunnels[i]
		} else {
			others = append(others, &tv.Tunnels[i])
		}
	}
	if drop == nil || len(others) == 0 {
		return nil
	}
	tv.Verdict = trafficVerdict(drop, others[0])
	return tv
}

// trafficVerdict says in one line where the dropped tunnel's traffic went.
// The other tunnel took it over when its traffic grew by at least half of
// what the dropped one carried before.
func trafficVerdict(d, o *TunnelTraffic) string {
	other := fmt.Sprintf("tunnel %d (%s)", o.TunnelNumber, o.Tunnel)
	db, ob, od := d.before(), o.before(), o.during()
	switch {
	case od == 0 && d.during() == 0 && db+ob == 0:
		return "no traffic on either tunnel before or during the outage: nothing to lose or to fail over"
	case od == 0 && d.during() == 0:
		return fmt.Sprintf("no traffic on either tunnel during the outage: total loss (%s on the two before it)", bytesText(float64(db+ob)))
	case od == 0:
		return fmt.Sprintf("the other tunnel carried no traffic: failover did not happen (%s carried nothing during the outage)", other)
	case db == 0:
		return fmt.Sprintf("%s carried the traffic before and during the outage (%s, %s before); the dropped tunnel carried none before it: nothing had to move", other, bytesText(float64(od)), bytesText(float64(ob)))
	case 2*(od-ob) >= db:
		return fmt.Sprintf("traffic moved to %s during the outage: %s on it, against %s before (and %s on the dropped tunnel before)", other, bytesText(float64(od)), bytesText(float64(ob)), bytesText(float64(db)))
	}
	return fmt.Sprintf("only part of the traffic moved: %s carried %s during the outage against %s before, while the dropped tunnel had carried %s", other, bytesText(float64(od)), bytesText(float64(ob)), bytesText(float64(db)))
}

// BytesText is a byte count for people: "126.0 MB".
func BytesText(b int64) string { return bytesText(float64(b)) }
