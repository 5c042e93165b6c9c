package investigate

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// TimelineResult is the answer of get_vpn_timeline.
type TimelineResult struct {
	VPNConnectionID string `json:"vpn_connection_id"`
	Place
	Start       TimeView           `json:"start"`
	End         TimeView           `json:"end"`
	ResourceURI string             `json:"resource_uri" jsonschema:"vpn://timeline/... resource holding this same timeline"`
	View        string             `json:"view" jsonschema:"which records are listed: default (trouble, state changes and every record during an incident; routine records only counted, see unlisted), all (anomalies_only=false or collapse=false) or anomalies (anomalies_only=true)"`
	Records     int                `json:"records" jsonschema:"records in the window (of the tunnel asked for)"`
	Listed      int                `json:"listed" jsonschema:"records the entries stand for, before collapsing"`
	Entries     []TimelineEntry    `json:"entries"`
	Truncated   bool               `json:"truncated"`
	Omitted     int                `json:"omitted" jsonschema:"entries left out because of the size cap"`
	Unlisted    []RoutineCount     `json:"unlisted,omitempty" jsonschema:"routine records the default view counts instead of listing (pass anomalies_only=false to list them)"`
	Incidents   []TimelineIncident `json:"incidents"`
	Notes       []string           `json:"notes,omitempty" jsonschema:"what the source says about reading the logs, such as records that could not be read"`
	Hints       []string           `json:"hints,omitempty"`
	Timezone    string             `json:"timezone,omitempty" jsonschema:"IANA zone of the local times"`
	// Offset is the number of entries before the first of Entries: a
	// later page starts there.
	Offset int `json:"offset,omitempty"`

	page pagePosition
}

// CursorAfter is the cursor of the page starting after the first n
// entries of this one.
func (r TimelineResult) CursorAfter(n int) string { return r.page.cursorAfter(n) }

// TimelineEntry is one timeline line: a record or a run of repeats.
type TimelineEntry struct {
	EventView
	Count      int    `json:"count" jsonschema:"records collapsed into this entry"`
	LastAt     string `json:"last_at,omitempty"`
	IncidentID string `json:"incident_id,omitempty"`
}

// TimelineIncident is an incident running during the window. It is the
// real one even when it runs over the window's edges: the logs beyond them
// are read until it begins and ends (up to a week each way), so its id,
// start, root cause, end, recovery and time to recover are those the other
// tools give.
type TimelineIncident struct {
	IncidentView
	BeganBeforeWindow   bool   `json:"began_before_window" jsonschema:"the incident began before the window start: its id, start and root cause come from the logs before the window, while the entries start at the window start"`
	ContinuesPastWindow bool   `json:"continues_past_window" jsonschema:"the incident goes on after the window end: its end, recovery and time to recover come from the logs after the window, while the entries stop at the window end"`
	Status              string `json:"status" jsonschema:"how the incident stands: recovered (when, after how long), still open at the end of the logs, or the tunnel stayed up"`
	// OpenStatus says, for an incident still open, where it was last seen:
	// at the end of the logs, or where following it stopped.
	OpenStatus string `json:"open_status,omitempty"`
}

// RoutineCount is a kind of routine record the default view counts
// instead of listing.
type RoutineCount struct {
	Tunnel       string `json:"tunnel"`
	TunnelNumber int    `json:"tunnel_number,omitempty"`
	Category     string `json:"category"`
	Count        int    `json:"count"`
	// Liveness is how many of them are the liveness exchange (a tunnel
	// logs it every ~10 s while up; the rest are rekeys and set-up).
	Liveness int    `json:"liveness,omitempty"`
	First    string `json:"first"`
	Last     string `json:"last"`
}

// Timeline views: which records become entries.
const (
	ViewDefault   = "default"
	ViewAll       = "all"
	ViewAnomalies = "anomalies"
)

// TimelineURI is the resource address of a connection's timeline. Times use
// the compact ISO 8601 form (no colons, which URI templates would need
// escaped).
func TimelineURI(vpn string, start, end time.Time) string {
	const compact = "20060102T150405Z"
	return "vpn://timeline/" + vpn + "/" + start.UTC().Format(compact) + "/" + end.UTC().Format(compact)
}

// LogSummary is the gist of a record from its parsed fields (status, route,
// details); the raw record when nothing was parsed. All of it is log text
// (the view cuts it to the length an entry quotes).
func LogSummary(e *TimelineEntry) string {
	var parts []string
	if e.Status != "" && !knownStatus(e) {
		parts = append(parts, e.Status)
	}
	if rt := e.Route; rt != nil {
		if rt.Prefix != "" {
			parts = append(parts, rt.Prefix)
		}
		if rt.ASPath != "" {
			parts = append(parts, "as-path "+rt.ASPath)
		}
		if rt.MED != nil {
			parts = append(parts, fmt.Sprintf("med %d", *rt.MED))
		}
		if rt.NextHopIP != "" {
			parts = append(parts, "next-hop "+rt.NextHopIP)
		}
	}
	if e.Details != "" {
		parts = append(parts, e.Details)
	}
	s := strings.Join(parts, " ")
	if s == "" && e.Phase1State == "" && e.Phase2State == "" {
		s = e.Raw
	}
	return s
}

// knownStatus reports a BGP status that is one of the documented values:
// it can be shown outside the quotes (a route's status repeats its
// category and is left out); any other value is log text like the rest.
func knownStatus(e *TimelineEntry) bool {
	switch e.Status {
	case "UP", "DOWN":
		return e.Route == nil
	case "ADVERTISED", "UPDATED", "WITHDRAWN":
		return e.Route != nil
	}
	return false
}

// TimelineQuestion asks for a connection's merged timeline over a window.
type TimelineQuestion struct {
	Conn     *source.Connection
	Window   Window
	Tunnel   *source.Tunnel // nil: both tunnels
	Collapse bool           // repeated records as one entry with a count
	View     string         // ViewDefault, ViewAll or ViewAnomalies
	// Spec is how the caller wrote the window, which a page cursor is bound
	// to; Cursor is where the previous page ended (its window replaces
	// Window, so pages do not move as logs arrive).
	Spec   WindowSpec
	Cursor string
}

// Timeline merges, selects and collapses the window's records.
func (svc *Service) Timeline(ctx context.Context, q TimelineQuestion) (TimelineResult, error) {
	conn, w, tun, collapse, view := q.Conn, q.Window, q.Tunnel, q.Collapse, q.View
	if view == "" {
		view = ViewDefault
	}
	tunnelIP := ""
	if tun != nil {
		tunnelIP = tun.OutsideIP
	}
	zone := ""
	if q.Spec.Loc != nil && q.Spec.Loc != time.UTC {
		zone = q.Spec.Loc.String()
	}
	query := strings.Join([]string{"timeline", conn.ID, tunnelIP, strings.TrimSpace(q.Spec.Start), strings.TrimSpace(q.Spec.End), zone, view, strconv.FormatBool(collapse)}, "\x00")
	offset := 0
	if cur := strings.TrimSpace(q.Cursor); cur != "" {
		pc, err := decodeCursor(cur, query)
		if err != nil {
			return TimelineResult{}, err
		}
		offset, w.Start, w.End = pc.offset, time.UnixMilli(pc.startMs), time.UnixMilli(pc.endMs)
	}
	res := TimelineResult{VPNConnectionID: conn.ID, Place: PlaceOf(conn), Start: timeView(w.Start, w.Loc), End: timeView(w.End, w.Loc), View: view,
		ResourceURI: TimelineURI(conn.ID, w.Start, w.End), Entries: []TimelineEntry{}, Incidents: []TimelineIncident{}}
	mode := livenessCounted
	if view == ViewAll {
		mode = livenessListed // every record is an entry
	}
	an, err := svc.analyzeSettled(ctx, conn, w.Start, w.End, mode)
	if err != nil {
		return res, err
	}
	evs := an.events
	if tun != nil {
		n := 0
		for i := range evs {
			if evs[i].TunnelIP == tun.OutsideIP {
				n++
			}
		}
		kept := make([]vpnlog.Event, 0, n)
		for i := range evs {
			if evs[i].TunnelIP == tun.OutsideIP {
				kept = append(kept, evs[i])
			}
		}
		evs = kept
	}
	live, _, _ := an.livenessOf(tunnelIP)
	res.Records = len(evs) + int(live)
	switch view {
	case ViewAnomalies:
		var anomalies []vpnlog.Event // a few of many: copied alone
		for i := range evs {
			if evs[i].Anomaly {
				anomalies = append(anomalies, evs[i])
			}
		}
		evs = anomalies
	case ViewDefault:
		var routine []routineRecord
		evs, routine = splitRoutine(evs, an.incidents)
		res.Unlisted = countRoutine(routine, an.liveness, tunnelIP, conn)
	}
	if view != ViewAnomalies {
		// Changes through the EC2 API that renegotiated a tunnel are
		// entries of their own, in time order with the records.
		changes, notes := svc.timelineChanges(ctx, conn, tunnelIP, w.Start, w.End)
		res.Notes = append(res.Notes, notes...)
		if len(changes) > 0 {
			evs = append(slices.Clip(evs), changes...)
			sort.SliceStable(evs, func(i, j int) bool { return evs[i].TimeMs < evs[j].TimeMs })
		}
	}
	res.Listed = len(evs)
	// Mark entries with the incident they belong to.
	incOf := func(e *vpnlog.Event) string {
		for i := range an.incidents {
			in := &an.incidents[i]
			if in.TunnelIP == e.TunnelIP && e.TimeMs >= in.StartMs && e.TimeMs <= in.EndMs {
				return in.ID
			}
		}
		return ""
	}
	entries := correlate.BuildTimeline(evs, collapse)
	if offset > 0 && offset >= len(entries) {
		return TimelineResult{}, userErrorf("cursor %q points past the last of the %d entries (the logs of that window changed since the previous page): call again without cursor to start from the first page", q.Cursor, len(entries))
	}
	res.Offset = offset
	if w.Loc != nil && w.Loc != time.UTC {
		res.Timezone = w.Loc.String()
	}
	res.page = pagePosition{query: query, offset: offset, startMs: w.Start.UnixMilli(), endMs: w.End.UnixMilli()}
	max := svc.limits().MaxTimeline
	for i := offset; i < len(entries); i++ {
		if len(res.Entries) >= max {
			res.Truncated = true
			res.Omitted = len(entries) - i
			break
		}
		e := &entries[i]
		te := TimelineEntry{EventView: eventView(&e.Event, conn, w.Loc), Count: e.Count, IncidentID: incOf(&e.Event)}
		if e.Event.Category == catalog.AWSTunnelOptionsChanged {
			te.Stream = "CloudTrail"
		}
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
		v := TimelineIncident{IncidentView: incidentView(in, conn, w.Loc), BeganBeforeWindow: an.beforeWindow(in), ContinuesPastWindow: an.pastWindow(in)}
		v.RootCause = string(an.diagnose(in).RootCause.Category)
		v.Status = incidentStatus(in, an, w.Loc)
		if in.Open {
			v.OpenStatus = an.openStatus(w.Loc)
		}
		res.Incidents = append(res.Incidents, v)
	}
	res.Notes = append(res.Notes, an.res.Notes...)
	if res.Records == 0 {
		res.Hints = append(res.Hints, "no records in this window; "+svc.dataRangeHint(ctx, conn))
	}
	if res.Truncated {
		res.Hints = append(res.Hints, fmt.Sprintf("only the first %d entries are shown: narrow the window, pass a tunnel, or set anomalies_only", max))
	}
	return res, nil
}

// incidentStatus says how an incident stands, in words for the text and
// the structured content alike.
func incidentStatus(in *correlate.Incident, an *analysis, loc *time.Location) string {
	switch {
	case in.Down && in.Recovered:
		// Whole seconds, cut as time_to_recover_seconds and the diagnosis
		// cut them, so every answer states the same figure.
		return fmt.Sprintf("down at %s, recovered at %s after %s", msView(in.DownMs, loc).withLocal(), msView(in.RecoveredMs, loc).withLocal(), in.TimeToRecover().Truncate(time.Second))
	case in.Down:
		return fmt.Sprintf("down at %s, %s", msView(in.DownMs, loc).withLocal(), an.openStatus(loc))
	}
	return fmt.Sprintf("the tunnel stayed up; last trouble at %s", msView(in.EndMs, loc).withLocal())
}

// splitRoutine separates the records the default view lists — anomalies,
// unknown records, IKE state changes, BGP sessions falling and coming up,
// route changes, every other record of a tunnel while it has an incident,
// and route updates on the other tunnel meanwhile (failover) — from routine
// ones: unchanged IKE state snapshots, rekey negotiation, route updates and
// the UPDATEs carrying them, and the steps of a BGP session coming back.
func splitRoutine(evs []vpnlog.Event, incidents []correlate.Incident) (listed []vpnlog.Event, routine []routineRecord) {
	// during reports an incident running at ms on the record's own tunnel
	// (every record there is part of its story) or on another one (only
	// route changes there are: failover).
	during := func(e *vpnlog.Event) (own, other bool) {
		for i := range incidents {
			in := &incidents[i]
			if e.TimeMs >= in.StartMs && e.TimeMs <= in.EndMs {
				if in.TunnelIP == e.TunnelIP {
					own = true
				} else {
					other = true
				}
			}
		}
		return own, other
	}
	// tunnel -> phase 1/phase 2 state last logged. Routine negotiation (the
	// liveness exchange every ~10 s, rekeys) carries the state too, but
	// never as news: were it to set the state first, a quiet window would
	// list nothing at all, not even the state its tunnels are in.
	state := map[string]string{}
	keep := make([]bool, len(evs))
	for i := range evs {
		e := &evs[i]
		changed := false
		if e.Stream == vpnlog.StreamIKE && e.Phase1State != vpnlog.IKEStateUnset &&
			e.Category != catalog.IKENegotiation && e.Category != catalog.IKERekeyCollision {
			st := steady(e.Phase1State) + "/" + steady(e.Phase2State)
			prev, seen := state[e.TunnelIP]
			changed = !seen || prev != st
			state[e.TunnelIP] = st
		}
		isRoutine, chatter := false, false
		switch e.Category {
		case catalog.IKEStateReport:
			isRoutine = !changed
		case catalog.IKENegotiation, catalog.IKERekeyCollision, catalog.BGPUpdateReceived, catalog.RouteUpdated:
			isRoutine = true
		case catalog.BGPConnecting, catalog.BGPOpen, catalog.BGPEndOfRIB, catalog.BGPStateChange:
			// The steps of a session coming back (Idle → Connect →
			// OpenSent → OpenConfirm, OPENs, End-of-RIB) say nothing
			// bgp.established and the session falling do not: counted,
			// even during an incident.
			isRoutine, chatter = true, true
		}
		if e.Anomaly {
			isRoutine = false
		}
		if isRoutine && !chatter {
			own, other := during(e)
			failover := other && (e.Category == catalog.RouteUpdated || e.Category == catalog.BGPUpdateReceived)
			isRoutine = !own && !failover
		}
		if isRoutine {
			routine = append(routine, routineRecord{e.TunnelIP, e.Category, e.TimeMs, vpnlog.IsLiveness(e)})
		} else {
			keep[i] = true
		}
	}
	// Copied once, at their number: records are large, and growing the
	// list by appending held up to twice its size at a week's peak.
	listed = make([]vpnlog.Event, 0, len(evs)-len(routine))
	for i := range evs {
		if keep[i] {
			listed = append(listed, evs[i])
		}
	}
	return listed, routine
}

// routineRecord is what counting a routine record needs of it (records
// are large, and most of a window's are routine).
type routineRecord struct {
	tunnelIP string
	category catalog.Category
	ms       int64
	liveness bool // read as a record, not counted by the source
}

// countRoutine counts routine records by tunnel and category, with the
// liveness exchange the source counted (of tunnelIP, or all tunnels for
// "") among the routine negotiation it is.
func countRoutine(evs []routineRecord, liveness []source.LivenessCount, tunnelIP string, conn *source.Connection) []RoutineCount {
	out := []RoutineCount{}
	type span struct{ first, last int64 }
	spans := []span{}
	at := map[string]int{}
	count := func(ip string, cat catalog.Category, n, live int, firstMs, lastMs int64) {
		k := ip + "|" + string(cat)
		j, ok := at[k]
		if !ok {
			j = len(out)
			at[k] = j
			out = append(out, RoutineCount{Tunnel: ip, TunnelNumber: tunnelNumber(conn, ip), Category: string(cat)})
			spans = append(spans, span{firstMs, lastMs})
		}
		out[j].Count += n
		out[j].Liveness += live
		spans[j].first, spans[j].last = min(spans[j].first, firstMs), max(spans[j].last, lastMs)
	}
	for _, e := range evs {
		live := 0
		if e.liveness {
			live = 1
		}
		count(e.tunnelIP, e.category, 1, live, e.ms, e.ms)
	}
	for _, c := range liveness {
		if tunnelIP == "" || c.Stream.TunnelIP == tunnelIP {
			count(c.Stream.TunnelIP, catalog.IKENegotiation, int(c.Count), int(c.Count), c.FirstMs, c.LastMs)
		}
	}
	for j := range out {
		out[j].First, out[j].Last = correlate.FormatMs(spans[j].first), correlate.FormatMs(spans[j].last)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].TunnelNumber != out[j].TunnelNumber {
			return out[i].TunnelNumber < out[j].TunnelNumber
		}
		return out[i].Category < out[j].Category
	})
	return out
}

// steady reads a rekeying phase as established: a rekey is routine, not a
// change of state worth a line.
func steady(s vpnlog.IKEState) string {
	if s == vpnlog.IKEStateRekeying {
		s = vpnlog.IKEStateEstablished
	}
	return s.String()
}
