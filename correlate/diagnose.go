package correlate

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// Cause is a diagnosed cause: the record class that explains the incident,
// where and when it first appeared, and the records that show it.
type Cause struct {
	Category    catalog.Category
	TunnelIP    string
	AtMs        int64
	Confidence  float64
	Direction   vpnlog.Direction
	Explanation string
	Evidence    []vpnlog.Event
	Count       int // records of this class in the incident
}

// Alternative is a candidate cause that ranks lower, with the reason.
type Alternative struct {
	Category catalog.Category
	AtMs     int64
	Count    int
	Why      string
}

// TunnelState tells what another tunnel of the connection did during an incident.
type TunnelState struct {
	TunnelIP     string
	State        string // "up", "down", "no data"
	RouteUpdates int    // route records it logged during the incident (failover carrying traffic)
	IncidentID   string // its own overlapping incident, if any
	DownMs       int64
	RootCategory catalog.Category
}

// Impact is what the incident cost.
type Impact struct {
	Down            bool
	DownMs          int64
	DowntimeMs      int64 // until recovery, or until the end of the data
	Recovered       bool
	RoutesWithdrawn int      // distinct prefixes withdrawn (not counting denied ones the gateway took back)
	Withdrawn       []string // prefixes, first few
	RoutesDenied    int      // distinct routes (prefix and AS path) denied
	Denied          []string // "prefix (as-path)"
	DenialRecords   int      // denial records: the same route is denied again at every update
	PrefixCount     int64    // prefix-limit: the highest count seen
	PrefixLimit     int64
	PrefixGrowth    string // e.g. "82 → 104 in 9m40s"
}

// Diagnosis is the answer to "why did this tunnel drop".
type Diagnosis struct {
	Incident         *Incident
	RootCause        Cause
	StaysDownBecause *Cause
	Alternatives     []Alternative
	Impact           Impact
	OtherTunnels     []TunnelState
	SharedCause      string // set when every tunnel went down together
	Summary          string
}

func layerDepth(c catalog.Category) int {
	switch {
	case strings.HasPrefix(string(c), "ike."):
		return 3
	case strings.HasPrefix(string(c), "bgp."):
		return 2
	case strings.HasPrefix(string(c), "route."):
		return 1
	}
	return 0
}

// ikeFailure lists IKE classes that tear a tunnel down or keep it down.
func ikeFailure(c catalog.Category) bool {
	switch c {
	case catalog.IKEDPDTimeout, catalog.IKECGWDeleteIKESA, catalog.IKECGWDeleteChildSA, catalog.IKEPSKMismatch, catalog.IKEAuthFailed,
		catalog.IKEProposalMismatch, catalog.IKETSUnacceptable, catalog.IKEPhase2Failed, catalog.IKEPhase1Timeout:
		return true
	}
	return false
}

// bgpSpecificity ranks BGP failure classes: a specific reason beats the bare
// state change it causes.
func bgpSpecificity(c catalog.Category) int {
	switch c {
	case catalog.BGPPrefixLimitExceed, catalog.BGPBadOpenASN, catalog.BGPHoldTimerExpired,
		catalog.BGPCeaseMaxPrefixes, catalog.BGPCeaseAdminShut, catalog.BGPCeasePeerDeconf, catalog.BGPCeaseAdminReset,
		catalog.BGPCeaseConnRejected, catalog.BGPCeaseConfigChange, catalog.BGPCeaseCollision, catalog.BGPCeaseOther:
		return 2
	case catalog.BGPConnectActive:
		return 1
	case catalog.BGPStateChange:
		return 0
	}
	return -1
}

func routeDenied(c catalog.Category) bool {
	return c == catalog.RouteDeniedASLoop || c == catalog.RouteDeniedNextHop || c == catalog.RouteDeniedOther
}

// crossLayerSlackMs bounds how far from the root record evidence is quoted,
// and how late after the BGP session fell a negotiation failure or a bare
// phase-down record may be logged and still count as its cause: the BGP
// hold timer (30 s on AWS) and IKE's timers run out in either order.
const crossLayerSlackMs = 90 * 1000

// ikeLagMs is how long after the tunnel stopped carrying traffic an IKE
// failure of class c can be logged, so how late after the BGP session fell
// it may be and still explain it:
//   - a DELETE from the gateway acts when it is sent: only the IKE log's
//     whole-second precision and some clock skew between the two logs;
//   - timeouts (DPD, a half-open phase 1) are logged when a timer runs out
//     that the tunnel options set (DpdTimeoutSeconds: 30 by default, may be
//     configured higher), counted from the last answer: minutes;
//   - negotiation failures and phase-down records: crossLayerSlackMs.
func ikeLagMs(c catalog.Category) int64 {
	switch c {
	case catalog.IKECGWDeleteIKESA, catalog.IKECGWDeleteChildSA:
		return 2 * 1000
	case catalog.IKEDPDTimeout, catalog.IKEPhase1Timeout:
		return 180 * 1000
	}
	return crossLayerSlackMs
}

// ikeTimerFailure: failures detected by a timer running out, whose record
// comes late by nature; the phase states logged while the timer ran still
// read "established", so they are no evidence the tunnel was up.
func ikeTimerFailure(c catalog.Category) bool {
	return c == catalog.IKEDPDTimeout || c == catalog.IKEPhase1Timeout
}

// ikeStateUp reports an IKE record whose phase states say the tunnel carries
// traffic.
func ikeStateUp(e *vpnlog.Event) bool {
	return e.Stream == vpnlog.StreamIKE && (e.Phase1State == vpnlog.IKEStateEstablished || e.Phase1State == vpnlog.IKEStateRekeying) &&
		(e.Phase2State == vpnlog.IKEStateEstablished || e.Phase2State == vpnlog.IKEStateRekeying)
}

// ikePhaseDown is a tunnel status record that reports a phase down.
func ikePhaseDown(e *vpnlog.Event) bool {
	return e.Category == catalog.IKEStateReport && (e.Phase1State == vpnlog.IKEStateDown || e.Phase2State == vpnlog.IKEStateDown)
}

// routineUp: a record that is not an IKE failure and says both phases are
// up (failure records may carry "established" while an old SA lives on).
func routineUp(e *vpnlog.Event) bool { return e != nil && !ikeFailure(e.Category) && ikeStateUp(e) }

// ikeWasUpBefore: the tunnel's last IKE record with phase states before e
// said it was up, so e is the moment it went down (not a snapshot of a
// tunnel that had never come up).
func ikeWasUpBefore(ix *timelineIndex, e *vpnlog.Event) bool {
	last := ix.lastIKEState(e.VPNConnectionID, e.TunnelIP, e.TimeMs, true)
	return last != nil && ikeStateUp(last)
}

// ikeHealedBefore: between an IKE failure and ms the tunnel's IKE recovered:
// its last IKE record at or before ms came after the failure and is a
// routine one saying both phases are up. An IKE failure that healed does
// not explain a BGP loss that came later.
func ikeHealedBefore(ix *timelineIndex, ike *vpnlog.Event, ms int64) bool {
	last := ix.lastIKEState(ike.VPNConnectionID, ike.TunnelIP, ms, false)
	return routineUp(last) && last.TimeMs >= ike.TimeMs && !(last.TimeMs == ike.TimeMs && last.Raw == ike.Raw)
}

// ikeUpAt: the tunnel's last IKE record with phase states at or before ms
// is a routine one saying both phases are up.
func ikeUpAt(ix *timelineIndex, vpn, ip string, ms int64) bool {
	return routineUp(ix.lastIKEState(vpn, ip, ms, false))
}

// tookDown says how an IKE failure brought the tunnel down: at once, or
// (a failed rekey) by leaving the SA in use to expire, the tunnel going
// down only then.
func tookDown(in *Incident, ike *vpnlog.Event) string {
	if in.Down && in.DownMs > ike.TimeMs+2000 {
		return fmt.Sprintf("began the failure: the SA in use carried traffic until it ran out and the tunnel went down at %s", FormatMs(in.DownMs))
	}
	return "took the IPsec tunnel down"
}

// ikeExplainsBGP reports whether an IKE-layer failure explains the BGP
// session falling at bgp: it came first and the tunnel did not recover in
// between, or it came later but within what its detection can lag behind
// the tunnel's actual loss (ikeLagMs) with nothing showing the tunnel up in
// between.
func ikeExplainsBGP(ix *timelineIndex, ike, bgp *vpnlog.Event, opts DiagnoseOptions) bool {
	lag := ike.TimeMs - bgp.TimeMs
	if lag <= 0 {
		return !ikeHealedBefore(ix, ike, bgp.TimeMs)
	}
	if lag <= 2000 { // the IKE log often has whole seconds only
		return true
	}
	limit := ikeLagMs(ike.Category)
	if d := opts.DPDTimeout[ike.TunnelIP]; d > 0 && ike.Category == catalog.IKEDPDTimeout {
		// The tunnel's own DPD timeout, plus the retransmissions' spread.
		limit = (d + 30*time.Second).Milliseconds()
	}
	if lag > limit {
		return false
	}
	return ikeTimerFailure(ike.Category) || !ix.ikeUpBetween(ike.VPNConnectionID, ike.TunnelIP, bgp.TimeMs, ike.TimeMs)
}

// DiagnoseOptions are facts about the tunnels that sharpen a diagnosis.
type DiagnoseOptions struct {
	// InsideCIDR is each tunnel's inside /30 (by outside IP): AWS's inside
	// address is its first host, the customer gateway's the second. It
	// tells a gateway peering from a wrong address.
	InsideCIDR map[string]string
	// DPDTimeout is each tunnel's configured DPD timeout (by outside IP):
	// how late a DPD timeout may be logged after the BGP session fell and
	// still explain it. Unknown tunnels allow three minutes.
	DPDTimeout map[string]time.Duration
}

// Diagnose explains an incident. all is the connection's whole sorted
// timeline for the window (every tunnel), incs its incidents. To explain
// several incidents of one timeline, use a Diagnoser: it indexes the
// timeline once.
func Diagnose(in *Incident, all []vpnlog.Event, incs []Incident) Diagnosis {
	return DiagnoseWith(in, all, incs, DiagnoseOptions{})
}

// DiagnoseWith is Diagnose with facts about the tunnels.
func DiagnoseWith(in *Incident, all []vpnlog.Event, incs []Incident, opts DiagnoseOptions) Diagnosis {
	return NewDiagnoser(all, incs, opts).Diagnose(in)
}

// Diagnoser explains the incidents of one timeline. It is safe for
// concurrent use once made; all and incs must not change while it is used.
type Diagnoser struct {
	ix   *timelineIndex
	incs []Incident
	opts DiagnoseOptions
}

// NewDiagnoser indexes a sorted timeline (all) and its incidents.
func NewDiagnoser(all []vpnlog.Event, incs []Incident, opts DiagnoseOptions) *Diagnoser {
	return &Diagnoser{ix: newTimelineIndex(all, incs), incs: incs, opts: opts}
}

// Diagnose explains one incident of the timeline.
func (dg *Diagnoser) Diagnose(in *Incident) Diagnosis {
	ix, opts := dg.ix, dg.opts
	d := Diagnosis{Incident: in}
	evs := in.Events
	first := func(pred func(*vpnlog.Event) bool) *vpnlog.Event {
		for i := range evs {
			if troubling(&evs[i]) && pred(&evs[i]) {
				return &evs[i]
			}
		}
		return nil
	}
	bgpDown := first(func(e *vpnlog.Event) bool { return bgpSpecificity(e.Category) >= 0 })

	var root *vpnlog.Event
	conf := 0.5
	why := ""
	// 1. The deepest layer first: the first IKE-layer failure that explains
	// the BGP session falling (see ikeExplainsBGP) is the cause; BGP is
	// collateral. A phase reported down with no reason counts when it is
	// the moment an up tunnel went down, unless a specific IKE failure
	// follows within seconds (the reason beats the bare state).
	var ike *vpnlog.Event
	for i := range evs {
		e := &evs[i]
		if !troubling(e) {
			continue
		}
		cand := e
		switch {
		case ikeFailure(e.Category):
		case ikePhaseDown(e) && ikeWasUpBefore(ix, e):
			for j := i + 1; j < len(evs) && evs[j].TimeMs <= e.TimeMs+5000; j++ {
				if troubling(&evs[j]) && ikeFailure(evs[j].Category) && evs[j].TunnelIP == e.TunnelIP {
					cand = &evs[j]
					break
				}
			}
		default:
			continue
		}
		if bgpDown == nil || ikeExplainsBGP(ix, cand, bgpDown, opts) {
			ike = cand
			break
		}
		if cand.TimeMs > bgpDown.TimeMs {
			break // later ones are later still
		}
	}
	if ike != nil {
		root = ike
		bare := ike.Category == catalog.IKEStateReport
		switch {
		case bare && bgpDown != nil:
			conf = 0.6
			why = fmt.Sprintf("IKE reported the tunnel's phases down at %s without logging a reason; the BGP session inside it fell as a consequence (%s at %s).",
				FormatMs(ike.TimeMs), bgpDown.Category, FormatMs(bgpDown.TimeMs))
		case bare:
			conf = 0.5
			why = fmt.Sprintf("IKE reported the tunnel's phases down at %s without logging a reason.", FormatMs(ike.TimeMs))
		case bgpDown != nil && ike.TimeMs > bgpDown.TimeMs:
			conf = 0.85
			why = fmt.Sprintf("%s at %s took the IPsec tunnel down; it is logged after the BGP session fell (%s at %s) because it is detected by a timer, but the tunnel was gone first and BGP is the consequence.",
				ike.Category, FormatMs(ike.TimeMs), bgpDown.Category, FormatMs(bgpDown.TimeMs))
		case bgpDown != nil:
			conf = 0.9
			why = fmt.Sprintf("%s at %s %s; the BGP session inside it fell as a consequence (%s at %s).",
				ike.Category, FormatMs(ike.TimeMs), tookDown(in, ike), bgpDown.Category, FormatMs(bgpDown.TimeMs))
		case in.Down:
			conf = 0.85
			why = fmt.Sprintf("%s at %s %s.", ike.Category, FormatMs(ike.TimeMs), tookDown(in, ike))
		default:
			conf = 0.7
			why = fmt.Sprintf("%s at %s; the tunnel stayed up.", ike.Category, FormatMs(ike.TimeMs))
		}
	}
	// 2. BGP layer: the first specific reason (prefix limit, bad OPEN, hold
	// timer, Cease), else Connect→Active, else the bare state change.
	if root == nil && bgpDown != nil {
		best := bgpDown
		for i := range evs {
			e := &evs[i]
			if !troubling(e) || e.TimeMs > bgpDown.TimeMs+5000 {
				continue
			}
			if bgpSpecificity(e.Category) > bgpSpecificity(best.Category) {
				best = e
			}
		}
		root = best
		conf = 0.8
		switch {
		case best.Category == catalog.BGPPrefixLimitExceed || best.Category == catalog.BGPBadOpenASN:
			conf = 0.95
		case best.Category == catalog.BGPHoldTimerExpired:
			if ikeUpAround(ix, in.VPNConnectionID, in.TunnelIP, best.TimeMs) {
				conf = 0.85
				why = "BGP keepalives stopped arriving while IKE phase 1 and 2 stayed established: the tunnel carried traffic but not the BGP session (gateway CPU, MTU/fragmentation, an ACL or firewall on TCP 179, asymmetric routing)."
			} else {
				conf = 0.6
				why = "The BGP hold timer ran out; no IKE records show the tunnel's own state around it."
			}
		case strings.HasPrefix(string(best.Category), "bgp.cease."):
			if best.Direction == vpnlog.DirReceived {
				why = "The customer gateway closed the BGP session and said why (Cease notification received from it)."
			} else {
				why = "AWS closed the BGP session and said why (Cease notification sent to the customer gateway)."
			}
			conf = 0.85
		case best.Category == catalog.BGPConnectActive:
			conf = 0.7
			why = "BGP could not complete its TCP connection (port 179) to the customer gateway's inside address."
		case best.Category == catalog.BGPStateChange:
			conf = 0.5
			why = "The BGP session left Established without any logged reason (no Cease, hold timer or IKE failure)."
		}
	}
	// 3. Route layer with the session up.
	if root == nil {
		if r := first(func(e *vpnlog.Event) bool { return routeDenied(e.Category) }); r != nil {
			root, conf = r, 0.9
			why = "The session stayed up, but AWS rejected routes the customer gateway advertised."
		}
	}
	// 4. Whatever is left: phase-state snapshots, warnings, unknown messages.
	if root == nil {
		if r := first(func(e *vpnlog.Event) bool { return e.Category == catalog.IKEStateReport }); r != nil {
			root, conf = r, 0.4
			why = "IKE reported a phase down without logging a reason."
		} else if r := first(func(e *vpnlog.Event) bool { return e.Category == catalog.BGPPrefixLimitWarn }); r != nil {
			root, conf = r, 0.7
			why = "Received prefixes are approaching the limit; the session stayed up."
		} else if r := first(func(e *vpnlog.Event) bool { return true }); r != nil {
			root, conf = r, 0.3
		}
	}
	if root == nil {
		return d
	}
	if root.Category == catalog.BGPCeaseConnRejected && root.Direction == vpnlog.DirSent {
		if wrong := wrongNeighbor(root, in.TunnelIP, opts.InsideCIDR); wrong != "" {
			why, conf = strings.TrimSpace(why+" "+wrong), 0.95
		}
	}
	d.RootCause = Cause{Category: root.Category, TunnelIP: in.TunnelIP, AtMs: root.TimeMs, Confidence: conf,
		Direction: root.Direction, Explanation: why, Count: in.Categories[root.Category]}
	d.RootCause.Evidence = evidence(evs, root)

	// The loop that keeps the tunnel down: a repeated IKE error or BGP
	// rejection after the root cause, of another class.
	if in.Down {
		counts := map[catalog.Category]int{}
		firstAt := map[catalog.Category]int64{}
		for i := range evs {
			e := &evs[i]
			if !troubling(e) || e.TimeMs < root.TimeMs || e.Category == root.Category {
				continue
			}
			if ikeFailure(e.Category) || bgpSpecificity(e.Category) >= 1 {
				if counts[e.Category] == 0 {
					firstAt[e.Category] = e.TimeMs
				}
				counts[e.Category]++
			}
		}
		// A loop on a higher layer than the root explains the tunnel staying
		// down only once the layer below is back: BGP rejections while IKE
		// is still down are its consequence, but with IKE re-established
		// (a gateway that rebooted into an old configuration) they are what
		// keeps the session down.
		eligible := func(c catalog.Category) bool {
			return ikeFailure(c) || layerDepth(c) >= layerDepth(root.Category) ||
				ikeUpAt(ix, in.VPNConnectionID, in.TunnelIP, firstAt[c])
		}
		var loop catalog.Category
		for c, n := range counts {
			if n >= 2 && eligible(c) && (loop == "" || n > counts[loop] || (n == counts[loop] && c < loop)) {
				loop = c
			}
		}
		if loop != "" {
			var ev []vpnlog.Event
			last := int64(0)
			for i := range evs {
				if evs[i].Category == loop {
					if len(ev) < 2 {
						ev = append(ev, evs[i])
					}
					last = evs[i].TimeMs
				}
			}
			if n := len(ev); n == 2 && last != ev[1].TimeMs {
				for i := len(evs) - 1; i >= 0; i-- {
					if evs[i].Category == loop {
						ev = append(ev, evs[i])
						break
					}
				}
			}
			d.StaysDownBecause = &Cause{Category: loop, TunnelIP: in.TunnelIP, AtMs: firstAt[loop], Count: counts[loop],
				Confidence: conf, Evidence: ev,
				Explanation: fmt.Sprintf("%s repeated %d times from %s to %s: each retry fails the same way, so the tunnel does not come back until that is fixed.",
					loop, counts[loop], FormatMs(firstAt[loop]), FormatMs(last))}
		}
	}

	// Alternatives: every other failure class, with why it ranks lower.
	seen := map[catalog.Category]bool{root.Category: true}
	if d.StaysDownBecause != nil {
		seen[d.StaysDownBecause.Category] = true
	}
	for i := range evs {
		e := &evs[i]
		if !troubling(e) || seen[e.Category] || e.Category == catalog.IKEStateReport {
			continue
		}
		seen[e.Category] = true
		a := Alternative{Category: e.Category, AtMs: e.TimeMs, Count: in.Categories[e.Category]}
		switch {
		case layerDepth(e.Category) < layerDepth(root.Category) && e.TimeMs < root.TimeMs:
			a.Why = "logged first, but on a higher layer: its timer ran out before the deeper failure was logged, which explains both"
		case layerDepth(e.Category) < layerDepth(root.Category):
			a.Why = "a consequence on a higher layer: it needs the layer below, which had already failed"
		case e.TimeMs > root.TimeMs:
			a.Why = "came after the first failure on this layer"
		default:
			a.Why = "less specific than the root cause"
		}
		d.Alternatives = append(d.Alternatives, a)
	}

	d.Impact = impact(in)
	d.OtherTunnels, d.SharedCause = otherTunnels(ix, in, dg.incs)
	if d.SharedCause != "" && !ikeFailure(d.RootCause.Category) && d.RootCause.Category != catalog.IKEStateReport &&
		ikeUpAround(ix, in.VPNConnectionID, in.TunnelIP, d.RootCause.AtMs) {
		// Both sessions fell with IPsec still up: the paths were fine.
		d.SharedCause = "Every tunnel's BGP session went down within minutes while IKE stayed established: the internet path and IPsec were fine, so look at what the sessions share on the customer gateway — its BGP process (CPU, a crash or restart), or a routing-policy or configuration push to it."
	}
	d.Summary = summary(&d)
	return d
}

// evidence picks the records that show a cause: the root record, the
// records around it that it explains (the session teardown), capped.
func evidence(evs []vpnlog.Event, root *vpnlog.Event) []vpnlog.Event {
	out := []vpnlog.Event{*root}
	perCategory := map[catalog.Category]bool{root.Category: true} // one record per class: a loop is shown by StaysDownBecause
	for i := range evs {
		e := &evs[i]
		if len(out) >= 8 {
			break
		}
		if e.Raw == root.Raw && e.TimeMs == root.TimeMs {
			continue
		}
		if e.TimeMs < root.TimeMs-crossLayerSlackMs || e.TimeMs > root.TimeMs+crossLayerSlackMs {
			continue
		}
		if perCategory[e.Category] {
			continue
		}
		if troubling(e) || e.Category == catalog.BGPStateChange && vpnlog.EqualFoldASCII(e.Fields.FromState, "established") {
			perCategory[e.Category] = true
			out = append(out, *e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].TimeMs < out[j].TimeMs })
	return out
}

// ikeUpAround: the tunnel's IKE records with phase states on either side
// of ms both say the tunnel was up (the later one may be missing).
func ikeUpAround(ix *timelineIndex, vpn, ip string, ms int64) bool {
	before, after := ix.ikeStatesAround(vpn, ip, ms)
	ok := func(e *vpnlog.Event) bool {
		return e != nil && (e.Phase1State == vpnlog.IKEStateEstablished || e.Phase1State == vpnlog.IKEStateRekeying) &&
			(e.Phase2State == vpnlog.IKEStateEstablished || e.Phase2State == vpnlog.IKEStateRekeying)
	}
	return ok(before) && (after == nil || ok(after))
}

func impact(in *Incident) Impact {
	im := Impact{Down: in.Down, DownMs: in.DownMs, Recovered: in.Recovered}
	if in.Down {
		end := in.EndMs
		if in.Recovered {
			end = in.RecoveredMs
		}
		im.DowntimeMs = end - in.DownMs
	}
	var firstWarnMs int64
	var firstWarnCount int64
	// Routes are counted once each: AWS logs a denial again at every
	// update of the route, and the gateway withdrawing a route AWS had
	// denied is the fix, not lost reachability.
	denied, withdrawn := map[string]bool{}, map[string]bool{}
	for i := range in.Events {
		if e := &in.Events[i]; routeDenied(e.Category) && e.Route != nil {
			denied[e.Route.Prefix] = true
		}
	}
	deniedRoute := map[string]bool{}
	for i := range in.Events {
		e := &in.Events[i]
		switch {
		case e.Category == catalog.RouteWithdrawn:
			if e.Route != nil && (denied[e.Route.Prefix] || withdrawn[e.Route.Prefix]) {
				continue
			}
			im.RoutesWithdrawn++
			if e.Route != nil {
				withdrawn[e.Route.Prefix] = true
				if len(im.Withdrawn) < 20 {
					im.Withdrawn = append(im.Withdrawn, e.Route.Prefix)
				}
			}
		case routeDenied(e.Category):
			im.DenialRecords++
			key := ""
			if e.Route != nil {
				key = fmt.Sprintf("%s (as-path %s)", e.Route.Prefix, e.Route.ASPath)
			}
			if key != "" && deniedRoute[key] {
				continue
			}
			im.RoutesDenied++
			if key != "" {
				deniedRoute[key] = true
				if len(im.Denied) < 20 {
					im.Denied = append(im.Denied, key)
				}
			}
		case e.Category == catalog.BGPPrefixLimitWarn || e.Category == catalog.BGPPrefixLimitExceed:
			if firstWarnMs == 0 {
				firstWarnMs, firstWarnCount = e.TimeMs, e.Fields.Prefixes
			}
			if e.Fields.Prefixes > im.PrefixCount {
				im.PrefixCount = e.Fields.Prefixes
				im.PrefixGrowth = fmt.Sprintf("%d → %d in %s", firstWarnCount, e.Fields.Prefixes, time.Duration(e.TimeMs-firstWarnMs)*time.Millisecond)
			}
			if e.Fields.Limit > 0 {
				im.PrefixLimit = e.Fields.Limit
			}
		}
	}
	return im
}

func otherTunnels(ix *timelineIndex, in *Incident, incs []Incident) ([]TunnelState, string) {
	var out []TunnelState
	allDown := in.Down
	for _, ip := range ix.tunnels[in.VPNConnectionID] {
		if ip == in.TunnelIP {
			continue
		}
		ts := TunnelState{TunnelIP: ip, State: "up"}
		winStart, winEnd := in.StartMs, in.EndMs
		if in.Down {
			winStart = in.DownMs
		}
		for _, j := range ix.downIncs[tunnelKey{in.VPNConnectionID, ip}] {
			o := &incs[j]
			// Overlapping outage, or one that began within 5 minutes of ours.
			if o.DownMs <= winEnd && o.EndMs >= winStart || abs64(o.DownMs-in.DownMs) <= 5*60*1000 {
				ts.State, ts.IncidentID, ts.DownMs = "down", o.ID, o.DownMs
				break
			}
		}
		seenAny := false
		ix.window(in.VPNConnectionID, ip, winStart, winEnd, func(e *vpnlog.Event) {
			seenAny = true
			if e.Category == catalog.RouteAdvertised || e.Category == catalog.RouteUpdated || e.Category == catalog.BGPUpdateReceived {
				ts.RouteUpdates++
			}
		})
		if !seenAny && ts.State == "up" {
			// Nothing logged during a short incident (IKE status comes
			// every ~10 minutes): its IKE state on both sides of the
			// window still says whether it stayed up.
			before := ix.lastIKEState(in.VPNConnectionID, ip, winStart, false)
			_, after := ix.ikeStatesAround(in.VPNConnectionID, ip, winEnd)
			if !(routineUp(before) && routineUp(after)) {
				ts.State = "up (no records during the incident)"
			}
		}
		if ts.State != "down" {
			allDown = false
		}
		out = append(out, ts)
	}
	shared := ""
	if allDown && len(out) > 0 {
		shared = "Every tunnel of this connection went down within minutes: look for a cause they share — the customer gateway device itself, its internet uplink or NAT, or a configuration push to it."
	}
	return out, shared
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func summary(d *Diagnosis) string {
	in := d.Incident
	var b strings.Builder
	fmt.Fprintf(&b, "Tunnel %s: %s at %s", in.TunnelIP, d.RootCause.Category, FormatMs(d.RootCause.AtMs))
	if in.Down {
		fmt.Fprintf(&b, "; down from %s", FormatMs(in.DownMs))
		if in.Recovered {
			fmt.Fprintf(&b, ", recovered at %s after %s", FormatMs(in.RecoveredMs), time.Duration(in.RecoveredMs-in.DownMs)*time.Millisecond)
		} else {
			b.WriteString(", not recovered by the end of the logs")
		}
	} else {
		b.WriteString("; the session stayed up")
	}
	if d.StaysDownBecause != nil {
		fmt.Fprintf(&b, "; stays down because of %s (%d times)", d.StaysDownBecause.Category, d.StaysDownBecause.Count)
	}
	b.WriteString(".")
	return b.String()
}

// Teardown reports classes that take a tunnel or its BGP session down (or
// keep it from coming up): what counts as a flap when only counts are known.
func Teardown(c catalog.Category) bool {
	return ikeFailure(c) && c != catalog.IKECGWDeleteChildSA || bgpSpecificity(c) >= 1 && c != catalog.BGPCeaseCollision
}

// CauseRank orders classes by how well they explain an incident when only
// their presence is known: the deepest layer's failure first, a specific
// BGP reason before a bare state change, anything else last.
func CauseRank(c catalog.Category) int {
	switch {
	case c == catalog.IKEDPDTimeout || c == catalog.IKECGWDeleteIKESA || c == catalog.IKECGWDeleteChildSA || c == catalog.IKEPhase2Failed:
		return 31 // what tears a tunnel down, before what keeps it down
	case ikeFailure(c):
		return 30
	case c == catalog.IKEStateReport:
		return 25
	case c == catalog.BGPPrefixLimitExceed || c == catalog.BGPBadOpenASN:
		return 23 // the reason the Cease that follows gives
	case bgpSpecificity(c) >= 0:
		return 20 + bgpSpecificity(c)
	case routeDenied(c):
		return 10
	case c == catalog.BGPPrefixLimitWarn:
		return 5
	}
	return 0
}

// wrongNeighbor explains a Cease 6/5 AWS sent to a neighbour address that
// is not the tunnel's customer-gateway inside address, or returns "".
func wrongNeighbor(e *vpnlog.Event, tunnelIP string, cidrs map[string]string) string {
	got := e.Fields.NeighborIP
	want, ok := cgwInside(cidrs[tunnelIP])
	if got == "" || !ok || got == want.String() {
		return ""
	}
	msg := fmt.Sprintf("AWS rejected a BGP connection from %s, but this tunnel's customer-gateway inside address is %s (inside CIDR %s): the gateway peers from the wrong address.", got, want, cidrs[tunnelIP])
	if addr, err := netip.ParseAddr(got); err == nil {
		for other, c := range cidrs {
			if p, err := netip.ParsePrefix(c); err == nil && other != tunnelIP && p.Contains(addr) {
				msg += fmt.Sprintf(" %s belongs to the tunnel with outside IP %s: the gateway's BGP neighbour or tunnel interface addresses are crossed between its two tunnels.", got, other)
			}
		}
	}
	return msg + fmt.Sprintf(" Make it peer from %s (the tunnel interface address / update-source) to AWS's %s.", want, want.Prev())
}

// cgwInside is the customer gateway's inside address of a tunnel's inside
// /30: the second host.
func cgwInside(cidr string) (netip.Addr, bool) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() {
		return netip.Addr{}, false
	}
	a := p.Masked().Addr().Next().Next()
	return a, p.Contains(a)
}
