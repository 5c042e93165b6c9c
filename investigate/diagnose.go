package investigate

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// DiagnoseResult is the answer of diagnose_tunnel_drop.
type DiagnoseResult struct {
	VPNConnectionID string `json:"vpn_connection_id"`
	Place
	AskedAt            TimeView              `json:"asked_at"`
	Summary            string                `json:"summary"`
	RootCause          CauseView             `json:"root_cause"`
	StaysDownBecause   *CauseView            `json:"stays_down_because,omitempty" jsonschema:"the repeated failure that keeps the tunnel from coming back"`
	Incident           IncidentView          `json:"incident"`
	Alternatives       []AlternativeView     `json:"alternatives"`
	Impact             ImpactView            `json:"impact"`
	Traffic            *TrafficView          `json:"traffic,omitempty" jsonschema:"where the traffic went during the outage, from the tunnels' TunnelDataIn/Out metrics (absent without metrics)"`
	OtherTunnels       []OtherTunnelView     `json:"other_tunnels"`
	SharedCause        string                `json:"shared_cause,omitempty"`
	RecommendedActions []string              `json:"recommended_actions" jsonschema:"what to check or change, each starting with the cause it addresses: \"For <category> (root cause): …\" or \"For <category> (keeps it down): …\""`
	GatewayHints       []catalog.GatewayHint `json:"gateway_hints,omitempty" jsonschema:"commands per customer gateway platform, for_cause naming the cause each one addresses"`
	NextSteps          []string              `json:"next_steps"`
	Notes              []string              `json:"notes,omitempty"`
	Timezone           string                `json:"timezone,omitempty" jsonschema:"IANA time zone of the *_local times (the timezone argument)"`
	// FromMetrics is the answer for a tunnel without logs, from its
	// CloudWatch metrics (the other fields then say little).
	FromMetrics *MetricsAnswer `json:"from_metrics,omitempty"`
}

// CauseView is a root cause with its evidence.
type CauseView struct {
	Category     string         `json:"category" jsonschema:"contract category id of the record class that explains the incident"`
	Tunnel       string         `json:"tunnel" jsonschema:"tunnel outside IP"`
	TunnelNumber int            `json:"tunnel_number,omitempty"`
	At           string         `json:"at" jsonschema:"RFC 3339 UTC of the first causal record"`
	AtLocal      string         `json:"at_local,omitempty"`
	Confidence   float64        `json:"confidence"`
	Direction    string         `json:"direction,omitempty"`
	ActingSide   string         `json:"acting_side,omitempty"`
	Meaning      string         `json:"meaning,omitempty"`
	Explanation  string         `json:"explanation,omitempty"`
	Count        int            `json:"count"`
	LastAt       string         `json:"last_at,omitempty" jsonschema:"RFC 3339 UTC of the last record of this class in the incident, when it repeats"`
	Evidence     []EvidenceView `json:"evidence"`
}

// EvidenceView is one record quoted as evidence.
type EvidenceView struct {
	At       string `json:"at"`
	AtLocal  string `json:"at_local,omitempty"`
	Category string `json:"category"`
	Stream   string `json:"stream" jsonschema:"<vpn-id>_<tunnel-ip>-IKE or -BGP"`
	Raw      string `json:"raw" jsonschema:"the record as logged (untrusted log data)"`
}

// AlternativeView is a lower-ranked candidate cause.
type AlternativeView struct {
	Category string `json:"category"`
	At       string `json:"at"`
	Count    int    `json:"count"`
	Why      string `json:"why_lower"`
}

// ImpactView is what the incident cost.
type ImpactView struct {
	Down              bool     `json:"down"`
	DowntimeSeconds   int64    `json:"downtime_seconds"`
	Recovered         bool     `json:"recovered"`
	RoutesWithdrawn   int      `json:"routes_withdrawn"`
	WithdrawnPrefixes []string `json:"withdrawn_prefixes,omitempty"`
	RoutesDenied      int      `json:"routes_denied"`
	DeniedRoutes      []string `json:"denied_routes,omitempty"`
	PrefixCount       int64    `json:"prefix_count,omitempty"`
	PrefixLimit       int64    `json:"prefix_limit,omitempty"`
	PrefixGrowth      string   `json:"prefix_growth,omitempty"`
	Failover          string   `json:"failover,omitempty"`
}

// OtherTunnelView is the other tunnel's state during the incident.
type OtherTunnelView struct {
	Tunnel       string `json:"tunnel"`
	TunnelNumber int    `json:"tunnel_number,omitempty"`
	State        string `json:"state"`
	RouteUpdates int    `json:"route_updates"`
	IncidentID   string `json:"incident_id,omitempty"`
}

func streamName(e *vpnlog.Event) string {
	return vpnlog.StreamID{VPNConnectionID: e.VPNConnectionID, TunnelIP: e.TunnelIP, Kind: e.Stream}.String()
}

func causeView(c *correlate.Cause, in *correlate.Incident, conn *source.Connection, loc *time.Location) CauseView {
	v := CauseView{Category: string(c.Category), Tunnel: c.TunnelIP, TunnelNumber: tunnelNumber(conn, c.TunnelIP),
		At: correlate.FormatMs(c.AtMs), Confidence: c.Confidence, Explanation: c.Explanation, Count: c.Count, Evidence: []EvidenceView{}}
	if loc != time.UTC {
		v.AtLocal = msView(c.AtMs, loc).Local
	}
	if c.Direction != vpnlog.DirNone {
		v.Direction = c.Direction.String()
	}
	if e, ok := catalog.Lookup(c.Category); ok {
		v.Meaning, v.ActingSide = e.Meaning, e.ActingSide
	}
	if c.Count > 1 && in != nil {
		for i := len(in.Events) - 1; i >= 0; i-- {
			if e := &in.Events[i]; e.Category == c.Category && e.TunnelIP == c.TunnelIP {
				if e.TimeMs > c.AtMs {
					v.LastAt = correlate.FormatMs(e.TimeMs)
				}
				break
			}
		}
	}
	for i := range c.Evidence {
		e := &c.Evidence[i]
		ev := EvidenceView{At: correlate.FormatMs(e.TimeMs), Category: string(e.Category), Stream: streamName(e), Raw: e.Raw}
		if loc != time.UTC {
			ev.AtLocal = msView(e.TimeMs, loc).Local
		}
		v.Evidence = append(v.Evidence, ev)
	}
	return v
}

// Roles of the causes a diagnosis gives advice for.
const (
	roleRoot      = "root cause"
	roleStaysDown = "keeps it down"
)

// adviceLabel starts every recommended action for a cause.
func adviceLabel(category, role string) string {
	return "For " + category + " (" + role + "): "
}

// addAdvice appends the advice for one cause, fitted to the tunnel's
// options and the cause's own record (who sent a notification, which IKE
// phase failed, and for a proposal mismatch what AWS last negotiated, when
// neg knows), each action labelled with the cause and each hint marked for
// it; advice already given for the other cause is not repeated.
func (r *DiagnoseResult) addAdvice(c *correlate.Cause, role string, conn *source.Connection, neg negotiatedLookup) {
	ctx := correlate.AdviceContext{OutsideIP: c.TunnelIP}
	for i := range c.Evidence {
		if c.Evidence[i].Category == c.Category {
			ctx.Record = &c.Evidence[i]
			break
		}
	}
	if ctx.Record != nil && ctx.Record.Direction == vpnlog.DirNone && c.Direction != vpnlog.DirNone {
		rec := *ctx.Record
		rec.Direction = c.Direction
		ctx.Record = &rec
	}
	for i := range conn.Tunnels {
		if t := &conn.Tunnels[i]; t.OutsideIP == c.TunnelIP {
			ctx.InsideCIDR, ctx.Tunnel = t.InsideCIDR, tunnelPolicy(&t.Options)
			if c.Category == catalog.IKEProposalMismatch && neg != nil {
				ctx.Tunnel.LastNegotiated = neg(c.TunnelIP)
			}
		}
	}
	adv, ok := correlate.Advise(c.Category, ctx)
	if !ok {
		return
	}
	label := adviceLabel(string(c.Category), role)
	have := map[string]bool{}
	for _, a := range r.RecommendedActions {
		if i := strings.Index(a, "): "); i >= 0 {
			have[a[i+3:]] = true
		}
	}
	for _, a := range adv.Checks {
		if !have[a] {
			have[a] = true
			r.RecommendedActions = append(r.RecommendedActions, label+a)
		}
	}
	for _, h := range adv.GatewayHints {
		if slices.ContainsFunc(r.GatewayHints, func(g catalog.GatewayHint) bool { return g.Vendor == h.Vendor && g.Hint == h.Hint }) {
			continue
		}
		h.ForCause = string(c.Category)
		r.GatewayHints = append(r.GatewayHints, h)
	}
}

// tunnelPolicy is what the catalogue's advice needs of a tunnel's options.
// The inventory does not say how the customer gateway authenticates; AWS
// tunnels use pre-shared keys unless the customer gateway was created with
// a certificate, so certificate-only advice is left out.
func tunnelPolicy(o *source.TunnelOptions) *catalog.TunnelPolicy {
	return &catalog.TunnelPolicy{
		IKEVersions: o.IKEVersions, Phase1Encryption: o.Phase1Encryption, Phase1Integrity: o.Phase1Integrity,
		Phase1DHGroups: o.Phase1DHGroups, Phase1LifetimeSec: o.Phase1LifetimeSec,
		Phase2Encryption: o.Phase2Encryption, Phase2Integrity: o.Phase2Integrity,
		Phase2DHGroups: o.Phase2DHGroups, Phase2LifetimeSec: o.Phase2LifetimeSec,
		DPDTimeoutAction: o.DPDTimeoutAction, StartupAction: o.StartupAction,
	}
}

// DiagnoseQuestion is "why did this tunnel drop at this time?" with every
// part resolved: the connection, the tunnel (nil: the incident nearest At on
// either tunnel), the time and the zone answers are given in.
type DiagnoseQuestion struct {
	Conn   *source.Connection
	Tunnel *source.Tunnel
	At     time.Time
	Loc    *time.Location
	// Lookback is how far before At the incident may have started
	// (DefaultLookback when zero).
	Lookback time.Duration
}

// DefaultLookback is how far before the time asked about a diagnosis looks
// for the incident's start when the question does not say.
const DefaultLookback = time.Hour

// Diagnose finds the incident the question is about and explains it.
func (svc *Service) Diagnose(ctx context.Context, q DiagnoseQuestion) (DiagnoseResult, error) {
	var res DiagnoseResult
	conn, tun, at, loc := q.Conn, q.Tunnel, q.At, q.Loc
	if loc == nil {
		loc = time.UTC
	}
	first, last, _, err := svc.extents(ctx, conn.ID)
	if err != nil {
		return res, err
	}
	if tun != nil && !tun.Logging.IKEEnabled && !tun.Logging.BGPEnabled {
		if mres, ok, err := svc.diagnoseFromMetrics(ctx, conn, tun, at, q.Lookback, loc); err != nil || ok {
			return mres, err
		}
		return res, userErrorf("logging is disabled on tunnel %d (%s) of %s, so there is nothing to diagnose; %s", tun.Number, tun.OutsideIP, conn.ID, enableLoggingHint(conn.ID, tun.OutsideIP))
	}
	lookback := q.Lookback
	if lookback <= 0 {
		lookback = DefaultLookback
	}
	ip := ""
	if tun != nil {
		ip = tun.OutsideIP
	}
	// Read well past `at`: recovery (or the retry loop that prevents it) is
	// part of the answer. An incident still open where the read ends, with
	// logs beyond it, is read further, the span doubling each time: a loop
	// that kept the tunnel down overnight is one incident, and when it
	// ended belongs in the answer.
	start, follow := at.Add(-lookback-QuietLead), FollowFirst
	an, err := svc.analyze(ctx, conn, start, at.Add(follow), livenessCounted)
	if err != nil {
		return res, err
	}
	in := correlate.IncidentAt(an.incidents, ip, at, lookback)
	if in == nil {
		return res, svc.noIncident(ctx, conn, tun, at, loc, lookback, an, lateNote(at, an.newest(last), loc))
	}
	// The question may come long after the drop ("why is it still
	// down?"): an incident that starts right where the read starts may have
	// begun earlier, so read further back, the span doubling each time,
	// until the incident begins well inside the read or the logs begin.
	for back := at.Sub(start); in.StartMs-start.UnixMilli() < QuietLead.Milliseconds() && start.After(first) && back < FollowMax; {
		back = min(2*back, FollowMax)
		start = at.Add(-back)
		earlier, err := svc.analyze(ctx, conn, start, at.Add(follow), livenessCounted)
		if err != nil {
			return res, err
		}
		same := correlate.IncidentAt(earlier.incidents, ip, time.UnixMilli(in.StartMs), lookback)
		if same == nil || same.StartMs > in.StartMs {
			break // cannot happen with more records; keep the first answer
		}
		an, in = earlier, same
	}
	for in.Open && follow < FollowMax && at.Add(follow).Before(last) {
		follow = min(2*follow, FollowMax)
		wider, err := svc.analyze(ctx, conn, start, at.Add(follow), livenessCounted)
		if err != nil {
			return res, err
		}
		same := correlate.IncidentAt(wider.incidents, ip, at, lookback)
		if same == nil || same.ID != in.ID {
			break // cannot happen with the same records; keep the first answer
		}
		an, in = wider, same
	}
	var negNotes []string
	res = explain(an, in, conn, at, loc, svc.lastNegotiated(ctx, conn, &negNotes))
	res.Notes = append(res.Notes, negNotes...)
	down := DropTime(in)
	facts := svc.AWSCauses().Read(ctx, DiagnosisQuery(conn, in.TunnelIP, down), svc.now())
	res.RankAWSCauses(&facts, down, in.TunnelIP, loc)
	svc.addTraffic(ctx, &res, conn, in, an.newest(last))
	if n := lateNote(at, an.newest(last), loc); n != "" {
		res.Notes = append(res.Notes, n)
	}
	if in.Open && at.Add(follow).Before(last) {
		res.Notes = append(res.Notes, fmt.Sprintf("the incident was still open %s after the time asked about, where this diagnosis stopped reading; logs go on to %s: call get_vpn_timeline from %s to see how it ended",
			follow, correlate.FormatUTC(last), correlate.FormatUTC(at.Add(follow))))
	}
	return res, nil
}

// explain is the answer about one incident of an analysis: its root cause
// and what keeps the tunnel down, alternatives, impact and failover,
// advice and next steps. at is the time the question asked about; neg
// (may be nil) tells proposal-mismatch advice what AWS last negotiated.
func explain(an *analysis, in *correlate.Incident, conn *source.Connection, at time.Time, loc *time.Location, neg negotiatedLookup) DiagnoseResult {
	dg := an.diagnose(in)
	res := DiagnoseResult{
		VPNConnectionID: conn.ID, Place: PlaceOf(conn), AskedAt: timeView(at, loc), Summary: dg.Summary,
		RootCause: causeView(&dg.RootCause, in, conn, loc), Incident: incidentView(in, conn, loc),
		Alternatives: []AlternativeView{}, OtherTunnels: []OtherTunnelView{}, RecommendedActions: []string{}, NextSteps: []string{},
		SharedCause: dg.SharedCause, Notes: append([]string(nil), an.res.Notes...),
	}
	if loc != time.UTC {
		res.Timezone = loc.String()
	}
	res.Incident.RootCause = string(dg.RootCause.Category)
	if dg.StaysDownBecause != nil {
		v := causeView(dg.StaysDownBecause, in, conn, loc)
		res.StaysDownBecause = &v
	}
	for _, alt := range dg.Alternatives {
		res.Alternatives = append(res.Alternatives, AlternativeView{Category: string(alt.Category), At: correlate.FormatMs(alt.AtMs), Count: alt.Count, Why: alt.Why})
	}
	im := dg.Impact
	res.Impact = ImpactView{Down: im.Down, DowntimeSeconds: im.DowntimeMs / 1000, Recovered: im.Recovered,
		RoutesWithdrawn: im.RoutesWithdrawn, WithdrawnPrefixes: im.Withdrawn, RoutesDenied: im.RoutesDenied, DeniedRoutes: im.Denied,
		PrefixCount: im.PrefixCount, PrefixLimit: im.PrefixLimit, PrefixGrowth: im.PrefixGrowth}
	for _, ot := range dg.OtherTunnels {
		res.OtherTunnels = append(res.OtherTunnels, OtherTunnelView{Tunnel: ot.TunnelIP, TunnelNumber: tunnelNumber(conn, ot.TunnelIP), State: ot.State, RouteUpdates: ot.RouteUpdates, IncidentID: ot.IncidentID})
		if in.Down {
			switch {
			case ot.State == "down":
				res.Impact.Failover = fmt.Sprintf("none: tunnel %d (%s) was down too", tunnelNumber(conn, ot.TunnelIP), ot.TunnelIP)
			case ot.RouteUpdates > 0:
				res.Impact.Failover = fmt.Sprintf("worked: tunnel %d (%s) stayed up and kept exchanging routes (%d route updates)", tunnelNumber(conn, ot.TunnelIP), ot.TunnelIP, ot.RouteUpdates)
			case ot.State != "up":
				// Nothing logged on the other tunnel while this one was
				// down: no evidence either way.
				res.Impact.Failover = fmt.Sprintf("unknown: tunnel %d (%s) logged nothing during the incident; list_vpn_connections shows its current telemetry status", tunnelNumber(conn, ot.TunnelIP), ot.TunnelIP)
			default:
				res.Impact.Failover = fmt.Sprintf("likely: tunnel %d (%s) stayed up", tunnelNumber(conn, ot.TunnelIP), ot.TunnelIP)
			}
		}
	}
	res.addAdvice(&dg.RootCause, roleRoot, conn, neg)
	if s := dg.StaysDownBecause; s != nil && s.Category != dg.RootCause.Category {
		res.addAdvice(s, roleStaysDown, conn, neg)
	}
	res.NextSteps = nextSteps(conn, in, &dg, loc)
	return res
}

// QuietLead widens a diagnosis read before the lookback, so an incident that
// began just before the window is seen from its first record.
const QuietLead = 30 * time.Minute

// FollowFirst is how far past `at` a diagnosis reads first; FollowMax is
// how far it follows an incident that is still open (a week: a tunnel down
// since Friday is one incident on Monday).
const (
	FollowFirst = 6 * time.Hour
	FollowMax   = 7 * 24 * time.Hour
)

func nextSteps(conn *source.Connection, in *correlate.Incident, dg *correlate.Diagnosis, loc *time.Location) []string {
	start := time.UnixMilli(in.StartMs).Add(-10 * time.Minute).UTC().Format(time.RFC3339)
	end := time.UnixMilli(in.EndMs).Add(10 * time.Minute).UTC().Format(time.RFC3339)
	steps := []string{
		fmt.Sprintf("get_vpn_timeline {\"vpn_connection_id\":%q,\"start\":%q,\"end\":%q} to walk through the incident record by record", conn.ID, start, end),
	}
	switch dg.RootCause.Category {
	case catalog.IKEProposalMismatch, catalog.IKEDPDTimeout, catalog.IKEPhase2Failed, catalog.IKETSUnacceptable, catalog.IKERekeyCollision:
		steps = append(steps, fmt.Sprintf("get_tunnel_options {\"vpn_connection_id\":%q,\"tunnel\":%q} to compare AWS's proposals and timers with the gateway's", conn.ID, in.TunnelIP))
	}
	switch {
	case dg.StaysDownBecause != nil:
		steps = append(steps, fmt.Sprintf("Ask the user whether the customer gateway's configuration was changed around %s (the retry loop of %s started then).", correlate.FormatMs(dg.StaysDownBecause.AtMs), dg.StaysDownBecause.Category))
	case dg.SharedCause != "":
		if strings.Contains(dg.SharedCause, "BGP process") {
			steps = append(steps, "Ask the user what happened on the customer gateway's BGP process at that time (CPU, a restart or crash, a routing-policy or configuration push): both sessions fell together while IPsec stayed up.")
		} else {
			steps = append(steps, "Ask the user about the customer gateway's internet uplink and any maintenance at that time: both tunnels failed together.")
		}
	case strings.HasPrefix(string(dg.RootCause.Category), "bgp.cease.") && dg.RootCause.Direction == vpnlog.DirReceived:
		steps = append(steps, "Ask the user what the customer gateway's BGP log says about this session at that time: it closed the session.")
	}
	steps = append(steps, fmt.Sprintf("summarize_vpn_health {\"vpn_connection_id\":%q} to see whether this is a one-off or a pattern", conn.ID))
	return steps
}

// newest is the newest record known: last (the connection's newest record
// as its extents tell, which with CloudWatch may trail the real one), or
// the newest record the analysis read, when that is later.
func (a *analysis) newest(last time.Time) time.Time {
	if n := len(a.all); n > 0 {
		if t := time.UnixMilli(a.all[n-1].TimeMs); t.After(last) {
			last = t
		}
	}
	if n, _, lastMs := a.livenessOf(""); n > 0 {
		if t := time.UnixMilli(lastMs); t.After(last) {
			last = t
		}
	}
	return last
}

// lateNote says that the time asked about is later than the newest record
// of the connection ("" when it is not): the records of the last minutes
// may not be delivered yet, or the logs may have ended.
func lateNote(at, last time.Time, loc *time.Location) string {
	if last.IsZero() || !at.After(last) {
		return ""
	}
	asked, newest := timeView(at, loc).pick(), timeView(last, loc).pick()
	if gap := at.Sub(last); gap > extentLag {
		return fmt.Sprintf("you asked about %s but the newest record is %s, %s earlier: more than CloudWatch's delivery delay (tunnel logs arrive in batches, minutes late), so the logs likely end there (an export, or logging switched off: list_vpn_connections shows the tunnels' logging)",
			asked, newest, SpanText(gap))
	}
	return fmt.Sprintf("you asked about %s but the newest record is %s: CloudWatch delivers tunnel logs in batches, minutes late, so the last minutes may not be in yet", asked, newest)
}

// noIncident explains an empty answer: where the anomalies and logs are.
// late is lateNote's remark on the time asked ("" when none).
func (svc *Service) noIncident(ctx context.Context, conn *source.Connection, tun *source.Tunnel, at time.Time, loc *time.Location, lookback time.Duration, an *analysis, late string) error {
	where := "either tunnel"
	if tun != nil {
		where = fmt.Sprintf("tunnel %d (%s)", tun.Number, tun.OutsideIP)
	}
	// The read's window may cut an incident (a read that starts inside an
	// outage sees it begin with its first record in the window, labelled
	// with that record's class): follow the incidents at its edges, so each
	// is named by its real start and root cause, the time to pass as `at`.
	if err := svc.settle(ctx, an); err != nil {
		return err
	}
	var near []string
	seen := map[string]bool{}
	for i := range an.incidents {
		in := &an.incidents[i]
		if len(near) == 6 {
			break
		}
		if seen[in.ID] {
			continue
		}
		seen[in.ID] = true
		// Labelled with the root cause a diagnosis of it names, so the
		// list agrees with the answer the suggested call will give.
		near = append(near, fmt.Sprintf("tunnel %d at %s (%s)", tunnelNumber(conn, in.TunnelIP), msView(in.StartMs, loc).pick(), an.diagnose(in).RootCause.Category))
	}
	msg := fmt.Sprintf("no incident on %s of %s between %s and %s", where, conn.ID, timeView(at.Add(-lookback), loc).pick(), timeView(at.Add(lookback/2), loc).pick())
	if late != "" {
		msg += "; " + late
	}
	if len(near) > 0 {
		msg += "; incidents in the surrounding hours: " + strings.Join(near, "; ") + " — pass one of those times as `at`"
	} else {
		msg += "; " + svc.dataRangeHint(ctx, conn) + " — pass a time inside that range, or widen window_minutes"
	}
	return &UserError{Msg: msg}
}

func (t TimeView) pick() string {
	if t.Local != "" {
		return t.Local
	}
	return t.UTC
}
