package watch

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
	"github.com/vpnlens/vpnlens/investigate"
)

// tunnelChange is a ModifyVpnTunnelOptions on a tunnel of hq-datacenter,
// as CloudTrail records it (the pre-shared key in the request).
func tunnelChange(id string, at time.Time, tunnelIP string) fakeaws.TrailEvent {
	const hq = "vpn-0a1b2c3d4e5f60718"
	ev := fakeaws.TrailEvent{EventID: id, EventName: "ModifyVpnTunnelOptions", EventTime: at, Username: "alice", ReadOnly: "false",
		CloudTrailEvent: `{"eventName":"ModifyVpnTunnelOptions","sourceIPAddress":"198.51.100.7","requestParameters":{"vpnConnectionId":"` + hq +
			`","vpnTunnelOutsideIpAddress":"` + tunnelIP + `","tunnelOptions":{"PreSharedKey":"s3cr3t","DPDTimeoutSeconds":40}}}`}
	ev.Resources = append(ev.Resources, struct {
		ResourceType string `json:"ResourceType,omitempty"`
		ResourceName string `json:"ResourceName"`
	}{"AWS::EC2::VPNConnection", hq})
	return ev
}

// watchWithCauses runs the watch on the demo day replayed into the fake
// AWS from start to end, with the AWS-side causes read from the source;
// at deliverAt (if set) CloudTrail delivers ev. It returns the reports of
// tunnel ip.
func watchWithCauses(t *testing.T, start, end time.Time, setup func(*fakeaws.Server), deliverAt time.Time, ev fakeaws.TrailEvent, ip string) ([]Report, *fakeaws.Server) {
	t.Helper()
	rp := newAWSReplay(t)
	if setup != nil {
		setup(rp.fake)
	}
	clock := NewFakeClock(start)
	rp.until(clock.Now())
	feed, src := awsFeedSource(t, rp.fake, clock)
	out := &syncBuffer{}
	e, err := New(Config{Feed: feed, Clock: clock, Logger: quietLogger(), Sinks: []Sink{NewStdoutSink(out)},
		AWSCauses: investigate.AWSCauses{Changes: src, Maintenance: src}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for clock.Now().Before(end) {
		if !deliverAt.IsZero() && !clock.Now().Before(deliverAt) {
			rp.fake.AddTrailEvents(ev)
			deliverAt = time.Time{}
		}
		rp.until(clock.Now())
		if err := e.Step(ctx); err != nil {
			t.Fatal(err)
		}
		clock.Advance(DefaultInterval)
	}
	e.DeliverDue(ctx)
	var rs []Report
	for _, r := range reports(t, out.String()) {
		if r.Tunnel == ip {
			rs = append(rs, r)
			t.Logf("%s #%d %s %s", r.GeneratedAt, r.Sequence, r.Event, r.Title)
		}
	}
	return rs, rp.fake
}

// A change made two minutes before hq's tunnel 1 went down (03:10:07) that
// CloudTrail delivers 12 minutes late: the drop is reported with the log's
// cause (ike.dpd_timeout), it recovers at 03:14, and once CloudTrail's
// delay has passed the watch looks again and reports the change as the
// root cause (root_cause_changed, the previous cause named, the key never
// shown). Two CloudTrail lookups in all, one per read, of the connection
// only.
func TestWatchChangeShowsUpAfterCloudTrailDelay(t *testing.T) {
	t.Parallel()
	down := time.Date(2026, 6, 12, 3, 10, 7, 0, time.UTC)
	rs, fake := watchWithCauses(t, down.Add(-10*time.Minute), down.Add(30*time.Minute), nil, down.Add(12*time.Minute),
		tunnelChange("e-1", down.Add(-2*time.Minute), "203.0.113.10"), "203.0.113.10")
	var events []string
	for _, r := range rs {
		events = append(events, r.Event+" "+r.RootCause.Category)
	}
	want := []string{"opened ike.dpd_timeout", "recovered ike.dpd_timeout", "root_cause_changed aws.tunnel_options_changed"}
	if strings.Join(events, ", ") != strings.Join(want, ", ") {
		t.Fatalf("reports %q, want %q", events, want)
	}
	last := rs[2]
	if last.PreviousRootCause == nil || last.PreviousRootCause.Category != "ike.dpd_timeout" || last.Sequence != 3 ||
		!strings.Contains(last.Title, "was ike.dpd_timeout") || !strings.HasPrefix(last.RootCause.Evidence[0].Stream, "CloudTrail e-1") {
		t.Errorf("the update: %+v", last)
	}
	at, _ := time.Parse(time.RFC3339, last.GeneratedAt)
	if at.Before(down.Add(15*time.Minute)) || at.After(down.Add(15*time.Minute+DefaultInterval)) {
		t.Errorf("re-checked at %s, want the first poll after %s", last.GeneratedAt, down.Add(15*time.Minute))
	}
	if strings.Contains(strings.Join(last.Actions, " ")+last.RootCause.Evidence[0].Raw, "s3cr3t") {
		t.Error("the pre-shared key leaked")
	}
	c := fake.Counts()
	if c["LookupEvents"] != 2 || c["GetVpnTunnelReplacementStatus"] > 2 {
		t.Errorf("calls %v: want 2 LookupEvents (the first report and the re-check, of the connection only)", c)
	}
}

// A change CloudTrail has delivered by the time the drop is reported is
// its root cause from the first report, and nothing is read again; AWS's
// maintenance applied at the drop is, too.
func TestWatchAWSCauseInFirstReport(t *testing.T) {
	t.Parallel()
	down := time.Date(2026, 6, 12, 3, 10, 7, 0, time.UTC)
	rs, fake := watchWithCauses(t, down.Add(-10*time.Minute), down.Add(30*time.Minute), func(f *fakeaws.Server) {
		f.AddTrailEvents(tunnelChange("e-1", down.Add(-2*time.Minute), "203.0.113.10"))
	}, time.Time{}, fakeaws.TrailEvent{}, "203.0.113.10")
	if len(rs) != 2 || rs[0].Event != EventOpened || rs[0].RootCause.Category != "aws.tunnel_options_changed" || rs[1].RootCause.Category != "aws.tunnel_options_changed" {
		t.Fatalf("reports: %+v", rs)
	}
	if n := fake.Counts()["LookupEvents"]; n != 1 {
		t.Errorf("%d LookupEvents, want 1", n)
	}
	rs, _ = watchWithCauses(t, down.Add(-10*time.Minute), down.Add(10*time.Minute), func(f *fakeaws.Server) {
		f.SetMaintenance("vpn-0a1b2c3d4e5f60718", "203.0.113.10", fakeaws.TunnelMaintenance{LastApplied: down.Add(-30 * time.Second)})
	}, time.Time{}, fakeaws.TrailEvent{}, "203.0.113.10")
	if len(rs) == 0 || rs[0].RootCause.Category != "aws.tunnel_replaced" {
		t.Fatalf("maintenance reports: %+v", rs)
	}
}

// hq's tunnel 2 is down from 20:25:12 for 75 minutes; a change made two
// minutes before shows up in CloudTrail at 20:35: the incident, still
// open, is re-ranked at the first poll past 20:40:12 and reported as
// root_cause_changed while it is down.
func TestWatchChangeShowsUpWhileDown(t *testing.T) {
	t.Parallel()
	down := time.Date(2026, 6, 12, 20, 25, 12, 0, time.UTC)
	rs, fake := watchWithCauses(t, down.Add(-10*time.Minute), down.Add(20*time.Minute), nil, down.Add(10*time.Minute),
		tunnelChange("e-2", down.Add(-2*time.Minute), "203.0.113.20"), "203.0.113.20")
	if len(rs) != 2 || rs[0].Event != EventOpened || rs[0].RootCause.Category != "ike.cgw_delete_ike_sa" ||
		rs[1].Event != EventRootCauseChanged || rs[1].RootCause.Category != "aws.tunnel_options_changed" || !rs[1].When.Ongoing {
		t.Fatalf("reports: %+v", rs)
	}
	if n := fake.Counts()["LookupEvents"]; n != 2 {
		t.Errorf("%d LookupEvents, want 2", n)
	}
}
