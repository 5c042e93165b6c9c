package watch

import (
	"context"
	"sort"
	"time"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// Feed is where watch gets records from: new records at every poll, and
// every record of a window when an incident needs its full story.
type Feed interface {
	// Describe names what is watched ("aws eu-central-1", "logs-dir /x"):
	// it is recorded in the state file so that one state file is not
	// reused for another source.
	Describe() string
	// Connections lists the VPN connections the feed can see.
	Connections(ctx context.Context) ([]source.Connection, error)
	// Poll returns records of the wanted connections that are newer than
	// the cursors (keyed by stream name, "<vpn>_<ip>-IKE"), and moves the
	// cursors. A record may come back twice (overlapping reads); the engine
	// drops repeats.
	Poll(ctx context.Context, now time.Time, wants []Want, cursors map[string]*StreamCursor) (*Batch, error)
	// Fetch returns every record (not only anomalies) of a connection's
	// streams in [from, to).
	Fetch(ctx context.Context, conn *source.Connection, from, to time.Time) (*Batch, error)
	// Complete reports whether Poll always returns every record (local
	// files), so there is no anomalies-only mode to leave.
	Complete() bool
}

// Want is one connection a poll reads.
type Want struct {
	Conn *source.Connection
	// Full asks for every record; otherwise only records that may be
	// anomalies (a feed may filter server-side; it must never hold an
	// anomaly back).
	Full bool
	// SinceMs is where a stream without a cursor starts (the look-back of
	// a first run).
	SinceMs int64
}

// Batch is what a poll or fetch returned.
type Batch struct {
	Events []vpnlog.Event
	// Frontier per connection: every wanted record up to this time (ms)
	// has been returned, by this poll or an earlier one.
	Frontier map[string]int64
	// Calls counts requests to the source's API, by operation.
	Calls map[string]int
	// Report counts what was read, malformed records located.
	Report vpnlog.Report
	Notes  []string
}

func newBatch() *Batch {
	return &Batch{Frontier: map[string]int64{}, Calls: map[string]int{}, Report: vpnlog.Report{ByCategory: map[catalog.Category]int64{}}}
}

// streamKey is the cursor key of an event's stream.
func streamKey(ev *vpnlog.Event) string {
	return vpnlog.StreamID{VPNConnectionID: ev.VPNConnectionID, TunnelIP: ev.TunnelIP, Kind: ev.Stream}.String()
}

// advance moves a stream's cursor past an event.
func advance(cursors map[string]*StreamCursor, ev *vpnlog.Event) {
	k := streamKey(ev)
	c := cursors[k]
	if c == nil {
		c = &StreamCursor{}
		cursors[k] = c
	}
	c.LastEventMs = max(c.LastEventMs, ev.TimeMs)
}

// memSource serves one connection's buffered records to the tools'
// diagnosis code, so a report says exactly what diagnose_tunnel_drop says
// about the same records.
type memSource struct {
	conns  []source.Connection
	events []vpnlog.Event // sorted
}

func (m *memSource) Connections(ctx context.Context) ([]source.Connection, error) {
	return m.conns, nil
}

func (m *memSource) Logs(ctx context.Context, q source.LogQuery) (*source.LogResult, error) {
	lo, hi := q.Start.UnixMilli(), q.End.UnixMilli()
	if q.End.IsZero() {
		hi = 1<<63 - 1
	}
	res := &source.LogResult{Path: "vpnlens watch buffer", Report: vpnlog.Report{ByCategory: map[catalog.Category]int64{}}}
	i := sort.Search(len(m.events), func(i int) bool { return m.events[i].TimeMs >= lo })
	for ; i < len(m.events) && m.events[i].TimeMs < hi; i++ {
		ev := &m.events[i]
		if !q.Wants(vpnlog.StreamID{VPNConnectionID: ev.VPNConnectionID, TunnelIP: ev.TunnelIP, Kind: ev.Stream}) {
			continue
		}
		if q.AnomaliesOnly && !ev.Anomaly {
			continue
		}
		res.Events = append(res.Events, *ev)
		res.Report.Records++
		res.Report.ByCategory[ev.Category]++
	}
	return res, nil
}

func (m *memSource) Extents(ctx context.Context, vpn string) ([]source.Extent, error) {
	by := map[vpnlog.StreamID]*source.Extent{}
	var order []vpnlog.StreamID
	for i := range m.events {
		ev := &m.events[i]
		if ev.VPNConnectionID != vpn {
			continue
		}
		id := vpnlog.StreamID{VPNConnectionID: ev.VPNConnectionID, TunnelIP: ev.TunnelIP, Kind: ev.Stream}
		x := by[id]
		if x == nil {
			x = &source.Extent{Stream: id, First: ev.Time()}
			by[id] = x
			order = append(order, id)
		}
		x.Last = ev.Time()
		x.Count++
	}
	out := make([]source.Extent, 0, len(order))
	for _, id := range order {
		out = append(out, *by[id])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Stream.String() < out[j].Stream.String() })
	return out, nil
}
