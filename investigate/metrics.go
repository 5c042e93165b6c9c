package investigate

import (
	"context"
	"fmt"
	"time"

	"github.com/vpnlens/vpnlens/source"
)

// Tunnel metrics (AWS/VPN TunnelState, TunnelDataIn, TunnelDataOut) are
// what there is to say about a tunnel that logs nothing: when it was up or
// down, at the metric's resolution, and where the traffic went.

// metricsLookback is how far before the time asked about a diagnosis from
// metrics looks for the start of an outage: a tunnel without logs may have
// been down long before anyone asked.
const metricsLookback = 15 * 24 * time.Hour

// MetricsAnswer is what CloudWatch metrics say about a tunnel.
type MetricsAnswer struct {
	Source        string          `json:"source" jsonschema:"where the metrics were read: CloudWatch GetMetricData (namespace AWS/VPN) or the logs folder's tunnel-metrics.json"`
	PeriodSeconds int             `json:"period_seconds" jsonschema:"resolution of the metric points: a change is known to within one period"`
	Resolution    string          `json:"resolution" jsonschema:"what the resolution means for the times given"`
	StateAtAsked  string          `json:"state_at_asked,omitempty" jsonschema:"up, down, or no data: TunnelState at the time asked about"`
	DownFrom      *TimeView       `json:"down_from,omitempty" jsonschema:"when the outage began, estimated from the share of its period the tunnel was still up"`
	DownWithin    []TimeView      `json:"down_within,omitempty" jsonschema:"the period the outage began in: start and end"`
	UpAt          *TimeView       `json:"up_at,omitempty" jsonschema:"when it came back (estimated the same way); absent while it is still down where the metrics end"`
	StillDownAt   *TimeView       `json:"still_down_at,omitempty" jsonschema:"the end of the metrics read, when the outage had not ended by then"`
	DownSeconds   int64           `json:"down_seconds,omitempty" jsonschema:"length of the outage, from down_from to up_at or still_down_at"`
	States        []StateSpanView `json:"states" jsonschema:"the tunnel's up and down spans in the metrics read, oldest first"`
	OtherTunnels  []string        `json:"other_tunnels,omitempty" jsonschema:"what the other tunnel did meanwhile: its state and whether the traffic moved to it"`
	// downIn is the period the outage began in (DownWithin, as times).
	downIn [2]time.Time
}

// StateSpanView is a stretch a tunnel stayed up or down.
type StateSpanView struct {
	State string   `json:"state" jsonschema:"up, down or no data"`
	From  TimeView `json:"from" jsonschema:"start of the span: the estimated time of the change into it, or the start of the first period"`
	To    TimeView `json:"to" jsonschema:"end of the span's last period"`
}

// tunnelMetrics is the metrics source of the service: the log source when
// it can read metrics (local folder, demo, AWS), else none.
func (svc *Service) tunnelMetrics() source.TunnelMetrics {
	if m, ok := svc.Logs.(source.TunnelMetrics); ok {
		return m
	}
	return nil
}

// metricsResolution says what a period means for the times given.
func metricsResolution(p time.Duration) string {
	return fmt.Sprintf("TunnelState is read as the average over %s periods: a change is known to within its period; the time given is estimated from the share of that period the tunnel was up", SpanText(p))
}

// stateName names a span's state.
func stateName(s *source.StateSpan) string {
	switch {
	case s.Missing:
		return "no data"
	case s.Up:
		return "up"
	}
	return "down"
}

// spanStart is when a span most likely began, to the minute (an
// estimate from hourly or 5-minute averages is no finer).
func spanStart(s *source.StateSpan) time.Time {
	if !s.FromEstimate.IsZero() {
		return s.FromEstimate.Round(time.Minute)
	}
	return s.From
}

// spanEnd is when span i most likely ended: when the next one began, or
// the end of its last period.
func spanEnd(spans []source.StateSpan, i int) time.Time {
	if i+1 < len(spans) && !spans[i+1].Missing {
		return spanStart(&spans[i+1])
	}
	return spans[i].To
}

func stateSpanViews(spans []source.StateSpan, loc *time.Location) []StateSpanView {
	out := make([]StateSpanView, 0, len(spans))
	for i := range spans {
		out = append(out, StateSpanView{State: stateName(&spans[i]), From: timeView(spanStart(&spans[i]), loc), To: timeView(spanEnd(spans, i), loc)})
	}
	return out
}

// metricsAnswer reads the state of tun around at from the metrics: the
// outage that holds at (or the last one that began before it within
// lookback), when it began and ended, and what the other tunnel did.
func metricsAnswer(res *source.MetricsResult, conn *source.Connection, tun *source.Tunnel, at, end time.Time, lookback time.Duration, loc *time.Location) (*MetricsAnswer, bool) {
	st := res.Find(tun.OutsideIP, source.MetricTunnelState)
	if st == nil || len(st.Points) == 0 {
		return nil, false
	}
	spans := source.StateSpans(st)
	ans := &MetricsAnswer{Source: res.Path, PeriodSeconds: int(st.Period.Seconds()), Resolution: metricsResolution(st.Period), States: stateSpanViews(spans, loc)}
	var out *source.StateSpan
	for i := range spans {
		s := &spans[i]
		if !s.From.After(at) && s.To.After(at) {
			ans.StateAtAsked = stateName(s)
		}
		// the outage that holds at, or the last one that began shortly
		// before or after it
		if !s.Up && !s.Missing && spanStart(s).Before(at.Add(st.Period)) && s.To.After(at.Add(-lookback)) {
			out = s
		}
	}
	if ans.StateAtAsked == "" {
		ans.StateAtAsked = "no data"
	}
	if out == nil {
		return ans, true
	}
	from := spanStart(out)
	fv := timeView(from, loc)
	ans.DownFrom = &fv
	ans.DownWithin = []TimeView{timeView(out.From, loc), timeView(out.From.Add(st.Period), loc)}
	ans.downIn = [2]time.Time{out.From, out.From.Add(st.Period)}
	upAt := out.To
	last := st.Points[len(st.Points)-1].Time.Add(st.Period)
	for i := range spans {
		if spans[i].From.Equal(out.To) && spans[i].Up {
			upAt = spanStart(&spans[i])
			u := timeView(upAt, loc)
			ans.UpAt = &u
		}
	}
	if ans.UpAt == nil {
		upAt = last
		if end.Before(last) {
			upAt = end
		}
		s := timeView(upAt, loc)
		ans.StillDownAt = &s
	}
	ans.DownSeconds = int64(upAt.Sub(from).Seconds())
	for i := range conn.Tunnels {
		o := &conn.Tunnels[i]
		if o.OutsideIP == tun.OutsideIP {
			continue
		}
		ans.OtherTunnels = append(ans.OtherTunnels, otherTunnelDuring(res, o, from, upAt, loc))
	}
	return ans, true
}

// otherTunnelDuring says what tunnel o did while the other was down from
// from to to: its state, and the traffic it carried then against the same
// span before (did the traffic move to it?).
func otherTunnelDuring(res *source.MetricsResult, o *source.Tunnel, from, to time.Time, loc *time.Location) string {
	st := res.Find(o.OutsideIP, source.MetricTunnelState)
	if st == nil {
		return fmt.Sprintf("tunnel %d (%s): no metrics", o.Number, o.OutsideIP)
	}
	var downs []string
	spans := source.StateSpans(st)
	state := "stayed up throughout"
	for i := range spans {
		s := &spans[i]
		b, e := spanStart(s), spanEnd(spans, i)
		if s.Up || s.Missing || !b.Before(to) || !e.After(from) {
			continue
		}
		if !b.After(from) && !e.Before(to) {
			state = fmt.Sprintf("was down all along (from %s to %s): no connectivity over this VPN", timeView(b, loc).withLocal(), timeView(e, loc).withLocal())
			break
		}
		downs = append(downs, fmt.Sprintf("down from %s to %s", timeView(b, loc).withLocal(), timeView(e, loc).withLocal()))
	}
	if len(downs) > 0 {
		state = "was also " + joinAnd(downs) + ": both tunnels were down then, no connectivity over this VPN"
	}
	line := fmt.Sprintf("tunnel %d (%s) %s", o.Number, o.OutsideIP, state)
	in := res.Find(o.OutsideIP, source.MetricDataIn)
	if in == nil {
		return line
	}
	d := min(to.Sub(from), 24*time.Hour)
	before, after := in.Sum(from.Add(-d), from), in.Sum(from, from.Add(d))
	switch {
	case after > 2*before && after > 0:
		line += fmt.Sprintf("; the traffic moved to it: %s in over the %s after the drop against %s over the %s before", bytesText(after), SpanText(d), bytesText(before), SpanText(d))
	case after > 0:
		line += fmt.Sprintf("; it carried %s in over the %s after the drop (%s before)", bytesText(after), SpanText(d), bytesText(before))
	default:
		line += "; it carried no traffic then"
	}
	return line
}

func bytesText(b float64) string {
	switch {
	case b >= 1e9:
		return fmt.Sprintf("%.1f GB", b/1e9)
	case b >= 1e6:
		return fmt.Sprintf("%.1f MB", b/1e6)
	case b >= 1e3:
		return fmt.Sprintf("%.1f kB", b/1e3)
	}
	return fmt.Sprintf("%.0f B", b)
}

func joinAnd(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	out := parts[0]
	for _, p := range parts[1 : len(parts)-1] {
		out += ", " + p
	}
	return out + " and " + parts[len(parts)-1]
}

// diagnoseFromMetrics answers "why did this tunnel drop?" for a tunnel
// that logs nothing: no log can say why, but the metrics say when it went
// down and came back, and the other tunnel's whether the traffic moved.
// ok is false when there are no metrics for it either.
func (svc *Service) diagnoseFromMetrics(ctx context.Context, conn *source.Connection, tun *source.Tunnel, at time.Time, lookback time.Duration, loc *time.Location) (DiagnoseResult, bool, error) {
	var res DiagnoseResult
	m := svc.tunnelMetrics()
	if m == nil {
		return res, false, nil
	}
	start, end := at.Add(-metricsLookback), at.Add(24*time.Hour)
	if now := svc.now(); end.After(now) {
		end = now
	}
	if !end.After(start) {
		return res, false, nil
	}
	mr, err := m.TunnelMetrics(ctx, source.MetricsQuery{VPNConnectionID: conn.ID, Start: start, End: end})
	if err != nil {
		return res, false, err
	}
	ans, ok := metricsAnswer(mr, conn, tun, at, end, max(lookback, time.Hour), loc)
	if !ok {
		return res, false, nil
	}
	res = DiagnoseResult{VPNConnectionID: conn.ID, Place: PlaceOf(conn), AskedAt: timeView(at, loc), FromMetrics: ans,
		RecommendedActions: []string{}, NextSteps: []string{}, Alternatives: []AlternativeView{}, OtherTunnels: []OtherTunnelView{}}
	if loc != time.UTC {
		res.Timezone = loc.String()
	}
	res.RootCause = CauseView{Tunnel: tun.OutsideIP, TunnelNumber: tun.Number, Evidence: []EvidenceView{}}
	res.Notes = append(res.Notes, mr.Notes...)
	what := fmt.Sprintf("Tunnel %d (%s) of %s logs nothing (logging is disabled), so no log can say why it dropped; ", tun.Number, tun.OutsideIP, conn.ID)
	per := SpanText(time.Duration(ans.PeriodSeconds) * time.Second)
	switch {
	case ans.DownFrom == nil:
		what += fmt.Sprintf("its CloudWatch metrics (TunnelState per %s) show no outage near %s: it was %s then.", per, timeView(at, loc).withLocal(), ans.StateAtAsked)
	default:
		what += fmt.Sprintf("its CloudWatch metrics (TunnelState per %s) show it down from about %s (within %s to %s)", per,
			ans.DownFrom.withLocal(), ans.DownWithin[0].withLocal(), ans.DownWithin[1].withLocal())
		if ans.UpAt != nil {
			what += fmt.Sprintf(", back up at about %s, down %s.", ans.UpAt.withLocal(), SpanText(time.Duration(ans.DownSeconds)*time.Second))
		} else {
			what += fmt.Sprintf(", and still down at %s where the metrics end (down %s so far).", ans.StillDownAt.withLocal(), SpanText(time.Duration(ans.DownSeconds)*time.Second))
		}
		for _, o := range ans.OtherTunnels {
			what += " Meanwhile " + o + "."
		}
		res.RootCause.At, res.RootCause.AtLocal = ans.DownFrom.UTC, ans.DownFrom.Local
	}
	res.Summary = what
	res.RootCause.Explanation = "from metrics only: the tunnel's state, not the reason (no log records)"
	res.RecommendedActions = append(res.RecommendedActions,
		fmt.Sprintf("Turn logging on for this tunnel so the next drop has a cause: its IKE and BGP logs name who ended the session and why (DPD timeout, a proposal or key mismatch, a BGP hold-timer expiry). %s", enableLoggingHint(conn.ID, tun.OutsideIP)))
	if ans.StillDownAt != nil {
		res.RecommendedActions = append(res.RecommendedActions,
			"The tunnel is still down: check the customer gateway's side for this tunnel (its configuration for this outside IP, its IKE state and logs); turning logging on for a tunnel that is down costs nothing, as the change renegotiates only that tunnel")
	}
	res.NextSteps = append(res.NextSteps, fmt.Sprintf("call summarize_vpn_health for %s to see both tunnels' state from the metrics over a window", conn.ID))
	if ans.DownFrom != nil {
		// What the metrics cannot say either: a change made to the tunnel
		// just before the period it went down in, or AWS's maintenance.
		lo, hi := ans.downIn[0], ans.downIn[1]
		q := DiagnosisQuery(conn, tun.OutsideIP, lo)
		q.To = hi.Add(time.Minute) // the drop may be anywhere in the period
		facts := svc.AWSCauses().Read(ctx, q, svc.now())
		res.RankAWSCausesIn(&facts, lo, hi, tun.OutsideIP, loc)
	}
	return res, true, nil
}

// TunnelMetricsHealth is a tunnel's health over a window from its
// CloudWatch metrics, for a tunnel that logs nothing.
type TunnelMetricsHealth struct {
	Source        string          `json:"source" jsonschema:"where the metrics were read"`
	PeriodSeconds int             `json:"period_seconds" jsonschema:"resolution of the metric points: outage times are estimates within one period"`
	UptimePercent float64         `json:"uptime_percent" jsonschema:"average TunnelState over the periods with data in the window, as a percentage"`
	DownSeconds   int64           `json:"down_seconds" jsonschema:"time down in the window, from the per-period averages"`
	Outages       []StateSpanView `json:"outages" jsonschema:"down spans in the window (the first starts at the window start when the tunnel was down before it)"`
	DataInBytes   float64         `json:"data_in_bytes" jsonschema:"TunnelDataIn summed over the window"`
	DataOutBytes  float64         `json:"data_out_bytes" jsonschema:"TunnelDataOut summed over the window"`
}

// metricsHealth is tunnel ip's health from the metrics read for the
// window, and its down spans for the both-tunnels-down check (ok false
// when there is no TunnelState data for it).
func metricsHealth(res *source.MetricsResult, ip string, w Window) (*TunnelMetricsHealth, []span, bool) {
	st := res.Find(ip, source.MetricTunnelState)
	if st == nil || len(st.Points) == 0 {
		return nil, nil, false
	}
	h := &TunnelMetricsHealth{Source: res.Path, PeriodSeconds: int(st.Period.Seconds()), Outages: []StateSpanView{}}
	var up float64
	for _, p := range st.Points {
		up += p.Value
		h.DownSeconds += int64((1 - p.Value) * st.Period.Seconds())
	}
	h.UptimePercent = float64(int(up/float64(len(st.Points))*10000+0.5)) / 100
	var downs []span
	spans := source.StateSpans(st)
	for i := range spans {
		s := &spans[i]
		if s.Up || s.Missing {
			continue
		}
		from, to := spanStart(s), spanEnd(spans, i)
		if from.Before(w.Start) {
			from = w.Start
		}
		if to.After(w.End) {
			to = w.End
		}
		h.Outages = append(h.Outages, StateSpanView{State: "down", From: timeView(from, w.Loc), To: timeView(to, w.Loc)})
		downs = append(downs, span{from.UnixMilli(), to.UnixMilli()})
	}
	if s := res.Find(ip, source.MetricDataIn); s != nil {
		h.DataInBytes = s.Sum(w.Start, w.End)
	}
	if s := res.Find(ip, source.MetricDataOut); s != nil {
		h.DataOutBytes = s.Sum(w.Start, w.End)
	}
	return h, downs, true
}

// healthMetrics reads the metrics of c's tunnels that log nothing over
// the window (nil when every tunnel logs, or there is no metrics source);
// a failure is a hint, and the summary goes on without them.
func (svc *Service) healthMetrics(ctx context.Context, c *source.Connection, w Window) (*source.MetricsResult, string) {
	m := svc.tunnelMetrics()
	if m == nil {
		return nil, ""
	}
	var ips []string
	for _, t := range c.Tunnels {
		if !t.Logging.IKEEnabled && !t.Logging.BGPEnabled {
			ips = append(ips, t.OutsideIP)
		}
	}
	if len(ips) == 0 {
		return nil, ""
	}
	res, err := m.TunnelMetrics(ctx, source.MetricsQuery{VPNConnectionID: c.ID, TunnelIPs: ips, Start: w.Start, End: w.End})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ""
		}
		return nil, fmt.Sprintf("%s: the tunnel metrics of its tunnels without logs could not be read: %v", c.ID, err)
	}
	return res, ""
}
