package aws_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
	"github.com/vpnlens/vpnlens/source"
	awssource "github.com/vpnlens/vpnlens/source/aws"
)

// livenessDemo is the demo data with hq's tunnel 1 logging the liveness
// exchange every 10 s of the day, as a real tunnel with DPD on does.
func livenessDemo(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(demoDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(demoDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		name := e.Name()
		if strings.HasSuffix(name, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if b, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
			name = strings.TrimSuffix(name, ".gz")
		}
		if name == hq+"_203.0.113.10-IKE.log" {
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			id := 5000
			for at := day.Unix(); at < day.Add(24*time.Hour).Unix(); at += 10 {
				lines = append(lines,
					fmt.Sprintf(`{"event_timestamp":%d,"dpd_enabled":"True","nat_t_detected":"False","ike_phase1_state":"Established","ike_phase2_state":"Established","details":"AWS tunnel is sending request (id=%d) for INFORMATIONAL"}`, at, id),
					fmt.Sprintf(`{"event_timestamp":%d,"dpd_enabled":"True","nat_t_detected":"False","ike_phase1_state":"Established","ike_phase2_state":"Established","details":"AWS tunnel processed response (id=%d) for INFORMATIONAL"}`, at, id))
				id++
			}
			ts := func(l string) string { return l[strings.Index(l, ":")+1 : strings.Index(l, ",")] }
			sort.SliceStable(lines, func(i, j int) bool { return ts(lines[i]) < ts(lines[j]) })
			b = []byte(strings.Join(lines, "\n") + "\n")
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestLivenessCountedLikeLocal: asked to count the liveness exchange, the
// AWS source returns the same records and the same counts as the local
// folder, on the FilterLogEvents path (counted here) and on the Logs
// Insights path (counted inside AWS, never fetched).
func TestLivenessCountedLikeLocal(t *testing.T) {
	dir := livenessDemo(t)
	f := fakeaws.New(fakeaws.Options{})
	t.Cleanup(f.Close)
	if err := f.LoadDir(dir); err != nil {
		t.Fatal(err)
	}
	l, err := source.OpenFS(source.HideFiles(os.DirFS(dir), "expected.json"), "demo", quiet)
	if err != nil {
		t.Fatal(err)
	}
	q := source.LogQuery{VPNConnectionID: hq, Start: day.Add(2 * time.Hour), End: day.Add(23 * time.Hour), CountLiveness: true}
	want, err := l.Logs(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var wantLive int64
	for _, c := range want.Liveness {
		wantLive += c.Count
	}
	if wantLive != 2*21*360 {
		t.Fatalf("the local folder counts %d liveness records, want %d", wantLive, 2*21*360)
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
