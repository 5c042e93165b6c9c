package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/source"
)

type fakeInventory []source.Connection

func (f fakeInventory) Connections(context.Context) ([]source.Connection, error) { return f, nil }

var testConn = source.Connection{ID: "vpn-0abc", Name: "office", Tunnels: []source.Tunnel{
	{Number: 1, OutsideIP: "203.0.113.10"}, {Number: 2, OutsideIP: "203.0.113.20"},
}}

func problemText(ps []argProblem) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.String())
	}
	return strings.Join(s, "\n")
}

func TestCheckVPN(t *testing.T) {
	two := fakeInventory{testConn, {ID: "vpn-0def"}}
	for _, tc := range []struct {
		inv      fakeInventory
		id       string
		wantConn string
		want     string
	}{
		{two, "vpn-0abc", "vpn-0abc", ""},
		{two, "OFFICE", "vpn-0abc", ""},
		{two, "vpn-0nope", "", `--vpn: unknown VPN connection "vpn-0nope"; known connections: vpn-0abc (office), vpn-0def`},
		{two, "", "", "--vpn: there are 2 VPN connections: pass --vpn with one of vpn-0abc (office), vpn-0def"},
		{fakeInventory{testConn}, "", "vpn-0abc", ""},
		{fakeInventory{}, "", "", ""},
	} {
		conn, ps, err := checkVPN(context.Background(), tc.inv, tc.id)
		got := ""
		if conn != nil {
			got = conn.ID
		}
		if err != nil || got != tc.wantConn || problemText(ps) != tc.want {
			t.Errorf("checkVPN(%q) = %q, %q, %v; want %q, %q", tc.id, got, problemText(ps), err, tc.wantConn, tc.want)
		}
	}
}

func TestCheckTunnel(t *testing.T) {
	for _, tc := range []struct {
		conn *source.Connection
		arg  string
		want string
	}{
		{&testConn, "", ""},
		{&testConn, "2", ""},
		{&testConn, "tunnel 1", ""},
		{&testConn, "203.0.113.20", ""},
		{&testConn, "3", `--tunnel: vpn-0abc has no tunnel "3": use "1" or "203.0.113.10", "2" or "203.0.113.20"`},
		{&testConn, "198.51.100.1", `--tunnel: vpn-0abc has no tunnel "198.51.100.1"`},
		{nil, "1", ""},
		{nil, "198.51.100.1", ""},
		{nil, "7", `--tunnel: "7" is not a tunnel: use "1", "2" or the tunnel's outside IP address`},
		{nil, "left", `--tunnel: "left" is not a tunnel`},
	} {
		if got := problemText(checkTunnel(tc.conn, tc.arg)); !strings.HasPrefix(got, tc.want) || (tc.want == "") != (got == "") {
			t.Errorf("checkTunnel(%v, %q) = %q, want %q", tc.conn != nil, tc.arg, got, tc.want)
		}
	}
}

func TestCheckTimeAndZone(t *testing.T) {
	loc, ps := checkZone("Europe/Berlin")
	if len(ps) != 0 || loc.String() != "Europe/Berlin" {
		t.Fatalf("checkZone(Europe/Berlin) = %v, %v", loc, ps)
	}
	if loc, ps := checkZone("Mars/Olympus"); loc != time.UTC || !strings.HasPrefix(problemText(ps), `--timezone: unknown time zone "Mars/Olympus"`) {
		t.Errorf("checkZone(Mars/Olympus) = %v, %q", loc, problemText(ps))
	}
	for _, ok := range []string{"20:25", "20:25:13", "2026-06-12 20:25", "2026-06-12T20:25:00Z", "now-2h", "latest-7d", "latest", ""} {
		if ps := checkTime(timeArg{flag: "start", value: ok}, loc); len(ps) != 0 {
			t.Errorf("checkTime(%q) = %q, want no problem", ok, problemText(ps))
		}
	}
	for _, bad := range []string{"garbage", "25:99", "now+2h", "latest-2x"} {
		if ps := checkTime(timeArg{flag: "start", value: bad}, loc); !strings.HasPrefix(problemText(ps), "--start: ") {
			t.Errorf("checkTime(%q) = %q, want a --start problem", bad, problemText(ps))
		}
	}
	if got := problemText(checkTime(timeArg{flag: "at", required: "when?"}, loc)); got != "--at: required: when?" {
		t.Errorf("missing --at: %q", got)
	}
	if len(checkWindowMinutes(60)) != 0 || len(checkWindowMinutes(1441)) != 1 || len(checkWindowMinutes(0)) != 1 {
		t.Error("checkWindowMinutes: want 1..1440")
	}
}

func TestProblemsError(t *testing.T) {
	one := problemsError([]argProblem{{"vpn", "unknown"}})
	two := problemsError([]argProblem{{"vpn", "unknown"}, {"at", "bad"}})
	if one.Error() != "--vpn: unknown" || two.Error() != "2 problems:\n  --vpn: unknown\n  --at: bad" {
		t.Errorf("problemsError: %q, %q", one, two)
	}
}

// The tools' messages name MCP arguments and tools; the command line names
// its flags.
func TestCLIWording(t *testing.T) {
	for in, want := range map[string]string{
		`there are 3 VPN connections; pass vpn_connection_id, one of: vpn-0abc, vpn-0def`:                   `there are 3 VPN connections; pass --vpn with one of: vpn-0abc, vpn-0def`,
		`unknown VPN connection "x"; known connections: vpn-0abc (call list_vpn_connections)`:               `unknown VPN connection "x"; known connections: vpn-0abc`,
		`at: cannot read time "x": use RFC 3339`:                                                            `--at: cannot read time "x": use RFC 3339`,
		`start: "latest": there are no logs (is its tunnel logging enabled? list_vpn_connections shows it)`: `--start: "latest": there are no logs (is its tunnel logging enabled?)`,
		`end: bad`: `--end: bad`,
		"no incident on tunnel 2 …; incidents in the surrounding hours: … — pass one of those times as `at`":                                "no incident on tunnel 2 …; incidents in the surrounding hours: … — pass one of those times as --at",
		`no incident …; logs for vpn-0abc exist from a to b — pass a time inside that range, or widen window_minutes`:                       `no incident …; logs for vpn-0abc exist from a to b — pass a time inside that range, or widen --window-minutes`,
		`argument "window_minutes" must be between 1 and 1440, got 0`:                                                                       `--window-minutes must be between 1 and 1440, got 0`,
		`argument "anomalies_only" must be true or false, got x`:                                                                            `--anomalies-only must be true or false, got x`,
		`argument "at" is required: when did the tunnel drop?`:                                                                              `--at is required: when did the tunnel drop?`,
		`the window … is 40d long, more than the maximum 31d: narrow start/end to at most 31d; for an overview …`:                           `the window … is 40d long, more than the maximum 31d: narrow --start/--end to at most 31d; for an overview …`,
		`… To count back from the newest record pass start "latest-2h" instead of "now-2h" and end "latest" (or omit end) instead of "now"`: `… To count back from the newest record pass --start "latest-2h" instead of "now-2h" and --end "latest" (or omit --end) instead of "now"`,
		`the window is empty: start a is not before end b: pass a start before the end`:                                                     `the window is empty: start a is not before end b: pass a --start before the --end`,
		`AWS denied FilterLogEvents: pass --region`:                                                                                         `AWS denied FilterLogEvents: pass --region`,
	} {
		if got := cliWording(in); got != want {
			t.Errorf("cliWording(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}
