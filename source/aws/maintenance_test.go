package aws_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
	"github.com/vpnlens/vpnlens/source"
)

// GetVpnTunnelReplacementStatus through the real EC2 client: the last
// applied and the pending maintenance of a tunnel; a tunnel never
// maintained has neither; a denied call names the permission.
func TestMaintenanceThroughEC2(t *testing.T) {
	f := newFake(t, fakeaws.Options{})
	applied := time.Date(2026, 6, 12, 16, 32, 0, 0, time.UTC)
	after := time.Date(2026, 6, 20, 0, 0, 0, 0, time.UTC)
	f.SetMaintenance(hq, "203.0.113.10", fakeaws.TunnelMaintenance{LastApplied: applied, Pending: "Tunnel endpoint replacement", AutoAppliedAfter: after})
	src := newSource(t, f, nil)
	ctx := context.Background()
	m, err := src.Maintenance(ctx, hq, "203.0.113.10")
	if err != nil {
		t.Fatal(err)
	}
	if !m.LastApplied.Equal(applied) || m.Pending != "Tunnel endpoint replacement" || !m.AutoAppliedAfter.Equal(after) {
		t.Errorf("maintenance = %+v", m)
	}
	// The demo's tunnel-maintenance.json, as the fake serves it.
	m, err = src.Maintenance(ctx, hq, "203.0.113.20")
	if err != nil || !m.LastApplied.Equal(time.Date(2026, 6, 12, 12, 13, 58, 0, time.UTC)) || m.Pending != "" {
		t.Errorf("tunnel 2 = %+v, %v", m, err)
	}
	m, err = src.Maintenance(ctx, branch, "203.0.113.30")
	if err != nil || !m.LastApplied.IsZero() || m.Pending != "" {
		t.Errorf("a tunnel never maintained = %+v, %v", m, err)
	}
	if _, err := src.Maintenance(ctx, "vpn-0nope0000000000000", "203.0.113.10"); err == nil {
		t.Error("an unknown connection answered")
	}
	// A second question within InventoryTTL is answered from the cache.
	n := f.Counts()["GetVpnTunnelReplacementStatus"]
	if _, err := src.Maintenance(ctx, hq, "203.0.113.10"); err != nil || f.Counts()["GetVpnTunnelReplacementStatus"] != n {
		t.Errorf("the repeated question made a call (%v)", err)
	}
	f.Deny("GetVpnTunnelReplacementStatus")
	src.Forget()
	_, err = src.Maintenance(ctx, hq, "203.0.113.10")
	var se *source.Error
	if !errors.As(err, &se) || se.Cause != "AccessDenied" || !strings.Contains(err.Error(), "ec2:GetVpnTunnelReplacementStatus") {
		t.Errorf("denied: %v", err)
	}
}

// Maintenance applied to hq's tunnel 1 when it went down at 03:10:07 is
// the root cause of that drop (aws.tunnel_replaced), with the log's cause
// ranked below; get_tunnel_options shows the pending maintenance of
// tunnel 2 with the advice to keep the other tunnel up.
func TestMaintenanceAttributedThroughAWS(t *testing.T) {
	f := newFake(t, fakeaws.Options{})
	f.SetMaintenance(hq, "203.0.113.10", fakeaws.TunnelMaintenance{LastApplied: time.Date(2026, 6, 12, 3, 9, 30, 0, time.UTC)})
	f.SetMaintenance(hq, "203.0.113.20", fakeaws.TunnelMaintenance{Pending: "Tunnel endpoint replacement", AutoAppliedAfter: time.Date(2026, 6, 20, 0, 0, 0, 0, time.UTC)})
	src := newSource(t, f, nil)
	c := mcpClient(t, src, src)
	got, msg := callJSON(t, c, "diagnose_tunnel_drop", map[string]any{"vpn_connection_id": hq, "tunnel": "1", "at": "2026-06-12 03:13"})
	if msg != "" {
		t.Fatal(msg)
	}
	rc, _ := got["root_cause"].(map[string]any)
	lower, _ := got["ranked_lower"].([]any)
	if rc["category"] != "aws.tunnel_replaced" || len(lower) == 0 || lower[0].(map[string]any)["category"] != "ike.dpd_timeout" {
		t.Fatalf("root cause %v, ranked lower %v", rc, lower)
	}
	t.Logf("API calls for diagnose_tunnel_drop hq tunnel 1 03:13 with maintenance and changes: %v", f.Counts())
	// A drop far from the maintenance time is not attributed to it.
	got, _ = callJSON(t, c, "diagnose_tunnel_drop", map[string]any{"vpn_connection_id": hq, "tunnel": "1", "at": "2026-06-12 16:33"})
	if rc, _ := got["root_cause"].(map[string]any); rc["category"] != "bgp.hold_timer_expired" {
		t.Errorf("16:33 root cause %v", rc)
	}
	opts, msg := callJSON(t, c, "get_tunnel_options", map[string]any{"vpn_connection_id": hq})
	if msg != "" {
		t.Fatal(msg)
	}
	b, _ := json.Marshal(opts)
	for _, want := range []string{`"last_applied":{"utc":"2026-06-12T03:09:30Z"}`, `"pending":"Tunnel endpoint replacement"`, "keep the other tunnel up"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("get_tunnel_options lacks %s: %s", want, b)
		}
	}
}
