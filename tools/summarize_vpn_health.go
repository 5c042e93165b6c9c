package tools

import (
	"context"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/view"
)

// SummarizeVPNHealth declares summarize_vpn_health.
func SummarizeVPNHealth(svc *investigate.Service) Def[view.Health] {
	return Def[view.Health]{
		Tool: mcp.NewTool("summarize_vpn_health",
			append(readOnly("Summarize VPN tunnel health"),
				mcp.WithDescription("Per tunnel over a window: uptime %, flaps, longest outage, mean time to recover, incidents by root cause, prefix count against the limit and its trend, route churn and rekey noise, plus the incident list. Omit vpn_connection_id to summarize every connection. Use it for \"how healthy was the VPN this week?\" and to spot patterns before diagnosing single drops."),
				mcp.WithString("vpn_connection_id", mcp.Description("VPN connection id; omit for all connections.")),
				mcp.WithString("region", mcp.Description("Optional AWS region: with vpn_connection_id, where it is (omit: found by id); without, only that region's connections. Omit for every account and region vpnlens reads."), mcp.Pattern(regionPattern)),
				mcp.WithString("start", mcp.Description(descStart)),
				mcp.WithString("end", mcp.Description(descEnd)),
				mcp.WithString("timezone", mcp.Description(descTimezone)),
				mcp.WithOutputSchema[view.Health](),
			)...),
		Handle: func(ctx context.Context, r *Request) (view.Health, error) {
			var conn *source.Connection
			if r.str("vpn_connection_id") != "" {
				conn = r.connection(ctx, svc)
			}
			loc := r.zone()
			if !r.ok() {
				return view.Health{}, r.err()
			}
			res, err := svc.Health(ctx, investigate.HealthQuestion{Conn: conn, Region: r.str("region"), Window: r.windowSpec(loc)})
			if err != nil {
				return view.Health{}, err
			}
			return view.HealthOf(res), nil
		},
	}
}
