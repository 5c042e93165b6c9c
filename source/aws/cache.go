package aws

import (
	"sort"
	"sync"

	"github.com/vpnlens/vpnlens/vpnlog"
)

// span is a half-open time range [lo, hi) in ms.
type span struct{ lo, hi int64 }

// spanSet is a sorted set of disjoint, non-touching spans.
type spanSet []span

// add merges [lo, hi) into the set.
func (s spanSet) add(lo, hi int64) spanSet {
	if hi <= lo {
		return s
	}
	out := make(spanSet, 0, len(s)+1)
	placed := false
	for _, x := range s {
		switch {
		case x.hi < lo:
			out = append(out, x)
		case x.lo > hi:
			if !placed {
				out = append(out, span{lo, hi})
				placed = true
			}
			out = append(out, x)
		default:
			lo, hi = min(lo, x.lo), max(hi, x.hi)
		}
	}
	if !placed {
		out = append(out, span{lo, hi})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].lo < out[j].lo })
	return out
}

// missing returns the parts of [lo, hi) the set does not cover.
func (s spanSet) missing(lo, hi int64) []span {
	var out []span
	cur := lo
	for _, x := range s {
		if x.hi <= cur {
			continue
		}
		if x.lo >= hi {
			break
		}
		if x.lo > cur {
			out = append(out, span{cur, x.lo})
		}
		cur = max(cur, x.hi)
		if cur >= hi {
			break
		}
	}
	if cur < hi {
		out = append(out, span{cur, hi})
	}
	return out
}

// layer is what is known of a stream at one level of detail: every record
// (full) or only the anomalies (what a filtered fetch returned).
type layer struct {
	covered   spanSet
	events    []vpnlog.Event // by CloudWatch time, see times
	times     []int64        // the CloudWatch timestamp of each event
	malformed []malformedAt
}

type malformedAt struct {
	ms int64
	m  vpnlog.Malformed
}

func (l *layer) insert(lo, hi int64, evs []vpnlog.Event, times []int64, bad []malformedAt) {
	l.covered = l.covered.add(lo, hi)
	if len(evs) > 0 {
		// Spans fetched are disjoint from what is held, so appending and
		// a stable sort by time keeps each fetch's own order.
		idx := make([]int, len(l.events)+len(evs))
		allE := append(l.events, evs...)
		allT := append(l.times, times...)
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return allT[idx[a]] < allT[idx[b]] })
		ne := make([]vpnlog.Event, len(idx))
		nt := make([]int64, len(idx))
		for i, j := range idx {
			ne[i], nt[i] = allE[j], allT[j]
		}
		l.events, l.times = ne, nt
	}
	l.malformed = append(l.malformed, bad...)
}

// slice returns the events with CloudWatch time in [lo, hi).
func (l *layer) slice(lo, hi int64) []vpnlog.Event {
	a := sort.Search(len(l.times), func(i int) bool { return l.times[i] >= lo })
	b := sort.Search(len(l.times), func(i int) bool { return l.times[i] >= hi })
	return l.events[a:b]
}

func (l *layer) badIn(lo, hi int64) []vpnlog.Malformed {
	var out []vpnlog.Malformed
	for _, m := range l.malformed {
		if m.ms >= lo && m.ms < hi {
			out = append(out, m.m)
		}
	}
	return out
}

type streamCache struct {
	full, anom layer
}

// cache holds fetched records per stream (log group + stream name).
type cache struct {
	mu      sync.Mutex
	streams map[string]*streamCache
	total   int
	max     int
}

func newCache(max int) *cache { return &cache{streams: map[string]*streamCache{}, max: max} }

func (c *cache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.streams = map[string]*streamCache{}
	c.total = 0
}

func cacheKey(si *streamInfo) string { return si.group + "\x00" + si.name }

// gaps returns what must be fetched for [lo, hi) of a stream: for a full
// read the parts not read in full; for an anomalies-only read the parts
// covered by neither layer.
func (c *cache) gaps(si *streamInfo, lo, hi int64, anomalies bool) []span {
	c.mu.Lock()
	defer c.mu.Unlock()
	sc := c.streams[cacheKey(si)]
	if sc == nil {
		return []span{{lo, hi}}
	}
	miss := sc.full.covered.missing(lo, hi)
	if !anomalies {
		return miss
	}
	var out []span
	for _, m := range miss {
		out = append(out, sc.anom.covered.missing(m.lo, m.hi)...)
	}
	return out
}

// store records a fetch of [lo, hi). complete is the part of it that is
// old enough to be final; only that is marked covered, so the recent tail
// is fetched again next time (its events are returned, not kept).
func (c *cache) store(si *streamInfo, lo, hi int64, anomalies bool, evs []vpnlog.Event, times []int64, bad []malformedAt, completeHi int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	hi = min(hi, completeHi)
	if hi <= lo {
		return
	}
	n := sort.Search(len(times), func(i int) bool { return times[i] >= hi })
	if c.total+n > c.max {
		c.streams = map[string]*streamCache{}
		c.total = 0
	}
	sc := c.streams[cacheKey(si)]
	if sc == nil {
		sc = &streamCache{}
		c.streams[cacheKey(si)] = sc
	}
	var kept []malformedAt
	for _, m := range bad {
		if m.ms < hi {
			kept = append(kept, m)
		}
	}
	l := &sc.full
	if anomalies {
		l = &sc.anom
	}
	// Two questions may have fetched the same gap at once: keep only what
	// the layer does not hold yet, so no record is stored twice.
	for _, m := range l.covered.missing(lo, hi) {
		a := sort.Search(n, func(i int) bool { return times[i] >= m.lo })
		b := sort.Search(n, func(i int) bool { return times[i] >= m.hi })
		var bad []malformedAt
		for _, x := range kept {
			if x.ms >= m.lo && x.ms < m.hi {
				bad = append(bad, x)
			}
		}
		l.insert(m.lo, m.hi, evs[a:b], times[a:b], bad)
		c.total += b - a
	}
}

// read returns the cached events of [lo, hi): from the full layer where it
// covers, else (anomalies-only reads) from the anomalies layer.
func (c *cache) read(si *streamInfo, lo, hi int64, anomalies bool) (evs []vpnlog.Event, bad []vpnlog.Malformed) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sc := c.streams[cacheKey(si)]
	if sc == nil {
		return nil, nil
	}
	for _, x := range sc.full.covered {
		a, b := max(lo, x.lo), min(hi, x.hi)
		if a >= b {
			continue
		}
		for _, ev := range sc.full.slice(a, b) {
			if !anomalies || ev.Anomaly {
				evs = append(evs, ev)
			}
		}
		bad = append(bad, sc.full.badIn(a, b)...)
	}
	if anomalies {
		for _, m := range sc.full.covered.missing(lo, hi) {
			for _, x := range sc.anom.covered {
				a, b := max(m.lo, x.lo), min(m.hi, x.hi)
				if a >= b {
					continue
				}
				evs = append(evs, sc.anom.slice(a, b)...)
				bad = append(bad, sc.anom.badIn(a, b)...)
			}
		}
	}
	return evs, bad
}
