package watch

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
)

// replay writes the demo day into dir as if it were being logged: lines up
// to the clock are appended before each poll. rotateAt, when set, rotates
// every file (rename to .1, one more line into the old file, a new file)
// at that time.
type replay struct {
	t        testing.TB
	dir      string
	lines    []demoLine
	next     int
	rotateAt time.Time
	rotated  bool
}

func newReplay(t testing.TB, dir string) *replay {
	copyFile(t, filepath.Join(demoDir, "vpn-connections.json"), filepath.Join(dir, "vpn-connections.json"))
	return &replay{t: t, dir: dir, lines: demoLines(t)}
}

// until appends every line dated before now.
func (r *replay) until(now time.Time) {
	byFile := map[string][]string{}
	var order []string
	for r.next < len(r.lines) && r.lines[r.next].ms < now.UnixMilli() {
		l := r.lines[r.next]
		if !r.rotateAt.IsZero() && !r.rotated && l.ms >= r.rotateAt.UnixMilli() {
			r.flush(byFile, order)
			byFile, order = map[string][]string{}, nil
			r.rotate(l)
		}
		if _, ok := byFile[l.file]; !ok {
			order = append(order, l.file)
		}
		byFile[l.file] = append(byFile[l.file], l.raw)
		r.next++
	}
	r.flush(byFile, order)
}

func (r *replay) flush(byFile map[string][]string, order []string) {
	for _, f := range order {
		appendFile(r.t, filepath.Join(r.dir, f), byFile[f]...)
	}
}

// rotate renames every stream file away; the line l (the first after the
// rotation time) goes into the old file of its stream, as a writer that
// has not reopened yet would put it.
func (r *replay) rotate(l demoLine) {
	ents, _ := os.ReadDir(r.dir)
	for _, e := range ents {
		if filepath.Ext(e.Name()) == ".log" {
			p := filepath.Join(r.dir, e.Name())
			if err := os.Rename(p, p+".1"); err != nil {
				r.t.Fatal(err)
			}
		}
	}
	appendFile(r.t, filepath.Join(r.dir, l.file+".1"), l.raw)
	r.next++
	r.rotated = true
}

func (r *replay) done() bool { return r.next >= len(r.lines) }

// TestWatchLocalDemoDay replays the demo day into a growing directory and
// polls it every 30 s with the default settle delay: every labelled
// incident is reported exactly once with the expected root cause, then
// once more when it recovers; records straddle polls all day and every
// file is rotated at noon.
func TestWatchLocalDemoDay(t *testing.T) {
	t.Parallel()
	watchDemoDay(t, false)
}

// TestWatchLocalDemoDayAWSCauses: the same with the folder's AWS-side
// files (cloudtrail-events.json, tunnel-maintenance.json) read, as `vpnlens
// watch --logs-dir` reads them: the drop a tunnel-options change caused
// and the one AWS's maintenance caused are reported with those causes.
func TestWatchLocalDemoDayAWSCauses(t *testing.T) {
	t.Parallel()
	watchDemoDay(t, true)
}

func watchDemoDay(t *testing.T, withAWS bool) {
	dir := t.TempDir()
	rp := newReplay(t, dir)
	rp.rotateAt = time.Date(2026, 6, 12, 12, 0, 0, 0, time.UTC)
	clock := NewFakeClock(time.Date(2026, 6, 12, 1, 0, 0, 0, time.UTC))
	rp.until(clock.Now())
	feed, err := source.NewLocalFeed(dir, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	var causes investigate.AWSCauses
	exp := demoExpected(t)
	if withAWS {
		for _, name := range []string{source.ChangesFileName, source.MaintenanceFileName} {
			copyFile(t, filepath.Join(demoDir, name), filepath.Join(dir, name))
		}
		sf := source.NewFolderSideFiles(dir)
		causes = investigate.AWSCauses{Changes: sf, Maintenance: sf}
		exp = demoExpectedAWS(t)
	}
	out := &syncBuffer{}
	statePath := filepath.Join(t.TempDir(), "state.json")
	e, err := New(Config{Feed: feed, Clock: clock, Logger: quietLogger(), StatePath: statePath, Sinks: []Sink{NewStdoutSink(out)}, AWSCauses: causes})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	end := time.Date(2026, 6, 13, 0, 30, 0, 0, time.UTC)
	for clock.Now().Before(end) {
		rp.until(clock.Now())
		if err := e.Step(ctx); err != nil {
			t.Fatal(err)
		}
		e.DeliverDue(ctx)
		clock.Advance(DefaultInterval)
	}
	if !rp.done() {
		t.Fatal("replay did not finish")
	}
	for _, r := range reports(t, out.String()) {
		t.Logf("%s #%d %s %s", r.GeneratedAt, r.Sequence, r.Event, r.Title)
	}
	checkDemoReportsAgainst(t, reports(t, out.String()), exp, true)
	if st := e.Stats(); st.Malformed != 0 {
		t.Fatalf("malformed records: %d", st.Malformed)
	}
}

// checkDemoReports: one opened report per labelled incident with its root
// cause, one recovered update each, nothing else opened.
func checkDemoReports(t *testing.T, rs []Report, wantRecovery bool) {
	t.Helper()
	checkDemoReportsAgainst(t, rs, demoExpected(t), wantRecovery)
}

func checkDemoReportsAgainst(t *testing.T, rs []Report, exp []expectedIncident, wantRecovery bool) {
	t.Helper()
	opened := map[string][]Report{}
	recovered := map[string][]Report{}
	for _, r := range rs {
		key := r.VPNConnectionID + "|" + r.Tunnel
		switch r.Event {
		case EventOpened:
			opened[key] = append(opened[key], r)
		case EventRecovered, EventResolved:
			recovered[key] = append(recovered[key], r)
		}
		if r.Continue.Tool != "diagnose_tunnel_drop" || r.Continue.Arguments["vpn_connection_id"] != r.VPNConnectionID {
			t.Errorf("%s: continue %+v", r.IncidentID, r.Continue)
		}
	}
	total := 0
	for _, x := range exp {
		key := x.VPNConnectionID + "|" + x.TunnelIP
		var match *Report
		for i := range opened[key] {
			r := &opened[key][i]
			at, _ := time.Parse(time.RFC3339, x.RootCauseAt)
			start, _ := time.Parse(time.RFC3339, r.When.Start.UTC)
			if !start.After(at.Add(time.Minute)) && !start.Before(at.Add(-20*time.Minute)) {
				if match != nil {
					t.Errorf("%s: reported twice: %s and %s", x.ID, match.IncidentID, r.IncidentID)
				}
				match = r
			}
		}
		if match == nil {
			t.Errorf("%s: not reported", x.ID)
			continue
		}
		total++
		// The root cause said last: an early report may name a warning
		// that later became a drop (prefix-limit warnings, then exceeded).
		last := *match
		for _, r := range rs {
			if r.IncidentID == match.IncidentID || contains(r.PreviousIDs, match.IncidentID) {
				last = r
			}
		}
		if last.RootCause.Category != x.RootCause {
			t.Errorf("%s: root cause %s, want %s", x.ID, last.RootCause.Category, x.RootCause)
		}
		if match.Sequence != 1 || match.Severity == "" || match.Title == "" || len(match.RootCause.Evidence) == 0 {
			t.Errorf("%s: report %+v", x.ID, match)
		}
		if !wantRecovery {
			continue
		}
		n := 0
		for _, r := range recovered[key] {
			if r.IncidentID == match.IncidentID {
				n++
				if r.Event == EventRecovered && (r.When.RecoveredAt == nil || r.When.RecoveredAt.UTC != x.RecoveredAt || r.When.TimeToRecoverSeconds <= 0) {
					t.Errorf("%s: recovery update %+v, want recovered at %s", x.ID, r.When, x.RecoveredAt)
				}
			}
		}
		if n != 1 {
			t.Errorf("%s: %d recovery updates, want 1", x.ID, n)
		}
	}
	n := 0
	for _, rs := range opened {
		n += len(rs)
	}
	if n != total {
		for _, rs := range opened {
			for _, r := range rs {
				t.Logf("opened: %s %s %s", r.IncidentID, r.RootCause.Category, r.Title)
			}
		}
		t.Errorf("%d incidents opened, want %d", n, total)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestWatchLocalRestart kills the watch (no shutdown, no final save) at
// moments that matter — an incident seen but not reported yet, a report
// queued but not delivered, between a report and its recovery update — and
// starts a new one on the same state file each time. The reports are the
// same as without the kills: nothing lost, nothing repeated.
func TestWatchLocalRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rp := newReplay(t, dir)
	clock := NewFakeClock(time.Date(2026, 6, 12, 1, 0, 0, 0, time.UTC))
	rp.until(clock.Now())
	out := &syncBuffer{}
	statePath := filepath.Join(t.TempDir(), "state.json")
	start := func() *Engine {
		feed, err := source.NewLocalFeed(dir, quietLogger())
		if err != nil {
			t.Fatal(err)
		}
		e, err := New(Config{Feed: feed, Clock: clock, Logger: quietLogger(), StatePath: statePath, Sinks: []Sink{NewStdoutSink(out)}})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	kills := map[time.Time]string{
		time.Date(2026, 6, 12, 3, 10, 30, 0, time.UTC): "incident seen, settle delay running",
		time.Date(2026, 6, 12, 3, 11, 0, 0, time.UTC):  "report queued, not delivered",
		time.Date(2026, 6, 12, 3, 12, 0, 0, time.UTC):  "reported, not recovered",
		time.Date(2026, 6, 12, 9, 50, 30, 0, time.UTC): "escalation queued",
		time.Date(2026, 6, 12, 18, 2, 30, 0, time.UTC): "two incidents at once",
		time.Date(2026, 6, 12, 18, 9, 30, 0, time.UTC): "one recovery queued, the other not seen yet",
		time.Date(2026, 6, 12, 20, 40, 0, 0, time.UTC): "long outage under way",
	}
	e := start()
	ctx := context.Background()
	end := time.Date(2026, 6, 13, 0, 30, 0, 0, time.UTC)
	restarts := 0
	for clock.Now().Before(end) {
		rp.until(clock.Now())
		if err := e.Step(ctx); err != nil {
			t.Fatal(err)
		}
		if _, ok := kills[clock.Now()]; ok {
			// Killed after the poll's state was saved, before delivery.
			e = start()
			restarts++
		} else {
			e.DeliverDue(ctx)
		}
		clock.Advance(DefaultInterval)
	}
	e.DeliverDue(ctx)
	if restarts != len(kills) {
		t.Fatalf("%d restarts, want %d", restarts, len(kills))
	}
	rs := reports(t, out.String())
	checkDemoReports(t, rs, true)
	seen := map[string]bool{}
	for _, r := range rs {
		k := r.IncidentID + "#" + itoa(int64(r.Sequence))
		if seen[k] {
			t.Errorf("report %s delivered twice", k)
		}
		seen[k] = true
	}
}

// TestLateEarlierRecord: the BGP record of a drop arrives first and is
// reported; the IKE record that caused it, logged a few seconds earlier,
// arrives at the next poll. The incident keeps being one: no second
// "opened", an update names the deeper root cause and the id the incident
// was first reported under.
func TestLateEarlierRecord(t *testing.T) {
	dir := t.TempDir()
	ike := filepath.Join(dir, "vpn-0abc1234_203.0.113.10-IKE.log")
	bgp := filepath.Join(dir, "vpn-0abc1234_203.0.113.10-BGP.log")
	at := func(sec int) time.Time { return time.Date(2026, 6, 12, 10, 0, sec, 0, time.UTC) }
	bgpLine := func(sec int, status, details string) string {
		ts := at(sec)
		return `{"resource_id":"vpn-0abc1234_203.0.113.10","event_timestamp":` + itoa(ts.UnixMilli()) + `,"timestamp":"` + ts.Format("2006-01-02 15:04:05.000Z") +
			`","type":"BGPStatus","status":"` + status + `","message":{"details":"` + details + `"}}`
	}
	appendFile(t, ike, ikeLine(0, ""))
	appendFile(t, bgp, bgpLine(1, "UP", "AWS-side peer BGP session state has changed from OpenConfirm to Established with neighbor 169.254.10.2"))
	feed, _ := source.NewLocalFeed(dir, quietLogger())
	out := &syncBuffer{}
	clock := NewFakeClock(at(0))
	e, err := New(Config{Feed: feed, Clock: clock, Logger: quietLogger(), Sinks: []Sink{NewStdoutSink(out)}, Settle: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	step := func() {
		if err := e.Step(ctx); err != nil {
			t.Fatal(err)
		}
		e.DeliverDue(ctx)
		clock.Advance(DefaultInterval)
	}
	step()
	appendFile(t, bgp, bgpLine(40, "DOWN", "AWS-side peer sent a Hold Timer Expired notification to neighbor 169.254.10.2"),
		bgpLine(40, "DOWN", "AWS-side peer BGP session state has changed from Established to Idle with neighbor 169.254.10.2"))
	step()
	down := strings.NewReplacer(`"ike_phase1_state":"established"`, `"ike_phase1_state":"down"`, `"ike_phase2_state":"established"`, `"ike_phase2_state":"down"`)
	appendFile(t, ike, down.Replace(ikeLine(12, "AWS tunnel received DELETE for IKE_SA from CGW")))
	step()
	rs := reports(t, out.String())
	if len(rs) != 2 {
		t.Fatalf("%d reports: %+v", len(rs), rs)
	}
	if rs[0].Event != EventOpened || rs[0].RootCause.Category != "bgp.hold_timer_expired" {
		t.Fatalf("first report: %s %s", rs[0].Event, rs[0].RootCause.Category)
	}
	u := rs[1]
	if u.Event != EventRootCauseChanged || u.RootCause.Category != "ike.cgw_delete_ike_sa" || u.PreviousRootCause == nil ||
		u.PreviousRootCause.Category != "bgp.hold_timer_expired" || len(u.PreviousIDs) != 1 || u.PreviousIDs[0] != rs[0].IncidentID || u.Sequence != 2 {
		t.Fatalf("update: %s %s prev %+v ids %v seq %d", u.Event, u.RootCause.Category, u.PreviousRootCause, u.PreviousIDs, u.Sequence)
	}
}
