package tools_test

import (
	"testing"

	"github.com/vpnlens/vpnlens/investigate"
)

// A health window that ends mid-outage lists the incident as it really
// went, recovered after the window, not "open": a model reading "open"
// would say the tunnel is still down.
func TestHealthIncidentListFollowsPastTheWindow(t *testing.T) {
	got, res := call[investigate.HealthResult](t, mcpClient(t, demoDeps(t)), "summarize_vpn_health",
		map[string]any{"vpn_connection_id": "vpn-0a1b2c3d4e5f60718", "start": "2026-06-12T20:15:00Z", "end": "2026-06-12T20:30:00Z"})
	if res.IsError {
		t.Fatalf("isError: %s", resultText(res))
	}
	const id = "vpn-0a1b2c3d4e5f60718_203.0.113.20_20260612T202512Z"
	for _, c := range got.Connections {
		for _, in := range c.Incidents {
			if in.ID != id {
				continue
			}
			if in.Open || !in.Recovered || in.RecoveredAt == nil || !sameInstant(in.RecoveredAt.UTC, "2026-06-12T21:40:12.149Z") {
				t.Errorf("incident %s: open=%v recovered=%v at %+v, want recovered at 21:40:12.149", id, in.Open, in.Recovered, in.RecoveredAt)
			}
			return
		}
	}
	t.Fatalf("incident %s not listed: %+v", id, got.Connections)
}
