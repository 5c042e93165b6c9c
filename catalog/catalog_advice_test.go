package catalog

import (
	"strings"
	"testing"
)

var conditionPrefixes = []string{condSent, condReceived, condIKEv1, condIKEv2, condPhase1, condPhase2, condCertificates}

func adviceLines(a Advice) []string {
	out := append([]string(nil), a.Checks...)
	for _, h := range a.GatewayHints {
		out = append(out, h.Vendor+": "+h.Hint)
	}
	return out
}

func joinAdvice(a Advice) string { return strings.Join(adviceLines(a), "\n") }

func mustAdvise(t *testing.T, c Category, ctx AdviceContext) Advice {
	t.Helper()
	a, ok := Advise(c, ctx)
	if !ok {
		t.Fatalf("Advise(%s) found no entry", c)
	}
	if len(a.Checks) == 0 {
		t.Fatalf("Advise(%s) gave no checks", c)
	}
	return a
}

// groupTwenty is a tunnel that allows only AES256, SHA2-256 and DH group 20.
func groupTwenty(versions ...string) *TunnelPolicy {
	return &TunnelPolicy{IKEVersions: versions,
		Phase1Encryption: []string{"AES256"}, Phase1Integrity: []string{"SHA2-256"}, Phase1DHGroups: []int{20}, Phase1LifetimeSec: 28800,
		Phase2Encryption: []string{"AES256"}, Phase2Integrity: []string{"SHA2-256"}, Phase2DHGroups: []int{20}, Phase2LifetimeSec: 3600,
		DPDTimeoutAction: "restart", StartupAction: "start"}
}

// A Cease's advice follows its direction: a notification AWS sent gets
// none of the received-side advice and the reverse, with the condition
// words dropped; with the direction unknown both stay, labelled.
func TestAdviseCeaseFollowsDirection(t *testing.T) {
	ceases := []Category{BGPCeaseMaxPrefixes, BGPCeaseAdminShut, BGPCeasePeerDeconf, BGPCeaseAdminReset, BGPCeaseConnRejected, BGPCeaseConfigChange, BGPCeaseOther}
	for _, c := range ceases {
		e, _ := Lookup(c)
		var sentItems, recvItems int
		for _, s := range append(append([]string(nil), e.Checks...), hintsText(e.GatewayHints)...) {
			switch {
			case strings.HasPrefix(s, condSent):
				sentItems++
			case strings.HasPrefix(s, condReceived):
				recvItems++
			}
		}
		if sentItems == 0 || recvItems == 0 {
			t.Errorf("%s: catalogue has %d sent-side and %d received-side items; each direction needs its own advice", c, sentItems, recvItems)
		}
		for _, dir := range []string{"sent", "received"} {
			a := mustAdvise(t, c, AdviceContext{Record: directed(dir)})
			n := 0
			for _, s := range adviceLines(a) {
				for _, p := range []string{condSent, condReceived} {
					if strings.Contains(s, p) {
						t.Errorf("%s %s: condition left in %q", c, dir, s)
					}
				}
				n++
			}
			want := len(e.Checks) + len(e.GatewayHints) - recvItems
			if dir == "received" {
				want = len(e.Checks) + len(e.GatewayHints) - sentItems
			}
			if n != want {
				t.Errorf("%s %s: %d items, want %d (the other direction's left out)", c, dir, n, want)
			}
		}
		both := joinAdvice(mustAdvise(t, c, AdviceContext{}))
		if !strings.Contains(both, condSent) || !strings.Contains(both, condReceived) {
			t.Errorf("%s with the direction unknown: both directions should stay, labelled:\n%s", c, both)
		}
	}
	sent := joinAdvice(mustAdvise(t, BGPCeaseAdminShut, AdviceContext{Record: &AdviceRecord{Sent: true}}))
	if strings.Contains(sent, "shutdown disable") || strings.Contains(sent, "no neighbor") || !strings.Contains(sent, "AWS shut the session down") {
		t.Errorf("6/2 sent by AWS:\n%s", sent)
	}
	recv := joinAdvice(mustAdvise(t, BGPCeaseConnRejected, AdviceContext{Record: &AdviceRecord{Received: true}}))
	if strings.Contains(recv, "update-source") || !strings.Contains(recv, "refused AWS's connection") {
		t.Errorf("6/5 received from the gateway:\n%s", recv)
	}
}

// directed is a record of a notification sent ("sent": by AWS) or received
// ("received": from the customer gateway).
func directed(dir string) *AdviceRecord {
	return &AdviceRecord{Sent: dir == "sent", Received: dir == "received"}
}

func hintsText(hs []GatewayHint) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Hint
	}
	return out
}

// Proposal-mismatch advice uses the tunnel's own algorithms: only the
// phase that failed, only the groups it allows, the commands of its IKE
// version; PFS only for phase 2.
func TestAdviseProposalFromTunnelOptions(t *testing.T) {
	p1 := joinAdvice(mustAdvise(t, IKEProposalMismatch, AdviceContext{Tunnel: groupTwenty("ikev1"),
		Record: &AdviceRecord{Phase: 1}}))
	for _, bad := range []string{"group14", "modp2048", "group 14", "PFS", "ikev2", "IKEv2", "phase 2"} {
		if strings.Contains(p1, bad) {
			t.Errorf("IKEv1 phase 1 advice on a group-20 tunnel has %q:\n%s", bad, p1)
		}
	}
	for _, want := range []string{"Phase 1 (the IKE SA) failed", "AWS accepts for phase 1 on this tunnel: IKEv1; encryption AES256; integrity SHA2-256; DH group 20; lifetime up to 28800 s.",
		"crypto isakmp policy 10", "show crypto isakmp policy", "set ike-version 1", "dh-group group20", "ecp384"} {
		if !strings.Contains(p1, want) {
			t.Errorf("IKEv1 phase 1 advice lacks %q:\n%s", want, p1)
		}
	}

	p2 := joinAdvice(mustAdvise(t, IKEProposalMismatch, AdviceContext{Tunnel: groupTwenty("ikev2"),
		Record: &AdviceRecord{Phase: 2}}))
	for _, want := range []string{"Phase 2 (the CHILD_SA) failed", "PFS with DH group 20", "Enable PFS", "first rekey", "set pfs group20", "perfect-forward-secrecy keys group20", "esp_proposals = aes256-sha256-ecp384"} {
		if !strings.Contains(p2, want) {
			t.Errorf("IKEv2 phase 2 advice lacks %q:\n%s", want, p2)
		}
	}
	for _, bad := range []string{"AWS accepts for phase 1", "crypto ikev2 proposal", "isakmp", "group14"} {
		if strings.Contains(p2, bad) {
			t.Errorf("IKEv2 phase 2 advice has %q:\n%s", bad, p2)
		}
	}

	// Options not set: AWS's defaults, said so; a widely supported group.
	def := joinAdvice(mustAdvise(t, IKEProposalMismatch, AdviceContext{Tunnel: &TunnelPolicy{}, Record: &AdviceRecord{Phase: 1}}))
	for _, want := range []string{"IKEv1 or IKEv2", "AES128, AES256, AES128-GCM-16, AES256-GCM-16 (the AWS default)", "lifetime up to 28800 s", "IKEv2: crypto ikev2 proposal", "IKEv1: crypto isakmp policy", "group 14"} {
		if !strings.Contains(def, want) {
			t.Errorf("advice for a tunnel with default options lacks %q:\n%s", want, def)
		}
	}

	// Only GCM allowed for phase 2: no integrity algorithm in ESP.
	gcm := groupTwenty("ikev2")
	gcm.Phase2Encryption = []string{"AES256-GCM-16"}
	g := joinAdvice(mustAdvise(t, IKEProposalMismatch, AdviceContext{Tunnel: gcm, Record: &AdviceRecord{Phase: 2}}))
	for _, want := range []string{"esp-gcm 256", "aes256gcm16-ecp384", "set proposal aes256gcm /"} {
		if !strings.Contains(g, want) {
			t.Errorf("GCM phase 2 advice lacks %q:\n%s", want, g)
		}
	}

	// Without the tunnel's options: the catalogue's advice, no concrete group.
	generic := joinAdvice(mustAdvise(t, IKEProposalMismatch, AdviceContext{Record: &AdviceRecord{Phase: 1}}))
	if strings.Contains(generic, "group14") || strings.Contains(generic, "modp2048") || strings.Contains(generic, "Enable PFS") || strings.Contains(generic, "PFS with") {
		t.Errorf("generic phase 1 advice:\n%s", generic)
	}
}

// Settings the tunnel already has are not recommended; certificate advice
// only for a tunnel that uses certificates; IKE commands of its version.
func TestAdviseSkipsWhatDoesNotApply(t *testing.T) {
	restart := joinAdvice(mustAdvise(t, IKEDPDTimeout, AdviceContext{Tunnel: groupTwenty("ikev2")}))
	if strings.Contains(restart, "DPD timeout action") || strings.Contains(restart, "StartupAction") {
		t.Errorf("DPD advice on a tunnel with action restart:\n%s", restart)
	}
	if strings.Contains(restart, "crypto isakmp") || !strings.Contains(restart, "crypto ikev2 dpd") {
		t.Errorf("DPD advice on an IKEv2 tunnel:\n%s", restart)
	}
	clear := groupTwenty("ikev1")
	clear.DPDTimeoutAction, clear.StartupAction = "", ""
	c := joinAdvice(mustAdvise(t, IKEDPDTimeout, AdviceContext{Tunnel: clear, OutsideIP: "203.0.113.9", Record: &AdviceRecord{VPNConnectionID: "vpn-0abc"}}))
	for _, want := range []string{"DPD timeout action is clear", "modify-vpn-tunnel-options --vpn-connection-id vpn-0abc --vpn-tunnel-outside-ip-address 203.0.113.9 --tunnel-options DPDTimeoutAction=restart,StartupAction=start", "crypto isakmp keepalive"} {
		if !strings.Contains(c, want) {
			t.Errorf("DPD advice on a tunnel with action clear lacks %q:\n%s", want, c)
		}
	}

	psk := joinAdvice(mustAdvise(t, IKEPhase1Timeout, AdviceContext{Tunnel: groupTwenty("ikev2")}))
	if strings.Contains(psk, "ertificate") || strings.Contains(psk, "fragmentation") {
		t.Errorf("phase 1 timeout advice on a PSK tunnel:\n%s", psk)
	}
	if !strings.Contains(psk, "allows only IKEv2") {
		t.Errorf("phase 1 timeout advice does not name the tunnel's IKE version:\n%s", psk)
	}
	certs := groupTwenty("ikev2")
	certs.Certificates = true
	cert := joinAdvice(mustAdvise(t, IKEPhase1Timeout, AdviceContext{Tunnel: certs}))
	if !strings.Contains(cert, "crypto ikev2 fragmentation mtu 1200") || strings.Contains(cert, condCertificates) {
		t.Errorf("phase 1 timeout advice on a certificate tunnel:\n%s", cert)
	}
	unknown := joinAdvice(mustAdvise(t, IKEPhase1Timeout, AdviceContext{}))
	if !strings.Contains(unknown, condCertificates) {
		t.Errorf("with nothing known, the certificate advice should stay, labelled:\n%s", unknown)
	}
}

// The tunnel's addresses replace the placeholders; a next-hop denial names
// the next hop and where it comes from.
func TestAdviseFillsAddressesAndNextHop(t *testing.T) {
	rec := &AdviceRecord{NextHopIP: "10.77.0.1"}
	a := mustAdvise(t, RouteDeniedNextHop, AdviceContext{Record: rec, OutsideIP: "203.0.113.9", InsideCIDR: "169.254.10.80/30"})
	s := joinAdvice(a)
	for _, want := range []string{"next hop is 10.77.0.1", "tunnel inside IP 169.254.10.82", "route-map", "show ip bgp neighbors 169.254.10.81 advertised-routes", "set ip next-hop", "set-ip-nexthop"} {
		if !strings.Contains(s, want) {
			t.Errorf("next-hop advice lacks %q:\n%s", want, s)
		}
	}
	for _, bad := range []string{"next-hop-self", "<aws-inside-ip>"} {
		if strings.Contains(s, bad) {
			t.Errorf("next-hop advice has %q:\n%s", bad, s)
		}
	}
}

// Every condition the catalogue writes is one Advise knows, and with every
// fact known none is left in the advice.
func TestAdviseConditionsKnown(t *testing.T) {
	for _, e := range Entries() {
		for _, dir := range []string{"sent", "received"} {
			for _, ver := range []int{1, 2} {
				for _, phase := range []int{1, 2} {
					ctx := AdviceContext{Record: &AdviceRecord{Sent: dir == "sent", Received: dir == "received", IKEVersion: ver, Phase: phase}, Tunnel: groupTwenty()}
					a, ok := Advise(e.Category, ctx)
					if !ok {
						t.Fatalf("Advise(%s) found no entry", e.Category)
					}
					for _, s := range append(a.Checks, hintsText(a.GatewayHints)...) {
						for _, p := range conditionPrefixes {
							if strings.HasPrefix(s, p) {
								t.Errorf("%s: condition %q left with every fact known: %q", e.Category, p, s)
							}
						}
					}
				}
			}
		}
	}
	if _, ok := Advise("ike.nonexistent", AdviceContext{}); ok {
		t.Error("Advise found an id outside the contract")
	}
}
