package tools

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/source"
)

// TimelineResult is the answer of get_vpn_timeline.
type TimelineResult struct {
	VPNConnectionID string          `json:"vpn_connection_id"`
	Start           TimeView        `json:"start"`
	End             TimeView        `json:"end"`
	ResourceURI     string          `json:"resource_uri" jsonschema:"vpn://timeline/... resource holding this same timeline"`
	Records         int             `json:"records" jsonschema:"records in the window before collapsing"`
	Entries         []TimelineEntry `json:"entries"`
	Truncated       bool            `json:"truncated"`
	Omitted         int             `json:"omitted" jsonschema:"entries left out because of the size cap"`
	Incidents       []IncidentView  `json:"incidents"`
	Hints           []string        `json:"hints,omitempty"`
}

// TimelineEntry is one timeline line: a record or a run of repeats.
type TimelineEntry struct {
	EventView
	Count      int    `json:"count" jsonschema:"records collapsed into this entry"`
	LastAt     string `json:"last_at,omitempty"`
	IncidentID string `json:"incident_id,omitempty"`
}

// TimelineURI is the resource address of a connection's timeline. Times use
// the compact ISO 8601 form (no colons, which URI templates would need
// escaped).
func TimelineURI(vpn string, start, end time.Time) string {
	const compact = "20060102T150405Z"
	return "vpn://timeline/" + vpn + "/" + start.UTC().Format(compact) + "/" + end.UTC().Format(compact)
}

// Text renders the timeline one line per entry.
func (r TimelineResult) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Timeline of %s from %s to %s: %d records, %d entries, %d incident(s)\n", r.VPNConnectionID, r.Start.UTC, r.End.UTC, r.Records, len(r.Entries), len(r.Incidents))
	for _, in := range r.Incidents {
		fmt.Fprintf(&b, "incident %s: tunnel %d %s → %s root cause %s", in.ID, in.TunnelNumber, in.Start.UTC, in.End.UTC, orDash(in.RootCause))
		if in.Down && !in.Recovered {
			b.WriteString(" (not recovered)")
		}
		b.WriteString("\n")
	}
	for _, e := range r.Entries {
		mark := " "
		if e.Anomaly {
			mark = "!"
		}
		fmt.Fprintf(&b, "%s %s t%d %-3s %-30s", mark, e.At, e.TunnelNumber, e.Stream, e.Category)
		if e.Count > 1 {
			fmt.Fprintf(&b, " ×%d until %s", e.Count, e.LastAt)
		}
		fmt.Fprintf(&b, " %s\n", quoteLog(firstNonEmpty(e.Details, e.Raw)))
	}
	if r.Truncated {
		fmt.Fprintf(&b, "(truncated: %d more entries; narrow start/end or pass tunnel)\n", r.Omitted)
	}
	for _, h := range r.Hints {
		fmt.Fprintf(&b, "hint: %s\n", h)
	}
	return b.String()
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// GetVPNTimeline declares get_vpn_timeline.
func GetVPNTimeline(deps *Deps) Def[TimelineResult] {
	return Def[TimelineResult]{
		Tool: mcp.NewTool("get_vpn_timeline",
			append(readOnly("Get a VPN connection's merged timeline"),
				mcp.WithDescription("The four log streams of a VPN connection (IKE and BGP of both tunnels) merged into one ordered timeline for a window, each record classified, repeated routine records collapsed into one entry with a count, and incidents marked with their ids and root causes. Use it to show the story of an incident after diagnose_tunnel_drop, or to look around a time. Returns a resource link (vpn://timeline/...) to the same timeline."),
				mcp.WithString("vpn_connection_id", mcp.Description(descVPN)),
				mcp.WithString("start", mcp.Description(descStart)),
				mcp.WithString("end", mcp.Description(descEnd)),
				mcp.WithString("tunnel", mcp.Description(descTunnel)),
				mcp.WithString("timezone", mcp.Description(descTimezone)),
				mcp.WithBoolean("collapse", mcp.Description("Collapse repeated records into one entry with a count (default true). Set false to see every record.")),
				mcp.WithBoolean("anomalies_only", mcp.Description("Only entries that mark trouble (default false).")),
				mcp.WithOutputSchema[TimelineResult](),
			)...),
		Handle: func(ctx context.Context, raw map[string]any) (TimelineResult, error) {
			return deps.timeline(ctx, args(raw))
		},
	}
}

func (d *Deps) timeline(ctx context.Context, a args) (TimelineResult, error) {
	var res TimelineResult
	conn, w, tun, err := d.scope(ctx, a, 24*time.Hour)
	if err != nil {
		return res, err
	}
	collapse, err := a.boolean("collapse", true)
	if err != nil {
		return res, err
	}
	anomOnly, err := a.boolean("anomalies_only", false)
	if err != nil {
		return res, err
	}
	return d.buildTimeline(ctx, conn, w, tun, collapse, anomOnly)
}

// buildTimeline is shared with the vpn://timeline resource.
func (d *Deps) buildTimeline(ctx context.Context, conn *source.Connection, w window, tun *source.Tunnel, collapse, anomOnly bool) (TimelineResult, error) {
	res := TimelineResult{VPNConnectionID: conn.ID, Start: timeView(w.Start, w.Loc), End: timeView(w.End, w.Loc),
		ResourceURI: TimelineURI(conn.ID, w.Start, w.End), Entries: []TimelineEntry{}, Incidents: []IncidentView{}}
	an, err := d.analyze(ctx, conn, w.Start, w.End)
	if err != nil {
		return res, err
	}
	evs := an.events
	if tun != nil || anomOnly {
		kept := make([]correlate.Event, 0, len(evs))
		for i := range evs {
			if (tun == nil || evs[i].TunnelIP == tun.OutsideIP) && (!anomOnly || evs[i].Anomaly) {
				kept = append(kept, evs[i])
			}
		}
		evs = kept
	}
	res.Records = len(evs)
	// Mark entries with the incident they belong to.
	incOf := func(e *correlate.Event) string {
		for i := range an.incidents {
			in := &an.incidents[i]
			if in.TunnelIP == e.TunnelIP && e.TimeMs >= in.StartMs && e.TimeMs <= in.EndMs {
				return in.ID
			}
		}
		return ""
	}
	entries := correlate.BuildTimeline(evs, collapse)
	max := d.limits().MaxTimeline
	for i := range entries {
		if len(res.Entries) >= max {
			res.Truncated = true
			res.Omitted = len(entries) - max
			break
		}
		e := &entries[i]
		te := TimelineEntry{EventView: eventView(&e.Event, conn, w.Loc), Count: e.Count, IncidentID: incOf(&e.Event)}
		if e.Count > 1 {
			te.LastAt = correlate.FormatMs(e.LastMs)
		}
		res.Entries = append(res.Entries, te)
	}
	for i := range an.incidents {
		in := &an.incidents[i]
		if tun != nil && in.TunnelIP != tun.OutsideIP {
			continue
		}
		v := incidentView(in, conn, w.Loc)
		dg := an.diagnose(in)
		v.RootCause = string(dg.RootCause.Category)
		res.Incidents = append(res.Incidents, v)
	}
	res.Hints = append(res.Hints, an.res.Notes...)
	if res.Records == 0 {
		res.Hints = append(res.Hints, "no records in this window; "+d.dataRangeHint(ctx, conn))
	}
	if res.Truncated {
		res.Hints = append(res.Hints, fmt.Sprintf("only the first %d entries are shown: narrow the window, pass a tunnel, or set anomalies_only", max))
	}
	return res, nil
}
