package investigate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// HealthResult is the answer of summarize_vpn_health.
type HealthResult struct {
	Path        string             `json:"path" jsonschema:"how the summary was computed: from records, or from anomaly counts plus the records of trouble windows"`
	Start       TimeView           `json:"start" jsonschema:"start of the window every connection was summarised over"`
	End         TimeView           `json:"end" jsonschema:"end of that window"`
	Connections []ConnectionHealth `json:"connections"`
	Hints       []string           `json:"hints,omitempty"`
	Timezone    string             `json:"timezone,omitempty" jsonschema:"IANA zone of the local times"`
}

// ConnectionHealth is one connection's health over the window.
type ConnectionHealth struct {
	VPNConnectionID string `json:"vpn_connection_id"`
	Place
	Name                   string           `json:"name,omitempty"`
	BothTunnelsDownSeconds int64            `json:"both_tunnels_down_seconds" jsonschema:"time in the window when every tunnel of the connection was down at once: total loss of connectivity over this VPN. 0 also when it cannot be told (see both_tunnels_down_note)"`
	BothTunnelsDown        []DownInterval   `json:"both_tunnels_down,omitempty" jsonschema:"the intervals when every tunnel was down at once"`
	BothTunnelsDownNote    string           `json:"both_tunnels_down_note,omitempty" jsonschema:"why both_tunnels_down_seconds could not be worked out, when it could not"`
	Tunnels                []TunnelHealth   `json:"tunnels"`
	Incidents              []HealthIncident `json:"incidents"`
}

// HealthIncident is an incident as a health summary lists it: when, how
// it went and its root cause (vpn://incident/{id} has the diagnosis).
type HealthIncident struct {
	ID                   string    `json:"id"`
	TunnelNumber         int       `json:"tunnel_number,omitempty"`
	RootCause            string    `json:"root_cause,omitempty"`
	Start                TimeView  `json:"start"`
	End                  TimeView  `json:"end"`
	DurationSeconds      int64     `json:"duration_seconds"`
	Down                 bool      `json:"down" jsonschema:"the tunnel or its BGP session went down"`
	DownAt               *TimeView `json:"down_at,omitempty"`
	Recovered            bool      `json:"recovered"`
	RecoveredAt          *TimeView `json:"recovered_at,omitempty"`
	TimeToRecoverSeconds int64     `json:"time_to_recover_seconds,omitempty"`
	Open                 bool      `json:"open" jsonschema:"still unresolved at the end of the logs"`
}

// DownInterval is a stretch of time within the window.
type DownInterval struct {
	Start   TimeView `json:"start"`
	End     TimeView `json:"end"`
	Seconds int64    `json:"seconds"`
}

// TunnelHealth is one tunnel's health over the window.
type TunnelHealth struct {
	Number               int              `json:"number"`
	OutsideIP            string           `json:"outside_ip"`
	Records              int              `json:"records"`
	LoggingEnabled       bool             `json:"logging_enabled"`
	UptimePercent        *float64         `json:"uptime_percent,omitempty" jsonschema:"share of the covered time (covered_from to covered_to: the part of the window the tunnel's logs cover) the tunnel and its BGP session were up (from the records; absent on the counting path and when the tunnel logged nothing in the window)"`
	CoveredFrom          *TimeView        `json:"covered_from,omitempty" jsonschema:"start of the part of the window the tunnel's logs cover: its first record, or the window start when the logs began before it"`
	CoveredTo            *TimeView        `json:"covered_to,omitempty" jsonschema:"end of that part: the tunnel's last record, or the window end when the logs go on after it"`
	CoveredSeconds       int64            `json:"covered_seconds,omitempty" jsonschema:"covered_to minus covered_from: the time uptime_percent and rekey_noise_per_hour are over; less than the window when the logs begin or end inside it"`
	DowntimeSeconds      int64            `json:"downtime_seconds,omitempty"`
	Flaps                int              `json:"flaps" jsonschema:"times it went down"`
	LongestOutageSec     int64            `json:"longest_outage_seconds,omitempty"`
	Recoveries           int              `json:"recoveries" jsonschema:"outages of the window that came back up (the logs after the window end are read to see how an outage ended)"`
	MeanTimeToRecoverSec int64            `json:"mean_time_to_recover_seconds,omitempty" jsonschema:"mean time from going down to back up over the recovered outages; absent (0) when none recovered (recoveries 0), never a zero-second recovery"`
	Incidents            int              `json:"incidents"`
	ByRootCause          map[string]int   `json:"incidents_by_root_cause"`
	PrefixCount          int64            `json:"prefix_count,omitempty" jsonschema:"received-prefix count of the last prefix-limit record in the window (at prefix_count_at): a past report, not the current count (see accepted_routes_now)"`
	PrefixCountAt        *TimeView        `json:"prefix_count_at,omitempty"`
	PrefixPeak           int64            `json:"prefix_peak,omitempty" jsonschema:"highest received-prefix count reported in the window, at prefix_peak_at"`
	PrefixPeakAt         *TimeView        `json:"prefix_peak_at,omitempty"`
	PrefixLimit          int64            `json:"prefix_limit,omitempty"`
	PrefixTrend          string           `json:"prefix_trend,omitempty"`
	RouteChurn           int              `json:"route_churn" jsonschema:"route advertisements, updates and withdrawals"`
	RekeyNoisePerHour    float64          `json:"rekey_noise_per_hour" jsonschema:"routine IKE negotiation (rekeys, set-up) and rekey-collision records per hour of the covered time; the liveness exchange is not counted"`
	Anomalies            int              `json:"anomalies"`
	AnomaliesByCategory  map[string]int64 `json:"anomalies_by_category,omitempty" jsonschema:"anomaly counts per category (counting path)"`
	TroubleHours         int              `json:"trouble_hours,omitempty" jsonschema:"hours with any anomaly (counting path)"`
	Estimated            bool             `json:"estimated" jsonschema:"true when flaps, incidents and causes are estimated from hourly anomaly counts instead of read from the records"`
	StatusNow            string           `json:"status_now,omitempty" jsonschema:"tunnel status from EC2 VgwTelemetry when the inventory was read (UP or DOWN), not from the logs"`
	StatusNowSince       *TimeView        `json:"status_now_since,omitempty" jsonschema:"when that status began (VgwTelemetry LastStatusChange)"`
	AcceptedRoutesNow    *int             `json:"accepted_routes_now,omitempty" jsonschema:"routes AWS accepts from the customer gateway on this tunnel, from EC2 VgwTelemetry when the inventory was read"`
	Note                 string           `json:"note,omitempty" jsonschema:"what the figures cannot show, e.g. a tunnel without logs whose telemetry says it is DOWN"`
	// FromMetrics is the health of a tunnel without logs from its
	// CloudWatch metrics.
	FromMetrics *TunnelMetricsHealth `json:"from_metrics,omitempty" jsonschema:"for a tunnel without logs: uptime, outages and traffic from its CloudWatch metrics (AWS/VPN TunnelState, TunnelDataIn/Out), at their resolution"`
	// PendingMaintenance is what AWS plans for the tunnel's endpoint.
	PendingMaintenance string `json:"pending_maintenance,omitempty" jsonschema:"maintenance AWS has planned for this tunnel and not applied yet (EC2 GetVpnTunnelReplacementStatus), when AWS applies it by itself, and what to do before then"`
}

// Text renders the health summary.
func (r HealthResult) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "VPN health from %s to %s (%s)\n", r.Start.withLocal(), r.End.withLocal(), r.Path)
	for _, c := range r.Connections {
		fmt.Fprintf(&b, "%s %s%s\n", c.VPNConnectionID, c.Name, c.Place.suffix())
		if c.BothTunnelsDownSeconds > 0 {
			spans := make([]string, 0, len(c.BothTunnelsDown))
			for _, iv := range c.BothTunnelsDown {
				spans = append(spans, fmt.Sprintf("%s → %s", iv.Start.withLocal(), iv.End.withLocal()))
			}
			fmt.Fprintf(&b, "  BOTH TUNNELS DOWN at once for %s (no connectivity over this VPN): %s\n",
				SpanText(time.Duration(c.BothTunnelsDownSeconds)*time.Second), strings.Join(spans, "; "))
		}
		for _, t := range c.Tunnels {
			fmt.Fprintf(&b, "  tunnel %d %s: ", t.Number, t.OutsideIP)
			switch {
			case !t.LoggingEnabled && t.FromMetrics != nil:
				m := t.FromMetrics
				fmt.Fprintf(&b, "logging disabled; from CloudWatch metrics (per %s): up %.2f%%", SpanText(time.Duration(m.PeriodSeconds)*time.Second), m.UptimePercent)
				var outs []string
				for _, o := range m.Outages {
					outs = append(outs, fmt.Sprintf("%s → %s", o.From.withLocal(), o.To.withLocal()))
				}
				if len(outs) > 0 {
					fmt.Fprintf(&b, ", down %s (%s)", SpanText(time.Duration(m.DownSeconds)*time.Second), strings.Join(outs, "; "))
				}
				fmt.Fprintf(&b, ", traffic %s in, %s out", bytesText(m.DataInBytes), bytesText(m.DataOutBytes))
			case !t.LoggingEnabled:
				b.WriteString("logging disabled, no log data")
			case t.Estimated:
				fmt.Fprintf(&b, "~%d flap(s), ~%d incident(s) in %d trouble hour(s), %d anomalies (estimated from counts)",
					t.Flaps, t.Incidents, t.TroubleHours, t.Anomalies)
			case t.UptimePercent == nil:
				b.WriteString("no records in this window")
			default:
				fmt.Fprintf(&b, "up %.2f%%", *t.UptimePercent)
				if win, ok := r.window(); ok && t.CoveredSeconds > 0 && partlyCovered(time.Duration(t.CoveredSeconds)*time.Second, win) {
					fmt.Fprintf(&b, " of the %s the logs cover", SpanText(roundSpan(time.Duration(t.CoveredSeconds)*time.Second)))
				}
				b.WriteString(", ")
				if t.Flaps == 0 {
					b.WriteString("no outage")
				} else {
					fmt.Fprintf(&b, "%d flap(s), longest outage %s, ", t.Flaps, SpanText(time.Duration(t.LongestOutageSec)*time.Second))
					if t.Recoveries == 0 {
						b.WriteString("MTTR n/a (no outage recovered)")
					} else {
						fmt.Fprintf(&b, "MTTR %s over %d recovered", SpanText(time.Duration(t.MeanTimeToRecoverSec)*time.Second), t.Recoveries)
					}
				}
				fmt.Fprintf(&b, ", %d incident(s)", t.Incidents)
			}
			if t.LoggingEnabled {
				if t.PrefixLimit > 0 && t.PrefixPeakAt != nil {
					fmt.Fprintf(&b, ", prefixes peaked at %d (limit %d) at %s", t.PrefixPeak, t.PrefixLimit, t.PrefixPeakAt.withLocal())
					if t.PrefixCount != t.PrefixPeak && t.PrefixCountAt != nil {
						fmt.Fprintf(&b, ", last reported %d at %s", t.PrefixCount, t.PrefixCountAt.withLocal())
					}
					fmt.Fprintf(&b, " (%s)", t.PrefixTrend)
				}
				fmt.Fprintf(&b, ", route churn %d, rekey noise %.1f/h", t.RouteChurn, t.RekeyNoisePerHour)
			}
			b.WriteString("\n")
			if len(t.ByRootCause) > 0 {
				keys := make([]string, 0, len(t.ByRootCause))
				for k := range t.ByRootCause {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				var parts []string
				for _, k := range keys {
					parts = append(parts, fmt.Sprintf("%s×%d", k, t.ByRootCause[k]))
				}
				fmt.Fprintf(&b, "    root causes: %s\n", strings.Join(parts, ", "))
			}
			// Without logs the note already tells the telemetry.
			if t.StatusNow != "" && (t.LoggingEnabled || t.Note == "") {
				fmt.Fprintf(&b, "    now (EC2 telemetry): %s", t.StatusNow)
				if t.StatusNowSince != nil {
					fmt.Fprintf(&b, " since %s", t.StatusNowSince.withLocal())
				}
				if t.AcceptedRoutesNow != nil {
					fmt.Fprintf(&b, ", %d accepted route(s)", *t.AcceptedRoutesNow)
				}
				b.WriteString("\n")
			}
			if t.Note != "" {
				fmt.Fprintf(&b, "    note: %s\n", t.Note)
			}
			if t.PendingMaintenance != "" {
				fmt.Fprintf(&b, "    maintenance: %s\n", t.PendingMaintenance)
			}
		}
	}
	for _, h := range r.Hints {
		fmt.Fprintf(&b, "hint: %s\n", h)
	}
	return b.String()
}

// Fleet summaries switch to counting: past these sizes the health tool asks
// an AnomalyCounter (AWS: Logs Insights) for anomaly counts per tunnel and
// hour, and reads raw records only around the hours that had trouble.
const (
	countsFleetConnections = 10
	countsWindow           = 7 * 24 * time.Hour
)

// HealthQuestion is "how healthy were these connections over this window?":
// one connection, or every connection the inventory knows (Conn nil).
type HealthQuestion struct {
	Conn   *source.Connection
	Region string // with Conn nil: only this region's connections ("" = all)
	Window WindowSpec
}

// Health summarises tunnel health over one window for every connection in
// the question's scope.
func (svc *Service) Health(ctx context.Context, q HealthQuestion) (HealthResult, error) {
	var res HealthResult
	var conns []source.Connection
	if q.Conn != nil {
		conns = []source.Connection{*q.Conn}
	} else {
		var gaps []source.Gap
		var err error
		if conns, gaps, err = svc.ConnectionsIn(ctx, q.Region); err != nil {
			return res, err
		}
		for _, g := range gaps {
			res.Hints = append(res.Hints, g.Note())
		}
	}
	res.Connections = []ConnectionHealth{}
	if len(conns) == 0 {
		res.Hints = append(res.Hints, "no VPN connections found")
		return res, nil
	}
	ids := make([]string, len(conns))
	for i := range conns {
		ids[i] = conns[i].ID
	}
	counter, canCount := svc.Logs.(source.AnomalyCounter)
	// One window for every connection, stated in the answer: "latest" and
	// the default end count from the newest record of any connection, so a
	// connection without logs neither fails the summary nor stretches it.
	w, err := svc.ResolveWindowFor(ctx, q.Window, ids, 24*time.Hour, longWindowSummary(canCount))
	if err != nil {
		return res, err
	}
	res.Start, res.End = timeView(w.Start, w.Loc), timeView(w.End, w.Loc)
	if w.Loc != nil && w.Loc != time.UTC {
		res.Timezone = w.Loc.String()
	}
	if canCount && (len(conns) > countsFleetConnections || w.End.Sub(w.Start) > countsWindow) {
		return svc.healthByCounts(ctx, counter, conns, w, res)
	}
	res.Path = "records"
	records := 0
	failed := 0
	for i := range conns {
		c := &conns[i]
		// Incidents at the window's edges are followed, so the list says
		// how they really went; uptime and downtime stay within the window.
		an, err := svc.analyzeSettled(ctx, c, w.Start, w.End, livenessCounted)
		if err != nil && len(conns) > 1 && partOfFleet(ctx, err) && failed+1 < len(conns) {
			// One connection that cannot be read leaves the others'
			// summaries standing; the answer says which is missing.
			failed++
			res.Hints = append(res.Hints, fmt.Sprintf("INCOMPLETE: %s%s is not summarized: %v", c.ID, PlaceOf(c).suffix(), err))
			continue
		}
		if err != nil {
			return res, err
		}
		live, _, _ := an.livenessOf("")
		records += len(an.events) + int(live)
		// Where each tunnel's logs begin and end: uptime is over the part
		// of the window they cover, not time nothing was logged for.
		_, _, exts, err := svc.extents(ctx, c.ID)
		if err != nil {
			return res, err
		}
		met, hint := svc.healthMetrics(ctx, c, w)
		if hint != "" {
			res.Hints = append(res.Hints, hint)
		}
		// A drop AWS caused (a change through the EC2 API, maintenance)
		// counts under that cause, as diagnose_tunnel_drop ranks it.
		var first, last time.Time
		for i := range an.incidents {
			at := DropTime(&an.incidents[i])
			if first.IsZero() || at.Before(first) {
				first = at
			}
			if at.After(last) {
				last = at
			}
		}
		facts := svc.healthAWSOf(ctx, c, first, last)
		causes := map[string]catalog.Category{}
		for i := range an.incidents {
			in := &an.incidents[i]
			at := DropTime(in)
			if cause := facts.causeOf(ctx, in.TunnelIP, at, at); cause != "" {
				causes[in.ID] = cause
			}
		}
		ch := connectionHealth(c, an, w, exts, met, facts.maint, causes)
		res.Connections = append(res.Connections, ch)
		res.Hints = appendNew(res.Hints, facts.notes...)
		res.Hints = append(res.Hints, an.res.Notes...)
		if h := coverageHint(&ch, w); h != "" {
			res.Hints = append(res.Hints, h)
		}
	}
	if records == 0 {
		if rng, err := svc.dataRangeOf(ctx, ids); err == nil {
			hint := "no records in this window; " + rng.where(w.Loc)
			if !rng.last.IsZero() {
				hint += ": pass start and end inside that range"
			}
			res.Hints = append(res.Hints, hint)
		}
	}
	return res, nil
}

// partOfFleet reports a failure of one connection's source (its account
// denies, its region does not answer) that a question about several
// connections answers around, naming it.
func partOfFleet(ctx context.Context, err error) bool {
	var se *source.Error
	return ctx.Err() == nil && errors.As(err, &se)
}

// longWindowSummary words the too-long-window error for this tool: it has
// the same maximum as the others, and past 7 days (or 10 connections) it
// estimates from hourly anomaly counts when the log source can count.
func longWindowSummary(canCount bool) LongWindowHint {
	return func(max time.Duration) string {
		msg := fmt.Sprintf("summarize_vpn_health covers at most %s per call: split the period into parts of at most %s and call it once per part", SpanText(max), SpanText(max))
		if canCount {
			msg += fmt.Sprintf(" (a part longer than %s is estimated from hourly anomaly counts; for exact uptime and outages use parts of at most %s)", SpanText(countsWindow), SpanText(countsWindow))
		}
		return msg
	}
}

// healthByCounts summarises a fleet or a long window from hourly anomaly
// counts alone (AWS: Logs Insights does the counting): no raw record is
// read, so a month of fifty connections costs a few queries. Flaps,
// incidents and their likely causes are estimated from runs of consecutive
// trouble hours; the answer says so and how to get exact figures.
func (svc *Service) healthByCounts(ctx context.Context, counter source.AnomalyCounter, conns []source.Connection, w Window, res HealthResult) (HealthResult, error) {
	ids := make([]string, len(conns))
	for i := range conns {
		ids[i] = conns[i].ID
	}
	counts, err := counter.AnomalyCounts(ctx, ids, w.Start, w.End)
	if err != nil {
		return res, err
	}
	type key struct{ vpn, ip string }
	rows := map[key][]source.AnomalyCount{}
	for _, r := range counts.Rows {
		k := key{r.VPNConnectionID, r.TunnelIP}
		rows[k] = append(rows[k], r)
	}
	for i := range conns {
		c := &conns[i]
		ch := ConnectionHealth{VPNConnectionID: c.ID, Place: PlaceOf(c), Name: c.Name, Tunnels: []TunnelHealth{}, Incidents: []HealthIncident{},
			BothTunnelsDownNote: "not worked out from hourly counts: call summarize_vpn_health for this connection over at most 7 days"}
		// Changes are looked up only if the connection had trouble, once
		// for the whole window.
		facts := svc.healthAWSOf(ctx, c, w.Start, w.End)
		for _, t := range c.Tunnels {
			th := TunnelHealth{Number: t.Number, OutsideIP: t.OutsideIP, LoggingEnabled: t.Logging.IKEEnabled || t.Logging.BGPEnabled,
				ByRootCause: map[string]int{}, AnomaliesByCategory: map[string]int64{}, Estimated: true,
				PendingMaintenance: pendingMaintenanceNote(facts.maint[t.OutsideIP])}
			estimateFromCounts(&th, rows[key{c.ID, t.OutsideIP}], func(from, to time.Time) catalog.Category {
				return facts.causeOf(ctx, t.OutsideIP, from, to)
			})
			telemetryHealth(&th, c, &t, w)
			ch.Tunnels = append(ch.Tunnels, th)
		}
		res.Connections = append(res.Connections, ch)
		res.Hints = appendNew(res.Hints, facts.notes...)
	}
	res.Path = fmt.Sprintf("hourly anomaly counts via %s (%d API calls); no raw records read", counts.Path, counts.Calls)
	res.Hints = append(res.Hints, counts.Notes...)
	res.Hints = append(res.Hints, "flaps, incidents and causes are estimated from hourly counts: for exact uptime, outages and the times both tunnels were down at once call summarize_vpn_health for one connection over at most 7 days, or diagnose_tunnel_drop at a trouble hour")
	return res, nil
}

// telemetryHealth adds what EC2's VgwTelemetry says about the tunnel now.
// Without logs it is all there is: a tunnel whose status has not changed
// since before the window was in that status throughout it.
func telemetryHealth(th *TunnelHealth, c *source.Connection, t *source.Tunnel, w Window) {
	tm := t.Telemetry
	if tm == nil {
		if !th.LoggingEnabled {
			th.Note = fmt.Sprintf("logging is disabled and the inventory has no telemetry for this tunnel: nothing tells its state; %s", enableLoggingHint(c.ID, t.OutsideIP))
		}
		return
	}
	th.StatusNow = tm.Status
	routes := tm.AcceptedRouteCount
	th.AcceptedRoutesNow = &routes
	if !tm.LastStatusChange.IsZero() {
		since := timeView(tm.LastStatusChange, w.Loc)
		th.StatusNowSince = &since
	}
	if th.LoggingEnabled {
		return
	}
	state := fmt.Sprintf("EC2 telemetry says %s", tm.Status)
	if th.StatusNowSince != nil {
		state += " since " + th.StatusNowSince.withLocal()
		if !tm.LastStatusChange.After(w.Start) {
			state += ", before this window began"
		}
	}
	if strings.EqualFold(tm.Status, "DOWN") {
		th.Note = fmt.Sprintf("logging is disabled, but %s: the tunnel is down and no log can say why; %s", state, enableLoggingHint(c.ID, t.OutsideIP))
	} else {
		th.Note = fmt.Sprintf("logging is disabled; %s (no outage detail without logs)", state)
	}
}

// estimateFromCounts fills a tunnel's health from its hourly anomaly counts:
// consecutive trouble hours make one incident, whose likely cause is the
// deepest-layer failure class in it, or awsCause's when AWS caused a drop
// in its hours ("" when not); an incident with a teardown class (session
// or tunnel going down) or an AWS-side cause counts as a flap.
func estimateFromCounts(th *TunnelHealth, rows []source.AnomalyCount, awsCause func(from, to time.Time) catalog.Category) {
	byHour := map[time.Time][]source.AnomalyCount{}
	for _, r := range rows {
		th.AnomaliesByCategory[string(r.Category)] += r.Count
		th.Anomalies += int(r.Count)
		byHour[r.Hour] = append(byHour[r.Hour], r)
	}
	hours := make([]time.Time, 0, len(byHour))
	for h := range byHour {
		hours = append(hours, h)
	}
	sort.Slice(hours, func(i, j int) bool { return hours[i].Before(hours[j]) })
	th.TroubleHours = len(hours)
	flush := func(run []source.AnomalyCount) {
		if len(run) == 0 {
			return
		}
		from, to := run[0].Hour, run[len(run)-1].Hour.Add(time.Hour)
		th.Incidents++
		best, teardown := catalog.Category(""), false
		for _, r := range run {
			if correlate.Teardown(r.Category) {
				teardown = true
			}
			if rb, rc := correlate.CauseRank(best), correlate.CauseRank(r.Category); best == "" || rc > rb || rc == rb && r.Category < best {
				best = r.Category
			}
		}
		// A change that renegotiated the tunnel, or maintenance applied
		// to it, in the run's hours took it down even when the counts
		// hold no teardown class (phases down without a reason).
		if c := awsCause(from, to); c != "" {
			best, teardown = c, true
		}
		if teardown {
			th.Flaps++
		}
		th.ByRootCause[string(best)]++
	}
	var run []source.AnomalyCount
	for i, h := range hours {
		if i > 0 && h.Sub(hours[i-1]) > time.Hour {
			flush(run)
			run = nil
		}
		run = append(run, byHour[h]...)
	}
	flush(run)
}

// window is the summary's window, from its stated start and end.
func (r HealthResult) window() (time.Duration, bool) {
	start, err1 := time.Parse(time.RFC3339Nano, r.Start.UTC)
	end, err2 := time.Parse(time.RFC3339Nano, r.End.UTC)
	if err1 != nil || err2 != nil || !end.After(start) {
		return 0, false
	}
	return end.Sub(start), true
}

// partlyCovered reports logs covering so much less of a window that an
// uptime over the window would misstate it: under 90% of it, and at least
// an hour short.
func partlyCovered(covered, window time.Duration) bool {
	return covered < window*9/10 && window-covered >= time.Hour
}

// roundSpan rounds a span of an hour or more to the minute, for text: a
// default window ends a second after the newest record.
func roundSpan(d time.Duration) time.Duration {
	if d >= time.Hour {
		return d.Round(time.Minute)
	}
	return d
}

// coverage is the part of the window a tunnel's logs cover, in epoch
// milliseconds: from its first record (in the extents of its streams or
// among the records read) to its last, within the window. ok is false when
// the tunnel has no record at all.
func coverage(ip string, an *analysis, w Window, exts []source.Extent) (from, to int64, ok bool) {
	var first, last int64
	seen := func(ms int64) {
		if !ok || ms < first {
			first = ms
		}
		if !ok || ms > last {
			last = ms
		}
		ok = true
	}
	for _, e := range exts {
		if e.Stream.TunnelIP != ip || e.First.IsZero() || e.Last.IsZero() {
			continue
		}
		seen(e.First.UnixMilli())
		seen(e.Last.UnixMilli())
	}
	// The records read (the window's, and those read around it to settle
	// its incidents) count too: CloudWatch updates a stream's last event
	// time late.
	for i := range an.all {
		if e := &an.all[i]; e.TunnelIP == ip {
			seen(e.TimeMs)
		}
	}
	if n, firstMs, lastMs := an.livenessOf(ip); n > 0 {
		seen(firstMs)
		seen(lastMs)
	}
	if !ok {
		return 0, 0, false
	}
	from, to = max(first, w.Start.UnixMilli()), min(last, w.End.UnixMilli())
	if to < from {
		to = from
	}
	return from, to, true
}

// coverageHint says when the logs of a connection's tunnels cover much less
// of the window than all of it: uptime is over the covered time only.
func coverageHint(ch *ConnectionHealth, w Window) string {
	win := w.End.Sub(w.Start)
	var from, to *TimeView
	var covered int64
	for i := range ch.Tunnels {
		t := &ch.Tunnels[i]
		if t.UptimePercent == nil || t.CoveredFrom == nil {
			continue
		}
		if t.CoveredSeconds > covered {
			covered, from, to = t.CoveredSeconds, t.CoveredFrom, t.CoveredTo
		}
	}
	if from == nil || !partlyCovered(time.Duration(covered)*time.Second, win) {
		return ""
	}
	return fmt.Sprintf("%s: logs cover %s of the %s window (%s to %s): uptime, downtime and rekey noise are over the covered time, not the whole window; each tunnel's covered_from and covered_to say where its logs begin and end",
		ch.VPNConnectionID, SpanText(roundSpan(time.Duration(covered)*time.Second)), SpanText(roundSpan(win)), from.withLocal(), to.withLocal())
}

// connectionHealth summarises a connection over the window from an
// analysis of it; exts are the extents of its streams, which tell where
// each tunnel's logs begin and end.
// met holds the metrics of the tunnels without logs (nil: none read).
// maint is each tunnel's maintenance status (by outside IP) and causes the
// AWS-side causes of incidents (by id), which count instead of the logs'.
func connectionHealth(c *source.Connection, an *analysis, w Window, exts []source.Extent, met *source.MetricsResult,
	maint map[string]*source.Maintenance, causes map[string]catalog.Category) ConnectionHealth {
	rootOf := func(in *correlate.Incident) string {
		if cause, ok := causes[in.ID]; ok {
			return string(cause)
		}
		return string(an.diagnose(in).RootCause.Category)
	}
	ch := ConnectionHealth{VPNConnectionID: c.ID, Place: PlaceOf(c), Name: c.Name, Tunnels: []TunnelHealth{}, Incidents: []HealthIncident{}}
	downs := make([]tunnelDown, 0, len(c.Tunnels))
	for ti := range c.Tunnels {
		t := &c.Tunnels[ti]
		th := TunnelHealth{Number: t.Number, OutsideIP: t.OutsideIP, LoggingEnabled: t.Logging.IKEEnabled || t.Logging.BGPEnabled, ByRootCause: map[string]int{},
			PendingMaintenance: pendingMaintenanceNote(maint[t.OutsideIP])}
		uptime := 100.0
		// Uptime and rates are over the time the tunnel's logs cover, not
		// over time nothing was logged for (a week's window over a day of
		// logs).
		covFrom, covTo, covOK := coverage(t.OutsideIP, an, w, exts)
		covMs := covTo - covFrom
		var firstWarn, lastWarn, peakWarn *vpnlog.Event
		routine := 0
		for i := range an.events {
			e := &an.events[i]
			if e.TunnelIP != t.OutsideIP {
				continue
			}
			th.Records++
			if e.Anomaly {
				th.Anomalies++
			}
			switch e.Category {
			case catalog.RouteAdvertised, catalog.RouteUpdated, catalog.RouteWithdrawn:
				th.RouteChurn++
			case catalog.IKENegotiation, catalog.IKERekeyCollision:
				// Rekeys and set-up only: the liveness exchange every ~10 s
				// is the tunnel being up, not noise.
				if !vpnlog.IsLiveness(e) {
					routine++
				}
			case catalog.BGPPrefixLimitWarn, catalog.BGPPrefixLimitExceed:
				if firstWarn == nil {
					firstWarn = e
				}
				lastWarn = e
				if peakWarn == nil || e.Fields.Prefixes > peakWarn.Fields.Prefixes {
					peakWarn = e
				}
			}
		}
		// The liveness exchange is records, but neither trouble nor rekey
		// noise.
		live, _, _ := an.livenessOf(t.OutsideIP)
		th.Records += int(live)
		if covMs > 0 {
			th.RekeyNoisePerHour = float64(int(float64(routine)/(float64(covMs)/3.6e6)*10+0.5)) / 10
		}
		if lastWarn != nil {
			th.PrefixCount, th.PrefixLimit = lastWarn.Fields.Prefixes, lastWarn.Fields.Limit
			th.PrefixPeak = peakWarn.Fields.Prefixes
			at, peakAt := msView(lastWarn.TimeMs, w.Loc), msView(peakWarn.TimeMs, w.Loc)
			th.PrefixCountAt, th.PrefixPeakAt = &at, &peakAt
			th.PrefixTrend = fmt.Sprintf("%d at %s → %d at %s", firstWarn.Fields.Prefixes, msView(firstWarn.TimeMs, w.Loc).withLocal(), lastWarn.Fields.Prefixes, at.withLocal())
		}
		var down, recSum int64
		var spans []span
		for i := range an.incidents {
			in := &an.incidents[i]
			if in.TunnelIP != t.OutsideIP {
				continue
			}
			th.Incidents++
			th.ByRootCause[rootOf(in)]++
			if !in.Down {
				continue
			}
			th.Flaps++
			end := in.EndMs
			if in.Recovered {
				end = in.RecoveredMs
				recSum += in.RecoveredMs - in.DownMs
				th.Recoveries++
			}
			s := max(in.DownMs, covFrom)
			e := min(end, covTo)
			if e > s {
				down += e - s
				spans = append(spans, span{s, e})
				if (e-s)/1000 > th.LongestOutageSec {
					th.LongestOutageSec = (e - s) / 1000
				}
			}
		}
		th.DowntimeSeconds = down / 1000
		if covMs > 0 {
			uptime = float64(int((1-float64(down)/float64(covMs))*10000+0.5)) / 100
		}
		if th.Recoveries > 0 {
			th.MeanTimeToRecoverSec = recSum / int64(th.Recoveries) / 1000
		}
		telemetryHealth(&th, c, t, w)
		td := tunnelDown{number: t.Number, known: true, spans: mergeSpans(spans)}
		switch {
		case th.LoggingEnabled && th.Records > 0 && covOK && covMs > 0:
			th.UptimePercent = &uptime
			from, to := msView(covFrom, w.Loc), msView(covTo, w.Loc)
			th.CoveredFrom, th.CoveredTo, th.CoveredSeconds = &from, &to, covMs/1000
		case th.LoggingEnabled && th.Records > 0:
			// A single instant of logs: no span to state an uptime over.
			th.Note = "the tunnel's logs span no time within the window (a single record), so no uptime"
			td.known, td.why = false, fmt.Sprintf("tunnel %d's logs cover no span of the window", t.Number)
		case th.LoggingEnabled:
			// No record says the tunnel was up: a 100% would be a guess.
			th.Note = "no records from this tunnel in the window, so no uptime: check start/end against the logs' range"
			td.known, td.why = false, fmt.Sprintf("tunnel %d logged nothing in the window", t.Number)
		default:
			td = telemetryDown(t, w)
			if met == nil {
				break
			}
			if mh, spans, ok := metricsHealth(met, t.OutsideIP, w); ok {
				th.FromMetrics = mh
				td = tunnelDown{number: t.Number, known: true, spans: spans}
			}
		}
		downs = append(downs, td)
		ch.Tunnels = append(ch.Tunnels, th)
	}
	bothDown(&ch, downs, w)
	for i := range an.incidents {
		v := incidentView(&an.incidents[i], c, w.Loc)
		ch.Incidents = append(ch.Incidents, HealthIncident{ID: v.ID, TunnelNumber: v.TunnelNumber,
			RootCause: rootOf(&an.incidents[i]), Start: v.Start, End: v.End, DurationSeconds: v.DurationSeconds,
			Down: v.Down, DownAt: v.DownAt, Recovered: v.Recovered, RecoveredAt: v.RecoveredAt, TimeToRecoverSeconds: v.TimeToRecoverSeconds, Open: v.Open})
	}
	return ch
}

// span is a stretch of time in epoch milliseconds, [from, to).
type span struct{ from, to int64 }

// tunnelDown is when one tunnel was down within the window, when that can
// be told.
type tunnelDown struct {
	number int
	known  bool
	why    string // why not known
	spans  []span // merged, in order
}

// telemetryDown tells a tunnel without logs from its telemetry: a status
// unchanged since before the window held all through it.
func telemetryDown(t *source.Tunnel, w Window) tunnelDown {
	td := tunnelDown{number: t.Number}
	tm := t.Telemetry
	if tm == nil || tm.LastStatusChange.IsZero() || tm.LastStatusChange.After(w.Start) {
		td.why = fmt.Sprintf("tunnel %d has logging disabled and no telemetry covering the whole window", t.Number)
		return td
	}
	td.known = true
	if strings.EqualFold(tm.Status, "DOWN") {
		td.spans = []span{{w.Start.UnixMilli(), w.End.UnixMilli()}}
	}
	return td
}

func mergeSpans(in []span) []span {
	sort.Slice(in, func(i, j int) bool { return in[i].from < in[j].from })
	var out []span
	for _, s := range in {
		if n := len(out); n > 0 && s.from <= out[n-1].to {
			out[n-1].to = max(out[n-1].to, s.to)
			continue
		}
		out = append(out, s)
	}
	return out
}

func intersectSpans(a, b []span) []span {
	var out []span
	for i, j := 0, 0; i < len(a) && j < len(b); {
		from, to := max(a[i].from, b[j].from), min(a[i].to, b[j].to)
		if to > from {
			out = append(out, span{from, to})
		}
		if a[i].to < b[j].to {
			i++
		} else {
			j++
		}
	}
	return out
}

// bothDown finds when every tunnel of the connection was down at once:
// total loss of connectivity, what an engineer cares about most.
func bothDown(ch *ConnectionHealth, downs []tunnelDown, w Window) {
	if len(downs) < 2 {
		return
	}
	var unknown []string
	for _, td := range downs {
		if !td.known {
			unknown = append(unknown, td.why)
		}
	}
	if len(unknown) > 0 {
		ch.BothTunnelsDownNote = "cannot tell whether both tunnels were down at once: " + strings.Join(unknown, "; ")
		return
	}
	common := downs[0].spans
	for _, td := range downs[1:] {
		common = intersectSpans(common, td.spans)
	}
	for _, s := range common {
		ch.BothTunnelsDownSeconds += (s.to - s.from) / 1000
		ch.BothTunnelsDown = append(ch.BothTunnelsDown, DownInterval{Start: msView(s.from, w.Loc), End: msView(s.to, w.Loc), Seconds: (s.to - s.from) / 1000})
	}
}

// appendNew appends the notes not in hints yet: several connections of one
// folder give the same note.
func appendNew(hints []string, notes ...string) []string {
	for _, n := range notes {
		if !slices.Contains(hints, n) {
			hints = append(hints, n)
		}
	}
	return hints
}
