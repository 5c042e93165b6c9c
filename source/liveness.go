package source

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/vpnlens/vpnlens/vpnlog"
)

// LivenessCount is the liveness exchange of one stream in one UTC hour
// (the part of it inside the query's window).
type LivenessCount struct {
	Stream  vpnlog.StreamID
	HourMs  int64 // the hour's start, ms since the epoch
	Count   int64
	FirstMs int64 // the first and last of those records
	LastMs  int64
}

// livenessTally counts liveness records by stream and hour.
type livenessTally map[livenessKey]*LivenessCount

type livenessKey struct {
	stream vpnlog.StreamID
	hourMs int64
}

// add counts ev.
func (t livenessTally) add(ev *vpnlog.Event) {
	id := vpnlog.StreamID{VPNConnectionID: ev.VPNConnectionID, TunnelIP: ev.TunnelIP, Kind: ev.Stream}
	k := livenessKey{id, ev.TimeMs - ev.TimeMs%hourMs}
	c := t[k]
	if c == nil {
		c = &LivenessCount{Stream: id, HourMs: k.hourMs, FirstMs: ev.TimeMs, LastMs: ev.TimeMs}
		t[k] = c
	}
	c.Count++
	c.FirstMs, c.LastMs = min(c.FirstMs, ev.TimeMs), max(c.LastMs, ev.TimeMs)
}

// merge adds o's counts to t.
func (t livenessTally) merge(o livenessTally) {
	for k, c := range o {
		if m := t[k]; m != nil {
			m.Count += c.Count
			m.FirstMs, m.LastMs = min(m.FirstMs, c.FirstMs), max(m.LastMs, c.LastMs)
		} else {
			t[k] = c
		}
	}
}

// sorted lists the counts in stream, then time order.
func (t livenessTally) sorted() []LivenessCount {
	out := make([]LivenessCount, 0, len(t))
	for _, c := range t {
		out = append(out, *c)
	}
	return SortLiveness(out)
}

const hourMs = int64(time.Hour / time.Millisecond)

// SplitLiveness takes the liveness exchange out of evs (in place, the
// order of the rest kept) and counts it, for sources that can only fetch
// it and queries that asked for it counted.
func SplitLiveness(evs []vpnlog.Event) ([]vpnlog.Event, []LivenessCount) {
	t := livenessTally{}
	kept := evs[:0]
	for i := range evs {
		if vpnlog.IsLiveness(&evs[i]) {
			t.add(&evs[i])
			continue
		}
		kept = append(kept, evs[i])
	}
	clear(evs[len(kept):]) // no stale copies keep records alive
	return kept, t.sorted()
}

// SortLiveness puts counts in stream, then time order (as LogResult
// holds them).
func SortLiveness(counts []LivenessCount) []LivenessCount {
	slices.SortFunc(counts, func(a, b LivenessCount) int {
		if c := strings.Compare(a.Stream.String(), b.Stream.String()); c != 0 {
			return c
		}
		return cmp.Compare(a.HourMs, b.HourMs)
	})
	return counts
}
