package tools_test

import (
	"strings"
	"testing"
)

// coveredHealth is the part of summarize_vpn_health's answer about what
// the logs cover.
type coveredHealth struct {
	Hints       []string `json:"hints"`
	Connections []struct {
		Tunnels []struct {
			Number          int      `json:"number"`
			UptimePercent   *float64 `json:"uptime_percent"`
			DowntimeSeconds int64    `json:"downtime_seconds"`
			Estimated       bool     `json:"estimated"`
			CoveredFrom     *struct {
				UTC string `json:"utc"`
			} `json:"covered_from"`
			CoveredTo *struct {
				UTC string `json:"utc"`
			} `json:"covered_to"`
			CoveredSeconds int64 `json:"covered_seconds"`
		} `json:"tunnels"`
	} `json:"connections"`
}

// A week's window over one day of logs: uptime is over the time the logs
// cover, which the answer states, with a hint that the logs cover only
// part of the window. Tunnel 2 of the demo's hq was down 1h30m5s of the
// day (about 93.7%), not of the week (99.11%).
func TestAnswersHealthUptimeOverCoveredTime(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	got, res := call[coveredHealth](t, c, "summarize_vpn_health", map[string]any{"vpn_connection_id": clipHQ, "start": "latest-7d"})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	if len(got.Connections) != 1 || len(got.Connections[0].Tunnels) != 2 {
		t.Fatalf("connections = %+v", got.Connections)
	}
	for _, th := range got.Connections[0].Tunnels {
		if th.UptimePercent == nil || th.CoveredFrom == nil || th.CoveredTo == nil {
			t.Fatalf("tunnel %d: uptime %v covered %v – %v", th.Number, th.UptimePercent, th.CoveredFrom, th.CoveredTo)
		}
		if !strings.HasPrefix(th.CoveredFrom.UTC, "2026-06-12T00:0") || !strings.HasPrefix(th.CoveredTo.UTC, "2026-06-12T23:5") {
			t.Errorf("tunnel %d covered %s – %s, want the day of logs", th.Number, th.CoveredFrom.UTC, th.CoveredTo.UTC)
		}
		if th.CoveredSeconds < 23*3600 || th.CoveredSeconds > 24*3600 {
			t.Errorf("tunnel %d covered %ds, want about a day", th.Number, th.CoveredSeconds)
		}
		if th.Estimated {
			t.Errorf("tunnel %d estimated", th.Number)
		}
	}
	t2 := got.Connections[0].Tunnels[1]
	if t2.DowntimeSeconds != 5751 {
		t.Errorf("tunnel 2 down %ds, want 5751", t2.DowntimeSeconds)
	}
	want := 100 * (1 - 5751/float64(max(t2.CoveredSeconds, 1)))
	if u := *t2.UptimePercent; u > 94 || u < 93 || u-want > 0.01 || want-u > 0.01 {
		t.Errorf("tunnel 2 up %.2f%%, want %.2f%% (over the %ds covered, not the 7d window)", u, want, t2.CoveredSeconds)
	}
	hint := ""
	for _, h := range got.Hints {
		if strings.Contains(h, "of the 7d window") {
			hint = h
		}
	}
	if hint == "" || !strings.Contains(hint, "covered time") {
		t.Errorf("no hint that the logs cover only part of the window: %q", got.Hints)
	}
	text := resultText(res)
	if strings.Contains(text, "99.11") || !strings.Contains(text, "of the 7d window") {
		t.Errorf("text states uptime over the window or lacks the coverage hint:\n%s", text)
	}
}

// A window inside the logs is covered whole: no hint, and the covered
// span is the window.
func TestAnswersHealthWindowInsideLogsCoveredWhole(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	got, res := call[coveredHealth](t, c, "summarize_vpn_health", map[string]any{"vpn_connection_id": clipHQ, "start": "2026-06-12 06:00", "end": "2026-06-12 18:00"})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	for _, th := range got.Connections[0].Tunnels {
		if th.CoveredFrom == nil || th.CoveredTo == nil || th.CoveredFrom.UTC != "2026-06-12T06:00:00Z" || th.CoveredTo.UTC != "2026-06-12T18:00:00Z" || th.CoveredSeconds != 12*3600 {
			t.Errorf("tunnel %d covered %+v – %+v (%ds), want the whole window", th.Number, th.CoveredFrom, th.CoveredTo, th.CoveredSeconds)
		}
	}
	for _, h := range got.Hints {
		if strings.Contains(h, "logs cover") {
			t.Errorf("hint for a window the logs cover: %s", h)
		}
	}
}
