package correlate

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// Incident is a stretch of trouble on one tunnel: it opens on an anomaly,
// grows while related anomalies keep coming (retry loops can last hours) and
// closes on recovery or after a quiet period.
type Incident struct {
	ID              string
	VPNConnectionID string
	TunnelIP        string
	StartMs         int64 // first anomaly
	EndMs           int64 // recovery, or the last anomaly
	Down            bool  // the tunnel or its BGP session went (or stayed) down
	DownMs          int64 // when it went down (0 if it never did)
	WasUp           bool  // it was up before the incident (false: it never came up)
	Recovered       bool  // came back up (only meaningful when Down)
	RecoveredMs     int64
	Open            bool // still unresolved at the end of the data
	Anomalies       int
	Categories      map[catalog.Category]int
	// BringingUp: the tunnel's first records are it negotiating (routine
	// IKE steps, phases negotiating or down: nothing before them, no error)
	// and the data ends before it is up, at most BringUpGrace after they
	// began. A first bring-up that completes in time is not an incident
	// (FindIncidents leaves it out), one that does not is: whoever follows
	// the logs as they grow waits to see which (watch); an answer about
	// finished data takes it as a tunnel that has not come up (yet).
	BringingUp bool
	// Events holds the incident's anomalies and the state transitions and
	// withdrawals around them, in timeline order (capped; see Truncated).
	Events    []vpnlog.Event
	Truncated int // events left out of Events because of the cap

	// bringUp: opened on the tunnel's first bring-up, still routine.
	bringUp bool
}

// QuietPeriod closes an incident that is not down after this long without
// anomalies. Retry loops log every 10-30 s, so a loop never goes quiet.
const QuietPeriod = 15 * time.Minute

const maxIncidentEvents = 2000

// BringUpGrace is how long a tunnel's first bring-up (see FindIncidents)
// may take, from its first record until the tunnel is up (IKE established,
// and the BGP session too when BGP is logged), before it counts as an
// incident: a tunnel that has not come up. A bring-up takes seconds (IKE)
// to tens of seconds (BGP's first connect).
const BringUpGrace = 2 * time.Minute

// IncidentID builds the stable id of an incident from where and when it began.
func IncidentID(vpn, tunnelIP string, startMs int64) string {
	return fmt.Sprintf("%s_%s_%s", vpn, tunnelIP, time.UnixMilli(startMs).UTC().Format("20060102T150405Z"))
}

// ParseIncidentID splits an incident id into its parts.
func ParseIncidentID(id string) (vpn, tunnelIP string, start time.Time, err error) {
	parts := strings.Split(id, "_")
	if len(parts) != 3 || !strings.HasPrefix(parts[0], "vpn-") {
		return "", "", time.Time{}, fmt.Errorf("incident id %q is not of the form <vpn-connection-id>_<tunnel-ip>_<YYYYMMDDTHHMMSSZ>", id)
	}
	start, err = time.Parse("20060102T150405Z", parts[2])
	if err != nil {
		return "", "", time.Time{}, fmt.Errorf("incident id %q has a bad start time: %v", id, err)
	}
	return parts[0], parts[1], start, nil
}

// Duration is the incident's length.
func (in *Incident) Duration() time.Duration {
	return time.Duration(in.EndMs-in.StartMs) * time.Millisecond
}

// TimeToRecover is DownMs → RecoveredMs, when it went down and came back.
func (in *Incident) TimeToRecover() time.Duration {
	if !in.Down || !in.Recovered {
		return 0
	}
	return time.Duration(in.RecoveredMs-in.DownMs) * time.Millisecond
}

type layerState int8

const (
	stUnknown layerState = iota
	stUp
	stDown
)

// tunnelTracker follows one tunnel's IKE and BGP state through a timeline.
type tunnelTracker struct {
	ike, bgp    layerState
	hasBGP      bool
	cur         *Incident
	lastAnomaly int64
	lastEvent   int64
	// begun: the tunnel (or its IKE) was up, or it had an incident,
	// earlier in the timeline: a negotiation from now on is not its first
	// bring-up.
	begun bool
}

func (t *tunnelTracker) up() bool {
	if t.hasBGP {
		return t.bgp == stUp && t.ike != stDown
	}
	return t.ike == stUp
}

// down reports a layer known to be down; unknown is not down.
func (t *tunnelTracker) down() bool {
	return t.ike == stDown || (t.hasBGP && t.bgp == stDown)
}

func (t *tunnelTracker) apply(ev *vpnlog.Event) {
	switch ev.Stream {
	case vpnlog.StreamIKE:
		switch ev.Category {
		case catalog.IKEDPDTimeout, catalog.IKEPhase1Timeout:
			t.ike = stDown
			return
		case catalog.IKECGWDeleteIKESA:
			if !routineDelete(ev) {
				t.ike = stDown
				return
			}
		}
		if ev.Phase1State != vpnlog.IKEStateUnset {
			p1 := ev.Phase1State == vpnlog.IKEStateEstablished || ev.Phase1State == vpnlog.IKEStateRekeying
			p2 := ev.Phase2State == vpnlog.IKEStateUnset || ev.Phase2State == vpnlog.IKEStateEstablished || ev.Phase2State == vpnlog.IKEStateRekeying
			if p1 && p2 {
				t.ike = stUp
			} else if ev.Phase1State == vpnlog.IKEStateDown || ev.Phase2State == vpnlog.IKEStateDown || ev.Phase1State == vpnlog.IKEStateNegotiating || ev.Phase2State == vpnlog.IKEStateNegotiating {
				t.ike = stDown
			}
		}
	case vpnlog.StreamBGP:
		t.hasBGP = true
		switch ev.Category {
		case catalog.BGPEstablished:
			t.bgp = stUp
		case catalog.BGPHoldTimerExpired, catalog.BGPPrefixLimitExceed, catalog.BGPBadOpenASN, catalog.BGPConnectActive,
			catalog.BGPCeaseMaxPrefixes, catalog.BGPCeaseAdminShut, catalog.BGPCeasePeerDeconf, catalog.BGPCeaseAdminReset,
			catalog.BGPCeaseConnRejected, catalog.BGPCeaseConfigChange, catalog.BGPCeaseCollision, catalog.BGPCeaseOther:
			t.bgp = stDown
		case catalog.BGPStateChange:
			if vpnlog.EqualFoldASCII(ev.Fields.FromState, "established") || vpnlog.EqualFoldASCII(ev.Fields.ToState, "idle") {
				t.bgp = stDown
			}
		case catalog.RouteAdvertised, catalog.RouteUpdated, catalog.BGPUpdateReceived, catalog.BGPEndOfRIB, catalog.BGPPrefixLimitWarn,
			catalog.RouteDeniedASLoop, catalog.RouteDeniedNextHop, catalog.RouteDeniedOther:
			// Routes only flow on an established session.
			if t.bgp == stUnknown {
				t.bgp = stUp
			}
		}
	}
}

// troubling reports whether an event is trouble for an incident: an
// anomaly, except a routine DELETE (see routineDelete).
func troubling(ev *vpnlog.Event) bool {
	return ev.Anomaly && !routineDelete(ev)
}

// routineDelete: the customer gateway deleting an SA while the record itself
// says that phase is still established (or rekeying). That is the old SA
// being retired after a rekey the gateway started — routine for phase 2 on
// IKEv1 quick mode and IKEv2 CHILD_SA rekeys, and for the ISAKMP SA when an
// IKEv1 phase 1 lifetime runs out. Treated as a failure, it opened incidents
// that swallowed unrelated drops up to QuietPeriod later and named the
// DELETE as their cause, and a phase 1 one counted as a flap. A DELETE with
// the phase down (or no state logged) stays trouble.
func routineDelete(ev *vpnlog.Event) bool {
	switch ev.Category {
	case catalog.IKECGWDeleteChildSA:
		return ev.Phase2State == vpnlog.IKEStateEstablished || ev.Phase2State == vpnlog.IKEStateRekeying
	case catalog.IKECGWDeleteIKESA:
		return (ev.Phase1State == vpnlog.IKEStateEstablished || ev.Phase1State == vpnlog.IKEStateRekeying) &&
			(ev.Phase2State == vpnlog.IKEStateEstablished || ev.Phase2State == vpnlog.IKEStateRekeying)
	}
	return false
}

// bringUpStep reports a troubling record that is routine on a tunnel's
// first bring-up: an IKE negotiation step or a state report whose only
// trouble is a phase not up yet (negotiating, or down before it ever
// was up). An error (timeout, authentication, proposal...) is not one.
func bringUpStep(ev *vpnlog.Event) bool {
	return ev.Stream == vpnlog.StreamIKE && (ev.Category == catalog.IKENegotiation || ev.Category == catalog.IKEStateReport)
}

// contextEvent reports non-anomalies worth keeping in an incident's story.
func contextEvent(ev *vpnlog.Event) bool {
	switch ev.Category {
	case catalog.BGPStateChange, catalog.BGPEstablished, catalog.BGPConnectActive, catalog.BGPConnecting, catalog.BGPOpen, catalog.RouteWithdrawn, catalog.IKEStateReport:
		return true
	}
	return false
}

// FindIncidents groups a connection's sorted timeline (see SortEvents) into
// incidents, per tunnel, in start order.
//
// A tunnel's first bring-up is not an incident: when its first records,
// with nothing before them, are it negotiating (routine IKE steps, the
// phases negotiating or down) and it is up within BringUpGrace of the
// first of them, with no error on the way (a new connection, a new tunnel,
// logging just enabled). One that takes longer, meets an error or drops
// again before it is up is an incident from its first record, as is
// anything after the tunnel was up; one still under way when the data
// ends is returned with BringingUp set.
func FindIncidents(evs []vpnlog.Event) []Incident {
	trackers := map[string]*tunnelTracker{}
	var out []Incident
	var lastMs int64 // the end of the data
	for i := range evs {
		lastMs = max(lastMs, evs[i].TimeMs)
	}
	grace := BringUpGrace.Milliseconds()
	closeInc := func(t *tunnelTracker) {
		in := t.cur
		if in == nil {
			return
		}
		if in.bringUp && !in.Recovered {
			in.BringingUp = lastMs-in.StartMs <= grace
		}
		in.bringUp = false
		if !in.Recovered {
			if in.Down {
				in.Open = true
				in.EndMs = max(t.lastAnomaly, t.lastEvent)
			} else {
				in.EndMs = t.lastAnomaly
			}
		}
		out = append(out, *in)
		t.cur = nil
	}
	for i := range evs {
		ev := &evs[i]
		key := ev.VPNConnectionID + "|" + ev.TunnelIP
		t := trackers[key]
		if t == nil {
			t = &tunnelTracker{}
			trackers[key] = t
		}
		if t.cur != nil && !t.cur.Down && ev.TimeMs-t.lastAnomaly > QuietPeriod.Milliseconds() {
			closeInc(t)
		}
		begun := t.begun
		wasUp := t.up()
		t.apply(ev)
		t.lastEvent = ev.TimeMs
		trouble := troubling(ev)
		if trouble {
			if t.cur == nil {
				t.cur = &Incident{
					ID: IncidentID(ev.VPNConnectionID, ev.TunnelIP, ev.TimeMs), VPNConnectionID: ev.VPNConnectionID,
					TunnelIP: ev.TunnelIP, StartMs: ev.TimeMs, WasUp: wasUp, Categories: map[catalog.Category]int{},
					bringUp: !begun && bringUpStep(ev),
				}
			} else if t.cur.bringUp && (begun || !bringUpStep(ev)) {
				// An error, or a phase down again after IKE was up: not
				// a routine bring-up any more.
				t.cur.bringUp = false
			}
			t.lastAnomaly = ev.TimeMs
			t.cur.Anomalies++
			t.cur.Categories[ev.Category]++
		}
		if in := t.cur; in != nil {
			if in.bringUp && ev.TimeMs-in.StartMs > grace {
				in.bringUp = false // too long to come up: a tunnel that does not
			}
			if trouble || contextEvent(ev) {
				if len(in.Events) < maxIncidentEvents {
					in.Events = append(in.Events, *ev)
				} else {
					in.Truncated++
				}
			}
			if t.down() && !in.Down {
				in.Down, in.DownMs = true, ev.TimeMs
			}
			if in.Down && t.up() {
				if in.bringUp {
					t.cur = nil // the first bring-up, done: no incident
				} else {
					in.Recovered, in.RecoveredMs, in.EndMs = true, ev.TimeMs, ev.TimeMs
					closeInc(t)
				}
			}
		}
		if t.up() || t.ike == stUp || (t.cur != nil && !t.cur.bringUp) {
			t.begun = true
		}
	}
	keys := make([]string, 0, len(trackers))
	for k := range trackers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		closeInc(trackers[k])
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].StartMs != out[j].StartMs {
			return out[i].StartMs < out[j].StartMs
		}
		return out[i].TunnelIP < out[j].TunnelIP
	})
	return out
}

// IncidentAt picks the incident a question "what happened at t" is about:
// one running at t, else the one that began closest before t within
// lookback (people ask a few minutes after the drop), else the nearest one
// starting shortly after t (clocks and memories differ); incidents that took
// something down first.
func IncidentAt(incs []Incident, tunnelIP string, t time.Time, lookback time.Duration) *Incident {
	ms := t.UnixMilli()
	var best *Incident
	bestScore := int64(1<<62 - 1)
	for i := range incs {
		in := &incs[i]
		if tunnelIP != "" && in.TunnelIP != tunnelIP {
			continue
		}
		var score int64
		switch {
		case in.StartMs <= ms && ms <= in.EndMs:
			score = 0
		case in.EndMs < ms && ms-in.EndMs <= lookback.Milliseconds():
			score = ms - in.EndMs
		case in.StartMs > ms && in.StartMs-ms <= lookback.Milliseconds()/2:
			score = in.StartMs - ms
		default:
			continue
		}
		// The question is why something dropped: an incident that took
		// the tunnel or its session down anywhere in the look-back wins over
		// one that took nothing down, however close (route denials that
		// start when a session comes back would otherwise steal a question
		// asked a few minutes after the drop). Those still answer when no
		// drop is near.
		if !in.Down {
			score += lookback.Milliseconds() + 1
		}
		if score < bestScore || (score == bestScore && best != nil && in.StartMs < best.StartMs) {
			best, bestScore = in, score
		}
	}
	return best
}
