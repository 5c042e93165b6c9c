package aws_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
	awssource "github.com/vpnlens/vpnlens/source/aws"
)

// The estate through the MCP tools, as an assistant asks: three accounts
// (one reached with its own key, two through roles) by three regions with
// 20 connections. Any connection is diagnosed by its id alone and the
// answer says its account and region; the list is grouped by account and
// region. Then one account denies the role and one region does not
// answer: the answers name both and the rest of the estate still answers.
// The API calls of each run are logged per operation (go test -v).
func TestEstateThroughMCP(t *testing.T) {
	fx := newEstateFixture(t)
	est := newEstate(t, fx, nil)
	c := mcpClient(t, est, est)

	list, msg := callJSON(t, c, "list_vpn_connections", map[string]any{})
	if msg != "" {
		t.Fatal(msg)
	}
	conns, _ := list["connections"].([]any)
	places, _ := list["places"].([]any)
	if len(conns) != 20 || len(places) != 9 || list["missing"] != nil {
		t.Fatalf("list: %d connections, %d places, missing %v", len(conns), len(places), list["missing"])
	}
	if s, _ := list["summary"].(string); !strings.HasPrefix(s, "20 VPN connections in 3 accounts and 3 regions.") {
		t.Errorf("summary %q", s)
	}
	listed := map[string]string{}
	for i, x := range conns {
		m := x.(map[string]any)
		id := m["vpn_connection_id"].(string)
		listed[id] = fmt.Sprint(m["account_id"], " ", m["region"])
		if listed[id] != fx.where[id] {
			t.Errorf("%s listed in %q, it is in %q", id, listed[id], fx.where[id])
		}
		if i > 0 {
			prev := conns[i-1].(map[string]any)
			if fmt.Sprint(prev["account_id"], " ", prev["region"]) > listed[id] {
				t.Errorf("not grouped: %s after %v", id, prev["vpn_connection_id"])
			}
		}
	}
	logCalls(t, "listing the estate", fx)

	// A question about any connection by its id alone: hq's incident at
	// 20:29 (the customer gateway deleted the IKE SA), replayed by each.
	fx.fake.ResetCalls()
	for _, id := range fx.ids {
		d, msg := callJSON(t, c, "diagnose_tunnel_drop", map[string]any{"vpn_connection_id": id, "at": "2026-06-12T20:29:00Z"})
		if msg != "" {
			t.Errorf("%s: %s", id, msg)
			continue
		}
		rc, _ := d["root_cause"].(map[string]any)
		if rc["category"] != "ike.cgw_delete_ike_sa" {
			t.Errorf("%s: root cause %v", id, rc["category"])
		}
		if got := fmt.Sprint(d["account_id"], " ", d["region"]); got != fx.where[id] {
			t.Errorf("%s: answer from %q, it is in %q", id, got, fx.where[id])
		}
	}
	logCalls(t, "diagnosing each of the 20 connections by id", fx)

	// One account that denies (the lab's role, assumed with a wrong
	// external id) and one region that does not answer.
	fx2 := newEstateFixture(t)
	fx2.accounts[spokeAccount].Region("us-east-1").AddFault(fakeaws.Fault{Op: "DescribeVpnConnections", Kind: fakeaws.FaultSlow, Delay: 20 * time.Second})
	est2 := newEstate(t, fx2, func(c *awssource.EstateConfig) {
		c.Accounts[2].ExternalID = "not-the-lab's"
		c.DiscoveryTimeout = 300 * time.Millisecond
	})
	c2 := mcpClient(t, est2, est2)
	list, msg = callJSON(t, c2, "list_vpn_connections", map[string]any{})
	if msg != "" {
		t.Fatalf("list with a denied account and a slow region: %s", msg)
	}
	conns, _ = list["connections"].([]any)
	missing, _ := list["missing"].([]any)
	if len(conns) != 11 || len(missing) != 2 {
		t.Fatalf("partial list: %d connections, missing %v", len(conns), missing)
	}
	summary, _ := list["summary"].(string)
	for _, w := range []string{"11 VPN connections in 2 accounts and 3 regions", "INCOMPLETE: not read:",
		"account " + labAccount + " (AccessDenied)", "account " + spokeAccount + ", region us-east-1 (Timeout)"} {
		if !strings.Contains(summary, w) {
			t.Errorf("partial list summary lacks %q: %s", w, summary)
		}
	}
	var healthy, denied, slow string
	for _, id := range fx2.ids {
		switch w := fx2.where[id]; {
		case strings.HasPrefix(w, hubAccount) && healthy == "":
			healthy = id
		case strings.HasPrefix(w, labAccount) && denied == "":
			denied = id
		case w == spokeAccount+" us-east-1" && slow == "":
			slow = id
		}
	}
	d, msg := callJSON(t, c2, "diagnose_tunnel_drop", map[string]any{"vpn_connection_id": healthy, "at": "2026-06-12T20:29:00Z"})
	if rc, _ := d["root_cause"].(map[string]any); msg != "" || rc["category"] != "ike.cgw_delete_ike_sa" {
		t.Errorf("%s in the hub, beside the failures: %s %v", healthy, msg, d["root_cause"])
	}
	for id, why := range map[string]string{denied: "account " + labAccount + " (AccessDenied)", slow: "account " + spokeAccount + ", region us-east-1 (Timeout)"} {
		_, msg = callJSON(t, c2, "get_tunnel_options", map[string]any{"vpn_connection_id": id})
		if !strings.Contains(msg, "is in none of the accounts and regions read") || !strings.Contains(msg, why) {
			t.Errorf("%s in a part that could not be read: %q", id, msg)
		}
	}
	// The whole estate's health: counted per account and region (Logs
	// Insights), the missing parts named.
	h, msg := callJSON(t, c2, "summarize_vpn_health", map[string]any{"start": "2026-06-12T00:00:00Z", "end": "2026-06-13T00:00:00Z"})
	if msg != "" {
		t.Fatalf("estate health: %s", msg)
	}
	hc, _ := h["connections"].([]any)
	hints := fmt.Sprint(h["hints"])
	if len(hc) != 11 || !strings.Contains(hints, "INCOMPLETE: account "+labAccount) || !strings.Contains(hints, "INCOMPLETE: account "+spokeAccount+", region us-east-1") {
		t.Errorf("estate health: %d connections, hints %s", len(hc), hints)
	}
	logCalls(t, "with a denied account and a slow region: list, 4 questions, the estate's health", fx2)
}

// logCalls logs the fake's requests per operation, and per account and
// region, then forgets them.
func logCalls(t *testing.T, what string, fx *estateFixture) {
	t.Helper()
	perPlace := map[string]int{}
	for _, c := range fx.fake.Calls() {
		perPlace[c.Account+" "+c.SigningRegion]++
	}
	t.Logf("API calls, %s: %s (%d account/region pairs called)", what, callCounts(fx.fake.Counts()), len(perPlace))
	fx.fake.ResetCalls()
}
