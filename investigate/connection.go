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
