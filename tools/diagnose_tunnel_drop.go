package tools

import (
	"context"
	"slices"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/view"
)

// DiagnoseTunnelDrop declares diagnose_tunnel_drop.
func DiagnoseTunnelDrop(svc *investigate.Service) Def[view.Diagnosis] {
	return Def[view.Diagnosis]{
		Tool: mcp.NewTool("diagnose_tunnel_drop",
			append(readOnly("Diagnose a VPN tunnel drop"),
				mcp.WithDescription("Answer \"why did tunnel X of vpn-… drop at T?\": finds the incident on that tunnel at (or shortly before) that time, reads all four streams of the connection (IKE and BGP of both tunnels) and returns the root cause — the first failure on the deepest layer involved, with its exact log records as evidence — plus what keeps the tunnel down, lower-ranked alternatives, impact (downtime, withdrawn routes, failover to the other tunnel; where the tunnels' CloudWatch metrics can be read, where the traffic went: bytes on each tunnel before and during the outage), recommended actions (with commands for the customer gateway platform when you name it), and next steps. For a tunnel that logs nothing it answers from the tunnel's CloudWatch metrics instead (from_metrics: when it went down and came back, at the metric's resolution, and where the traffic went). Call this first for any drop/flap question; use get_vpn_timeline to show the whole story."),
				mcp.WithString("vpn_connection_id", mcp.Description(descVPN)),
				mcp.WithString("region", mcp.Description(descRegion), mcp.Pattern(regionPattern)),
				mcp.WithString("tunnel", mcp.Description(descTunnel+" When omitted, the incident nearest the time on either tunnel is diagnosed.")),
				mcp.WithString("at", mcp.Required(), mcp.Description(`When the drop happened (or when it was noticed): RFC 3339, "YYYY-MM-DD HH:MM[:SS]", or "HH:MM[:SS]" meaning that time on the most recent day that has logs.`)),
				mcp.WithString("timezone", mcp.Description(descTimezone)),
				mcp.WithString("gateway", mcp.Enum(append(slices.Clone(view.GatewayVendors), view.AllGateways)...), mcp.Description("The customer gateway's platform, when known: the actions then include its commands (\"all\": every platform's). Omit when you do not know it.")),
				mcp.WithInteger("window_minutes", mcp.Min(1), mcp.Max(1440), mcp.Description("How far before `at` to look for the incident's start (default 60). Widen it when the tunnel had been down for a while before it was noticed.")),
				mcp.WithOutputSchema[view.Diagnosis](),
			)...),
		Handle: func(ctx context.Context, r *Request) (view.Diagnosis, error) {
			conn := r.connection(ctx, svc)
			tun := r.tunnel(conn)
			loc := r.zone()
			lookback := time.Duration(r.integer("window_minutes", defaultWindowMinutes)) * time.Minute
			at := r.str("at")
			if at == "" && !r.refused["at"] {
				r.problem("argument \"at\" is required: when did the tunnel drop? e.g. \"20:25\" or \"2026-06-12T20:25:00Z\"")
			}
			var when time.Time
			if at != "" {
				if conn != nil {
					t, err := svc.ResolveTime(ctx, conn, at, loc)
					r.fail(err)
					when = t
				} else if msg := investigate.TimeFormProblem(at, loc); msg != "" {
					r.problem("at: %s", msg)
				}
			}
			if !r.ok() {
				return view.Diagnosis{}, r.err()
			}
			res, err := svc.Diagnose(ctx, investigate.DiagnoseQuestion{Conn: conn, Tunnel: tun, At: when, Loc: loc, Lookback: lookback})
			if err != nil {
				return view.Diagnosis{}, err
			}
			return view.DiagnosisOf(res, r.str("gateway")), nil
		},
	}
}

// defaultWindowMinutes is how far before `at` a diagnosis looks for the
// incident's start when window_minutes is not given.
const defaultWindowMinutes = int(investigate.DefaultLookback / time.Minute)
