// Package resources exposes vpnlens's MCP resources (connections, the
// message catalogue, timelines, incidents), its prompts and the completions
// for their arguments.
package resources

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/tools"
)

// URIs and templates.
const (
	ConnectionsURI   = "vpn://connections"
	CatalogURI       = "vpn://catalog"
	TimelineTemplate = "vpn://timeline/{vpn_connection_id}/{start}/{end}"
	IncidentTemplate = "vpn://incident/{incident_id}"
)

// Register adds resources, templates and prompts to s.
func Register(s *server.MCPServer, deps *tools.Deps) {
	s.AddResource(mcp.NewResource(ConnectionsURI, "VPN connections",
		mcp.WithResourceDescription("Every Site-to-Site VPN connection with its tunnels, telemetry and log settings (the output of list_vpn_connections)."),
		mcp.WithMIMEType("application/json")),
		func(ctx context.Context, r mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			res, err := deps.Connections(ctx)
			if err != nil {
				return nil, err
			}
			return jsonContents(r.Params.URI, res)
		})
	s.AddResource(mcp.NewResource(CatalogURI, "VPN log message catalogue",
		mcp.WithResourceDescription("Every AWS Site-to-Site VPN log message class vpnlens knows: category id, meaning, acting side, causes, checks, gateway commands and references, as Markdown."),
		mcp.WithMIMEType("text/markdown")),
		func(ctx context.Context, r mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			return []mcp.ResourceContents{mcp.TextResourceContents{URI: r.Params.URI, MIMEType: "text/markdown", Text: correlate.CatalogMarkdown()}}, nil
		})
	s.AddResourceTemplate(mcp.NewResourceTemplate(TimelineTemplate, "VPN connection timeline",
		mcp.WithTemplateDescription("The merged, classified timeline of a connection's four log streams between start and end (UTC, compact ISO 8601 such as 20260612T202500Z), as get_vpn_timeline returns it."),
		mcp.WithTemplateMIMEType("application/json")),
		func(ctx context.Context, r mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			vpn, start, end := templateArg(r, "vpn_connection_id"), templateArg(r, "start"), templateArg(r, "end")
			res, err := deps.Timeline(ctx, vpn, start, end)
			if err != nil {
				return nil, err
			}
			return jsonContents(r.Params.URI, res)
		})
	s.AddResourceTemplate(mcp.NewResourceTemplate(IncidentTemplate, "VPN incident",
		mcp.WithTemplateDescription("One incident (ids come from get_vpn_timeline, diagnose_tunnel_drop and summarize_vpn_health) with its full diagnosis."),
		mcp.WithTemplateMIMEType("application/json")),
		func(ctx context.Context, r mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			res, err := deps.Incident(ctx, templateArg(r, "incident_id"))
			if err != nil {
				return nil, err
			}
			return jsonContents(r.Params.URI, res)
		})
	registerIncidents(s, deps)
	registerPrompts(s)
}

// templateArg reads a template variable: mcp-go hands them over as []string.
func templateArg(r mcp.ReadResourceRequest, name string) string {
	var s string
	switch v := r.Params.Arguments[name].(type) {
	case []string:
		if len(v) > 0 {
			s = v[0]
		}
	case string:
		s = v
	}
	if u, err := url.PathUnescape(s); err == nil {
		s = u
	}
	return s
}

func jsonContents(uri string, v any) ([]mcp.ResourceContents, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", uri, err)
	}
	return []mcp.ResourceContents{mcp.TextResourceContents{URI: uri, MIMEType: "application/json", Text: string(b)}}, nil
}

// Completions offers known VPN connection ids (and tunnel numbers) for
// resource template and prompt arguments.
type Completions struct{ Deps *tools.Deps }

func (c Completions) complete(ctx context.Context, arg mcp.CompleteArgument) (*mcp.Completion, error) {
	var vals []string
	switch arg.Name {
	case "vpn_connection_id":
		for _, id := range c.Deps.ConnectionIDs(ctx) {
			if strings.HasPrefix(id, arg.Value) {
				vals = append(vals, id)
			}
		}
	case "tunnel":
		vals = []string{"1", "2"}
	case "window":
		vals = []string{"24h", "7d", "30d"}
	}
	sort.Strings(vals)
	if vals == nil {
		vals = []string{}
	}
	return &mcp.Completion{Values: vals, Total: len(vals)}, nil
}

// CompleteResourceArgument implements server.ResourceCompletionProvider.
func (c Completions) CompleteResourceArgument(ctx context.Context, uri string, arg mcp.CompleteArgument, _ mcp.CompleteContext) (*mcp.Completion, error) {
	return c.complete(ctx, arg)
}

// CompletePromptArgument implements server.PromptCompletionProvider.
func (c Completions) CompletePromptArgument(ctx context.Context, prompt string, arg mcp.CompleteArgument, _ mcp.CompleteContext) (*mcp.Completion, error) {
	return c.complete(ctx, arg)
}

// ServerOptions returns the options that wire completions into a server.
func ServerOptions(deps *tools.Deps) []server.ServerOption {
	c := Completions{Deps: deps}
	return []server.ServerOption{server.WithCompletions(), server.WithResourceCompletionProvider(c), server.WithPromptCompletionProvider(c)}
}
