package tools_test

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/view"
)

// ikeLine is one IKE record in AWS's json format.
func ikeLine(at time.Time, p1, p2, details string) string {
	return fmt.Sprintf(`{"event_timestamp":%d,"timestamp":"%s","dpd_enabled":true,"nat_t_detected":false,"ike_phase1_state":"%s","ike_phase2_state":"%s","details":"%s"}`+"\n",
		at.Unix(), at.UTC().Format("2006-01-02 15:04:05Z"), p1, p2, details)
}

// What the answer says about failover depends on what the other tunnel
// logged while this one was down: records there, or IKE established on
// both sides of a short outage, mean it stayed up ("likely"); silence with
// nothing saying it was up means nobody can tell ("unknown").
func TestDiagnoseFailoverEvidence(t *testing.T) {
	const vpn, down, other = "vpn-0f00dfa11a0e00001", "203.0.113.10", "203.0.113.20"
	drop := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name        string
		otherDuring bool
		otherAfter  string // the other tunnel's phase 1 state in its first record after the outage
		want        string
	}{
		{"other tunnel logged during the outage", true, "established", "likely: tunnel"},
		{"other tunnel silent, established before and after", false, "established", "likely: tunnel"},
		{"other tunnel silent, down after", false, "down", "unknown: tunnel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var a, b strings.Builder
			for m := -60; m < 0; m += 10 {
				a.WriteString(ikeLine(drop.Add(time.Duration(m)*time.Minute), "established", "established", ""))
				b.WriteString(ikeLine(drop.Add(time.Duration(m)*time.Minute+time.Second), "established", "established", ""))
			}
			a.WriteString(ikeLine(drop, "down", "down", "AWS tunnel detected a DPD timeout on the customer gateway"))
			for m := 1; m < 20; m++ {
				a.WriteString(ikeLine(drop.Add(time.Duration(m)*time.Minute), "down", "down", ""))
				if tc.otherDuring && m%5 == 0 {
					b.WriteString(ikeLine(drop.Add(time.Duration(m)*time.Minute+time.Second), "established", "established", ""))
				}
			}
			a.WriteString(ikeLine(drop.Add(20*time.Minute), "established", "established", ""))
			b.WriteString(ikeLine(drop.Add(40*time.Minute), tc.otherAfter, tc.otherAfter, ""))
			for ip, body := range map[string]string{down: a.String(), other: b.String()} {
				if err := os.WriteFile(filepath.Join(dir, vpn+"_"+ip+"-IKE.log"), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			quiet := slog.New(slog.DiscardHandler)
			local, err := source.OpenDir(dir, quiet)
			if err != nil {
				t.Fatal(err)
			}
			deps := &investigate.Service{Inventory: local, Logs: local, Limits: investigate.DefaultLimits, Logger: quiet, Now: func() time.Time { return drop.Add(24 * time.Hour) }}
			got, res := call[view.Diagnosis](t, mcpClient(t, deps), "diagnose_tunnel_drop",
				map[string]any{"vpn_connection_id": vpn, "tunnel": down, "at": drop.Add(5 * time.Minute).Format(time.RFC3339)})
			if res.IsError {
				t.Fatalf("isError: %s", resultText(res))
			}
			if got.RootCause.Category != "ike.dpd_timeout" {
				t.Errorf("root cause %s, want ike.dpd_timeout", got.RootCause.Category)
			}
			if !strings.HasPrefix(got.Impact.Failover, tc.want) {
				t.Errorf("failover %q, want it to start with %q", got.Impact.Failover, tc.want)
			}
		})
	}
}

// The shared cause named when both tunnels fell together follows what
// failed: lost IPsec points at the gateway's uplink; BGP lost on both with
// IKE established points at the gateway's BGP process, not the path.
func TestDiagnoseSharedCauseFollowsTheLayer(t *testing.T) {
	for name, want := range map[string]struct{ has, hasNot string }{
		"both-tunnels-down-cgw-uplink":   {"internet uplink", "BGP process"},
		"both-tunnels-hold-timer-ike-up": {"BGP process", "internet uplink"},
	} {
		t.Run(name, func(t *testing.T) {
			got, _ := diagnoseScenario(t, name)
			if !strings.Contains(got.SharedCause, want.has) || strings.Contains(got.SharedCause, want.hasNot) {
				t.Errorf("shared cause %q: want it to name %q, not %q", got.SharedCause, want.has, want.hasNot)
			}
			steps := strings.Join(got.Next, "\n")
			if !strings.Contains(steps, want.has) || strings.Contains(steps, want.hasNot) {
				t.Errorf("next steps %q: want them to name %q, not %q", steps, want.has, want.hasNot)
			}
		})
	}
}
