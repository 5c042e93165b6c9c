package aws_test

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
)

// The demo's two drops AWS caused, diagnosed through the real SDK clients
// against the fake (CloudTrail LookupEvents, EC2
// GetVpnTunnelReplacementStatus, both loaded from the demo's side files):
// the same AWS-side cause as the folder gives, with its evidence first and
// the logs' own cause ranked below it; the pre-shared key never shown.
// summarize_vpn_health counts them under the same causes, on the records
// path and on the hourly-counts path, with one change lookup per
// connection.
func TestAWSCausesThroughFakeMatchFolder(t *testing.T) {
	f := newFake(t, fakeaws.Options{})
	src := newSource(t, f, nil)
	awsC, locC := mcpClient(t, src, src), mcpClient(t, local(t), local(t))
	b, err := os.ReadFile(demoDir + "/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var exp []struct {
		ID              string `json:"id"`
		VPNConnectionID string `json:"vpn_connection_id"`
		Tunnel          int    `json:"tunnel"`
		QuestionAt      string `json:"question_at"`
		RootCause       string `json:"root_cause"`
		RootCauseAt     string `json:"root_cause_at"`
		LogsRootCause   string `json:"logs_root_cause"`
	}
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	evidence := map[string]string{"aws.tunnel_options_changed": "CloudTrail ", "aws.tunnel_replaced": "EC2 GetVpnTunnelReplacementStatus"}
	n := 0
	for _, e := range exp {
		if !strings.HasPrefix(e.RootCause, "aws.") {
			continue
		}
		n++
		args := map[string]any{"vpn_connection_id": e.VPNConnectionID, "tunnel": strconv.Itoa(e.Tunnel), "at": e.QuestionAt}
		f.ResetCalls()
		got, msg := callJSON(t, awsC, "diagnose_tunnel_drop", args)
		if msg != "" {
			t.Fatalf("%s: %s", e.ID, msg)
		}
		t.Logf("%s: API calls %v", e.ID, f.Counts())
		want, _ := callJSON(t, locC, "diagnose_tunnel_drop", args)
		for side, d := range map[string]map[string]any{"AWS": got, "folder": want} {
			rc, _ := d["root_cause"].(map[string]any)
			ev, _ := rc["evidence"].([]any)
			lower, _ := d["ranked_lower"].([]any)
			if rc["category"] != e.RootCause || rc["at"] != e.RootCauseAt || len(ev) < 2 || !strings.HasPrefix(ev[0].(map[string]any)["stream"].(string), evidence[e.RootCause]) {
				t.Errorf("%s through %s: root cause %v", e.ID, side, rc)
			}
			if len(lower) == 0 || lower[0].(map[string]any)["category"] != e.LogsRootCause {
				t.Errorf("%s through %s: ranked lower %v, want %s first", e.ID, side, lower, e.LogsRootCause)
			}
			if j, _ := json.Marshal(d); strings.Contains(string(j), "Rotated.K3y") {
				t.Errorf("%s through %s: the pre-shared key shown", e.ID, side)
			}
		}
	}
	if n != 2 {
		t.Fatalf("%d AWS-caused incidents in the demo, want 2", n)
	}

	// Health: the records path (one day) and the counting path (8 days,
	// Logs Insights) both count the two drops under their AWS causes and
	// say what is pending on branch tunnel 2.
	for _, window := range []map[string]any{
		{"start": "2026-06-12T00:00:00Z", "end": "2026-06-13T00:00:00Z"},
		{"start": "2026-06-05T00:00:00Z", "end": "2026-06-13T00:00:00Z"},
	} {
		src.Forget()
		f.ResetCalls()
		got, msg := callJSON(t, awsC, "summarize_vpn_health", window)
		if msg != "" {
			t.Fatal(msg)
		}
		calls := f.Counts()
		t.Logf("summarize_vpn_health %v: path %q, API calls %v", window, got["path"], calls)
		causes := map[string]float64{}
		pending := ""
		for _, ci := range got["connections"].([]any) {
			for _, ti := range ci.(map[string]any)["tunnels"].([]any) {
				th := ti.(map[string]any)
				for k, v := range th["incidents_by_root_cause"].(map[string]any) {
					causes[th["outside_ip"].(string)+" "+k] += v.(float64)
				}
				if p, ok := th["pending_maintenance"].(string); ok {
					pending += th["outside_ip"].(string) + ": " + p
				}
			}
		}
		if causes["203.0.113.30 aws.tunnel_options_changed"] != 1 || causes["203.0.113.20 aws.tunnel_replaced"] != 1 {
			t.Errorf("%v: causes %v", window, causes)
		}
		if !strings.HasPrefix(pending, "203.0.113.40: AWS maintenance pending on this tunnel (Tunnel endpoint replacement)") {
			t.Errorf("%v: pending maintenance %q", window, pending)
		}
		// One change lookup per resource of each connection with drops
		// (connection, customer gateway, VGW or TGW), not one per incident.
		if calls["LookupEvents"] == 0 || calls["LookupEvents"] > 6 {
			t.Errorf("%v: %d LookupEvents calls, want at most 3 per connection with drops", window, calls["LookupEvents"])
		}
	}
}
