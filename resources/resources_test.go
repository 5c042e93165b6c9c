package resources_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/vpnlens/vpnlens/internal/mcptestutil"
	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/resources"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/tools"
	"github.com/vpnlens/vpnlens/view"
)

func demoClient(t *testing.T) *client.Client {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	local, err := source.OpenFS(source.HideFiles(os.DirFS("../testdata/demo"), "expected.json"), "demo", quiet)
	if err != nil {
		t.Fatal(err)
	}
	svc := &investigate.Service{Inventory: local, Logs: local, Limits: investigate.DefaultLimits, Logger: quiet, Now: time.Now}
	s := server.NewMCPServer("vpnlens-test", "0", append(resources.ServerOptions(svc), server.WithResourceCapabilities(false, false), server.WithPromptCapabilities(false))...)
	s.AddTools(tools.All(svc)...)
	resources.Register(s, svc)
	return mcptestutil.Client(t, s)
}

func read(t *testing.T, c *client.Client, uri string) string {
	t.Helper()
	res, err := c.ReadResource(context.Background(), mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: uri}})
	if err != nil {
		t.Fatalf("%s: %v", uri, err)
	}
	if len(res.Contents) != 1 {
		t.Fatalf("%s: %d contents", uri, len(res.Contents))
	}
	return res.Contents[0].(mcp.TextResourceContents).Text
}

func TestResources(t *testing.T) {
	c := demoClient(t)
	ctx := context.Background()
	list, err := c.ListResources(ctx, mcp.ListResourcesRequest{})
	if err != nil || len(list.Resources) != 4 { // connections, catalogue, incidents, load report
		t.Fatalf("resources: %v %+v", err, list)
	}
	tpls, err := c.ListResourceTemplates(ctx, mcp.ListResourceTemplatesRequest{})
	if err != nil || len(tpls.ResourceTemplates) != 3 { // timeline, incident, catalogue entry
		t.Fatalf("templates: %v %+v", err, tpls)
	}
	cat := read(t, c, resources.CatalogURI)
	for _, id := range []string{"ike.psk_mismatch", "bgp.cease.collision_resolution", "route.denied.next_hop_unconnected", "unknown"} {
		if !strings.Contains(cat, id) {
			t.Errorf("catalogue lacks %s", id)
		}
		if entry := read(t, c, "vpn://catalog/"+id); !strings.HasPrefix(entry, "# `"+id+"`") {
			t.Errorf("vpn://catalog/%s: %.80s", id, entry)
		}
	}

	var conns investigate.ListVPNConnectionsResult
	if err := json.Unmarshal([]byte(read(t, c, resources.ConnectionsURI)), &conns); err != nil || len(conns.Connections) != 3 {
		t.Fatalf("connections: %v %d", err, len(conns.Connections))
	}
	// The link get_vpn_timeline returns must resolve to the same timeline.
	res, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "get_vpn_timeline", Arguments: map[string]any{"vpn_connection_id": "vpn-0a1b2c3d4e5f60718", "start": "2026-06-12 09:30", "end": "2026-06-12 10:30"}}})
	if err != nil || res.IsError {
		t.Fatalf("timeline tool: %v %+v", err, res)
	}
	b, _ := json.Marshal(res.StructuredContent)
	var viaTool view.Timeline
	_ = json.Unmarshal(b, &viaTool)
	var viaRes view.Timeline
	if err := json.Unmarshal([]byte(read(t, c, viaTool.ResourceURI)), &viaRes); err != nil {
		t.Fatal(err)
	}
	if viaRes.Page != viaTool.Page || len(viaRes.Entries) != len(viaTool.Entries) || viaRes.Page.Total == 0 {
		t.Errorf("resource timeline %+v/%d differs from tool timeline %+v/%d", viaRes.Page, len(viaRes.Entries), viaTool.Page, len(viaTool.Entries))
	}
	if len(viaTool.Incidents) != 1 {
		t.Fatalf("incidents in 09:30-10:30: %+v", viaTool.Incidents)
	}
	var inc view.Diagnosis
	if err := json.Unmarshal([]byte(read(t, c, "vpn://incident/"+viaTool.Incidents[0].ID)), &inc); err != nil {
		t.Fatal(err)
	}
	if inc.Incident.ID != viaTool.Incidents[0].ID || inc.RootCause.Category != "bgp.prefix_limit_exceeded" || inc.Impact.PrefixLimit != 100 {
		t.Errorf("incident resource = %s %s %d", inc.Incident.ID, inc.RootCause.Category, inc.Impact.PrefixLimit)
	}
	if _, err := c.ReadResource(ctx, mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: "vpn://incident/not-an-id"}}); err == nil {
		t.Error("a bad incident id must fail")
	}
}

func TestPromptsAndCompletions(t *testing.T) {
	c := demoClient(t)
	ctx := context.Background()
	ps, err := c.ListPrompts(ctx, mcp.ListPromptsRequest{})
	if err != nil || len(ps.Prompts) != 2 {
		t.Fatalf("prompts: %v %+v", err, ps)
	}
	var req mcp.GetPromptRequest
	req.Params.Name = "triage_tunnel_drop"
	req.Params.Arguments = map[string]string{"vpn_connection_id": "vpn-0a1b2c3d4e5f60718", "at": "20:25", "tunnel": "2"}
	p, err := c.GetPrompt(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	text := p.Messages[0].Content.(mcp.TextContent).Text
	if !strings.Contains(text, `diagnose_tunnel_drop with {"vpn_connection_id": "vpn-0a1b2c3d4e5f60718", "at": "20:25", "tunnel": "2"}`) {
		t.Errorf("triage prompt:\n%s", text)
	}
	req.Params.Name = "vpn_health_review"
	req.Params.Arguments = map[string]string{"vpn_connection_id": "vpn-0a1b2c3d4e5f60718"}
	if p, err = c.GetPrompt(ctx, req); err != nil || !strings.Contains(p.Messages[0].Content.(mcp.TextContent).Text, "summarize_vpn_health") {
		t.Errorf("health prompt: %v", err)
	}
	comp, err := c.Complete(ctx, mcp.CompleteRequest{Params: mcp.CompleteParams{
		Ref:      mcp.ResourceReference{Type: "ref/resource", URI: resources.IncidentTemplate},
		Argument: mcp.CompleteArgument{Name: "vpn_connection_id", Value: "vpn-0f"},
	}})
	if err != nil || len(comp.Completion.Values) != 1 || comp.Completion.Values[0] != "vpn-0f9e8d7c6b5a40312" {
		t.Errorf("completion: %v %+v", err, comp)
	}
}
