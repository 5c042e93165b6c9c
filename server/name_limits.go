package server

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"
)

// Longest tool or prompt name and resource URI a request may carry. The
// real ones are far shorter (names under 30 bytes, URIs under 200).
const (
	maxNameBytes = 128
	maxURIBytes  = 2048
)

// refuseLongNames refuses, before dispatch, a request naming a tool,
// prompt or resource by a name or URI longer than any of vpnlens's:
// mcp-go's not-found answers (and its request log) repeat the name whole,
// so a megabyte name would come back a megabyte long. mcp-go answers the
// refusal with -32600 (Invalid Request) and this message, which gives
// sizes, not the name.
func refuseLongNames(_ context.Context, _ any, message any) error {
	raw, ok := message.(json.RawMessage)
	if !ok {
		return nil
	}
	var m struct {
		Method string `json:"method"`
		Params struct {
			Name string `json:"name"`
			URI  string `json:"uri"`
		} `json:"params"`
	}
	if json.Unmarshal(raw, &m) != nil {
		return nil // mcp-go reports the malformed message itself
	}
	switch mcp.MCPMethod(m.Method) {
	case mcp.MethodToolsCall:
		if n := len(m.Params.Name); n > maxNameBytes {
			return fmt.Errorf("the tool name has %d bytes; vpnlens's tool names have at most %d (tools/list lists them)", n, maxNameBytes)
		}
	case mcp.MethodPromptsGet:
		if n := len(m.Params.Name); n > maxNameBytes {
			return fmt.Errorf("the prompt name has %d bytes; vpnlens's prompt names have at most %d (prompts/list lists them)", n, maxNameBytes)
		}
	case mcp.MethodResourcesRead, mcp.MethodResourcesSubscribe, mcp.MethodResourcesUnsubscribe:
		if n := len(m.Params.URI); n > maxURIBytes {
			return fmt.Errorf("the resource URI has %d bytes; vpnlens's URIs have at most %d (resources/list and resources/templates/list show them)", n, maxURIBytes)
		}
	}
	return nil
}
