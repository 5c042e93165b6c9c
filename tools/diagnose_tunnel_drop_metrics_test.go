package tools_test

import (
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/view"
)

// Scenario dr-site-tunnel2-down-since-0529 (demo README): dr-site logs
// nothing, and its tunnel 2 has been down since 2026-05-29 08:14:51. The
// diagnosis answers from the tunnel metrics: down from about 08:15 (within
// the hour 08:00-09:00, said), still down where the metrics end, the
// traffic moved to tunnel 1, and how to turn logging on, one tunnel at a
// time.
func TestDiagnoseFromMetricsDRSiteTunnel2(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	d, res := call[view.Diagnosis](t, c, "diagnose_tunnel_drop", map[string]any{"vpn_connection_id": "vpn-0c0ffee00d15a5e77", "tunnel": "2", "at": "2026-06-12 12:00"})
	if res.IsError {
		t.Fatalf("isError: %s", resultText(res))
	}
	m := d.FromMetrics
	if m == nil {
		t.Fatalf("no from_metrics: %+v", d)
	}
	if m.PeriodSeconds != 3600 || m.StateAtAsked != "down" || m.DownFrom == nil || m.DownFrom.UTC != "2026-05-29T08:15:00Z" ||
		len(m.DownWithin) != 2 || m.DownWithin[0].UTC != "2026-05-29T08:00:00Z" || m.UpAt != nil || m.StillDownAt == nil {
		t.Errorf("from_metrics = %+v", m)
	}
	if len(m.OtherTunnels) != 1 || !strings.Contains(m.OtherTunnels[0], "traffic moved to it") || !strings.Contains(m.OtherTunnels[0], "tunnel 1") {
		t.Errorf("other tunnels = %q", m.OtherTunnels)
	}
	for _, want := range []string{"logging is disabled", "down from about 2026-05-29T08:15:00Z", "within 2026-05-29T08:00:00Z to 2026-05-29T09:00:00Z", "still down", "per 1h"} {
		if !strings.Contains(d.Summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, d.Summary)
		}
	}
	txt := resultText(res)
	for _, want := range []string{"modify-vpn-tunnel-options", "one tunnel at a time", "TunnelState is read as the average over 1h periods"} {
		if !strings.Contains(txt, want) {
			t.Errorf("text lacks %q:\n%s", want, txt)
		}
	}
}

// Tunnel 1 of dr-site was down 25 minutes on 2026-06-03 while tunnel 2
// was down too: the answer gives both ends and says both were down.
func TestDiagnoseFromMetricsDRSiteTunnel1(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	d, res := call[view.Diagnosis](t, c, "diagnose_tunnel_drop", map[string]any{"vpn_connection_id": "vpn-0c0ffee00d15a5e77", "tunnel": "1", "at": "2026-06-03 02:00"})
	if res.IsError {
		t.Fatalf("isError: %s", resultText(res))
	}
	m := d.FromMetrics
	if m == nil || m.DownFrom == nil || m.DownFrom.UTC != "2026-06-03T01:52:00Z" || m.UpAt == nil || m.UpAt.UTC != "2026-06-03T02:18:00Z" || m.DownSeconds != 26*60 {
		t.Fatalf("from_metrics = %+v", m)
	}
	if len(m.OtherTunnels) != 1 || !strings.Contains(m.OtherTunnels[0], "no connectivity") {
		t.Errorf("other tunnels = %q", m.OtherTunnels)
	}
}

// Without metrics either (a logs folder with no tunnel-metrics.json), a
// tunnel without logs is still a clear error saying how to enable them.
func TestDiagnoseNoLogsNoMetrics(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	local, err := source.OpenFS(source.HideFiles(os.DirFS("../testdata/demo"), "expected.json", source.MetricsFileName), "demo", quiet)
	if err != nil {
		t.Fatal(err)
	}
	svc := &investigate.Service{Inventory: local, Logs: local, Limits: investigate.DefaultLimits, Logger: quiet,
		Now: func() time.Time { return time.Date(2026, 6, 13, 8, 0, 0, 0, time.UTC) }}
	_, res := call[view.Diagnosis](t, mcpClient(t, svc), "diagnose_tunnel_drop", map[string]any{"vpn_connection_id": "vpn-0c0ffee00d15a5e77", "tunnel": "1", "at": "2026-06-12 12:00"})
	if !res.IsError || !strings.Contains(resultText(res), "logging is disabled") || !strings.Contains(resultText(res), "modify-vpn-tunnel-options") {
		t.Errorf("want the logging-disabled error, got %s", resultText(res))
	}
}

// dr-site logs nothing, and its tunnel 2 went down in the hour from
// 2026-05-29 08:00 (its metrics). A ModifyVpnTunnelOptions on that tunnel
// at 08:09 is ranked as the cause, the metrics answer kept beside it; the
// same change on tunnel 1 is only noted. With no change, AWS's maintenance
// applied to tunnel 2 in that hour is the cause.
func TestDiagnoseFromMetricsAWSSideCause(t *testing.T) {
	args := map[string]any{"vpn_connection_id": "vpn-0c0ffee00d15a5e77", "tunnel": "2", "at": "2026-06-12 12:00"}
	change := func(ip string) []map[string]any {
		return []map[string]any{trailEvent("e-dr", "ModifyVpnTunnelOptions", time.Date(2026, 5, 29, 8, 9, 0, 0, time.UTC), "vpn-0c0ffee00d15a5e77",
			map[string]any{"vpnConnectionId": "vpn-0c0ffee00d15a5e77", "vpnTunnelOutsideIpAddress": ip, "tunnelOptions": map[string]any{"DPDTimeoutSeconds": 40, "PreSharedKey": "s3cr3t-key"}})}
	}
	d, res := call[view.Diagnosis](t, mcpClient(t, demoWithChanges(t, change("203.0.113.60"))), "diagnose_tunnel_drop", args)
	if res.IsError {
		t.Fatal(resultText(res))
	}
	if d.FromMetrics == nil || d.RootCause.Category != "aws.tunnel_options_changed" || d.RootCause.At != "2026-05-29T08:09:00Z" {
		t.Fatalf("root cause %+v, from metrics %v", d.RootCause, d.FromMetrics != nil)
	}
	for _, want := range []string{"between 2026-05-29T08:00:00Z and 2026-05-29T09:00:00Z", "logs nothing"} {
		if !strings.Contains(d.RootCause.Explanation, want) {
			t.Errorf("explanation lacks %q: %s", want, d.RootCause.Explanation)
		}
	}
	if !strings.HasPrefix(d.Summary, "Tunnel 203.0.113.60 went down between") || len(d.RootCause.Evidence) == 0 || !strings.Contains(d.RootCause.Evidence[0].Raw, "ModifyVpnTunnelOptions") {
		t.Errorf("summary %q, evidence %+v", d.Summary, d.RootCause.Evidence)
	}
	structured, _ := json.Marshal(res.StructuredContent)
	for _, txt := range []string{resultText(res), string(structured)} {
		if strings.Contains(txt, "s3cr3t-key") {
			t.Error("the pre-shared key is shown")
		}
	}

	other, res := call[view.Diagnosis](t, mcpClient(t, demoWithChanges(t, change("203.0.113.50"))), "diagnose_tunnel_drop", args)
	if res.IsError || other.RootCause.Category != "" || !strings.Contains(strings.Join(other.Notes, "\n"), "ModifyVpnTunnelOptions") {
		t.Errorf("a change on the other tunnel: root cause %q, notes %q", other.RootCause.Category, other.Notes)
	}

	maint := []byte(`[{"VpnConnectionId":"vpn-0c0ffee00d15a5e77","VpnTunnelOutsideIpAddress":"203.0.113.60","MaintenanceDetails":{"LastMaintenanceApplied":"2026-05-29T08:14:40+00:00"}}]`)
	m, res := call[view.Diagnosis](t, mcpClient(t, demoWithSideFiles(t, map[string][]byte{source.MaintenanceFileName: maint})), "diagnose_tunnel_drop", args)
	if res.IsError || m.RootCause.Category != "aws.tunnel_replaced" || m.FromMetrics == nil {
		t.Errorf("maintenance: root cause %+v (%s)", m.RootCause, resultText(res))
	}
}
