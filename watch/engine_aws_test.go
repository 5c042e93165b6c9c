package watch

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
	"github.com/vpnlens/vpnlens/source"
	awssource "github.com/vpnlens/vpnlens/source/aws"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// ingestLag is how long after its own time a record becomes readable in
// the fake, as CloudWatch ingests with a delay.
const ingestLag = 5 * time.Second

// awsReplay feeds the demo day into the fake CloudWatch Logs as time goes
// by: at each call of until, the records dated up to now-ingestLag are
// appended to their streams.
type awsReplay struct {
	t      testing.TB
	fake   *fakeaws.Server
	lines  []demoLine
	next   int
	groups map[string]string // stream file name -> log group
}

func newAWSReplay(t testing.TB) *awsReplay {
	fake := fakeaws.New(fakeaws.Options{})
	t.Cleanup(fake.Close)
	inv, err := os.ReadFile(filepath.Join(demoDir, "vpn-connections.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := fake.LoadInventoryJSON(inv); err != nil {
		t.Fatal(err)
	}
	conns, err := source.ParseDescribeVpnConnections(bytes.NewReader(inv))
	if err != nil {
		t.Fatal(err)
	}
	r := &awsReplay{t: t, fake: fake, lines: demoLines(t), groups: map[string]string{}}
	for _, c := range conns {
		for _, tn := range c.Tunnels {
			for _, k := range []vpnlog.StreamKind{vpnlog.StreamIKE, vpnlog.StreamBGP} {
				arn := tn.Logging.IKELogGroup
				if k == vpnlog.StreamBGP {
					arn = tn.Logging.BGPLogGroup
				}
				if arn == "" {
					continue
				}
				name := vpnlog.StreamID{VPNConnectionID: c.ID, TunnelIP: tn.OutsideIP, Kind: k}.String() + ".log"
				r.groups[name] = awssource.GroupName(arn)
				fake.AddLogGroup(awssource.GroupName(arn))
			}
		}
	}
	return r
}

func (r *awsReplay) until(now time.Time) {
	type part struct {
		times []int64
		msgs  []string
	}
	parts := map[string]*part{}
	for r.next < len(r.lines) && r.lines[r.next].ms < now.Add(-ingestLag).UnixMilli() {
		l := r.lines[r.next]
		p := parts[l.file]
		if p == nil {
			p = &part{}
			parts[l.file] = p
		}
		p.times = append(p.times, l.ms)
		p.msgs = append(p.msgs, l.raw)
		r.next++
	}
	for file, p := range parts {
		g, ok := r.groups[file]
		if !ok {
			r.t.Fatalf("no log group for %s", file)
		}
		r.fake.AddStream(g, file, p.times, p.msgs)
	}
}

// awsFeed builds the AWS source (inventory) and the watch feed on the fake.
func awsFeed(t testing.TB, fake *fakeaws.Server, clock Clock) *awssource.Feed {
	t.Helper()
	f, _ := awsFeedSource(t, fake, clock)
	return f
}

// awsFeedSource is awsFeed and the AWS source it reads the inventory from
// (which also reads CloudTrail and the maintenance status).
func awsFeedSource(t testing.TB, fake *fakeaws.Server, clock Clock) (*awssource.Feed, *awssource.Source) {
	t.Helper()
	ctx := context.Background()
	creds := credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")
	fast := map[string]float64{}
	for op := range awssource.DefaultRateLimits {
		fast[op] = 100000
	}
	src, err := awssource.New(ctx, awssource.Config{Region: fake.Region(), Endpoint: fake.URL, Credentials: creds, Now: clock.Now, Logger: quietLogger(),
		MaxAttempts: 5, RateLimits: fast})
	if err != nil {
		t.Fatal(err)
	}
	f, err := awssource.NewFeed(ctx, awssource.FeedConfig{Inventory: src, Logs: src.LogsClient(), ClientPaced: true, Region: src.Region(), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	return f, src
}

// TestWatchAWSDemoDay: the demo day appended to the fake CloudWatch Logs
// over time, polled every 30 s: every labelled incident is reported once,
// with its root cause, even though its records straddle polls (and reach
// the fake 5 s late), and once more when it recovers.
func TestWatchAWSDemoDay(t *testing.T) {
	t.Parallel()
	rp := newAWSReplay(t)
	clock := NewFakeClock(time.Date(2026, 6, 12, 1, 0, 0, 0, time.UTC))
	rp.until(clock.Now())
	out := &syncBuffer{}
	e, err := New(Config{Feed: awsFeed(t, rp.fake, clock), Clock: clock, Logger: quietLogger(), StatePath: filepath.Join(t.TempDir(), "state.json"),
		Sinks: []Sink{NewStdoutSink(out)}, Region: rp.fake.Region()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	end := time.Date(2026, 6, 13, 0, 30, 0, 0, time.UTC)
	for clock.Now().Before(end) {
		rp.until(clock.Now())
		if err := e.Step(ctx); err != nil {
			t.Fatal(err)
		}
		e.DeliverDue(ctx)
		clock.Advance(DefaultInterval)
	}
	rs := reports(t, out.String())
	for _, r := range rs {
		t.Logf("%s #%d %s %s", r.GeneratedAt, r.Sequence, r.Event, r.Title)
	}
	checkDemoReports(t, rs, true)
	st := e.Stats()
	t.Logf("API calls over the day: %v (%d polls)", rp.fake.Counts(), st.Polls)
	for _, c := range rp.fake.Calls() {
		if c.Op == "FilterLogEvents" && len(c.Streams) == 0 {
			t.Fatalf("FilterLogEvents without stream names: %+v", c)
		}
	}
}

// TestWatchAWSRestart kills the watch at the moments that matter (see
// TestWatchLocalRestart) while the demo day is appended to the fake AWS:
// the new process picks up from the state file and the reports are those
// of an uninterrupted run, none lost, none repeated.
func TestWatchAWSRestart(t *testing.T) {
	t.Parallel()
	rp := newAWSReplay(t)
	clock := NewFakeClock(time.Date(2026, 6, 12, 2, 0, 0, 0, time.UTC))
	rp.until(clock.Now())
	out := &syncBuffer{}
	statePath := filepath.Join(t.TempDir(), "state.json")
	start := func() *Engine {
		e, err := New(Config{Feed: awsFeed(t, rp.fake, clock), Clock: clock, Logger: quietLogger(), StatePath: statePath, Sinks: []Sink{NewStdoutSink(out)}})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	kills := map[time.Time]bool{
		time.Date(2026, 6, 12, 3, 10, 30, 0, time.UTC):  true, // incident seen, settling
		time.Date(2026, 6, 12, 3, 11, 0, 0, time.UTC):   true, // report queued
		time.Date(2026, 6, 12, 3, 12, 0, 0, time.UTC):   true, // reported, down
		time.Date(2026, 6, 12, 9, 50, 30, 0, time.UTC):  true, // escalation queued
		time.Date(2026, 6, 12, 18, 2, 30, 0, time.UTC):  true, // two at once
		time.Date(2026, 6, 12, 18, 9, 30, 0, time.UTC):  true, // one recovery queued
		time.Date(2026, 6, 12, 20, 40, 0, 0, time.UTC):  true, // long outage
		time.Date(2026, 6, 12, 21, 40, 30, 0, time.UTC): true, // recovery queued
	}
	e := start()
	ctx := context.Background()
	end := time.Date(2026, 6, 13, 0, 30, 0, 0, time.UTC)
	for clock.Now().Before(end) {
		rp.until(clock.Now())
		if err := e.Step(ctx); err != nil {
			t.Fatal(err)
		}
		if kills[clock.Now()] {
			e = nil
			// The process stays dead for two polls: records keep coming.
			clock.Advance(2 * DefaultInterval)
			rp.until(clock.Now())
			e = start()
			continue
		}
		e.DeliverDue(ctx)
		clock.Advance(DefaultInterval)
	}
	e.DeliverDue(ctx)
	rs := reports(t, out.String())
	checkDemoReports(t, rs, true)
	seen := map[string]bool{}
	for _, r := range rs {
		k := r.IncidentID + "#" + itoa(int64(r.Sequence))
		if seen[k] {
			t.Errorf("report %s delivered twice", k)
		}
		seen[k] = true
	}
}

// TestWatchAWSOutage: CloudWatch Logs fails (HTTP 500 on every attempt)
// for several polls while a tunnel goes down. The polls fail and are
// retried at the next interval; once AWS answers again the records of the
// outage window are read from the cursors, and the incident is reported
// once, then its recovery.
func TestWatchAWSOutage(t *testing.T) {
	t.Parallel()
	rp := newAWSReplay(t)
	clock := NewFakeClock(time.Date(2026, 6, 12, 2, 50, 0, 0, time.UTC))
	rp.until(clock.Now())
	out := &syncBuffer{}
	e, err := New(Config{Feed: awsFeed(t, rp.fake, clock), Clock: clock, Logger: quietLogger(), Sinks: []Sink{NewStdoutSink(out)}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	failed := 0
	var fault *fakeaws.Fault
	for clock.Now().Before(time.Date(2026, 6, 12, 3, 30, 0, 0, time.UTC)) {
		if clock.Now().Equal(time.Date(2026, 6, 12, 3, 9, 0, 0, time.UTC)) {
			fault = rp.fake.AddFault(fakeaws.Fault{Op: "FilterLogEvents", Code: "ServiceUnavailableException", Status: 500, Times: 40})
		}
		rp.until(clock.Now())
		if err := e.Step(ctx); err != nil {
			failed++
		}
		e.DeliverDue(ctx)
		clock.Advance(DefaultInterval)
	}
	if failed < 3 || rp.fake.Fired(fault) != 40 {
		t.Fatalf("%d failed polls, fault fired %d times: the outage did not span several polls", failed, rp.fake.Fired(fault))
	}
	var events []string
	for _, r := range reports(t, out.String()) {
		if r.Tunnel == "203.0.113.10" {
			events = append(events, r.Event+" "+r.RootCause.Category)
		}
	}
	if len(events) != 2 || events[0] != "opened ike.dpd_timeout" || events[1] != "recovered ike.dpd_timeout" {
		t.Fatalf("reports: %q", events)
	}
	t.Logf("%d polls failed during the outage", failed)
}
