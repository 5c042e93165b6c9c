package watch

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/source"
)

// TestSnapshotStaticSource: on a source that does not grow (the demo,
// as `serve --demo` has it), the first poll lists the day's incidents as
// recent, diagnosed, over before watching began, and reports none.
func TestSnapshotStaticSource(t *testing.T) {
	local, err := source.OpenFS(source.HideFiles(os.DirFS(demoDir), "expected.json"), "demo", quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	e, err := New(Config{Feed: &source.SourceFeed{Name: "demo", Inventory: local, Logs: local}, Logger: quietLogger(), Sinks: []Sink{NewStdoutSink(out)},
		Lookback: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 3 {
		if err := e.Step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	e.DeliverDue(ctx)
	if out.String() != "" {
		t.Fatalf("history was reported: %s", out.String())
	}
	v := e.Snapshot()
	if len(v.Open) != 0 || len(v.Connections) != 3 {
		t.Fatalf("open %+v, connections %v", v.Open, v.Connections)
	}
	byTunnelCause := map[string]bool{}
	for _, s := range v.Recent {
		if !s.BeforeWatching || s.RootCause == "" || s.Title == "" || s.ResourceURI != "vpn://incident/"+s.ID {
			t.Errorf("recent %+v", s)
		}
		byTunnelCause[s.Tunnel+" "+s.RootCause] = true
	}
	for _, x := range demoExpected(t) {
		if !byTunnelCause[x.TunnelIP+" "+x.RootCause] && !(x.RootCause == "bgp.prefix_limit_exceeded" && byTunnelCause[x.TunnelIP+" bgp.prefix_limit_warning"]) {
			t.Errorf("%s (%s on %s) not listed", x.ID, x.RootCause, x.TunnelIP)
		}
	}
}
