package correlate

import (
	"strconv"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/vpnlog"
)

const (
	buVPN = "vpn-0b1d2e3f4a5b60789"
	buT1  = "198.51.100.11"
	buT2  = "198.51.100.12"
)

// buAt is 10:00 plus s seconds.
func buAt(s int) time.Time {
	return time.Date(2026, 6, 12, 10, 0, 0, 0, time.UTC).Add(time.Duration(s) * time.Second)
}

// buEv parses one record of a tunnel's IKE or BGP stream.
func buEv(t *testing.T, tunnel string, kind vpnlog.StreamKind, raw string) vpnlog.Event {
	t.Helper()
	ev, err := vpnlog.ParseRecord([]byte(raw), vpnlog.StreamID{VPNConnectionID: buVPN, TunnelIP: tunnel, Kind: kind})
	if err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return ev
}

func buIKE(t *testing.T, tunnel string, s int, p1, p2, details string) vpnlog.Event {
	at := buAt(s)
	return buEv(t, tunnel, vpnlog.StreamIKE, `{"event_timestamp":`+strconv.FormatInt(at.Unix(), 10)+`,"timestamp":"`+at.Format("2006-01-02 15:04:05Z")+
		`","dpd_enabled":true,"nat_t_detected":false,"ike_phase1_state":"`+p1+`","ike_phase2_state":"`+p2+`","details":"`+details+`"}`)
}

func buBGPState(t *testing.T, tunnel string, s int, from, to string) vpnlog.Event {
	at := buAt(s)
	status := "DOWN"
	if to == "Established" {
		status = "UP"
	}
	return buEv(t, tunnel, vpnlog.StreamBGP, `{"resource_id":"`+buVPN+"_"+tunnel+`","event_timestamp":`+strconv.FormatInt(at.UnixMilli(), 10)+
		`,"timestamp":"`+at.Format("2006-01-02 15:04:05.000Z")+`","type":"BGPStatus","status":"`+status+
		`","message":{"details":"AWS-side peer BGP session state has changed from `+from+` to `+to+` with neighbor 169.254.20.1"}}`)
}

// negotiation: IKE_SA_INIT and IKE_AUTH from s, tunnel established at s+4.
func negotiation(t *testing.T, tunnel string, s int) []vpnlog.Event {
	return []vpnlog.Event{
		buIKE(t, tunnel, s, "negotiating", "down", "AWS tunnel is sending request (id=0) for IKE_SA_INIT"),
		buIKE(t, tunnel, s+1, "negotiating", "down", "AWS tunnel processed response (id=0) for IKE_SA_INIT"),
		buIKE(t, tunnel, s+1, "negotiating", "down", "AWS tunnel is sending request (id=1) for IKE_AUTH"),
		buIKE(t, tunnel, s+2, "negotiating", "down", ""),
		buIKE(t, tunnel, s+4, "established", "negotiating", "AWS tunnel processed response (id=1) for IKE_AUTH"),
		buIKE(t, tunnel, s+4, "established", "established", ""),
	}
}

// bgpUp: the session from Idle to Established from s.
func bgpUp(t *testing.T, tunnel string, s int) []vpnlog.Event {
	return []vpnlog.Event{
		buBGPState(t, tunnel, s, "Idle", "Connect"),
		buBGPState(t, tunnel, s+2, "Connect", "OpenSent"),
		buBGPState(t, tunnel, s+2, "OpenSent", "OpenConfirm"),
		buBGPState(t, tunnel, s+3, "OpenConfirm", "Established"),
	}
}

func buFind(evs ...[]vpnlog.Event) []Incident {
	var all []vpnlog.Event
	for _, e := range evs {
		all = append(all, e...)
	}
	SortEvents(all)
	return FindIncidents(all)
}

func one(evs ...vpnlog.Event) []vpnlog.Event { return evs }

// TestFirstBringUp: a tunnel's first records being it negotiating and
// coming up, with nothing before them, is not an incident; an error on the
// way, a drop before it is up, a bring-up slower than BringUpGrace or the
// same negotiation after the tunnel was up are incidents, from their
// first record.
func TestFirstBringUp(t *testing.T) {
	for _, c := range []struct {
		name string
		evs  [][]vpnlog.Event
		// want: the incidents' start (seconds after 10:00) and state;
		// none for no incident.
		want []Incident
	}{
		{name: "IKE then BGP up", evs: [][]vpnlog.Event{negotiation(t, buT2, 0), bgpUp(t, buT2, 6)}},
		{name: "IKE only, no BGP logs", evs: [][]vpnlog.Event{negotiation(t, buT2, 0)}},
		{name: "BGP up 100 s after IKE began", evs: [][]vpnlog.Event{negotiation(t, buT2, 0), bgpUp(t, buT2, 97)}},
		{name: "both tunnels, the other one up for an hour before", evs: [][]vpnlog.Event{
			one(buIKE(t, buT1, -3600, "established", "established", ""), buIKE(t, buT1, -1800, "established", "established", ""), buIKE(t, buT1, 600, "established", "established", "")),
			negotiation(t, buT2, 0), bgpUp(t, buT2, 6)}},
		{name: "data ends half-way", evs: [][]vpnlog.Event{negotiation(t, buT2, 0)[:3]},
			want: []Incident{{StartMs: 0, Down: true, Open: true, BringingUp: true}}},
		{name: "data ends half-way, the other tunnel's records 3 min on: it has not come up", evs: [][]vpnlog.Event{
			negotiation(t, buT2, 0)[:3], one(buIKE(t, buT1, -600, "established", "established", ""), buIKE(t, buT1, 180, "established", "established", ""))},
			want: []Incident{{StartMs: 0, Down: true, Open: true}}},
		{name: "up after 3 minutes", evs: [][]vpnlog.Event{negotiation(t, buT2, 0)[:3], negotiation(t, buT2, 176)},
			want: []Incident{{StartMs: 0, Down: true, Recovered: true}}},
		{name: "an error on the way", evs: [][]vpnlog.Event{
			one(buIKE(t, buT2, 0, "negotiating", "down", "AWS tunnel is sending request (id=0) for IKE_SA_INIT"),
				buIKE(t, buT2, 30, "down", "down", "AWS tunnel Timeout: deleting un-established Phase 1 IKE_SA with cgw: 198.51.100.200")),
			negotiation(t, buT2, 31)},
			want: []Incident{{StartMs: 0, Down: true, Recovered: true}}},
		// No BGP record before IKE is up: the tunnel is up as far as
		// the records tell; BGP failing to connect is trouble of its own.
		{name: "BGP Connect to Active after IKE is up", evs: [][]vpnlog.Event{negotiation(t, buT2, 0),
			one(buBGPState(t, buT2, 6, "Idle", "Connect"), buBGPState(t, buT2, 9, "Connect", "Active")), bgpUp(t, buT2, 20)},
			want: []Incident{{StartMs: 9000, Down: true, Recovered: true}}},
		{name: "BGP Connect to Active on the way", evs: [][]vpnlog.Event{
			one(buBGPState(t, buT2, -1, "Idle", "Connect")), negotiation(t, buT2, 0),
			one(buBGPState(t, buT2, 9, "Connect", "Active")), bgpUp(t, buT2, 20)},
			want: []Incident{{StartMs: 0, Down: true, Recovered: true}}},
		{name: "IKE down again before BGP is up", evs: [][]vpnlog.Event{
			one(buBGPState(t, buT2, -1, "Idle", "Connect")), negotiation(t, buT2, 0), negotiation(t, buT2, 10), bgpUp(t, buT2, 16)},
			want: []Incident{{StartMs: 0, Down: true, Recovered: true}}},
		{name: "BGP logged first, then IKE and BGP up", evs: [][]vpnlog.Event{
			one(buBGPState(t, buT2, -1, "Idle", "Connect")), negotiation(t, buT2, 0), bgpUp(t, buT2, 6)}},
		{name: "IKE down again once up (no BGP logs)", evs: [][]vpnlog.Event{negotiation(t, buT2, 0), negotiation(t, buT2, 10)},
			want: []Incident{{StartMs: 10_000, Down: true, Recovered: true, WasUp: true}}},
		{name: "the same after the tunnel was up", evs: [][]vpnlog.Event{
			one(buIKE(t, buT2, -600, "established", "established", "")), negotiation(t, buT2, 0)},
			want: []Incident{{StartMs: 0, Down: true, Recovered: true, WasUp: true}}},
		{name: "a drop after the first bring-up", evs: [][]vpnlog.Event{negotiation(t, buT2, 0), bgpUp(t, buT2, 6), negotiation(t, buT2, 600)},
			want: []Incident{{StartMs: 600_000, Down: true, Recovered: true, WasUp: true}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := buFind(c.evs...)
			if len(got) != len(c.want) {
				for _, in := range got {
					t.Logf("incident %s down=%v recovered=%v bringing_up=%v %v", in.ID, in.Down, in.Recovered, in.BringingUp, in.Categories)
				}
				t.Fatalf("%d incidents, want %d", len(got), len(c.want))
			}
			base := buAt(0).UnixMilli()
			for i, w := range c.want {
				g := got[i]
				if g.TunnelIP != buT2 || g.StartMs-base != w.StartMs || g.Down != w.Down || g.Recovered != w.Recovered || g.Open != w.Open ||
					g.BringingUp != w.BringingUp || g.WasUp != w.WasUp {
					t.Errorf("incident %s (start +%d ms) down=%v recovered=%v open=%v bringing_up=%v was_up=%v, want start +%d ms %+v",
						g.ID, g.StartMs-base, g.Down, g.Recovered, g.Open, g.BringingUp, g.WasUp, w.StartMs, w)
				}
			}
		})
	}
	// The bring-up's records are routine negotiation steps and state
	// reports; their phases make them anomalies.
	for _, ev := range negotiation(t, buT2, 0)[:4] {
		if !ev.Anomaly || (ev.Category != catalog.IKENegotiation && ev.Category != catalog.IKEStateReport) {
			t.Fatalf("%s: %s anomaly=%v", ev.Raw, ev.Category, ev.Anomaly)
		}
	}
}
