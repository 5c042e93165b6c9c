package server

import (
	"context"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// TestLongNamesRefused: a tool or prompt name or a resource URI longer
// than any of vpnlens's is refused before mcp-go looks it up, with an
// error that gives its size instead of repeating it.
func TestLongNamesRefused(t *testing.T) {
	c := inProcessClient(t, testDeps(t))
	ctx := context.Background()
	long := strings.Repeat("A", 1<<20)
	check := func(what string, err error) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), "has 1048") || len(err.Error()) > 400 {
			t.Errorf("%s of 1 MiB: %.300v (%d bytes), want a short refusal giving the size", what, err, len(errText(err)))
		}
	}
	_, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: long}})
	check("tool name", err)
	_, err = c.GetPrompt(ctx, mcp.GetPromptRequest{Params: mcp.GetPromptParams{Name: long}})
	check("prompt name", err)
	for _, uri := range []string{"vpn://incident/" + long, "vpn://catalog/" + long, long} {
		_, err = c.ReadResource(ctx, mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: uri}})
		check("resource URI "+uri[:15], err)
	}
	// Real names and URIs still work, and unknown short ones get mcp-go's
	// own answers.
	if _, err := c.ReadResource(ctx, mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: "vpn://catalog"}}); err != nil {
		t.Errorf("vpn://catalog: %v", err)
	}
	if _, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "no_such_tool"}}); err == nil || !strings.Contains(err.Error(), "no_such_tool") {
		t.Errorf("an unknown tool: %v, want mcp-go's not-found naming it", err)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
