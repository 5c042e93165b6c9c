package tools

import (
	"github.com/mark3labs/mcp-go/server"

	"github.com/vpnlens/vpnlens/investigate"
)

// All returns every vpnlens tool bound to svc, in the order they are listed
// to clients (roughly the order an assistant would call them in).
func All(svc *investigate.Service) []server.ServerTool {
	return []server.ServerTool{
		ListVPNConnections(svc).ServerTool(svc),
		GetTunnelOptions(svc).ServerTool(svc),
		DiagnoseTunnelDrop(svc).ServerTool(svc),
		GetVPNTimeline(svc).ServerTool(svc),
		FetchVPNLogs(svc).ServerTool(svc),
		ClassifyVPNMessage(svc).ServerTool(svc),
		SummarizeVPNHealth(svc).ServerTool(svc),
	}
}
