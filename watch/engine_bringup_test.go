package watch

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/source"
)

// A connection whose tunnel 1 has been up for an hour when tunnel 2's logs
// begin (logging just enabled, or a tunnel just configured): its first
// records are the tunnel negotiating (IKE_SA_INIT, IKE_AUTH: phase 1
// negotiating, phase 2 down) and coming up, then BGP going Idle → Connect →
// OpenSent → OpenConfirm → Established and routes arriving.
const (
	buVPN = "vpn-0b1d2e3f4a5b60789"
	buT1  = "198.51.100.11"
	buT2  = "198.51.100.12"
)

// buRecord is one line of a stream file at a time.
type buRecord struct {
	file string
	at   time.Time
	raw  string
}

func buIKE(tunnel string, at time.Time, p1, p2, details string) buRecord {
	return buRecord{file: buVPN + "_" + tunnel + "-IKE.log", at: at, raw: `{"event_timestamp":` + itoa(at.Unix()) + `,"timestamp":"` + at.Format("2006-01-02 15:04:05Z") +
		`","dpd_enabled":true,"nat_t_detected":false,"ike_phase1_state":"` + p1 + `","ike_phase2_state":"` + p2 + `","details":"` + details + `"}`}
}

func buBGP(tunnel string, at time.Time, typ, status, message string) buRecord {
	return buRecord{file: buVPN + "_" + tunnel + "-BGP.log", at: at, raw: `{"resource_id":"` + buVPN + "_" + tunnel + `","event_timestamp":` + itoa(at.UnixMilli()) +
		`,"timestamp":"` + at.Format("2006-01-02 15:04:05.000Z") + `","type":"` + typ + `","status":"` + status + `","message":` + message + `}`}
}

func buState(tunnel string, at time.Time, from, to, status string) buRecord {
	return buBGP(tunnel, at, "BGPStatus", status, `{"details":"AWS-side peer BGP session state has changed from `+from+` to `+to+` with neighbor 169.254.20.1"}`)
}

// bringUpRecords: tunnel 1 up (state reports every 10 minutes) from
// 09:00; tunnel 2's first records at 10:00:10, established at 10:00:40, BGP
// established at 10:00:47, then routine state reports and a rekey.
func bringUpRecords() []buRecord {
	at := func(h, m, s int) time.Time { return time.Date(2026, 6, 12, h, m, s, 0, time.UTC) }
	var rs []buRecord
	for m := 0; m < 120; m += 10 {
		rs = append(rs, buIKE(buT1, at(9+m/60, m%60, 5), "established", "established", ""))
	}
	rs = append(rs,
		buIKE(buT2, at(10, 0, 10), "negotiating", "down", "AWS tunnel is sending request (id=0) for IKE_SA_INIT"),
		buIKE(buT2, at(10, 0, 14), "negotiating", "down", "AWS tunnel is sending request (id=0) for IKE_SA_INIT"),
		buIKE(buT2, at(10, 0, 22), "negotiating", "down", "AWS tunnel is sending request (id=0) for IKE_SA_INIT"),
		buIKE(buT2, at(10, 0, 38), "negotiating", "down", "AWS tunnel processed response (id=0) for IKE_SA_INIT"),
		buIKE(buT2, at(10, 0, 38), "negotiating", "down", "AWS tunnel is sending request (id=1) for IKE_AUTH"),
		buIKE(buT2, at(10, 0, 40), "established", "negotiating", "AWS tunnel processed response (id=1) for IKE_AUTH"),
		buIKE(buT2, at(10, 0, 40), "established", "established", ""),
		buState(buT2, at(10, 0, 42), "Idle", "Connect", "DOWN"),
		buBGP(buT2, at(10, 0, 42), "BGPStatus", "DOWN", `{"details":"AWS-side peer is initiating a connection (via Connect) to neighbor 169.254.20.1"}`),
		buState(buT2, at(10, 0, 45), "Connect", "OpenSent", "DOWN"),
		buState(buT2, at(10, 0, 46), "OpenSent", "OpenConfirm", "DOWN"),
		buState(buT2, at(10, 0, 47), "OpenConfirm", "Established", "UP"),
		buBGP(buT2, at(10, 0, 48), "RouteStatus", "UPDATED", `{"prefix":"10.20.0.0/16","asPath":"65020","localPref":100,"med":0,"nextHopIp":"169.254.20.1","weight":32768}`),
		buIKE(buT2, at(10, 10, 40), "established", "established", ""),
		buIKE(buT2, at(10, 20, 40), "established", "rekeying", "AWS tunnel is sending request (id=2) for CREATE_CHILD_SA"),
		buIKE(buT2, at(10, 20, 41), "established", "established", "AWS tunnel processed response (id=2) for CREATE_CHILD_SA"),
		buIKE(buT2, at(10, 30, 40), "established", "established", ""),
	)
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].at.Before(rs[j].at) })
	return rs
}

// writeUntil appends the records dated before now (from rs[*next]).
func writeUntil(t *testing.T, dir string, rs []buRecord, next *int, now time.Time) {
	for ; *next < len(rs) && rs[*next].at.Before(now); *next++ {
		appendFile(t, filepath.Join(dir, rs[*next].file), rs[*next].raw)
	}
}

// TestFirstBringUpIsNoIncident: a tunnel's first bring-up, with nothing
// before it, is not an incident: nothing is reported, nothing listed;
// whether the watch starts after it (all of it read at once) or follows it
// as it is logged, a poll catching it half-way (negotiating, not up yet),
// with no settle delay. A drop of the same tunnel after it is up still is
// one.
func TestFirstBringUpIsNoIncident(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, start, end time.Time, extra ...buRecord) (*Engine, []Report) {
		t.Helper()
		dir := t.TempDir()
		rs := append(bringUpRecords(), extra...)
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].at.Before(rs[j].at) })
		next := 0
		clock := NewFakeClock(start)
		writeUntil(t, dir, rs, &next, clock.Now())
		feed, err := source.NewLocalFeed(dir, quietLogger())
		if err != nil {
			t.Fatal(err)
		}
		out := &syncBuffer{}
		e, err := New(Config{Feed: feed, Clock: clock, Logger: quietLogger(), Settle: -1, Lookback: 2 * time.Hour,
			Sinks: []Sink{NewStdoutSink(out)}, StatePath: filepath.Join(t.TempDir(), "state.json")})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		for !clock.Now().After(end) {
			writeUntil(t, dir, rs, &next, clock.Now())
			if err := e.Step(ctx); err != nil {
				t.Fatal(err)
			}
			e.DeliverDue(ctx)
			clock.Advance(DefaultInterval)
		}
		return e, reports(t, out.String())
	}
	none := func(t *testing.T, e *Engine, rs []Report) {
		t.Helper()
		for _, r := range rs {
			t.Errorf("reported: %s %s (%s, confidence %.2f)", r.Event, r.Title, r.RootCause.Category, r.RootCause.Confidence)
		}
		v := e.Snapshot()
		for _, s := range append(v.Open, v.Recent...) {
			t.Errorf("listed: %s %s %s", s.ID, s.Status, s.Title)
		}
		if len(v.Connections) != 1 {
			t.Errorf("connections %v", v.Connections)
		}
	}
	t.Run("read at once", func(t *testing.T) {
		t.Parallel()
		at := time.Date(2026, 6, 12, 10, 31, 0, 0, time.UTC)
		e, rs := run(t, at, at.Add(3*time.Minute))
		none(t, e, rs)
	})
	t.Run("followed as logged", func(t *testing.T) {
		t.Parallel()
		// Polls at :00 and :30: the one at 10:00:30 sees tunnel 2
		// negotiating, not up yet.
		e, rs := run(t, time.Date(2026, 6, 12, 9, 30, 0, 0, time.UTC), time.Date(2026, 6, 12, 10, 35, 0, 0, time.UTC))
		none(t, e, rs)
	})
	t.Run("a drop after the bring-up is an incident", func(t *testing.T) {
		t.Parallel()
		at := func(m, s int) time.Time { return time.Date(2026, 6, 12, 10, m, s, 0, time.UTC) }
		_, rs := run(t, time.Date(2026, 6, 12, 9, 30, 0, 0, time.UTC), time.Date(2026, 6, 12, 10, 35, 0, 0, time.UTC),
			buIKE(buT2, at(25, 0), "down", "down", "AWS tunnel DPD timed out after 3 retransmits"),
			buIKE(buT2, at(25, 1), "negotiating", "down", "AWS tunnel is sending request (id=0) for IKE_SA_INIT"),
			buIKE(buT2, at(25, 5), "established", "established", "AWS tunnel processed response (id=1) for IKE_AUTH"))
		if len(rs) == 0 || rs[0].Event != EventOpened || rs[0].Tunnel != buT2 || !strings.HasPrefix(rs[0].When.Start.UTC, "2026-06-12T10:25:00") {
			for _, r := range rs {
				t.Logf("reported: %s %s start %s", r.Event, r.Title, r.When.Start.UTC)
			}
			t.Fatalf("the drop at 10:25 was not reported")
		}
		for _, r := range rs {
			if r.IncidentID != rs[0].IncidentID {
				t.Errorf("reported: %s %s", r.Event, r.Title)
			}
		}
	})
}
