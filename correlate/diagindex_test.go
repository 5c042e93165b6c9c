package correlate

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// sortEventsByScan is SortEvents as it was written first: a stable sort of
// the records themselves. SortEvents must put every record where it does.
func sortEventsByScan(evs []vpnlog.Event) {
	sort.SliceStable(evs, func(i, j int) bool { return floorSec(evs[i].TimeMs) < floorSec(evs[j].TimeMs) })
	for lo := 0; lo < len(evs); {
		hi := lo + 1
		sec := floorSec(evs[lo].TimeMs)
		coarse := evs[lo].Precision == vpnlog.PrecisionSeconds
		for hi < len(evs) && floorSec(evs[hi].TimeMs) == sec {
			coarse = coarse || evs[hi].Precision == vpnlog.PrecisionSeconds
			hi++
		}
		g := evs[lo:hi]
		sort.SliceStable(g, func(i, j int) bool {
			ri, rj := causalRank(g[i].Category), causalRank(g[j].Category)
			si := fmt.Sprintf("%s %s %d", g[i].VPNConnectionID, g[i].TunnelIP, g[i].Stream)
			sj := fmt.Sprintf("%s %s %d", g[j].VPNConnectionID, g[j].TunnelIP, g[j].Stream)
			if coarse {
				return ri < rj || ri == rj && (g[i].TimeMs < g[j].TimeMs || g[i].TimeMs == g[j].TimeMs && si < sj)
			}
			return g[i].TimeMs < g[j].TimeMs || g[i].TimeMs == g[j].TimeMs && (ri < rj || ri == rj && si < sj)
		})
		lo = hi
	}
}

var indexTestCategories = []catalog.Category{catalog.IKEStateReport, catalog.IKEDPDTimeout, catalog.IKEPSKMismatch, catalog.BGPHoldTimerExpired, catalog.BGPStateChange,
	catalog.BGPEstablished, catalog.RouteAdvertised, catalog.RouteWithdrawn, catalog.BGPCeaseAdminReset, catalog.IKENegotiation}

var indexTestStates = []vpnlog.IKEState{vpnlog.IKEStateUnset, vpnlog.IKEStateDown, vpnlog.IKEStateEstablished, vpnlog.IKEStateRekeying}

// randomTimeline: records of two connections with two tunnels each, many
// sharing a second or a millisecond, some with second precision, in
// random order.
func randomTimeline(r *rand.Rand, n int) []vpnlog.Event {
	evs := make([]vpnlog.Event, n)
	for i := range evs {
		e := &evs[i]
		e.TimeMs = 1_700_000_000_000 + r.Int64N(40)*500 + r.Int64N(3)
		if r.IntN(3) == 0 {
			e.Precision = vpnlog.PrecisionSeconds
			e.TimeMs -= e.TimeMs % 1000
		}
		e.VPNConnectionID = fmt.Sprintf("vpn-%d", r.IntN(2))
		e.TunnelIP = fmt.Sprintf("198.51.100.%d", 1+r.IntN(2))
		e.Category = indexTestCategories[r.IntN(len(indexTestCategories))]
		e.Stream = vpnlog.StreamBGP
		if e.Category[:3] == "ike" {
			e.Stream = vpnlog.StreamIKE
			e.Phase1State = indexTestStates[r.IntN(len(indexTestStates))]
			e.Phase2State = indexTestStates[r.IntN(len(indexTestStates))]
		}
		e.Line = i // tells equal-looking records apart
	}
	return evs
}

func TestSortEventsMatchesStableSortOfRecords(t *testing.T) {
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 0x50f7))
		evs := randomTimeline(r, 1+r.IntN(200))
		want := append([]vpnlog.Event(nil), evs...)
		sortEventsByScan(want)
		SortEvents(evs)
		for i := range evs {
			if evs[i].Line != want[i].Line {
				t.Fatalf("seed %d: position %d holds record %d, want %d", seed, i, evs[i].Line, want[i].Line)
			}
		}
	}
}

// The timeline does not depend on the order the streams were read in:
// records tied on rank and millisecond order by stream, and each stream
// keeps its own order.
func TestSortEventsIndependentOfStreamOrder(t *testing.T) {
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 0x0dd))
		evs := randomTimeline(r, 1+r.IntN(200))
		// The same records, streams concatenated in two different orders.
		byStream := map[string][]vpnlog.Event{}
		var names []string
		for _, e := range evs {
			k := fmt.Sprintf("%s %s %d", e.VPNConnectionID, e.TunnelIP, e.Stream)
			if byStream[k] == nil {
				names = append(names, k)
			}
			byStream[k] = append(byStream[k], e)
		}
		var a, b []vpnlog.Event
		for i := range names {
			a = append(a, byStream[names[i]]...)
			b = append(b, byStream[names[len(names)-1-i]]...)
		}
		SortEvents(a)
		SortEvents(b)
		for i := range a {
			if a[i].Line != b[i].Line {
				t.Fatalf("seed %d: position %d holds record %d or %d depending on stream order", seed, i, a[i].Line, b[i].Line)
			}
		}
	}
}

// The index answers as a scan of the whole timeline does.
func TestTimelineIndexMatchesScan(t *testing.T) {
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 0x1dec))
		all := randomTimeline(r, 1+r.IntN(150))
		SortEvents(all)
		ix := newTimelineIndex(all, nil)
		for q := 0; q < 50; q++ {
			vpn, ip := fmt.Sprintf("vpn-%d", r.IntN(2)), fmt.Sprintf("198.51.100.%d", 1+r.IntN(2))
			ms := 1_700_000_000_000 + r.Int64N(42)*500 - 1000 + r.Int64N(3)
			to := ms + r.Int64N(5000)
			strict := r.IntN(2) == 0
			var last, before, after *vpnlog.Event
			upBetween, inWindow := false, 0
			for i := range all {
				a := &all[i]
				if a.VPNConnectionID != vpn || a.TunnelIP != ip {
					continue
				}
				if a.TimeMs >= ms && a.TimeMs <= to {
					inWindow++
				}
				if a.Stream != vpnlog.StreamIKE || a.Phase1State == vpnlog.IKEStateUnset {
					continue
				}
				// By time; between records of one millisecond, by timeline
				// order. (A second that holds a record with second
				// precision is in causal order on the timeline, not in
				// time order.)
				if (a.TimeMs < ms || a.TimeMs == ms && !strict) && (last == nil || a.TimeMs >= last.TimeMs) {
					last = a
				}
				if a.TimeMs <= ms && (before == nil || a.TimeMs >= before.TimeMs) {
					before = a
				}
				if a.TimeMs > ms && (after == nil || a.TimeMs < after.TimeMs) {
					after = a
				}
				if a.TimeMs > ms && a.TimeMs < to && routineUp(a) {
					upBetween = true
				}
			}
			if got := ix.lastIKEState(vpn, ip, ms, strict); got != last {
				t.Fatalf("seed %d: lastIKEState(%s %s %d strict=%v) = %v, want %v", seed, vpn, ip, ms, strict, got, last)
			}
			if b, a := ix.ikeStatesAround(vpn, ip, ms); b != before || a != after {
				t.Fatalf("seed %d: ikeStatesAround(%d) = %v %v, want %v %v", seed, ms, b, a, before, after)
			}
			if got := ix.ikeUpBetween(vpn, ip, ms, to); got != upBetween {
				t.Fatalf("seed %d: ikeUpBetween(%d, %d) = %v, want %v", seed, ms, to, got, upBetween)
			}
			n := 0
			ix.window(vpn, ip, ms, to, func(*vpnlog.Event) { n++ })
			if n != inWindow {
				t.Fatalf("seed %d: window(%d, %d) has %d records, want %d", seed, ms, to, n, inWindow)
			}
		}
	}
}

// A timeline handed over out of order still gets the right answers.
func TestTimelineIndexUnsortedInput(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	all := randomTimeline(r, 300)
	sorted := append([]vpnlog.Event(nil), all...)
	SortEvents(sorted)
	ix, want := newTimelineIndex(all, nil), newTimelineIndex(sorted, nil)
	for ms := int64(1_700_000_000_000); ms < 1_700_000_021_000; ms += 250 {
		got, exp := ix.lastIKEState("vpn-1", "198.51.100.2", ms, false), want.lastIKEState("vpn-1", "198.51.100.2", ms, false)
		if (got == nil) != (exp == nil) || got != nil && got.TimeMs != exp.TimeMs {
			t.Fatalf("at %d: unsorted input answers %v, sorted %v", ms, got, exp)
		}
	}
}
