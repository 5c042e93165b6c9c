package tools_test

import (
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/view"
)

func TestListVPNConnections(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	got, res := call[view.Connections](t, c, "list_vpn_connections", nil)
	if res.IsError {
		t.Fatal(resultText(res))
	}
	if len(got.Connections) != 3 {
		t.Fatalf("%d connections, want 3", len(got.Connections))
	}
	byID := map[string]view.Connection{}
	for _, cv := range got.Connections {
		byID[cv.ID] = cv
	}
	hq := byID["vpn-0a1b2c3d4e5f60718"]
	// The demo lists hq's telemetry in the reverse order of its tunnel
	// options: pairing must follow the outside IP.
	if hq.Tunnels[0].OutsideIP != "203.0.113.10" || hq.Tunnels[0].Number != 1 || hq.Tunnels[1].OutsideIP != "203.0.113.20" {
		t.Errorf("hq tunnels = %+v", hq.Tunnels)
	}
	for _, tv := range hq.Tunnels {
		if !strings.HasPrefix(tv.Status, "UP") || tv.EnableLogging != "" || tv.Logs != "IKE json, BGP json" {
			t.Errorf("hq tunnel %d = %+v", tv.Number, tv)
		}
	}
	if hq.Tunnels[1].LastStatusChange != "2026-06-12T21:40:12Z" {
		t.Errorf("hq tunnel 2 telemetry paired wrongly: last change %s", hq.Tunnels[1].LastStatusChange)
	}
	dr := byID["vpn-0c0ffee00d15a5e77"]
	if dr.Routing != "static" || dr.Tunnels[0].Logs != "off" || !strings.Contains(dr.Tunnels[0].EnableLogging, "modify-vpn-tunnel-options") {
		t.Errorf("dr-site = %+v", dr)
	}
	if !strings.Contains(resultText(res), "logging off") || !strings.Contains(got.Summary, "Logging off") {
		t.Errorf("text does not flag disabled logging:\n%s", resultText(res))
	}
}

func TestGetTunnelOptions(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	got, res := call[investigate.TunnelOptionsResult](t, c, "get_tunnel_options", map[string]any{"vpn_connection_id": "vpn-0f9e8d7c6b5a40312", "tunnel": "2"})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	if len(got.Tunnels) != 1 || got.Tunnels[0].OutsideIP != "203.0.113.40" {
		t.Fatalf("tunnels = %+v", got.Tunnels)
	}
	tv := got.Tunnels[0]
	if len(tv.Options.IKEVersions) != 1 || tv.Options.IKEVersions[0] != "ikev1" {
		t.Errorf("ike versions = %v", tv.Options.IKEVersions)
	}
	if !strings.Contains(strings.Join(tv.Notes, "\n"), "IKEv1 is allowed") {
		t.Errorf("no IKEv1 note: %v", tv.Notes)
	}
	if tv.Logging.BGPFormat != "text" {
		t.Errorf("bgp format = %q, want text", tv.Logging.BGPFormat)
	}
}

func TestFetchVPNLogsPaging(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	args := map[string]any{"vpn_connection_id": "vpn-0a1b2c3d4e5f60718", "tunnel": "2", "categories": []any{"ike.psk_mismatch"}, "limit": 50}
	page1, res := call[view.Logs](t, c, "fetch_vpn_logs", args)
	if res.IsError {
		t.Fatal(resultText(res))
	}
	// A page holds what the limit asks for, or less when the records would
	// not fit the largest answer.
	if page1.Page.Total != 223 || len(page1.Records) < 20 || len(page1.Records) > 50 || page1.Page.NextCursor == "" {
		t.Fatalf("page 1: total %d returned %d cursor %q", page1.Page.Total, len(page1.Records), page1.Page.NextCursor)
	}
	seen := map[string]bool{}
	all := append([]view.Record{}, page1.Records...)
	cursor := page1.Page.NextCursor
	for cursor != "" {
		args["cursor"] = cursor
		p, res := call[view.Logs](t, c, "fetch_vpn_logs", args)
		if res.IsError {
			t.Fatal(resultText(res))
		}
		all = append(all, p.Records...)
		cursor = p.Page.NextCursor
	}
	for _, e := range all {
		if e.Category != "ike.psk_mismatch" || e.Tunnel != 2 || !strings.Contains(e.Raw, "ike_phase1_state") {
			t.Fatalf("unexpected record %+v", e)
		}
		if seen[e.Raw+e.At] {
			t.Fatalf("record returned twice: %s", e.Raw)
		}
		seen[e.Raw+e.At] = true
	}
	if len(all) != 223 {
		t.Errorf("paged through %d records, want 223", len(all))
	}
	// Anomalies-only on BGP of tunnel 1 during the AS-path loop.
	got, res := call[view.Logs](t, c, "fetch_vpn_logs", map[string]any{"vpn_connection_id": "vpn-0a1b2c3d4e5f60718", "tunnel": "203.0.113.10", "stream": "bgp", "anomalies_only": true, "start": "2026-06-12 14:00", "end": "2026-06-12 14:30"})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	if got.Page.Total == 0 {
		t.Fatal("no anomalies in the AS-path loop window")
	}
	for _, e := range got.Records {
		if !e.Trouble || e.Category != "route.denied.as_path_loop" || !strings.Contains(e.Raw, `"asPath":"65010 64512"`) {
			t.Errorf("unexpected %+v", e)
		}
	}
	for _, bad := range []map[string]any{
		{"vpn_connection_id": "vpn-0a1b2c3d4e5f60718", "categories": []any{"ike.nonsense"}},
		{"vpn_connection_id": "vpn-0a1b2c3d4e5f60718", "cursor": "garbage"},
		{"vpn_connection_id": "vpn-0a1b2c3d4e5f60718", "stream": "ospf"},
		{"vpn_connection_id": "vpn-0a1b2c3d4e5f60718", "start": "2026-06-12 14:00", "end": "2026-06-12 13:00"},
		{"vpn_connection_id": "vpn-0a1b2c3d4e5f60718", "start": "2025-01-01 00:00", "end": "2026-06-12 13:00"},
	} {
		if _, res := call[view.Logs](t, c, "fetch_vpn_logs", bad); !res.IsError {
			t.Errorf("%v: want isError", bad)
		}
	}
	// An empty window says where the logs are.
	empty, res := call[view.Logs](t, c, "fetch_vpn_logs", map[string]any{"vpn_connection_id": "vpn-0a1b2c3d4e5f60718", "start": "2026-06-01 00:00", "end": "2026-06-02 00:00"})
	if res.IsError || empty.Page.Total != 0 || !strings.Contains(strings.Join(empty.Notes, " "), "exist from 2026-06-12") {
		t.Errorf("empty window: %+v", empty)
	}
}

func TestGetVPNTimeline(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	got, res := call[view.Timeline](t, c, "get_vpn_timeline", map[string]any{"vpn_connection_id": "vpn-0a1b2c3d4e5f60718", "start": "2026-06-12 20:00", "end": "2026-06-12 22:00"})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	if !strings.HasPrefix(got.ResourceURI, "vpn://timeline/vpn-0a1b2c3d4e5f60718/") {
		t.Errorf("resource uri %q", got.ResourceURI)
	}
	if len(got.Incidents) != 1 || got.Incidents[0].RootCause != "ike.cgw_delete_ike_sa" {
		t.Fatalf("incidents = %+v", got.Incidents)
	}
	// The 223 PSK mismatches collapse into few entries with counts.
	psk, pskEntries := 0, 0
	prev := ""
	for _, e := range got.Entries {
		if e.At < prev {
			t.Fatalf("timeline out of order at %s", e.At)
		}
		prev = e.At
		if e.Category == "ike.psk_mismatch" {
			psk += e.Count
			pskEntries++
			if e.Incident != got.Incidents[0].Number {
				t.Errorf("psk entry not marked with the incident: %+v", e)
			}
		}
	}
	if psk != 223 || pskEntries > 3 {
		t.Errorf("psk mismatches: %d records in %d entries, want 223 in ≤3", psk, pskEntries)
	}
	if psk <= pskEntries {
		t.Errorf("nothing collapsed: %d records, %d entries", psk, pskEntries)
	}
	// Uncollapsed, every record is an entry, page after page.
	full := allPages(t, c, map[string]any{"vpn_connection_id": "vpn-0a1b2c3d4e5f60718", "start": "2026-06-12 20:00", "end": "2026-06-12 22:00", "collapse": false})
	n := 0
	for _, e := range full {
		if e.Count > 1 {
			t.Fatalf("collapsed entry with collapse=false: %+v", e)
		}
		if e.Category == "ike.psk_mismatch" {
			n++
		}
	}
	if n != 223 {
		t.Errorf("uncollapsed: %d PSK mismatch entries, want 223", n)
	}
}

func TestClassifyVPNMessage(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	cases := []struct{ msg, cat, side string }{
		{"AWS-side peer sent a Hold Timer Expired notification to neighbor 169.254.10.1", "bgp.hold_timer_expired", ""},
		{`{"event_timestamp":1781295912,"details":"AWS tunnel received DELETE for IKE_SA from CGW","ike_phase1_state":"down","ike_phase2_state":"down"}`, "ike.cgw_delete_ike_sa", "customer_gateway"},
		{"2026-06-12 20:25:55.015Z resource_id=vpn-0abc_203.0.113.10 type=RouteStatus status=ADVERTISED prefix=10.1.0.0/16 asPath=65000 64512 localPref=100 med=0 nextHopIp=169.254.10.1 weight=32768 details=DENIED due to: as-path contains our own AS", "route.denied.as_path_loop", ""},
		{"something nobody logs", "unknown", ""},
		{`{"resource_id":"vpn-0abc_203.0.113.10","type":"BGPStatus","status":"DOWN","message":{"details":"AWS-side peer received notification 6/2 (Cease/Administrative Shutdown) from neighbor 169.254.10.2"}}`, "bgp.cease.admin_shutdown", "either"},
	}
	for _, tc := range cases {
		got, res := call[investigate.ClassifyResult](t, c, "classify_vpn_message", map[string]any{"message": tc.msg})
		if res.IsError {
			t.Errorf("%q: %s", tc.msg, resultText(res))
			continue
		}
		if got.Category != tc.cat || got.Meaning == "" {
			t.Errorf("%q: category %q meaning %q, want %q", tc.msg, got.Category, got.Meaning, tc.cat)
		}
		if tc.side != "" && got.ActingSide != tc.side {
			t.Errorf("%q: acting side %q, want %q", tc.msg, got.ActingSide, tc.side)
		}
	}
	if _, res := call[investigate.ClassifyResult](t, c, "classify_vpn_message", map[string]any{"message": `{"details": broken`}); !res.IsError {
		t.Error("broken JSON must be an isError result")
	}
}

func TestSummarizeVPNHealth(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	got, res := call[investigate.HealthResult](t, c, "summarize_vpn_health", map[string]any{"vpn_connection_id": "vpn-0a1b2c3d4e5f60718", "start": "2026-06-12 00:00", "end": "2026-06-13 00:00"})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	if len(got.Connections) != 1 || len(got.Connections[0].Tunnels) != 2 {
		t.Fatalf("%+v", got)
	}
	t2 := got.Connections[0].Tunnels[1]
	// Tunnel 2: prefix-limit outage 09:50→10:05, AWS's endpoint replacement
	// 12:14→12:19 (tunnel-maintenance.json: counted as AWS's, not as the
	// teardown the logs show) and the DELETE/PSK outage 20:25→21:40.
	if t2.Flaps != 3 || t2.ByRootCause["bgp.prefix_limit_exceeded"] != 1 || t2.ByRootCause["ike.cgw_delete_ike_sa"] != 1 || t2.ByRootCause["aws.tunnel_replaced"] != 1 || t2.ByRootCause["ike.state"] != 0 {
		t.Errorf("tunnel 2 = %+v", t2)
	}
	replaced := 0
	for _, in := range got.Connections[0].Incidents {
		if in.RootCause == "aws.tunnel_replaced" {
			replaced++
			if in.TunnelNumber != 2 || in.DownAt == nil || !strings.HasPrefix(in.DownAt.UTC, "2026-06-12T12:14:03") {
				t.Errorf("the replacement incident = %+v", in)
			}
		}
	}
	if replaced != 1 {
		t.Errorf("%d incidents listed as aws.tunnel_replaced, want 1: %+v", replaced, got.Connections[0].Incidents)
	}
	if t2.PendingMaintenance != "" || got.Connections[0].Tunnels[0].PendingMaintenance != "" {
		t.Errorf("hq has no pending maintenance: %q %q", got.Connections[0].Tunnels[0].PendingMaintenance, t2.PendingMaintenance)
	}
	if t2.UptimePercent == nil || *t2.UptimePercent >= 95 || *t2.UptimePercent <= 90 || t2.LongestOutageSec < 74*60 || t2.PrefixLimit != 100 || t2.PrefixCount != 104 || t2.Estimated {
		t.Errorf("tunnel 2 uptime %v longest %ds prefixes %d/%d", t2.UptimePercent, t2.LongestOutageSec, t2.PrefixCount, t2.PrefixLimit)
	}
	all, res := call[investigate.HealthResult](t, c, "summarize_vpn_health", nil)
	if res.IsError || len(all.Connections) != 3 {
		t.Errorf("fleet summary: %d connections", len(all.Connections))
	}
	// branch-frankfurt: the tunnel-options change (cloudtrail-events.json)
	// counts under its own cause; the replacement pending on tunnel 2 is
	// said once, on that tunnel, with what to do.
	branch := healthConn(t, all, demoBranch)
	b1, b2 := branch.Tunnels[0], branch.Tunnels[1]
	if b1.ByRootCause["aws.tunnel_options_changed"] != 1 || b1.ByRootCause["ike.state"] != 0 {
		t.Errorf("branch tunnel 1 causes %v", b1.ByRootCause)
	}
	if !strings.Contains(b2.PendingMaintenance, "Tunnel endpoint replacement") || !strings.Contains(b2.PendingMaintenance, "2026-06-19T02:00:00Z") ||
		!strings.Contains(b2.PendingMaintenance, "keep the other tunnel up") || b1.PendingMaintenance != "" {
		t.Errorf("pending maintenance: tunnel 1 %q, tunnel 2 %q", b1.PendingMaintenance, b2.PendingMaintenance)
	}
	if txt := resultText(res); strings.Count(txt, "Tunnel endpoint replacement") != 1 || strings.Contains(txt, "Rotated.K3y") {
		t.Errorf("the text says the pending maintenance %d times (want once), or shows the key:\n%s", strings.Count(txt, "Tunnel endpoint replacement"), txt)
	}
}

// get_tunnel_options states what each tunnel negotiated now (the demo's
// tunnel-active-status.json) in both channels, once: branch-office's
// IKEv1 tunnel 2 its IKEv1 suite; dr-site's tunnel 2, down, that nothing
// is negotiated.
func TestGetTunnelOptionsNegotiatedNow(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	got, res := call[investigate.TunnelOptionsResult](t, c, "get_tunnel_options", map[string]any{"vpn_connection_id": "vpn-0f9e8d7c6b5a40312", "tunnel": "2"})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	want := investigate.NegotiatedView{IKEVersion: "ikev1", Phase1: "AES256/SHA2-256/DH20", Phase2: "AES256/SHA2-256/DH20", Provisioning: "available"}
	if n := got.Tunnels[0].NegotiatedNow; n == nil || *n != want {
		t.Errorf("negotiated_now = %+v, want %+v", n, want)
	}
	text := resultText(res)
	if line := "negotiated now: IKE ikev1; P1 AES256/SHA2-256/DH20; P2 AES256/SHA2-256/DH20; provisioning available"; strings.Count(text, line) != 1 {
		t.Errorf("text does not say once %q:\n%s", line, text)
	}
	dr, res := call[investigate.TunnelOptionsResult](t, c, "get_tunnel_options", map[string]any{"vpn_connection_id": "vpn-0c0ffee00d15a5e77", "tunnel": "2"})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	if n := dr.Tunnels[0].NegotiatedNow; n == nil || n.Phase1 != "" || n.Provisioning != "available" ||
		!strings.Contains(strings.Join(dr.Tunnels[0].Notes, "\n"), "AWS reports nothing negotiated on this tunnel now") {
		t.Errorf("dr-site tunnel 2: negotiated %+v, notes %v", n, dr.Tunnels[0].Notes)
	}
}
