package tools_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/view"
)

// Route impact counts routes, not records: the demo's AS-path loop denies
// three prefixes, each logged again at every update, and the gateway
// withdrawing them afterwards is the fix, not lost routes.
func TestDiagnoseImpactCountsRoutesOnce(t *testing.T) {
	got, res := call[view.Diagnosis](t, mcpClient(t, demoDeps(t)), "diagnose_tunnel_drop",
		map[string]any{"vpn_connection_id": "vpn-0a1b2c3d4e5f60718", "tunnel": "1", "at": "2026-06-12T14:10:00Z"})
	if res.IsError {
		t.Fatalf("isError: %s", resultText(res))
	}
	if got.RootCause.Category != "route.denied.as_path_loop" {
		t.Fatalf("root cause %s, want route.denied.as_path_loop", got.RootCause.Category)
	}
	im := got.Impact
	if im.RoutesDenied != 3 || len(im.Denied) != 3 {
		t.Errorf("routes denied %d %v, want the 3 distinct prefixes", im.RoutesDenied, im.Denied)
	}
	seen := map[string]bool{}
	for _, r := range im.Denied {
		if seen[r] {
			t.Errorf("denied route %s listed twice", r)
		}
		seen[r] = true
	}
	if im.RoutesWithdrawn != 0 {
		t.Errorf("routes withdrawn %d %v: the gateway taking back the denied prefixes is the fix, not lost routes", im.RoutesWithdrawn, im.Withdrawn)
	}
}

// A failed phase 2 rekey does not take the tunnel down at once: the SA in
// use carries traffic until it expires, and the explanation must say when
// the tunnel actually went down.
func TestDiagnoseFailedRekeyExplainsWhenTheTunnelWentDown(t *testing.T) {
	deps, _ := scenarioDeps(t, filepath.Join(scenariosDir, "los-angeles-evening-phase2-ikev1"))
	got, res := call[view.Diagnosis](t, mcpClient(t, deps), "diagnose_tunnel_drop",
		map[string]any{"vpn_connection_id": "vpn-024a4f097fc4c77e1", "tunnel": "2", "at": "2026-08-20T05:50:00Z"})
	if res.IsError {
		t.Fatalf("isError: %s", resultText(res))
	}
	if got.RootCause.Category != "ike.proposal_mismatch" {
		t.Fatalf("root cause %s", got.RootCause.Category)
	}
	if e := got.RootCause.Explanation; strings.Contains(e, "took the IPsec tunnel down") || !strings.Contains(e, "went down at 2026-08-20T05:45:40Z") {
		t.Errorf("explanation %q: the tunnel went down at 05:45:40, when the old SA ran out", e)
	}
}

// A Cease 6/5 AWS sends to a gateway that opens BGP from another tunnel's
// inside address: the answer names the wrong address and the right one.
func TestDiagnoseWrongBGPNeighbourAddress(t *testing.T) {
	deps, _ := scenarioDeps(t, filepath.Join(scenariosDir, "bgp-cease-6-5-sent"))
	got, res := call[view.Diagnosis](t, mcpClient(t, deps), "diagnose_tunnel_drop",
		map[string]any{"vpn_connection_id": "vpn-0641b13745ca239ac", "tunnel": "203.0.113.76", "at": "2026-07-23T11:40:00Z"})
	if res.IsError {
		t.Fatalf("isError: %s", resultText(res))
	}
	e := got.RootCause.Explanation
	for _, want := range []string{"from 169.254.11.170", "peers from the wrong address", "crossed"} {
		if !strings.Contains(e, want) {
			t.Errorf("explanation lacks %q: %s", want, e)
		}
	}
}
