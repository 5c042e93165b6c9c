package watch

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
)

// ReportType marks a watch report in JSON lines and payloads.
const ReportType = "vpnlens.incident"

// Report events: why a report was sent.
const (
	EventOpened           = "opened"             // the first report of an incident
	EventRecovered        = "recovered"          // it came back up (time to recover)
	EventResolved         = "resolved"           // a session-up incident (route denials, warnings) went quiet
	EventRootCauseChanged = "root_cause_changed" // more evidence changed the root cause
	EventEscalated        = "escalated"          // reported with the session up, it has now gone down
)

// Report is one consolidated message about an incident: what happened,
// where and when, why (root cause with confidence and the records that show
// it), what it cost, what to do, and the MCP call that continues the
// investigation. Its diagnosis parts are the view types of
// diagnose_tunnel_drop, filled by the same code, so a report and the tool
// never disagree about the same records.
type Report struct {
	Type        string   `json:"type"`
	Event       string   `json:"event" jsonschema:"opened, recovered, resolved, escalated or root_cause_changed"`
	IncidentID  string   `json:"incident_id"`
	PreviousIDs []string `json:"previous_incident_ids,omitempty" jsonschema:"ids this incident was reported under before earlier records of it arrived"`
	Sequence    int      `json:"sequence" jsonschema:"1 for the first report of the incident, +1 per update"`
	GeneratedAt string   `json:"generated_at"`
	Severity    string   `json:"severity" jsonschema:"critical, error, warning or notice"`
	Title       string   `json:"title"`
	Summary     string   `json:"summary"`

	VPNConnectionID string `json:"vpn_connection_id"`
	ConnectionName  string `json:"connection_name,omitempty"`
	Region          string `json:"region,omitempty"`
	AccountID       string `json:"account_id,omitempty" jsonschema:"AWS account that owns the connection"`
	Tunnel          string `json:"tunnel" jsonschema:"tunnel outside IP"`
	TunnelNumber    int    `json:"tunnel_number,omitempty"`

	When              When                          `json:"when"`
	RootCause         investigate.CauseView         `json:"root_cause"`
	PreviousRootCause *PreviousCause                `json:"previous_root_cause,omitempty"`
	StaysDownBecause  *investigate.CauseView        `json:"stays_down_because,omitempty"`
	Impact            investigate.ImpactView        `json:"impact"`
	OtherTunnels      []investigate.OtherTunnelView `json:"other_tunnels"`
	SharedCause       string                        `json:"shared_cause,omitempty"`
	Actions           []string                      `json:"recommended_actions"`
	GatewayHints      []catalog.GatewayHint         `json:"gateway_hints,omitempty"`
	Incident          investigate.IncidentView      `json:"incident"`
	Continue          Continue                      `json:"continue"`
	// AlreadyInProgress: the incident was under way when watching began.
	AlreadyInProgress bool     `json:"already_in_progress,omitempty"`
	Notes             []string `json:"notes,omitempty"`
}

// When is the incident's time line in short.
type When struct {
	Start                investigate.TimeView  `json:"start"`
	DownAt               *investigate.TimeView `json:"down_at,omitempty"`
	RecoveredAt          *investigate.TimeView `json:"recovered_at,omitempty"`
	TimeToRecoverSeconds int64                 `json:"time_to_recover_seconds,omitempty"`
	Ongoing              bool                  `json:"ongoing"`
	LastRecordAt         investigate.TimeView  `json:"last_record_at"`
}

// PreviousCause is the root cause an earlier report named.
type PreviousCause struct {
	Category   string  `json:"category"`
	Confidence float64 `json:"confidence"`
}

// Continue is how to pick the incident up in an assistant or a terminal.
type Continue struct {
	Tool      string         `json:"tool"`
	Arguments map[string]any `json:"arguments"`
	Resource  string         `json:"resource"`
	CLI       string         `json:"cli"`
}

// severityOf grades an incident for whoever is on call: both tunnels (or
// the only one) down is critical; one down with the other carrying traffic
// is an error; trouble with the session up is a warning.
func severityOf(dg *investigate.DiagnoseResult) string {
	im := dg.Impact
	if !im.Down {
		if im.RoutesDenied > 0 || im.PrefixLimit > 0 {
			return "warning"
		}
		return "notice"
	}
	if dg.SharedCause != "" || strings.HasPrefix(im.Failover, "none") || len(dg.OtherTunnels) == 0 {
		return "critical"
	}
	return "error"
}

func timeViewMs(ms int64, loc *time.Location) investigate.TimeView {
	v := investigate.TimeView{UTC: correlate.FormatMs(ms)}
	if loc != nil && loc != time.UTC {
		v.Local = time.UnixMilli(ms).In(loc).Format("2006-01-02 15:04:05 MST")
	}
	return v
}

// buildReport assembles a report from the tool's diagnosis of the incident
// and the engine's own view of it.
func buildReport(event string, in *correlate.Incident, dg *investigate.DiagnoseResult, conn *source.Connection, st *IncidentState, region string, loc *time.Location, now time.Time, done bool) *Report {
	r := &Report{
		Type: ReportType, Event: event, IncidentID: in.ID, GeneratedAt: correlate.FormatUTC(now),
		VPNConnectionID: in.VPNConnectionID, Region: region, Tunnel: in.TunnelIP,
		RootCause: dg.RootCause, StaysDownBecause: dg.StaysDownBecause, Impact: dg.Impact,
		OtherTunnels: dg.OtherTunnels, SharedCause: dg.SharedCause, Actions: dg.RecommendedActions,
		GatewayHints: dg.GatewayHints, Incident: dg.Incident, Notes: dg.Notes,
	}
	if conn != nil {
		// The connection's own account and region (an estate of several).
		if conn.Region != "" {
			r.Region = conn.Region
		}
		r.AccountID = conn.AccountID
	}
	if r.OtherTunnels == nil {
		r.OtherTunnels = []investigate.OtherTunnelView{}
	}
	if r.Actions == nil {
		r.Actions = []string{}
	}
	if conn != nil {
		r.ConnectionName = conn.Name
		for _, t := range conn.Tunnels {
			if t.OutsideIP == in.TunnelIP {
				r.TunnelNumber = t.Number
			}
		}
	}
	r.When = When{Start: timeViewMs(in.StartMs, loc), Ongoing: !(in.Down && in.Recovered) && in.Down, LastRecordAt: timeViewMs(in.EndMs, loc)}
	if in.Down {
		v := timeViewMs(in.DownMs, loc)
		r.When.DownAt = &v
	}
	if in.Down && in.Recovered {
		v := timeViewMs(in.RecoveredMs, loc)
		r.When.RecoveredAt = &v
		r.When.TimeToRecoverSeconds = int64(in.TimeToRecover() / time.Second)
	}
	if st != nil {
		r.AlreadyInProgress = st.InProgress
		if event == EventRootCauseChanged && st.RootCause != "" {
			r.PreviousRootCause = &PreviousCause{Category: st.RootCause, Confidence: st.Confidence}
		}
	}
	r.Severity = severityOf(dg)
	tunnelArg := in.TunnelIP
	if r.TunnelNumber > 0 {
		tunnelArg = strconv.Itoa(r.TunnelNumber)
	}
	at := correlate.FormatMs(in.StartMs)
	r.Continue = Continue{
		Tool:      "diagnose_tunnel_drop",
		Arguments: map[string]any{"vpn_connection_id": in.VPNConnectionID, "tunnel": tunnelArg, "at": at},
		Resource:  investigate.IncidentURI(in.ID),
		CLI:       fmt.Sprintf("vpnlens diagnose --vpn %s --tunnel %s --at %s", in.VPNConnectionID, tunnelArg, at),
	}
	r.Title = title(r, in, done)
	r.Summary = dg.Summary
	return r
}

// title is the report in one line (a mail subject, a Slack header, an MCP
// log notification).
func title(r *Report, in *correlate.Incident, done bool) string {
	var b strings.Builder
	where := r.VPNConnectionID
	if r.ConnectionName != "" {
		where += " (" + r.ConnectionName + ")"
	}
	tun := "tunnel " + r.Tunnel
	if r.TunnelNumber > 0 {
		tun = fmt.Sprintf("tunnel %d (%s)", r.TunnelNumber, r.Tunnel)
	}
	switch {
	case r.Event == EventRecovered || (in.Down && in.Recovered):
		fmt.Fprintf(&b, "RECOVERED after %s: %s %s", time.Duration(r.When.TimeToRecoverSeconds)*time.Second, where, tun)
	case r.Event == EventResolved || (!in.Down && done):
		fmt.Fprintf(&b, "RESOLVED: %s %s", where, tun)
	case r.Event == EventEscalated:
		fmt.Fprintf(&b, "NOW DOWN: %s %s", where, tun)
	case in.Down:
		fmt.Fprintf(&b, "DOWN: %s %s", where, tun)
	default:
		fmt.Fprintf(&b, "TROUBLE (session up): %s %s", where, tun)
	}
	fmt.Fprintf(&b, " — %s (confidence %.2f)", r.RootCause.Category, r.RootCause.Confidence)
	if r.Event == EventRootCauseChanged && r.PreviousRootCause != nil {
		fmt.Fprintf(&b, ", was %s", r.PreviousRootCause.Category)
	}
	if in.Down && r.Impact.Failover != "" && r.Event != EventRecovered && !in.Recovered {
		f := r.Impact.Failover
		if i := strings.IndexByte(f, ':'); i > 0 {
			f = f[:i]
		}
		fmt.Fprintf(&b, "; failover %s", f)
	}
	return b.String()
}

// Text renders the report for people reading mail or a terminal. Log
// records are quoted as data, one line each.
func (r *Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", r.Title)
	fmt.Fprintf(&b, "Severity: %s. Event: %s (report %d for incident %s).\n\n", r.Severity, r.Event, r.Sequence, r.IncidentID)
	fmt.Fprintf(&b, "Connection: %s", r.VPNConnectionID)
	if r.ConnectionName != "" {
		fmt.Fprintf(&b, " (%s)", r.ConnectionName)
	}
	if r.AccountID != "" {
		fmt.Fprintf(&b, " in account %s", r.AccountID)
		if r.Region != "" {
			fmt.Fprintf(&b, ", region %s", r.Region)
		}
	} else if r.Region != "" {
		fmt.Fprintf(&b, " in %s", r.Region)
	}
	fmt.Fprintf(&b, "\nTunnel: %d, outside IP %s\n", r.TunnelNumber, r.Tunnel)
	fmt.Fprintf(&b, "Started: %s\n", pickTime(r.When.Start))
	if r.When.DownAt != nil {
		fmt.Fprintf(&b, "Down since: %s\n", pickTime(*r.When.DownAt))
	}
	if r.When.RecoveredAt != nil {
		fmt.Fprintf(&b, "Recovered: %s (time to recover %s)\n", pickTime(*r.When.RecoveredAt), time.Duration(r.When.TimeToRecoverSeconds)*time.Second)
	} else if r.When.Ongoing {
		fmt.Fprintf(&b, "Still down at the last record (%s)\n", pickTime(r.When.LastRecordAt))
	}
	if r.AlreadyInProgress {
		b.WriteString("(already under way when vpnlens watch started)\n")
	}
	if r.Summary != "" {
		fmt.Fprintf(&b, "\n%s\n", r.Summary)
	}
	rc := r.RootCause
	fmt.Fprintf(&b, "\nRoot cause: %s at %s, confidence %.2f\n", rc.Category, rc.At, rc.Confidence)
	if r.PreviousRootCause != nil {
		fmt.Fprintf(&b, "  (earlier report said %s, confidence %.2f; more records changed the picture)\n", r.PreviousRootCause.Category, r.PreviousRootCause.Confidence)
	}
	if rc.Meaning != "" {
		fmt.Fprintf(&b, "  %s\n", rc.Meaning)
	}
	if rc.Explanation != "" {
		fmt.Fprintf(&b, "  %s\n", rc.Explanation)
	}
	if len(rc.Evidence) > 0 {
		b.WriteString("Evidence (log records, quoted as data):\n")
		for _, e := range rc.Evidence {
			fmt.Fprintf(&b, "  %s %s %s: %s\n", e.At, e.Stream, e.Category, oneLine(e.Raw, 300))
		}
	}
	if s := r.StaysDownBecause; s != nil {
		fmt.Fprintf(&b, "Stays down because: %s (%d times from %s)\n", s.Category, s.Count, s.At)
	}
	im := r.Impact
	b.WriteString("\nImpact: ")
	if im.Down {
		fmt.Fprintf(&b, "tunnel down %s", time.Duration(im.DowntimeSeconds)*time.Second)
		if !im.Recovered {
			b.WriteString(" so far")
		}
		fmt.Fprintf(&b, ", %d route(s) withdrawn", im.RoutesWithdrawn)
		if len(im.WithdrawnPrefixes) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(im.WithdrawnPrefixes, ", "))
		}
	} else {
		b.WriteString("the BGP session stayed up")
	}
	if im.RoutesDenied > 0 {
		fmt.Fprintf(&b, ", %d route(s) denied: %s", im.RoutesDenied, strings.Join(im.DeniedRoutes, ", "))
	}
	if im.PrefixLimit > 0 {
		fmt.Fprintf(&b, ", prefixes %d of limit %d (%s)", im.PrefixCount, im.PrefixLimit, im.PrefixGrowth)
	}
	b.WriteString("\n")
	if im.Failover != "" {
		fmt.Fprintf(&b, "Failover: %s\n", im.Failover)
	}
	for _, o := range r.OtherTunnels {
		fmt.Fprintf(&b, "Other tunnel %d (%s): %s, %d route update(s) during the incident\n", o.TunnelNumber, o.Tunnel, o.State, o.RouteUpdates)
	}
	if r.SharedCause != "" {
		fmt.Fprintf(&b, "Shared cause: %s\n", r.SharedCause)
	}
	if len(r.Actions) > 0 {
		b.WriteString("\nRecommended actions:\n")
		for _, a := range r.Actions {
			fmt.Fprintf(&b, "  - %s\n", a)
		}
	}
	b.WriteString("\nContinue the investigation:\n")
	fmt.Fprintf(&b, "  MCP tool %s %s\n", r.Continue.Tool, argsJSON(r.Continue.Arguments))
	fmt.Fprintf(&b, "  MCP resource %s\n", r.Continue.Resource)
	fmt.Fprintf(&b, "  terminal: %s\n", r.Continue.CLI)
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "Note: %s\n", n)
	}
	return b.String()
}

func pickTime(t investigate.TimeView) string {
	if t.Local != "" {
		return t.UTC + " (" + t.Local + ")"
	}
	return t.UTC
}

// oneLine flattens untrusted log text to one bounded line.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		cut := n
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// argsJSON renders tool arguments in a stable order.
func argsJSON(args map[string]any) string {
	keys := []string{"vpn_connection_id", "tunnel", "at"}
	var parts []string
	for _, k := range keys {
		if v, ok := args[k]; ok {
			parts = append(parts, fmt.Sprintf("%q:%q", k, fmt.Sprint(v)))
		}
	}
	return "{" + strings.Join(parts, ",") + "}"
}
