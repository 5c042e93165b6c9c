package tools_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/view"
)

// A bare "HH:MM" is that time on the most recent day that has logs, also
// when it is a minute later than the newest record (the demo cut before
// 23:53, its newest hq record a few seconds earlier): the question is about
// the last minutes, not the evening before. The answer says the newest
// record is earlier than the time asked about, and why: CloudWatch delivers
// tunnel logs minutes late.
func TestAnswersAtJustAfterNewestRecord(t *testing.T) {
	fsys := demoFS(t, func(line string) bool {
		m := recordTime.FindStringSubmatch(line)
		return m != nil && m[1] < "23:53:00"
	})
	newest := ""
	for name, f := range fsys {
		if !strings.HasPrefix(name, clipHQ) {
			continue
		}
		for _, m := range recordTime.FindAllStringSubmatch(string(f.Data), -1) {
			newest = max(newest, m[1])
		}
	}
	c := mcpClient(t, fsDeps(t, fsys))
	_, res := call[view.Diagnosis](t, c, "diagnose_tunnel_drop", map[string]any{"vpn_connection_id": clipHQ, "tunnel": "2", "at": "23:54"})
	if !res.IsError {
		t.Fatalf("no incident is near 23:54 on the demo, yet:\n%s", resultText(res))
	}
	msg := resultText(res)
	if strings.Contains(msg, "2026-06-11") || !strings.Contains(msg, "2026-06-12T22:54:00Z") {
		t.Errorf("23:54 was not read as 2026-06-12 23:54, the most recent day with logs:\n%s", msg)
	}
	for _, want := range []string{"newest record", "2026-06-12T" + newest, "minutes late"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the answer does not say the time asked is after the newest record (%q missing):\n%s", want, msg)
		}
	}
}

// recordTime finds a record's wall-clock time of day in a demo log line.
var recordTime = regexp.MustCompile(`2026-06-12[ T](\d\d:\d\d:\d\d)`)

// An incident still running at the newest record is found when the
// question comes a minute later: the demo cut at 21:00, in the middle of
// tunnel 2's pre-shared-key loop, asked at "21:00".
func TestAnswersAtAfterNewestRecordFindsOpenIncident(t *testing.T) {
	fsys := demoFS(t, func(line string) bool {
		m := recordTime.FindStringSubmatch(line)
		return m != nil && m[1] < "21:00:00"
	})
	c := mcpClient(t, fsDeps(t, fsys))
	got, res := call[view.Diagnosis](t, c, "diagnose_tunnel_drop", map[string]any{"vpn_connection_id": clipHQ, "tunnel": "2", "at": "21:00"})
	if res.IsError {
		t.Fatalf("the open incident was not found: %s", resultText(res))
	}
	if got.AskedAt != "2026-06-12T21:00:00Z" {
		t.Errorf("asked_at %s, want 2026-06-12T21:00:00Z", got.AskedAt)
	}
	if got.Incident.ID != clipIncident || got.RootCause.Category != "ike.cgw_delete_ike_sa" || got.Incident.RecoveredAt != "" {
		t.Errorf("incident %s root cause %s recovered at %q, want the open %s with ike.cgw_delete_ike_sa", got.Incident.ID, got.RootCause.Category, got.Incident.RecoveredAt, clipIncident)
	}
	note := ""
	for _, n := range got.Notes {
		if strings.Contains(n, "newest record") {
			note = n
		}
	}
	if note == "" || !strings.Contains(note, "21:00") || !strings.Contains(note, "minutes late") {
		t.Errorf("no note that the time asked is after the newest record: %q", got.Notes)
	}
	if text := resultText(res); !strings.Contains(text, "minutes late") {
		t.Errorf("the text does not carry the note:\n%s", text)
	}
}
