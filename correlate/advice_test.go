package correlate

import (
	"reflect"
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// Advise hands the catalogue what the record says: the same advice as
// catalog.Advise given those facts by hand.
func TestAdviseReadsTheRecord(t *testing.T) {
	tunnel := &catalog.TunnelPolicy{IKEVersions: []string{"ikev2"}, DPDTimeoutAction: "clear"}
	for _, e := range catalog.Entries() {
		for _, dir := range []vpnlog.Direction{vpnlog.DirNone, vpnlog.DirSent, vpnlog.DirReceived} {
			for _, phase := range []int{0, 1, 2} {
				ev := &vpnlog.Event{Category: e.Category, Direction: dir, VPNConnectionID: "vpn-0abc",
					Fields: vpnlog.Fields{IKEVersion: 1, Phase: phase},
					Route:  &vpnlog.RouteAttrs{Prefix: "10.77.0.0/16", NextHopIP: "10.77.0.1"}}
				got, ok := Advise(e.Category, AdviceContext{Record: ev, Tunnel: tunnel, OutsideIP: "203.0.113.9", InsideCIDR: "169.254.10.80/30"})
				want, wantOK := catalog.Advise(e.Category, catalog.AdviceContext{
					Record: &catalog.AdviceRecord{Sent: dir == vpnlog.DirSent, Received: dir == vpnlog.DirReceived,
						IKEVersion: 1, Phase: phase, VPNConnectionID: "vpn-0abc", NextHopIP: "10.77.0.1"},
					Tunnel: tunnel, OutsideIP: "203.0.113.9", InsideCIDR: "169.254.10.80/30"})
				if ok != wantOK || !reflect.DeepEqual(got, want) {
					t.Errorf("%s %s phase %d: Advise = %v, %v; catalog.Advise = %v, %v", e.Category, dir, phase, got, ok, want, wantOK)
				}
			}
		}
	}
	none, _ := Advise(catalog.RouteDeniedNextHop, AdviceContext{})
	if s := strings.Join(none.Checks, "\n"); strings.Contains(s, "10.77.0.1") || !strings.Contains(s, "next hop") {
		t.Errorf("next-hop advice without a record:\n%s", s)
	}
}
