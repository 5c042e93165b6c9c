package view

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/investigate"
)

// Evidence keeps the cause's own first record and the first consequence
// (or, for a failure that only repeats, its first and last record), in time
// order.
func TestPickEvidence(t *testing.T) {
	ev := func(cats ...string) []investigate.EvidenceView {
		var out []investigate.EvidenceView
		for i, c := range cats {
			out = append(out, investigate.EvidenceView{At: string(rune('a' + i)), Category: c})
		}
		return out
	}
	for _, tc := range []struct {
		in   []investigate.EvidenceView
		want string
	}{
		{ev("ike.x", "bgp.y", "bgp.z"), "ab"},
		{ev("bgp.y", "ike.x", "bgp.z"), "ab"},
		{ev("ike.x", "ike.x", "ike.x", "ike.x"), "ad"},
		{ev("bgp.y", "bgp.z", "ike.x"), "ac"},
		{ev("ike.x"), "a"},
		{ev("bgp.y", "bgp.z", "bgp.w"), "ab"},
	} {
		got := ""
		for _, e := range pickEvidence(tc.in, "ike.x") {
			got += e.At
		}
		if got != tc.want {
			var cats []string
			for _, e := range tc.in {
				cats = append(cats, e.Category)
			}
			t.Errorf("pickEvidence(%v) = %s, want %s", cats, got, tc.want)
		}
	}
}

// The structured answer opens with the answer (the summary), then the
// cause; the traffic part comes after the cause and the impact, and is
// absent without metrics.
func TestDiagnosisTrafficAfterCause(t *testing.T) {
	r := investigate.DiagnoseResult{VPNConnectionID: "vpn-1", Summary: "s", RootCause: investigate.CauseView{Category: "ike.dpd_timeout", Tunnel: "192.0.2.2", TunnelNumber: 2},
		Traffic: &investigate.TrafficView{Verdict: "traffic moved to tunnel 1 (192.0.2.1) during the outage", Tunnels: []investigate.TunnelTraffic{{TunnelNumber: 1, Tunnel: "192.0.2.1", DuringInBytes: 2e6}}}}
	b, err := json.Marshal(DiagnosisOf(r, ""))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !strings.HasPrefix(s, `{"summary":`) || !(strings.Index(s, `"root_cause"`) < strings.Index(s, `"impact"`) && strings.Index(s, `"impact"`) < strings.Index(s, `"traffic"`)) {
		t.Errorf("order: %s", s)
	}
	txt := DiagnosisOf(r, "").Text()
	if !strings.Contains(txt, "Traffic: traffic moved to tunnel 1") || !strings.Contains(txt, "during 2.0 MB in") || strings.Index(txt, "Root cause:") > strings.Index(txt, "Traffic:") {
		t.Errorf("text:\n%s", txt)
	}
	r.Traffic = nil
	if b, _ := json.Marshal(DiagnosisOf(r, "")); strings.Contains(string(b), "traffic") || strings.Contains(DiagnosisOf(r, "").Text(), "Traffic") {
		t.Errorf("traffic without metrics: %s", b)
	}
}
