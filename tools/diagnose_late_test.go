package tools_test

import (
	"path/filepath"
	"testing"

	"github.com/vpnlens/vpnlens/view"
)

// "Why is it still down?" asked hours into an outage: the answer is the
// incident's real first cause and start, not the first record of the
// default look-back, however late the question comes.
func TestDiagnoseAskedLongAfterTheDrop(t *testing.T) {
	deps, _ := scenarioDeps(t, filepath.Join(scenariosDir, "overnight-psk-loop-recovered-next-morning"))
	c := mcpClient(t, deps)
	for _, at := range []string{"2026-08-26T21:12:00Z", "2026-08-26T22:55:00Z", "2026-08-27T03:00:00Z", "2026-08-27T07:30:00Z"} {
		got, res := call[view.Diagnosis](t, c, "diagnose_tunnel_drop", map[string]any{"vpn_connection_id": "vpn-09d7496c528467c33", "tunnel": "1", "at": at})
		if res.IsError {
			t.Fatalf("at %s: isError %s", at, resultText(res))
		}
		if got.RootCause.Category != "ike.cgw_delete_ike_sa" || !sameInstant(got.RootCause.At, "2026-08-26T21:04:17Z") {
			t.Errorf("at %s: root cause %s at %s, want ike.cgw_delete_ike_sa at 21:04:17", at, got.RootCause.Category, got.RootCause.At)
		}
		if got.StaysDownBecause == nil || got.StaysDownBecause.Category != "ike.psk_mismatch" {
			t.Errorf("at %s: stays down because %+v, want ike.psk_mismatch", at, got.StaysDownBecause)
		}
		if got.Incident.RecoveredAt == "" || !sameInstant(got.Incident.RecoveredAt, "2026-08-27T07:42:26.574Z") {
			t.Errorf("at %s: recovered at %+v, want 07:42:26.574 the next morning", at, got.Incident.RecoveredAt)
		}
	}
}
