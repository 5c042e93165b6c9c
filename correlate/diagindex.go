package correlate

import (
	"sort"

	"github.com/vpnlens/vpnlens/vpnlog"
)

// tunnelKey names one tunnel of one connection.
type tunnelKey struct{ vpn, ip string }

// timelineIndex answers the questions a diagnosis asks of a connection's
// timeline (a tunnel's IKE state at a moment, its records in a window, the
// other tunnels of its connection and their outages) by binary search.
// Without it each question was a scan of the whole timeline, once per
// incident: explaining every incident of a busy week cost incidents ×
// records.
type timelineIndex struct {
	all       []vpnlog.Event
	ikeStates map[tunnelKey][]int32 // a tunnel's IKE records that carry phase states
	records   map[tunnelKey][]int32 // every record of a tunnel
	tunnels   map[string][]string   // a connection's tunnel IPs, sorted
	downIncs  map[tunnelKey][]int32 // a tunnel's incidents that took it down, in incs order
}

// newTimelineIndex indexes all (sorted by time, as BuildTimeline leaves
// it; a list found out of order is sorted, so that a caller's unsorted
// slice costs time, not a wrong answer).
func newTimelineIndex(all []vpnlog.Event, incs []Incident) *timelineIndex {
	ix := &timelineIndex{all: all, ikeStates: map[tunnelKey][]int32{}, records: map[tunnelKey][]int32{},
		tunnels: map[string][]string{}, downIncs: map[tunnelKey][]int32{}}
	for i := range all {
		e := &all[i]
		k := tunnelKey{e.VPNConnectionID, e.TunnelIP}
		recs, seen := ix.records[k]
		if !seen {
			ix.tunnels[k.vpn] = append(ix.tunnels[k.vpn], k.ip)
		}
		ix.records[k] = append(recs, int32(i))
		if e.Stream == vpnlog.StreamIKE && e.Phase1State != vpnlog.IKEStateUnset {
			ix.ikeStates[k] = append(ix.ikeStates[k], int32(i))
		}
	}
	for _, ips := range ix.tunnels {
		sort.Strings(ips)
	}
	for _, m := range []map[tunnelKey][]int32{ix.records, ix.ikeStates} {
		for _, list := range m {
			ix.sortByTime(list)
		}
	}
	for j := range incs {
		if o := &incs[j]; o.Down {
			k := tunnelKey{o.VPNConnectionID, o.TunnelIP}
			ix.downIncs[k] = append(ix.downIncs[k], int32(j))
		}
	}
	return ix
}

func (ix *timelineIndex) sortByTime(list []int32) {
	less := func(a, b int) bool { return ix.all[list[a]].TimeMs < ix.all[list[b]].TimeMs }
	if !sort.SliceIsSorted(list, less) {
		sort.SliceStable(list, less)
	}
}

// after is the position in list of the first record later than ms (at or
// later than ms when inclusive).
func (ix *timelineIndex) after(list []int32, ms int64, inclusive bool) int {
	return sort.Search(len(list), func(p int) bool {
		t := ix.all[list[p]].TimeMs
		return t > ms || (inclusive && t == ms)
	})
}

// lastIKEState is the tunnel's last IKE record with phase states at or
// before ms (strictly before when strict), or nil.
func (ix *timelineIndex) lastIKEState(vpn, ip string, ms int64, strict bool) *vpnlog.Event {
	list := ix.ikeStates[tunnelKey{vpn, ip}]
	if p := ix.after(list, ms, strict); p > 0 {
		return &ix.all[list[p-1]]
	}
	return nil
}

// ikeStatesAround are the tunnel's last IKE record with phase states at or
// before ms and its first one after ms (either may be nil).
func (ix *timelineIndex) ikeStatesAround(vpn, ip string, ms int64) (before, after *vpnlog.Event) {
	list := ix.ikeStates[tunnelKey{vpn, ip}]
	p := ix.after(list, ms, false)
	if p > 0 {
		before = &ix.all[list[p-1]]
	}
	if p < len(list) {
		after = &ix.all[list[p]]
	}
	return before, after
}

// ikeUpBetween: an IKE record of the tunnel strictly between from and to
// says both phases were up.
func (ix *timelineIndex) ikeUpBetween(vpn, ip string, from, to int64) bool {
	list := ix.ikeStates[tunnelKey{vpn, ip}]
	for p := ix.after(list, from, false); p < len(list); p++ {
		a := &ix.all[list[p]]
		if a.TimeMs >= to {
			break
		}
		if routineUp(a) {
			return true
		}
	}
	return false
}

// window calls fn for every record of the tunnel from start to end, both
// included.
func (ix *timelineIndex) window(vpn, ip string, start, end int64, fn func(*vpnlog.Event)) {
	list := ix.records[tunnelKey{vpn, ip}]
	for p := ix.after(list, start, true); p < len(list); p++ {
		e := &ix.all[list[p]]
		if e.TimeMs > end {
			break
		}
		fn(e)
	}
}
