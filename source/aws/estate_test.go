package aws_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
	"github.com/vpnlens/vpnlens/source"
	awssource "github.com/vpnlens/vpnlens/source/aws"
)

// Every connection of three accounts and three regions is listed with its
// account and region, and its logs are read by id alone from the member
// that owns it, with that member's credentials and region.
func TestEstateListsAndRoutesByID(t *testing.T) {
	fx := newEstateFixture(t)
	e := newEstate(t, fx, nil)
	ctx := context.Background()
	conns, gaps, err := e.ConnectionsPartial(ctx)
	if err != nil || len(gaps) > 0 {
		t.Fatalf("ConnectionsPartial: %v %v", err, gaps)
	}
	if len(conns) != 20 {
		t.Fatalf("%d connections, want 20", len(conns))
	}
	for i, c := range conns {
		if got := c.AccountID + " " + c.Region; got != fx.where[c.ID] {
			t.Errorf("%s listed in %q, it is in %q", c.ID, got, fx.where[c.ID])
		}
		if i > 0 {
			p := conns[i-1]
			if p.AccountID+p.Region+p.ID >= c.AccountID+c.Region+c.ID {
				t.Errorf("not sorted by account, region, id: %s before %s", p.ID, c.ID)
			}
		}
	}
	fx.fake.ResetCalls()
	for _, id := range []string{fx.ids[0], fx.ids[9], fx.ids[19]} {
		res, err := e.Logs(ctx, dayQuery(id))
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if len(res.Events) == 0 {
			t.Fatalf("%s: no records", id)
		}
		for _, ev := range res.Events {
			if ev.VPNConnectionID != id {
				t.Fatalf("%s: a record of %s", id, ev.VPNConnectionID)
			}
		}
	}
	// Each read went to the owner's account and region.
	for _, c := range fx.fake.Calls() {
		if c.Op != "FilterLogEvents" && c.Op != "DescribeLogStreams" {
			continue
		}
		owners := map[string]bool{fx.where[fx.ids[0]]: true, fx.where[fx.ids[9]]: true, fx.where[fx.ids[19]]: true}
		if !owners[c.Account+" "+c.SigningRegion] {
			t.Errorf("%s went to %s %s", c.Op, c.Account, c.SigningRegion)
		}
	}
	counts := fx.fake.Counts()
	if counts["AssumeRole"] != 0 || counts["DescribeVpnConnections"] != 0 {
		t.Errorf("reads by id listed or assumed again: %v", counts)
	}
}

// One account that denies the role and one region that does not answer
// leave the rest of the estate answering, with both named.
func TestEstatePartialAnswers(t *testing.T) {
	fx := newEstateFixture(t)
	slow := fx.accounts[spokeAccount].Region("us-east-1").AddFault(fakeaws.Fault{Op: "DescribeVpnConnections", Kind: fakeaws.FaultSlow, Delay: 20 * time.Second})
	e := newEstate(t, fx, func(c *awssource.EstateConfig) {
		c.Accounts[2].ExternalID = "wrong" // the lab's role refuses
		c.DiscoveryTimeout = 300 * time.Millisecond
	})
	ctx := context.Background()
	conns, gaps, err := e.ConnectionsPartial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fx.accounts[spokeAccount].Region("us-east-1").Fired(slow) == 0 {
		t.Error("the slow region was never asked")
	}
	want := 0
	for _, id := range fx.ids {
		w := fx.where[id]
		if !strings.HasPrefix(w, labAccount) && w != spokeAccount+" us-east-1" {
			want++
		}
	}
	if len(conns) != want {
		t.Errorf("%d connections, want %d", len(conns), want)
	}
	got := map[string]string{}
	for _, g := range gaps {
		got[g.Where()] = g.Cause + ": " + g.Message
	}
	if len(gaps) != 2 {
		t.Errorf("gaps %v", got)
	}
	if msg := got["account "+labAccount]; !strings.HasPrefix(msg, "AccessDenied: ") || !strings.Contains(msg, fx.labARN) || !strings.Contains(msg, "--external-id") {
		t.Errorf("denied account: %q (gaps %v)", msg, got)
	}
	if msg := got["account "+spokeAccount+", region us-east-1"]; !strings.HasPrefix(msg, "Timeout: ") || !strings.Contains(msg, "us-east-1") {
		t.Errorf("slow region: %q (gaps %v)", msg, got)
	}
	// A connection elsewhere answers; one in a missing part is not found,
	// and the answer says where it may be.
	var inHub, inLab string
	for _, id := range fx.ids {
		switch w := fx.where[id]; {
		case strings.HasPrefix(w, hubAccount) && inHub == "":
			inHub = id
		case strings.HasPrefix(w, labAccount) && inLab == "":
			inLab = id
		}
	}
	if res, err := e.Logs(ctx, dayQuery(inHub)); err != nil || len(res.Events) == 0 {
		t.Errorf("%s in the hub: %v", inHub, err)
	}
	_, err = e.Logs(ctx, dayQuery(inLab))
	if !errors.Is(err, source.ErrNotFound) || !strings.Contains(err.Error(), "account "+labAccount+" (AccessDenied)") {
		t.Errorf("%s in the denied account: %v", inLab, err)
	}
	// Failures are not asked again at every question.
	before := fx.fake.Counts()
	if _, _, err := e.ConnectionsPartial(ctx); err != nil {
		t.Fatal(err)
	}
	after := fx.fake.Counts()
	if after["AssumeRole"] != before["AssumeRole"] || after["DescribeVpnConnections"] != before["DescribeVpnConnections"] {
		t.Errorf("listing again asked again: %v then %v", before, after)
	}
	// Anomaly counts of the whole estate: every member that answers.
	counts, err := e.AnomalyCounts(ctx, nil, day, day.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	vpns := map[string]bool{}
	for _, r := range counts.Rows {
		vpns[r.VPNConnectionID] = true
	}
	if len(vpns) != want {
		t.Errorf("anomalies counted for %d connections, want %d", len(vpns), want)
	}
	if !strings.Contains(strings.Join(counts.Notes, "\n"), "INCOMPLETE: account "+labAccount) {
		t.Errorf("counts notes %q", counts.Notes)
	}
}

// --region all reads every enabled region of each account (DescribeRegions,
// opt-in regions included when enabled) and skips the ones not enabled; a
// region named that the account has not enabled is a named gap.
func TestEstateAllRegionsAndOptIn(t *testing.T) {
	fx := newEstateFixture(t)
	e := newEstate(t, fx, func(c *awssource.EstateConfig) { c.Regions, c.AllRegions = nil, true })
	ctx := context.Background()
	conns, gaps, err := e.ConnectionsPartial(ctx)
	if err != nil || len(gaps) > 0 || len(conns) != 20 {
		t.Fatalf("all regions: %d connections, %v, %v", len(conns), gaps, err)
	}
	regionsAsked := map[string]bool{}
	for _, c := range fx.fake.Calls() {
		if c.Op == "DescribeVpnConnections" {
			regionsAsked[c.Account+" "+c.SigningRegion] = true
		}
	}
	if !regionsAsked[spokeAccount+" ap-southeast-3"] || regionsAsked[labAccount+" me-south-1"] || len(regionsAsked) != 10 {
		t.Errorf("regions listed: %v", regionsAsked)
	}
	if n := fx.fake.Counts()["DescribeRegions"]; n != 3 {
		t.Errorf("DescribeRegions called %d times, want once per account", n)
	}

	e = newEstate(t, fx, func(c *awssource.EstateConfig) { c.Regions = []string{"eu-central-1", "me-south-1"} })
	conns, gaps, err = e.ConnectionsPartial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(gaps) != 3 {
		t.Fatalf("gaps %v", gaps)
	}
	for _, g := range gaps {
		if g.Region != "me-south-1" || g.Cause != "RegionNotEnabled" || !strings.Contains(g.Message, "opt-in region") {
			t.Errorf("gap %+v", g)
		}
	}
	if len(conns) != 8 {
		t.Errorf("%d connections in eu-central-1", len(conns))
	}
}

// A region that is not configured is read when a question names it.
func TestEstateRegionOnDemand(t *testing.T) {
	fx := newEstateFixture(t)
	e := newEstate(t, fx, func(c *awssource.EstateConfig) { c.Regions = []string{"eu-central-1"} })
	ctx := context.Background()
	conns, _, err := e.ConnectionsPartial(ctx)
	if err != nil || len(conns) != 8 {
		t.Fatalf("%d connections, %v", len(conns), err)
	}
	var other string
	for _, id := range fx.ids {
		if fx.where[id] == spokeAccount+" us-east-1" {
			other = id
		}
	}
	if _, err := e.Logs(ctx, dayQuery(other)); !errors.Is(err, source.ErrNotFound) || !strings.Contains(err.Error(), "pass region") {
		t.Errorf("a connection of an unread region: %v", err)
	}
	inRegion, gaps, err := e.RegionConnections(ctx, "us-east-1")
	if err != nil || len(gaps) > 0 || len(inRegion) != 6 {
		t.Fatalf("us-east-1: %d connections, %v, %v", len(inRegion), gaps, err)
	}
	if res, err := e.Logs(ctx, dayQuery(other)); err != nil || len(res.Events) == 0 {
		t.Errorf("after naming its region: %v", err)
	}
	// The estate's own listing stays what was configured.
	if conns, _, _ := e.ConnectionsPartial(ctx); len(conns) != 8 {
		t.Errorf("the on-demand region joined the listing: %d", len(conns))
	}
	if _, _, err := e.RegionConnections(ctx, "mars-1"); err == nil {
		t.Error("a region name that is not one was taken")
	}
}

// One account in one region is a single Source: its errors are the
// answer, word for word.
func TestEstateOfOneIsASource(t *testing.T) {
	fx := newEstateFixture(t)
	fx.accounts[hubAccount].Region("eu-west-1").Deny("DescribeVpnConnections")
	e := newEstate(t, fx, func(c *awssource.EstateConfig) { c.Accounts, c.Regions = c.Accounts[:1], []string{"eu-west-1"} })
	_, err := e.Connections(context.Background())
	var se *source.Error
	if !errors.As(err, &se) || se.Cause != "AccessDenied" || !strings.Contains(se.Msg, "ec2:DescribeVpnConnections") {
		t.Errorf("denied: %v", err)
	}
}

// The live feed polls each account and region through its own member,
// side by side: the anomalies of every connection come back, each
// member's cursors move, and a member whose poll fails is named in the
// notes while the others' records stand.
func TestEstateFeedPollsEachMember(t *testing.T) {
	fx := newEstateFixture(t)
	fx.accounts[labAccount].Region("eu-west-1").Deny("FilterLogEvents")
	e := newEstate(t, fx, nil)
	ctx := context.Background()
	feed, err := e.Feed(ctx, e, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if d := feed.Describe(); !strings.Contains(d, "role "+fx.spokeARN) || !strings.Contains(d, "regions eu-central-1,eu-west-1,us-east-1") {
		t.Errorf("Describe() = %q", d)
	}
	conns, err := feed.Connections(ctx)
	if err != nil || len(conns) != 20 {
		t.Fatalf("%d connections, %v", len(conns), err)
	}
	wants := make([]source.Want, len(conns))
	for i := range conns {
		wants[i] = source.Want{Conn: &conns[i], SinceMs: day.UnixMilli()}
	}
	cursors := map[string]*source.StreamCursor{}
	b, err := feed.Poll(ctx, day.Add(24*time.Hour), wants, cursors)
	if err != nil {
		t.Fatal(err)
	}
	withEvents := map[string]bool{}
	for _, ev := range b.Events {
		withEvents[ev.VPNConnectionID] = true
	}
	for _, c := range conns {
		denied := fx.where[c.ID] == labAccount+" eu-west-1"
		if withEvents[c.ID] == denied {
			t.Errorf("%s (%s): anomalies returned %v", c.ID, fx.where[c.ID], withEvents[c.ID])
		}
		if _, ok := b.Frontier[c.ID]; ok == denied {
			t.Errorf("%s (%s): frontier moved %v", c.ID, fx.where[c.ID], ok)
		}
	}
	if notes := strings.Join(b.Notes, "\n"); !strings.Contains(notes, "INCOMPLETE: account "+labAccount+", region eu-west-1 could not be read (AccessDenied)") {
		t.Errorf("notes %q", notes)
	}
	if len(cursors) == 0 {
		t.Error("no cursor moved")
	}
	// A fetch goes to the connection's own member.
	fetched, err := feed.Fetch(ctx, &conns[0], day, day.Add(24*time.Hour))
	if err != nil || len(fetched.Events) == 0 {
		t.Errorf("fetch %s: %v", conns[0].ID, err)
	}
}
