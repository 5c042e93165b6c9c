package tools_test

import (
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
