package aws_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
	"github.com/vpnlens/vpnlens/source"
)

// trailFile is a cloudtrail-events.json as `aws cloudtrail lookup-events`
// prints it: a tunnel-options change on hq-datacenter's tunnel 2 (with
// its pre-shared key in the request), a read-only call and a change of
// another connection, plus n route changes on hq for paging.
func trailFile(n int) []byte {
	type res struct{ ResourceType, ResourceName string }
	ev := func(id, name string, at time.Time, readOnly string, resources []res, params map[string]any) map[string]any {
		rec, _ := json.Marshal(map[string]any{"eventVersion": "1.09", "eventSource": "ec2.amazonaws.com", "eventName": name,
			"sourceIPAddress": "198.51.100.7", "userIdentity": map[string]any{"arn": "arn:aws:iam::111122223333:user/alice"},
			"requestParameters": params})
		return map[string]any{"EventId": id, "EventName": name, "EventTime": at.Format(time.RFC3339), "Username": "alice", "ReadOnly": readOnly,
			"EventSource": "ec2.amazonaws.com", "Resources": resources, "CloudTrailEvent": string(rec)}
	}
	evs := []map[string]any{
		ev("e-modify", "ModifyVpnTunnelOptions", day.Add(20*time.Hour+18*time.Minute), "false", []res{{"AWS::EC2::VPNConnection", hq}},
			map[string]any{"vpnConnectionId": hq, "vpnTunnelOutsideIpAddress": "203.0.113.20",
				"tunnelOptions": map[string]any{"DPDTimeoutSeconds": 40, "PreSharedKey": "s3cr3t-key"}}),
		ev("e-read", "DescribeVpnConnections", day.Add(20*time.Hour), "true", []res{{"AWS::EC2::VPNConnection", hq}}, map[string]any{}),
		ev("e-other", "ModifyVpnTunnelOptions", day.Add(20*time.Hour), "false", []res{{"AWS::EC2::VPNConnection", branch}},
			map[string]any{"vpnConnectionId": branch, "vpnTunnelOutsideIpAddress": "203.0.113.30"}),
	}
	for i := range n {
		evs = append(evs, ev(fmt.Sprintf("e-route-%03d", i), "CreateVpnConnectionRoute", day.Add(time.Duration(i)*time.Minute), "false",
			[]res{{"AWS::EC2::VPNConnection", hq}}, map[string]any{"vpnConnectionId": hq, "destinationCidrBlock": fmt.Sprintf("10.9.%d.0/24", i)}))
	}
	b, _ := json.MarshalIndent(map[string]any{"Events": evs}, "", " ")
	return b
}

// The changes read through the real CloudTrail client from the fake are
// those the same events in a logs folder give: the VPN write events of the
// connection's resources only, the pre-shared key removed, the tunnel
// named; LookupEvents is called once per resource, and pages are followed.
func TestChangesThroughCloudTrail(t *testing.T) {
	b := trailFile(60)
	f := newFake(t, fakeaws.Options{})
	if err := f.LoadTrailJSON(b); err != nil {
		t.Fatal(err)
	}
	src := newSource(t, f, nil)
	q := source.ChangeQuery{VPNConnectionID: hq, ResourceIDs: []string{hq, "cgw-0a11b22c33d44e55f", "vgw-0d4e5f6a7b8c9d0e1"}, Start: day, End: day.Add(24 * time.Hour)}
	got, err := src.Changes(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, source.ChangesFileName), b, 0o644)
	loc, err := source.OpenDir(dir, quiet)
	if err != nil {
		t.Fatal(err)
	}
	want, err := loc.Changes(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Changes) != 61 || !reflect.DeepEqual(got.Changes, want.Changes) {
		t.Fatalf("aws %d changes, local %d; first aws %+v local %+v", len(got.Changes), len(want.Changes), got.Changes[:1], want.Changes[:1])
	}
	var mod *source.Change
	for i := range got.Changes {
		if got.Changes[i].EventID == "e-modify" {
			mod = &got.Changes[i]
		}
	}
	if mod == nil || mod.TunnelIP != "203.0.113.20" || mod.User != "alice" || mod.SourceIP != "198.51.100.7" {
		t.Fatalf("modify = %+v", mod)
	}
	opts, _ := mod.Params["tunnelOptions"].(map[string]any)
	if opts["PreSharedKey"] != "(removed)" || opts["DPDTimeoutSeconds"] != float64(40) {
		t.Errorf("params = %v", mod.Params)
	}
	if d := mod.Describe(); !strings.Contains(d, "ModifyVpnTunnelOptions on tunnel 203.0.113.20 by alice") || strings.Contains(d, "s3cr3t") {
		t.Errorf("describe = %q", d)
	}
	if n := f.Counts()["LookupEvents"]; n != 4 || got.Calls != 4 {
		t.Errorf("LookupEvents calls = %d (source says %d), want 4: 2 pages for the connection, 1 each for the gateways", n, got.Calls)
	}
}

// A denied LookupEvents names the missing permission.
func TestChangesAccessDenied(t *testing.T) {
	f := newFake(t, fakeaws.Options{})
	f.Deny("LookupEvents")
	src := newSource(t, f, nil)
	_, err := src.Changes(context.Background(), source.ChangeQuery{VPNConnectionID: hq, ResourceIDs: []string{hq}, Start: day, End: day.Add(time.Hour)})
	var se *source.Error
	if !errors.As(err, &se) || se.Cause != "AccessDenied" || !strings.Contains(err.Error(), "cloudtrail:LookupEvents") {
		t.Fatalf("err = %v", err)
	}
}

// diagnose_tunnel_drop through the real SDK clients: a tunnel-options
// change two minutes before hq's tunnel 1 went down at 03:10:07 is the
// root cause, read with one LookupEvents per resource of the connection
// (connection, customer gateway, VGW).
func TestDiagnoseChangeThroughAWS(t *testing.T) {
	f := newFake(t, fakeaws.Options{})
	rec := `{"eventName":"ModifyVpnTunnelOptions","sourceIPAddress":"198.51.100.7","requestParameters":{"vpnConnectionId":"` + hq + `","vpnTunnelOutsideIpAddress":"203.0.113.10","tunnelOptions":{"PreSharedKey":"s3cr3t","DPDTimeoutSeconds":40}}}`
	ev := fakeaws.TrailEvent{EventID: "e-1", EventName: "ModifyVpnTunnelOptions", EventTime: time.Date(2026, 6, 12, 3, 8, 7, 0, time.UTC), Username: "alice", ReadOnly: "false", CloudTrailEvent: rec}
	ev.Resources = append(ev.Resources, struct {
		ResourceType string `json:"ResourceType,omitempty"`
		ResourceName string `json:"ResourceName"`
	}{"AWS::EC2::VPNConnection", hq})
	f.AddTrailEvents(ev)
	src := newSource(t, f, nil)
	got, msg := callJSON(t, mcpClient(t, src, src), "diagnose_tunnel_drop", map[string]any{"vpn_connection_id": hq, "tunnel": "1", "at": "2026-06-12 03:13"})
	if msg != "" {
		t.Fatal(msg)
	}
	rc, _ := got["root_cause"].(map[string]any)
	if rc["category"] != "aws.tunnel_options_changed" {
		t.Fatalf("root cause = %v", rc)
	}
	b, _ := json.Marshal(got)
	if strings.Contains(string(b), "s3cr3t") {
		t.Error("the pre-shared key leaked")
	}
	counts := f.Counts()
	if counts["LookupEvents"] != 3 {
		t.Errorf("LookupEvents calls = %d, want 3 (connection, customer gateway, VGW)", counts["LookupEvents"])
	}
	t.Logf("API calls for diagnose_tunnel_drop hq tunnel 1 03:13: %v", counts)
}
