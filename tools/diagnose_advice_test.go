package tools_test

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/view"
)

const (
	adviceHQ     = "vpn-0a1b2c3d4e5f60718"
	adviceBranch = "vpn-0f9e8d7c6b5a40312"
)

// diagnoseScenario asks diagnose_tunnel_drop the question of a scenario's
// expected.json through MCP.
func diagnoseScenario(t *testing.T, name string) (view.Diagnosis, string) {
	t.Helper()
	dir := filepath.Join(scenariosDir, name)
	b, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp scenarioExpected
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	deps, _ := scenarioDeps(t, dir)
	return diagnoseVia(t, deps, exp.question())
}

// withAllGateways asks for every gateway platform's commands too.
func withAllGateways(args map[string]any) map[string]any {
	out := map[string]any{"gateway": "all"}
	for k, v := range args {
		out[k] = v
	}
	return out
}

func diagnoseVia(t *testing.T, deps *investigate.Service, args map[string]any) (view.Diagnosis, string) {
	t.Helper()
	got, res := call[view.Diagnosis](t, mcpClient(t, deps), "diagnose_tunnel_drop", withAllGateways(args))
	if res.IsError {
		t.Fatalf("%v: %s", args, resultText(res))
	}
	return got, resultText(res)
}

// adviceText is every action and gateway command of a diagnosis, one a
// line.
func adviceText(r view.Diagnosis) string {
	var b strings.Builder
	for _, a := range r.Actions {
		for _, s := range a.Steps {
			b.WriteString(s + "\n")
		}
		for _, c := range a.GatewayCommands {
			b.WriteString(c + "\n")
		}
	}
	return b.String()
}

// hintOf is the commands of one gateway platform in a diagnosis.
func hintOf(r view.Diagnosis, vendor string) string {
	var out []string
	for _, a := range r.Actions {
		for _, c := range a.GatewayCommands {
			if h, ok := strings.CutPrefix(c, vendor+": "); ok {
				out = append(out, h)
			}
		}
	}
	return strings.Join(out, "\n")
}

func wantIn(t *testing.T, what, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

func wantNotIn(t *testing.T, what, text string, bad ...string) {
	t.Helper()
	for _, w := range bad {
		if strings.Contains(text, w) {
			t.Errorf("%s has %q:\n%s", what, w, text)
		}
	}
}

// A Cease's advice follows who sent it: "sent" means AWS closed the
// session, so the gateway-side fixes (re-enable the neighbor) do not
// apply; "received" means the gateway closed it, so AWS-side checks do not.
func TestDiagnoseAdviceFollowsCeaseDirection(t *testing.T) {
	t.Run("6/2 sent by AWS", func(t *testing.T) {
		got, _ := diagnoseScenario(t, "bgp-cease-6-2-sent")
		if got.RootCause.Category != "bgp.cease.admin_shutdown" || got.RootCause.Direction != "sent" {
			t.Fatalf("root cause %s %s", got.RootCause.Category, got.RootCause.Direction)
		}
		adv := adviceText(got)
		wantNotIn(t, "advice for a Cease AWS sent", adv, "shutdown of this neighbor", "shutdown disable", "no neighbor", "Received:", "Sent:")
		wantIn(t, "advice for a Cease AWS sent", adv, "AWS shut the session down", "AWS Health", "show ip bgp summary")
	})
	t.Run("6/2 received from the gateway", func(t *testing.T) {
		got, _ := diagnoseScenario(t, "bgp-cease-6-2-received")
		adv := adviceText(got)
		wantIn(t, "advice for a Cease the gateway sent", adv, "shutdown of this neighbor", "no neighbor")
		wantNotIn(t, "advice for a Cease the gateway sent", adv, "AWS Health", "AWS shut the session down")
	})
	t.Run("6/5 received (demo)", func(t *testing.T) {
		got, _ := diagnoseVia(t, demoDeps(t), map[string]any{"vpn_connection_id": adviceBranch, "tunnel": "1", "at": "06:18"})
		if got.RootCause.Category != "bgp.cease.connection_rejected" || got.RootCause.Direction != "received" {
			t.Fatalf("root cause %s %s", got.RootCause.Category, got.RootCause.Direction)
		}
		adv := adviceText(got)
		wantNotIn(t, "advice for a 6/5 the gateway sent", adv, "update-source", "local-address")
		wantIn(t, "advice for a 6/5 the gateway sent", adv, "refused AWS's connection", "169.254.20.1")
	})
	t.Run("6/5 sent by AWS", func(t *testing.T) {
		got, _ := diagnoseScenario(t, "bgp-cease-6-5-sent")
		wantIn(t, "advice for a 6/5 AWS sent", adviceText(got), "update-source")
		wantNotIn(t, "advice for a 6/5 AWS sent", adviceText(got), "refused AWS's connection")
	})
}

// Proposal-mismatch advice is built from the tunnel's own options: the
// phase that failed, what AWS accepts for it, and commands for the tunnel's
// IKE version with those values, never a DH group the tunnel refuses.
func TestDiagnoseProposalAdviceFromTunnelOptions(t *testing.T) {
	t.Run("IKEv1 phase 1 (demo)", func(t *testing.T) {
		got, _ := diagnoseVia(t, demoDeps(t), map[string]any{"vpn_connection_id": adviceBranch, "tunnel": "2", "at": "11:05"})
		adv := adviceText(got)
		wantNotIn(t, "phase 1 advice on a group-20 IKEv1 tunnel", adv, "group14", "modp2048", "group 14", "Enable PFS", "ikev2", "IKEv2:", "Phase 2")
		wantIn(t, "phase 1 advice on a group-20 IKEv1 tunnel", adv,
			"Phase 1 (the IKE SA) failed",
			"AWS accepts for phase 1 on this tunnel: IKEv1; encryption AES256; integrity SHA2-256; DH group 20; lifetime up to 28800 s.",
			"Configure the gateway's phase 1 proposal to one of these")
		wantIn(t, "Cisco IOS", hintOf(got, "Cisco IOS"), "show crypto isakmp policy", "crypto isakmp policy 10 / encryption aes 256 / hash sha256 / authentication pre-share / group 20")
		wantIn(t, "Juniper SRX", hintOf(got, "Juniper SRX"), "dh-group group20", "version v1-only")
		wantIn(t, "strongSwan", hintOf(got, "strongSwan"), "version = 1", "aes256-sha256-ecp384")
	})
	t.Run("IKEv2 phase 1 keeps it down", func(t *testing.T) {
		got, _ := diagnoseScenario(t, "teardown-then-proposal-loop")
		adv := adviceText(got)
		wantNotIn(t, "phase 1 advice on a group-20 IKEv2 tunnel", adv, "group14", "modp2048", "Enable PFS", "isakmp")
		wantIn(t, "phase 1 advice on a group-20 IKEv2 tunnel", adv, "Phase 1 (the IKE SA) failed", "AWS accepts for phase 1 on this tunnel: IKEv2;")
		wantIn(t, "Cisco IOS", hintOf(got, "Cisco IOS"), "crypto ikev2 proposal AWS / encryption aes-cbc-256 / integrity sha256 / group 20")
	})
	t.Run("IKEv1 phase 2", func(t *testing.T) {
		got, _ := diagnoseScenario(t, "los-angeles-evening-phase2-ikev1")
		adv := adviceText(got)
		wantNotIn(t, "phase 2 advice on a group-20 IKEv1 tunnel", adv, "group14", "modp2048", "Phase 1 (the IKE SA) failed", "crypto ikev2", "AWS accepts for phase 1")
		wantIn(t, "phase 2 advice on a group-20 IKEv1 tunnel", adv,
			"Phase 2 (IKEv1 quick mode) failed",
			"AWS accepts for phase 2 on this tunnel: encryption AES256; integrity SHA2-256; PFS with DH group 20; lifetime up to 3600 s.",
			"Enable PFS", "set pfs group20", "perfect-forward-secrecy keys group20", "esp_proposals = aes256-sha256-ecp384")
		// The failed quick-mode rekey did not take the tunnel down; the
		// old SA ran out later.
		wantIn(t, "explanation", got.RootCause.Explanation, "began the failure", "went down at 2026-08-20T05:45:40Z")
		wantNotIn(t, "explanation", got.RootCause.Explanation, "took the IPsec tunnel down")
	})
}

// Advice does not recommend what the tunnel already has, nor certificate
// advice for a tunnel that authenticates with a pre-shared key.
func TestDiagnoseAdviceSkipsSettingsInPlace(t *testing.T) {
	got, _ := diagnoseVia(t, demoDeps(t), map[string]any{"vpn_connection_id": adviceBranch, "tunnel": "1", "at": "18:05"})
	if got.RootCause.Category != "ike.dpd_timeout" || got.StaysDownBecause == nil || got.StaysDownBecause.Category != "ike.phase1_timeout" {
		t.Fatalf("diagnosis %s / %+v", got.RootCause.Category, got.StaysDownBecause)
	}
	adv := adviceText(got)
	wantNotIn(t, "advice on a tunnel with DPD action restart and startup start", adv,
		"DPD timeout action restart", "DPDTimeoutAction", "startup action", "certificate", "fragmentation")

	// hq's tunnel 1 has DPD action clear: there the advice stands, with the
	// tunnel's own identifiers.
	hq, _ := diagnoseVia(t, demoDeps(t), map[string]any{"vpn_connection_id": adviceHQ, "tunnel": "1", "at": "03:13"})
	wantIn(t, "advice on a tunnel with DPD action clear", adviceText(hq),
		"DPD timeout action is clear", "--vpn-connection-id vpn-0a1b2c3d4e5f60718 --vpn-tunnel-outside-ip-address 203.0.113.10 --tunnel-options DPDTimeoutAction=restart,StartupAction=start")
}

// Every action and hint says which cause it is for; nothing is said twice;
// the text groups them under the cause.
func TestDiagnoseAdviceLabelledPerCause(t *testing.T) {
	got, text := diagnoseVia(t, demoDeps(t), map[string]any{"vpn_connection_id": adviceBranch, "tunnel": "1", "at": "18:05"})
	seen := map[string]bool{}
	steps := map[string]int{}
	hints := map[string]bool{}
	forCause := map[string]int{}
	for _, a := range got.Actions {
		switch {
		case a.Cause == "ike.dpd_timeout" && a.Role == "root cause", a.Cause == "ike.phase1_timeout" && a.Role == "keeps it down":
		default:
			t.Errorf("advice for an unexpected cause: %s (%s)", a.Cause, a.Role)
		}
		for _, s := range a.Steps {
			if seen[s] {
				t.Errorf("action repeated: %q", s)
			}
			seen[s] = true
			steps[a.Cause]++
		}
		for _, h := range a.GatewayCommands {
			if hints[h] {
				t.Errorf("hint repeated: %q", h)
			}
			hints[h] = true
			forCause[a.Cause]++
		}
	}
	if steps["ike.dpd_timeout"] == 0 || steps["ike.phase1_timeout"] == 0 {
		t.Errorf("actions for the root cause %d, for what keeps it down %d", steps["ike.dpd_timeout"], steps["ike.phase1_timeout"])
	}
	if forCause["ike.dpd_timeout"] == 0 || forCause["ike.phase1_timeout"] == 0 {
		t.Errorf("hints per cause: %v", forCause)
	}
	i, j := strings.Index(text, "For ike.dpd_timeout (root cause):\n"), strings.Index(text, "For ike.phase1_timeout (keeps it down):\n")
	if i < 0 || j < i {
		t.Fatalf("text does not group the advice under its causes:\n%s", text)
	}
	wantIn(t, "root cause group", text[i:j], "Action: Check the gateway's uptime", "strongSwan: dpd_delay")
	wantIn(t, "keeps-it-down group", text[j:], "Action: Allow UDP 500 and UDP 4500")
	wantNotIn(t, "keeps-it-down group", text[j:], "dpd_delay")
}

// The text says when the root cause itself repeats, shows the notes, and
// with a time zone puts the local time next to every time it writes.
func TestDiagnoseTextRepeatsNotesAndLocalTimes(t *testing.T) {
	t.Run("repeated root cause", func(t *testing.T) {
		got, text := diagnoseScenario(t, "ike-auth-failed-ikev2")
		if got.RootCause.Count < 2 || got.RootCause.LastAt == "" {
			t.Fatalf("root cause count %d, last at %q", got.RootCause.Count, got.RootCause.LastAt)
		}
		wantIn(t, "text", text, "Repeated 39 times until "+got.RootCause.LastAt)
	})
	t.Run("notes", func(t *testing.T) {
		// Read the scenario as the CLI does, expected.json included: it is
		// not a log, so it is counted as malformed and noted.
		dir := filepath.Join(scenariosDir, "bgp-cease-6-2-sent")
		quiet := slog.New(slog.DiscardHandler)
		local, err := source.OpenFS(os.DirFS(dir), dir, quiet)
		if err != nil {
			t.Fatal(err)
		}
		deps := &investigate.Service{Inventory: local, Logs: local, Limits: investigate.DefaultLimits, Logger: quiet,
			Now: func() time.Time { return time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC) }}
		got, text := diagnoseVia(t, deps, map[string]any{"vpn_connection_id": "vpn-068b86834bc89884b", "at": "2026-07-17T11:19:00Z"})
		if len(got.Notes) == 0 {
			t.Fatal("no notes to show")
		}
		for _, n := range got.Notes {
			wantIn(t, "text", text, "Note: "+n)
		}
	})
	t.Run("local times", func(t *testing.T) {
		got, text := diagnoseVia(t, demoDeps(t), map[string]any{"vpn_connection_id": adviceHQ, "tunnel": "2", "at": "22:29", "timezone": "Europe/Berlin"})
		if got.Timezone != "Europe/Berlin" {
			t.Errorf("timezone %q", got.Timezone)
		}
		headline := strings.SplitN(text, "\n", 2)[0]
		wantIn(t, "headline", headline,
			"2026-06-12T20:25:12.418Z (2026-06-12 22:25:12 CEST)",
			"recovered at 2026-06-12T21:40:12.149Z (2026-06-12 23:40:12 CEST)")
		wantIn(t, "text", text,
			"  2026-06-12T20:25:14.090Z (2026-06-12 22:25:14 CEST) bgp.state_change",
			"Stays down because: ike.psk_mismatch (223 times from 2026-06-12T20:25:40.137Z (2026-06-12 22:25:40 CEST))")
		for _, e := range got.RootCause.Evidence {
			if e.AtLocal == "" {
				t.Errorf("evidence at %s has no local time", e.At)
			}
		}
		// Quoted log data stays as logged.
		for _, line := range strings.Split(text, "\n") {
			if _, quoted, ok := strings.Cut(line, "«"); ok {
				wantNotIn(t, "quoted record", quoted, "CEST")
			}
		}
	})
	t.Run("nearby incidents named by their diagnosis", func(t *testing.T) {
		_, res := call[view.Diagnosis](t, mcpClient(t, demoDeps(t)), "diagnose_tunnel_drop",
			map[string]any{"vpn_connection_id": adviceHQ, "tunnel": "2", "at": "20:29", "timezone": "Europe/Berlin"})
		if !res.IsError {
			t.Fatal("want no incident at 20:29 Berlin (18:29 UTC)")
		}
		msg := resultText(res)
		wantIn(t, "no-incident message", msg, "22:25:12 CEST (ike.cgw_delete_ike_sa)")
		wantNotIn(t, "no-incident message", msg, "(ike.psk_mismatch)")
	})
}

// A route denied for its next hop: on eBGP the next hop comes from an
// outbound policy that sets it, so the advice is to fix that policy, with
// the next hop and the address it must be.
func TestDiagnoseNextHopAdvice(t *testing.T) {
	got, _ := diagnoseScenario(t, "route-denied-next-hop")
	if got.RootCause.Category != "route.denied.next_hop_unconnected" {
		t.Fatalf("root cause %s", got.RootCause.Category)
	}
	adv := adviceText(got)
	wantIn(t, "next-hop advice", adv, "next hop is 10.77.0.1", "169.254.10.82", "route-map")
	wantIn(t, "Cisco IOS", hintOf(got, "Cisco IOS"), "set ip next-hop", "route-map <name> out")
	wantIn(t, "FortiGate", hintOf(got, "FortiGate"), "set-ip-nexthop", "route-map-out")
	wantNotIn(t, "next-hop advice", adv, "next-hop-self")
}
