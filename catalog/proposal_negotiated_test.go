package catalog

import (
	"strings"
	"testing"
)

// What AWS last negotiated joins the options in proposal-mismatch advice:
// on a tunnel with AWS's defaults the commands use the negotiated
// combination instead of the usual pick; a combination the options no
// longer accept is said so and not used; one from the other tunnel is
// named as such; without it the advice is as before.
func TestAdviseProposalWithLastNegotiated(t *testing.T) {
	def := &TunnelPolicy{LastNegotiated: &Negotiated{Where: "this tunnel", IKEVersion: "ikev2",
		Phase1Encryption: "AES128", Phase1Integrity: "SHA2-384", Phase1DHGroup: 19,
		Phase2Encryption: "AES128-GCM-16", Phase2DHGroup: 21}}
	p1 := joinAdvice(mustAdvise(t, IKEProposalMismatch, AdviceContext{Tunnel: def, Record: &AdviceRecord{Phase: 1, IKEVersion: 2}}))
	for _, want := range []string{
		"AWS last negotiated IKEv2 AES128/SHA2-384/DH 19 in phase 1 on this tunnel (GetActiveVpnTunnelStatus); the tunnel's options accept it, so the gateway commands below use it.",
		"The commands below use phase 1 AES128, SHA2-384, DH group 19.",
		"crypto ikev2 proposal AWS / encryption aes-cbc-128 / integrity sha384 / group 19",
		"proposals = aes128-sha384-ecp256",
	} {
		if !strings.Contains(p1, want) {
			t.Errorf("phase 1 advice lacks %q:\n%s", want, p1)
		}
	}
	if strings.Contains(p1, "phase 2") || strings.Contains(p1, "group 14") {
		t.Errorf("phase 1 advice names phase 2 or the usual pick:\n%s", p1)
	}
	// Phase 2 GCM: no integrity named, PFS group as negotiated.
	p2 := joinAdvice(mustAdvise(t, IKEProposalMismatch, AdviceContext{Tunnel: def, Record: &AdviceRecord{Phase: 2, IKEVersion: 2}}))
	for _, want := range []string{"AWS last negotiated AES128-GCM-16/PFS DH 21 in phase 2 on this tunnel", "set pfs group21", "esp_proposals = aes128gcm16-ecp521"} {
		if !strings.Contains(p2, want) {
			t.Errorf("phase 2 advice lacks %q:\n%s", want, p2)
		}
	}

	// The options changed since: said, and the commands keep to them.
	moved := groupTwenty("ikev2")
	moved.LastNegotiated = &Negotiated{Where: "this tunnel", IKEVersion: "ikev2", Phase1Encryption: "AES256", Phase1Integrity: "SHA2-256", Phase1DHGroup: 14}
	m := joinAdvice(mustAdvise(t, IKEProposalMismatch, AdviceContext{Tunnel: moved, Record: &AdviceRecord{Phase: 1, IKEVersion: 2}}))
	for _, want := range []string{"AWS last negotiated IKEv2 AES256/SHA2-256/DH 14 in phase 1 on this tunnel (GetActiveVpnTunnelStatus); the tunnel's options no longer accept it", "group 20"} {
		if !strings.Contains(m, want) {
			t.Errorf("advice after the options changed lacks %q:\n%s", want, m)
		}
	}
	if strings.Contains(m, "group 14 ") || strings.Contains(m, "group14") {
		t.Errorf("the commands use the group the options no longer accept:\n%s", m)
	}

	// From the other tunnel.
	other := groupTwenty("ikev2")
	other.LastNegotiated = &Negotiated{Where: "tunnel 1 (203.0.113.10)", OtherTunnel: true, IKEVersion: "ikev2",
		Phase1Encryption: "AES256", Phase1Integrity: "SHA2-256", Phase1DHGroup: 20}
	o := joinAdvice(mustAdvise(t, IKEProposalMismatch, AdviceContext{Tunnel: other, Record: &AdviceRecord{Phase: 1, IKEVersion: 2}}))
	if want := "in phase 1 on tunnel 1 (203.0.113.10) (GetActiveVpnTunnelStatus), the connection's other tunnel, which usually shares this gateway's configuration; this tunnel's options accept it too"; !strings.Contains(o, want) {
		t.Errorf("advice from the other tunnel lacks %q:\n%s", want, o)
	}

	// Nothing negotiated in the phase asked about: as without it.
	none := groupTwenty("ikev2")
	none.LastNegotiated = &Negotiated{Where: "this tunnel", IKEVersion: "ikev2", Phase1Encryption: "AES256", Phase1DHGroup: 20}
	without := joinAdvice(mustAdvise(t, IKEProposalMismatch, AdviceContext{Tunnel: groupTwenty("ikev2"), Record: &AdviceRecord{Phase: 2, IKEVersion: 2}}))
	if got := joinAdvice(mustAdvise(t, IKEProposalMismatch, AdviceContext{Tunnel: none, Record: &AdviceRecord{Phase: 2, IKEVersion: 2}})); got != without {
		t.Errorf("phase 2 advice changed by a phase 1 negotiation:\n%s\nwant\n%s", got, without)
	}
}
