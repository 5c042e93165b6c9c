package tools_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/view"
)

// Demo facts these tests lean on (testdata/demo/README.md): hq-datacenter
// and branch-frankfurt log one day, 2026-06-12; dr-site logs nothing.
const (
	demoHQ     = "vpn-0a1b2c3d4e5f60718"
	demoBranch = "vpn-0f9e8d7c6b5a40312"
	demoDR     = "vpn-0c0ffee00d15a5e77"
	// The newest record of the demo and of hq alone (the same one, hq's):
	// liveness exchanges, logged every ~10 s up to the end of the day.
	demoNewest   = "2026-06-12T23:59:57.637Z"
	demoHQNewest = "2026-06-12T23:59:57.637Z"
)

func healthConn(t *testing.T, r investigate.HealthResult, id string) investigate.ConnectionHealth {
	t.Helper()
	for _, c := range r.Connections {
		if c.VPNConnectionID == id {
			return c
		}
	}
	t.Fatalf("no %s in the summary: %+v", id, r.Connections)
	return investigate.ConnectionHealth{}
}

// "latest" is the newest record of the connections that have logs: dr-site,
// with logging disabled, neither fails the summary nor moves its window.
func TestHealthLatestAcrossConnections(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	newest, _ := time.Parse(time.RFC3339, demoNewest)
	for _, tc := range []struct {
		args       map[string]any
		start, end time.Time
	}{
		{map[string]any{"start": "latest-24h"}, newest.Add(-24 * time.Hour), newest.Add(time.Second)},
		{map[string]any{"start": "latest-30d"}, newest.Add(-30 * 24 * time.Hour), newest.Add(time.Second)},
		{map[string]any{"end": "latest"}, newest.Add(-24 * time.Hour), newest},
		{map[string]any{"start": "latest-2h", "end": "latest"}, newest.Add(-2 * time.Hour), newest},
	} {
		got, res := call[investigate.HealthResult](t, c, "summarize_vpn_health", tc.args)
		if res.IsError {
			t.Errorf("%v: %s", tc.args, resultText(res))
			continue
		}
		if len(got.Connections) != 3 {
			t.Errorf("%v: %d connections, want all 3", tc.args, len(got.Connections))
		}
		if got.Start.UTC != correlate.FormatUTC(tc.start) || got.End.UTC != correlate.FormatUTC(tc.end) {
			t.Errorf("%v: window %s – %s, want %s – %s", tc.args, got.Start.UTC, got.End.UTC, correlate.FormatUTC(tc.start), correlate.FormatUTC(tc.end))
		}
	}
	// With no logs at all in scope, "latest" has nothing to count from: the
	// error says why and what to pass instead.
	_, res := call[investigate.HealthResult](t, c, "summarize_vpn_health", map[string]any{"vpn_connection_id": demoDR, "start": "latest-24h"})
	if !res.IsError {
		t.Fatal("latest-24h on a connection without logs must fail")
	}
	for _, want := range []string{"no logs to count back from", demoDR + " has no logs at all", `"now-24h"`} {
		if !strings.Contains(resultText(res), want) {
			t.Errorf("error lacks %q: %s", want, resultText(res))
		}
	}
}

// The window the summary states is the one its figures are computed over:
// 24 hours back from the newest record, not stretched to the clock by a
// connection without logs.
func TestHealthStatedWindowIsTheOneUsed(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	got, res := call[investigate.HealthResult](t, c, "summarize_vpn_health", nil)
	if res.IsError {
		t.Fatal(resultText(res))
	}
	start, err1 := time.Parse(time.RFC3339, got.Start.UTC)
	end, err2 := time.Parse(time.RFC3339, got.End.UTC)
	if err1 != nil || err2 != nil || end.Sub(start) != 24*time.Hour {
		t.Fatalf("window %s – %s is not the 24 h default", got.Start.UTC, got.End.UTC)
	}
	newest, _ := time.Parse(time.RFC3339, demoNewest)
	if !end.Equal(newest.Add(time.Second)) {
		t.Errorf("window ends %s, want just after the newest record %s", got.End.UTC, demoNewest)
	}
	if header := "from " + got.Start.UTC + " to " + got.End.UTC; !strings.HasPrefix(strings.SplitN(resultText(res), "\n", 2)[0], "Health of 3 VPN connections "+header) {
		t.Errorf("text does not state the window used (%s):\n%s", header, resultText(res))
	}
	// Same figures as the same window passed explicitly.
	explicit, res := call[investigate.HealthResult](t, c, "summarize_vpn_health", map[string]any{"start": got.Start.UTC, "end": got.End.UTC})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	a, b := healthConn(t, got, demoHQ).Tunnels[1], healthConn(t, explicit, demoHQ).Tunnels[1]
	if a.DowntimeSeconds != b.DowntimeSeconds || a.Records != b.Records || a.DowntimeSeconds == 0 {
		t.Errorf("default window figures %+v differ from the explicit window's %+v", a, b)
	}
}

// countingLogs is the demo with a log source that can count anomalies, as
// AWS (Logs Insights) can: summarize_vpn_health then has a counting path.
type countingLogs struct{ source.LogSource }

func (countingLogs) AnomalyCounts(context.Context, []string, time.Time, time.Time) (*source.AnomalyCounts, error) {
	return &source.AnomalyCounts{Path: "test counter"}, nil
}

// The too-long-window error says what each tool can do: summarize_vpn_health
// is not told to use itself, and says where it estimates from counts.
func TestLongWindowMessagePerTool(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	_, res := call[investigate.HealthResult](t, c, "summarize_vpn_health", map[string]any{"start": "latest-40d"})
	if !res.IsError {
		t.Fatal("a 40-day summary must exceed the 31-day maximum")
	}
	msg := resultText(res)
	if strings.Contains(msg, "or use summarize_vpn_health") || !strings.Contains(msg, "summarize_vpn_health covers at most 31d per call") || !strings.Contains(msg, "parts of at most 31d") {
		t.Errorf("summarize_vpn_health's long-window error: %s", msg)
	}
	if strings.Contains(msg, "hourly anomaly counts") {
		t.Errorf("the demo source cannot count anomalies, yet the error says so: %s", msg)
	}
	_, res = call[view.Timeline](t, c, "get_vpn_timeline", map[string]any{"vpn_connection_id": demoHQ, "start": "latest-40d"})
	if msg := resultText(res); !res.IsError || !strings.Contains(msg, "narrow start/end to at most 31d") || !strings.Contains(msg, "call summarize_vpn_health once per part") {
		t.Errorf("get_vpn_timeline's long-window error: %s", msg)
	}

	deps := demoDeps(t)
	deps.Logs = countingLogs{deps.Logs}
	c = mcpClient(t, deps)
	_, res = call[investigate.HealthResult](t, c, "summarize_vpn_health", map[string]any{"start": "latest-40d"})
	if msg := resultText(res); !res.IsError || !strings.Contains(msg, "longer than 7d is estimated from hourly anomaly counts") {
		t.Errorf("with a counting source the error must say long parts are estimated: %s", msg)
	}
}

// A window counted from the clock on logs that ended months ago says where
// the logs are and how to count from the newest record instead.
func TestNowRelativeWindowSaysWhereLogsAre(t *testing.T) {
	deps := demoDeps(t)
	deps.Now = func() time.Time { return time.Date(2026, 11, 23, 22, 32, 6, 0, time.UTC) }
	c := mcpClient(t, deps)
	for _, tc := range []struct {
		tool string
		args map[string]any
		want []string
	}{
		{"get_vpn_timeline", map[string]any{"vpn_connection_id": demoHQ, "start": "now-2h"},
			[]string{"logs of " + demoHQ + " run from", "to " + demoHQNewest, `start "latest-2h" instead of "now-2h"`}},
		{"get_vpn_timeline", map[string]any{"vpn_connection_id": demoHQ, "start": "now-2h", "end": "now"},
			[]string{"logs of " + demoHQ + " run from", `start "latest-2h"`, `end "latest"`}},
		{"fetch_vpn_logs", map[string]any{"vpn_connection_id": demoHQ, "start": "now-30m"},
			[]string{"to " + demoHQNewest, `"latest-30m"`}},
		{"summarize_vpn_health", map[string]any{"start": "now-2h"},
			[]string{"to " + demoNewest, `"latest-2h"`}},
	} {
		res, err := c.CallTool(context.Background(), toolRequest(tc.tool, tc.args))
		if err != nil {
			t.Fatal(err)
		}
		msg := resultText(res)
		if !res.IsError {
			t.Errorf("%s %v: a window after the logs must be an error naming them, got: %.200s", tc.tool, tc.args, msg)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s %v: error lacks %q: %s", tc.tool, tc.args, w, msg)
			}
		}
	}
	// The suggested form works.
	got, res := call[view.Timeline](t, c, "get_vpn_timeline", map[string]any{"vpn_connection_id": demoHQ, "start": "latest-2h"})
	if res.IsError || got.Page.Total == 0 {
		t.Errorf("latest-2h: %d entries, %s", got.Page.Total, resultText(res))
	}
	// An inverted window without clock times still says where the logs are.
	_, res = call[view.Timeline](t, c, "get_vpn_timeline", map[string]any{"vpn_connection_id": demoHQ, "start": "2026-06-12 10:00", "end": "2026-06-12 09:00"})
	if msg := resultText(res); !res.IsError || !strings.Contains(msg, "is not before end") || !strings.Contains(msg, "logs of "+demoHQ+" run from") {
		t.Errorf("inverted window: %s", msg)
	}
}

// cutLogs is the demo as exported in the middle of an outage: no record at
// or after cut exists.
type cutLogs struct {
	source.LogSource
	cut time.Time
}

func (c cutLogs) Logs(ctx context.Context, q source.LogQuery) (*source.LogResult, error) {
	if q.End.After(c.cut) {
		q.End = c.cut
	}
	if !q.Start.Before(q.End) {
		return &source.LogResult{Path: "cut"}, nil
	}
	return c.LogSource.Logs(ctx, q)
}

func (c cutLogs) Extents(ctx context.Context, vpn string) ([]source.Extent, error) {
	exts, err := c.LogSource.Extents(ctx, vpn)
	for i := range exts {
		if !exts[i].Last.Before(c.cut) {
			exts[i].Last = c.cut.Add(-time.Millisecond)
		}
	}
	return exts, err
}

// MTTR is "n/a" when no outage recovered, not "0s".
func TestHealthMTTRWhenNothingRecovered(t *testing.T) {
	deps := demoDeps(t)
	// hq tunnel 2 went down at 20:25 and came back at 21:40: logs cut at
	// 20:40 hold the outage without its recovery.
	deps.Logs = cutLogs{deps.Logs, time.Date(2026, 6, 12, 20, 40, 0, 0, time.UTC)}
	c := mcpClient(t, deps)
	got, res := call[investigate.HealthResult](t, c, "summarize_vpn_health", map[string]any{"vpn_connection_id": demoHQ, "start": "2026-06-12 20:00", "end": "2026-06-12 20:40"})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	t2 := got.Connections[0].Tunnels[1]
	if t2.Flaps != 1 || t2.Recoveries != 0 || t2.MeanTimeToRecoverSec != 0 {
		t.Errorf("tunnel 2 flaps %d recoveries %d mttr %d", t2.Flaps, t2.Recoveries, t2.MeanTimeToRecoverSec)
	}
	text := resultText(res)
	if strings.Contains(text, "MTTR 0s") || !strings.Contains(text, "MTTR n/a (no outage recovered)") {
		t.Errorf("MTTR without a recovery:\n%s", text)
	}
	c = mcpClient(t, demoDeps(t))
	got, res = call[investigate.HealthResult](t, c, "summarize_vpn_health", map[string]any{"vpn_connection_id": demoHQ, "start": "2026-06-12 00:00", "end": "2026-06-13 00:00"})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	if t2 := got.Connections[0].Tunnels[1]; t2.Recoveries != 3 || t2.MeanTimeToRecoverSec == 0 || !strings.Contains(resultText(res), "over 3 recovered") {
		t.Errorf("full day: recoveries %d mttr %d\n%s", t2.Recoveries, t2.MeanTimeToRecoverSec, resultText(res))
	}
}

// The prefix count is the peak of the 09:50 incident, labelled with its
// time, next to the accepted routes EC2 reports now.
func TestHealthPrefixPeakAndCurrentRoutes(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	got, res := call[investigate.HealthResult](t, c, "summarize_vpn_health", map[string]any{"vpn_connection_id": demoHQ, "start": "2026-06-12 00:00", "end": "2026-06-13 00:00"})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	t2 := got.Connections[0].Tunnels[1]
	if t2.PrefixPeak != 104 || t2.PrefixPeakAt == nil || t2.PrefixPeakAt.UTC != "2026-06-12T09:50:12.771Z" || t2.PrefixLimit != 100 {
		t.Errorf("prefix peak %d at %+v limit %d", t2.PrefixPeak, t2.PrefixPeakAt, t2.PrefixLimit)
	}
	if t2.StatusNow != "UP" || t2.AcceptedRoutesNow == nil || *t2.AcceptedRoutesNow != 12 {
		t.Errorf("telemetry now: %q %v", t2.StatusNow, t2.AcceptedRoutesNow)
	}
	text := resultText(res)
	if strings.Contains(text, "prefixes 104/100") || !strings.Contains(text, "prefixes peaked at 104 (limit 100) at 2026-06-12T09:50:12.771Z") {
		t.Errorf("prefix count not labelled as the peak:\n%s", text)
	}
	if !strings.Contains(text, "now (EC2 telemetry): UP since 2026-06-12T21:40:12Z, 12 accepted route(s)") {
		t.Errorf("current accepted routes missing:\n%s", text)
	}
}

// A tunnel without logs whose telemetry says DOWN says so.
func TestHealthLoggingDisabledTunnelDown(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	got, res := call[investigate.HealthResult](t, c, "summarize_vpn_health", nil)
	if res.IsError {
		t.Fatal(resultText(res))
	}
	dr := healthConn(t, got, demoDR)
	t2 := dr.Tunnels[1]
	if t2.LoggingEnabled || t2.StatusNow != "DOWN" || t2.StatusNowSince == nil || t2.StatusNowSince.UTC != "2026-05-29T08:14:51Z" || !strings.Contains(t2.Note, "DOWN since 2026-05-29T08:14:51Z, before this window began") {
		t.Errorf("dr-site tunnel 2 = %+v", t2)
	}
	if t2.UptimePercent != nil {
		t.Error("no uptime may be stated without logs")
	}
	text := resultText(res)
	i := strings.Index(text, "tunnel 2 203.0.113.60: logging disabled")
	if i < 0 || !strings.Contains(text[i:], "note: logging is disabled, but EC2 telemetry says DOWN since 2026-05-29T08:14:51Z") {
		t.Errorf("dr-site tunnel 2 DOWN not said:\n%s", text)
	}
	// Tunnel 1 UP and tunnel 2 DOWN since before the window: never both down.
	if dr.BothTunnelsDownSeconds != 0 || dr.BothTunnelsDownNote != "" {
		t.Errorf("dr-site both down %ds, note %q", dr.BothTunnelsDownSeconds, dr.BothTunnelsDownNote)
	}
}

// The branch's internet link failure took both tunnels down at once
// (18:02–18:09): total loss of connectivity is flagged per connection.
func TestHealthBothTunnelsDown(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	got, res := call[investigate.HealthResult](t, c, "summarize_vpn_health", nil)
	if res.IsError {
		t.Fatal(resultText(res))
	}
	br := healthConn(t, got, demoBranch)
	// Tunnel 2's BGP went down at 18:02:11.843 (after tunnel 1's at
	// 18:02:05), tunnel 1 came back first, at 18:09:17.152.
	if br.BothTunnelsDownSeconds != 425 || len(br.BothTunnelsDown) != 1 ||
		br.BothTunnelsDown[0].Start.UTC != "2026-06-12T18:02:11.843Z" || br.BothTunnelsDown[0].End.UTC != "2026-06-12T18:09:17.152Z" {
		t.Errorf("branch both tunnels down %ds %+v", br.BothTunnelsDownSeconds, br.BothTunnelsDown)
	}
	if hq := healthConn(t, got, demoHQ); hq.BothTunnelsDownSeconds != 0 || len(hq.BothTunnelsDown) != 0 || hq.BothTunnelsDownNote != "" {
		t.Errorf("hq's tunnels never failed together: %+v", hq.BothTunnelsDown)
	}
	if text := resultText(res); !strings.Contains(text, "BOTH TUNNELS DOWN at once for 7m5s (no connectivity over this VPN): 2026-06-12T18:02:11.843Z → 2026-06-12T18:09:17.152Z") {
		t.Errorf("text does not flag the total loss:\n%s", text)
	}
}

// With a timezone the text gives local times next to UTC.
func TestHealthTextShowsLocalTimes(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	got, res := call[investigate.HealthResult](t, c, "summarize_vpn_health", map[string]any{"start": "2026-06-12 00:00", "end": "2026-06-13 00:00", "timezone": "Europe/Berlin"})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	text := resultText(res)
	for _, want := range []string{
		"VPN health from 2026-06-11T22:00:00Z (2026-06-12 00:00:00 CEST) to 2026-06-12T22:00:00Z (2026-06-13 00:00:00 CEST)",
		"2026-06-12T18:02:11.843Z (2026-06-12 20:02:11 CEST)",
		"prefixes peaked at 104 (limit 100) at 2026-06-12T09:50:12.771Z (2026-06-12 11:50:12 CEST)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if got.Start.Local == "" {
		t.Error("structured start has no local time")
	}
	// Without a timezone the text stays UTC only.
	_, res = call[investigate.HealthResult](t, c, "summarize_vpn_health", map[string]any{"vpn_connection_id": demoHQ})
	if strings.Contains(resultText(res), "CEST") || strings.Contains(resultText(res), " UTC)") {
		t.Errorf("local times without a timezone:\n%s", resultText(res))
	}
}

func toolRequest(name string, args map[string]any) mcp.CallToolRequest {
	return mcp.CallToolRequest{Params: mcp.CallToolParams{Name: name, Arguments: args}}
}

// Scenario dr-site-metrics (demo README): the health summary states the
// tunnels without logs from their metrics: tunnel 2 down all the demo day
// (0% up, the outage from the window start), tunnel 1 up and carrying the
// traffic; and over 2026-06-03 both down at once for the 26 minutes
// tunnel 1 was out.
func TestHealthFromMetricsDRSite(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	got, res := call[investigate.HealthResult](t, c, "summarize_vpn_health", map[string]any{"vpn_connection_id": demoDR, "start": "2026-06-12T00:00:00Z", "end": "2026-06-13T00:00:00Z"})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	dr := healthConn(t, got, demoDR)
	t1, t2 := dr.Tunnels[0].FromMetrics, dr.Tunnels[1].FromMetrics
	if t1 == nil || t2 == nil {
		t.Fatalf("no metrics health: %+v", dr.Tunnels)
	}
	if t2.UptimePercent != 0 || t2.PeriodSeconds != 3600 || len(t2.Outages) != 1 || t2.Outages[0].From.UTC != "2026-06-12T00:00:00Z" || t2.DataInBytes != 0 {
		t.Errorf("tunnel 2 = %+v", t2)
	}
	if t1.UptimePercent != 100 || len(t1.Outages) != 0 || t1.DataInBytes < 1e9 {
		t.Errorf("tunnel 1 = %+v", t1)
	}
	if dr.Tunnels[1].UptimePercent != nil {
		t.Error("the log-based uptime stays absent without logs")
	}
	if !strings.Contains(resultText(res), "tunnel 2 203.0.113.60: logging disabled; from CloudWatch metrics (per 1h): up 0.00%") {
		t.Errorf("text:\n%s", resultText(res))
	}
	got, res = call[investigate.HealthResult](t, c, "summarize_vpn_health", map[string]any{"vpn_connection_id": demoDR, "start": "2026-06-03T00:00:00Z", "end": "2026-06-04T00:00:00Z"})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	dr = healthConn(t, got, demoDR)
	if dr.BothTunnelsDownSeconds != 26*60 || len(dr.BothTunnelsDown) != 1 || dr.BothTunnelsDown[0].Start.UTC != "2026-06-03T01:52:00Z" {
		t.Errorf("both down %ds %+v, note %q", dr.BothTunnelsDownSeconds, dr.BothTunnelsDown, dr.BothTunnelsDownNote)
	}
}
