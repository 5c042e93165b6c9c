package tools

import (
	"context"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/view"
)

// GetVPNTimeline declares get_vpn_timeline.
func GetVPNTimeline(svc *investigate.Service) Def[view.Timeline] {
	return Def[view.Timeline]{
		Tool: mcp.NewTool("get_vpn_timeline",
			append(readOnly("Get a VPN connection's merged timeline"),
				mcp.WithDescription("The four log streams of a VPN connection (IKE and BGP of both tunnels) merged into one ordered timeline for a window, each record classified, repeated routine records collapsed into one entry with a count, and incidents marked with their ids and root causes. Long timelines come in pages (page.next_cursor). Use it to show the story of an incident after diagnose_tunnel_drop, or to look around a time. Returns a resource link (vpn://timeline/...) to the same timeline."),
				mcp.WithString("vpn_connection_id", mcp.Description(descVPN)),
				mcp.WithString("region", mcp.Description(descRegion), mcp.Pattern(regionPattern)),
				mcp.WithString("start", mcp.Description(descStart)),
				mcp.WithString("end", mcp.Description(descEnd)),
				mcp.WithString("tunnel", mcp.Description(descTunnel)),
				mcp.WithString("timezone", mcp.Description(descTimezone)),
				mcp.WithBoolean("collapse", mcp.Description("Collapse repeated records into one entry with a count (default true). Set false to see every record.")),
				mcp.WithBoolean("anomalies_only", mcp.Description("true: only records that mark trouble. false: every record, routine ones included. Omitted: trouble, IKE and BGP state changes and every record during an incident are listed; routine records outside incidents (unchanged IKE state snapshots, rekey negotiation, route updates) are counted, not listed.")),
				mcp.WithString("cursor", mcp.Description("page.next_cursor of the previous answer, for the next page of entries. Keep every other argument as it was.")),
				mcp.WithOutputSchema[view.Timeline](),
			)...),
		Handle: func(ctx context.Context, r *Request) (view.Timeline, error) {
			conn := r.connection(ctx, svc)
			tun := r.tunnel(conn)
			loc := r.zone()
			w := r.window(ctx, svc, conn, loc)
			if !r.ok() {
				return view.Timeline{}, r.err()
			}
			collapse := r.boolean("collapse", true)
			// anomalies_only=false said outright, or collapse=false ("see
			// every record"), lists every record; left out, routine records
			// are counted.
			mode := investigate.ViewDefault
			switch {
			case r.boolean("anomalies_only", false):
				mode = investigate.ViewAnomalies
			case r.given("anomalies_only") || !collapse:
				mode = investigate.ViewAll
			}
			res, err := svc.Timeline(ctx, investigate.TimelineQuestion{Conn: conn, Window: w, Tunnel: tun, Collapse: collapse, View: mode,
				Spec: r.windowSpec(loc), Cursor: r.str("cursor")})
			if err != nil {
				return view.Timeline{}, err
			}
			return view.TimelineOf(res), nil
		},
	}
}
