package tools_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/vpnlens/vpnlens/tools"
)

// TestLongArgumentsNotEchoed: a 1 MiB value in any string argument of any
// tool comes back in the isError text, and goes to the log, at most 200
// characters long (the message still names the argument and the value's
// size).
func TestLongArgumentsNotEchoed(t *testing.T) {
	svc := demoDeps(t)
	var logged bytes.Buffer
	svc.Logger = slog.New(slog.NewTextHandler(&logged, nil))
	long := strings.Repeat("A", 1<<20)
	for _, st := range tools.All(svc) {
		for name, p := range st.Tool.InputSchema.Properties {
			prop, _ := p.(map[string]any)
			var v any = long
			switch prop["type"] {
			case "array":
				v = []any{long}
			case "string":
			default:
				continue
			}
			args := map[string]any{name: v}
			if name != "vpn_connection_id" {
				if _, ok := st.Tool.InputSchema.Properties["vpn_connection_id"]; ok {
					args["vpn_connection_id"] = "vpn-0a1b2c3d4e5f60718"
				}
			}
			logged.Reset()
			res, err := st.Handler(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{Name: st.Tool.Name, Arguments: args}})
			if err != nil {
				t.Errorf("%s(%s=1 MiB): %v", st.Tool.Name, name, err)
				continue
			}
			text := ""
			for _, c := range res.Content {
				if tc, ok := c.(mcp.TextContent); ok {
					text += tc.Text
				}
			}
			if !res.IsError {
				continue // taken as it is (classify_vpn_message's message has its own cap)
			}
			if len(text) > 4096 {
				t.Errorf("%s(%s=1 MiB): the isError text has %d bytes: %.300q", st.Tool.Name, name, len(text), text)
			}
			if logged.Len() > 4096 {
				t.Errorf("%s(%s=1 MiB): logged %d bytes: %.300q", st.Tool.Name, name, logged.Len(), logged.String())
			}
		}
	}
}
