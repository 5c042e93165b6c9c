package tools

import (
	"context"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/view"
)

// ListVPNConnections declares list_vpn_connections.
func ListVPNConnections(svc *investigate.Service) Def[view.Connections] {
	return Def[view.Connections]{
		Tool: mcp.NewTool("list_vpn_connections",
			append(readOnly("List Site-to-Site VPN connections"),
				mcp.WithDescription("List the AWS Site-to-Site VPN connections, grouped by AWS account and region, with their state, gateway, routing type and, per tunnel: number (1/2), outside IP, inside CIDR, EC2 telemetry (UP/DOWN, status message, accepted routes, last change) and IKE/BGP log settings. Call this first when you do not know the vpn_connection_id or tunnel numbers. Tunnels whose logging is disabled are flagged: nothing can be diagnosed there."),
				mcp.WithString("vpn_connection_id", mcp.Description("Optional: only this connection.")),
				mcp.WithString("region", mcp.Description("Optional AWS region, e.g. \"eu-west-1\": only the connections there (a region vpnlens was not started with is read too). Omit for every account and region vpnlens reads."), mcp.Pattern(regionPattern)),
				mcp.WithOutputSchema[view.Connections](),
			)...),
		Handle: func(ctx context.Context, r *Request) (view.Connections, error) {
			var conn *source.Connection
			if r.str("vpn_connection_id") != "" {
				conn = r.connection(ctx, svc)
			}
			if !r.ok() {
				return view.Connections{}, r.err()
			}
			res, err := svc.ListConnectionsIn(ctx, conn, r.str("region"))
			if err != nil {
				return view.Connections{}, err
			}
			return view.ConnectionsOf(res), nil
		},
	}
}
