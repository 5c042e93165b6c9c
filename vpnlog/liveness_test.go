package vpnlog

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/catalog"
)

// livenessSamples are messages of the liveness exchange and near misses.
var livenessSamples = []struct {
	details  string
	liveness bool
}{
	{"AWS tunnel is sending request (id=4711) for INFORMATIONAL", true},
	{"AWS tunnel processed response (id=4711) for INFORMATIONAL", true},
	{"AWS tunnel processed request (id=12) for INFORMATIONAL", true},
	{"AWS tunnel is sending response (id=12) for INFORMATIONAL", true},
	{"AWS tunnel is sending DPD R-U-THERE to peer", true},
	{"AWS tunnel received R-U-THERE-ACK", true},
	{"AWS tunnel is sending request (id=4711) for CREATE_CHILD_SA", false},
	{"AWS tunnel processed response (id=) for INFORMATIONAL", false},
	{"AWS tunnel processed response (id=7) for INFORMATIONAL: NO_PROPOSAL_CHOSEN", false},
	{"AWS tunnel processed response (id=7) for INFORMATIONAL ", false},
	{"aws tunnel processed response (id=7) for informational", false},
	{"AWS tunnel received DELETE for IKE_SA from CGW", false},
	{"AWS tunnel detected DPD timeout: peer is dead, sending R-U-THERE failed", false},
	{"AWS tunnel is sending DPD R-U-THERE to peer (retransmit 3)", false},
	{"AWS tunnel received R-U-THERE-ACK twice", false},
	{"prefix AWS tunnel received R-U-THERE-ACK", false},
}

// TestLivenessRegexAgrees keeps LivenessRegex, which CloudWatch runs on the
// whole message, and IsLivenessDetails, which runs on a record's details,
// to the same set, in both record formats.
func TestLivenessRegexAgrees(t *testing.T) {
	re := regexp.MustCompile(LivenessRegex)
	for _, s := range livenessSamples {
		if got := IsLivenessDetails(s.details); got != s.liveness {
			t.Errorf("IsLivenessDetails(%q) = %v, want %v", s.details, got, s.liveness)
		}
		obj, _ := json.Marshal(map[string]any{"event_timestamp": 1781295912, "ike_phase1_state": "Established", "details": s.details})
		if got := re.MatchString(string(obj)); got != s.liveness {
			t.Errorf("LivenessRegex on the JSON record %s = %v, want %v", obj, got, s.liveness)
		}
		spaced := strings.ReplaceAll(string(obj), `":`, `": `)
		if got := re.MatchString(spaced); got != s.liveness {
			t.Errorf("LivenessRegex on the JSON record %s = %v, want %v", spaced, got, s.liveness)
		}
		text := "2026-06-12 20:25:12Z ike_phase1_state=Established ike_phase2_state=Established dpd_enabled=True nat_t_detected=False details=" + s.details
		if got := re.MatchString(text); got != s.liveness {
			t.Errorf("LivenessRegex on the text record %q = %v, want %v", text, got, s.liveness)
		}
	}
}

// TestLivenessIsNegotiation: every liveness message classifies as the
// routine negotiation it is, so counting it instead of listing it hides
// nothing an answer would list.
func TestLivenessIsNegotiation(t *testing.T) {
	for _, s := range livenessSamples {
		if !s.liveness {
			continue
		}
		ev := Event{Stream: StreamIKE, Details: s.details}
		Classify(&ev)
		if ev.Category != catalog.IKENegotiation || ev.Anomaly {
			t.Errorf("%q classifies as %s (anomaly %v), want %s", s.details, ev.Category, ev.Anomaly, catalog.IKENegotiation)
		}
		if !IsLiveness(&ev) {
			t.Errorf("IsLiveness(%q) = false", s.details)
		}
	}
}
