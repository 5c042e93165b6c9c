package tools_test

import (
	"testing"

	"github.com/vpnlens/vpnlens/view"
)

// A quiet hour at real density is some 1,400 records, nearly all of them
// the liveness exchange: the default view lists the state each tunnel is
// in (not nothing) and counts the routine records, saying how many are
// liveness.
func TestTimelineQuietWindowListsStates(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	got, res := call[view.Timeline](t, c, "get_vpn_timeline", map[string]any{"vpn_connection_id": clipHQ, "start": "2026-06-12 01:00", "end": "2026-06-12 02:00"})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	states := map[int]bool{}
	for _, e := range got.Entries {
		if e.Category == "ike.state" && e.State == "phase1=established phase2=established" {
			states[e.Tunnel] = true
		}
	}
	if !states[1] || !states[2] {
		t.Errorf("a quiet window lists %d entries, want each tunnel's IKE state:\n%s", len(got.Entries), resultText(res))
	}
	liveness := map[int]int{}
	for _, u := range got.RoutineCounts {
		if u.Category == "ike.negotiation" {
			liveness[u.Tunnel] = u.Liveness
			if u.Liveness > u.Count {
				t.Errorf("tunnel %d: %d liveness of %d records", u.Tunnel, u.Liveness, u.Count)
			}
		}
	}
	// An hour at one exchange (two records) about every 10 s.
	for tn := 1; tn <= 2; tn++ {
		if liveness[tn] < 650 || liveness[tn] > 730 {
			t.Errorf("tunnel %d: %d liveness records counted in the hour, want about 720", tn, liveness[tn])
		}
	}
}
