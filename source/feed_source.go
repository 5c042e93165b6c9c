package source

import (
	"context"
	"log/slog"
	"time"
)

// SourceFeed is a Feed on any vpnlens source (a logs directory loaded
// once, the demo, any LogSource), polled through its LogSource interface:
// one windowed read per connection per poll, anomalies only while healthy.
// On AWS, FeedFor picks the source's own aws.Feed instead, which reads
// whole log groups per request.
type SourceFeed struct {
	Name      string
	Inventory Inventory
	Logs      LogSource
	// Overlap re-reads the end of the previous window, for records
	// ingested late (default 2 min).
	Overlap time.Duration
}

// Feeder is a LogSource with a live feed of its own, cheaper than a
// SourceFeed polling it through LogSource. The AWS source is one: its
// feed (package source/aws) reads whole log groups per request.
type Feeder interface {
	// Feed builds the source's feed, listing the connections of inv.
	Feed(ctx context.Context, inv Inventory, logger *slog.Logger) (Feed, error)
}

// FeedFor is the cheapest feed that watches a source: on the AWS source,
// an aws.Feed on the source's own CloudWatch Logs client (a few
// group-wide requests per poll for the whole fleet, where a SourceFeed
// makes one per stream); on any other Feeder, its own feed; on anything
// else, a SourceFeed.
func FeedFor(ctx context.Context, name string, inv Inventory, logs LogSource, logger *slog.Logger) (Feed, error) {
	if src, ok := logs.(Feeder); ok {
		return src.Feed(ctx, inv, logger)
	}
	return &SourceFeed{Name: name, Inventory: inv, Logs: logs}, nil
}

// Describe implements Feed.
func (f *SourceFeed) Describe() string { return f.Name }

// Complete implements Feed.
func (f *SourceFeed) Complete() bool { return false }

// Connections implements Feed.
func (f *SourceFeed) Connections(ctx context.Context) ([]Connection, error) {
	return f.Inventory.Connections(ctx)
}

func (f *SourceFeed) overlap() time.Duration {
	if f.Overlap <= 0 {
		return 2 * time.Minute
	}
	return f.Overlap
}

// connKey is the cursor of a whole connection (this feed reads
// connection-wide windows).
func connKey(vpn string) string { return "connection " + vpn }

// Poll implements Feed. A source whose newest record is older than the
// look-back (exported logs, the demo) is read up to its newest record:
// its "now" is the end of its data.
func (f *SourceFeed) Poll(ctx context.Context, now time.Time, wants []Want, cursors map[string]*StreamCursor) (*Batch, error) {
	b := NewBatch()
	for _, w := range wants {
		end := now
		start := time.UnixMilli(w.SinceMs)
		c := cursors[connKey(w.Conn.ID)]
		if c != nil && c.PolledToMs > 0 {
			start = time.UnixMilli(c.PolledToMs).Add(-f.overlap())
		}
		// A source whose newest record is older than the look-back
		// (exported logs, the demo) does not grow: read it up to its
		// newest record, which is its "now".
		if exts, err := f.Logs.Extents(ctx, w.Conn.ID); err == nil {
			var newest time.Time
			for _, x := range exts {
				if x.Last.After(newest) {
					newest = x.Last
				}
			}
			if !newest.IsZero() && newest.UnixMilli() < w.SinceMs {
				end = newest.Add(time.Millisecond)
				if c == nil || c.PolledToMs == 0 {
					start = end.Add(-now.Sub(time.UnixMilli(w.SinceMs)))
				}
			}
		}
		res, err := f.Logs.Logs(ctx, LogQuery{VPNConnectionID: w.Conn.ID, Start: start, End: end, AnomaliesOnly: !w.Full})
		if err != nil {
			return nil, err
		}
		b.Events = append(b.Events, res.Events...)
		if c == nil {
			// A loaded source reports its whole load on every read: say
			// it once.
			b.Report.Merge(&res.Report)
			b.Notes = append(b.Notes, res.Notes...)
			c = &StreamCursor{}
			cursors[connKey(w.Conn.ID)] = c
		}
		c.PolledToMs = end.UnixMilli()
		frontier := end.UnixMilli() - f.overlap().Milliseconds()
		if end.Before(now) {
			frontier = end.UnixMilli() // static data: complete up to its end
		}
		b.Frontier[w.Conn.ID] = frontier
	}
	for i := range b.Events {
		Advance(cursors, &b.Events[i])
	}
	return b, nil
}

// Fetch implements Feed.
func (f *SourceFeed) Fetch(ctx context.Context, c *Connection, from, to time.Time) (*Batch, error) {
	b := NewBatch()
	if cur := to; cur.After(from) {
		res, err := f.Logs.Logs(ctx, LogQuery{VPNConnectionID: c.ID, Start: from, End: to})
		if err != nil {
			return nil, err
		}
		b.Events = res.Events
	}
	return b, nil
}
