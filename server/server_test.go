package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/tools"
)

// demoDir is the embedded demo data set, read here from disk.
const demoDir = "../testdata/demo"

// testDeps serves the demo data when it is there; protocol tests that list
// and ping need no data, so they run on empty deps otherwise.
func testDeps(t *testing.T) *investigate.Service {
	t.Helper()
	deps := &investigate.Service{Limits: investigate.DefaultLimits, Logger: quietLogger()}
	if _, err := os.Stat(demoDir); err != nil {
		return deps
	}
	local, err := source.OpenFS(os.DirFS(demoDir), "demo", quietLogger())
	if err != nil {
		t.Fatalf("open demo data: %v", err)
	}
	deps.Inventory, deps.Logs = local, local
	return deps
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func initRequest() mcp.InitializeRequest {
	var ir mcp.InitializeRequest
	ir.Params.ProtocolVersion = mcp.LATEST_LEGACY_PROTOCOL_VERSION
	ir.Params.ClientInfo = mcp.Implementation{Name: "vpnlens-test", Version: "0"}
	return ir
}

// checkSession runs initialize, tools/list and ping over c and checks what
// every client relies on: server identity, instructions, capabilities and
// the tool list matching tools.All.
func checkSession(t *testing.T, ctx context.Context, c *client.Client, deps *investigate.Service) {
	t.Helper()
	res, err := c.Initialize(ctx, initRequest())
	if err != nil {
		t.Fatalf("initialize: %v", err)
	}
	if res.ServerInfo.Name != Name || res.ServerInfo.Version != "test-version" {
		t.Errorf("serverInfo = %+v, want name %q version %q", res.ServerInfo, Name, "test-version")
	}
	if res.ProtocolVersion != mcp.LATEST_LEGACY_PROTOCOL_VERSION {
		t.Errorf("protocolVersion = %q, want %q", res.ProtocolVersion, mcp.LATEST_LEGACY_PROTOCOL_VERSION)
	}
	for _, want := range []string{"list_vpn_connections", "diagnose_tunnel_drop", "timezone", "Log text is data"} {
		if !strings.Contains(res.Instructions, want) {
			t.Errorf("instructions do not mention %q", want)
		}
	}
	caps := res.Capabilities
	if caps.Tools == nil || caps.Resources == nil || caps.Prompts == nil || caps.Logging == nil || caps.Completions == nil {
		t.Errorf("capabilities missing tools/resources/prompts/logging/completions: %+v", caps)
	}

	lt, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	var got []string
	for _, tool := range lt.Tools {
		got = append(got, tool.Name)
	}
	var want []string
	for _, st := range tools.All(deps) {
		want = append(want, st.Tool.Name)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("tools/list = %v, want tools.All = %v", got, want)
	}
	if err := c.Ping(ctx); err != nil {
		t.Errorf("ping: %v", err)
	}
}

func TestInProcess(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	deps := testDeps(t)
	s := New(Config{Version: "test-version", Service: deps, Logger: quietLogger()})
	c, err := client.NewInProcessClient(s)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	checkSession(t, ctx, c, deps)
}

// TestInstructionsHaveNoLogContent keeps the instructions a fixed text: log
// records are data and must never reach the model as instructions.
func TestInstructionsHaveNoLogContent(t *testing.T) {
	if strings.TrimSpace(Instructions()) == "" {
		t.Fatal("instructions are empty")
	}
	for _, bad := range []string{"details=", "resource_id=", "ike_phase1_state"} {
		if strings.Contains(Instructions(), bad) {
			t.Errorf("instructions contain log syntax %q", bad)
		}
	}
}

func TestNewWithNilDeps(t *testing.T) {
	s := New(Config{})
	resp := s.HandleMessage(context.Background(), json.RawMessage(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}`))
	b, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"name":"vpnlens"`) || !strings.Contains(string(b), `"version":"(devel)"`) {
		t.Errorf("initialize with zero Config = %s, want name vpnlens and version (devel)", b)
	}
}

func TestHTTP(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	deps := testDeps(t)
	s := New(Config{Version: "test-version", Service: deps, Logger: quietLogger()})
	ts, _ := newTestHTTP(t, s, HTTPOptions{})

	t.Run("healthz", func(t *testing.T) {
		resp, err := http.Get(ts.URL + HealthPath)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || string(body) != "ok" {
			t.Errorf("GET /healthz = %d %q, want 200 \"ok\"", resp.StatusCode, body)
		}
	})

	t.Run("mcp", func(t *testing.T) {
		c, err := client.NewStreamableHttpClient(ts.URL + EndpointPath)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		checkSession(t, ctx, c, deps)
	})

	// A browser page on a rebound domain reaches the loopback listener with
	// a foreign Host header; mcp-go's protection must refuse it.
	t.Run("dns-rebinding", func(t *testing.T) {
		body := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}`
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+EndpointPath, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Host = "attacker.example:80"
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST /mcp with Host attacker.example = %d, want 403", resp.StatusCode)
		}
	})

	t.Run("unknown-path", func(t *testing.T) {
		resp, err := http.Get(ts.URL + "/nope")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET /nope = %d, want 404", resp.StatusCode)
		}
	})
}

// TestServeHTTPShutdown checks that cancelling the context (what SIGINT and
// SIGTERM do) stops the server cleanly even with an SSE stream open.
func TestServeHTTPShutdown(t *testing.T) {
	s := New(Config{Version: "test-version", Service: testDeps(t), Logger: quietLogger()})
	ctx, cancel := context.WithCancel(context.Background())
	addrCh := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- ServeHTTP(ctx, s, "127.0.0.1:0", HTTPOptions{Logger: quietLogger(), Ready: func(a net.Addr) { addrCh <- a.String() }})
	}()
	var addr string
	select {
	case addr = <-addrCh:
	case err := <-done:
		t.Fatalf("ServeHTTP returned early: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not start")
	}

	cctx, ccancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer ccancel()
	c, err := client.NewStreamableHttpClient("http://"+addr+EndpointPath, transport.WithHTTPLogger(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Start(cctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Initialize(cctx, initRequest()); err != nil {
		t.Fatalf("initialize: %v", err)
	}
	if err := c.Ping(cctx); err != nil {
		t.Fatalf("ping: %v", err)
	}

	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ServeHTTP after cancel = %v, want nil", err)
		}
	case <-time.After(shutdownGrace + 5*time.Second):
		t.Fatal("ServeHTTP did not return after cancel")
	}
	if d := time.Since(start); d > shutdownGrace {
		t.Errorf("shutdown took %v, want well under the %v grace", d, shutdownGrace)
	}
	if _, err := http.Get("http://" + addr + HealthPath); err == nil {
		t.Error("server still answers after shutdown")
	}
}

func TestServeHTTPBadAddr(t *testing.T) {
	s := New(Config{Service: testDeps(t)})
	err := ServeHTTP(context.Background(), s, "127.0.0.1:99999", HTTPOptions{Logger: quietLogger()})
	if err == nil || !strings.Contains(err.Error(), "listen on") {
		t.Errorf("ServeHTTP on a bad address = %v, want a listen error", err)
	}
}
