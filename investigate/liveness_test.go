package investigate_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
)

const (
	demoDir = "../testdata/demo"
	hq      = "vpn-0a1b2c3d4e5f60718"
	hqT1    = "203.0.113.10"
)

var day = time.Date(2026, 6, 12, 0, 0, 0, 0, time.UTC)

// withLiveness copies the demo data, adding to tunnel 1 of hq (up all
// day) the liveness exchange every 10 s from 01:00 to 23:00 (inside the
// time its logs cover already), as a real tunnel with DPD on logs it. The
// demo is real density and logs the exchange already; a second one, on
// whole seconds, is as much routine and must change as little.
func withLiveness(t *testing.T) string {
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
		if name == hq+"_"+hqT1+"-IKE.log" {
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			id := 9000
			for at := day.Add(time.Hour).Unix(); at < day.Add(23*time.Hour).Unix(); at += 10 {
				for _, d := range []string{"AWS tunnel is sending request (id=%d) for INFORMATIONAL", "AWS tunnel processed response (id=%d) for INFORMATIONAL"} {
					lines = append(lines, fmt.Sprintf(`{"event_timestamp":%d,"dpd_enabled":"True","nat_t_detected":"False","ike_phase1_state":"Established","ike_phase2_state":"Established","details":%q}`, at, fmt.Sprintf(d, id)))
				}
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

func service(t *testing.T, dir string) (*investigate.Service, *source.Local) {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	l, err := source.OpenFS(source.HideFiles(os.DirFS(dir), "expected.json"), "demo", quiet)
	if err != nil {
		t.Fatal(err)
	}
	return &investigate.Service{Inventory: l, Logs: l, Limits: investigate.DefaultLimits, Logger: quiet,
		Now: func() time.Time { return time.Date(2026, 6, 13, 8, 0, 0, 0, time.UTC) }}, l
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestLivenessChangesNoAnswer: the liveness exchange, most of a real
// tunnel's log, is counted and changes no diagnosis, no timeline entry and
// no health figure but the record counts (and rekey noise stays rekeys).
func TestLivenessChangesNoAnswer(t *testing.T) {
	ctx := context.Background()
	plain, _ := service(t, demoDir)
	live, liveSrc := service(t, withLiveness(t))
	conn, err := plain.Connection(ctx, hq)
	if err != nil {
		t.Fatal(err)
	}
	tun2 := &conn.Tunnels[1]
	at := time.Date(2026, 6, 12, 20, 25, 0, 0, time.UTC)

	dPlain, err := plain.Diagnose(ctx, investigate.DiagnoseQuestion{Conn: conn, Tunnel: tun2, At: at, Loc: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	dLive, err := live.Diagnose(ctx, investigate.DiagnoseQuestion{Conn: conn, Tunnel: tun2, At: at, Loc: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := asJSON(t, dPlain), asJSON(t, dLive); a != b {
		t.Errorf("the diagnosis changed with the liveness exchange:\nwithout: %.2000s\nwith:    %.2000s", a, b)
	}

	w := investigate.Window{Start: day, End: day.Add(24 * time.Hour), Loc: time.UTC}
	tq := investigate.TimelineQuestion{Conn: conn, Window: w, Collapse: true, View: investigate.ViewDefault}
	tPlain, err := plain.Timeline(ctx, tq)
	if err != nil {
		t.Fatal(err)
	}
	tLive, err := live.Timeline(ctx, tq)
	if err != nil {
		t.Fatal(err)
	}
	const n = 2 * 22 * 360
	if tLive.Records != tPlain.Records+n {
		t.Errorf("timeline records %d, want %d + %d liveness", tLive.Records, tPlain.Records, n)
	}
	if a, b := asJSON(t, tPlain.Entries), asJSON(t, tLive.Entries); a != b {
		t.Errorf("the timeline's entries changed with the liveness exchange:\nwithout: %.1500s\nwith:    %.1500s", a, b)
	}
	if a, b := asJSON(t, tPlain.Incidents), asJSON(t, tLive.Incidents); a != b {
		t.Errorf("the timeline's incidents changed:\nwithout: %.1500s\nwith:    %.1500s", a, b)
	}
	neg := func(r investigate.TimelineResult) (c investigate.RoutineCount) {
		for _, u := range r.Unlisted {
			if u.Tunnel == hqT1 && u.Category == "ike.negotiation" {
				return u
			}
		}
		return c
	}
	if p, l := neg(tPlain), neg(tLive); l.Count != p.Count+n || l.First != min(p.First, "2026-06-12T01:00:00Z") || l.Last != max(p.Last, "2026-06-12T22:59:50Z") {
		t.Errorf("tunnel 1's routine negotiation: %+v, want %d + %d, the span of %+v and of 01:00:00 to 22:59:50", l, p.Count, n, p)
	}

	hPlain, err := plain.Health(ctx, investigate.HealthQuestion{Conn: conn, Window: investigate.WindowSpec{Start: "2026-06-12T00:00:00Z", End: "2026-06-13T00:00:00Z", Loc: time.UTC}})
	if err != nil {
		t.Fatal(err)
	}
	hLive, err := live.Health(ctx, investigate.HealthQuestion{Conn: conn, Window: investigate.WindowSpec{Start: "2026-06-12T00:00:00Z", End: "2026-06-13T00:00:00Z", Loc: time.UTC}})
	if err != nil {
		t.Fatal(err)
	}
	tp, tl := hPlain.Connections[0].Tunnels[0], hLive.Connections[0].Tunnels[0]
	if tl.Records != tp.Records+n {
		t.Errorf("health: tunnel 1 has %d records, want %d + %d", tl.Records, tp.Records, n)
	}
	tl.Records = tp.Records
	if a, b := asJSON(t, tp), asJSON(t, tl); a != b {
		t.Errorf("health of tunnel 1 changed beyond its records (rekey noise must not count the liveness exchange):\nwithout: %s\nwith:    %s", a, b)
	}

	// The source was asked to count, not to return, the exchange.
	res, err := liveSrc.Logs(ctx, source.LogQuery{VPNConnectionID: hq, Start: day, End: day.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(res.Events); got < n {
		t.Fatalf("the raw read has %d records, fewer than the %d liveness ones", got, n)
	}
}
