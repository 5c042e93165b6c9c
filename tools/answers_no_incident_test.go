package tools_test

import (
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/view"
)

// Asked at 22:00 with a one-minute look-back, tunnel 2 has no incident,
// and the read window (from 21:29) starts inside its pre-shared-key loop.
// The incidents the answer points at must be named as they really are:
// the outage began at 20:25:12 with the gateway's DELETE, not at the
// window's cut with a PSK mismatch, and it is listed once.
func TestAnswersNoIncidentNamesRealIncidents(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	for _, tunnel := range []string{"2", ""} {
		args := map[string]any{"vpn_connection_id": clipHQ, "at": "22:00", "window_minutes": 1}
		if tunnel != "" {
			args["tunnel"] = tunnel
		}
		_, res := call[view.Diagnosis](t, c, "diagnose_tunnel_drop", args)
		if !res.IsError {
			t.Fatalf("tunnel %q: expected no incident at 22:00, got:\n%s", tunnel, resultText(res))
		}
		msg := resultText(res)
		if !strings.Contains(msg, "tunnel 2 at 2026-06-12T20:25:12.418Z (ike.cgw_delete_ike_sa)") {
			t.Errorf("tunnel %q: the nearby outage is not named by its real start and root cause:\n%s", tunnel, msg)
		}
		if strings.Contains(msg, "ike.psk_mismatch") || strings.Contains(msg, "21:29") {
			t.Errorf("tunnel %q: the window's cut of the outage is named:\n%s", tunnel, msg)
		}
		if n := strings.Count(msg, "20:25:12"); n != 1 {
			t.Errorf("tunnel %q: the outage is listed %d times:\n%s", tunnel, n, msg)
		}
	}
}
