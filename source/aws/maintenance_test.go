package aws_test

import (
	"context"
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
	m, err = src.Maintenance(ctx, hq, "203.0.113.20")
	if err != nil || !m.LastApplied.IsZero() || m.Pending != "" {
		t.Errorf("tunnel 2 = %+v, %v", m, err)
	}
	if _, err := src.Maintenance(ctx, "vpn-0nope0000000000000", "203.0.113.10"); err == nil {
		t.Error("an unknown connection answered")
	}
	f.Deny("GetVpnTunnelReplacementStatus")
	_, err = src.Maintenance(ctx, hq, "203.0.113.10")
	var se *source.Error
	if !errors.As(err, &se) || se.Cause != "AccessDenied" || !strings.Contains(err.Error(), "ec2:GetVpnTunnelReplacementStatus") {
		t.Errorf("denied: %v", err)
	}
}
