package source_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/source"
)

const bgpRecord = `{"event_timestamp":1781226000000,"timestamp":"2026-06-12 01:00:00.000Z","resource_id":"vpn-0a1b2c3d4e5f60718_203.0.113.10","type":"BGPStatus","status":"UP","message":{"details":"x"}}` + "\n"

// openWithSideFile opens a folder of one BGP log and body as the side
// file name; the side file is never read as logs.
func openWithSideFile(t *testing.T, name, body string) *source.Local {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
	os.WriteFile(filepath.Join(dir, "vpn-0a1b2c3d4e5f60718_203.0.113.10-BGP.log"), []byte(bgpRecord), 0o644)
	l, err := source.OpenDir(dir, nil)
	if err != nil {
		t.Fatalf("the logs were not read: %v", err)
	}
	if rep := l.Report(); rep.MalformedCount != 0 || rep.SkippedCount != 0 || rep.Records != 1 {
		t.Errorf("%s counted in the load report: %+v", name, rep)
	}
	return l
}

// openWithActiveStatus opens a folder of one BGP log and body as
// tunnel-active-status.json.
func openWithActiveStatus(t *testing.T, body string) *source.Local {
	t.Helper()
	return openWithSideFile(t, source.ActiveStatusFileName, body)
}

// A folder's tunnel-active-status.json answers per tunnel with what the
// CLI printed; a tunnel it does not list is not known (nil, no error); it
// is never read as logs.
func TestLocalActiveStatus(t *testing.T) {
	l := openWithActiveStatus(t, `{"Tunnels":[{"VpnConnectionId":"vpn-0a1b2c3d4e5f60718","VpnTunnelOutsideIpAddress":"203.0.113.10",
		"ActiveVpnTunnelStatus":{"IkeVersion":"ikev1","Phase1EncryptionAlgorithm":"AES128","Phase1IntegrityAlgorithm":"SHA1","Phase1DHGroup":14,
		"Phase2EncryptionAlgorithm":"AES128","Phase2IntegrityAlgorithm":"SHA1","Phase2DHGroup":14,"ProvisioningStatus":"available"}}]}`)
	ctx := context.Background()
	a, err := l.ActiveStatus(ctx, "vpn-0a1b2c3d4e5f60718", "203.0.113.10")
	want := source.ActiveStatus{TunnelIP: "203.0.113.10", IKEVersion: "ikev1", Phase1Encryption: "AES128", Phase1Integrity: "SHA1", Phase1DHGroup: 14,
		Phase2Encryption: "AES128", Phase2Integrity: "SHA1", Phase2DHGroup: 14, ProvisioningStatus: "available"}
	if err != nil || a == nil || *a != want {
		t.Fatalf("tunnel 1 = %+v, %v", a, err)
	}
	if a, err := l.ActiveStatus(ctx, "vpn-0a1b2c3d4e5f60718", "203.0.113.20"); a != nil || err != nil {
		t.Errorf("a tunnel the file does not list = %+v, %v", a, err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "vpn-0a1b2c3d4e5f60718_203.0.113.10-BGP.log"), []byte(bgpRecord), 0o644)
	without, err := source.OpenDir(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a, err := without.ActiveStatus(ctx, "vpn-0a1b2c3d4e5f60718", "203.0.113.10"); a != nil || err != nil {
		t.Errorf("a folder without the file = %+v, %v", a, err)
	}
}

// A tunnel-active-status.json that is not what it claims is named with
// what is wrong, and the logs are read all the same.
func TestLocalActiveStatusFileErrors(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{`{oops`, "not a list of GetActiveVpnTunnelStatus answers"},
		{`{"Tunnels":[{"VpnConnectionId":"vpn-0a1b2c3d4e5f60718","ActiveVpnTunnelStatus":{}}]}`, "needs VpnConnectionId and VpnTunnelOutsideIpAddress"},
		{`{"Tunnels":[{"VpnConnectionId":"v","VpnTunnelOutsideIpAddress":"1.2.3.4"},{"VpnConnectionId":"v","VpnTunnelOutsideIpAddress":"1.2.3.4"}]}`, "listed twice"},
		{`{"Tunnels":[{"VpnConnectionId":"v","VpnTunnelOutsideIpAddress":"1.2.3.4","ActiveVpnTunnelStatus":{"Phase1DHGroup":"twenty"}}]}`, "Phase1DHGroup"},
	} {
		l := openWithActiveStatus(t, c.body)
		_, err := l.ActiveStatus(context.Background(), "v", "1.2.3.4")
		var se *source.Error
		if !errors.As(err, &se) || se.Cause != "BadActiveStatus" || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), source.ActiveStatusFileName) {
			t.Errorf("err = %v, want %q", err, c.want)
		}
	}
}
