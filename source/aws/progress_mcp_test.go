package aws_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
)

// progressSeen collects the notifications/progress of one token.
type progressSeen struct {
	mu    sync.Mutex
	token string
	vals  []float64
	msgs  []string
	first time.Time
}

func (p *progressSeen) handle(n mcp.JSONRPCNotification) {
	if n.Method != "notifications/progress" {
		return
	}
	f := n.Params.AdditionalFields
	if p.token != "" && f["progressToken"] != p.token { // "" watches every token
		return
	}
	v, _ := f["progress"].(float64)
	if iv, ok := f["progress"].(int); ok {
		v = float64(iv)
	}
	msg, _ := f["message"].(string)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.first.IsZero() {
		p.first = time.Now()
	}
	p.vals = append(p.vals, v)
	p.msgs = append(p.msgs, msg)
}

func callWithProgress(t *testing.T, c interface {
	CallTool(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error)
}, name, token string, args map[string]any) (*mcp.CallToolResult, time.Time) {
	t.Helper()
	req := mcp.CallToolRequest{Params: mcp.CallToolParams{Name: name, Arguments: args}}
	req.Params.Meta = &mcp.Meta{ProgressToken: token}
	res, err := c.CallTool(context.Background(), req)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if res.IsError {
		t.Fatalf("%s: %v", name, res.Content)
	}
	return res, time.Now()
}

// A client that sends a progress token sees notifications/progress with
// increasing progress while a long fetch runs, from its start, not only
// at the end; one that sends none gets none.
func TestProgressThroughMCP(t *testing.T) {
	f := newFake(t, fakeaws.Options{PageSize: 15 * demoScale, Latency: 3 * time.Millisecond, QueryDuration: 150 * time.Millisecond})
	src := newSource(t, f, nil)
	c := mcpClient(t, src, src)
	var all []*progressSeen
	var mu sync.Mutex
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range all {
			p.handle(n)
		}
	})
	watch := func(token string) *progressSeen {
		p := &progressSeen{token: token}
		mu.Lock()
		all = append(all, p)
		mu.Unlock()
		return p
	}
	check := func(name string, p *progressSeen, min int, done time.Time) {
		t.Helper()
		time.Sleep(50 * time.Millisecond) // the in-process transport forwards asynchronously
		p.mu.Lock()
		defer p.mu.Unlock()
		if len(p.vals) < min {
			t.Fatalf("%s: %d progress notifications, want at least %d: %q", name, len(p.vals), min, p.msgs)
		}
		for i := 1; i < len(p.vals); i++ {
			if p.vals[i] <= p.vals[i-1] {
				t.Errorf("%s: progress went from %v to %v", name, p.vals[i-1], p.vals[i])
			}
		}
		if done.Sub(p.first) < 20*time.Millisecond {
			t.Errorf("%s: the first progress came %s before the answer: not early", name, done.Sub(p.first))
		}
		t.Logf("%s: %d notifications, first %q, last %q", name, len(p.vals), p.msgs[0], p.msgs[len(p.msgs)-1])
	}

	tl := watch("timeline-1")
	_, done := callWithProgress(t, c, "get_vpn_timeline", "timeline-1", map[string]any{"vpn_connection_id": hq, "start": "2026-06-12T00:00:00Z", "end": "2026-06-13T00:00:00Z"})
	check("get_vpn_timeline", tl, 10, done)

	hs := watch("health-1")
	_, done = callWithProgress(t, c, "summarize_vpn_health", "health-1", map[string]any{"start": "2026-06-01T00:00:00Z", "end": "2026-06-30T00:00:00Z"})
	check("summarize_vpn_health", hs, 3, done)

	// No token, no notifications.
	time.Sleep(50 * time.Millisecond)
	none := watch("")
	src.Forget()
	if _, err := c.CallTool(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "get_vpn_timeline",
		Arguments: map[string]any{"vpn_connection_id": branch, "start": "2026-06-12T00:00:00Z", "end": "2026-06-13T00:00:00Z"}}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	none.mu.Lock()
	defer none.mu.Unlock()
	if len(none.vals) != 0 {
		t.Errorf("%d progress notifications without a token", len(none.vals))
	}
}

// A client cancelling a long summarize_vpn_health stops its Logs Insights
// queries in AWS with StopQuery.
func TestCancelledHealthCallStopsQueries(t *testing.T) {
	f := newFake(t, fakeaws.Options{QueryDuration: time.Hour})
	src := newSource(t, f, nil)
	c := mcpClient(t, src, src)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "summarize_vpn_health",
			Arguments: map[string]any{"start": "2026-06-01T00:00:00Z", "end": "2026-06-30T00:00:00Z"}}})
		done <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for f.Counts()["GetQueryResults"] < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if f.Counts()["GetQueryResults"] < 2 {
		t.Fatalf("the call never polled a query: %s", counts(f))
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Logf("call ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the call did not end after cancel")
	}
	// StopQuery is sent as the handler unwinds, just after the client
	// has its answer.
	var ids []string
	for time.Now().Before(deadline) {
		ids = f.QueryIDs()
		stopped := 0
		for _, id := range ids {
			if f.QueryStatus(id) == "Cancelled" {
				stopped++
			}
		}
		if len(ids) > 0 && stopped == len(ids) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if len(ids) == 0 {
		t.Fatal("no query was started")
	}
	for _, id := range ids {
		if st := f.QueryStatus(id); st != "Cancelled" {
			t.Errorf("query %s is %s after the client cancelled", id, st)
		}
	}
	if f.Counts()["StopQuery"] != len(ids) {
		t.Errorf("StopQuery calls %d for %d queries", f.Counts()["StopQuery"], len(ids))
	}
}
