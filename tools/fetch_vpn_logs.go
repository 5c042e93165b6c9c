package tools

import (
	"context"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/view"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// FetchVPNLogs declares fetch_vpn_logs.
func FetchVPNLogs(svc *investigate.Service) Def[view.Logs] {
	lim := svc.Limits.OrDefault()
	max := lim.MaxRecords
	cats := make([]string, 0, len(catalog.AllCategories))
	for _, c := range catalog.AllCategories {
		cats = append(cats, string(c))
	}
	return Def[view.Logs]{
		Tool: mcp.NewTool("fetch_vpn_logs",
			append(readOnly("Fetch VPN log records"),
				mcp.WithDescription(fmt.Sprintf("The log records of one VPN connection exactly as logged, each with its time, tunnel number and category, filtered by tunnel, stream, window, categories or anomalies only. Pages of at most %d records (fewer when records are long): page.next_cursor continues. Prefer diagnose_tunnel_drop or get_vpn_timeline for questions; use this for the exact records.", max)),
				mcp.WithString("vpn_connection_id", mcp.Description(descVPN)),
				mcp.WithString("region", mcp.Description(descRegion), mcp.Pattern(regionPattern)),
				mcp.WithString("tunnel", mcp.Description(descTunnel)),
				mcp.WithString("stream", mcp.Enum("ike", "bgp", "both"), mcp.Description("Which log: ike (tunnel activity), bgp, or both (default).")),
				mcp.WithString("start", mcp.Description(descStart)),
				mcp.WithString("end", mcp.Description(descEnd)),
				mcp.WithString("timezone", mcp.Description(descTimezone)),
				mcp.WithArray("categories", mcp.WithStringItems(mcp.Enum(cats...)), mcp.Description("Only these category ids, e.g. [\"ike.psk_mismatch\",\"bgp.hold_timer_expired\"]. A trailing prefix like \"bgp.cease.\" is not accepted; list ids.")),
				mcp.WithBoolean("anomalies_only", mcp.Description("Only records that mark trouble (default false).")),
				mcp.WithInteger("limit", mcp.Min(1), mcp.Max(float64(max)), mcp.Description(fmt.Sprintf("Records per page (default %d, at most %d).", lim.DefaultRecords, max))),
				mcp.WithString("cursor", mcp.Description("page.next_cursor from the previous page. Keep every other argument as it was (only limit may change): a cursor is refused with other arguments.")),
				mcp.WithOutputSchema[view.Logs](),
			)...),
		Handle: func(ctx context.Context, r *Request) (view.Logs, error) {
			conn := r.connection(ctx, svc)
			tun := r.tunnel(conn)
			loc := r.zone()
			q := investigate.LogsQuestion{Conn: conn, Tunnel: tun, Spec: r.windowSpec(loc), AnomaliesOnly: r.boolean("anomalies_only", false),
				Limit: r.integer("limit", 0), Cursor: r.str("cursor")}
			switch strings.ToLower(r.str("stream")) {
			case "", "both":
			case "ike", "tunnel":
				q.Kinds = []vpnlog.StreamKind{vpnlog.StreamIKE}
			case "bgp":
				q.Kinds = []vpnlog.StreamKind{vpnlog.StreamBGP}
			}
			for _, c := range r.strings("categories") {
				q.Categories = append(q.Categories, catalog.Category(c))
			}
			q.Window = r.window(ctx, svc, conn, loc)
			if !r.ok() {
				return view.Logs{}, r.err()
			}
			res, err := svc.FetchLogs(ctx, q)
			if err != nil {
				return view.Logs{}, err
			}
			return view.LogsOf(res, r.given("limit")), nil
		},
	}
}
