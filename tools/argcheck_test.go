package tools_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/vpnlens/vpnlens/internal/mcptestutil"
	"github.com/vpnlens/vpnlens/server"
	"github.com/vpnlens/vpnlens/tools"
	"github.com/vpnlens/vpnlens/view"
)

const hqVPN = "vpn-0a1b2c3d4e5f60718" // hq-datacenter; incident 10: tunnel 2 at 20:25

// The calls a reviewer made with the TypeScript SDK: each comes back as an
// isError result whose text says what is wrong and how to fix the call,
// with no Go struct dump in it.
func TestArgCheckReviewerCalls(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	cases := []struct {
		name string
		tool string
		args map[string]any
		want []string // substrings of the answer
		not  []string // must not appear
	}{
		{
			name: "tunnel is an object",
			tool: "diagnose_tunnel_drop",
			args: map[string]any{"vpn_connection_id": hqVPN, "tunnel": map[string]any{"n": 2}, "at": "20:25"},
			want: []string{`argument "tunnel" must be a string such as "1", got an object`},
		},
		{
			name: "window_minutes out of range",
			tool: "diagnose_tunnel_drop",
			args: map[string]any{"vpn_connection_id": hqVPN, "tunnel": "2", "at": "20:25", "window_minutes": 100000},
			want: []string{`argument "window_minutes" must be between 1 and 1440, got 100000`},
		},
		{
			name: "at missing",
			tool: "diagnose_tunnel_drop",
			args: map[string]any{"vpn_connection_id": hqVPN, "tunnel": "2"},
			want: []string{`argument "at" is required: When the drop happened`, `"HH:MM[:SS]"`},
		},
		{
			name: "a category prefix",
			tool: "fetch_vpn_logs",
			args: map[string]any{"vpn_connection_id": hqVPN, "categories": []any{"bgp.cease."}},
			want: []string{`"bgp.cease." is not one of the values of "categories"`, "a prefix is not accepted", "close ones: ", "bgp.cease.admin_shutdown", "bgp.cease.max_prefixes"},
			not:  []string{"bgp.hold_timer_expired", "ike.", "route."},
		},
		{
			name: "unknown argument tunnel_number",
			tool: "diagnose_tunnel_drop",
			args: map[string]any{"vpn_connection_id": hqVPN, "tunnel_number": "1", "at": "20:25"},
			want: []string{`unknown argument "tunnel_number": diagnose_tunnel_drop takes `, "vpn_connection_id", "window_minutes", "at (required)", `(did you mean "tunnel"?)`},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, res := call[map[string]any](t, c, tc.tool, tc.args)
			text := resultText(res)
			if !res.IsError {
				t.Fatalf("%s(%v): want isError, got %s", tc.tool, tc.args, text)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("answer lacks %q:\n%s", w, text)
				}
			}
			for _, n := range append(tc.not, "&{", "Got:", "Want:", "Missing:") {
				if strings.Contains(text, n) {
					t.Errorf("answer holds %q:\n%s", n, text)
				}
			}
		})
	}
}

// An enum mistake lists at most 8 close values; with more, or none, it
// says where the whole list is.
func TestArgCheckEnumListsAtMostEightCloseValues(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	_, res := call[map[string]any](t, c, "fetch_vpn_logs", map[string]any{"vpn_connection_id": hqVPN, "categories": []any{"bgp."}})
	text := resultText(res)
	if !res.IsError || !strings.Contains(text, "close ones: ") || !strings.Contains(text, " more; ") || !strings.Contains(text, "vpn://catalog") {
		t.Fatalf("bgp.: want at most 8 close ones, the count of the rest and where the list is, got %s", text)
	}
	listed := strings.Split(strings.SplitN(strings.SplitN(text, "close ones: ", 2)[1], " and ", 2)[0], ", ")
	if len(listed) > 8 {
		t.Errorf("%d close values listed: %v", len(listed), listed)
	}

	_, res = call[map[string]any](t, c, "fetch_vpn_logs", map[string]any{"vpn_connection_id": hqVPN, "categories": "zzz"})
	if text := resultText(res); !res.IsError || strings.Contains(text, "close ones") || !strings.Contains(text, "vpn://catalog") {
		t.Errorf("zzz: want no close ones and where the list is, got %s", text)
	}

	_, res = call[map[string]any](t, c, "fetch_vpn_logs", map[string]any{"vpn_connection_id": hqVPN, "categories": []any{"ike.psk_mismach"}})
	if text := resultText(res); !res.IsError || !strings.Contains(text, "close ones: ike.psk_mismatch") {
		t.Errorf("misspelt id: want the right one suggested, got %s", text)
	}

	// A short enum is listed whole.
	_, res = call[map[string]any](t, c, "fetch_vpn_logs", map[string]any{"vpn_connection_id": hqVPN, "stream": "ospf"})
	if text := resultText(res); !res.IsError || !strings.Contains(text, `"ospf" is not one of the values of "stream": use one of ike, bgp, both`) {
		t.Errorf("stream ospf: got %s", text)
	}
}

// Every problem of a call is named in one answer, each unknown name with
// its likely meaning.
func TestArgCheckNamesEveryProblem(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	_, res := call[map[string]any](t, c, "diagnose_tunnel_drop", map[string]any{
		"vpnConnectionId": hqVPN, "time": "20:25", "tz": "UTC",
	})
	text := resultText(res)
	if !res.IsError {
		t.Fatalf("want isError, got %s", text)
	}
	for _, w := range []string{
		// The misspelt id leaves no connection named, and the demo has three:
		// that is a problem of the call too.
		"5 problems with the arguments of diagnose_tunnel_drop",
		`unknown argument "vpnConnectionId" (did you mean "vpn_connection_id"?)`,
		"there are 3 VPN connections; pass vpn_connection_id",
		`unknown argument "time" (did you mean "at"?)`,
		`unknown argument "tz" (did you mean "timezone"?)`,
		`argument "at" is required`,
		"diagnose_tunnel_drop takes at (required), gateway, region, timezone, tunnel, vpn_connection_id, window_minutes",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("answer lacks %q:\n%s", w, text)
		}
	}

	_, res = call[map[string]any](t, c, "fetch_vpn_logs", map[string]any{
		"vpn_connection_id": hqVPN, "limit": 0.5, "anomalies_only": 1, "categories": []any{"ike.dpd_timeout", 7}, "cursor": []any{},
	})
	text = resultText(res)
	for _, w := range []string{
		"4 problems with the arguments of fetch_vpn_logs",
		`argument "limit" must be a whole number between 1 and 50, got the number 0.5`,
		`argument "anomalies_only" must be true or false, got the number 1`,
		`argument "categories" must be a list of strings such as ["ike.psk_mismatch","bgp.hold_timer_expired"], but item 2 is the number 7`,
		`argument "cursor" must be a string, got a list`,
	} {
		if !res.IsError || !strings.Contains(text, w) {
			t.Errorf("answer lacks %q:\n%s", w, text)
		}
	}

	_, res = call[map[string]any](t, c, "get_tunnel_options", map[string]any{"vpn_connection_id": hqVPN, "aws_region": "Frankfurt"})
	if text := resultText(res); !res.IsError || !strings.Contains(text, `unknown argument "aws_region"`) || !strings.Contains(text, `(did you mean "region"?)`) {
		t.Errorf("region misnamed: got %s", text)
	}
	_, res = call[map[string]any](t, c, "get_tunnel_options", map[string]any{"vpn_connection_id": hqVPN, "region": "Frankfurt"})
	if text := resultText(res); !res.IsError || !strings.Contains(text, `argument "region": "Frankfurt" does not have the expected form; Optional AWS region of the connection, e.g. "eu-west-1"`) {
		t.Errorf("bad region: got %s", text)
	}

	_, res = call[map[string]any](t, c, "classify_vpn_message", map[string]any{"message": ""})
	if text := resultText(res); !res.IsError || !strings.Contains(text, `argument "message" must not be empty: One log record`) {
		t.Errorf("empty message: got %s", text)
	}
	_, res = call[map[string]any](t, c, "list_vpn_connections", map[string]any{"colour": "blue"})
	if text := resultText(res); !res.IsError || text != `unknown argument "colour": list_vpn_connections takes region, vpn_connection_id` {
		t.Errorf("unknown argument with nothing close: got %s", text)
	}
}

// Arguments that are not an object are refused, not read as no arguments.
func TestArgCheckArgumentsMustBeAnObject(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	res, err := c.CallTool(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "list_vpn_connections", Arguments: []any{"vpn-0a1b2c3d4e5f60718"}}})
	if err != nil {
		t.Fatal(err)
	}
	if text := resultText(res); !res.IsError || !strings.Contains(text, "must be a JSON object of named arguments (region, vpn_connection_id), got a list") {
		t.Errorf("got %v %s", res.IsError, text)
	}
}

// What the handlers accept passes the check: a number for a string, a
// numeric string for an integer, "true" for a boolean, a comma-separated
// string for a list, null for an absent argument.
func TestArgCheckLenientAsTheHandlers(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	asString, res := call[view.Diagnosis](t, c, "diagnose_tunnel_drop", map[string]any{"vpn_connection_id": hqVPN, "tunnel": "2", "at": "2026-06-12 20:29"})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	asNumber, res := call[view.Diagnosis](t, c, "diagnose_tunnel_drop", map[string]any{"vpn_connection_id": hqVPN, "tunnel": 2, "at": "2026-06-12 20:29", "window_minutes": "90", "timezone": nil})
	if res.IsError {
		t.Fatalf("tunnel 2 as a number: %s", resultText(res))
	}
	if asNumber.RootCause.Category != "ike.cgw_delete_ike_sa" || asNumber.RootCause.TunnelNumber != 2 || asNumber.RootCause.At != asString.RootCause.At || asNumber.Summary != asString.Summary {
		t.Errorf("tunnel 2 as a number: root cause %+v, as a string %+v", asNumber.RootCause, asString.RootCause)
	}
	got, res := call[view.Logs](t, c, "fetch_vpn_logs", map[string]any{
		"vpn_connection_id": hqVPN, "tunnel": 2, "stream": "IKE", "start": "2026-06-12 20:00", "end": "2026-06-12 21:00",
		"categories": "ike.psk_mismatch, ike.cgw_delete_ike_sa", "anomalies_only": "true", "limit": "5",
	})
	if res.IsError {
		t.Fatalf("lenient fetch_vpn_logs: %s", resultText(res))
	}
	if len(got.Records) != 5 || got.Page.Total < 100 {
		t.Errorf("lenient fetch_vpn_logs: %d of %d records, want 5 of the 100+ PSK mismatches", len(got.Records), got.Page.Total)
	}
	if _, res := call[view.Timeline](t, c, "get_vpn_timeline", map[string]any{"vpn_connection_id": hqVPN, "start": "2026-06-12 20:00", "end": "2026-06-12 21:00", "collapse": "false", "anomalies_only": false}); res.IsError {
		t.Errorf("lenient get_vpn_timeline: %s", resultText(res))
	}
}

// Valid calls of every tool are unaffected by the check.
func TestArgCheckValidCallsOfEveryTool(t *testing.T) {
	deps := demoDeps(t)
	c := mcpClient(t, deps)
	fetch := map[string]any{"vpn_connection_id": hqVPN, "region": "eu-central-1", "tunnel": "2", "stream": "both", "start": "2026-06-12 20:00", "end": "2026-06-12 21:00", "timezone": "UTC",
		"categories": []any{"ike.psk_mismatch", "bgp.hold_timer_expired"}, "anomalies_only": true, "limit": 3}
	first, res := call[view.Logs](t, c, "fetch_vpn_logs", fetch)
	if res.IsError || first.Page.NextCursor == "" {
		t.Fatalf("fetch_vpn_logs first page: %s", resultText(res))
	}
	fetch["cursor"] = first.Page.NextCursor
	timeline := map[string]any{"vpn_connection_id": hqVPN, "region": "eu-central-1", "tunnel": "1", "start": "2026-06-12 00:00", "end": "2026-06-12 22:00", "timezone": "UTC", "collapse": true, "anomalies_only": false}
	tl, res := call[view.Timeline](t, c, "get_vpn_timeline", timeline)
	if res.IsError || tl.Page.NextCursor == "" {
		t.Fatalf("get_vpn_timeline first page: %s", resultText(res))
	}
	timeline["cursor"] = tl.Page.NextCursor
	valid := map[string]map[string]any{
		"list_vpn_connections": {"vpn_connection_id": hqVPN, "region": "eu-central-1"},
		"get_tunnel_options":   {"vpn_connection_id": hqVPN, "region": "eu-central-1", "tunnel": "203.0.113.20"},
		"diagnose_tunnel_drop": {"vpn_connection_id": hqVPN, "region": "eu-central-1", "tunnel": "2", "at": "22:29", "timezone": "Europe/Berlin", "window_minutes": 60, "gateway": "Juniper SRX"},
		"get_vpn_timeline":     timeline,
		"fetch_vpn_logs":       fetch,
		"classify_vpn_message": {"message": "AWS-side peer sent a Hold Timer Expired notification to neighbor 169.254.10.1"},
		"summarize_vpn_health": {"vpn_connection_id": hqVPN, "region": "eu-central-1", "start": "2026-06-12 00:00", "end": "2026-06-13 00:00", "timezone": "UTC"},
	}
	for _, st := range tools.All(deps) {
		name := st.Tool.Name
		args, ok := valid[name]
		if !ok {
			t.Errorf("%s has no valid call in this test: add one", name)
			continue
		}
		// Every declared argument is used, so each one's check is exercised.
		for prop := range st.Tool.InputSchema.Properties {
			if _, ok := args[prop]; !ok {
				t.Errorf("%s: the valid call does not pass %q", name, prop)
			}
		}
		if _, res := call[map[string]any](t, c, name, args); res.IsError {
			t.Errorf("%s(%v): %s", name, args, resultText(res))
		}
	}
}

// The assembled server leaves argument checking to the tools: mcp-go's
// schema validation would refuse tunnel 2 as a number and let
// tunnel_number through.
func TestServerChecksArgumentsWithTheToolsWording(t *testing.T) {
	s := server.New(server.Config{Service: demoDeps(t), CallTimeout: -1})
	c := mcptestutil.Client(t, s)
	got, res := call[view.Diagnosis](t, c, "diagnose_tunnel_drop", map[string]any{"vpn_connection_id": hqVPN, "tunnel": 2, "at": "2026-06-12 20:29"})
	if res.IsError || got.RootCause.TunnelNumber != 2 {
		t.Errorf("tunnel 2 as a number: %s", resultText(res))
	}
	_, res = call[view.Diagnosis](t, c, "diagnose_tunnel_drop", map[string]any{"vpn_connection_id": hqVPN, "tunnel_number": "1", "at": "2026-06-12 20:29"})
	if text := resultText(res); !res.IsError || !strings.Contains(text, `(did you mean "tunnel"?)`) {
		t.Errorf("tunnel_number: got %v %s", res.IsError, text)
	}
	_, res = call[view.Diagnosis](t, c, "diagnose_tunnel_drop", map[string]any{"vpn_connection_id": hqVPN, "tunnel": "2", "at": "2026-06-12 20:29", "window_minutes": 100000})
	if text := resultText(res); !res.IsError || text != `argument "window_minutes" must be between 1 and 1440, got 100000` {
		t.Errorf("window_minutes 100000: got %v %s", res.IsError, text)
	}
}

// A huge unknown name or enum value is echoed cut short, not whole.
func TestArgCheckEchoesLongValuesCut(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	long := strings.Repeat("x", 100000)
	_, res := call[map[string]any](t, c, "fetch_vpn_logs", map[string]any{long: 1, "stream": long})
	text := resultText(res)
	if !res.IsError || len(text) > 2000 || !strings.Contains(text, `unknown argument "xxxx`) || !strings.Contains(text, `…" is not one of the values of "stream"`) {
		t.Errorf("got %d bytes: %.300s", len(text), text)
	}
}

// Problems the schema check cannot see (an unknown VPN, a tunnel the
// connection lacks, a time that does not parse) are named in the same
// answer as the ones it can.
func TestArgumentProblemsNamedTogether(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	_, res := call[map[string]any](t, c, "diagnose_tunnel_drop", map[string]any{
		"vpn_connection_id": hqVPN, "tunnel": "7", "at": "yesterday-ish", "window_minutes": "abc",
	})
	text := resultText(res)
	for _, w := range []string{
		"3 problems with the arguments of diagnose_tunnel_drop",
		`argument "window_minutes" must be`,
		`has no tunnel "7"`,
		"at: ",
	} {
		if !res.IsError || !strings.Contains(text, w) {
			t.Errorf("answer lacks %q:\n%s", w, text)
		}
	}

	// An unknown connection: the tunnel and time can only be checked for
	// their form, and are.
	_, res = call[map[string]any](t, c, "diagnose_tunnel_drop", map[string]any{
		"vpn_connection_id": "vpn-nope", "tunnel": "7", "at": "garbage",
	})
	text = resultText(res)
	for _, w := range []string{
		"3 problems with the arguments of diagnose_tunnel_drop",
		`unknown VPN connection "vpn-nope"`,
		`argument "tunnel" must be "1", "2" or a tunnel's outside IP address, got "7"`,
		"at: ",
	} {
		if !res.IsError || !strings.Contains(text, w) {
			t.Errorf("answer lacks %q:\n%s", w, text)
		}
	}

	_, res = call[map[string]any](t, c, "get_vpn_timeline", map[string]any{
		"vpn_connection_id": hqVPN, "tunnel": "3", "start": "soon", "timezone": "Mars/Olympus",
	})
	text = resultText(res)
	for _, w := range []string{"3 problems with the arguments of get_vpn_timeline", `has no tunnel "3"`, "Mars/Olympus", "start: "} {
		if !res.IsError || !strings.Contains(text, w) {
			t.Errorf("answer lacks %q:\n%s", w, text)
		}
	}
}
