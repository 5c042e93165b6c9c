package source_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/source"
)

// maintFolder is a logs folder with one BGP record and the given
// tunnel-maintenance.json.
func maintFolder(t *testing.T, body string) *source.Local {
	t.Helper()
	return openWithSideFile(t, source.MaintenanceFileName, body)
}

// tunnel-maintenance.json (GetVpnTunnelReplacementStatus outputs, as the
// CLI prints them) answers Maintenance per tunnel; a tunnel it does not
// list has none; it is never read as logs.
func TestLocalMaintenanceFile(t *testing.T) {
	l := maintFolder(t, `[
 {"VpnConnectionId":"vpn-0a1b2c3d4e5f60718","VpnGatewayId":"vgw-1","VpnTunnelOutsideIpAddress":"203.0.113.10",
  "MaintenanceDetails":{"LastMaintenanceApplied":"2026-06-12T12:14:03+00:00"}},
 {"VpnConnectionId":"vpn-0a1b2c3d4e5f60718","VpnTunnelOutsideIpAddress":"203.0.113.20",
  "MaintenanceDetails":{"PendingMaintenance":"Tunnel endpoint replacement","MaintenanceAutoAppliedAfter":1781827200}}]`)
	ctx := context.Background()
	m, err := l.Maintenance(ctx, "vpn-0a1b2c3d4e5f60718", "203.0.113.10")
	if err != nil || !m.LastApplied.Equal(time.Date(2026, 6, 12, 12, 14, 3, 0, time.UTC)) || m.Pending != "" || m.TunnelIP != "203.0.113.10" {
		t.Errorf("tunnel 1 = %+v, %v", m, err)
	}
	m, err = l.Maintenance(ctx, "vpn-0a1b2c3d4e5f60718", "203.0.113.20")
	if err != nil || m.Pending != "Tunnel endpoint replacement" || !m.AutoAppliedAfter.Equal(time.Unix(1781827200, 0)) || !m.LastApplied.IsZero() {
		t.Errorf("tunnel 2 = %+v, %v", m, err)
	}
	m, err = l.Maintenance(ctx, "vpn-0f9e8d7c6b5a40312", "203.0.113.30")
	if err != nil || !m.LastApplied.IsZero() || m.Pending != "" {
		t.Errorf("an unlisted tunnel = %+v, %v", m, err)
	}
	if rep := l.Report(); rep.Records != 1 || rep.MalformedCount != 0 || rep.SkippedCount != 0 {
		t.Errorf("the maintenance file was read as logs: %+v", rep)
	}
	// One output alone (what a single CLI call prints) is read too.
	l = maintFolder(t, `{"VpnConnectionId":"vpn-0a1b2c3d4e5f60718","VpnTunnelOutsideIpAddress":"203.0.113.10","MaintenanceDetails":{"PendingMaintenance":"Tunnel endpoint replacement"}}`)
	if m, err := l.Maintenance(ctx, "vpn-0a1b2c3d4e5f60718", "203.0.113.10"); err != nil || m.Pending == "" {
		t.Errorf("one output = %+v, %v", m, err)
	}
}

// A tunnel-maintenance.json that is not what it claims fails the
// maintenance questions with the file and the fault named; the logs are
// read all the same.
func TestLocalMaintenanceFileErrors(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{`[{oops`, "not a list of GetVpnTunnelReplacementStatus outputs"},
		{`[{"VpnConnectionId":"vpn-0a1b2c3d4e5f60718","MaintenanceDetails":{}}]`, "VpnConnectionId and VpnTunnelOutsideIpAddress are required"},
		{`[{"VpnConnectionId":"vpn-0a1b2c3d4e5f60718","VpnTunnelOutsideIpAddress":"203.0.113.10","MaintenanceDetails":{"LastMaintenanceApplied":"yesterday"}}]`, `LastMaintenanceApplied "yesterday" is neither ISO 8601 nor epoch seconds`},
	} {
		l := maintFolder(t, c.body)
		_, err := l.Maintenance(context.Background(), "vpn-0a1b2c3d4e5f60718", "203.0.113.10")
		var se *source.Error
		if !errors.As(err, &se) || se.Cause != "BadMaintenance" || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), source.MaintenanceFileName) {
			t.Errorf("err = %v, want %q", err, c.want)
		}
		if rep := l.Report(); rep.Records != 1 || rep.MalformedCount != 0 {
			t.Errorf("%s: the logs were not read around the bad file: %+v", c.want, rep)
		}
	}
}
