package tools

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/source"
)

// HealthResult is the answer of summarize_vpn_health.
type HealthResult struct {
	Path        string             `json:"path" jsonschema:"how the summary was computed: from records, or from anomaly counts plus the records of trouble windows"`
	Start       TimeView           `json:"start"`
	End         TimeView           `json:"end"`
	Connections []ConnectionHealth `json:"connections"`
	Hints       []string           `json:"hints,omitempty"`
}

// ConnectionHealth is one connection's health over the window.
type ConnectionHealth struct {
	VPNConnectionID string         `json:"vpn_connection_id"`
	Name            string         `json:"name,omitempty"`
	Tunnels         []TunnelHealth `json:"tunnels"`
	Incidents       []IncidentView `json:"incidents"`
}

// TunnelHealth is one tunnel's health over the window.
type TunnelHealth struct {
	Number               int              `json:"number"`
	OutsideIP            string           `json:"outside_ip"`
	Records              int              `json:"records"`
	LoggingEnabled       bool             `json:"logging_enabled"`
	UptimePercent        *float64         `json:"uptime_percent,omitempty" jsonschema:"share of the window the tunnel and its BGP session were up (from the records; absent on the counting path)"`
	DowntimeSeconds      int64            `json:"downtime_seconds,omitempty"`
	Flaps                int              `json:"flaps" jsonschema:"times it went down"`
	LongestOutageSec     int64            `json:"longest_outage_seconds,omitempty"`
	MeanTimeToRecoverSec int64            `json:"mean_time_to_recover_seconds,omitempty"`
	Incidents            int              `json:"incidents"`
	ByRootCause          map[string]int   `json:"incidents_by_root_cause"`
	PrefixCount          int64            `json:"prefix_count,omitempty" jsonschema:"latest received-prefix count reported against the limit"`
	PrefixLimit          int64            `json:"prefix_limit,omitempty"`
	PrefixTrend          string           `json:"prefix_trend,omitempty"`
	RouteChurn           int              `json:"route_churn" jsonschema:"route advertisements, updates and withdrawals"`
	RekeyNoisePerHour    float64          `json:"rekey_noise_per_hour" jsonschema:"routine IKE negotiation and rekey-collision records per hour"`
	Anomalies            int              `json:"anomalies"`
	AnomaliesByCategory  map[string]int64 `json:"anomalies_by_category,omitempty" jsonschema:"anomaly counts per category (counting path)"`
	TroubleHours         int              `json:"trouble_hours,omitempty" jsonschema:"hours with any anomaly (counting path)"`
	Estimated            bool             `json:"estimated" jsonschema:"true when flaps, incidents and causes are estimated from hourly anomaly counts instead of read from the records"`
}

// Text renders the health summary.
func (r HealthResult) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "VPN health from %s to %s (%s)\n", r.Start.UTC, r.End.UTC, r.Path)
	for _, c := range r.Connections {
		fmt.Fprintf(&b, "%s %s\n", c.VPNConnectionID, c.Name)
		for _, t := range c.Tunnels {
			if !t.LoggingEnabled {
				fmt.Fprintf(&b, "  tunnel %d %s: logging disabled, no data\n", t.Number, t.OutsideIP)
				continue
			}
			if t.Estimated {
				fmt.Fprintf(&b, "  tunnel %d %s: ~%d flap(s), ~%d incident(s) in %d trouble hour(s), %d anomalies (estimated from counts)",
					t.Number, t.OutsideIP, t.Flaps, t.Incidents, t.TroubleHours, t.Anomalies)
			} else {
				up := 0.0
				if t.UptimePercent != nil {
					up = *t.UptimePercent
				}
				fmt.Fprintf(&b, "  tunnel %d %s: up %.2f%%, %d flap(s), longest outage %s, MTTR %s, %d incident(s)",
					t.Number, t.OutsideIP, up, t.Flaps, time.Duration(t.LongestOutageSec)*time.Second, time.Duration(t.MeanTimeToRecoverSec)*time.Second, t.Incidents)
			}
			if t.PrefixLimit > 0 {
				fmt.Fprintf(&b, ", prefixes %d/%d (%s)", t.PrefixCount, t.PrefixLimit, t.PrefixTrend)
			}
			fmt.Fprintf(&b, ", route churn %d, rekey noise %.1f/h\n", t.RouteChurn, t.RekeyNoisePerHour)
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
		}
	}
	for _, h := range r.Hints {
		fmt.Fprintf(&b, "hint: %s\n", h)
	}
	return b.String()
}

// SummarizeVPNHealth declares summarize_vpn_health.
func SummarizeVPNHealth(deps *Deps) Def[HealthResult] {
	return Def[HealthResult]{
		Tool: mcp.NewTool("summarize_vpn_health",
			append(readOnly("Summarize VPN tunnel health"),
				mcp.WithDescription("Per tunnel over a window: uptime %, flaps, longest outage, mean time to recover, incidents by root cause, prefix count against the limit and its trend, route churn and rekey noise, plus the incident list. Omit vpn_connection_id to summarize every connection. Use it for \"how healthy was the VPN this week?\" and to spot patterns before diagnosing single drops."),
				mcp.WithString("vpn_connection_id", mcp.Description("VPN connection id; omit for all connections.")),
				mcp.WithString("start", mcp.Description(descStart)),
				mcp.WithString("end", mcp.Description(descEnd)),
				mcp.WithString("timezone", mcp.Description(descTimezone)),
				mcp.WithOutputSchema[HealthResult](),
			)...),
		Handle: func(ctx context.Context, raw map[string]any) (HealthResult, error) {
			return deps.health(ctx, args(raw))
		},
	}
}

// Fleet summaries switch to counting: past these sizes the health tool asks
// an AnomalyCounter (AWS: Logs Insights) for anomaly counts per tunnel and
// hour, and reads raw records only around the hours that had trouble.
const (
	countsFleetConnections = 10
	countsWindow           = 7 * 24 * time.Hour
)

func (d *Deps) health(ctx context.Context, a args) (HealthResult, error) {
	var res HealthResult
	id, err := a.str("vpn_connection_id")
	if err != nil {
		return res, err
	}
	var conns []source.Connection
	if id != "" {
		c, err := d.connection(ctx, id)
		if err != nil {
			return res, err
		}
		conns = []source.Connection{*c}
	} else if conns, err = d.Inventory.Connections(ctx); err != nil {
		return res, err
	}
	res.Connections = []ConnectionHealth{}
	wins := make([]window, len(conns))
	var w window
	for i := range conns {
		if wins[i], err = d.resolveWindow(ctx, a, conns[i].ID, 24*time.Hour); err != nil {
			return res, err
		}
		cw := wins[i]
		if w.Loc == nil || cw.End.After(w.End) {
			w.End, w.Loc = cw.End, cw.Loc
		}
		if w.Start.IsZero() || cw.Start.Before(w.Start) {
			w.Start = cw.Start
		}
	}
	if len(conns) == 0 {
		res.Hints = append(res.Hints, "no VPN connections found")
		return res, nil
	}
	res.Start, res.End = timeView(w.Start, w.Loc), timeView(w.End, w.Loc)
	if counter, ok := d.Logs.(source.AnomalyCounter); ok && (len(conns) > countsFleetConnections || w.End.Sub(w.Start) > countsWindow) {
		return d.healthByCounts(ctx, counter, conns, wins, w, res)
	}
	res.Path = "records"
	for i := range conns {
		c := &conns[i]
		an, err := d.analyze(ctx, c, wins[i].Start, wins[i].End)
		if err != nil {
			return res, err
		}
		res.Connections = append(res.Connections, connectionHealth(c, an, wins[i]))
		res.Hints = append(res.Hints, an.res.Notes...)
	}
	return res, nil
}

// healthByCounts summarises a fleet or a long window from hourly anomaly
// counts alone (AWS: Logs Insights does the counting): no raw record is
// read, so a month of fifty connections costs a few queries. Flaps,
// incidents and their likely causes are estimated from runs of consecutive
// trouble hours; the answer says so and how to get exact figures.
func (d *Deps) healthByCounts(ctx context.Context, counter source.AnomalyCounter, conns []source.Connection, wins []window, w window, res HealthResult) (HealthResult, error) {
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
		ch := ConnectionHealth{VPNConnectionID: c.ID, Name: c.Name, Tunnels: []TunnelHealth{}, Incidents: []IncidentView{}}
		for _, t := range c.Tunnels {
			th := TunnelHealth{Number: t.Number, OutsideIP: t.OutsideIP, LoggingEnabled: t.Logging.IKEEnabled || t.Logging.BGPEnabled,
				ByRootCause: map[string]int{}, AnomaliesByCategory: map[string]int64{}, Estimated: true}
			estimateFromCounts(&th, rows[key{c.ID, t.OutsideIP}])
			ch.Tunnels = append(ch.Tunnels, th)
		}
		res.Connections = append(res.Connections, ch)
	}
	res.Path = fmt.Sprintf("hourly anomaly counts via %s (%d API calls); no raw records read", counts.Path, counts.Calls)
	res.Hints = append(res.Hints, counts.Notes...)
	res.Hints = append(res.Hints, "flaps, incidents and causes are estimated from hourly counts: for exact uptime and outages call summarize_vpn_health for one connection over at most 7 days, or diagnose_tunnel_drop at a trouble hour")
	return res, nil
}

// estimateFromCounts fills a tunnel's health from its hourly anomaly counts:
// consecutive trouble hours make one incident, whose likely cause is the
// deepest-layer failure class in it; an incident with a teardown class
// (session or tunnel going down) counts as a flap.
func estimateFromCounts(th *TunnelHealth, rows []source.AnomalyCount) {
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
		th.Incidents++
		best, teardown := correlate.Category(""), false
		for _, r := range run {
			if correlate.Teardown(r.Category) {
				teardown = true
			}
			if rb, rc := correlate.CauseRank(best), correlate.CauseRank(r.Category); best == "" || rc > rb || rc == rb && r.Category < best {
				best = r.Category
			}
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

func connectionHealth(c *source.Connection, an *analysis, w window) ConnectionHealth {
	ch := ConnectionHealth{VPNConnectionID: c.ID, Name: c.Name, Tunnels: []TunnelHealth{}, Incidents: []IncidentView{}}
	winMs := w.End.Sub(w.Start).Milliseconds()
	for _, t := range c.Tunnels {
		th := TunnelHealth{Number: t.Number, OutsideIP: t.OutsideIP, LoggingEnabled: t.Logging.IKEEnabled || t.Logging.BGPEnabled, ByRootCause: map[string]int{}}
		uptime := 100.0
		var firstWarn, lastWarn *correlate.Event
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
			case correlate.RouteAdvertised, correlate.RouteUpdated, correlate.RouteWithdrawn:
				th.RouteChurn++
			case correlate.IKENegotiation, correlate.IKERekeyCollision:
				routine++
			case correlate.BGPPrefixLimitWarn, correlate.BGPPrefixLimitExceed:
				if firstWarn == nil {
					firstWarn = e
				}
				lastWarn = e
			}
		}
		if winMs > 0 {
			th.RekeyNoisePerHour = float64(int(float64(routine)/(float64(winMs)/3.6e6)*10+0.5)) / 10
		}
		if lastWarn != nil {
			th.PrefixCount, th.PrefixLimit = lastWarn.Fields.Prefixes, lastWarn.Fields.Limit
			th.PrefixTrend = fmt.Sprintf("%d at %s → %d at %s", firstWarn.Fields.Prefixes, correlate.FormatMs(firstWarn.TimeMs), lastWarn.Fields.Prefixes, correlate.FormatMs(lastWarn.TimeMs))
		}
		var down, recSum int64
		recN := 0
		for i := range an.incidents {
			in := &an.incidents[i]
			if in.TunnelIP != t.OutsideIP {
				continue
			}
			th.Incidents++
			dg := an.diagnose(in)
			th.ByRootCause[string(dg.RootCause.Category)]++
			if !in.Down {
				continue
			}
			th.Flaps++
			end := in.EndMs
			if in.Recovered {
				end = in.RecoveredMs
				recSum += in.RecoveredMs - in.DownMs
				recN++
			}
			s := max(in.DownMs, w.Start.UnixMilli())
			e := min(end, w.End.UnixMilli())
			if e > s {
				down += e - s
				if (e-s)/1000 > th.LongestOutageSec {
					th.LongestOutageSec = (e - s) / 1000
				}
			}
		}
		th.DowntimeSeconds = down / 1000
		if winMs > 0 {
			uptime = float64(int((1-float64(down)/float64(winMs))*10000+0.5)) / 100
		}
		if recN > 0 {
			th.MeanTimeToRecoverSec = recSum / int64(recN) / 1000
		}
		if th.LoggingEnabled {
			th.UptimePercent = &uptime
		}
		ch.Tunnels = append(ch.Tunnels, th)
	}
	for i := range an.incidents {
		v := incidentView(&an.incidents[i], c, w.Loc)
		v.RootCause = string(an.diagnose(&an.incidents[i]).RootCause.Category)
		ch.Incidents = append(ch.Incidents, v)
	}
	return ch
}
