package aws_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
	"github.com/vpnlens/vpnlens/source"
)

// GetActiveVpnTunnelStatus through the real EC2 client: what a tunnel
// negotiated, field by field, set in the fake or loaded with the demo; a
// tunnel that is down has nothing negotiated; an unknown tunnel or connection is
// refused; the second question is answered from the cache; a denied call
// names the permission.
func TestActiveStatusThroughEC2(t *testing.T) {
	f := newFake(t, fakeaws.Options{})
	f.SetActiveStatus(hq, "203.0.113.10", fakeaws.TunnelActiveStatus{IkeVersion: "ikev2",
		Phase1EncryptionAlgorithm: "AES256-GCM-16", Phase1IntegrityAlgorithm: "SHA2-384", Phase1DHGroup: 21,
		Phase2EncryptionAlgorithm: "AES128", Phase2IntegrityAlgorithm: "SHA2-256", Phase2DHGroup: 14,
		ProvisioningStatus: "pending", ProvisioningStatusReason: "tunnel options are being modified"})
	f.SetActiveStatus(hq, "203.0.113.20", fakeaws.TunnelActiveStatus{})
	src := newSource(t, f, nil)
	ctx := context.Background()
	a, err := src.ActiveStatus(ctx, hq, "203.0.113.10")
	if err != nil {
		t.Fatal(err)
	}
	want := source.ActiveStatus{TunnelIP: "203.0.113.10", IKEVersion: "ikev2", Phase1Encryption: "AES256-GCM-16", Phase1Integrity: "SHA2-384", Phase1DHGroup: 21,
		Phase2Encryption: "AES128", Phase2Integrity: "SHA2-256", Phase2DHGroup: 14, ProvisioningStatus: "pending", ProvisioningStatusReason: "tunnel options are being modified"}
	if *a != want {
		t.Errorf("tunnel 1 = %+v\nwant %+v", *a, want)
	}
	a, err = src.ActiveStatus(ctx, hq, "203.0.113.20")
	if err != nil || a.Negotiated() || a.ProvisioningStatus != "" {
		t.Errorf("tunnel 2 (set empty) = %+v, %v", a, err)
	}
	// The demo's tunnel-active-status.json, as the fake loads it: what
	// branch-office's IKEv2 tunnel allows; nothing on dr-site's tunnel 2,
	// down since May.
	a, err = src.ActiveStatus(ctx, branch, "203.0.113.30")
	demo := source.ActiveStatus{TunnelIP: "203.0.113.30", IKEVersion: "ikev2", Phase1Encryption: "AES256", Phase1Integrity: "SHA2-256", Phase1DHGroup: 20,
		Phase2Encryption: "AES256", Phase2Integrity: "SHA2-256", Phase2DHGroup: 20, ProvisioningStatus: "available"}
	if err != nil || *a != demo {
		t.Errorf("branch tunnel 1 from the demo = %+v, %v", a, err)
	}
	a, err = src.ActiveStatus(ctx, dr, "203.0.113.60")
	if err != nil || a.Negotiated() || a.ProvisioningStatus != "available" {
		t.Errorf("dr-site tunnel 2 (down) = %+v, %v", a, err)
	}
	var se *source.Error
	if _, err := src.ActiveStatus(ctx, "vpn-0nope0000000000000", "203.0.113.10"); err == nil {
		t.Error("an unknown connection answered")
	}
	if _, err := src.ActiveStatus(ctx, hq, "198.51.100.99"); !errors.As(err, &se) || !strings.Contains(err.Error(), "198.51.100.99") {
		t.Errorf("a tunnel the connection does not have: %v", err)
	}
	// The options and a diagnosis of the same tunnel: one call.
	n := f.Counts()["GetActiveVpnTunnelStatus"]
	if _, err := src.ActiveStatus(ctx, hq, "203.0.113.10"); err != nil || f.Counts()["GetActiveVpnTunnelStatus"] != n {
		t.Errorf("the repeated question made a call (%v): %d calls, then %d", err, n, f.Counts()["GetActiveVpnTunnelStatus"])
	}
	f.Deny("GetActiveVpnTunnelStatus")
	src.Forget()
	_, err = src.ActiveStatus(ctx, hq, "203.0.113.10")
	if !errors.As(err, &se) || se.Cause != "AccessDenied" || !strings.Contains(err.Error(), "ec2:GetActiveVpnTunnelStatus") {
		t.Errorf("denied: %v", err)
	}
}

// Through MCP on the AWS source: get_tunnel_options shows what each tunnel
// negotiated; the proposal-mismatch diagnosis of branch-office's tunnel 2
// that follows uses it without another call; with the call denied the
// options still answer, each tunnel with a note naming the permission.
func TestActiveStatusThroughAWS(t *testing.T) {
	f := newFake(t, fakeaws.Options{})
	src := newSource(t, f, nil)
	c := mcpClient(t, src, src)
	opts, msg := callJSON(t, c, "get_tunnel_options", map[string]any{"vpn_connection_id": branch})
	if msg != "" {
		t.Fatal(msg)
	}
	b, _ := json.Marshal(opts)
	for _, want := range []string{`"negotiated_now":{"ike_version":"ikev2","phase1":"AES256/SHA2-256/DH20","phase2":"AES256/SHA2-256/DH20","provisioning":"available"}`,
		`"negotiated_now":{"ike_version":"ikev1","phase1":"AES256/SHA2-256/DH20"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("get_tunnel_options lacks %s: %s", want, b)
		}
	}
	if n := f.Counts()["GetActiveVpnTunnelStatus"]; n != 2 {
		t.Errorf("get_tunnel_options made %d GetActiveVpnTunnelStatus calls, want 2 (one per tunnel)", n)
	}
	got, msg := callJSON(t, c, "diagnose_tunnel_drop", map[string]any{"vpn_connection_id": branch, "tunnel": "2", "at": "2026-06-12 11:05"})
	if msg != "" {
		t.Fatal(msg)
	}
	b, _ = json.Marshal(got)
	if !strings.Contains(string(b), "AWS last negotiated IKEv1 AES256/SHA2-256/DH 20 in phase 1 on this tunnel (GetActiveVpnTunnelStatus)") {
		t.Errorf("the proposal-mismatch advice does not use the negotiation: %s", b)
	}
	if n := f.Counts()["GetActiveVpnTunnelStatus"]; n != 2 {
		t.Errorf("the diagnosis after get_tunnel_options asked again: %d calls in all", n)
	}

	f.Deny("GetActiveVpnTunnelStatus")
	src.Forget()
	opts, msg = callJSON(t, c, "get_tunnel_options", map[string]any{"vpn_connection_id": hq})
	if msg != "" {
		t.Fatalf("a denied GetActiveVpnTunnelStatus failed the options: %s", msg)
	}
	tuns, _ := opts["tunnels"].([]any)
	if len(tuns) != 2 {
		t.Fatalf("tunnels: %v", opts["tunnels"])
	}
	for _, tv := range tuns {
		tm := tv.(map[string]any)
		notes, _ := json.Marshal(tm["notes"])
		if tm["options"] == nil || tm["negotiated_now"] != nil || !strings.Contains(string(notes), "what AWS negotiated on this tunnel could not be read") ||
			!strings.Contains(string(notes), "ec2:GetActiveVpnTunnelStatus") {
			t.Errorf("tunnel %v with the call denied: options %v, negotiated %v, notes %s", tm["outside_ip"], tm["options"] != nil, tm["negotiated_now"], notes)
		}
	}
}
