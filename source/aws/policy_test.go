package aws_test

import (
	"context"
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/internal/fakeaws"
	"github.com/vpnlens/vpnlens/source"
	awssource "github.com/vpnlens/vpnlens/source/aws"
)

func policyActions(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../" + awssource.PolicyFile)
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Statement []struct {
			Sid      string
			Effect   string
			Action   []string
			Resource any
		}
	}
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("%s: %v", awssource.PolicyFile, err)
	}
	var out []string
	for _, st := range p.Statement {
		if st.Effect != "Allow" {
			t.Errorf("policy statement with effect %q", st.Effect)
		}
		// VpnlensLogsInS3 is --logs-s3's (source/s3logs checks it).
		if st.Sid == "VpnlensLogsInS3" {
			continue
		}
		out = append(out, st.Action...)
	}
	sort.Strings(out)
	return out
}

// The policy grants exactly the read-only actions vpnlens needs, and
// nothing vpnlens does calls any other AWS API: every path (inventory,
// listings, content sniffing, FilterLogEvents, Insights records and
// counts, a cancelled query) runs against a fake that records every
// operation.
func TestOnlyPolicyActionsAreCalled(t *testing.T) {
	allowed := policyActions(t)
	want := []string{"cloudtrail:LookupEvents", "cloudwatch:GetMetricData", "ec2:DescribeRegions", "ec2:DescribeVpnConnections", "ec2:GetActiveVpnTunnelStatus", "ec2:GetVpnTunnelReplacementStatus", "logs:DescribeDeliveries", "logs:DescribeDeliveryDestinations",
		"logs:DescribeDeliverySources", "logs:DescribeLogStreams", "logs:FilterLogEvents", "logs:GetLogEvents",
		"logs:GetQueryResults", "logs:StartQuery", "logs:StopQuery", "sts:AssumeRole", "sts:GetCallerIdentity"}
	if strings.Join(allowed, ",") != strings.Join(want, ",") {
		t.Errorf("policy actions %v, want exactly %v", allowed, want)
	}
	f := newFake(t, fakeaws.Options{PageSize: 50 * demoScale, MaxQueryRows: 30 * demoScale})
	// A stream whose name does not tell IKE from BGP (content sniffing).
	f.AddStream("/aws/vendedlogs/vpn/hq-bgp", "vpn-0a1b2c3d4e5f60718_203.0.113.10", []int64{day.Add(time.Hour).UnixMilli()},
		[]string{`{"event_timestamp":1781226000000,"timestamp":"2026-06-12 01:00:00.000Z","resource_id":"vpn-0a1b2c3d4e5f60718_203.0.113.10","type":"BGPStatus","status":"UP","message":{"details":"x"}}`})
	// A log delivery of a connection (listed with the inventory).
	f.AddVPNDelivery(dr, awssource.LogTypeEvent, "S3", "arn:aws:s3:::vpn-logs/dr", "json")
	ctx := context.Background()
	src := newSource(t, f, func(c *awssource.Config) { c.MaxQueryRows = 30 * demoScale })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := src.Connections(ctx)
	must(err)
	_, err = src.Extents(ctx, hq)
	must(err)
	_, err = src.Logs(ctx, dayQuery(branch))
	must(err)
	_, err = src.Logs(ctx, source.LogQuery{VPNConnectionID: hq, Start: day, End: day.Add(48 * time.Hour), AnomaliesOnly: true})
	must(err)
	_, err = src.AnomalyCounts(ctx, nil, day, day.Add(24*time.Hour))
	must(err)
	_, err = src.TunnelMetrics(ctx, source.MetricsQuery{VPNConnectionID: dr, Start: day.Add(-7 * 24 * time.Hour), End: day.Add(24 * time.Hour)})
	must(err)
	_, err = src.Maintenance(ctx, hq, "203.0.113.10")
	must(err)
	_, err = src.ActiveStatus(ctx, hq, "203.0.113.10")
	must(err)
	_, err = src.Changes(ctx, source.ChangeQuery{VPNConnectionID: hq, ResourceIDs: []string{hq}, Start: day, End: day.Add(24 * time.Hour)})
	must(err)
	_, err = src.AnomalyCounts(ctx, []string{branch}, day.Add(time.Hour), day.Add(2*time.Hour))
	must(err)
	f.SetOptions(func(o *fakeaws.Options) { o.QueryDuration = time.Hour })
	cctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	_, err = src.AnomalyCounts(cctx, nil, day, day.Add(30*24*time.Hour))
	cancel()
	if err == nil {
		t.Fatal("a query that never finishes returned")
	}
	got := f.Operations()
	for _, op := range estateOperations(t) {
		if !contains(got, op) {
			got = append(got, op)
		}
	}
	for _, op := range got {
		if !contains(allowed, op) {
			t.Errorf("vpnlens called %s, which %s does not grant", op, awssource.PolicyFile)
		}
	}
	for _, op := range want {
		if !contains(got, op) {
			t.Errorf("the test never exercised %s", op)
		}
	}
}

// estateOperations runs the estate's paths against a fake estate and
// returns the operations they called: accounts through their own key and
// through roles (one refused), every enabled region (DescribeRegions),
// listing, reading by id, counting across members, the live feed.
func estateOperations(t *testing.T) []string {
	t.Helper()
	ctx := context.Background()
	fx := newEstateFixture(t)
	e := newEstate(t, fx, func(c *awssource.EstateConfig) {
		c.Regions, c.AllRegions = nil, true
		c.Accounts = append(c.Accounts, awssource.AccountConfig{RoleARN: fx.labARN, ExternalID: "wrong", Credentials: c.Accounts[0].Credentials})
	})
	conns, gaps, err := e.ConnectionsPartial(ctx)
	if err != nil || len(conns) != 20 || len(gaps) != 1 {
		t.Fatalf("estate: %d connections, gaps %v, %v", len(conns), gaps, err)
	}
	if _, err := e.Logs(ctx, dayQuery(fx.ids[5])); err != nil {
		t.Fatal(err)
	}
	if _, err := e.AnomalyCounts(ctx, nil, day, day.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	feed, err := e.Feed(ctx, e, quiet)
	if err != nil {
		t.Fatal(err)
	}
	wants := []source.Want{{Conn: &conns[0], SinceMs: day.UnixMilli()}, {Conn: &conns[19], SinceMs: day.UnixMilli(), Full: true}}
	if _, err := feed.Poll(ctx, day.Add(24*time.Hour), wants, map[string]*source.StreamCursor{}); err != nil {
		t.Fatal(err)
	}
	return fx.fake.Operations()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// The server-side anomaly filters (FilterLogEvents pattern, Insights
// regex) are supersets: every documented anomaly message and every anomaly
// in the demo data passes them.
func TestAnomalyFiltersMissNoAnomaly(t *testing.T) {
	terms := strings.Split(awssource.AnomalyFilterPattern(), `" ?"`)
	matches := func(s string) bool {
		for _, term := range terms {
			if strings.Contains(s, strings.Trim(term, `?"`)) {
				return true
			}
		}
		return false
	}
	checked := 0
	for _, e := range catalog.Entries() {
		if !e.Anomaly {
			continue
		}
		for _, m := range e.Messages {
			checked++
			if !matches(m) {
				t.Errorf("%s: the anomaly filter misses %q", e.Category, m)
			}
		}
	}
	loc := local(t)
	for _, vpn := range []string{hq, branch} {
		res, _ := loc.Logs(context.Background(), dayQuery(vpn))
		for _, ev := range res.Events {
			if ev.Anomaly {
				checked++
				if !matches(ev.Raw) {
					t.Errorf("the anomaly filter misses %s record %s", ev.Category, ev.Raw)
				}
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d anomalies checked", checked)
	}
	if n := len(awssource.AnomalyFilterPattern()); n > 1024 {
		t.Errorf("filter pattern is %d characters, CloudWatch allows 1024", n)
	}
}
