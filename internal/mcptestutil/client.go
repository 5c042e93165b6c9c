// Package mcptestutil starts initialized in-process MCP clients for tests,
// so every package tests its MCP surface the same way.
package mcptestutil

import (
	"context"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Client starts an in-process client on s, initializes it at the latest
// protocol version and closes it when the test ends.
func Client(t testing.TB, s *server.MCPServer) *client.Client {
	t.Helper()
	return ClientAt(t, s, mcp.LATEST_PROTOCOL_VERSION)
}

// ClientAt is Client initialized at the given protocol version.
func ClientAt(t testing.TB, s *server.MCPServer, version string) *client.Client {
	t.Helper()
	c, err := client.NewInProcessClient(s)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	var ir mcp.InitializeRequest
	ir.Params.ProtocolVersion = version
	ir.Params.ClientInfo = mcp.Implementation{Name: "test", Version: "0"}
	if _, err := c.Initialize(ctx, ir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
