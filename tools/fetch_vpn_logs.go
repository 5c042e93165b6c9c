package tools

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/source"
)

// FetchLogsResult is the answer of fetch_vpn_logs.
type FetchLogsResult struct {
	VPNConnectionID string      `json:"vpn_connection_id"`
	Start           TimeView    `json:"start"`
	End             TimeView    `json:"end"`
	Path            string      `json:"path" jsonschema:"how the records were obtained"`
	TotalMatching   int         `json:"total_matching"`
	Returned        int         `json:"returned"`
	Truncated       bool        `json:"truncated" jsonschema:"true when more records match than this page holds"`
	NextCursor      string      `json:"next_cursor,omitempty" jsonschema:"pass as cursor to get the next page"`
	Limit           int         `json:"limit"`
	Events          []EventView `json:"events"`
	Malformed       int64       `json:"malformed_records" jsonschema:"records in the source that could not be read"`
	Hints           []string    `json:"hints,omitempty"`
}

// Text renders the page compactly, log text quoted as data.
func (r FetchLogsResult) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d matching records of %s (%s → %s) via %s\n", r.Returned, r.TotalMatching, r.VPNConnectionID, r.Start.UTC, r.End.UTC, r.Path)
	for _, e := range r.Events {
		fmt.Fprintf(&b, "%s t%d %s %s %s\n", e.At, e.TunnelNumber, e.Stream, e.Category, quoteLog(e.Raw))
	}
	if r.Truncated {
		fmt.Fprintf(&b, "(more: call again with cursor %q)\n", r.NextCursor)
	}
	for _, h := range r.Hints {
		fmt.Fprintf(&b, "hint: %s\n", h)
	}
	return b.String()
}

// FetchVPNLogs declares fetch_vpn_logs.
func FetchVPNLogs(deps *Deps) Def[FetchLogsResult] {
	max := deps.limits().MaxRecords
	cats := make([]string, 0, len(correlate.AllCategories))
	for _, c := range correlate.AllCategories {
		cats = append(cats, string(c))
	}
	return Def[FetchLogsResult]{
		Tool: mcp.NewTool("fetch_vpn_logs",
			append(readOnly("Fetch VPN log records"),
				mcp.WithDescription(fmt.Sprintf("Raw log records of one VPN connection as classified events (time, tunnel, stream, category, extracted fields, the record verbatim), filtered by tunnel, stream, window, categories or anomalies only. Pages of at most %d records: when truncated, call again with next_cursor. Prefer diagnose_tunnel_drop or get_vpn_timeline for questions; use this for the exact records.", max)),
				mcp.WithString("vpn_connection_id", mcp.Description(descVPN)),
				mcp.WithString("tunnel", mcp.Description(descTunnel)),
				mcp.WithString("stream", mcp.Enum("ike", "bgp", "both"), mcp.Description("Which log: ike (tunnel activity), bgp, or both (default).")),
				mcp.WithString("start", mcp.Description(descStart)),
				mcp.WithString("end", mcp.Description(descEnd)),
				mcp.WithString("timezone", mcp.Description(descTimezone)),
				mcp.WithArray("categories", mcp.WithStringItems(mcp.Enum(cats...)), mcp.Description("Only these category ids, e.g. [\"ike.psk_mismatch\",\"bgp.hold_timer_expired\"]. A trailing prefix like \"bgp.cease.\" is not accepted; list ids.")),
				mcp.WithBoolean("anomalies_only", mcp.Description("Only records that mark trouble (default false).")),
				mcp.WithInteger("limit", mcp.Min(1), mcp.Max(float64(max)), mcp.Description(fmt.Sprintf("Records per page (default %d, at most %d).", deps.limits().DefaultRecords, max))),
				mcp.WithString("cursor", mcp.Description("next_cursor from a previous call with the same filters.")),
				mcp.WithOutputSchema[FetchLogsResult](),
			)...),
		Handle: func(ctx context.Context, raw map[string]any) (FetchLogsResult, error) {
			return deps.fetch(ctx, args(raw))
		},
	}
}

func (d *Deps) fetch(ctx context.Context, a args) (FetchLogsResult, error) {
	var res FetchLogsResult
	conn, w, tun, err := d.scope(ctx, a, 24*time.Hour)
	if err != nil {
		return res, err
	}
	q := source.LogQuery{VPNConnectionID: conn.ID, Start: w.Start, End: w.End}
	if tun != nil {
		q.TunnelIPs = []string{tun.OutsideIP}
	}
	stream, err := a.str("stream")
	if err != nil {
		return res, err
	}
	switch strings.ToLower(stream) {
	case "", "both":
	case "ike", "tunnel":
		q.Kinds = []correlate.StreamKind{correlate.StreamIKE}
	case "bgp":
		q.Kinds = []correlate.StreamKind{correlate.StreamBGP}
	default:
		return res, userErrorf("argument \"stream\" must be \"ike\", \"bgp\" or \"both\", got %q", stream)
	}
	if q.AnomaliesOnly, err = a.boolean("anomalies_only", false); err != nil {
		return res, err
	}
	catList, err := a.strings("categories")
	if err != nil {
		return res, err
	}
	want := map[correlate.Category]bool{}
	for _, c := range catList {
		if _, ok := correlate.LookupCategory(correlate.Category(c)); !ok {
			return res, userErrorf("unknown category %q: use ids from the vpn://catalog resource, e.g. ike.dpd_timeout, bgp.cease.max_prefixes", c)
		}
		want[correlate.Category(c)] = true
	}
	lim := d.limits()
	limit, err := a.integer("limit", lim.DefaultRecords, 1, lim.MaxRecords)
	if err != nil {
		return res, err
	}
	cur, err := a.str("cursor")
	if err != nil {
		return res, err
	}
	offset := 0
	if cur != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(cur, "o"))
		if err != nil || n < 0 || !strings.HasPrefix(cur, "o") {
			return res, userErrorf("cursor %q is not one this tool returned; omit it to start from the first page", cur)
		}
		offset = n
	}
	lr, err := d.Logs.Logs(ctx, q)
	if err != nil {
		return res, err
	}
	res = FetchLogsResult{VPNConnectionID: conn.ID, Start: timeView(w.Start, w.Loc), End: timeView(w.End, w.Loc), Path: lr.Path,
		Limit: limit, Events: []EventView{}, Malformed: lr.Report.MalformedCount, Hints: lr.Notes}
	matching := lr.Events
	if len(want) > 0 {
		matching = matching[:0:0]
		for i := range lr.Events {
			if want[lr.Events[i].Category] {
				matching = append(matching, lr.Events[i])
			}
		}
	}
	res.TotalMatching = len(matching)
	for i := offset; i < len(matching) && len(res.Events) < limit; i++ {
		res.Events = append(res.Events, eventView(&matching[i], conn, w.Loc))
	}
	res.Returned = len(res.Events)
	if next := offset + res.Returned; next < len(matching) {
		res.Truncated, res.NextCursor = true, "o"+strconv.Itoa(next)
	}
	if res.TotalMatching == 0 {
		res.Hints = append(res.Hints, "no matching records; "+d.dataRangeHint(ctx, conn))
		if tun != nil && (!tun.Logging.IKEEnabled || !tun.Logging.BGPEnabled) {
			res.Hints = append(res.Hints, fmt.Sprintf("logging is partly disabled on tunnel %d: %s", tun.Number, enableLoggingHint(conn.ID, tun.OutsideIP)))
		}
	}
	return res, nil
}
