package aws_test

import (
	"context"
	"testing"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
)

// A connection attached to Cloud WAN names its core network and attachment
// (DescribeVpnConnections's CoreNetworkArn, CoreNetworkAttachmentArn),
// through the real SDK client; one on a transit gateway names it.
func TestInventoryNamesAttachments(t *testing.T) {
	f := fakeaws.New(fakeaws.Options{})
	defer f.Close()
	tunnels := &fakeaws.VpnOptions{TunnelOptions: []fakeaws.TunnelOption{{OutsideIpAddress: "198.51.100.1"}, {OutsideIpAddress: "198.51.100.2"}}}
	f.AddConnection(fakeaws.VpnConnection{VpnConnectionId: "vpn-0123456789abcdef0", State: "available", Options: tunnels,
		CoreNetworkArn:           "arn:aws:networkmanager::111122223333:core-network/core-network-0a1b2c3d4e5f60718",
		CoreNetworkAttachmentArn: "arn:aws:networkmanager::111122223333:attachment/attachment-0f9e8d7c6b5a40312"})
	f.AddConnection(fakeaws.VpnConnection{VpnConnectionId: "vpn-0123456789abcdef1", State: "available", Options: tunnels, TransitGatewayId: "tgw-0a1b2c3d4e5f60718"})
	got, err := newSource(t, f, nil).Connections(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"vpn-0123456789abcdef0": "Cloud WAN core-network-0a1b2c3d4e5f60718 (attachment attachment-0f9e8d7c6b5a40312)",
		"vpn-0123456789abcdef1": "tgw-0a1b2c3d4e5f60718",
	}
	for i := range got {
		c := &got[i]
		if g := c.Gateway(); g != want[c.ID] {
			t.Errorf("%s: gateway %q, want %q", c.ID, g, want[c.ID])
		}
	}
}
