package view

import (
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
