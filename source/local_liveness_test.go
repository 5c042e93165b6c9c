package source_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// TestLocalCountsLiveness: with CountLiveness the liveness exchange is
// counted per stream and hour, exactly inside the window, and every other
// record is returned as without it.
func TestLocalCountsLiveness(t *testing.T) {
	const vpn, ip = "vpn-0123456789abcdef0", "203.0.113.9"
	base := time.Date(2026, 6, 12, 10, 0, 0, 0, time.UTC)
	var lines []string
	add := func(at time.Time, details string) {
		lines = append(lines, fmt.Sprintf(`{"event_timestamp":%d,"ike_phase1_state":"Established","ike_phase2_state":"Established","details":%q}`, at.Unix(), details))
	}
	liveness := 0
	for i := 0; i < 3*360; i++ { // 3 h, every 10 s
		at := base.Add(time.Duration(i) * 10 * time.Second)
		add(at, fmt.Sprintf("AWS tunnel is sending request (id=%d) for INFORMATIONAL", i))
		add(at, fmt.Sprintf("AWS tunnel processed response (id=%d) for INFORMATIONAL", i))
		liveness += 2
		if i%100 == 50 {
			add(at, fmt.Sprintf("AWS tunnel is sending request (id=%d) for CREATE_CHILD_SA", i))
		}
	}
	add(base.Add(90*time.Minute), "AWS tunnel detected a pre-shared key mismatch with cgw: 198.51.100.7")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, vpn+"_"+ip+"-IKE.log"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := source.OpenDir(dir, quiet)
	if err != nil {
		t.Fatal(err)
	}
	// A window that cuts the first and last hours.
	start, end := base.Add(30*time.Minute), base.Add(150*time.Minute)
	q := source.LogQuery{VPNConnectionID: vpn, Start: start, End: end}
	raw, err := l.Logs(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	q.CountLiveness = true
	counted, err := l.Logs(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var rawLive, rawOther []vpnlog.Event
	for _, e := range raw.Events {
		if vpnlog.IsLiveness(&e) {
			rawLive = append(rawLive, e)
		} else {
			rawOther = append(rawOther, e)
		}
	}
	if len(rawLive) == 0 || len(rawOther) < 3 {
		t.Fatalf("the raw read has %d liveness and %d other records: the test data is wrong", len(rawLive), len(rawOther))
	}
	if len(counted.Events) != len(rawOther) {
		t.Fatalf("counted read returned %d events, want the %d that are not liveness", len(counted.Events), len(rawOther))
	}
	for i := range rawOther {
		if counted.Events[i].Raw != rawOther[i].Raw || counted.Events[i].TimeMs != rawOther[i].TimeMs {
			t.Fatalf("event %d differs: %q vs %q", i, counted.Events[i].Raw, rawOther[i].Raw)
		}
	}
	var sum int64
	for i, c := range counted.Liveness {
		sum += c.Count
		if c.HourMs%int64(time.Hour/time.Millisecond) != 0 || c.FirstMs < c.HourMs || c.LastMs >= c.HourMs+3_600_000 || c.FirstMs > c.LastMs {
			t.Errorf("count %d is not one hour's: %+v", i, c)
		}
		if c.FirstMs < start.UnixMilli() || c.LastMs >= end.UnixMilli() {
			t.Errorf("count %d reaches outside the window: %+v", i, c)
		}
	}
	if sum != int64(len(rawLive)) {
		t.Errorf("liveness counted %d, the raw read has %d", sum, len(rawLive))
	}
	if len(counted.Liveness) != 3 {
		t.Errorf("%d hourly counts, want 3 (10:30-11, 11-12, 12-12:30): %+v", len(counted.Liveness), counted.Liveness)
	}
	if got, want := counted.Liveness[0].FirstMs, rawLive[0].TimeMs; got != want {
		t.Errorf("first liveness at %d, want %d", got, want)
	}
	if got, want := counted.Liveness[len(counted.Liveness)-1].LastMs, rawLive[len(rawLive)-1].TimeMs; got != want {
		t.Errorf("last liveness at %d, want %d", got, want)
	}
	q.AnomaliesOnly = true
	anom, err := l.Logs(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(anom.Liveness) != 0 || len(anom.Events) != 1 {
		t.Errorf("anomalies only: %d events and %d liveness counts, want 1 and none", len(anom.Events), len(anom.Liveness))
	}
}
