package watch

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/source"
)

// The demo day cut at 20:40 (see newReplay): connection vpn-0a1b2c3d4e5f60718's
// tunnel 203.0.113.20 has been down since 20:25:12 (the gateway deleted the
// IKE SA, then its PSK no longer matched; it comes back at 21:40:12) and is
// retrying every 20 s; every other incident of the day is over.
const (
	lbVPN    = "vpn-0a1b2c3d4e5f60718"
	lbTunnel = "203.0.113.20"
	lbCause  = "ike.cgw_delete_ike_sa"
	lbStart  = "2026-06-12T20:25:12.418Z"
)

var (
	lbCut      = time.Date(2026, 6, 12, 20, 40, 0, 0, time.UTC)
	lbDayStart = time.Date(2026, 6, 12, 0, 0, 0, 0, time.UTC)
	// lbLater is a month after the cut: the folder is an export.
	lbLater = lbCut.AddDate(0, 1, 0)
)

// lookbackRun is a first run (no state) of the watch on dir, clock at now:
// a few polls past the settle delay, reports delivered.
type lookbackRun struct {
	e   *Engine
	out *syncBuffer
	log *syncBuffer
}

func runLookback(t *testing.T, dir string, now time.Time, lookback time.Duration) *lookbackRun {
	t.Helper()
	feed, err := source.NewLocalFeed(dir, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	r := &lookbackRun{out: &syncBuffer{}, log: &syncBuffer{}}
	clock := NewFakeClock(now)
	r.e, err = New(Config{Feed: feed, Clock: clock, Logger: slog.New(slog.NewTextHandler(r.log, nil)), Lookback: lookback,
		Sinks: []Sink{NewStdoutSink(r.out)}, StatePath: filepath.Join(t.TempDir(), "state.json")})
	if err != nil {
		t.Fatal(err)
	}
	r.steps(t, clock, 4)
	return r
}

func (r *lookbackRun) steps(t *testing.T, clock *FakeClock, n int) {
	t.Helper()
	ctx := context.Background()
	for range n {
		if err := r.e.Step(ctx); err != nil {
			t.Fatal(err)
		}
		r.e.DeliverDue(ctx)
		clock.Advance(DefaultInterval)
	}
}

// demoUntil writes the demo day up to cut into a new folder.
func demoUntil(t *testing.T, cut time.Time) string {
	dir := t.TempDir()
	newReplay(t, dir).until(cut)
	return dir
}

// TestLocalLookback: on a first run, --lookback counts back from the clock
// and the records before its start are history, however the files were
// written (a --logs-dir tailer reads every file from its start):
//
//   - An incident over before the look-back start is listed (vpn://incidents,
//     before_watching) and never reported.
//   - An incident still under way in the look-back (not recovered, with
//     records inside it) is reported once, as already in progress, from its
//     real start: the records before the look-back are kept for its story
//     and root cause.
//   - An incident over by the end of the records is history even inside the
//     look-back (as on AWS: a first run reports only what is under way).
//   - "Under way" is judged by the records, "inside the look-back" by the
//     clock: an export whose newest record is older than the look-back start
//     yields no report at all, and the engine says so once, naming the newest
//     record's time and the look-back start, and that --lookback widens it.
func TestLocalLookback(t *testing.T) {
	t.Parallel()
	t.Run("export a month old, default look-back: nothing reported", func(t *testing.T) {
		t.Parallel()
		r := runLookback(t, demoUntil(t, lbCut), lbLater, 0)
		if rs := reports(t, r.out.String()); len(rs) != 0 {
			for _, x := range rs {
				t.Logf("reported: %s %s already_in_progress=%v", x.Event, x.Title, x.AlreadyInProgress)
			}
			t.Fatalf("%d reports from an export a month old with a 1h look-back, want none", len(rs))
		}
		v := r.e.Snapshot()
		if len(v.Open) != 0 {
			t.Fatalf("open: %+v", v.Open)
		}
		var outage *IncidentSummary
		for i := range v.Recent {
			if !v.Recent[i].BeforeWatching {
				t.Errorf("listed as not before watching: %+v", v.Recent[i])
			}
			if v.Recent[i].Tunnel == lbTunnel && v.Recent[i].Start.UTC == lbStart {
				outage = &v.Recent[i]
			}
		}
		if outage == nil || outage.Status != "down" || outage.RootCause != lbCause {
			t.Fatalf("the outage under way at the end of the export is not listed as history: %+v (recent %d)", outage, len(v.Recent))
		}
		// One line says why, with both times and the way out.
		var said []string
		for _, l := range strings.Split(r.log.String(), "\n") {
			if strings.Contains(l, "older than the look-back") {
				said = append(said, l)
			}
		}
		if len(said) != 1 {
			t.Fatalf("%d lines say the records are older than the look-back, want 1:\n%s", len(said), r.log.String())
		}
		t.Log(said[0])
		for _, want := range []string{"newest_record=2026-06-12T20:39:", "lookback_start=2026-07-12T19:40:00Z", "lookback=1h0m0s", "--lookback"} {
			if !strings.Contains(said[0], want) {
				t.Errorf("the line does not say %q: %s", want, said[0])
			}
		}
	})
	t.Run("export a month old, look-back covering the day: the outage under way at its end", func(t *testing.T) {
		t.Parallel()
		r := runLookback(t, demoUntil(t, lbCut), lbLater, lbLater.Sub(lbDayStart))
		rs := reports(t, r.out.String())
		if len(rs) != 1 {
			for _, x := range rs {
				t.Logf("reported: %s %s", x.Event, x.Title)
			}
			t.Fatalf("%d reports, want 1 (the outage under way at the end of the export)", len(rs))
		}
		x := rs[0]
		if x.Event != EventOpened || !x.AlreadyInProgress || x.VPNConnectionID != lbVPN || x.Tunnel != lbTunnel ||
			x.When.Start.UTC != lbStart || !x.When.Ongoing || x.RootCause.Category != lbCause {
			t.Fatalf("report: %s in_progress=%v %s %s start %s ongoing=%v cause %s", x.Event, x.AlreadyInProgress, x.VPNConnectionID, x.Tunnel,
				x.When.Start.UTC, x.When.Ongoing, x.RootCause.Category)
		}
		v := r.e.Snapshot()
		if len(v.Open) != 1 || len(v.Recent) < 9 {
			t.Fatalf("open %d recent %d: want the outage open and the day's 9 finished incidents listed", len(v.Open), len(v.Recent))
		}
		if strings.Contains(r.log.String(), "older than the look-back") {
			t.Errorf("said the records are too old: %s", r.log.String())
		}
	})
	t.Run("live folder, look-back starting inside the outage: reported from its real start", func(t *testing.T) {
		t.Parallel()
		now := time.Date(2026, 6, 12, 21, 30, 0, 0, time.UTC)
		r := runLookback(t, demoUntil(t, now), now, 30*time.Minute)
		rs := reports(t, r.out.String())
		if len(rs) != 1 {
			t.Fatalf("%d reports, want 1", len(rs))
		}
		if x := rs[0]; !x.AlreadyInProgress || x.Tunnel != lbTunnel || x.When.Start.UTC != lbStart || x.RootCause.Category != lbCause {
			t.Fatalf("report: in_progress=%v %s start %s cause %s", x.AlreadyInProgress, x.Tunnel, x.When.Start.UTC, x.RootCause.Category)
		}
	})
	t.Run("a month-old export of a tunnel added to a folder being watched", func(t *testing.T) {
		t.Parallel()
		// The folder holds tunnel 203.0.113.10's files; a first run a
		// month later lists its history. Then tunnel 203.0.113.20's
		// files (the outage under way when they end) are copied in: its
		// streams have no cursor, their records are a month old: history.
		src := demoUntil(t, lbCut)
		dir := t.TempDir()
		copyFile(t, filepath.Join(src, "vpn-connections.json"), filepath.Join(dir, "vpn-connections.json"))
		ents, _ := os.ReadDir(src)
		var later []string
		for _, e := range ents {
			switch {
			case strings.Contains(e.Name(), "_"+lbTunnel+"-"):
				later = append(later, e.Name())
			case strings.HasSuffix(e.Name(), ".log"):
				copyFile(t, filepath.Join(src, e.Name()), filepath.Join(dir, e.Name()))
			}
		}
		clock := NewFakeClock(lbLater)
		feed, _ := source.NewLocalFeed(dir, quietLogger())
		r := &lookbackRun{out: &syncBuffer{}, log: &syncBuffer{}}
		var err error
		r.e, err = New(Config{Feed: feed, Clock: clock, Logger: slog.New(slog.NewTextHandler(r.log, nil)), Sinks: []Sink{NewStdoutSink(r.out)}})
		if err != nil {
			t.Fatal(err)
		}
		r.steps(t, clock, 2)
		for _, f := range later {
			copyFile(t, filepath.Join(src, f), filepath.Join(dir, f))
		}
		r.steps(t, clock, 4)
		if rs := reports(t, r.out.String()); len(rs) != 0 {
			t.Fatalf("%d reports (first %s %s), want none", len(rs), rs[0].Event, rs[0].Title)
		}
		if v := r.e.Snapshot(); len(v.Open) != 0 {
			t.Fatalf("open: %+v", v.Open)
		}
	})
}
