package tools_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/view"
)

const (
	clipHQ       = "vpn-0a1b2c3d4e5f60718"
	clipIncident = "vpn-0a1b2c3d4e5f60718_203.0.113.20_20260612T202512Z"
)

// A window that ends inside an outage must not present the outage as
// unresolved: the logs after the window say tunnel 2 recovered at 21:40:12,
// as diagnose_tunnel_drop says for the same incident id. The entries stay
// within the window.
func TestTimelineIncidentPastWindowEnd(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	got, res := call[view.Timeline](t, c, "get_vpn_timeline", map[string]any{"vpn_connection_id": clipHQ, "start": "2026-06-12 20:15", "end": "2026-06-12 20:30"})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	if len(got.Incidents) != 1 || got.Incidents[0].ID != clipIncident {
		t.Fatalf("incidents = %+v", got.Incidents)
	}
	in := got.Incidents[0]
	dg, dres := call[view.Diagnosis](t, c, "diagnose_tunnel_drop", map[string]any{"vpn_connection_id": clipHQ, "tunnel": "2", "at": "2026-06-12 20:29"})
	if dres.IsError || dg.Incident.ID != clipIncident {
		t.Fatalf("diagnose: %s %s", dg.Incident.ID, resultText(dres))
	}
	if in.Status != "recovered" || in.RecoveredAt != "2026-06-12T21:40:12.149Z" || in.End != "2026-06-12T21:40:12.149Z" {
		t.Errorf("incident status cut at the window end: %s at %s, end %s", in.Status, in.RecoveredAt, in.End)
	}
	if in.TimeToRecover != dg.Incident.TimeToRecover || in.TimeToRecover != "1h14m59s" || in.End != dg.Incident.End {
		t.Errorf("time to recover %s end %s; diagnose_tunnel_drop says %s end %s", in.TimeToRecover, in.End, dg.Incident.TimeToRecover, dg.Incident.End)
	}
	if !in.ContinuesPast {
		t.Error("continues_past_window is false for an incident that recovered after the window end")
	}
	for _, e := range got.Entries {
		if !within(t, e.At, "2026-06-12T20:15:00Z", "2026-06-12T20:30:00Z") || (e.LastAt != "" && !within(t, e.LastAt, "2026-06-12T20:15:00Z", "2026-06-12T20:30:00Z")) {
			t.Errorf("entry outside the window: %s … %s %s", e.At, e.LastAt, e.Category)
		}
	}
	text := resultText(res)
	if strings.Contains(text, "not recovered") || strings.Contains(text, "still open") ||
		!strings.Contains(text, "recovered at 2026-06-12T21:40:12.149Z after 1h14m59s") || !strings.Contains(text, "continues past the window end") {
		t.Errorf("text misstates how the incident ended:\n%s", text)
	}
}

// A window that starts inside an outage shows the outage as the other
// tools know it: its real id, start and root cause (the DELETE at
// 20:25:12, not the first PSK mismatch in the window) and its real time to
// recover, read from the logs before the window.
func TestTimelineIncidentBeforeWindowStart(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	got, res := call[view.Timeline](t, c, "get_vpn_timeline", map[string]any{"vpn_connection_id": clipHQ, "start": "2026-06-12 21:00", "end": "2026-06-12 21:30"})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	if len(got.Incidents) != 1 {
		t.Fatalf("incidents = %+v", got.Incidents)
	}
	in := got.Incidents[0]
	if in.ID != clipIncident || in.RootCause != "ike.cgw_delete_ike_sa" || in.Start != "2026-06-12T20:25:12.418Z" || !in.BeganBefore {
		t.Errorf("incident %s root cause %s start %s (began before %v), want %s ike.cgw_delete_ike_sa from 20:25:12.418", in.ID, in.RootCause, in.Start, in.BeganBefore, clipIncident)
	}
	if in.TimeToRecover != "1h14m59s" || in.RecoveredAt != "2026-06-12T21:40:12.149Z" || !in.ContinuesPast {
		t.Errorf("recovery %s after %s (continues %v), want 21:40:12.149 after 1h14m59s", in.RecoveredAt, in.TimeToRecover, in.ContinuesPast)
	}
	for _, e := range got.Entries {
		if !within(t, e.At, "2026-06-12T21:00:00Z", "2026-06-12T21:30:00Z") || (e.LastAt != "" && !within(t, e.LastAt, "2026-06-12T21:00:00Z", "2026-06-12T21:30:00Z")) {
			t.Errorf("entry outside the window: %s %s", e.At, e.Category)
		}
		if e.Category == "ike.psk_mismatch" && e.Incident != in.Number {
			t.Errorf("PSK entry marked with incident %d", e.Incident)
		}
	}
	if text := resultText(res); !strings.Contains(text, "Incident #1 "+clipIncident) || !strings.Contains(text, "it runs over the whole window") {
		t.Errorf("text:\n%s", text)
	}
}

// An outage that lasted the night is followed past the first 6 h of logs
// (the span doubles) to the next morning's recovery.
func TestTimelineIncidentFollowedOvernight(t *testing.T) {
	deps, _ := scenarioDeps(t, filepath.Join(scenariosDir, "overnight-psk-loop-recovered-next-morning"))
	c := mcpClient(t, deps)
	got, res := call[view.Timeline](t, c, "get_vpn_timeline", map[string]any{"vpn_connection_id": "vpn-09d7496c528467c33", "tunnel": "1", "start": "2026-08-26T21:00:00Z", "end": "2026-08-26T21:30:00Z"})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	if len(got.Incidents) != 1 {
		t.Fatalf("incidents = %+v", got.Incidents)
	}
	in := got.Incidents[0]
	if in.Status != "recovered" || !sameInstant(in.RecoveredAt, "2026-08-27T07:42:26.574Z") || !in.ContinuesPast {
		t.Errorf("overnight outage: %s at %s continues %v, want recovered 2026-08-27T07:42:26.574Z", in.Status, in.RecoveredAt, in.ContinuesPast)
	}
}

// An incident open at the end of all the logs says so, with the time of
// the newest record; one still open a week after the window, with logs
// beyond, says where reading stopped.
func TestTimelineIncidentStillOpen(t *testing.T) {
	// The demo cut at 21:00: tunnel 2 is still in its PSK loop there.
	cut := demoFS(t, func(line string) bool {
		i := strings.Index(line, `"timestamp":"`)
		return i < 0 || line[i+len(`"timestamp":"`):] < "2026-06-12 21:00:00"
	})
	c := mcpClient(t, fsDeps(t, cut))
	got, res := call[view.Timeline](t, c, "get_vpn_timeline", map[string]any{"vpn_connection_id": clipHQ, "start": "2026-06-12 20:15", "end": "2026-06-12 20:30"})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	if len(got.Incidents) != 1 || !strings.HasPrefix(got.Incidents[0].Status, "still open") || got.Incidents[0].RecoveredAt != "" {
		t.Fatalf("incidents = %+v", got.Incidents)
	}
	in := got.Incidents[0]
	want := "still open at the end of the logs (2026-06-12T20:59:"
	if !strings.Contains(in.Status, want) || !strings.Contains(resultText(res), want) || !in.ContinuesPast {
		t.Errorf("status %q (continues %v), want %q…; text:\n%s", in.Status, in.ContinuesPast, want, resultText(res))
	}
	if in.End < "2026-06-12T20:59:00Z" {
		t.Errorf("end %s is the window's cut-off, not the last record of the incident", in.End)
	}

	// Down on 1 June, still down when the other tunnel logs on 10 June.
	ike := func(at time.Time, p1, p2, details string) string {
		b, _ := json.Marshal(map[string]any{"event_timestamp": at.Unix(), "timestamp": at.Format("2006-01-02 15:04:05Z"),
			"dpd_enabled": true, "nat_t_detected": false, "ike_phase1_state": p1, "ike_phase2_state": p2, "details": details})
		return string(b) + "\n"
	}
	day := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	week := fstest.MapFS{
		"vpn-0feed0feed0feed00_198.51.100.1-IKE.log": {Data: []byte(ike(day, "established", "established", "") +
			ike(day.Add(10*time.Minute), "down", "down", "AWS tunnel received DELETE for IKE_SA from CGW"))},
		"vpn-0feed0feed0feed00_198.51.100.2-IKE.log": {Data: []byte(ike(day, "established", "established", "") +
			ike(day.Add(9*24*time.Hour), "established", "established", ""))},
	}
	c = mcpClient(t, fsDeps(t, week))
	got, res = call[view.Timeline](t, c, "get_vpn_timeline", map[string]any{"vpn_connection_id": "vpn-0feed0feed0feed00", "start": "2026-06-01T09:00:00Z", "end": "2026-06-01T11:00:00Z"})
	if res.IsError || len(got.Incidents) != 1 {
		t.Fatalf("%+v %s", got.Incidents, resultText(res))
	}
	if in := got.Incidents[0]; !strings.Contains(in.Status, "still open 7d after the window end, where reading stopped (the logs go on to 2026-06-10T10:00:00Z)") {
		t.Errorf("a week-long outage: status %q", in.Status)
	}
}

// The default 24 h timeline of a demo connection was 87,178 characters of
// text and 208 KB of structured content, mostly raw ike.state JSON. The
// default view lists trouble, state changes and incidents, one short line
// each, counts routine records, and pages what does not fit the budget of a
// default call; anomalies_only=false lists every record, page by page.
func TestTimelineDefaultIsShort(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	args := map[string]any{"vpn_connection_id": clipHQ}
	got, res := call[view.Timeline](t, c, "get_vpn_timeline", args)
	if res.IsError {
		t.Fatal(resultText(res))
	}
	text := resultText(res)
	b, _ := json.Marshal(res.StructuredContent)
	t.Logf("default call: %d characters of text, %d bytes of structured content, %d entries", len(text), len(b), len(got.Entries))
	if len(text) > view.BudgetDefault || len(b) > view.BudgetDefault {
		t.Errorf("default timeline is %d characters of text and %d bytes of structured content, want at most %d", len(text), len(b), view.BudgetDefault)
	}
	if strings.Contains(text, "event_timestamp") || strings.Contains(string(b), "event_timestamp") {
		t.Error("the timeline quotes raw ike.state JSON; an entry needs only its states and message")
	}
	unlisted := 0
	for _, u := range got.RoutineCounts {
		unlisted += u.Count
		switch u.Category {
		case "ike.state", "ike.negotiation", "ike.rekey_collision", "route.updated", "bgp.update_received",
			"bgp.connecting", "bgp.open", "bgp.end_of_rib", "bgp.state_change":
		default:
			t.Errorf("%s counted as routine", u.Category)
		}
	}
	if got.View != "default" || unlisted == 0 || !strings.Contains(text, "Routine records counted, not listed (anomalies_only=false") {
		t.Errorf("view %q: %d unlisted", got.View, unlisted)
	}
	if got.Page.NextCursor == "" || got.Page.To != len(got.Entries) || got.Page.Total <= len(got.Entries) {
		t.Errorf("page %+v with %d entries: the day does not fit one page", got.Page, len(got.Entries))
	}
	// Every anomaly is listed, over the pages.
	all := allPages(t, c, args)
	anom := allPages(t, c, map[string]any{"vpn_connection_id": clipHQ, "anomalies_only": true})
	count := func(es []view.Entry, keep func(view.Entry) bool) int {
		n := 0
		for _, e := range es {
			if keep(e) {
				n += max(e.Count, 1)
			}
		}
		return n
	}
	trouble := func(e view.Entry) bool { return e.Trouble }
	if a, d := count(anom, trouble), count(all, trouble); a == 0 || a != d {
		t.Errorf("anomaly records: %d with anomalies_only, %d in the default view", a, d)
	}
	// Recovery is part of the story: the BGP session coming back is listed.
	found := false
	for _, e := range all {
		found = found || (e.At == "2026-06-12T21:40:12.149Z" && e.Tunnel == 2 && e.Category == "bgp.established")
	}
	if !found {
		t.Error("the recovery of incident 5 is not listed")
	}
	every := allPages(t, c, map[string]any{"vpn_connection_id": clipHQ, "anomalies_only": false})
	if len(every) <= len(all) {
		t.Errorf("anomalies_only=false: %d entries, default %d", len(every), len(all))
	}
}

// allPages follows a timeline's cursors and returns every entry.
func allPages(t *testing.T, c *client.Client, args map[string]any) []view.Entry {
	t.Helper()
	var out []view.Entry
	a := map[string]any{}
	for k, v := range args {
		a[k] = v
	}
	for range 100 {
		got, res := call[view.Timeline](t, c, "get_vpn_timeline", a)
		if res.IsError {
			t.Fatal(resultText(res))
		}
		if len(out) != got.Page.From-1 {
			t.Fatalf("page from %d after %d entries", got.Page.From, len(out))
		}
		out = append(out, got.Entries...)
		if got.Page.NextCursor == "" {
			if len(out) != got.Page.Total {
				t.Fatalf("%d entries over the pages, total %d", len(out), got.Page.Total)
			}
			return out
		}
		a["cursor"] = got.Page.NextCursor
	}
	t.Fatal("more than 100 pages")
	return nil
}

// With a timezone, the text gives local times next to UTC: the window, the
// incidents and every entry.
func TestTimelineTextLocalTimes(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	got, res := call[view.Timeline](t, c, "get_vpn_timeline", map[string]any{"vpn_connection_id": clipHQ, "start": "2026-06-12 22:15", "end": "2026-06-12 22:30", "timezone": "Europe/Berlin"})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	if got.Start != "2026-06-12T20:15:00Z" {
		t.Fatalf("start %+v", got.Start)
	}
	text := resultText(res)
	for _, want := range []string{
		"from 2026-06-12T20:15:00Z (2026-06-12 22:15:00 CEST) to 2026-06-12T20:30:00Z (2026-06-12 22:30:00 CEST)",
		"started 2026-06-12T20:25:12.418Z (2026-06-12 22:25:12 CEST)",
		"recovered at 2026-06-12T21:40:12.149Z (2026-06-12 23:40:12 CEST)",
		"2026-06-12T20:25:12.418Z (2026-06-12 22:25:12 CEST) t2 ike.cgw_delete_ike_sa",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	// Without a timezone, UTC alone.
	_, res = call[view.Timeline](t, c, "get_vpn_timeline", map[string]any{"vpn_connection_id": clipHQ, "start": "2026-06-12 20:15", "end": "2026-06-12 20:30"})
	if strings.Contains(resultText(res), "CEST") || strings.Contains(resultText(res), " (2026-06-12 ") {
		t.Errorf("local times without a timezone:\n%s", resultText(res))
	}
}

// What the source says about reading (a record it could not read) is in
// the text, ahead of the entries, not only in the structured content.
func TestTimelineTextNotes(t *testing.T) {
	fsys := demoFS(t, func(string) bool { return true })
	name := "vpn-0a1b2c3d4e5f60718_203.0.113.20-IKE.log"
	fsys[name].Data = append(fsys[name].Data, []byte("{\"event_timestamp\": 1781296000, \"details\": broken\n")...)
	c := mcpClient(t, fsDeps(t, fsys))
	got, res := call[view.Timeline](t, c, "get_vpn_timeline", map[string]any{"vpn_connection_id": clipHQ, "start": "2026-06-12 20:15", "end": "2026-06-12 20:30"})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	if len(got.Notes) == 0 || !strings.Contains(got.Notes[0], "1 malformed record(s)") {
		t.Fatalf("notes = %q", got.Notes)
	}
	text := resultText(res)
	note := strings.Index(text, "Note: "+got.Notes[0])
	entries := strings.Index(text, "\n! 2026-")
	if note < 0 || entries < 0 || note > entries {
		t.Errorf("the note is not stated ahead of the entries (note at %d, first entry at %d):\n%s", note, entries, text)
	}
}

// demoFS is the demo data set in memory, each log file inflated (named
// without its .gz) and keeping the lines keep accepts.
func demoFS(t *testing.T, keep func(line string) bool) fstest.MapFS {
	t.Helper()
	dir := "../testdata/demo"
	out := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS(dir), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path == "expected.json" || path == "README.md" {
			return err
		}
		b, err := os.ReadFile(filepath.Join(dir, path))
		if err != nil {
			return err
		}
		if base, ok := strings.CutSuffix(path, ".gz"); ok {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				return err
			}
			if b, err = io.ReadAll(zr); err != nil {
				return err
			}
			path = base
		}
		if strings.HasSuffix(path, ".log") {
			var kept []string
			for _, line := range strings.SplitAfter(string(b), "\n") {
				if line != "" && keep(line) {
					kept = append(kept, line)
				}
			}
			b = []byte(strings.Join(kept, ""))
		}
		out[path] = &fstest.MapFile{Data: b}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func fsDeps(t *testing.T, fsys fs.FS) *investigate.Service {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	local, err := source.OpenFS(fsys, "test", quiet)
	if err != nil {
		t.Fatal(err)
	}
	return &investigate.Service{Inventory: local, Logs: local, Limits: investigate.DefaultLimits, Logger: quiet,
		Now: func() time.Time { return time.Date(2026, 6, 13, 8, 0, 0, 0, time.UTC) }}
}

// within reports whether the RFC 3339 time at lies in [start, end).
func within(t *testing.T, at, start, end string) bool {
	t.Helper()
	var ts [3]time.Time
	for i, v := range []string{at, start, end} {
		var err error
		if ts[i], err = time.Parse(time.RFC3339Nano, v); err != nil {
			t.Fatal(err)
		}
	}
	return !ts[0].Before(ts[1]) && ts[0].Before(ts[2])
}
