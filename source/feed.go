package source

import (
	"context"
	"time"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// Feed is a live source of records, what `vpnlens watch` and serve's
// vpn://incidents read from: at every poll, the records that are new since
// the last one (per-stream cursors say where each stream was left); on
// demand, every record of a connection's window, when an incident needs
// its full story. Where an Inventory and a LogSource answer one question
// about a fixed window, a Feed follows the logs as they grow.
type Feed interface {
	// Describe names what is watched ("aws eu-central-1", "logs-dir /x"):
	// it is recorded in the state file so that one state file is not
	// reused for another source.
	Describe() string
	// Connections lists the VPN connections the feed can see.
	Connections(ctx context.Context) ([]Connection, error)
	// Poll returns records of the wanted connections that are newer than
	// the cursors (keyed by stream name, "<vpn>_<ip>-IKE"), and moves the
	// cursors. A record may come back twice (overlapping reads); the engine
	// drops repeats.
	Poll(ctx context.Context, now time.Time, wants []Want, cursors map[string]*StreamCursor) (*Batch, error)
	// Fetch returns every record (not only anomalies) of a connection's
	// streams in [from, to).
	Fetch(ctx context.Context, conn *Connection, from, to time.Time) (*Batch, error)
	// Complete reports whether Poll always returns every record (local
	// files), so there is no anomalies-only mode to leave. A complete feed
	// also reads a stream it has no cursor for from its start, records
	// older than Want.SinceMs included: the engine takes an incident of
	// those that ended before SinceMs as history (listed, never reported),
	// and keeps them for the story of one still under way then.
	Complete() bool
}

// StreamCursor is how far one stream has been read. The engine persists
// the cursors in its state file, so that a restarted watch reads on from
// where it stopped.
type StreamCursor struct {
	LastEventMs int64 `json:"last_event_ms"`          // newest record seen
	PolledToMs  int64 `json:"polled_to_ms,omitempty"` // scanned up to (AWS: the request's end time)
}

// Want is one connection a poll reads.
type Want struct {
	Conn *Connection
	// Full asks for every record; otherwise only records that may be
	// anomalies (a feed may filter server-side; it must never hold an
	// anomaly back).
	Full bool
	// SinceMs is where a stream without a cursor starts (the look-back of
	// a first run: now − --lookback). A complete feed may return older
	// records too (see Complete).
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

// NewBatch is an empty batch, ready to be filled by a poll or a fetch.
func NewBatch() *Batch {
	return &Batch{Frontier: map[string]int64{}, Calls: map[string]int{}, Report: vpnlog.Report{ByCategory: map[catalog.Category]int64{}}}
}

// streamKey is the cursor key of an event's stream.
func streamKey(ev *vpnlog.Event) string {
	return vpnlog.StreamID{VPNConnectionID: ev.VPNConnectionID, TunnelIP: ev.TunnelIP, Kind: ev.Stream}.String()
}

// Advance moves the cursor of an event's stream past it (creating the
// cursor on the stream's first record).
func Advance(cursors map[string]*StreamCursor, ev *vpnlog.Event) {
	k := streamKey(ev)
	c := cursors[k]
	if c == nil {
		c = &StreamCursor{}
		cursors[k] = c
	}
	c.LastEventMs = max(c.LastEventMs, ev.TimeMs)
}
