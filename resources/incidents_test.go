package resources

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/internal/mcptestutil"
	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/vpnlog"
	"github.com/vpnlens/vpnlens/watch"
)

// growingSource is a log source whose records the test appends, as
// CloudWatch gets them.
type growingSource struct {
	mu     sync.Mutex
	conn   source.Connection
	events []vpnlog.Event
}

func (g *growingSource) Connections(ctx context.Context) ([]source.Connection, error) {
	return []source.Connection{g.conn}, nil
}

func (g *growingSource) Logs(ctx context.Context, q source.LogQuery) (*source.LogResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	res := &source.LogResult{Report: vpnlog.Report{ByCategory: map[catalog.Category]int64{}}}
	for _, ev := range g.events {
		if ev.VPNConnectionID == q.VPNConnectionID && ev.TimeMs >= q.Start.UnixMilli() && ev.TimeMs < q.End.UnixMilli() && (!q.AnomaliesOnly || ev.Anomaly) {
			res.Events = append(res.Events, ev)
		}
	}
	correlate.SortEvents(res.Events)
	return res, nil
}

func (g *growingSource) Extents(ctx context.Context, vpn string) ([]source.Extent, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []source.Extent
	for _, ev := range g.events {
		out = append(out, source.Extent{Stream: vpnlog.StreamID{VPNConnectionID: ev.VPNConnectionID, TunnelIP: ev.TunnelIP, Kind: ev.Stream}, First: ev.Time(), Last: ev.Time()})
	}
	return out, nil
}

func (g *growingSource) add(t *testing.T, ip string, at time.Time, p1, p2, details string) {
	t.Helper()
	raw := fmt.Sprintf(`{"event_timestamp":%d,"timestamp":"%s","dpd_enabled":true,"nat_t_detected":false,"ike_phase1_state":"%s","ike_phase2_state":"%s","details":"%s"}`,
		at.Unix(), at.UTC().Format("2006-01-02 15:04:05Z"), p1, p2, details)
	ev, err := vpnlog.ParseRecord([]byte(raw), vpnlog.StreamID{VPNConnectionID: g.conn.ID, TunnelIP: ip, Kind: vpnlog.StreamIKE})
	if err != nil {
		t.Fatal(err)
	}
	g.mu.Lock()
	g.events = append(g.events, ev)
	sort.Slice(g.events, func(i, j int) bool { return g.events[i].TimeMs < g.events[j].TimeMs })
	g.mu.Unlock()
}

// TestIncidentsSubscription: a client subscribed to vpn://incidents is
// sent notifications/resources/updated when a tunnel goes down and a
// warning-level log message with the one-line title; the resource then
// lists the incident; after unsubscribing, polling stops.
func TestIncidentsSubscription(t *testing.T) {
	defer func(i, s time.Duration) { incidentsInterval, incidentsSettle = i, s }(incidentsInterval, incidentsSettle)
	incidentsInterval, incidentsSettle = 50*time.Millisecond, -1

	now := time.Now().UTC().Truncate(time.Second)
	g := &growingSource{conn: source.Connection{ID: "vpn-0abc1234", Name: "office", Tunnels: []source.Tunnel{
		{Number: 1, OutsideIP: "203.0.113.10", Logging: source.LogSettings{IKEEnabled: true}},
		{Number: 2, OutsideIP: "203.0.113.11", Logging: source.LogSettings{IKEEnabled: true}}}}}
	g.add(t, "203.0.113.10", now.Add(-10*time.Minute), "established", "established", "")
	g.add(t, "203.0.113.11", now.Add(-10*time.Minute), "established", "established", "")
	quiet := slog.New(slog.DiscardHandler)
	svc := &investigate.Service{Inventory: g, Logs: g, Limits: investigate.DefaultLimits, Logger: quiet, Now: time.Now}
	s := server.NewMCPServer("vpnlens-test", "0", server.WithResourceCapabilities(true, false), server.WithHooks(&server.Hooks{}), server.WithLogging())
	Register(s, svc)
	c := legacyClient(t, s)
	ctx := context.Background()

	var mu sync.Mutex
	var notes []mcp.JSONRPCNotification
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		mu.Lock()
		notes = append(notes, n)
		mu.Unlock()
	})
	count := func(method string) int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, x := range notes {
			if x.Method == method {
				n++
			}
		}
		return n
	}
	readView := func() watch.IncidentsView {
		res, err := c.ReadResource(ctx, mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: IncidentsURI}})
		if err != nil {
			t.Fatal(err)
		}
		var v watch.IncidentsView
		if err := json.Unmarshal([]byte(res.Contents[0].(mcp.TextResourceContents).Text), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := readView(); len(v.Open) != 0 || len(v.Connections) != 1 {
		t.Fatalf("before: %+v", v)
	}
	if err := c.SetLevel(ctx, mcp.SetLevelRequest{Params: mcp.SetLevelParams{Level: mcp.LoggingLevelWarning}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Subscribe(ctx, mcp.SubscribeRequest{Params: mcp.SubscribeParams{URI: IncidentsURI}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	g.add(t, "203.0.113.10", now.Add(-time.Minute), "down", "down", "AWS tunnel DPD timed out after 3 retransmits")
	waitUntil(t, func() bool {
		return count(string(mcp.MethodNotificationResourceUpdated)) > 0 && count(string(mcp.MethodNotificationMessage)) > 0
	})
	mu.Lock()
	for _, n := range notes {
		switch n.Method {
		case string(mcp.MethodNotificationResourceUpdated):
			if n.Params.AdditionalFields["uri"] != IncidentsURI {
				t.Errorf("updated %+v", n.Params.AdditionalFields)
			}
		case string(mcp.MethodNotificationMessage):
			b, _ := json.Marshal(n.Params.AdditionalFields)
			if fmt.Sprint(n.Params.AdditionalFields["level"]) != "warning" || !strings.Contains(string(b), "DOWN: vpn-0abc1234 (office) tunnel 1") || !strings.Contains(string(b), "ike.dpd_timeout") {
				t.Errorf("log message %s", b)
			}
		}
	}
	mu.Unlock()
	v := readView()
	if len(v.Open) != 1 || v.Open[0].RootCause != "ike.dpd_timeout" || v.Open[0].Status != "down" || v.Open[0].Reports != 1 {
		t.Fatalf("after: %+v", v.Open)
	}
	if err := c.Unsubscribe(ctx, mcp.UnsubscribeRequest{Params: mcp.UnsubscribeParams{URI: IncidentsURI}}); err != nil {
		t.Fatal(err)
	}
	before := count(string(mcp.MethodNotificationResourceUpdated))
	g.add(t, "203.0.113.10", now, "established", "established", "")
	time.Sleep(300 * time.Millisecond)
	if after := count(string(mcp.MethodNotificationResourceUpdated)); after != before {
		t.Fatalf("updates after unsubscribing: %d → %d", before, after)
	}
}

// legacyClient starts an in-process client on the last protocol version
// with resources/subscribe and logging/setLevel (2025-11-25).
func legacyClient(t *testing.T, s *server.MCPServer) *client.Client {
	t.Helper()
	return mcptestutil.ClientAt(t, s, mcp.LATEST_LEGACY_PROTOCOL_VERSION)
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestIncidentsWithoutSubscription: reading the demo's incidents lists the
// day's incidents as recent, and starts nothing in the background.
func TestIncidentsWithoutSubscription(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	local, err := source.OpenDir("../testdata/demo", quiet)
	if err != nil {
		t.Fatal(err)
	}
	svc := &investigate.Service{Inventory: local, Logs: local, Limits: investigate.DefaultLimits, Logger: quiet, Now: time.Now}
	s := server.NewMCPServer("vpnlens-test", "0", server.WithResourceCapabilities(true, false), server.WithHooks(&server.Hooks{}))
	Register(s, svc)
	c := mcptestutil.Client(t, s)
	res, err := c.ReadResource(context.Background(), mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: IncidentsURI}})
	if err != nil {
		t.Fatal(err)
	}
	var v watch.IncidentsView
	if err := json.Unmarshal([]byte(res.Contents[0].(mcp.TextResourceContents).Text), &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Open) != 0 || len(v.Recent) != 12 {
		t.Fatalf("open %d, recent %d; want 0 and 12", len(v.Open), len(v.Recent))
	}
	for _, r := range v.Recent {
		if !r.BeforeWatching || r.RootCause == "" {
			t.Errorf("%+v", r)
		}
		// Each one opens as the incident resource.
		if _, err := c.ReadResource(context.Background(), mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: r.ResourceURI}}); err != nil {
			t.Errorf("%s: %v", r.ResourceURI, err)
		}
	}
}

// TestIncidentsListen: on protocol 2026-07-28 a client opts in with a
// subscriptions/listen stream; updates arrive on it, tagged with its
// subscription id, and polling stops when the stream closes.
func TestIncidentsListen(t *testing.T) {
	defer func(i, s time.Duration) { incidentsInterval, incidentsSettle = i, s }(incidentsInterval, incidentsSettle)
	incidentsInterval, incidentsSettle = 50*time.Millisecond, -1
	now := time.Now().UTC().Truncate(time.Second)
	g := &growingSource{conn: source.Connection{ID: "vpn-0abc1234", Tunnels: []source.Tunnel{
		{Number: 1, OutsideIP: "203.0.113.10", Logging: source.LogSettings{IKEEnabled: true}}}}}
	g.add(t, "203.0.113.10", now.Add(-10*time.Minute), "established", "established", "")
	quiet := slog.New(slog.DiscardHandler)
	svc := &investigate.Service{Inventory: g, Logs: g, Limits: investigate.DefaultLimits, Logger: quiet, Now: time.Now}
	s := server.NewMCPServer("vpnlens-test", "0", server.WithResourceCapabilities(true, false), server.WithHooks(&server.Hooks{}), server.WithLogging())
	Register(s, svc)
	c := mcptestutil.Client(t, s)
	ctx := context.Background()
	var mu sync.Mutex
	var updates []mcp.JSONRPCNotification
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method == string(mcp.MethodNotificationResourceUpdated) {
			mu.Lock()
			updates = append(updates, n)
			mu.Unlock()
		}
	})
	stop, err := c.ListenAsync(ctx, mcp.SubscriptionFilter{ResourceSubscriptions: []string{IncidentsURI}}, func(err error) { t.Error(err) })
	if err != nil {
		t.Skipf("this client does not speak protocol 2026-07-28: %v", err)
	}
	time.Sleep(150 * time.Millisecond)
	g.add(t, "203.0.113.10", now.Add(-time.Minute), "down", "down", "AWS tunnel DPD timed out after 3 retransmits")
	waitUntil(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(updates) > 0
	})
	stop()
	mu.Lock()
	n := len(updates)
	if updates[0].Params.AdditionalFields["uri"] != IncidentsURI || updates[0].Params.Meta[mcp.MetaKeySubscriptionID] == nil {
		t.Errorf("update %+v", updates[0].Params)
	}
	mu.Unlock()
	g.add(t, "203.0.113.10", now, "established", "established", "")
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(updates) != n {
		t.Fatalf("updates after the stream closed: %d → %d", n, len(updates))
	}
}
