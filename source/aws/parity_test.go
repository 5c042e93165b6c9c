package aws_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
	"github.com/vpnlens/vpnlens/source"
	awssource "github.com/vpnlens/vpnlens/source/aws"
	"github.com/vpnlens/vpnlens/vpnlog"
)

func TestInventoryMatchesLocal(t *testing.T) {
	f := newFake(t, fakeaws.Options{})
	src := newSource(t, f, nil)
	got, err := src.Connections(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want, _ := local(t).Connections(context.Background())
	for i := range got {
		if got[i].Region != "eu-central-1" {
			t.Errorf("%s: region %q", got[i].ID, got[i].Region)
		}
		got[i].Region = ""
	}
	gj, _ := json.MarshalIndent(got, "", " ")
	wj, _ := json.MarshalIndent(want, "", " ")
	if string(gj) != string(wj) {
		t.Errorf("inventory differs from the local source:\nAWS:   %s\nlocal: %s", gj, wj)
	}
	// hq's telemetry is listed in the opposite order of its tunnels.
	if got[0].ID != hq || got[0].Tunnels[0].OutsideIP != "203.0.113.10" || got[0].Tunnels[0].Telemetry == nil ||
		got[0].Tunnels[1].Telemetry.AcceptedRouteCount != 12 {
		t.Errorf("telemetry pairing: %+v", got[0].Tunnels)
	}
}

func TestInventoryNeverKeepsPSK(t *testing.T) {
	f := fakeaws.New(fakeaws.Options{})
	defer f.Close()
	f.AddConnection(fakeaws.VpnConnection{VpnConnectionId: "vpn-0123456789abcdef0", State: "available", Options: &fakeaws.VpnOptions{
		TunnelOptions: []fakeaws.TunnelOption{{OutsideIpAddress: "198.51.100.1", PreSharedKey: "s3cr3t-psk-value"}, {OutsideIpAddress: "198.51.100.2"}}},
		VgwTelemetry: []fakeaws.VgwTelemetry{{OutsideIpAddress: "198.51.100.2", Status: "DOWN"}, {OutsideIpAddress: "198.51.100.1", Status: "UP"}}})
	src := newSource(t, f, nil)
	got, err := src.Connections(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	if strings.Contains(string(b), "s3cr3t") || strings.Contains(fmt.Sprintf("%#v", got), "s3cr3t") {
		t.Fatalf("the pre-shared key was kept: %s", b)
	}
	tun := got[0].Tunnels
	if !tun[0].Options.PreSharedKeyIsSet || tun[1].Options.PreSharedKeyIsSet {
		t.Errorf("pre_shared_key_set = %v, %v", tun[0].Options.PreSharedKeyIsSet, tun[1].Options.PreSharedKeyIsSet)
	}
	if tun[0].Telemetry.Status != "UP" || tun[1].Telemetry.Status != "DOWN" {
		t.Errorf("telemetry paired by position, not by outside IP: %+v %+v", tun[0].Telemetry, tun[1].Telemetry)
	}
}

// eventKey is what must agree between sources for one record.
func eventKeys(evs []vpnlog.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = fmt.Sprintf("%d %s %s %s %s %v %s", e.TimeMs, e.VPNConnectionID, e.TunnelIP, e.Stream, e.Category, e.Anomaly, e.Raw)
	}
	return out
}

func diffKeys(t *testing.T, name string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d events, local source has %d", name, len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Errorf("%s: event %d differs:\nAWS:   %s\nlocal: %s", name, i, got[i], want[i])
			return
		}
	}
}

type window struct {
	name  string
	q     source.LogQuery
	empty bool
}

func parityWindows() []window {
	h := func(hh, mm int) time.Time {
		return day.Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
	}
	return []window{
		{name: "hq whole day", q: source.LogQuery{VPNConnectionID: hq, Start: day, End: day.Add(24 * time.Hour)}},
		{name: "branch whole day", q: source.LogQuery{VPNConnectionID: branch, Start: day, End: day.Add(24 * time.Hour)}},
		{name: "hq dpd incident", q: source.LogQuery{VPNConnectionID: hq, Start: h(3, 0), End: h(4, 0)}},
		{name: "hq tunnel 2 BGP", q: source.LogQuery{VPNConnectionID: hq, TunnelIPs: []string{"203.0.113.20"}, Kinds: []vpnlog.StreamKind{vpnlog.StreamBGP}, Start: h(9, 30), End: h(10, 30)}},
		{name: "branch text BGP", q: source.LogQuery{VPNConnectionID: branch, TunnelIPs: []string{"203.0.113.40"}, Start: h(10, 0), End: h(12, 0)}},
		{name: "branch anomalies", q: source.LogQuery{VPNConnectionID: branch, Start: day, End: day.Add(24 * time.Hour), AnomaliesOnly: true}},
		{name: "hq anomalies IKE", q: source.LogQuery{VPNConnectionID: hq, Kinds: []vpnlog.StreamKind{vpnlog.StreamIKE}, Start: h(0, 0), End: h(23, 0), AnomaliesOnly: true}},
		{name: "odd edges", q: source.LogQuery{VPNConnectionID: hq, Start: time.UnixMilli(1781234837412).UTC(), End: time.UnixMilli(1781236000001).UTC()}},
		{name: "before the logs", q: source.LogQuery{VPNConnectionID: hq, Start: day.Add(-48 * time.Hour), End: day.Add(-24 * time.Hour)}, empty: true},
	}
}

// The same answers as the local source, window by window, on the
// FilterLogEvents path, on the Insights path, and from the cache.
func TestLogsMatchLocal(t *testing.T) {
	loc := local(t)
	paths := []struct {
		name string
		opt  fakeaws.Options
		mod  func(*awssource.Config)
		want string
	}{
		{"filter", fakeaws.Options{PageSize: 37 * demoScale}, nil, awssource.PathFilter},
		{"insights", fakeaws.Options{MaxQueryRows: 40 * demoScale}, func(c *awssource.Config) { c.InsightsWindow = time.Minute; c.MaxQueryRows = 40 * demoScale }, awssource.PathInsights},
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			f := newFake(t, p.opt)
			src := newSource(t, f, p.mod)
			for _, w := range parityWindows() {
				want, err := loc.Logs(context.Background(), w.q)
				if err != nil {
					t.Fatal(err)
				}
				if (len(want.Events) == 0) != w.empty {
					t.Fatalf("%s: test window holds %d local events", w.name, len(want.Events))
				}
				for round := range 2 {
					got, err := src.Logs(context.Background(), w.q)
					if err != nil {
						t.Fatalf("%s: %v", w.name, err)
					}
					diffKeys(t, fmt.Sprintf("%s/%s round %d", p.name, w.name, round), eventKeys(got.Events), eventKeys(want.Events))
					if round == 1 && got.Path != awssource.PathCache {
						t.Errorf("%s: second read took path %q, want the cache", w.name, got.Path)
					}
				}
			}
			if len(f.Counts()) == 0 {
				t.Fatal("no API calls at all")
			}
			if f.Counts()["StartQuery"] > 0 != (p.want == awssource.PathInsights) {
				t.Errorf("calls %v for path %s", f.Counts(), p.want)
			}
		})
	}
}

func TestExtentsMatchLocal(t *testing.T) {
	f := newFake(t, fakeaws.Options{PageSize: 1})
	src := newSource(t, f, nil)
	loc := local(t)
	for _, vpn := range []string{hq, branch, dr} {
		got, err := src.Extents(context.Background(), vpn)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := loc.Extents(context.Background(), vpn)
		if len(got) != len(want) {
			t.Fatalf("%s: %d extents, want %d", vpn, len(got), len(want))
		}
		for i := range got {
			if got[i].Stream != want[i].Stream || !got[i].First.Equal(want[i].First) || !got[i].Last.Equal(want[i].Last) {
				t.Errorf("%s: extent %+v, want %+v", vpn, got[i], want[i])
			}
		}
	}
	// One DescribeLogStreams per group and page (page size 1: one per stream).
	if n := f.Counts()["DescribeLogStreams"]; n != 8 {
		t.Errorf("DescribeLogStreams calls = %d, want 8 (4 groups of 2 streams, page size 1)", n)
	}
}

// A stream whose name does not say IKE or BGP is told by its first record
// (one GetLogEvents, remembered), and its records are read as that kind.
func TestStreamKindByContent(t *testing.T) {
	f := fakeaws.New(fakeaws.Options{})
	defer f.Close()
	inv, _ := os.ReadFile(demoDir + "/vpn-connections.json")
	if err := f.LoadInventoryJSON(inv); err != nil {
		t.Fatal(err)
	}
	want, _ := local(t).Logs(context.Background(), source.LogQuery{VPNConnectionID: hq, TunnelIPs: []string{"203.0.113.10"}, Start: day, End: day.Add(24 * time.Hour)})
	byKind := map[vpnlog.StreamKind][]vpnlog.Event{}
	for _, ev := range want.Events {
		byKind[ev.Stream] = append(byKind[ev.Stream], ev)
	}
	for kind, group := range map[vpnlog.StreamKind]string{vpnlog.StreamIKE: "/aws/vendedlogs/vpn/hq", vpnlog.StreamBGP: "/aws/vendedlogs/vpn/hq-bgp"} {
		var times []int64
		var msgs []string
		for _, ev := range byKind[kind] {
			times = append(times, ev.TimeMs)
			msgs = append(msgs, ev.Raw)
		}
		f.AddStream(group, "vpn-0a1b2c3d4e5f60718_203.0.113.10", times, msgs) // no -IKE/-BGP suffix
	}
	src := newSource(t, f, nil)
	for range 2 {
		got, err := src.Logs(context.Background(), source.LogQuery{VPNConnectionID: hq, TunnelIPs: []string{"203.0.113.10"}, Start: day, End: day.Add(24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		diffKeys(t, "kind by content", eventKeys(got.Events), eventKeys(want.Events))
	}
	if n := f.Counts()["GetLogEvents"]; n != 2 {
		t.Errorf("GetLogEvents calls %d, want one per stream, once", n)
	}
}
