package resources

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
)

// unreadable is a log source that fails every read.
type unreadable struct{}

func (unreadable) Logs(context.Context, source.LogQuery) (*source.LogResult, error) {
	return nil, errors.New("unreadable")
}
func (unreadable) Extents(context.Context, string) ([]source.Extent, error) {
	return nil, errors.New("unreadable")
}

// Once the watch engine behind vpn://incidents has polled, incident ids
// come from it, without reading the logs again.
func TestIncidentCompletionsAskTheWatchFirst(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	local, err := source.OpenFS(source.HideFiles(os.DirFS("../testdata/demo"), "expected.json"), "demo", quiet)
	if err != nil {
		t.Fatal(err)
	}
	svc := &investigate.Service{Inventory: local, Logs: local, Limits: investigate.DefaultLimits, Logger: quiet, Now: time.Now}
	s := server.NewMCPServer("vpnlens-test", "0", server.WithResourceCapabilities(true, false), server.WithHooks(&server.Hooks{}))
	inc := registerIncidents(s, svc)

	blind := &investigate.Service{Inventory: local, Logs: unreadable{}, Limits: investigate.DefaultLimits, Logger: quiet, Now: time.Now}
	c := Completions{Service: blind, state: newCompletionState(inc)}
	arg := mcp.CompleteArgument{Name: "incident_id"}
	if got, _ := c.CompleteResourceArgument(context.Background(), IncidentTemplate, arg, mcp.CompleteContext{}); len(got.Values) != 0 {
		t.Fatalf("before the watch polled, with logs that cannot be read: %q", got.Values)
	}
	var req mcp.ReadResourceRequest
	req.Params.URI = IncidentsURI
	if _, err := inc.read(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	got, _ := c.CompleteResourceArgument(context.Background(), IncidentTemplate, arg, mcp.CompleteContext{})
	if len(got.Values) != 12 || !slices.Contains(got.Values, "vpn-0a1b2c3d4e5f60718_203.0.113.10_20260612T031007Z") {
		t.Errorf("after the watch polled: %q", got.Values)
	}
	arg.Value = "vpn-0f9e8d7c6b5a40312_203.0.113.40"
	got, _ = c.CompleteResourceArgument(context.Background(), IncidentTemplate, arg, mcp.CompleteContext{})
	if !slices.Equal(got.Values, []string{"vpn-0f9e8d7c6b5a40312_203.0.113.40_20260612T180211Z", "vpn-0f9e8d7c6b5a40312_203.0.113.40_20260612T110003Z"}) {
		t.Errorf("prefix %s: %q", arg.Value, got.Values)
	}
}

// More connections than a completion may read: incident ids are completed
// up to the connection first, at most 100 values, the rest counted.
func TestIncidentCompletionsNarrowManyConnections(t *testing.T) {
	var inv manyConnections
	for i := range 150 {
		inv = append(inv, source.Connection{ID: "vpn-" + string(rune('a'+i/26%26)) + string(rune('a'+i%26)) + "0000"})
	}
	c := Completions{Service: &investigate.Service{Inventory: inv, Logs: unreadable{}}, state: newCompletionState(nil)}
	got, _ := c.CompleteResourceArgument(context.Background(), IncidentTemplate, mcp.CompleteArgument{Name: "incident_id", Value: "vpn-"}, mcp.CompleteContext{})
	if len(got.Values) != 100 || got.Total != 150 || !got.HasMore || got.Values[0] != "vpn-aa0000_" {
		t.Errorf("%d values of %d (more: %v), first %q", len(got.Values), got.Total, got.HasMore, got.Values[0])
	}
}

type manyConnections []source.Connection

func (m manyConnections) Connections(context.Context) ([]source.Connection, error) { return m, nil }
