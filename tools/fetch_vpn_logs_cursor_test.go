package tools_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/view"
)

const cursorVPN = "vpn-0a1b2c3d4e5f60718"

func fetchArgs(extra map[string]any) map[string]any {
	a := map[string]any{"vpn_connection_id": cursorVPN, "tunnel": "2", "limit": 5}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

// A cursor continues the query that made it, and only that one.
func TestFetchCursorIsBoundToItsQuery(t *testing.T) {
	c := mcpClient(t, demoDeps(t))
	first, res := call[view.Logs](t, c, "fetch_vpn_logs", fetchArgs(nil))
	if res.IsError || first.Page.NextCursor == "" {
		t.Fatalf("first page: %s", resultText(res))
	}
	// The same arguments (the page size may change) continue where the
	// first page stopped.
	all, _ := call[view.Logs](t, c, "fetch_vpn_logs", fetchArgs(map[string]any{"limit": 10}))
	next, res := call[view.Logs](t, c, "fetch_vpn_logs", fetchArgs(map[string]any{"cursor": first.Page.NextCursor, "limit": 3}))
	if res.IsError || len(next.Records) != 3 || next.Records[0].Raw != all.Records[5].Raw || next.Records[2].Raw != all.Records[7].Raw {
		t.Fatalf("second page does not continue the first: %s", resultText(res))
	}
	// The reviewer's case: a tunnel-2 cursor reused for tunnel 1.
	for name, args := range map[string]map[string]any{
		"other tunnel":     {"tunnel": "1"},
		"other stream":     {"stream": "bgp"},
		"other window":     {"start": "2026-06-12 10:00"},
		"other categories": {"categories": []string{"ike.state"}},
		"anomalies only":   {"anomalies_only": true},
		"other vpn":        {"vpn_connection_id": "vpn-0f9e8d7c6b5a40312"},
	} {
		args["cursor"] = first.Page.NextCursor
		_, res := call[view.Logs](t, c, "fetch_vpn_logs", fetchArgs(args))
		if !res.IsError || !strings.Contains(resultText(res), "call again without cursor") {
			t.Errorf("%s: a cursor of another query must be refused: %s", name, resultText(res))
		}
	}
	// Cursors this tool never returned, including the old offsets.
	for _, cur := range []string{"o5", "o99999", "zzz", first.Page.NextCursor[:len(first.Page.NextCursor)-2]} {
		_, res := call[view.Logs](t, c, "fetch_vpn_logs", fetchArgs(map[string]any{"cursor": cur}))
		if !res.IsError || !strings.Contains(resultText(res), "call again without cursor") {
			t.Errorf("cursor %q must be refused: %s", cur, resultText(res))
		}
	}
}

// shrinkingLogs returns fewer records after the first read, as logs past
// their retention would.
type shrinkingLogs struct {
	source.LogSource
	reads int
}

func (s *shrinkingLogs) Logs(ctx context.Context, q source.LogQuery) (*source.LogResult, error) {
	lr, err := s.LogSource.Logs(ctx, q)
	s.reads++
	if err == nil && s.reads > 1 && len(lr.Events) > 3 {
		lr.Events = lr.Events[:3]
	}
	return lr, err
}

// A cursor past the end of what now matches is refused, not answered with
// an empty page.
func TestFetchCursorPastTheEnd(t *testing.T) {
	deps := demoDeps(t)
	deps.Logs = &shrinkingLogs{LogSource: deps.Logs}
	c := mcpClient(t, deps)
	first, _ := call[view.Logs](t, c, "fetch_vpn_logs", fetchArgs(nil))
	_, res := call[view.Logs](t, c, "fetch_vpn_logs", fetchArgs(map[string]any{"cursor": first.Page.NextCursor}))
	if !res.IsError || !strings.Contains(resultText(res), "past the last of the 3 matching records") || !strings.Contains(resultText(res), "without cursor") {
		t.Errorf("a cursor past the end must be refused: %s", resultText(res))
	}
}

// growingLogs has a newer last record at every look, as live logs do.
type growingLogs struct {
	source.LogSource
	looks int
}

func (g *growingLogs) Extents(ctx context.Context, vpn string) ([]source.Extent, error) {
	exts, err := g.LogSource.Extents(ctx, vpn)
	for i := range exts {
		exts[i].Last = exts[i].Last.Add(time.Duration(g.looks) * 10 * time.Minute)
	}
	g.looks++
	return exts, err
}

// Later pages read the first page's window: a "latest-…" window that moves
// as logs arrive does not shift the pages.
func TestFetchCursorKeepsTheWindow(t *testing.T) {
	deps := demoDeps(t)
	deps.Logs = &growingLogs{LogSource: deps.Logs}
	c := mcpClient(t, deps)
	first, _ := call[view.Logs](t, c, "fetch_vpn_logs", fetchArgs(map[string]any{"start": "latest-2h"}))
	next, res := call[view.Logs](t, c, "fetch_vpn_logs", fetchArgs(map[string]any{"start": "latest-2h", "cursor": first.Page.NextCursor}))
	if res.IsError || next.Start != first.Start || next.End != first.End {
		t.Errorf("window moved: %v–%v then %v–%v %s", first.Start, first.End, next.Start, next.End, resultText(res))
	}
}

// With a timezone the text shows local times next to UTC; the result's
// notes and the count of unreadable records are in the text too.
func TestFetchTextLocalTimesAndNotes(t *testing.T) {
	deps := demoDeps(t)
	deps.Logs = notingLogs{deps.Logs}
	c := mcpClient(t, deps)
	r, res := call[view.Logs](t, c, "fetch_vpn_logs", fetchArgs(map[string]any{"timezone": "Europe/Berlin", "limit": 2}))
	text := resultText(res)
	if len(r.Records) != 2 || r.Records[0].AtLocal == "" {
		t.Fatalf("no local times: %s", text)
	}
	for _, want := range []string{
		r.Start + " (2026-06",
		r.Records[0].At + " (" + r.Records[0].AtLocal + ")",
		"CEST",
		"served from a test cache",
		"7 record(s) in the logs read could not be decoded",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	_, res = call[view.Logs](t, c, "fetch_vpn_logs", fetchArgs(map[string]any{"limit": 2}))
	if strings.Contains(resultText(res), "CEST") {
		t.Errorf("local times without a timezone:\n%s", resultText(res))
	}
}

// notingLogs adds a note and unreadable records to every answer.
type notingLogs struct{ source.LogSource }

func (n notingLogs) Logs(ctx context.Context, q source.LogQuery) (*source.LogResult, error) {
	lr, err := n.LogSource.Logs(ctx, q)
	if err == nil {
		cp := *lr
		cp.Notes = append(append([]string(nil), lr.Notes...), "served from a test cache")
		cp.Report.MalformedCount = 7
		lr = &cp
	}
	return lr, err
}
