package correlate

import (
	"cmp"
	"slices"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// causalRank orders records that share a second when at least one of them
// carries only second precision: the order a tunnel failure actually unfolds
// in (IKE failure, then BGP timers and notifications, then state changes,
// then routes). Lower runs first.
func causalRank(c catalog.Category) int {
	switch c {
	case catalog.IKEDPDTimeout, catalog.IKECGWDeleteIKESA, catalog.IKECGWDeleteChildSA, catalog.IKEPSKMismatch, catalog.IKEAuthFailed,
		catalog.IKEProposalMismatch, catalog.IKETSUnacceptable, catalog.IKEPhase2Failed, catalog.IKEPhase1Timeout:
		return 0
	case catalog.IKEStateReport, catalog.IKENegotiation, catalog.IKERekeyCollision:
		return 1
	case catalog.BGPPrefixLimitWarn, catalog.BGPPrefixLimitExceed, catalog.BGPBadOpenASN, catalog.BGPHoldTimerExpired:
		return 2
	case catalog.BGPCeaseMaxPrefixes, catalog.BGPCeaseAdminShut, catalog.BGPCeasePeerDeconf, catalog.BGPCeaseAdminReset,
		catalog.BGPCeaseConnRejected, catalog.BGPCeaseConfigChange, catalog.BGPCeaseCollision, catalog.BGPCeaseOther:
		return 3
	case catalog.BGPStateChange, catalog.BGPConnectActive, catalog.BGPConnecting, catalog.BGPOpen:
		return 4
	case catalog.BGPEstablished, catalog.BGPEndOfRIB, catalog.BGPUpdateReceived:
		return 5
	case catalog.RouteAdvertised, catalog.RouteUpdated, catalog.RouteWithdrawn, catalog.RouteDeniedASLoop, catalog.RouteDeniedNextHop, catalog.RouteDeniedOther:
		return 6
	}
	return 7
}

// SortEvents orders events into one timeline. Records of different seconds
// sort by time. Within one second, if any record there has only second
// precision its true place inside that second is unknown, so the whole second
// is ordered by causal plausibility (then by logged time); otherwise the
// logged milliseconds decide. Records still tied (same rank and millisecond,
// common at real density where the liveness exchange runs on every stream)
// order by stream — connection, tunnel, IKE before BGP — so the timeline
// does not depend on the order the streams were read in. Grouping by second
// keeps the order transitive, and the sort is stable so records of one
// stream keep their file order.
//
// The records are large, and a stable sort moves each many times over; so
// the positions are sorted and every record is then moved once.
func SortEvents(evs []vpnlog.Event) {
	if len(evs) < 2 {
		return
	}
	keys := make([]sortKey, len(evs))
	for i := range evs {
		keys[i] = sortKey{sec: floorSec(evs[i].TimeMs), ms: evs[i].TimeMs, pos: int32(i)}
	}
	slices.SortStableFunc(keys, func(a, b sortKey) int { return cmp.Compare(a.sec, b.sec) })
	// Now each second is contiguous; order inside it.
	for lo := 0; lo < len(keys); {
		hi := lo + 1
		coarse := evs[keys[lo].pos].Precision == vpnlog.PrecisionSeconds
		for hi < len(keys) && keys[hi].sec == keys[lo].sec {
			coarse = coarse || evs[keys[hi].pos].Precision == vpnlog.PrecisionSeconds
			hi++
		}
		if hi-lo > 1 {
			g := keys[lo:hi]
			for k := range g {
				g[k].rank = causalRank(evs[g[k].pos].Category)
			}
			stream := func(a, b sortKey) int {
				x, y := &evs[a.pos], &evs[b.pos]
				return cmp.Or(cmp.Compare(x.VPNConnectionID, y.VPNConnectionID), cmp.Compare(x.TunnelIP, y.TunnelIP), cmp.Compare(x.Stream, y.Stream))
			}
			if coarse {
				slices.SortStableFunc(g, func(a, b sortKey) int {
					return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.ms, b.ms), stream(a, b))
				})
			} else {
				slices.SortStableFunc(g, func(a, b sortKey) int {
					return cmp.Or(cmp.Compare(a.ms, b.ms), cmp.Compare(a.rank, b.rank), stream(a, b))
				})
			}
		}
		lo = hi
	}
	for i := range keys {
		if keys[i].pos != int32(i) {
			permute(evs, keys) // records are large: moved only when out of order
			return
		}
	}
}

// sortKey is a record's place in SortEvents's order and its position
// before.
type sortKey struct {
	sec, ms int64
	rank    int
	pos     int32
}

// permute moves evs[keys[i].pos] to evs[i] for every i, following each
// cycle of the permutation so that every record moves once. keys is used
// up as the marks of what has moved.
func permute(evs []vpnlog.Event, keys []sortKey) {
	for i := range keys {
		if keys[i].pos < 0 || int(keys[i].pos) == i {
			continue
		}
		held := evs[i]
		j := i
		for {
			from := int(keys[j].pos)
			keys[j].pos = -1
			if from == i {
				evs[j] = held
				break
			}
			evs[j] = evs[from]
			j = from
		}
	}
}

func floorSec(ms int64) int64 {
	if ms >= 0 {
		return ms / 1000
	}
	return (ms - 999) / 1000
}

// TimelineEntry is one line of a merged timeline: an event, or a run of
// repeats of it collapsed into one line with a count.
type TimelineEntry struct {
	Event      vpnlog.Event // the first record of the run
	Count      int          // records in the run (1 = not collapsed)
	LastMs     int64        // time of the last record of the run
	LastRaw    string       // the last record verbatim, when Count > 1
	IncidentID string       // set by the incident builder when the entry belongs to one
}

// collapseGapMs is how far apart repeats may be and still count as one run:
// long enough for retry loops (AWS retries IKE every 10-30 s), short enough
// that the same message an hour later is news again.
const collapseGapMs = 10 * 60 * 1000

// collapseKey says which records are "the same" for collapsing. Routine
// records collapse by class (rekey chatter differs only in request ids);
// anomalies only when the text is identical, so rising prefix counts or
// different denied prefixes stay visible.
func collapseKey(ev *vpnlog.Event) string {
	base := ev.TunnelIP + "|" + ev.Stream.String() + "|" + string(ev.Category)
	if ev.Category == catalog.IKEStateReport {
		return base + "|" + ev.Phase1State.String() + "/" + ev.Phase2State.String()
	}
	if ev.Anomaly || ev.Category == catalog.Unknown {
		return base + "|" + ev.Details
	}
	return base
}

// BuildTimeline collapses sorted events (see SortEvents) into timeline
// entries. A run is broken when a kind of anomaly not seen before on that
// tunnel appears, so the story of an incident is never hidden inside a
// collapsed line; loops of several alternating messages (a Cease and the
// state change it causes, every two minutes) still collapse after their
// first round.
func BuildTimeline(evs []vpnlog.Event, collapse bool) []TimelineEntry {
	out := make([]TimelineEntry, 0, len(evs))
	if !collapse {
		for i := range evs {
			out = append(out, TimelineEntry{Event: evs[i], Count: 1, LastMs: evs[i].TimeMs})
		}
		return out
	}
	open := map[string]int{}      // collapse key -> index in out
	seen := map[string]bool{}     // anomaly keys seen so far
	lastNovel := map[string]int{} // tunnel -> index of its latest never-seen-before anomaly entry
	for i := range evs {
		ev := &evs[i]
		key := collapseKey(ev)
		if j, ok := open[key]; ok {
			e := &out[j]
			novel, hasNovel := lastNovel[ev.TunnelIP]
			if ev.TimeMs-e.LastMs <= collapseGapMs && (!hasNovel || novel <= j) {
				e.Count++
				e.LastMs = ev.TimeMs
				e.LastRaw = ev.Raw
				continue
			}
		}
		out = append(out, TimelineEntry{Event: *ev, Count: 1, LastMs: ev.TimeMs})
		open[key] = len(out) - 1
		// Phase-state snapshots repeat through every retry loop; they must
		// not split the loop they accompany.
		if ev.Anomaly && ev.Category != catalog.IKEStateReport && !seen[key] {
			seen[key] = true
			lastNovel[ev.TunnelIP] = len(out) - 1
		}
	}
	return out
}
