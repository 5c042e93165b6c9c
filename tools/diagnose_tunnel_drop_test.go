package tools_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/view"
)

// Every labelled demo incident must be diagnosed right, through MCP, asked
// in UTC and again in other time zones with local wall-clock forms.
func TestDiagnoseDemoIncidents(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	berlin, _ := time.LoadLocation("Europe/Berlin")
	newYork, _ := time.LoadLocation("America/New_York")
	var table strings.Builder
	right, total := 0, 0
	for _, exp := range loadExpected(t) {
		q, _ := time.Parse(time.RFC3339, exp.QuestionAt)
		asks := []map[string]any{
			{"vpn_connection_id": exp.VPNConnectionID, "tunnel": strconv.Itoa(exp.Tunnel), "at": exp.QuestionAt},
			{"vpn_connection_id": exp.VPNConnectionID, "tunnel": exp.TunnelIP, "at": q.In(berlin).Format("2006-01-02 15:04"), "timezone": "Europe/Berlin"},
			// Bare wall-clock times, in zones on both sides of UTC.
			{"vpn_connection_id": exp.VPNConnectionID, "tunnel": strconv.Itoa(exp.Tunnel), "at": q.In(berlin).Format("15:04"), "timezone": "Europe/Berlin"},
			{"vpn_connection_id": exp.VPNConnectionID, "tunnel": strconv.Itoa(exp.Tunnel), "at": q.In(newYork).Format("15:04"), "timezone": "America/New_York"},
		}
		for i, a := range asks {
			total++
			name := fmt.Sprintf("%s/%d", exp.ID, i)
			got, res := call[view.Diagnosis](t, c, "diagnose_tunnel_drop", a)
			if res.IsError {
				t.Errorf("%s: isError: %s", name, resultText(res))
				fmt.Fprintf(&table, "%-32s %-32s ERROR\n", name, exp.RootCause)
				continue
			}
			ok := got.RootCause.Category == exp.RootCause && got.RootCause.At == exp.RootCauseAt && got.RootCause.Tunnel == exp.TunnelIP
			if exp.StaysDownBecause != "" && (got.StaysDownBecause == nil || got.StaysDownBecause.Category != exp.StaysDownBecause) {
				ok = false
				t.Errorf("%s: stays_down_because = %+v, want %s", name, got.StaysDownBecause, exp.StaysDownBecause)
			}
			down, recovered := got.Incident.DownAt != "", got.Incident.RecoveredAt != ""
			if exp.Recovered != recovered && down {
				ok = false
				t.Errorf("%s: recovered = %v, want %v", name, recovered, exp.Recovered)
			}
			if down && exp.Recovered && (got.Incident.RecoveredAt == "" || got.Incident.RecoveredAt != exp.RecoveredAt) {
				ok = false
				t.Errorf("%s: recovered_at = %+v, want %s", name, got.Incident.RecoveredAt, exp.RecoveredAt)
			}
			if len(got.RootCause.Evidence) == 0 || got.RootCause.Evidence[0].Raw == "" {
				ok = false
				t.Errorf("%s: no evidence", name)
			}
			if !ok {
				t.Errorf("%s: root cause %s at %s on %s, want %s at %s on %s", name, got.RootCause.Category, got.RootCause.At, got.RootCause.Tunnel, exp.RootCause, exp.RootCauseAt, exp.TunnelIP)
			} else {
				right++
			}
			mark := "ok"
			if !ok {
				mark = "WRONG (" + got.RootCause.Category + ")"
			}
			fmt.Fprintf(&table, "%-32s %-32s %s\n", name, exp.RootCause, mark)
		}
	}
	t.Logf("diagnosis accuracy on the demo set: %d/%d\n%s", right, total, table.String())
}

// The contract's root_cause fields and the evidence records verbatim.
func TestDiagnoseContractShape(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	got, res := call[map[string]any](t, c, "diagnose_tunnel_drop", map[string]any{"vpn_connection_id": "vpn-0a1b2c3d4e5f60718", "tunnel": "2", "at": "20:27"})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	rc, _ := got["root_cause"].(map[string]any)
	for _, k := range []string{"category", "tunnel", "at", "confidence", "evidence"} {
		if _, ok := rc[k]; !ok {
			t.Errorf("root_cause lacks %q", k)
		}
	}
	if rc["category"] != "ike.cgw_delete_ike_sa" || rc["tunnel"] != "203.0.113.20" || rc["at"] != "2026-06-12T20:25:12.418Z" {
		t.Errorf("root cause = %v %v %v", rc["category"], rc["tunnel"], rc["at"])
	}
	ev := rc["evidence"].([]any)[0].(map[string]any)
	if !strings.Contains(ev["raw"].(string), `"details":"AWS tunnel received DELETE for IKE_SA from CGW"`) || ev["stream"] != "vpn-0a1b2c3d4e5f60718_203.0.113.20-IKE" {
		t.Errorf("evidence = %v", ev)
	}
	inc := got["incident"].(map[string]any)
	for _, k := range []string{"start", "end", "id"} {
		if _, ok := inc[k]; !ok {
			t.Errorf("incident lacks %q", k)
		}
	}
	if txt := resultText(res); !strings.Contains(txt, "«log: ") || !strings.Contains(txt, "ike.cgw_delete_ike_sa") {
		t.Errorf("text rendering lacks the quoted evidence:\n%s", txt)
	}
}

func TestDiagnoseUserErrors(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	cases := []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"vpn_connection_id": "vpn-0nope", "at": "20:25"}, "list_vpn_connections"},
		{map[string]any{"at": "20:25"}, "pass vpn_connection_id"},
		{map[string]any{"vpn_connection_id": "vpn-0a1b2c3d4e5f60718", "tunnel": "3", "at": "20:25"}, `"1" or "203.0.113.10"`},
		{map[string]any{"vpn_connection_id": "vpn-0a1b2c3d4e5f60718", "at": "teatime"}, "RFC 3339"},
		{map[string]any{"vpn_connection_id": "vpn-0a1b2c3d4e5f60718", "at": "20:25", "timezone": "Mars/Base"}, "IANA"},
		{map[string]any{"vpn_connection_id": "vpn-0a1b2c3d4e5f60718", "tunnel": "2", "at": "2026-06-12T15:00:00Z"}, "no incident"},
		{map[string]any{"vpn_connection_id": "vpn-0a1b2c3d4e5f60718", "at": "20:25", "window_minutes": 100000}, "between 1 and 1440"},
	}
	for _, tc := range cases {
		_, res := call[view.Diagnosis](t, c, "diagnose_tunnel_drop", tc.args)
		if !res.IsError {
			t.Errorf("%v: want an isError result", tc.args)
			continue
		}
		if txt := resultText(res); !strings.Contains(txt, tc.want) {
			t.Errorf("%v: error %q does not say %q", tc.args, txt, tc.want)
		}
	}
}
