package watch

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
	awssource "github.com/vpnlens/vpnlens/source/aws"
)

// BenchmarkDetectionLatency measures, with the default interval (30 s)
// and settle delay (30 s), on the fake clock, how long after the last
// record of an event becomes readable in CloudWatch (5 s after its own
// time in the fake) the report goes out: for the first report of each
// demo incident, from the last record of its root-cause evidence; for the
// recovery update, from the record that shows it back up. Each incident is
// run with the poll grid at 10 offsets (0, 3, ..., 27 s).
func BenchmarkDetectionLatency(b *testing.B) {
	exp := demoExpected(b)
	var opened, recovered []time.Duration
	for i := 0; i < b.N; i++ {
		opened, recovered = opened[:0], recovered[:0]
		for off := 0; off < 30; off += 3 {
			for _, x := range exp {
				o, r := incidentLatency(b, x, time.Duration(off)*time.Second)
				opened = append(opened, o)
				if x.Recovered && r >= 0 {
					recovered = append(recovered, r)
				}
			}
		}
	}
	report := func(name string, ds []time.Duration) {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		if len(ds) == 0 {
			b.Fatalf("no %s latencies", name)
		}
		b.ReportMetric(ds[len(ds)/2].Seconds(), name+"-p50-s")
		b.ReportMetric(ds[len(ds)*9/10].Seconds(), name+"-p90-s")
		b.ReportMetric(ds[len(ds)-1].Seconds(), name+"-max-s")
	}
	report("opened", opened)
	report("recovered", recovered)
}

// incidentLatency runs one demo incident through the AWS feed and returns
// the latency of its first report and of its recovery update (-1 if none).
func incidentLatency(b *testing.B, x expectedIncident, offset time.Duration) (time.Duration, time.Duration) {
	rootAt, _ := time.Parse(time.RFC3339, x.RootCauseAt)
	recAt, _ := time.Parse(time.RFC3339, x.RecoveredAt)
	start := rootAt.Add(-15 * time.Minute).Truncate(30 * time.Second).Add(offset)
	rp := newAWSReplay(b)
	clock := NewFakeClock(start)
	rp.until(clock.Now())
	out := &syncBuffer{}
	e, err := New(Config{Feed: awsFeed(b, rp.fake, clock), Clock: clock, Logger: quietLogger(), Sinks: []Sink{NewStdoutSink(out)}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var first, rec time.Duration = -1, -1
	for clock.Now().Before(recAt.Add(30*time.Minute)) && rec < 0 {
		rp.until(clock.Now())
		if err := e.Step(ctx); err != nil {
			b.Fatal(err)
		}
		e.DeliverDue(ctx)
		for _, r := range reports(b, out.String()) {
			if r.VPNConnectionID != x.VPNConnectionID || r.Tunnel != x.TunnelIP {
				continue
			}
			at, _ := time.Parse(time.RFC3339, r.GeneratedAt)
			switch {
			case r.Event == EventOpened && first < 0:
				last := time.Time{}
				for _, ev := range r.RootCause.Evidence {
					t, _ := time.Parse(time.RFC3339, ev.At)
					if t.After(last) {
						last = t
					}
				}
				first = at.Sub(last.Add(ingestLag))
			case (r.Event == EventRecovered) && rec < 0:
				rec = at.Sub(recAt.Add(ingestLag))
			}
		}
		clock.Advance(DefaultInterval)
	}
	if first < 0 {
		b.Fatalf("%s (offset %s): no report", x.ID, offset)
	}
	return first, rec
}

// healthyFleet loads n connections (two tunnels, IKE and BGP logs in one
// log group) with an hour of routine records before start and the next
// hours after it: IKE status every 10 minutes, a BGP route refresh every
// 30 minutes, nothing anomalous.
func healthyFleet(tb testing.TB, fake *fakeaws.Server, n int, start time.Time, hours int) {
	const group = "/aws/vendedlogs/vpn/fleet"
	arn := "arn:aws:logs:" + fake.Region() + ":111122223333:log-group:" + group + ":*"
	fake.AddLogGroup(group)
	for i := range n {
		vpn := fmt.Sprintf("vpn-0f1ee7%011x", i)
		c := fakeaws.VpnConnection{VpnConnectionId: vpn, State: "available", Type: "ipsec.1", Category: "VPN", VpnGatewayId: "vgw-0f1ee70000000001",
			Options: &fakeaws.VpnOptions{TunnelInsideIpVersion: "ipv4"}}
		for tn := range 2 {
			ip := fmt.Sprintf("198.18.%d.%d", i/100, (i%100)*2+tn+1)
			c.Options.TunnelOptions = append(c.Options.TunnelOptions, fakeaws.TunnelOption{OutsideIpAddress: ip,
				LogOptions: &fakeaws.LogOptions{CloudWatchLogOptions: &fakeaws.CloudWatchLogOptions{LogEnabled: true, LogGroupArn: arn, LogOutputFormat: "json",
					BgpLogEnabled: true, BgpLogGroupArn: arn, BgpLogOutputFormat: "json"}}})
			c.VgwTelemetry = append(c.VgwTelemetry, fakeaws.VgwTelemetry{OutsideIpAddress: ip, Status: "UP", AcceptedRouteCount: 4})
			var ikeT, bgpT []int64
			var ikeM, bgpM []string
			for t := start.Add(-time.Hour); t.Before(start.Add(time.Duration(hours) * time.Hour)); t = t.Add(10 * time.Minute) {
				ts := t.Add(time.Duration(i*7+tn*3) * time.Second)
				ikeT = append(ikeT, ts.UnixMilli())
				ikeM = append(ikeM, fmt.Sprintf(`{"event_timestamp":%d,"timestamp":"%s","dpd_enabled":true,"nat_t_detected":false,"ike_phase1_state":"established","ike_phase2_state":"established","details":""}`,
					ts.Unix(), ts.UTC().Format("2006-01-02 15:04:05Z")))
				if t.Minute()%30 == 0 {
					bgpT = append(bgpT, ts.UnixMilli())
					bgpM = append(bgpM, fmt.Sprintf(`{"resource_id":"%s_%s","event_timestamp":%d,"timestamp":"%s","type":"RouteStatus","status":"UPDATED","message":{"prefix":"10.%d.0.0/16","asPath":"65000","localPref":100,"med":0,"nextHopIp":"169.254.1.2","weight":32768}}`,
						vpn, ip, ts.UnixMilli(), ts.UTC().Format("2006-01-02 15:04:05.000Z"), i%250))
				}
			}
			fake.AddStream(group, vpn+"_"+ip+"-IKE.log", ikeT, ikeM)
			fake.AddStream(group, vpn+"_"+ip+"-BGP.log", bgpT, bgpM)
		}
		fake.AddConnection(c)
	}
}

// BenchmarkAPICallsHealthyFleet is the cost of watching 50 healthy
// connections (200 streams in one log group) for an hour with the default
// interval: AWS requests per hour by operation, after the first hour (the
// start-up reads excluded), for the watch's AWS feed and, for comparison,
// for serve's vpn://incidents (FeedFor: the same feed on the AWS source's
// own client) and for a watch polling through the general AWS source (one
// anomalies-only FilterLogEvents series per stream).
func BenchmarkAPICallsHealthyFleet(b *testing.B) {
	for _, mode := range []string{"watch-feed", "serve-feed", "source-feed"} {
		b.Run(mode, func(b *testing.B) {
			var perHour map[string]int
			for i := 0; i < b.N; i++ {
				perHour = fleetCalls(b, mode, 50)
			}
			total := 0
			for op, n := range perHour {
				total += n
				b.ReportMetric(float64(n), op+"/h")
			}
			b.ReportMetric(float64(total), "calls/h")
		})
	}
}

func fleetCalls(tb testing.TB, mode string, n int) map[string]int {
	start := time.Date(2026, 6, 12, 8, 0, 0, 0, time.UTC)
	fake := fakeaws.New(fakeaws.Options{})
	defer fake.Close()
	healthyFleet(tb, fake, n, start, 3)
	clock := NewFakeClock(start)
	var feed source.Feed
	var causes investigate.AWSCauses // as vpnlens watch and serve read them on AWS
	switch mode {
	case "watch-feed":
		f, src := awsFeedSource(tb, fake, clock)
		feed, causes = f, investigate.AWSCauses{Changes: src, Maintenance: src}
	default:
		creds := credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")
		src, err := awssource.New(context.Background(), awssource.Config{Region: fake.Region(), Endpoint: fake.URL, Credentials: creds, Now: clock.Now,
			Logger: quietLogger(), MaxAttempts: 2, RateLimits: map[string]float64{"FilterLogEvents": 10000, "DescribeLogStreams": 10000, "DescribeVpnConnections": 10000, "DescribeDeliverySources": 10000}})
		if err != nil {
			tb.Fatal(err)
		}
		feed, causes = &source.SourceFeed{Name: "aws", Inventory: src, Logs: src}, investigate.AWSCauses{Changes: src, Maintenance: src}
		if mode == "serve-feed" {
			// What serve's vpn://incidents watches through: FeedFor on
			// the source, sharing its client.
			if feed, err = source.FeedFor(context.Background(), "serve", src, src, quietLogger()); err != nil {
				tb.Fatal(err)
			}
		}
	}
	out := &syncBuffer{}
	e, err := New(Config{Feed: feed, Clock: clock, Logger: quietLogger(), Sinks: []Sink{NewStdoutSink(out)}, AWSCauses: causes})
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	var before map[string]int
	for h := 0; h < 2; h++ {
		if h == 1 {
			before = fake.Counts()
		}
		for p := 0; p < int(time.Hour/DefaultInterval); p++ {
			if err := e.Step(ctx); err != nil {
				tb.Fatal(err)
			}
			clock.Advance(DefaultInterval)
		}
	}
	if rs := reports(tb, out.String()); len(rs) != 0 {
		tb.Fatalf("a healthy fleet was reported: %+v", rs[0].Title)
	}
	after := fake.Counts()
	perHour := map[string]int{}
	for op, n := range after {
		if d := n - before[op]; d > 0 {
			perHour[op] = d
		}
	}
	return perHour
}

// BenchmarkAPICallsFleetWithDrop is the cost of watching the 50 healthy
// connections of BenchmarkAPICallsHealthyFleet (a record every 10 minutes
// per stream) plus the three demo connections (at real density: the
// liveness exchange every ~10 s) for the hour from 20:15 on the demo day,
// in which hq's tunnel 2 drops (20:25, down until 21:40): AWS requests in
// that hour by operation, after an hour of watching (the start-up reads
// excluded); logs-only without the AWS-side causes (CloudTrail changes,
// maintenance), aws-causes with them, as vpnlens watch runs on AWS.
func BenchmarkAPICallsFleetWithDrop(b *testing.B) {
	for _, causes := range []bool{false, true} {
		name := "logs-only"
		if causes {
			name = "aws-causes"
		}
		b.Run(name, func(b *testing.B) {
			var perHour map[string]int
			for i := 0; i < b.N; i++ {
				perHour = dropFleetCalls(b, causes)
			}
			total := 0
			for op, n := range perHour {
				total += n
				b.ReportMetric(float64(n), op+"/h")
			}
			b.ReportMetric(float64(total), "calls/h")
		})
	}
}

func dropFleetCalls(tb testing.TB, causes bool) map[string]int {
	start := time.Date(2026, 6, 12, 19, 15, 0, 0, time.UTC)
	rp := newAWSReplay(tb)
	healthyFleet(tb, rp.fake, 50, start, 3)
	clock := NewFakeClock(start)
	rp.until(clock.Now())
	out := &syncBuffer{}
	feed, src := awsFeedSource(tb, rp.fake, clock)
	cfg := Config{Feed: feed, Clock: clock, Logger: quietLogger(), Sinks: []Sink{NewStdoutSink(out)}}
	if causes {
		cfg.AWSCauses = investigate.AWSCauses{Changes: src, Maintenance: src}
	}
	e, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	var before map[string]int
	for h := 0; h < 2; h++ {
		if h == 1 {
			before = rp.fake.Counts()
		}
		for p := 0; p < int(time.Hour/DefaultInterval); p++ {
			rp.until(clock.Now())
			if err := e.Step(ctx); err != nil {
				tb.Fatal(err)
			}
			clock.Advance(DefaultInterval)
		}
	}
	e.DeliverDue(ctx)
	opened := false
	for _, r := range reports(tb, out.String()) {
		opened = opened || r.Event == EventOpened && r.Tunnel == "203.0.113.20"
	}
	if !opened {
		tb.Fatal("the drop of hq's tunnel 2 was not reported")
	}
	perHour := map[string]int{}
	for op, n := range rp.fake.Counts() {
		if d := n - before[op]; d > 0 {
			perHour[op] = d
		}
	}
	return perHour
}
