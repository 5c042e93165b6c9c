package tools_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/vpnlens/vpnlens/internal/mcptestutil"
	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/tools"
)

// demoDeps serves the demo data set from testdata, as --demo does.
func demoDeps(t testing.TB) *investigate.Service {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	local, err := source.OpenFS(source.HideFiles(os.DirFS("../testdata/demo"), "expected.json"), "demo", quiet)
	if err != nil {
		t.Fatal(err)
	}
	rep := local.Report()
	if rep.MalformedCount != 0 || rep.Records == 0 {
		t.Fatalf("demo data: %d records, %d malformed", rep.Records, rep.MalformedCount)
	}
	return &investigate.Service{Inventory: local, Logs: local, Limits: investigate.DefaultLimits, Logger: quiet,
		Now: func() time.Time { return time.Date(2026, 6, 13, 8, 0, 0, 0, time.UTC) }}
}

// mcpClient starts an in-process MCP client on a server holding every tool.
func mcpClient(t testing.TB, deps *investigate.Service) *client.Client {
	t.Helper()
	s := server.NewMCPServer("vpnlens-test", "0")
	s.AddTools(tools.All(deps)...)
	return mcptestutil.Client(t, s)
}

// call invokes a tool through MCP and decodes its structured content.
func call[R any](t testing.TB, c *client.Client, name string, args map[string]any) (R, *mcp.CallToolResult) {
	t.Helper()
	var out R
	res, err := c.CallTool(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{Name: name, Arguments: args}})
	if err != nil {
		t.Fatalf("%s: protocol error: %v", name, err)
	}
	if res.IsError {
		return out, res
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: structured content does not decode: %v\n%s", name, err, b)
	}
	if len(res.Content) == 0 {
		t.Fatalf("%s: no text rendering", name)
	}
	return out, res
}

func resultText(res *mcp.CallToolResult) string {
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			return tc.Text
		}
	}
	return ""
}

type expectedIncident struct {
	ID               string `json:"id"`
	VPNConnectionID  string `json:"vpn_connection_id"`
	Tunnel           int    `json:"tunnel"`
	TunnelIP         string `json:"tunnel_ip"`
	QuestionAt       string `json:"question_at"`
	RootCause        string `json:"root_cause"`
	RootCauseAt      string `json:"root_cause_at"`
	StaysDownBecause string `json:"stays_down_because"`
	Recovered        bool   `json:"recovered"`
	RecoveredAt      string `json:"recovered_at"`
}

func loadExpected(t testing.TB) []expectedIncident {
	t.Helper()
	b, err := os.ReadFile("../testdata/demo/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var out []expectedIncident
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if len(out) < 9 {
		t.Fatalf("expected.json has only %d incidents", len(out))
	}
	return out
}
