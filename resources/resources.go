// Package resources exposes vpnlens's MCP resources (connections, the
// message catalogue, timelines, incidents), its prompts and the completions
// for their arguments.
package resources

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
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
	"github.com/vpnlens/vpnlens/view"
)

// URIs and templates.
const (
	ConnectionsURI   = "vpn://connections"
	CatalogURI       = "vpn://catalog"
	TimelineTemplate = "vpn://timeline/{vpn_connection_id}/{start}/{end}"
	IncidentTemplate = "vpn://incident/{incident_id}"
	// CatalogEntryTemplate is one message class of the catalogue.
	CatalogEntryTemplate = "vpn://catalog/{category}"
)

// Register adds resources, templates and prompts to s.
func Register(s *server.MCPServer, svc *investigate.Service) {
	a := &addresses{svc: svc, diagnosed: &diagnoses{m: map[string]diagnosis{}}}
	s.AddResource(mcp.NewResource(ConnectionsURI, "VPN connections",
		mcp.WithResourceDescription("Every Site-to-Site VPN connection with its tunnels, telemetry and log settings (the output of list_vpn_connections)."),
		mcp.WithMIMEType("application/json")),
		func(ctx context.Context, r mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			res, err := svc.ListConnections(ctx, nil)
			if err != nil {
				return nil, err
			}
			return jsonContents(r.Params.URI, res)
		})
	s.AddResource(mcp.NewResource(CatalogURI, "VPN log message catalogue",
		mcp.WithResourceDescription("The index of every AWS Site-to-Site VPN log message class vpnlens knows: category id, layer, severity, acting side and title, as Markdown. Each class's full entry (meaning, causes, checks, gateway commands, references) is at vpn://catalog/{category}."),
		mcp.WithMIMEType("text/markdown")),
		func(ctx context.Context, r mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			return []mcp.ResourceContents{mcp.TextResourceContents{URI: r.Params.URI, MIMEType: "text/markdown", Text: catalog.IndexMarkdown()}}, nil
		})
	s.AddResourceTemplate(catalogEntryTemplate, func(ctx context.Context, r mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
		md, ok := catalog.EntryMarkdown(catalog.Category(strings.TrimPrefix(r.Params.URI, catalogPrefix)))
		if !ok {
			return nil, addressErrorf("no catalogue entry at %s", r.Params.URI)
		}
		return []mcp.ResourceContents{mcp.TextResourceContents{URI: r.Params.URI, MIMEType: "text/markdown", Text: md}}, nil
	})
	s.AddResourceTemplate(timelineTemplate, func(ctx context.Context, r mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
		t, err := a.timeline(ctx, r.Params.URI)
		if err != nil {
			return nil, err
		}
		res, err := a.timelineOf(ctx, t.vpn, t.start, t.end)
		if err != nil {
			return nil, err
		}
		return jsonContents(r.Params.URI, view.TimelineOf(res))
	})
	s.AddResourceTemplate(incidentTemplate, func(ctx context.Context, r mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
		if res, ok := a.diagnosed.take(r.Params.URI); ok {
			return jsonContents(r.Params.URI, view.DiagnosisOf(res, ""))
		}
		res, err := a.diagnose(ctx, r.Params.URI)
		if err != nil {
			return nil, err
		}
		return jsonContents(r.Params.URI, view.DiagnosisOf(res, ""))
	})
	registerLoadReport(s, svc)
	inc := registerIncidents(s, svc)
	registerPrompts(s, svc)
	a.checkBeforeDispatch(s)
	// Completions that know what vpn://incidents has seen: installed here,
	// once that resource exists, over the ones ServerOptions gave the
	// server (the server is not serving yet).
	c := Completions{Service: svc, state: newCompletionState(inc)}
	server.WithResourceCompletionProvider(c)(s)
	server.WithPromptCompletionProvider(c)(s)
}

var (
	catalogEntryTemplate = mcp.NewResourceTemplate(CatalogEntryTemplate, "VPN log message class",
		mcp.WithTemplateDescription("One message class of the catalogue (ids in vpn://catalog, and the category field of every answer): meaning, acting side, causes, checks on the customer gateway, commands per gateway platform, the documented messages and references, as Markdown."),
		mcp.WithTemplateMIMEType("text/markdown"))
	timelineTemplate = mcp.NewResourceTemplate(TimelineTemplate, "VPN connection timeline",
		mcp.WithTemplateDescription("The merged, classified timeline of a connection's four log streams between start and end, as get_vpn_timeline returns it. Write start and end in compact UTC form, e.g. "+compactExample+" (RFC 3339 such as 2026-06-12T20:15:12Z and \"latest-24h\" are read too)."),
		mcp.WithTemplateMIMEType("application/json"))
	incidentTemplate = mcp.NewResourceTemplate(IncidentTemplate, "VPN incident",
		mcp.WithTemplateDescription("One incident (ids come from get_vpn_timeline, diagnose_tunnel_drop, summarize_vpn_health and vpn://incidents) with its full diagnosis."),
		mcp.WithTemplateMIMEType("application/json"))
)

// jsonContents is a resource's JSON as a model reads it: compact (the
// indentation of pretty-printing costs about a quarter of the characters)
// and with < > & as they are.
func jsonContents(uri string, v any) ([]mcp.ResourceContents, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encoding %s: %w", uri, err)
	}
	return []mcp.ResourceContents{mcp.TextResourceContents{URI: uri, MIMEType: "application/json", Text: strings.TrimSuffix(b.String(), "\n")}}, nil
}

// Resource addresses are checked before mcp-go dispatches a read, because
// mcp-go v1.2.1 answers every error a resource handler returns with -32603
// (internal error); only a URI that no resource or template matches gets
// resource-not-found (-32002, or -32602 from protocol 2026-07-28 on). An
// address that names nothing is the caller's mistake, and a client told
// "internal error" would retry or give up instead of fixing the URI. So a
// hook checks the address first (syntax, connection, tunnel; for an
// incident, the diagnosis itself, which the handler then returns) and, when
// it names nothing, replaces it by itself plus the explanation: that matches
// no resource, and mcp-go answers "handler not found for resource URI
// '<uri> (<explanation>)': resource not found" with the right code. The
// hook's work has its own time limit (the server's call limit applies to
// handlers only); when it cannot finish, the handler decides as before. The
// handlers check again, so a server built without hooks still says what is
// wrong, as an internal error.

const (
	timelinePrefix = "vpn://timeline/"
	incidentPrefix = "vpn://incident/"
	catalogPrefix  = "vpn://catalog/"
	compactLayout  = "20060102T150405Z"
	compactExample = "20260612T201512Z"
	// checkTimeout bounds the hook's check of an address (an inventory
	// lookup at most), diagnoseCheckTimeout its diagnosis of an incident;
	// a check that cannot finish leaves the address to the handler.
	checkTimeout         = 10 * time.Second
	diagnoseCheckTimeout = 30 * time.Second
	// nearbySpan is how far around an incident id's time a missing
	// incident's neighbours are looked for.
	nearbySpan = 6 * time.Hour
)

// fixedURIs are the resources that are not templates.
var fixedURIs = []string{ConnectionsURI, CatalogURI, IncidentsURI, LoadReportURI}

// addressError is a vpn:// address that names nothing. It wraps
// server.ErrResourceNotFound so hooks and loggers can tell it from a fault.
type addressError struct{ msg string }

func (e *addressError) Error() string { return e.msg }
func (e *addressError) Unwrap() error { return server.ErrResourceNotFound }

func addressErrorf(format string, a ...any) error {
	return &addressError{msg: fmt.Sprintf(format, a...)}
}

// addresses parses and checks vpnlens resource URIs.
type addresses struct {
	svc       *investigate.Service
	diagnosed *diagnoses // incidents the hook diagnosed, for the handler
}

// diagnoses hands an incident diagnosis made by the read hook (to learn
// whether the incident exists) to the handler of the same read, so the
// logs are read once. Entries are taken by the handler or expire.
type diagnoses struct {
	mu sync.Mutex
	m  map[string]diagnosis
}

type diagnosis struct {
	res investigate.DiagnoseResult
	at  time.Time
}

const diagnosisTTL = time.Minute

func (d *diagnoses) put(uri string, res investigate.DiagnoseResult) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for k, v := range d.m {
		if time.Since(v.at) > diagnosisTTL {
			delete(d.m, k)
		}
	}
	d.m[uri] = diagnosis{res: res, at: time.Now()}
}

func (d *diagnoses) take(uri string) (investigate.DiagnoseResult, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	v, ok := d.m[uri]
	delete(d.m, uri)
	return v.res, ok && time.Since(v.at) <= diagnosisTTL
}

type timelineAddress struct {
	vpn, start, end string
	canonical       string // the address with compact times, which the template matches
}

type incidentAddress struct {
	uri, id string
	conn    *source.Connection
	tunnel  *source.Tunnel
	start   time.Time
}

// check returns the address to read instead of uri (uri itself, or its
// canonical form), or an *addressError when uri names nothing. Other errors
// mean the check could not be made.
func (a *addresses) check(ctx context.Context, uri string) (string, error) {
	switch {
	case slices.Contains(fixedURIs, uri):
		return uri, nil
	case strings.HasPrefix(uri, timelinePrefix):
		t, err := a.timeline(ctx, uri)
		if err != nil {
			return "", err
		}
		if timelineTemplate.URITemplate.Regexp().MatchString(uri) {
			return uri, nil
		}
		return t.canonical, nil
	case strings.HasPrefix(uri, incidentPrefix):
		if _, err := a.incident(ctx, uri); err != nil {
			return "", err
		}
		return uri, nil
	case strings.HasPrefix(uri, catalogPrefix):
		id := catalog.Category(strings.TrimPrefix(uri, catalogPrefix))
		if _, ok := catalog.Lookup(id); !ok {
			return "", addressErrorf("the catalogue has no class %q: read %s for the ids", string(id), CatalogURI)
		}
		return uri, nil
	case strings.HasPrefix(uri, "vpn://"):
		return "", addressErrorf("vpnlens has no such resource: its resources are %s, %s, %s, %s, %s, %s and %s",
			ConnectionsURI, CatalogURI, CatalogEntryTemplate, IncidentsURI, TimelineTemplate, IncidentTemplate, LoadReportURI)
	}
	return uri, nil
}

// timeline parses vpn://timeline/{vpn_connection_id}/{start}/{end}.
func (a *addresses) timeline(ctx context.Context, uri string) (timelineAddress, error) {
	usage := fmt.Sprintf("a timeline address is %s with times in compact UTC form, e.g. vpn://timeline/vpn-0a1b2c3d4e5f60718/20260612T201500Z/20260612T203000Z", TimelineTemplate)
	parts := strings.Split(strings.TrimPrefix(uri, timelinePrefix), "/")
	if len(parts) != 3 || slices.Contains(parts, "") {
		return timelineAddress{}, addressErrorf("%s", usage)
	}
	for i, p := range parts {
		u, err := url.PathUnescape(p)
		if err != nil {
			return timelineAddress{}, addressErrorf("%q is not a valid URI path segment (%v): %s", p, err, usage)
		}
		parts[i] = u
	}
	conn, err := a.connection(ctx, parts[0])
	if err != nil {
		return timelineAddress{}, err
	}
	t := timelineAddress{vpn: conn.ID}
	var startAt, endAt time.Time
	if t.start, startAt, err = uriTime("start", parts[1]); err != nil {
		return t, err
	}
	if t.end, endAt, err = uriTime("end", parts[2]); err != nil {
		return t, err
	}
	if !startAt.IsZero() && !endAt.IsZero() && !endAt.After(startAt) {
		return t, addressErrorf("the timeline's start %s is not before its end %s: swap them or widen the window", t.start, t.end)
	}
	// A window wider than any answer may read is the caller's mistake
	// (invalid params), said with the limit, not a failure of the read.
	if max := a.svc.Limits.OrDefault().MaxWindow; !startAt.IsZero() && !endAt.IsZero() && endAt.Sub(startAt) > max {
		return t, addressErrorf("the timeline from %s to %s is %s long, more than the %s one read may cover: split it into windows of at most %s",
			t.start, t.end, investigate.SpanText(endAt.Sub(startAt)), investigate.SpanText(max), investigate.SpanText(max))
	}
	t.canonical = timelinePrefix + escapeSegment(conn.ID) + "/" + escapeSegment(t.start) + "/" + escapeSegment(t.end)
	return t, nil
}

// uriTime reads a time of a resource address: an absolute time (compact,
// RFC 3339, a date) becomes the compact form; "latest-24h" and "now-2h"
// are kept as they are (the tool resolves them against the logs) and
// returned with a zero time.
func uriTime(which, s string) (string, time.Time, error) {
	bad := addressErrorf("%s %q is not a time: write it in compact UTC form, e.g. %s (RFC 3339 such as 2026-06-12T20:15:12Z and \"latest-24h\" are read too)", which, s, compactExample)
	if lower := strings.ToLower(s); strings.HasPrefix(lower, "latest") || strings.HasPrefix(lower, "now") {
		// Checked for form only: any non-zero reference will do.
		ref := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
		if _, err := correlate.ParseTimeArg(s, time.UTC, ref, ref); err != nil {
			return "", time.Time{}, bad
		}
		return s, time.Time{}, nil
	}
	// No newest record is passed, so a bare "20:15" (which needs the
	// day of the newest logs) is refused rather than guessed.
	t, err := correlate.ParseTimeArg(s, time.UTC, time.Time{}, time.Time{})
	if err != nil {
		return "", time.Time{}, bad
	}
	return t.UTC().Format(compactLayout), t, nil
}

// escapeSegment percent-encodes what a URI template variable may not hold.
func escapeSegment(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(",-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// incident parses vpn://incident/{incident_id} and checks that its
// connection and tunnel exist and that the tunnel logs.
func (a *addresses) incident(ctx context.Context, uri string) (incidentAddress, error) {
	in := incidentAddress{uri: uri}
	id, err := url.PathUnescape(strings.TrimPrefix(uri, incidentPrefix))
	if err != nil {
		id = strings.TrimPrefix(uri, incidentPrefix)
	}
	in.id = id
	vpn, ip, start, err := correlate.ParseIncidentID(id)
	if err != nil {
		return in, addressErrorf("%v: take incident ids from get_vpn_timeline, diagnose_tunnel_drop, summarize_vpn_health or %s", err, IncidentsURI)
	}
	in.start = start
	if in.conn, err = a.connection(ctx, vpn); err != nil {
		return in, err
	}
	for i := range in.conn.Tunnels {
		if in.conn.Tunnels[i].OutsideIP == ip {
			in.tunnel = &in.conn.Tunnels[i]
		}
	}
	if in.tunnel == nil {
		var ips []string
		for _, t := range in.conn.Tunnels {
			ips = append(ips, fmt.Sprintf("%s (tunnel %d)", t.OutsideIP, t.Number))
		}
		return in, addressErrorf("connection %s has no tunnel with outside IP %q; the middle part of an incident id is one of %s", in.conn.ID, ip, strings.Join(ips, ", "))
	}
	if !in.tunnel.Logging.IKEEnabled && !in.tunnel.Logging.BGPEnabled {
		return in, addressErrorf("logging is disabled on tunnel %d (%s) of %s, so vpnlens knows no incidents there (call get_tunnel_options to see its log settings)", in.tunnel.Number, in.tunnel.OutsideIP, in.conn.ID)
	}
	return in, nil
}

// connection finds a VPN connection by id or name, as the tools do. An
// inventory that looks ids up directly (AWS) is asked about an id it did not
// list; only its definite "not in this region" counts as not found.
func (a *addresses) connection(ctx context.Context, id string) (*source.Connection, error) {
	conns, err := a.svc.Inventory.Connections(ctx)
	if err != nil {
		return nil, err
	}
	for i := range conns {
		if conns[i].ID == id || strings.EqualFold(conns[i].Name, id) {
			return &conns[i], nil
		}
	}
	if lk, ok := a.svc.Inventory.(investigate.ConnectionLookup); ok && strings.HasPrefix(id, "vpn-") {
		c, err := lk.Connection(ctx, id)
		var se *source.Error
		if errors.As(err, &se) && se.Cause == "RegionMismatch" {
			return nil, addressErrorf("%s", se.Msg)
		}
		return c, err
	}
	ids := make([]string, 0, len(conns))
	for _, c := range conns {
		ids = append(ids, c.ID)
	}
	sort.Strings(ids)
	return nil, addressErrorf("unknown VPN connection %q; known connections: %s (read %s or call list_vpn_connections)", id, strings.Join(ids, ", "), ConnectionsURI)
}

// timelineOf is the timeline a vpn://timeline address names, as
// get_vpn_timeline gives it with the same window.
func (a *addresses) timelineOf(ctx context.Context, vpn, start, end string) (investigate.TimelineResult, error) {
	conn, err := a.svc.Connection(ctx, vpn)
	if err != nil {
		return investigate.TimelineResult{}, err
	}
	w, err := a.svc.ResolveWindow(ctx, investigate.WindowSpec{Start: start, End: end}, conn.ID, investigate.DefaultSpan)
	if err != nil {
		return investigate.TimelineResult{}, err
	}
	return a.svc.Timeline(ctx, investigate.TimelineQuestion{Conn: conn, Window: w, Collapse: true, View: investigate.ViewDefault})
}

// diagnose reads the incident an address names; an incident that does
// not exist is an *addressError listing the ones nearby.
func (a *addresses) diagnose(ctx context.Context, uri string) (investigate.DiagnoseResult, error) {
	in, err := a.incident(ctx, uri)
	if err != nil {
		return investigate.DiagnoseResult{}, err
	}
	res, err := a.svc.Incident(ctx, in.conn, in.tunnel, in.start)
	var ue *investigate.UserError
	if errors.As(err, &ue) {
		// The connection and tunnel exist and log (checked above), so what
		// the diagnosis refuses is the time: no incident starts there.
		return res, a.noIncident(ctx, in)
	}
	return res, err
}

// noIncident explains an incident address whose connection and tunnel
// exist but where no incident starts at that time, listing the addresses of
// the incidents around it.
func (a *addresses) noIncident(ctx context.Context, in incidentAddress) error {
	msg := fmt.Sprintf("no incident on tunnel %d (%s) of %s starts at %s", in.tunnel.Number, in.tunnel.OutsideIP, in.conn.ID, correlate.FormatUTC(in.start))
	tl, err := a.svc.Timeline(ctx, investigate.TimelineQuestion{Conn: in.conn, Collapse: true,
		Window: investigate.Window{Start: in.start.Add(-nearbySpan), End: in.start.Add(nearbySpan), Loc: time.UTC}})
	if err != nil {
		return addressErrorf("%s; call get_vpn_timeline or summarize_vpn_health for %s to find incident ids", msg, in.conn.ID)
	}
	type near struct {
		uri  string
		dist time.Duration
		same bool
	}
	var nears []near
	for _, iv := range tl.Incidents {
		_, _, start, err := correlate.ParseIncidentID(iv.ID)
		if err != nil {
			continue
		}
		desc := fmt.Sprintf("%s (tunnel %d", iv.ResourceURI, iv.TunnelNumber)
		if iv.RootCause != "" {
			desc += ", " + iv.RootCause
		}
		nears = append(nears, near{uri: desc + ")", dist: start.Sub(in.start).Abs(), same: iv.Tunnel == in.tunnel.OutsideIP})
	}
	// The same tunnel first, then the nearest in time.
	sort.SliceStable(nears, func(i, j int) bool {
		if nears[i].same != nears[j].same {
			return nears[i].same
		}
		return nears[i].dist < nears[j].dist
	})
	if len(nears) == 0 {
		return addressErrorf("%s, nor within %.0f hours of it: call summarize_vpn_health or get_vpn_timeline for %s to find incident ids", msg, nearbySpan.Hours(), in.conn.ID)
	}
	var list []string
	for i := 0; i < len(nears) && i < 6; i++ {
		list = append(list, nears[i].uri)
	}
	return addressErrorf("%s; incidents within %.0f hours of it: %s — read one of those URIs", msg, nearbySpan.Hours(), strings.Join(list, "; "))
}

// checkBeforeDispatch installs the hooks that turn an address or prompt
// call that names nothing into mcp-go's own not-found answers, and refuse
// subscriptions to anything but vpn://incidents. A server built without
// hooks keeps the handlers' own (internal-error) answers.
func (a *addresses) checkBeforeDispatch(s *server.MCPServer) {
	h := s.GetHooks()
	if h == nil {
		return
	}
	h.AddBeforeReadResource(func(ctx context.Context, _ any, req *mcp.ReadResourceRequest) {
		uri := req.Params.URI
		defer func() {
			if p := recover(); p != nil {
				req.Params.URI = uri // leave it to the handler, which runs under recovery
			}
		}()
		var use string
		var err error
		if strings.HasPrefix(uri, incidentPrefix) {
			// Whether an incident exists takes a diagnosis; the handler
			// gets the result instead of diagnosing again.
			ctx, cancel := context.WithTimeout(ctx, diagnoseCheckTimeout)
			defer cancel()
			var res investigate.DiagnoseResult
			if res, err = a.diagnose(ctx, uri); err == nil {
				a.diagnosed.put(uri, res)
			}
			use = uri
			if ctx.Err() != nil {
				return // unsure: the handler reads it again, bounded
			}
		} else {
			ctx, cancel := context.WithTimeout(ctx, checkTimeout)
			defer cancel()
			use, err = a.check(ctx, uri)
		}
		var ae *addressError
		switch {
		case errors.As(err, &ae):
			// Contains a space, so it matches no resource and no template.
			req.Params.URI = uri + " (" + ae.msg + ")"
		case err == nil:
			req.Params.URI = use
		}
	})
	h.AddBeforeGetPrompt(func(ctx context.Context, _ any, req *mcp.GetPromptRequest) {
		if check, ok := promptChecks[req.Params.Name]; ok {
			if err := check(req.Params.Arguments); err != nil {
				// mcp-go v1.2.1 answers a prompt handler's error with
				// -32603 (internal error); only a prompt name it does not
				// know gets -32602 (invalid params), worded "prompt
				// '<name>' not found: prompt not found". So the name
				// carries the explanation, which says first that the
				// prompt exists.
				req.Params.Name += " (the prompt exists, but " + err.Error() + ")"
			}
		}
	})
	// mcp-go v1.2.1 has no hook that refuses a resources/subscribe (only a
	// session type of the transport's could), but a request-initialization
	// hook may refuse any request; mcp-go answers it with -32600 (invalid
	// request) and this message.
	h.AddOnRequestInitialization(func(ctx context.Context, _ any, message any) error {
		raw, ok := message.(json.RawMessage)
		if !ok {
			return nil
		}
		var req struct {
			Method string `json:"method"`
			Params struct {
				URI           string `json:"uri"`
				Notifications struct {
					ResourceSubscriptions []string `json:"resourceSubscriptions"`
				} `json:"notifications"`
			} `json:"params"`
		}
		if json.Unmarshal(raw, &req) != nil {
			return nil // mcp-go reports the malformed request itself
		}
		var uris []string
		switch mcp.MCPMethod(req.Method) {
		case mcp.MethodResourcesSubscribe:
			uris = []string{req.Params.URI}
		case mcp.MethodSubscriptionsListen:
			uris = req.Params.Notifications.ResourceSubscriptions
		default:
			return nil
		}
		ctx, cancel := context.WithTimeout(ctx, checkTimeout)
		defer cancel()
		for _, u := range uris {
			if u == "" || u == IncidentsURI {
				continue // "": mcp-go answers "uri is required"
			}
			// Only vpn://incidents sends updates: a subscription to
			// anything else would be accepted and never heard of again.
			why := "vpnlens sends updates for " + IncidentsURI + " only; read " + u + " again when you need it"
			var ae *addressError
			if _, err := a.check(ctx, u); errors.As(err, &ae) {
				why = ae.msg
			}
			return fmt.Errorf("cannot subscribe to %s: %s. Only %s can be subscribed to. Subscribe to %s to be told when an incident opens, recovers or its root cause changes", u, why, IncidentsURI, IncidentsURI)
		}
		return nil
	})
}
