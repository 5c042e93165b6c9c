package tools_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/source"
)

// scenarioWithActiveStatus copies a scenario's folder (without its
// expected.json) and adds body as its tunnel-active-status.json ("" for
// none).
func scenarioWithActiveStatus(t *testing.T, name, body string) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(filepath.Join(scenariosDir, name))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == "expected.json" {
			continue
		}
		in, err := os.Open(filepath.Join(scenariosDir, name, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(out, in)
		in.Close()
		out.Close()
	}
	if body != "" {
		if err := os.WriteFile(filepath.Join(dir, source.ActiveStatusFileName), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const (
	mismatchVPN       = "vpn-0ddedd7c2927e142b"
	tunnel1Negotiated = `{"Tunnels":[` +
		`{"VpnConnectionId":"vpn-0ddedd7c2927e142b","VpnTunnelOutsideIpAddress":"203.0.113.102","ActiveVpnTunnelStatus":{"IkeVersion":"ikev2","Phase1EncryptionAlgorithm":"AES256","Phase1IntegrityAlgorithm":"SHA2-256","Phase1DHGroup":20,"Phase2EncryptionAlgorithm":"AES256","Phase2IntegrityAlgorithm":"SHA2-256","Phase2DHGroup":20,"ProvisioningStatus":"available"}}`
)

// The proposal-mismatch advice of ike-proposal-mismatch-phase1-ikev2
// (tunnel 2, phase 1) states what AWS last negotiated, beside the options,
// in both channels: from the other tunnel when tunnel 2 has nothing
// negotiated, from tunnel 2 itself when it has; an unreadable status is a
// note and leaves the advice as without it.
func TestDiagnoseProposalMismatchWithNegotiated(t *testing.T) {
	question := map[string]any{"vpn_connection_id": mismatchVPN, "tunnel": "2", "at": "2026-07-06T10:10:00Z"}
	ask := func(body string) (string, string, []string) {
		t.Helper()
		deps, note := scenarioDeps(t, scenarioWithActiveStatus(t, "ike-proposal-mismatch-phase1-ikev2", body))
		if note != "" {
			t.Fatal(note)
		}
		got, text := diagnoseVia(t, deps, question)
		if got.RootCause.Category != "ike.proposal_mismatch" {
			t.Fatalf("root cause %s", got.RootCause.Category)
		}
		return adviceText(got), text, got.Notes
	}
	baseline, _, _ := ask("")
	if strings.Contains(baseline, "negotiated") {
		t.Fatalf("advice without a status names a negotiation:\n%s", baseline)
	}

	other := "AWS last negotiated IKEv2 AES256/SHA2-256/DH 20 in phase 1 on tunnel 1 (203.0.113.102) (GetActiveVpnTunnelStatus), the connection's other tunnel, which usually shares this gateway's configuration; this tunnel's options accept it too"
	adv, text, _ := ask(tunnel1Negotiated + `,{"VpnConnectionId":"vpn-0ddedd7c2927e142b","VpnTunnelOutsideIpAddress":"203.0.113.208","ActiveVpnTunnelStatus":{"ProvisioningStatus":"available"}}]}`)
	for name, s := range map[string]string{"structured": adv, "text": text} {
		if !strings.Contains(s, other) || !strings.Contains(s, "AWS accepts for phase 1 on this tunnel: IKEv2; encryption AES256") {
			t.Errorf("%s advice lacks the other tunnel's negotiation beside the options:\n%s", name, s)
		}
		if strings.Contains(s, "in phase 2") {
			t.Errorf("%s advice for a phase 1 failure names phase 2's negotiation:\n%s", name, s)
		}
	}

	own := "AWS last negotiated IKEv2 AES256/SHA2-256/DH 20 in phase 1 on this tunnel (GetActiveVpnTunnelStatus); the tunnel's options accept it, so the gateway commands below use it."
	adv, text, _ = ask(tunnel1Negotiated + `,{"VpnConnectionId":"vpn-0ddedd7c2927e142b","VpnTunnelOutsideIpAddress":"203.0.113.208","ActiveVpnTunnelStatus":{"IkeVersion":"ikev2","Phase1EncryptionAlgorithm":"AES256","Phase1IntegrityAlgorithm":"SHA2-256","Phase1DHGroup":20,"ProvisioningStatus":"available"}}]}`)
	if !strings.Contains(adv, own) || !strings.Contains(text, own) || strings.Contains(adv, "tunnel 1 (203.0.113.102) (GetActiveVpnTunnelStatus)") {
		t.Errorf("advice with tunnel 2's own negotiation:\n%s", adv)
	}

	adv, _, notes := ask(`{"Tunnels":[{"VpnConnectionId":"vpn-0ddedd7c2927e142b"}]}`)
	if adv != baseline {
		t.Errorf("an unreadable status changed the advice:\n%s\nwant\n%s", adv, baseline)
	}
	if n := strings.Join(notes, "\n"); !strings.Contains(n, "what AWS negotiated on tunnel 2 (203.0.113.208) could not be read") || !strings.Contains(n, "needs VpnConnectionId and VpnTunnelOutsideIpAddress") ||
		strings.Count(n, "could not be read") != 1 {
		t.Errorf("notes do not say once that the status could not be read: %v", notes)
	}
}
