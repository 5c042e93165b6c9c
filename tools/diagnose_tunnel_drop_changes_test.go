package tools_test

import (
	"encoding/json"
	"io"
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

// demoWithChanges is the demo folder plus a cloudtrail-events.json.
func demoWithChanges(t *testing.T, events []map[string]any) *investigate.Service {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"Events": events})
	return demoWithSideFiles(t, map[string][]byte{source.ChangesFileName: b})
}

// demoWithSideFiles is the demo folder with side files (name -> content)
// added or put in place of its own.
func demoWithSideFiles(t *testing.T, files map[string][]byte) *investigate.Service {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir("../testdata/demo")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == "expected.json" {
			continue
		}
		in, err := os.Open(filepath.Join("../testdata/demo", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out, _ := os.Create(filepath.Join(dir, e.Name()))
		io.Copy(out, in)
		in.Close()
		out.Close()
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	quiet := slog.New(slog.DiscardHandler)
	local, err := source.OpenDir(dir, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return &investigate.Service{Inventory: local, Logs: local, Limits: investigate.DefaultLimits, Logger: quiet,
		Now: func() time.Time { return time.Date(2026, 6, 13, 8, 0, 0, 0, time.UTC) }}
}

func trailEvent(id, name string, at time.Time, vpn string, params map[string]any) map[string]any {
	rec, _ := json.Marshal(map[string]any{"eventName": name, "sourceIPAddress": "198.51.100.7",
		"userIdentity": map[string]any{"arn": "arn:aws:iam::111122223333:user/alice"}, "requestParameters": params})
	return map[string]any{"EventId": id, "EventName": name, "EventTime": at.Format(time.RFC3339), "Username": "alice", "ReadOnly": "false",
		"Resources": []map[string]any{{"ResourceType": "AWS::EC2::VPNConnection", "ResourceName": vpn}}, "CloudTrailEvent": string(rec)}
}

// A ModifyVpnTunnelOptions on hq-datacenter's tunnel 1 two minutes before
// its 03:13 drop is ranked as the cause (aws.tunnel_options_changed), the
// change and the log records as evidence, the log's cause an alternative,
// the pre-shared key never shown; the same change on the other tunnel is
// only noted.
func TestDiagnoseChangeBeforeDrop(t *testing.T) {
	args := map[string]any{"vpn_connection_id": "vpn-0a1b2c3d4e5f60718", "tunnel": "1", "at": "2026-06-12 03:13"}
	before, res := call[view.Diagnosis](t, mcpClient(t, demoDeps(t)), "diagnose_tunnel_drop", args)
	if res.IsError || before.Incident.DownAt == "" {
		t.Fatalf("baseline: %s", resultText(res))
	}
	down, _ := time.Parse(time.RFC3339, before.Incident.DownAt)
	params := map[string]any{"vpnConnectionId": "vpn-0a1b2c3d4e5f60718", "vpnTunnelOutsideIpAddress": "203.0.113.10",
		"tunnelOptions": map[string]any{"DPDTimeoutSeconds": 40, "PreSharedKey": "s3cr3t-key"}}
	other := map[string]any{"vpnConnectionId": "vpn-0a1b2c3d4e5f60718", "vpnTunnelOutsideIpAddress": "203.0.113.20", "tunnelOptions": map[string]any{"DPDTimeoutSeconds": 40}}
	svc := demoWithChanges(t, []map[string]any{
		trailEvent("e-1", "ModifyVpnTunnelOptions", down.Add(-2*time.Minute), "vpn-0a1b2c3d4e5f60718", params),
		trailEvent("e-2", "ModifyVpnTunnelOptions", down.Add(-5*time.Minute), "vpn-0a1b2c3d4e5f60718", other),
	})
	d, res := call[view.Diagnosis](t, mcpClient(t, svc), "diagnose_tunnel_drop", args)
	if res.IsError {
		t.Fatal(resultText(res))
	}
	rc := d.RootCause
	if rc.Category != "aws.tunnel_options_changed" || rc.ActingSide != "aws" || len(rc.Evidence) < 2 || !strings.HasPrefix(rc.Evidence[0].Stream, "CloudTrail e-1") {
		t.Fatalf("root cause = %+v", rc)
	}
	if len(d.RankedLower) == 0 || d.RankedLower[0].Category != before.RootCause.Category {
		t.Errorf("ranked lower = %+v, want %s first", d.RankedLower, before.RootCause.Category)
	}
	txt := resultText(res)
	if strings.Contains(txt, "s3cr3t") {
		t.Error("the pre-shared key leaked")
	}
	for _, want := range []string{"ModifyVpnTunnelOptions on tunnel 203.0.113.10 by alice", "went down at 2026-06-12T03:10:07Z 2m after ModifyVpnTunnelOptions", "ModifyVpnTunnelOptions on tunnel 203.0.113.20", "one tunnel at a time", "For ike.dpd_timeout (what the logs show)"} {
		if !strings.Contains(txt, want) {
			t.Errorf("answer lacks %q:\n%s", want, txt)
		}
	}
	// The timeline lists both changes as entries of their own, in time
	// order with the records; asked for tunnel 1, only its own.
	tl, res := call[view.Timeline](t, mcpClient(t, svc), "get_vpn_timeline", map[string]any{"vpn_connection_id": "vpn-0a1b2c3d4e5f60718", "start": "2026-06-12T02:55:00Z", "end": "2026-06-12T03:20:00Z"})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	var changes []view.Entry
	for i, e := range tl.Entries {
		if i > 0 && e.At < tl.Entries[i-1].At {
			t.Errorf("entry %d out of order", i)
		}
		if e.Category == "aws.tunnel_options_changed" {
			changes = append(changes, e)
		}
	}
	if len(changes) != 2 || changes[0].Tunnel != 2 || changes[1].Tunnel != 1 || !strings.HasPrefix(changes[1].Log, "ModifyVpnTunnelOptions on tunnel 203.0.113.10 by alice") ||
		changes[1].At != down.Add(-2*time.Minute).Format(time.RFC3339) || strings.Contains(changes[1].Log, "s3cr3t") {
		t.Errorf("change entries = %+v", changes)
	}
	tl, _ = call[view.Timeline](t, mcpClient(t, svc), "get_vpn_timeline", map[string]any{"vpn_connection_id": "vpn-0a1b2c3d4e5f60718", "tunnel": "1", "start": "2026-06-12T02:55:00Z", "end": "2026-06-12T03:20:00Z"})
	n := 0
	for _, e := range tl.Entries {
		if e.Category == "aws.tunnel_options_changed" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("tunnel 1's timeline has %d change entries, want 1", n)
	}
	// The change on the other tunnel alone is not a cause.
	svc = demoWithChanges(t, []map[string]any{trailEvent("e-2", "ModifyVpnTunnelOptions", down.Add(-5*time.Minute), "vpn-0a1b2c3d4e5f60718", other)})
	d, _ = call[view.Diagnosis](t, mcpClient(t, svc), "diagnose_tunnel_drop", args)
	if d.RootCause.Category != before.RootCause.Category {
		t.Errorf("a change on the other tunnel became the cause: %+v", d.RootCause)
	}
}
