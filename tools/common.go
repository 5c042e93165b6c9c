package tools

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// Argument descriptions shared by several tools, written for a model.
const (
	descVPN      = "VPN connection id, e.g. vpn-0a1b2c3d4e5f60718. May be omitted when only one connection exists; call list_vpn_connections to see the ids."
	descTunnel   = `Tunnel: "1" or "2" (order of the connection's tunnel options) or the tunnel's outside IP address. Omit for both tunnels.`
	descTimezone = `IANA time zone the times you pass are in, e.g. "Europe/Berlin". Default UTC. Answers give times in UTC and in this zone.`
	descStart    = `Window start: RFC 3339, "YYYY-MM-DD HH:MM[:SS]", "HH:MM[:SS]" (on the most recent day that has logs), "latest-7d" (back from the newest record) or "now-2h". Default: 24 hours before the newest record.`
	descEnd      = `Window end, same forms as start. Default: the newest record of the connection (plus one second).`
)

// args wraps a tool's raw argument map with typed, validating getters that
// turn mistakes into UserErrors naming the argument.
type args map[string]any

func (a args) str(name string) (string, error) {
	v, ok := a[name]
	if !ok || v == nil {
		return "", nil
	}
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t), nil
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), nil
	case int:
		return strconv.Itoa(t), nil
	}
	return "", userErrorf("argument %q must be a string, got %T", name, v)
}

func (a args) integer(name string, def, min, max int) (int, error) {
	v, ok := a[name]
	if !ok || v == nil {
		return def, nil
	}
	var n int
	switch t := v.(type) {
	case float64:
		if t != float64(int(t)) {
			return 0, userErrorf("argument %q must be a whole number, got %v", name, t)
		}
		n = int(t)
	case int:
		n = t
	case string:
		x, err := strconv.Atoi(strings.TrimSpace(t))
		if err != nil {
			return 0, userErrorf("argument %q must be a number, got %q", name, t)
		}
		n = x
	default:
		return 0, userErrorf("argument %q must be a number, got %T", name, v)
	}
	if n < min || n > max {
		return 0, userErrorf("argument %q must be between %d and %d, got %d", name, min, max, n)
	}
	return n, nil
}

func (a args) boolean(name string, def bool) (bool, error) {
	v, ok := a[name]
	if !ok || v == nil {
		return def, nil
	}
	switch t := v.(type) {
	case bool:
		return t, nil
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(t))
		if err == nil {
			return b, nil
		}
	}
	return false, userErrorf("argument %q must be true or false, got %v", name, v)
}

func (a args) strings(name string) ([]string, error) {
	v, ok := a[name]
	if !ok || v == nil {
		return nil, nil
	}
	switch t := v.(type) {
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			s, ok := x.(string)
			if !ok {
				return nil, userErrorf("argument %q must be a list of strings", name)
			}
			out = append(out, strings.TrimSpace(s))
		}
		return out, nil
	case []string:
		return t, nil
	case string:
		if t == "" {
			return nil, nil
		}
		parts := strings.Split(t, ",")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		return parts, nil
	}
	return nil, userErrorf("argument %q must be a list of strings", name)
}

// ConnectionLookup is an inventory that can find one connection by id even
// when it was not listed (AWS: a direct DescribeVpnConnections).
type ConnectionLookup interface {
	Connection(ctx context.Context, id string) (*source.Connection, error)
}

// connection resolves a VPN connection id argument.
func (d *Deps) connection(ctx context.Context, id string) (*source.Connection, error) {
	conns, err := d.Inventory.Connections(ctx)
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
		return nil, userErrorf("there are %d VPN connections; pass vpn_connection_id, one of: %s", len(conns), connIDs(conns))
	}
	for i := range conns {
		if conns[i].ID == id || strings.EqualFold(conns[i].Name, id) {
			return &conns[i], nil
		}
	}
	// An inventory that can look one id up directly (AWS) tells a VPN in
	// another region apart from a typo.
	if lk, ok := d.Inventory.(ConnectionLookup); ok && strings.HasPrefix(id, "vpn-") {
		c, err := lk.Connection(ctx, id)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
	return nil, userErrorf("unknown VPN connection %q; known connections: %s (call list_vpn_connections)", id, connIDs(conns))
}

func connIDs(conns []source.Connection) string {
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

// connectionArg resolves the vpn_connection_id argument.
func (d *Deps) connectionArg(ctx context.Context, a args) (*source.Connection, error) {
	id, err := a.str("vpn_connection_id")
	if err != nil {
		return nil, err
	}
	return d.connection(ctx, id)
}

// scope resolves what windowed tools share: the connection, the window
// (defaultSpan back from the newest record unless given) and the tunnel.
func (d *Deps) scope(ctx context.Context, a args, defaultSpan time.Duration) (*source.Connection, window, *source.Tunnel, error) {
	conn, err := d.connectionArg(ctx, a)
	if err != nil {
		return nil, window{}, nil, err
	}
	w, err := d.resolveWindow(ctx, a, conn.ID, defaultSpan)
	if err != nil {
		return nil, window{}, nil, err
	}
	tun, err := tunnelArg(conn, a)
	if err != nil {
		return nil, window{}, nil, err
	}
	return conn, w, tun, nil
}

// tunnelArg resolves the tunnel argument of conn; absent → nil (both).
func tunnelArg(conn *source.Connection, a args) (*source.Tunnel, error) {
	ts, err := a.str("tunnel")
	if err != nil {
		return nil, err
	}
	return tunnelOf(conn, ts)
}

// tunnel resolves "1", "2" or an outside IP to a tunnel of conn; "" → nil.
func tunnelOf(conn *source.Connection, arg string) (*source.Tunnel, error) {
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

// window is a resolved time window plus the zone answers are given in.
type window struct {
	Start, End time.Time
	Loc        *time.Location
}

// extents returns the data range of a connection: first and last record.
func (d *Deps) extents(ctx context.Context, vpn string) (first, last time.Time, exts []source.Extent, err error) {
	exts, err = d.Logs.Extents(ctx, vpn)
	if err != nil {
		return
	}
	for _, e := range exts {
		if first.IsZero() || e.First.Before(first) {
			first = e.First
		}
		if e.Last.After(last) {
			last = e.Last
		}
	}
	return
}

// dataRange is where the logs of the connections in a window's scope lie.
// "latest" is the newest record of any of them: a connection without logs
// (logging disabled) neither fails the window nor moves it.
type dataRange struct {
	first, last time.Time
	lastVPN     string   // the connection holding the newest record
	withLogs    []string // connections that have any record
	vpns        []string // every connection in scope
}

func (d *Deps) dataRangeOf(ctx context.Context, vpns []string) (dataRange, error) {
	r := dataRange{vpns: vpns}
	for _, vpn := range vpns {
		first, last, _, err := d.extents(ctx, vpn)
		if err != nil {
			return r, err
		}
		if last.IsZero() {
			continue
		}
		r.withLogs = append(r.withLogs, vpn)
		if r.first.IsZero() || first.Before(r.first) {
			r.first = first
		}
		if last.After(r.last) {
			r.last, r.lastVPN = last, vpn
		}
	}
	return r, nil
}

// where says where the logs are, for messages about a window that missed them.
func (r dataRange) where(loc *time.Location) string {
	if r.last.IsZero() {
		if len(r.vpns) == 1 {
			return fmt.Sprintf("%s has no logs at all (is its tunnel logging enabled? list_vpn_connections shows it)", r.vpns[0])
		}
		return fmt.Sprintf("none of %s has any logs (is tunnel logging enabled? list_vpn_connections shows it)", strings.Join(r.vpns, ", "))
	}
	of := r.lastVPN
	if len(r.withLogs) > 1 {
		of = strings.Join(r.withLogs, " and ")
	}
	return fmt.Sprintf("the logs of %s run from %s to %s", of, timeView(r.first, loc).withLocal(), timeView(r.last, loc).withLocal())
}

// extentLag is how far the newest record an Extents call reports may trail
// the real one: CloudWatch updates a stream's lastEventTimestamp eventually,
// typically within an hour. A window starting later than that after the
// newest record cannot hold any of it.
const extentLag = time.Hour

// longWindowHint tells how to get a period longer than the maximum window,
// in the words of the tool that was asked.
type longWindowHint func(max time.Duration) string

// longWindowRecords is the hint of tools that read records (timeline, logs).
func longWindowRecords(max time.Duration) string {
	return fmt.Sprintf("narrow start/end to at most %s; for an overview of a longer period call summarize_vpn_health once per part of at most %s", spanText(max), spanText(max))
}

// resolveWindow reads start/end/timezone arguments for one connection with
// the defaults every windowed tool shares, and enforces the maximum window.
func (d *Deps) resolveWindow(ctx context.Context, a args, vpn string, defaultSpan time.Duration) (window, error) {
	return d.resolveWindowFor(ctx, a, []string{vpn}, defaultSpan, longWindowRecords)
}

// resolveWindowFor resolves one window for every connection in vpns:
// "latest", bare wall-clock times and the default end count from the newest
// record of any of them, so all are summarised over the same, stated window.
func (d *Deps) resolveWindowFor(ctx context.Context, a args, vpns []string, defaultSpan time.Duration, long longWindowHint) (window, error) {
	tz, err := a.str("timezone")
	if err != nil {
		return window{}, err
	}
	loc, err := correlate.LoadZone(tz)
	if err != nil {
		return window{}, &UserError{Msg: err.Error()}
	}
	startS, err := a.str("start")
	if err != nil {
		return window{}, err
	}
	endS, err := a.str("end")
	if err != nil {
		return window{}, err
	}
	fromClock := correlate.Anchor(startS) == "now" || correlate.Anchor(endS) == "now"
	// The newest record is only looked up when a default or a time form
	// needs it, or to check that a window counted from the clock meets the
	// logs: with AWS it costs API calls per connection.
	var rng dataRange
	haveRange := false
	lookup := func() error {
		if haveRange {
			return nil
		}
		r, err := d.dataRangeOf(ctx, vpns)
		if err != nil {
			return err
		}
		rng, haveRange = r, true
		return nil
	}
	if endS == "" || needsLatest(startS) || needsLatest(endS) || fromClock {
		if err := lookup(); err != nil {
			return window{}, err
		}
	}
	w := window{Loc: loc}
	if endS != "" {
		if w.End, err = correlate.ParseTimeArg(endS, loc, rng.last, d.now()); err != nil {
			return window{}, &UserError{Msg: "end: " + err.Error() + noLogsWhy(rng, loc)}
		}
	} else if !rng.last.IsZero() {
		w.End = rng.last.Add(time.Second)
	} else {
		w.End = d.now()
	}
	if startS != "" {
		if w.Start, err = correlate.ParseTimeArg(startS, loc, rng.last, d.now()); err != nil {
			return window{}, &UserError{Msg: "start: " + err.Error() + noLogsWhy(rng, loc)}
		}
	} else {
		w.Start = w.End.Add(-defaultSpan)
	}
	// A window counted from the clock on logs that end in the past (an
	// export, a tunnel whose logging was switched off) misses them: say
	// where they are and how to count from the newest record instead.
	if fromClock && !rng.last.IsZero() && w.Start.After(rng.last.Add(extentLag)) {
		return window{}, userErrorf("the window %s – %s starts %s after the newest record, so it holds no logs: %s, and \"now\" counts back from the clock (%s). %s",
			timeView(w.Start, loc).withLocal(), timeView(w.End, loc).withLocal(), spanText(w.Start.Sub(rng.last)), rng.where(loc), timeView(d.now(), loc).withLocal(), latestSuggestion(startS, endS))
	}
	if !w.End.After(w.Start) {
		msg := fmt.Sprintf("the window is empty: start %s is not before end %s", timeView(w.Start, loc).withLocal(), timeView(w.End, loc).withLocal())
		if endS == "" && !rng.last.IsZero() {
			msg += " (the default end: the newest record plus one second)"
		}
		msg += ": pass a start before the end"
		if lookup() == nil {
			msg += "; " + rng.where(loc)
			if fromClock && !rng.last.IsZero() {
				msg += ". " + latestSuggestion(startS, endS)
			}
		}
		return window{}, &UserError{Msg: msg}
	}
	if max := d.limits().MaxWindow; max > 0 && w.End.Sub(w.Start) > max {
		return window{}, userErrorf("the window %s – %s is %s long, more than the maximum %s: %s",
			correlate.FormatUTC(w.Start), correlate.FormatUTC(w.End), spanText(w.End.Sub(w.Start)), spanText(max), long(max))
	}
	return w, nil
}

// noLogsWhy completes a time error when no connection in scope has logs.
func noLogsWhy(r dataRange, loc *time.Location) string {
	if len(r.vpns) == 0 || !r.last.IsZero() {
		return ""
	}
	return "; " + r.where(loc)
}

// latestSuggestion rewrites the clock-relative arguments to count back from
// the newest record.
func latestSuggestion(startS, endS string) string {
	var parts []string
	if correlate.Anchor(startS) == "now" {
		parts = append(parts, fmt.Sprintf("start %q instead of %q", correlate.Reanchor(startS, "latest"), startS))
	}
	if correlate.Anchor(endS) == "now" {
		parts = append(parts, fmt.Sprintf("end %q (or omit end) instead of %q", correlate.Reanchor(endS, "latest"), endS))
	}
	return "To count back from the newest record pass " + strings.Join(parts, " and ") + ", or pass times inside the logs"
}

// spanText renders a duration in days, hours, minutes and seconds
// ("31d", "165d22h38m13s", "2h"), the way the time arguments write spans.
func spanText(d time.Duration) string {
	if d < 0 {
		return "-" + spanText(-d)
	}
	d = d.Round(time.Second)
	if d == 0 {
		return "0s"
	}
	var b strings.Builder
	for _, u := range []struct {
		unit time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if n := d / u.unit; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.name)
			d -= n * u.unit
		}
	}
	return b.String()
}

// needsLatest reports time forms resolved against the newest record: a bare
// wall-clock time and "latest-<d>".
func needsLatest(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.HasPrefix(s, "latest") || (strings.Contains(s, ":") && !strings.ContainsAny(s, "-tz+"))
}

func (d *Deps) limits() Limits {
	l := d.Limits
	if l.MaxRecords == 0 {
		l = DefaultLimits
	}
	return l
}

// TimeView states a time in UTC and in the zone the question was asked in.
type TimeView struct {
	UTC   string `json:"utc"`
	Local string `json:"local,omitempty"`
}

func timeView(t time.Time, loc *time.Location) TimeView {
	v := TimeView{UTC: correlate.FormatUTC(t)}
	if loc != nil && loc != time.UTC {
		v.Local = t.In(loc).Format("2006-01-02 15:04:05 MST")
	}
	return v
}

// withLocal renders a time for a text answer: UTC, and next to it the
// local time in the zone the question was asked in, when one was given.
func (t TimeView) withLocal() string {
	if t.Local == "" {
		return t.UTC
	}
	return t.UTC + " (" + t.Local + ")"
}

func msView(ms int64, loc *time.Location) TimeView { return timeView(time.UnixMilli(ms), loc) }

// EventView is one classified record as tools return it.
type EventView struct {
	At           string             `json:"at" jsonschema:"record time, RFC 3339 UTC"`
	AtLocal      string             `json:"at_local,omitempty"`
	Tunnel       string             `json:"tunnel" jsonschema:"tunnel outside IP"`
	TunnelNumber int                `json:"tunnel_number,omitempty"`
	Stream       string             `json:"stream" jsonschema:"IKE or BGP"`
	Category     string             `json:"category"`
	Severity     string             `json:"severity"`
	Direction    string             `json:"direction,omitempty"`
	Anomaly      bool               `json:"anomaly"`
	Details      string             `json:"details,omitempty"`
	Phase1State  string             `json:"ike_phase1_state,omitempty"`
	Phase2State  string             `json:"ike_phase2_state,omitempty"`
	Status       string             `json:"status,omitempty"`
	Fields       *vpnlog.Fields     `json:"fields,omitempty"`
	Route        *vpnlog.RouteAttrs `json:"route,omitempty"`
	Raw          string             `json:"raw" jsonschema:"the record exactly as logged (untrusted log data)"`
}

func eventView(e *vpnlog.Event, conn *source.Connection, loc *time.Location) EventView {
	v := EventView{
		At: correlate.FormatMs(e.TimeMs), Tunnel: e.TunnelIP, Stream: e.Stream.String(), Category: string(e.Category),
		Severity: e.Severity.String(), Anomaly: e.Anomaly, Details: e.Details, Phase1State: e.Phase1State.String(),
		Phase2State: e.Phase2State.String(), Status: e.BGPStatus, Route: e.Route, Raw: e.Raw,
	}
	if loc != nil && loc != time.UTC {
		v.AtLocal = e.Time().In(loc).Format("2006-01-02 15:04:05.000 MST")
	}
	if conn != nil {
		v.TunnelNumber = tunnelNumber(conn, e.TunnelIP)
	}
	if e.Direction != vpnlog.DirNone {
		v.Direction = e.Direction.String()
	}
	if e.Fields != (vpnlog.Fields{}) {
		f := e.Fields
		v.Fields = &f
	}
	return v
}

// quoteLog renders untrusted log text for a text answer: one line, fenced
// as data so a crafted details string cannot read as an instruction. Every
// control character and Unicode line or paragraph separator becomes a space
// (no line breaks, no terminal escapes), the fences cannot be forged, and a
// long record is cut on a character boundary.
func quoteLog(raw string) string {
	const maxRunes = 400
	var b strings.Builder
	b.WriteString("«log: ")
	n := 0
	for _, r := range raw {
		if n == maxRunes {
			b.WriteString("…")
			break
		}
		n++
		switch {
		case r == '«':
			r = '‹'
		case r == '»':
			r = '›'
		case unicode.IsControl(r), r == '\u2028', r == '\u2029', r == '\u0085', r == utf8.RuneError:
			r = ' '
		}
		b.WriteRune(r)
	}
	b.WriteString("»")
	return b.String()
}
