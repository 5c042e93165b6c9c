package tools

import (
	"context"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/vpnlens/vpnlens/investigate"
)

// GetTunnelOptions declares get_tunnel_options.
func GetTunnelOptions(svc *investigate.Service) Def[investigate.TunnelOptionsResult] {
	return Def[investigate.TunnelOptionsResult]{
		Tool: mcp.NewTool("get_tunnel_options",
			append(readOnly("Get VPN tunnel options"),
				mcp.WithDescription("Full tunnel options of one VPN connection: IKE versions, phase 1/2 encryption, integrity and DH groups, lifetimes, DPD timeout and action, startup action, rekey margin and fuzz, replay window, and how each tunnel's IKE and BGP logs are delivered (its log options, or a CloudWatch Logs delivery to a log group, S3 or Firehose), with notes on risky settings. It also says what AWS reports each tunnel negotiated now (IKE version, phase 1 and 2 algorithms and DH groups, provisioning status; GetActiveVpnTunnelStatus). Use it after a diagnosis points at proposal mismatches, DPD timeouts or rekey trouble."),
				mcp.WithString("vpn_connection_id", mcp.Description(descVPN)),
				mcp.WithString("region", mcp.Description(descRegion), mcp.Pattern(regionPattern)),
				mcp.WithString("tunnel", mcp.Description(descTunnel)),
				mcp.WithOutputSchema[investigate.TunnelOptionsResult](),
			)...),
		Handle: func(ctx context.Context, r *Request) (investigate.TunnelOptionsResult, error) {
			conn := r.connection(ctx, svc)
			tun := r.tunnel(conn)
			if !r.ok() {
				return investigate.TunnelOptionsResult{}, r.err()
			}
			res := investigate.TunnelOptions(conn, tun)
			svc.AddMaintenance(ctx, &res)
			svc.AddActiveStatus(ctx, &res)
			return res, nil
		},
	}
}
