package aws_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
	"github.com/vpnlens/vpnlens/source"
	awssource "github.com/vpnlens/vpnlens/source/aws"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// demoLiveness counts, independently of any source, the liveness records
// the demo's streams of vpn log in [start, end): the demo is real density,
// every tunnel logging the exchange about every 10 s while it is up.
func demoLiveness(t testing.TB, vpn string, start, end time.Time) int64 {
	t.Helper()
	entries, err := os.ReadDir(demoDir)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), vpn+"_") || !strings.Contains(e.Name(), "-IKE.log") {
			continue
		}
		f, err := os.Open(filepath.Join(demoDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		var rep vpnlog.Report
		err = vpnlog.ReadRecords(f, vpnlog.ReadOptions{Name: e.Name()}, &rep, func(ev *vpnlog.Event) error {
			if vpnlog.IsLiveness(ev) && ev.TimeMs >= start.UnixMilli() && ev.TimeMs < end.UnixMilli() {
				n++
			}
			return nil
		})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// TestLivenessCountedLikeLocal: asked to count the liveness exchange, the
// AWS source returns the same records and the same counts as the local
// folder, on the FilterLogEvents path (counted here) and on the Logs
// Insights path (counted inside AWS, never fetched).
func TestLivenessCountedLikeLocal(t *testing.T) {
	f := newFake(t, fakeaws.Options{})
	l := local(t)
	q := source.LogQuery{VPNConnectionID: hq, Start: day.Add(2 * time.Hour), End: day.Add(23 * time.Hour), CountLiveness: true}
	want, err := l.Logs(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var wantLive int64
	for _, c := range want.Liveness {
		wantLive += c.Count
	}
	// 21 hours of two tunnels, an exchange (two records) about every 10 s
	// while each is up.
	if n := demoLiveness(t, hq, q.Start, q.End); wantLive != n || n < 2*2*21*300 {
		t.Fatalf("the local folder counts %d liveness records, the demo's files hold %d", wantLive, n)
	}
	for _, tc := range []struct {
		name     string
		insights time.Duration
		path     string
	}{
		{"FilterLogEvents", 48 * time.Hour, awssource.PathFilter},
		{"Logs Insights", time.Hour, awssource.PathInsights},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := newSource(t, f, func(c *awssource.Config) { c.InsightsWindow = tc.insights })
			f.ResetCalls()
			got, err := src.Logs(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			if got.Path != tc.path {
				t.Fatalf("path %q, want %q", got.Path, tc.path)
			}
			diffKeys(t, tc.name, eventKeys(got.Events), eventKeys(want.Events))
			if fmt.Sprint(got.Liveness) != fmt.Sprint(want.Liveness) {
				t.Errorf("liveness counts differ:\nAWS:   %v\nlocal: %v", got.Liveness, want.Liveness)
			}
			if tc.path == awssource.PathInsights {
				for _, ev := range got.Events {
					if strings.Contains(ev.Raw, "for INFORMATIONAL") {
						t.Fatalf("a liveness record was fetched on the counting path: %s", ev.Raw)
					}
				}
				if n := f.Counts()["FilterLogEvents"]; n != 0 {
					t.Errorf("%d FilterLogEvents calls on the Insights path", n)
				}
			}
		})
	}
}
