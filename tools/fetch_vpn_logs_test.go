package tools_test

import (
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/view"
)

// At real density most records of an up tunnel are the liveness exchange:
// a page of them says so and how to get to what matters; a page asked for
// by anomalies or around the drop needs no such note, and holds the drop.
func TestFetchSaysWhenLivenessFillsThePage(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	note := func(l view.Logs) string {
		for _, n := range l.Notes {
			if strings.Contains(n, "routine liveness exchange") {
				return n
			}
		}
		return ""
	}
	first, res := call[view.Logs](t, c, "fetch_vpn_logs", map[string]any{"vpn_connection_id": cursorVPN, "tunnel": "2"})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	n := note(first)
	if n == "" || !strings.Contains(n, "anomalies_only=true") || !strings.Contains(resultText(res), "routine liveness exchange") {
		t.Errorf("a page of liveness records does not say so (notes %q)", first.Notes)
	}
	for _, args := range []map[string]any{
		{"vpn_connection_id": cursorVPN, "tunnel": "2", "anomalies_only": true, "start": "2026-06-12 20:00", "end": "2026-06-12 21:00"},
		{"vpn_connection_id": cursorVPN, "tunnel": "2", "categories": []string{"ike.cgw_delete_ike_sa"}},
		{"vpn_connection_id": cursorVPN, "tunnel": "2", "start": "2026-06-12 20:25", "end": "2026-06-12 20:30", "limit": 20},
	} {
		got, res := call[view.Logs](t, c, "fetch_vpn_logs", args)
		if res.IsError {
			t.Fatalf("%v: %s", args, resultText(res))
		}
		if note(got) != "" {
			t.Errorf("%v: liveness note on a page that is not mostly liveness: %q", args, got.Notes)
		}
		found := false
		for _, r := range got.Records {
			found = found || strings.Contains(r.Raw, "AWS tunnel received DELETE for IKE_SA from CGW") && strings.Contains(r.Raw, "20:25:12")
		}
		if !found {
			t.Errorf("%v: the page lacks the DELETE of 20:25:12:\n%s", args, resultText(res))
		}
	}
}
