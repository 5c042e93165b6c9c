package resources

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
)

// Completions offers values for the arguments of the resource templates and
// prompts, each filtered by the prefix typed so far: VPN connection ids,
// tunnels (number or outside IP), incident ids, times (start, end, at),
// health windows and catalogue classes. What needs the logs (incident ids,
// the newest record's time) is bounded: the watch engine behind
// vpn://incidents is asked first (it has read already), otherwise the last
// day of logs of at most a few connections is read, under a time limit and
// cached for a minute, since a client asks again at every keystroke.
type Completions struct {
	Service *investigate.Service
	state   *completionState // nil: nothing cached, no watch engine known
}

const (
	// maxCompletionValues is what one answer may hold (the MCP limit).
	maxCompletionValues = 100
	// completionTimeout bounds the reads of one completion; what is not
	// known by then is left out.
	completionTimeout = 5 * time.Second
	// completionTTL is how long what was read for completions is reused;
	// failedTTL how long a read that failed (or ran out of time) is not
	// tried again, so a slow source is not asked at every keystroke.
	completionTTL = time.Minute
	failedTTL     = 10 * time.Second
	// maxScannedConnections is how many connections' logs one completion
	// may read; with more candidates, incident ids are completed up to the
	// connection ("vpn-…_") first.
	maxScannedConnections = 5
	// incidentsSpan is how far back from a connection's newest record
	// incident ids are offered: the last day, as vpn://incidents has it.
	incidentsSpan = 24 * time.Hour
	// maxIncidentTimes is how many incident starts an `at` is offered.
	maxIncidentTimes = 20
)

// completionState is what completions remember between requests.
type completionState struct {
	incidents *incidents // the vpn://incidents resource, whose engine may know incidents

	mu    sync.Mutex
	conns map[string]connFacts // by connection id
}

func newCompletionState(inc *incidents) *completionState {
	return &completionState{incidents: inc, conns: map[string]connFacts{}}
}

// connFacts is what completions read about one connection's logs.
type connFacts struct {
	at        time.Time
	newest    time.Time // the newest record; zero: no logs
	incidents []incidentRef
	scanned   bool // incidents were looked for
	failed    bool // the logs could not be read
	// incidentsFailed: the newest record is known, the incidents could
	// not be read.
	incidentsFailed bool
}

// fresh reports whether f may be used instead of reading again.
func (f connFacts) fresh(withIncidents bool) bool {
	ttl := completionTTL
	if f.failed || (withIncidents && f.incidentsFailed) {
		ttl = failedTTL
	}
	return time.Since(f.at) < ttl && (f.scanned || f.failed || !withIncidents)
}

type incidentRef struct {
	id    string
	start time.Time
}

func (c Completions) complete(ctx context.Context, arg mcp.CompleteArgument, cc mcp.CompleteContext, inURI bool) (*mcp.Completion, error) {
	ctx, cancel := context.WithTimeout(ctx, completionTimeout)
	defer cancel()
	var vals []string
	switch arg.Name {
	case "vpn_connection_id":
		if c.Service != nil && c.Service.Inventory != nil {
			vals = c.Service.ConnectionIDs(ctx)
			sort.Strings(vals)
		}
	case "tunnel":
		vals = c.tunnels(ctx, cc)
	case "window":
		vals = []string{"24h", "7d", "30d"}
	case "category":
		for _, e := range catalog.Entries() {
			vals = append(vals, string(e.Category))
		}
		sort.Strings(vals)
	case "incident_id":
		vals = c.incidentIDs(ctx, arg.Value)
	case "at", "start", "end":
		vals = c.times(ctx, arg.Name, cc, inURI)
	}
	return completion(vals, arg.Value), nil
}

// completion keeps the values that start with prefix (ignoring case), in
// their order, without repeats, at most maxCompletionValues of them.
func completion(vals []string, prefix string) *mcp.Completion {
	out := []string{}
	seen := map[string]bool{}
	for _, v := range vals {
		if seen[v] || !hasPrefixFold(v, prefix) {
			continue
		}
		seen[v] = true
		out = append(out, v)
	}
	total := len(out)
	if total > maxCompletionValues {
		out = out[:maxCompletionValues]
	}
	return &mcp.Completion{Values: out, Total: total, HasMore: total > len(out)}
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// CompleteResourceArgument implements server.ResourceCompletionProvider.
func (c Completions) CompleteResourceArgument(ctx context.Context, uri string, arg mcp.CompleteArgument, cc mcp.CompleteContext) (*mcp.Completion, error) {
	return c.complete(ctx, arg, cc, true)
}

// CompletePromptArgument implements server.PromptCompletionProvider.
func (c Completions) CompletePromptArgument(ctx context.Context, prompt string, arg mcp.CompleteArgument, cc mcp.CompleteContext) (*mcp.Completion, error) {
	return c.complete(ctx, arg, cc, false)
}

// ServerOptions returns the options that wire completions into a server.
// Register installs completions that also know what vpn://incidents has
// seen.
func ServerOptions(svc *investigate.Service) []server.ServerOption {
	c := Completions{Service: svc, state: newCompletionState(nil)}
	return []server.ServerOption{server.WithCompletions(), server.WithResourceCompletionProvider(c), server.WithPromptCompletionProvider(c)}
}

// connections lists the inventory, or nothing when it cannot be read.
func (c Completions) connections(ctx context.Context) []source.Connection {
	if c.Service == nil || c.Service.Inventory == nil {
		return nil
	}
	conns, err := c.Service.Inventory.Connections(ctx)
	if err != nil {
		return nil
	}
	return conns
}

// contextConnection is the connection the arguments already given name
// (vpn_connection_id, by id or name), if any.
func (c Completions) contextConnection(ctx context.Context, cc mcp.CompleteContext) (*source.Connection, []source.Connection) {
	conns := c.connections(ctx)
	id := strings.TrimSpace(cc.Arguments["vpn_connection_id"])
	if id == "" {
		return nil, conns
	}
	for i := range conns {
		if conns[i].ID == id || strings.EqualFold(conns[i].Name, id) {
			return &conns[i], conns
		}
	}
	return nil, conns
}

// tunnels offers "1", "2" and the outside IPs: of the connection already
// given, or of every connection.
func (c Completions) tunnels(ctx context.Context, cc mcp.CompleteContext) []string {
	vals := []string{"1", "2"}
	conn, conns := c.contextConnection(ctx, cc)
	if conn != nil {
		conns = []source.Connection{*conn}
	}
	for _, cn := range conns {
		for _, t := range cn.Tunnels {
			if t.OutsideIP != "" {
				vals = append(vals, t.OutsideIP)
			}
		}
	}
	return vals
}

// times offers forms of a time argument: counted back from the newest
// record ("latest-1h"), and absolute times around the newest record of the
// connection given (or of every connection, when there are few); an `at`
// also gets the starts of that connection's incidents of the last day. A
// resource address takes the compact UTC form, a prompt RFC 3339.
func (c Completions) times(ctx context.Context, which string, cc mcp.CompleteContext, inURI bool) []string {
	format := func(t time.Time) string {
		if inURI {
			return t.UTC().Format(compactLayout)
		}
		return t.UTC().Format(time.RFC3339)
	}
	var vals []string
	switch which {
	case "start":
		vals = []string{"latest-1h", "latest-24h", "latest-7d"}
	case "end":
		vals = []string{"latest"}
	default: // at
		vals = []string{"latest", "latest-1h", "latest-24h"}
	}
	conn, conns := c.contextConnection(ctx, cc)
	scan := conns
	if conn != nil {
		scan = []source.Connection{*conn}
	}
	if len(scan) > maxScannedConnections {
		return vals
	}
	var newest time.Time
	for i := range scan {
		if f, ok := c.facts(ctx, &scan[i], false); ok && f.newest.After(newest) {
			newest = f.newest
		}
	}
	if newest.IsZero() {
		return vals
	}
	switch which {
	case "start":
		vals = append(vals, format(newest.Add(-time.Hour)), format(newest.Add(-incidentsSpan)))
	case "end":
		// A window ends before its end: one second more keeps the newest record.
		vals = append(vals, format(newest.Truncate(time.Second).Add(time.Second)))
	default:
		vals = append(vals, format(newest))
		if conn != nil {
			if f, ok := c.facts(ctx, conn, true); ok {
				for i, in := range f.incidents {
					if i == maxIncidentTimes {
						break
					}
					vals = append(vals, format(in.start))
				}
			}
		}
	}
	return vals
}

// incidentIDs offers the ids of the incidents of the last day that start
// with prefix, newest first: those the watch engine behind vpn://incidents
// lists once it has polled, else those found in the last day of logs of the
// connections the prefix fits (at most maxScannedConnections; with more,
// the connection ids followed by "_", to narrow down first).
func (c Completions) incidentIDs(ctx context.Context, prefix string) []string {
	var refs []incidentRef
	if c.state != nil {
		if known, ok := c.state.incidents.known(); ok {
			for _, in := range known {
				refs = append(refs, incidentRef{id: in.ID, start: incidentStart(in.ID)})
			}
			return incidentValues(refs, prefix)
		}
	}
	conns := c.connections(ctx)
	var fit []source.Connection
	if i := strings.IndexByte(prefix, '_'); i >= 0 {
		for _, cn := range conns {
			if strings.EqualFold(cn.ID, prefix[:i]) {
				fit = append(fit, cn)
			}
		}
	} else {
		for _, cn := range conns {
			if hasPrefixFold(cn.ID, prefix) {
				fit = append(fit, cn)
			}
		}
	}
	if len(fit) > maxScannedConnections {
		stubs := make([]string, 0, len(fit))
		for _, cn := range fit {
			stubs = append(stubs, cn.ID+"_")
		}
		sort.Strings(stubs)
		return stubs
	}
	for i := range fit {
		if f, ok := c.facts(ctx, &fit[i], true); ok {
			refs = append(refs, f.incidents...)
		}
	}
	return incidentValues(refs, prefix)
}

// incidentValues sorts incident ids newest first (then by id), keeping those
// that start with prefix.
func incidentValues(refs []incidentRef, prefix string) []string {
	refs = slices.DeleteFunc(refs, func(r incidentRef) bool { return !hasPrefixFold(r.id, prefix) })
	sort.Slice(refs, func(i, j int) bool {
		if !refs[i].start.Equal(refs[j].start) {
			return refs[i].start.After(refs[j].start)
		}
		return refs[i].id < refs[j].id
	})
	ids := make([]string, 0, len(refs))
	for _, r := range refs {
		ids = append(ids, r.id)
	}
	return ids
}

func incidentStart(id string) time.Time {
	_, _, start, err := correlate.ParseIncidentID(id)
	if err != nil {
		return time.Time{}
	}
	return start
}

// facts reads (or recalls) a connection's newest record and, when asked,
// its incidents of the last day of logs. false: it could not be read in
// time.
func (c Completions) facts(ctx context.Context, conn *source.Connection, withIncidents bool) (connFacts, bool) {
	if c.Service == nil || c.Service.Logs == nil {
		return connFacts{}, false
	}
	if c.state != nil {
		c.state.mu.Lock()
		f, ok := c.state.conns[conn.ID]
		c.state.mu.Unlock()
		if ok && f.fresh(withIncidents) {
			return f, !f.failed
		}
	}
	f := connFacts{at: time.Now()}
	defer func() {
		if c.state != nil {
			c.state.mu.Lock()
			c.state.conns[conn.ID] = f
			c.state.mu.Unlock()
		}
	}()
	exts, err := c.Service.Logs.Extents(ctx, conn.ID)
	if err != nil {
		f.failed = true
		return f, false
	}
	for _, e := range exts {
		if e.Last.After(f.newest) {
			f.newest = e.Last
		}
	}
	if withIncidents {
		if !f.newest.IsZero() {
			tl, err := c.Service.Timeline(ctx, investigate.TimelineQuestion{Conn: conn, Collapse: true, View: investigate.ViewDefault,
				Window: investigate.Window{Start: f.newest.Add(-incidentsSpan), End: f.newest.Add(time.Second), Loc: time.UTC}})
			if err != nil {
				f.scanned, f.incidentsFailed = true, true
				return f, true
			}
			for _, in := range tl.Incidents {
				f.incidents = append(f.incidents, incidentRef{id: in.ID, start: incidentStart(in.ID)})
			}
			// Newest first, as offered.
			sort.SliceStable(f.incidents, func(i, j int) bool { return f.incidents[i].start.After(f.incidents[j].start) })
		}
		f.scanned = true
	}
	return f, true
}
