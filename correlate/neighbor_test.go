package correlate

import (
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/vpnlog"
)

func TestWrongNeighbor(t *testing.T) {
	cidrs := map[string]string{"203.0.113.76": "169.254.10.168/30", "203.0.113.77": "169.254.11.168/30"}
	rejected := func(from string) *vpnlog.Event {
		return &vpnlog.Event{Category: catalog.BGPCeaseConnRejected, Direction: vpnlog.DirSent, Fields: vpnlog.Fields{NeighborIP: from}}
	}
	got := wrongNeighbor(rejected("169.254.11.170"), "203.0.113.76", cidrs)
	for _, want := range []string{"from 169.254.11.170", "inside address is 169.254.10.170", "169.254.10.168/30", "outside IP 203.0.113.77", "crossed", "to AWS's 169.254.10.169"} {
		if !strings.Contains(got, want) {
			t.Errorf("explanation lacks %q:\n%s", want, got)
		}
	}
	for name, e := range map[string]*vpnlog.Event{
		"the right address":    rejected("169.254.10.170"),
		"no neighbour address": rejected(""),
	} {
		if got := wrongNeighbor(e, "203.0.113.76", cidrs); got != "" {
			t.Errorf("%s: %q, want nothing", name, got)
		}
	}
	if got := wrongNeighbor(rejected("169.254.99.1"), "203.0.113.99", cidrs); got != "" {
		t.Errorf("a tunnel without a known inside CIDR: %q, want nothing", got)
	}
	if got := wrongNeighbor(rejected("169.254.99.1"), "203.0.113.76", cidrs); !strings.Contains(got, "wrong address") || strings.Contains(got, "crossed") {
		t.Errorf("an address of no tunnel: %q", got)
	}
}
