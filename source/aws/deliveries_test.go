package aws_test

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
	awssource "github.com/vpnlens/vpnlens/source/aws"
)

const (
	hqIKEGroup  = "arn:aws:logs:eu-central-1:111122223333:log-group:/aws/vendedlogs/vpn/hq:*"
	hqBGPGroup  = "arn:aws:logs:eu-central-1:111122223333:log-group:/aws/vendedlogs/vpn/hq-bgp:*"
	branchS3    = "arn:aws:s3:::vpn-logs-archive/branch"
	branchSteam = "arn:aws:firehose:eu-central-1:111122223333:deliverystream/vpn-branch"
)

// deliveryFake serves the demo with every tunnel's log options off: hq's
// logs arrive only through two log deliveries to the same log groups,
// branch's go to S3 (BGP) and Firehose (IKE), dr has none.
func deliveryFake(t *testing.T) *fakeaws.Server {
	t.Helper()
	f := newFake(t, fakeaws.Options{PageSize: 100})
	b, err := os.ReadFile(demoDir + "/vpn-connections.json")
	if err != nil {
		t.Fatal(err)
	}
	var inv map[string][]map[string]any
	if err := json.Unmarshal(b, &inv); err != nil {
		t.Fatal(err)
	}
	for _, c := range inv["VpnConnections"] {
		for _, to := range c["Options"].(map[string]any)["TunnelOptions"].([]any) {
			to.(map[string]any)["LogOptions"] = map[string]any{"CloudWatchLogOptions": map[string]any{"LogEnabled": false, "BgpLogEnabled": false}}
		}
	}
	b, _ = json.Marshal(inv)
	if err := f.LoadInventoryJSON(b); err != nil {
		t.Fatal(err)
	}
	f.AddVPNDelivery(hq, awssource.LogTypeConnection, "CWL", hqIKEGroup, "json")
	f.AddVPNDelivery(hq, awssource.LogTypeEvent, "CWL", hqBGPGroup, "json")
	f.AddVPNDelivery(branch, awssource.LogTypeEvent, "S3", branchS3, "json")
	f.AddVPNDelivery(branch, awssource.LogTypeConnection, "FH", branchSteam, "json")
	return f
}

// A tunnel whose logs arrive only through a log delivery to a log group is
// diagnosed like any other: every labelled demo incident of hq gets the
// same root cause as with the tunnels' own log options. get_tunnel_options
// says which path delivers each tunnel's IKE and BGP logs; a delivery to
// S3 or Firehose is named with how to read it, not taken for "logging off".
func TestLogDeliveries(t *testing.T) {
	f := deliveryFake(t)
	src := newSource(t, f, nil)
	c := mcpClient(t, src, src)
	b, err := os.ReadFile(demoDir + "/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var exp []expectedIncident
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	diagnosed := 0
	for _, e := range exp {
		if e.VPNConnectionID != hq {
			continue
		}
		d, msg := callJSON(t, c, "diagnose_tunnel_drop", map[string]any{"vpn_connection_id": hq, "tunnel": strconv.Itoa(e.Tunnel), "at": e.QuestionAt})
		if msg != "" {
			t.Errorf("%s: %s", e.ID, msg)
			continue
		}
		rc, _ := d["root_cause"].(map[string]any)
		if rc["category"] != e.RootCause || rc["at"] != e.RootCauseAt {
			t.Errorf("%s: root cause %v at %v, want %s at %s", e.ID, rc["category"], rc["at"], e.RootCause, e.RootCauseAt)
		}
		diagnosed++
	}
	if diagnosed < 4 {
		t.Fatalf("only %d hq incidents", diagnosed)
	}

	opts, msg := callJSON(t, c, "get_tunnel_options", map[string]any{"vpn_connection_id": hq})
	if msg != "" {
		t.Fatal(msg)
	}
	for _, x := range opts["tunnels"].([]any) {
		l := x.(map[string]any)["logging"].(map[string]any)
		if l["ike_enabled"] != true || !strings.Contains(l["ike_path"].(string), "(CONNECTION_LOGS, json) to log group /aws/vendedlogs/vpn/hq") ||
			!strings.Contains(l["bgp_path"].(string), "(EVENT_LOGS, json) to log group /aws/vendedlogs/vpn/hq-bgp") {
			t.Errorf("hq log paths: %v", l)
		}
	}
	opts, _ = callJSON(t, c, "get_tunnel_options", map[string]any{"vpn_connection_id": branch})
	l := opts["tunnels"].([]any)[0].(map[string]any)["logging"].(map[string]any)
	elsewhere, _ := l["elsewhere"].(map[string]any)
	if l["ike_enabled"] != false || !strings.Contains(l["bgp_path"].(string), "to S3 s3://vpn-logs-archive/branch") ||
		!strings.Contains(l["ike_path"].(string), "to Firehose stream "+branchSteam) ||
		!strings.Contains(elsewhere["BGP"].(string), "--logs-s3 s3://vpn-logs-archive/branch") || !strings.Contains(elsewhere["IKE"].(string), "cannot read a Firehose stream") {
		t.Errorf("branch log paths: %v", l)
	}
	_, msg = callJSON(t, c, "fetch_vpn_logs", map[string]any{"vpn_connection_id": branch, "tunnel": "1", "start": "2026-06-12T00:00:00Z", "end": "2026-06-12T01:00:00Z"})
	if !containsAll(msg, "to S3 s3://vpn-logs-archive/branch", "--logs-s3 s3://vpn-logs-archive/branch", "Firehose") || strings.Contains(msg, "BGP logging is disabled") {
		t.Errorf("a tunnel delivered to S3 and Firehose only: %q", msg)
	}
	list, _ := callJSON(t, c, "list_vpn_connections", map[string]any{"vpn_connection_id": branch})
	if w, _ := json.Marshal(list); !strings.Contains(string(w), "logs to no log group for: IKE logs: log delivery") {
		t.Errorf("list: %s", w)
	}
	counts := f.Counts()
	if counts["DescribeDeliverySources"] != 1 || counts["DescribeDeliveries"] != 1 || counts["DescribeDeliveryDestinations"] != 1 {
		t.Errorf("delivery discovery calls: %v", counts)
	}
}

// Log deliveries that cannot be listed leave the tunnels' own options
// answering, and a "logging off" answer says the deliveries were not
// checked.
func TestLogDeliveriesDenied(t *testing.T) {
	f := newFake(t, fakeaws.Options{})
	f.Deny("DescribeDeliverySources")
	src := newSource(t, f, nil)
	ctx := context.Background()
	if _, err := src.Logs(ctx, dayQuery(hq)); err != nil {
		t.Fatalf("hq through its own log options: %v", err)
	}
	res, err := src.Logs(ctx, dayQuery(dr))
	if err != nil {
		t.Fatal(err)
	}
	if notes := strings.Join(res.Notes, "\n"); !strings.Contains(notes, "log deliveries could not be checked") || !strings.Contains(notes, "logs:DescribeDeliverySources") {
		t.Errorf("dr: %s", notes)
	}
}
