package investigate

import (
	"context"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/vpnlens/vpnlens/source"
)

// ConnectionLookup is an inventory that can find one connection by id even
// when it was not listed (AWS: a direct DescribeVpnConnections).
type ConnectionLookup interface {
	Connection(ctx context.Context, id string) (*source.Connection, error)
}

// Connection finds a VPN connection by id or name; "" means the only one.
func (svc *Service) Connection(ctx context.Context, id string) (*source.Connection, error) {
	conns, err := svc.Inventory.Connections(ctx)
	if err != nil {
		return nil, err
	}
	if id == "" {
		if len(conns) == 1 {
			return &conns[0], nil
		}
		if len(conns) == 0 {
			return nil, userErrorf("no VPN connections are known to this source: check the region (--region) or the logs directory")
		}
		return nil, userErrorf("there are %d VPN connections; pass vpn_connection_id, one of: %s", len(conns), ConnectionList(conns))
	}
	for i := range conns {
		if conns[i].ID == id || strings.EqualFold(conns[i].Name, id) {
			return &conns[i], nil
		}
	}
	// An inventory that can look one id up directly (AWS) tells a VPN in
	// another region apart from a typo.
	if lk, ok := svc.Inventory.(ConnectionLookup); ok && strings.HasPrefix(id, "vpn-") {
		c, err := lk.Connection(ctx, id)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
	return nil, userErrorf("unknown VPN connection %q; known connections: %s (call list_vpn_connections)", id, ConnectionList(conns))
}

// ConnectionIn finds a VPN connection by id or name in one region; ""
// region means wherever it is (Connection). An inventory over regions
// (AWS) reads a region it was not configured with when one is named;
// other sources only filter by the region their connections name.
func (svc *Service) ConnectionIn(ctx context.Context, id, region string) (*source.Connection, error) {
	if region == "" {
		return svc.Connection(ctx, id)
	}
	conns, gaps, err := svc.ConnectionsIn(ctx, region)
	if err != nil {
		return nil, err
	}
	missing := ""
	for _, g := range gaps {
		missing += "; " + g.Where() + " could not be read (" + g.Cause + ")"
	}
	if id == "" {
		switch len(conns) {
		case 1:
			return &conns[0], nil
		case 0:
			return nil, userErrorf("no VPN connections in region %s%s", region, missing)
		}
		return nil, userErrorf("there are %d VPN connections in region %s; pass vpn_connection_id, one of: %s", len(conns), region, ConnectionList(conns))
	}
	for i := range conns {
		if conns[i].ID == id || strings.EqualFold(conns[i].Name, id) {
			return &conns[i], nil
		}
	}
	if len(conns) == 0 {
		return nil, userErrorf("VPN connection %q is not in region %s: no connections are there%s; omit region to look everywhere vpnlens reads", id, region, missing)
	}
	return nil, userErrorf("VPN connection %q is not in region %s%s; connections there: %s; omit region to look everywhere vpnlens reads", id, region, missing, ConnectionList(conns))
}

// ConnectionsIn lists the connections of one region ("" = every region),
// with the parts of the source that could not be read (AWS accounts or
// regions that failed).
func (svc *Service) ConnectionsIn(ctx context.Context, region string) ([]source.Connection, []source.Gap, error) {
	if region != "" {
		if ri, ok := svc.Inventory.(source.RegionalInventory); ok {
			return ri.RegionConnections(ctx, region)
		}
	}
	var conns []source.Connection
	var gaps []source.Gap
	var err error
	if pi, ok := svc.Inventory.(source.PartialInventory); ok {
		conns, gaps, err = pi.ConnectionsPartial(ctx)
	} else {
		conns, err = svc.Inventory.Connections(ctx)
	}
	if err != nil || region == "" {
		return conns, gaps, err
	}
	kept := conns[:0:0]
	for _, c := range conns {
		// A connection that names no region (exported logs without it)
		// may be in any.
		if c.Region == "" || c.Region == region {
			kept = append(kept, c)
		}
	}
	return kept, gaps, nil
}

// ConnectionList names connections for a message, sorted:
// "vpn-0abc (hq), vpn-0def".
func ConnectionList(conns []source.Connection) string {
	ids := make([]string, 0, len(conns))
	for _, c := range conns {
		s := c.ID
		if c.Name != "" {
			s += " (" + c.Name + ")"
		}
		ids = append(ids, s)
	}
	sort.Strings(ids)
	return strings.Join(ids, ", ")
}

// Tunnel resolves "1", "2" or an outside IP to a tunnel of conn; "" → nil.
func Tunnel(conn *source.Connection, arg string) (*source.Tunnel, error) {
	arg = strings.TrimSpace(strings.TrimPrefix(strings.ToLower(arg), "tunnel"))
	if arg == "" {
		return nil, nil
	}
	for i := range conn.Tunnels {
		t := &conn.Tunnels[i]
		if strconv.Itoa(t.Number) == arg || t.OutsideIP == arg {
			return t, nil
		}
	}
	var opts []string
	for _, t := range conn.Tunnels {
		opts = append(opts, fmt.Sprintf("%q or %q", strconv.Itoa(t.Number), t.OutsideIP))
	}
	return nil, userErrorf("connection %s has no tunnel %q; use %s", conn.ID, arg, strings.Join(opts, ", "))
}

func tunnelNumber(conn *source.Connection, ip string) int {
	for _, t := range conn.Tunnels {
		if t.OutsideIP == ip {
			return t.Number
		}
	}
	return 0
}

// TunnelFormOK reports whether arg has the form of a tunnel argument ("1",
// "2", "tunnel 1" or an IP address), for when there is no connection to
// check it against.
func TunnelFormOK(arg string) bool {
	arg = strings.TrimSpace(strings.TrimPrefix(strings.ToLower(arg), "tunnel"))
	if arg == "1" || arg == "2" {
		return true
	}
	_, err := netip.ParseAddr(arg)
	return err == nil
}

// Place is where a connection lives: the AWS account and region it was
// read from (both empty for exported logs), so that an answer about an
// estate of several says where it came from.
type Place struct {
	AccountID string `json:"account_id,omitempty" jsonschema:"AWS account that owns the connection"`
	Region    string `json:"region,omitempty" jsonschema:"AWS region of the connection"`
}

// suffix is " (account A, region R)" for a text line; "" when not known.
func (p Place) suffix() string {
	var parts []string
	if p.AccountID != "" {
		parts = append(parts, "account "+p.AccountID)
	}
	if p.Region != "" {
		parts = append(parts, "region "+p.Region)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// PlaceOf is a connection's place.
func PlaceOf(c *source.Connection) Place {
	if c == nil {
		return Place{}
	}
	return Place{AccountID: c.AccountID, Region: c.Region}
}
