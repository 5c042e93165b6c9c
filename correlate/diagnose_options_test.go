package correlate

import (
	"fmt"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// A DPD timeout logged 80 s after BGP's hold timer explains the drop only
// when the tunnel's DPD timeout is long enough for that lag.
func TestDiagnoseUsesTunnelDPDTimeout(t *testing.T) {
	const ip = "203.0.113.10"
	hint := vpnlog.StreamID{VPNConnectionID: "vpn-0123456789abcdef0", TunnelIP: ip}
	base := time.Date(2026, 6, 12, 16, 0, 0, 0, time.UTC)
	ike := func(at time.Duration, p1, p2, details string) vpnlog.Event {
		h := hint
		h.Kind = vpnlog.StreamIKE
		raw := fmt.Sprintf(`{"event_timestamp":%d,"ike_phase1_state":%q,"ike_phase2_state":%q,"details":%q}`, base.Add(at).Unix(), p1, p2, details)
		ev, err := vpnlog.ParseRecord([]byte(raw), h)
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	bgp := func(at time.Duration, status, details string) vpnlog.Event {
		h := hint
		h.Kind = vpnlog.StreamBGP
		raw := fmt.Sprintf(`{"resource_id":"%s_%s","event_timestamp":%d,"type":"BGPStatus","status":%q,"message":{"details":%q}}`, hint.VPNConnectionID, ip, base.Add(at).UnixMilli(), status, details)
		ev, err := vpnlog.ParseRecord([]byte(raw), h)
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	evs := []vpnlog.Event{
		ike(0, "established", "established", ""),
		bgp(10*time.Second, "UP", "AWS-side peer BGP session state has changed from OpenConfirm to Established with neighbor 169.254.10.2"),
		bgp(100*time.Second, "DOWN", "AWS-side peer sent a Hold Timer Expired notification to neighbor 169.254.10.2"),
		bgp(100*time.Second+2*time.Millisecond, "DOWN", "AWS-side peer BGP session state has changed from Established to Idle with neighbor 169.254.10.2"),
		ike(180*time.Second, "down", "down", "AWS tunnel DPD timed out after 3 retransmits"),
	}
	SortEvents(evs)
	incs := FindIncidents(evs)
	if len(incs) == 0 {
		t.Fatal("no incident")
	}
	for _, tc := range []struct {
		dpd  time.Duration
		want catalog.Category
	}{
		{30 * time.Second, catalog.BGPHoldTimerExpired}, // an 80 s lag cannot come from a 30 s DPD: two separate failures
		{120 * time.Second, catalog.IKEDPDTimeout},      // the dead peer was detected late; it explains the hold timer
	} {
		d := DiagnoseWith(&incs[0], evs, incs, DiagnoseOptions{DPDTimeout: map[string]time.Duration{ip: tc.dpd}})
		if d.RootCause.Category != tc.want {
			t.Errorf("DPD timeout %s: root cause %s, want %s", tc.dpd, d.RootCause.Category, tc.want)
		}
	}
}
