package investigate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// FetchLogsResult is the answer of fetch_vpn_logs.
type FetchLogsResult struct {
	VPNConnectionID string `json:"vpn_connection_id"`
	Place
	Start         TimeView    `json:"start"`
	End           TimeView    `json:"end"`
	Path          string      `json:"path" jsonschema:"how the records were obtained"`
	TotalMatching int         `json:"total_matching"`
	Returned      int         `json:"returned"`
	Truncated     bool        `json:"truncated" jsonschema:"true when more records match than this page holds"`
	NextCursor    string      `json:"next_cursor,omitempty" jsonschema:"pass as cursor to get the next page"`
	Limit         int         `json:"limit"`
	Events        []EventView `json:"events"`
	Malformed     int64       `json:"malformed_records" jsonschema:"records in the source that could not be read"`
	Hints         []string    `json:"hints,omitempty"`
	Timezone      string      `json:"timezone,omitempty" jsonschema:"IANA zone of the local times"`
	// Offset is the number of matching records before this page.
	Offset int `json:"offset,omitempty"`

	// page is where this page starts and what its cursors are bound to.
	page pagePosition
}

// pagePosition is a page's place in a paged answer: its first item, the
// window the first page resolved to and the question a cursor is bound to.
type pagePosition struct {
	query          string
	offset         int
	startMs, endMs int64
}

// cursorAfter is the cursor of the page that starts n items after this one.
func (p pagePosition) cursorAfter(n int) string {
	return pageCursor{offset: p.offset + n, startMs: p.startMs, endMs: p.endMs}.encode(p.query)
}

// CursorAfter is the cursor of the page starting after the first n records
// of this one: an answer cut shorter than its limit (to fit a context
// budget) continues there.
func (r FetchLogsResult) CursorAfter(n int) string { return r.page.cursorAfter(n) }

// LogsQuestion asks for one page of a connection's classified records.
type LogsQuestion struct {
	Conn   *source.Connection
	Tunnel *source.Tunnel // nil: both tunnels
	// Window is the resolved window; Spec is how the caller wrote it, which
	// a page cursor is bound to (the cursor carries the resolved window).
	Window        Window
	Spec          WindowSpec
	Kinds         []vpnlog.StreamKind // empty: IKE and BGP
	AnomaliesOnly bool
	Categories    []catalog.Category // empty: every category
	Limit         int                // records per page; 0: the default
	Cursor        string             // where the previous page ended
}

// FetchLogs returns one page of the records the question selects.
func (svc *Service) FetchLogs(ctx context.Context, lq LogsQuestion) (FetchLogsResult, error) {
	var res FetchLogsResult
	conn, w, tun := lq.Conn, lq.Window, lq.Tunnel
	q := source.LogQuery{VPNConnectionID: conn.ID, Start: w.Start, End: w.End, Kinds: lq.Kinds, AnomaliesOnly: lq.AnomaliesOnly}
	if tun != nil {
		q.TunnelIPs = []string{tun.OutsideIP}
	}
	want := map[catalog.Category]bool{}
	var catList []string
	for _, c := range lq.Categories {
		if _, ok := catalog.Lookup(c); !ok {
			return res, userErrorf("unknown category %q: use ids from the vpn://catalog resource, e.g. ike.dpd_timeout, bgp.cease.max_prefixes", c)
		}
		want[c] = true
		catList = append(catList, string(c))
	}
	lim := svc.limits()
	limit := lq.Limit
	if limit <= 0 {
		limit = lim.DefaultRecords
	}
	limit = min(limit, lim.MaxRecords)
	cur := strings.TrimSpace(lq.Cursor)
	query := cursorQuery(lq.Spec, q, catList)
	offset := 0
	if cur != "" {
		pc, err := decodeCursor(cur, query)
		if err != nil {
			return res, err
		}
		// Later pages read the window of the first, so that a default or
		// "latest-…" window does not move under the pages as logs arrive.
		offset, w.Start, w.End = pc.offset, time.UnixMilli(pc.startMs), time.UnixMilli(pc.endMs)
		q.Start, q.End = w.Start, w.End
	}
	lr, err := svc.Logs.Logs(ctx, q)
	if err != nil {
		return res, err
	}
	res = FetchLogsResult{VPNConnectionID: conn.ID, Place: PlaceOf(conn), Start: timeView(w.Start, w.Loc), End: timeView(w.End, w.Loc), Path: lr.Path,
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
	if offset > 0 && offset >= len(matching) {
		return FetchLogsResult{}, userErrorf("cursor %q points past the last of the %d matching records (the logs of that window changed since the previous page): call again without cursor to start from the first page", cur, len(matching))
	}
	for i := offset; i < len(matching) && len(res.Events) < limit; i++ {
		res.Events = append(res.Events, eventView(&matching[i], conn, w.Loc))
	}
	res.Returned = len(res.Events)
	res.page = pagePosition{query: query, offset: offset, startMs: w.Start.UnixMilli(), endMs: w.End.UnixMilli()}
	res.Offset = offset
	if w.Loc != nil && w.Loc != time.UTC {
		res.Timezone = w.Loc.String()
	}
	if offset+res.Returned < len(matching) {
		res.Truncated = true
		res.NextCursor = res.CursorAfter(res.Returned)
	}
	if n := livenessCount(matching); len(want) == 0 && !lq.AnomaliesOnly && 2*n > len(matching) {
		res.Hints = append(res.Hints, fmt.Sprintf("%d of the %d records are the routine liveness exchange (AWS checks the peer about every 10 s while a tunnel is up), so pages of them say little: "+
			"for what went wrong pass anomalies_only=true, categories, or a start/end of a few minutes around the time in question; get_vpn_timeline counts routine records instead of listing them", n, len(matching)))
	}
	if res.TotalMatching == 0 {
		res.Hints = append(res.Hints, "no matching records; "+svc.dataRangeHint(ctx, conn))
		if tun != nil && (!tun.Logging.IKEEnabled || !tun.Logging.BGPEnabled) {
			res.Hints = append(res.Hints, fmt.Sprintf("logging is partly disabled on tunnel %d: %s", tun.Number, enableLoggingHint(conn.ID, tun.OutsideIP)))
		}
	}
	return res, nil
}

// livenessCount counts the liveness exchange among evs.
func livenessCount(evs []vpnlog.Event) int {
	n := 0
	for i := range evs {
		if vpnlog.IsLiveness(&evs[i]) {
			n++
		}
	}
	return n
}

// pageCursor is where the next page starts, bound to the query that made
// it: a cursor reused with other arguments (another tunnel, stream or
// window) would silently page through a different result.
type pageCursor struct {
	offset         int
	startMs, endMs int64 // the first page's window
}

// cursorTagLen is how many bytes of the query hash a cursor carries.
const cursorTagLen = 8

// cursorQuery is what a cursor is bound to: every argument that selects
// records (as the caller wrote the window, since the cursor carries the
// window it resolved to), with the connection and tunnel resolved.
func cursorQuery(spec WindowSpec, q source.LogQuery, categories []string) string {
	zone := ""
	if spec.Loc != nil && spec.Loc != time.UTC {
		zone = spec.Loc.String()
	}
	parts := []string{strings.TrimSpace(spec.Start), strings.TrimSpace(spec.End), zone}
	kinds := make([]string, 0, len(q.Kinds))
	for _, k := range q.Kinds {
		kinds = append(kinds, k.String())
	}
	cats := slices.Clone(categories)
	slices.Sort(cats)
	cats = slices.Compact(cats)
	parts = append(parts, q.VPNConnectionID, strings.Join(q.TunnelIPs, ","), strings.Join(kinds, ","),
		strconv.FormatBool(q.AnomaliesOnly), strings.Join(cats, ","))
	return strings.Join(parts, "\x00")
}

func (c pageCursor) tag(query string) []byte {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%d\x00%d", query, c.offset, c.startMs, c.endMs)
	return h.Sum(nil)[:cursorTagLen]
}

// encode writes the cursor as URL-safe base64 of offset, window and tag.
func (c pageCursor) encode(query string) string {
	b := binary.AppendUvarint(nil, uint64(c.offset))
	b = binary.AppendVarint(b, c.startMs)
	b = binary.AppendVarint(b, c.endMs)
	return base64.RawURLEncoding.EncodeToString(append(b, c.tag(query)...))
}

// decodeCursor reads a cursor and checks that it was made for query.
func decodeCursor(s, query string) (pageCursor, error) {
	var c pageCursor
	notOurs := userErrorf("cursor %q is not one this tool returned: call again without cursor to start from the first page", s)
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) <= cursorTagLen {
		return c, notOurs
	}
	body, tag := b[:len(b)-cursorTagLen], b[len(b)-cursorTagLen:]
	off, n := binary.Uvarint(body)
	if n <= 0 || off > math.MaxInt32 {
		return c, notOurs
	}
	body = body[n:]
	if c.startMs, n = binary.Varint(body); n <= 0 {
		return c, notOurs
	}
	body = body[n:]
	if c.endMs, n = binary.Varint(body); n <= 0 || n != len(body) || c.endMs <= c.startMs {
		return c, notOurs
	}
	c.offset = int(off)
	if !bytes.Equal(tag, c.tag(query)) {
		return c, userErrorf("cursor %q belongs to a call with other arguments: keep every other argument as it was on the previous page (only limit may change), or call again without cursor to start from the first page", s)
	}
	return c, nil
}
