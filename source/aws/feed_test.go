package aws_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/internal/fakeaws"
	"github.com/vpnlens/vpnlens/source"
	awssource "github.com/vpnlens/vpnlens/source/aws"
	"github.com/vpnlens/vpnlens/vpnlog"
)

func sortedKeys(evs []vpnlog.Event) []string {
	k := eventKeys(evs)
	sort.Strings(k)
	return k
}

// The AWS source's feed (what source.FeedFor picks for it) reads what the
// local source holds of the same logs: a fetch, every record of a
// connection's window; a first poll, every anomaly since the look-back,
// with each stream's cursor at its newest record and at the poll's end,
// and the frontier an ingest delay behind it. Its requests go through the
// source's own client.
func TestFeedMatchesLocal(t *testing.T) {
	ctx := context.Background()
	f := newFake(t, fakeaws.Options{})
	src := newSource(t, f, nil)
	sf, err := source.FeedFor(ctx, "serve", src, src, quiet)
	if err != nil {
		t.Fatal(err)
	}
	feed, ok := sf.(*awssource.Feed)
	if !ok {
		t.Fatalf("FeedFor(the AWS source) = %T, want *aws.Feed", sf)
	}
	if got := feed.Describe(); got != "aws "+f.Region() {
		t.Errorf("Describe() = %q", got)
	}
	conns, err := feed.Connections(ctx)
	if err != nil || len(conns) == 0 {
		t.Fatalf("connections: %d, %v", len(conns), err)
	}
	loc := local(t)
	end := day.Add(24 * time.Hour)

	for i := range conns {
		c := &conns[i]
		b, err := feed.Fetch(ctx, c, day, end)
		if err != nil {
			t.Fatal(err)
		}
		want, err := loc.Logs(ctx, source.LogQuery{VPNConnectionID: c.ID, Start: day, End: end})
		if err != nil {
			t.Fatal(err)
		}
		diffKeys(t, c.ID+" fetch", sortedKeys(b.Events), sortedKeys(want.Events))
	}

	wants := make([]source.Want, len(conns))
	var anomalies []vpnlog.Event
	for i := range conns {
		wants[i] = source.Want{Conn: &conns[i], SinceMs: day.UnixMilli()}
		res, err := loc.Logs(ctx, source.LogQuery{VPNConnectionID: conns[i].ID, Start: day, End: end, AnomaliesOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		anomalies = append(anomalies, res.Events...)
	}
	if len(anomalies) == 0 {
		t.Fatal("the demo day has no anomaly")
	}
	cursors := map[string]*source.StreamCursor{}
	before := src.Calls()["FilterLogEvents"]
	b, err := feed.Poll(ctx, end, wants, cursors)
	if err != nil {
		t.Fatal(err)
	}
	diffKeys(t, "first poll", sortedKeys(b.Events), sortedKeys(anomalies))
	if got := src.Calls()["FilterLogEvents"] - before; got == 0 || got != b.Calls["FilterLogEvents"] {
		t.Errorf("the poll counted %d FilterLogEvents requests, the source's client %d", b.Calls["FilterLogEvents"], got)
	}
	for _, c := range conns {
		if got, want := b.Frontier[c.ID], end.Add(-2*time.Minute).UnixMilli(); got != want {
			t.Errorf("%s: frontier %s, want %s", c.ID, correlate.FormatMs(got), correlate.FormatMs(want))
		}
	}
	newest := map[string]int64{}
	for _, ev := range b.Events {
		k := vpnlog.StreamID{VPNConnectionID: ev.VPNConnectionID, TunnelIP: ev.TunnelIP, Kind: ev.Stream}.String()
		newest[k] = max(newest[k], ev.TimeMs)
	}
	for k, ms := range newest {
		c := cursors[k]
		if c == nil || c.LastEventMs != ms || c.PolledToMs != end.UnixMilli() {
			t.Errorf("cursor of %s: %+v, want last event %s, polled to %s", k, c, correlate.FormatMs(ms), correlate.FormatMs(end.UnixMilli()))
		}
	}
}
