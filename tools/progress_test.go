package tools_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/tools"
)

type textResult struct{ N int }

func (textResult) Text() string { return "ok" }

// A tool call that makes two long reads, each counting its steps from 1,
// shows the client one progress that only increases, with a total that is
// never below it.
func TestProgressAcrossPhasesOnlyIncreases(t *testing.T) {
	def := tools.Def[textResult]{
		Tool: mcp.NewTool("two_phases"),
		Handle: func(ctx context.Context, _ *tools.Request) (textResult, error) {
			for _, step := range [][2]int{{1, 3}, {2, 3}, {2, 3}, {3, 3}, {1, 0}, {2, 0}, {1, 5}, {4, 5}} {
				source.ReportProgress(ctx, step[0], step[1], "step")
			}
			return textResult{}, nil
		},
	}
	s := server.NewMCPServer("t", "0")
	s.AddTools(def.ServerTool(&investigate.Service{}))
	c, err := client.NewInProcessClient(s)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var ir mcp.InitializeRequest
	ir.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	if _, err := c.Initialize(ctx, ir); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got [][2]float64 // progress, total (-1: none)
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method != "notifications/progress" || n.Params.AdditionalFields["progressToken"] != "tok" {
			return
		}
		num := func(v any) float64 {
			switch x := v.(type) {
			case int:
				return float64(x)
			case float64:
				return x
			}
			return -1
		}
		mu.Lock()
		got = append(got, [2]float64{num(n.Params.AdditionalFields["progress"]), num(n.Params.AdditionalFields["total"])})
		mu.Unlock()
	})
	req := mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "two_phases"}}
	req.Params.Meta = &mcp.Meta{ProgressToken: "tok"}
	if res, err := c.CallTool(ctx, req); err != nil || res.IsError {
		t.Fatalf("%v %v", res, err)
	}
	time.Sleep(50 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	// 1,2 (3 dropped: no increase),3 | phase 2: 4,5 | phase 3: 6,9
	want := [][2]float64{{1, 3}, {2, 3}, {3, 3}, {4, -1}, {5, -1}, {6, 10}, {9, 10}}
	if len(got) != len(want) {
		t.Fatalf("notifications %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("notification %d: %v, want %v (all: %v)", i, got[i], want[i], got)
		}
	}

	// Without a token the same call sends nothing.
	n := len(got)
	mu.Unlock()
	if _, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "two_phases"}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	mu.Lock()
	if len(got) != n {
		t.Errorf("%d notifications without a progress token", len(got)-n)
	}
}
