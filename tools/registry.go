package tools

import "github.com/mark3labs/mcp-go/server"

// All returns every vpnlens tool bound to deps, in the order they are listed
// to clients (roughly the order an assistant would call them in).
func All(deps *Deps) []server.ServerTool {
	return []server.ServerTool{
		ListVPNConnections(deps).ServerTool(deps),
		GetTunnelOptions(deps).ServerTool(deps),
		DiagnoseTunnelDrop(deps).ServerTool(deps),
		GetVPNTimeline(deps).ServerTool(deps),
		FetchVPNLogs(deps).ServerTool(deps),
		ClassifyVPNMessage(deps).ServerTool(deps),
		SummarizeVPNHealth(deps).ServerTool(deps),
	}
}
