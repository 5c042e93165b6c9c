package correlate

import (
	"sort"
)

// causalRank orders records that share a second when at least one of them
// carries only second precision: the order a tunnel failure actually unfolds
// in (IKE failure, then BGP timers and notifications, then state changes,
// then routes). Lower runs first.
func causalRank(c Category) int {
	switch c {
	case IKEDPDTimeout, IKECGWDeleteIKESA, IKECGWDeleteChildSA, IKEPSKMismatch, IKEAuthFailed,
		IKEProposalMismatch, IKETSUnacceptable, IKEPhase2Failed, IKEPhase1Timeout:
		return 0
	case IKEStateReport, IKENegotiation, IKERekeyCollision:
		return 1
	case BGPPrefixLimitWarn, BGPPrefixLimitExceed, BGPBadOpenASN, BGPHoldTimerExpired:
		return 2
	case BGPCeaseMaxPrefixes, BGPCeaseAdminShut, BGPCeasePeerDeconf, BGPCeaseAdminReset,
		BGPCeaseConnRejected, BGPCeaseConfigChange, BGPCeaseCollision, BGPCeaseOther:
		return 3
	case BGPStateChange, BGPConnectActive, BGPConnecting, BGPOpen:
		return 4
	case BGPEstablished, BGPEndOfRIB, BGPUpdateReceived:
		return 5
	case RouteAdvertised, RouteUpdated, RouteWithdrawn, RouteDeniedASLoop, RouteDeniedNextHop, RouteDeniedOther:
		return 6
	}
	return 7
}

// SortEvents orders events into one timeline. Records of different seconds
// sort by time. Within one second, if any record there has only second
// precision its true place inside that second is unknown, so the whole second
// is ordered by causal plausibility (then by logged time); otherwise the
// logged milliseconds decide. Grouping by second keeps the order transitive,
// and the sort is stable so records of one stream keep their file order.
func SortEvents(evs []Event) {
	sort.SliceStable(evs, func(i, j int) bool {
		si, sj := floorSec(evs[i].TimeMs), floorSec(evs[j].TimeMs)
		if si != sj {
			return si < sj
		}
		return false
	})
	// Now each second is contiguous; order inside it.
	for lo := 0; lo < len(evs); {
		hi := lo + 1
		sec := floorSec(evs[lo].TimeMs)
		coarse := evs[lo].Precision == PrecisionSeconds
		for hi < len(evs) && floorSec(evs[hi].TimeMs) == sec {
			coarse = coarse || evs[hi].Precision == PrecisionSeconds
			hi++
		}
		if hi-lo > 1 {
			g := evs[lo:hi]
			if coarse {
				sort.SliceStable(g, func(i, j int) bool {
					ri, rj := causalRank(g[i].Category), causalRank(g[j].Category)
					if ri != rj {
						return ri < rj
					}
					return g[i].TimeMs < g[j].TimeMs
				})
			} else {
				sort.SliceStable(g, func(i, j int) bool {
					if g[i].TimeMs != g[j].TimeMs {
						return g[i].TimeMs < g[j].TimeMs
					}
					return causalRank(g[i].Category) < causalRank(g[j].Category)
				})
			}
		}
		lo = hi
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
	Event      Event  // the first record of the run
	Count      int    // records in the run (1 = not collapsed)
	LastMs     int64  // time of the last record of the run
	LastRaw    string // the last record verbatim, when Count > 1
	IncidentID string // set by the incident builder when the entry belongs to one
}

// collapseGapMs is how far apart repeats may be and still count as one run:
// long enough for retry loops (AWS retries IKE every 10-30 s), short enough
// that the same message an hour later is news again.
const collapseGapMs = 10 * 60 * 1000

// collapseKey says which records are "the same" for collapsing. Routine
// records collapse by class (rekey chatter differs only in request ids);
// anomalies only when the text is identical, so rising prefix counts or
// different denied prefixes stay visible.
func collapseKey(ev *Event) string {
	base := ev.TunnelIP + "|" + ev.Stream.String() + "|" + string(ev.Category)
	if ev.Category == IKEStateReport {
		return base + "|" + ev.Phase1State.String() + "/" + ev.Phase2State.String()
	}
	if ev.Anomaly || ev.Category == Unknown {
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
func BuildTimeline(evs []Event, collapse bool) []TimelineEntry {
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
		if ev.Anomaly && ev.Category != IKEStateReport && !seen[key] {
			seen[key] = true
			lastNovel[ev.TunnelIP] = len(out) - 1
		}
	}
	return out
}
