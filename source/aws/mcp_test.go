package aws_test

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
	"github.com/vpnlens/vpnlens/internal/mcptestutil"
	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/tools"
)

func mcpClient(t testing.TB, inv source.Inventory, logs source.LogSource) *client.Client {
	t.Helper()
	deps := &investigate.Service{Inventory: inv, Logs: logs, Limits: investigate.DefaultLimits, Logger: quiet, Now: func() time.Time { return now }}
	s := server.NewMCPServer("vpnlens-test", "0")
	s.AddTools(tools.All(deps)...)
	return mcptestutil.Client(t, s)
}

// callJSON calls a tool and returns its structured content (or error text).
func callJSON(t *testing.T, c *client.Client, name string, args map[string]any) (map[string]any, string) {
	t.Helper()
	res, err := c.CallTool(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{Name: name, Arguments: args}})
	if err != nil {
		t.Fatalf("%s: protocol error: %v", name, err)
	}
	if res.IsError {
		for _, ct := range res.Content {
			if tc, ok := ct.(mcp.TextContent); ok {
				return nil, tc.Text
			}
		}
		return nil, "isError"
	}
	b, _ := json.Marshal(res.StructuredContent)
	var out map[string]any
	json.Unmarshal(b, &out)
	return out, ""
}

// dropPlace removes the region and account keys at every level, and where
// tunnel metrics were read (CloudWatch or the folder's file).
func dropPlace(v any) any {
	switch t := v.(type) {
	case map[string]any:
		delete(t, "region")
		delete(t, "account_id")
		if t["source"] == "CloudWatch GetMetricData" || t["source"] == "tunnel-metrics.json" {
			delete(t, "source")
		}
		for _, x := range t {
			dropPlace(x)
		}
	case []any:
		for _, x := range t {
			dropPlace(x)
		}
	}
	return v
}

type expectedIncident struct {
	ID              string `json:"id"`
	VPNConnectionID string `json:"vpn_connection_id"`
	Tunnel          int    `json:"tunnel"`
	TunnelIP        string `json:"tunnel_ip"`
	QuestionAt      string `json:"question_at"`
	RootCause       string `json:"root_cause"`
	RootCauseAt     string `json:"root_cause_at"`
}

// Every tool, end to end through MCP, against the fake AWS gives the same
// answers as on --logs-dir with the same data; diagnose_tunnel_drop finds
// every labelled demo incident; and the follow-up questions cost nothing.
func TestToolsThroughMCPMatchLocal(t *testing.T) {
	f := newFake(t, fakeaws.Options{PageSize: 100 * demoScale})
	src := newSource(t, f, nil)
	loc := local(t)
	awsC, locC := mcpClient(t, src, src), mcpClient(t, loc, loc)

	b, err := os.ReadFile(demoDir + "/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var exp []expectedIncident
	if err := json.Unmarshal(b, &exp); err != nil || len(exp) < 9 {
		t.Fatalf("expected.json: %v (%d incidents)", err, len(exp))
	}
	same := func(name string, args map[string]any, ignore ...string) map[string]any {
		t.Helper()
		got, gerr := callJSON(t, awsC, name, args)
		want, werr := callJSON(t, locC, name, args)
		if gerr != werr {
			t.Errorf("%s %v: error %q, local %q", name, args, gerr, werr)
			return got
		}
		// notes and hints carry each source's own account of how it read
		// (path, calls, cache); the answers must agree on everything else.
		for _, k := range append(ignore, "notes", "hints") {
			delete(got, k)
			delete(want, k)
		}
		// AWS says which region (and account) an answer came from;
		// exported logs do not know.
		if one := name != "list_vpn_connections" && name != "summarize_vpn_health"; got != nil && (one || got["region"] != nil) && got["region"] != f.Region() {
			t.Errorf("%s %v: region %v, want %s", name, args, got["region"], f.Region())
		}
		gj, _ := json.Marshal(dropPlace(got))
		wj, _ := json.Marshal(dropPlace(want))
		if string(gj) != string(wj) {
			i := 0
			for i < min(len(gj), len(wj)) && gj[i] == wj[i] {
				i++
			}
			lo := max(0, i-200)
			t.Errorf("%s %v differs at byte %d:\nAWS:   …%s\nlocal: …%s", name, args, i, gj[lo:min(len(gj), i+200)], wj[lo:min(len(wj), i+200)])
		}
		return got
	}
	for _, e := range exp {
		got := same("diagnose_tunnel_drop", map[string]any{"vpn_connection_id": e.VPNConnectionID, "tunnel": strconv.Itoa(e.Tunnel), "at": e.QuestionAt})
		rc, _ := got["root_cause"].(map[string]any)
		if rc["category"] != e.RootCause || rc["at"] != e.RootCauseAt || rc["tunnel"] != e.TunnelIP {
			t.Errorf("%s: AWS root cause %v at %v on %v, want %s at %s on %s", e.ID, rc["category"], rc["at"], rc["tunnel"], e.RootCause, e.RootCauseAt, e.TunnelIP)
		}
		// The follow-up on the same incident: no API call at all.
		f.ResetCalls()
		same("get_vpn_timeline", map[string]any{"vpn_connection_id": e.VPNConnectionID, "tunnel": strconv.Itoa(e.Tunnel), "start": e.RootCauseAt, "end": e.QuestionAt})
		same("diagnose_tunnel_drop", map[string]any{"vpn_connection_id": e.VPNConnectionID, "at": e.QuestionAt})
		if f.Total() != 0 {
			t.Errorf("%s: the follow-up questions cost %s", e.ID, counts(f))
		}
	}
	same("list_vpn_connections", map[string]any{}, "connections")
	same("get_tunnel_options", map[string]any{"vpn_connection_id": hq})
	same("get_vpn_timeline", map[string]any{"vpn_connection_id": branch, "start": "2026-06-12T06:00:00Z", "end": "2026-06-12T07:00:00Z"})
	same("fetch_vpn_logs", map[string]any{"vpn_connection_id": hq, "tunnel": "2", "start": "2026-06-12T09:30:00Z", "end": "2026-06-12T10:30:00Z", "limit": 50}, "path", "hints")
	same("fetch_vpn_logs", map[string]any{"vpn_connection_id": branch, "anomalies_only": true, "limit": 500}, "path", "hints")
	same("summarize_vpn_health", map[string]any{"start": "2026-06-12T00:00:00Z", "end": "2026-06-13T00:00:00Z"})
	same("diagnose_tunnel_drop", map[string]any{"vpn_connection_id": dr, "tunnel": "1", "at": "2026-06-12 12:00"})

	// Errors reach the assistant as isError results it can act on.
	_, msg := callJSON(t, awsC, "fetch_vpn_logs", map[string]any{"vpn_connection_id": dr, "tunnel": "2", "start": "2026-06-12T00:00:00Z", "end": "2026-06-12T01:00:00Z"})
	if !containsAll(msg, "disabled on tunnel 2", "one tunnel at a time", "modify-vpn-tunnel-options") {
		t.Errorf("fetch_vpn_logs on a tunnel without logging: %q", msg)
	}
	f2 := newFake(t, fakeaws.Options{})
	f2.Deny("FilterLogEvents")
	denied := mcpClient(t, newSource(t, f2, nil), newSource(t, f2, nil))
	_, msg = callJSON(t, denied, "diagnose_tunnel_drop", map[string]any{"vpn_connection_id": hq, "tunnel": "1", "at": "2026-06-12T03:13:00Z"})
	if msg == "" || !containsAll(msg, "logs:FilterLogEvents", "docs/iam-policy.json") {
		t.Errorf("access denied through MCP: %q", msg)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !stringsContains(s, x) {
			return false
		}
	}
	return true
}

func stringsContains(s, sub string) bool { return len(sub) == 0 || indexOf(s, sub) >= 0 }

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// A month of a fleet is summarised from Insights counts alone: no raw
// record is read, and the estimates follow the template day's incidents.
func TestHealthFleetMonthThroughInsights(t *testing.T) {
	f := newFake(t, fakeaws.Options{})
	ids, err := f.AddFleet(hq, 6, 30)
	if err != nil {
		t.Fatal(err)
	}
	src := newSource(t, f, nil)
	c := mcpClient(t, src, src)
	f.ResetCalls()
	start := time.Date(2026, 6, 12, 0, 0, 0, 0, time.UTC)
	got, errText := callJSON(t, c, "summarize_vpn_health", map[string]any{"start": start.Format(time.RFC3339), "end": start.Add(30 * 24 * time.Hour).Format(time.RFC3339)})
	if errText != "" {
		t.Fatal(errText)
	}
	if n := f.Counts()["FilterLogEvents"] + f.Counts()["GetLogEvents"]; n != 0 {
		t.Errorf("the fleet summary read raw records: %d calls (%v)", n, f.Counts())
	}
	if path, _ := got["path"].(string); !strings.Contains(path, "Insights") {
		t.Errorf("path = %q", path)
	}
	found := 0
	for _, ci := range got["connections"].([]any) {
		conn := ci.(map[string]any)
		if conn["vpn_connection_id"] != ids[0] {
			continue
		}
		found++
		t2 := conn["tunnels"].([]any)[1].(map[string]any)
		causes := t2["incidents_by_root_cause"].(map[string]any)
		// The template's tunnel 2 drops three times a day: prefix limit
		// (09:40), AWS's endpoint replacement (12:14: the fleet's copies
		// have no maintenance status, so it counts as the logs show it)
		// and a gateway DELETE followed by a PSK loop (20:25-21:40).
		if t2["estimated"] != true || t2["flaps"] != float64(90) || causes["bgp.prefix_limit_exceeded"] != float64(30) || causes["ike.cgw_delete_ike_sa"] != float64(30) || causes["ike.state"] != float64(30) {
			t.Errorf("fleet tunnel 2 = %v", t2)
		}
		if _, ok := t2["uptime_percent"]; ok {
			t.Error("an uptime estimated from counts must not be stated")
		}
	}
	if found != 1 {
		t.Fatalf("fleet connection %s missing", ids[0])
	}
}

// An id the region does not know reaches the assistant as "pass --region",
// not as a generic unknown id.
func TestUnknownVPNSaysRegion(t *testing.T) {
	f := newFake(t, fakeaws.Options{})
	src := newSource(t, f, nil)
	c := mcpClient(t, src, src)
	_, errText := callJSON(t, c, "diagnose_tunnel_drop", map[string]any{"vpn_connection_id": "vpn-0123456789abcdef9", "at": "2026-06-12T20:25:00Z"})
	if !strings.Contains(errText, "another region") || !strings.Contains(errText, "--region") {
		t.Errorf("error = %q", errText)
	}
}
