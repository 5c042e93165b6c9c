package s3logs_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/vpnlens/vpnlens/internal/fakes3"
	"github.com/vpnlens/vpnlens/internal/mcptestutil"
	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/source/s3logs"
	"github.com/vpnlens/vpnlens/tools"
)

const demoDir = "../../testdata/demo"

var (
	hq     = "vpn-0a1b2c3d4e5f60718"
	branch = "vpn-0f9e8d7c6b5a40312"
	now    = time.Date(2026, 6, 13, 8, 0, 0, 0, time.UTC)
	quiet  = slog.New(slog.DiscardHandler)
)

func newFake(t testing.TB) *fakes3.Server {
	t.Helper()
	f := fakes3.New(fakes3.Options{})
	t.Cleanup(f.Close)
	return f
}

// config points the real SDK client at the fake: path-style requests to
// its endpoint, static credentials, no shared config files, an index
// cache of the test's own (or none).
func config(t testing.TB, f *fakes3.Server, url string) s3logs.Config {
	t.Helper()
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	return s3logs.Config{
		URL: url, Region: f.Region(), Endpoint: f.URL, MaxAttempts: 2,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDFAKE", "secret", ""),
		Local:       source.LocalOptions{IndexCacheDir: "-", Now: func() time.Time { return now }},
		Logger:      quiet,
	}
}

func open(t testing.TB, cfg s3logs.Config) *s3logs.Source {
	t.Helper()
	src, err := s3logs.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// localDemo is --logs-dir on the demo data, with the same files hidden.
func localDemo(t testing.TB, hide ...string) *source.Local {
	t.Helper()
	l, err := source.OpenFSWith(source.HideFiles(os.DirFS(demoDir), append(hide, "expected.json")...), "demo", quiet,
		source.LocalOptions{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func mcpClient(t testing.TB, inv source.Inventory, logs source.LogSource) *client.Client {
	t.Helper()
	deps := &investigate.Service{Inventory: inv, Logs: logs, Limits: investigate.DefaultLimits, Logger: quiet, Now: func() time.Time { return now }}
	s := server.NewMCPServer("vpnlens-test", "0")
	s.AddTools(tools.All(deps)...)
	return mcptestutil.Client(t, s)
}

// callJSON calls a tool and returns its structured content, or the error
// text of an isError answer.
func callJSON(t testing.TB, c *client.Client, name string, args map[string]any) (map[string]any, string) {
	t.Helper()
	res, err := c.CallTool(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{Name: name, Arguments: args}})
	if err != nil {
		t.Fatalf("%s: protocol error: %v", name, err)
	}
	if res.IsError {
		for _, ct := range res.Content {
			if tc, ok := ct.(mcp.TextContent); ok {
				return nil, tc.Text
			}
		}
		return nil, "isError"
	}
	b, _ := json.Marshal(res.StructuredContent)
	var out map[string]any
	json.Unmarshal(b, &out)
	return out, ""
}

type expectedIncident struct {
	ID              string `json:"id"`
	VPNConnectionID string `json:"vpn_connection_id"`
	Tunnel          int    `json:"tunnel"`
	TunnelIP        string `json:"tunnel_ip"`
	QuestionAt      string `json:"question_at"`
	RootCause       string `json:"root_cause"`
	RootCauseAt     string `json:"root_cause_at"`
}

func loadExpected(t testing.TB) []expectedIncident {
	t.Helper()
	b, err := os.ReadFile(demoDir + "/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var exp []expectedIncident
	if err := json.Unmarshal(b, &exp); err != nil || len(exp) < 9 {
		t.Fatalf("expected.json: %v (%d incidents)", err, len(exp))
	}
	return exp
}

// sameAnswer calls a tool on both clients and reports where the answers
// differ, leaving out notes and hints (each source's account of how it
// read) and the keys named.
func sameAnswer(t *testing.T, label string, got, want *client.Client, name string, args map[string]any, ignore ...string) map[string]any {
	t.Helper()
	g, gerr := callJSON(t, got, name, args)
	w, werr := callJSON(t, want, name, args)
	if gerr != werr {
		t.Errorf("%s: %s %v: error %q, --logs-dir %q", label, name, args, gerr, werr)
		return g
	}
	for _, k := range append(ignore, "notes", "hints") {
		delete(g, k)
		delete(w, k)
	}
	gj, _ := json.Marshal(g)
	wj, _ := json.Marshal(w)
	if string(gj) != string(wj) {
		i := 0
		for i < min(len(gj), len(wj)) && gj[i] == wj[i] {
			i++
		}
		lo := max(0, i-200)
		t.Errorf("%s: %s %v differs at byte %d:\nS3:         …%s\n--logs-dir: …%s", label, name, args, i, gj[lo:min(len(gj), i+200)], wj[lo:min(len(wj), i+200)])
	}
	return g
}
