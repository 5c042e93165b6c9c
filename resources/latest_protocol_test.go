package resources_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/resources"
	vpnserver "github.com/vpnlens/vpnlens/server"
	"github.com/vpnlens/vpnlens/source"
)

// prompts/get without a required argument, at the latest protocol: invalid
// params (-32602), never internal error, naming what is missing, saying the
// prompt exists, and giving arguments that work.
func TestPromptMissingArgumentAtLatestProtocol(t *testing.T) {
	c := servedClient(t, mcp.LATEST_PROTOCOL_VERSION)
	for _, tc := range []struct {
		args map[string]string
		want []string
	}{
		{map[string]string{"at": "20:15"}, []string{`lacks its required argument "vpn_connection_id" (the VPN connection id`, `{"vpn_connection_id": "vpn-0a1b2c3d4e5f60718", "at": "20:15"}`}},
		{map[string]string{"vpn_connection_id": hq, "tunnel": "2"}, []string{`lacks its required argument "at" (when it dropped: RFC 3339`, `{"vpn_connection_id": "` + hq + `", "at": "2026-06-12T20:25:00Z", "tunnel": "2"}`}},
		{nil, []string{`lacks its required arguments "vpn_connection_id" (`, ` and "at" (when it dropped`}},
	} {
		_, err := getPrompt(c, "triage_tunnel_drop", tc.args)
		if !errors.Is(err, mcp.ErrInvalidParams) || errors.Is(err, mcp.ErrInternalError) {
			t.Errorf("%v: want invalid params, got %v", tc.args, err)
			continue
		}
		msg := err.Error()
		for _, w := range append(tc.want, "the prompt exists, but this call", "call prompts/get again with arguments like") {
			if !strings.Contains(msg, w) {
				t.Errorf("%v: message lacks %q:\n%s", tc.args, w, msg)
			}
		}
		// The arguments the message suggests are ones the prompt takes.
		m := regexp.MustCompile(`arguments like (\{[^}]*\})`).FindStringSubmatch(msg)
		var args map[string]string
		if m == nil || json.Unmarshal([]byte(m[1]), &args) != nil {
			t.Errorf("%v: no arguments to copy in %s", tc.args, msg)
			continue
		}
		if _, err := getPrompt(c, "triage_tunnel_drop", args); err != nil {
			t.Errorf("the suggested arguments %v fail: %v", args, err)
		}
	}
}

// handle sends one raw JSON-RPC request at protocol 2026-07-28 (its _meta
// carries the version) to the server vpnlens serve builds.
func handle(t *testing.T, s *server.MCPServer, method string, params map[string]any) mcp.JSONRPCMessage {
	t.Helper()
	params["_meta"] = map[string]any{
		mcp.MetaKeyProtocolVersion:    mcp.LATEST_PROTOCOL_VERSION,
		mcp.MetaKeyClientCapabilities: map[string]any{},
		mcp.MetaKeyClientInfo:         map[string]any{"name": "test", "version": "0"},
	}
	raw, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 7, "method": method, "params": params})
	if err != nil {
		t.Fatal(err)
	}
	return s.HandleMessage(context.Background(), raw)
}

// Only vpn://incidents can be subscribed to; anything else, existing
// resources included, is refused with what can be subscribed, at the
// latest protocol (resources/subscribe, which it removed, and
// subscriptions/listen) as at the previous one.
//
// The refusal is invalid request (-32600), not invalid params: mcp-go
// v1.2.1 checks no subscribed URI and lets no hook answer a subscription
// with an error of its own, except the request-initialization hook, whose
// errors it always sends as -32600.
func TestSubscribeOnlyIncidents(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	local, err := source.OpenFS(source.HideFiles(os.DirFS("../testdata/demo"), "expected.json"), "demo", quiet)
	if err != nil {
		t.Fatal(err)
	}
	svc := &investigate.Service{Inventory: local, Logs: local, Limits: investigate.DefaultLimits, Logger: quiet, Now: time.Now}
	s := vpnserver.New(vpnserver.Config{Service: svc})
	refused := map[string]string{
		"vpn://nope":               "vpnlens has no such resource",
		resources.CatalogURI:       "vpnlens sends updates for vpn://incidents only; read vpn://catalog again when you need it",
		resources.ConnectionsURI:   "vpnlens sends updates for vpn://incidents only",
		resources.LoadReportURI:    "vpnlens sends updates for vpn://incidents only",
		hqDPD:                      "vpnlens sends updates for vpn://incidents only",
		"vpn://incident/not-an-id": `incident id "not-an-id" is not of the form <vpn-connection-id>_<tunnel-ip>_<YYYYMMDDTHHMMSSZ>`,
	}
	check := func(how, uri string, err *mcp.JSONRPCErrorDetails) {
		t.Helper()
		if err == nil {
			t.Errorf("%s %s: not refused", how, uri)
			return
		}
		for _, w := range []string{"cannot subscribe to " + uri + ": " + refused[uri], "Only vpn://incidents can be subscribed to. Subscribe to vpn://incidents"} {
			if !strings.Contains(err.Message, w) {
				t.Errorf("%s %s: message lacks %q: %s", how, uri, w, err.Message)
			}
		}
		if err.Code != mcp.INVALID_REQUEST {
			t.Errorf("%s %s: code %d, want %d", how, uri, err.Code, mcp.INVALID_REQUEST)
		}
	}
	for uri := range refused {
		for _, req := range []struct {
			method string
			params map[string]any
		}{
			{string(mcp.MethodResourcesSubscribe), map[string]any{"uri": uri}},
			{string(mcp.MethodSubscriptionsListen), map[string]any{"notifications": map[string]any{"resourceSubscriptions": []string{resources.IncidentsURI, uri}}}},
		} {
			resp := handle(t, s, req.method, req.params)
			e, _ := resp.(mcp.JSONRPCError)
			if _, ok := resp.(mcp.JSONRPCError); !ok {
				check(req.method, uri, nil)
				continue
			}
			check(req.method, uri, &e.Error)
		}
	}
	// vpn://incidents passes the check; resources/subscribe itself is gone
	// from the latest protocol (subscriptions/listen replaces it, see
	// TestIncidentsListen).
	resp := handle(t, s, string(mcp.MethodResourcesSubscribe), map[string]any{"uri": resources.IncidentsURI})
	if e, ok := resp.(mcp.JSONRPCError); !ok || e.Error.Code != mcp.METHOD_NOT_FOUND || strings.Contains(e.Error.Message, "cannot subscribe") {
		t.Errorf("resources/subscribe vpn://incidents at %s: %+v", mcp.LATEST_PROTOCOL_VERSION, resp)
	}

	// Through the client: Listen is refused at once.
	c := servedClient(t, mcp.LATEST_PROTOCOL_VERSION)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = c.Listen(ctx, mcp.SubscriptionFilter{ResourceSubscriptions: []string{resources.CatalogURI}})
	if err == nil || ctx.Err() != nil || !strings.Contains(err.Error(), "cannot subscribe to "+resources.CatalogURI) {
		t.Errorf("listen to %s: %v", resources.CatalogURI, err)
	}
	// At the previous protocol, resources/subscribe refuses them too.
	legacyClient := servedClient(t, legacy)
	for uri := range refused {
		err := legacyClient.Subscribe(context.Background(), mcp.SubscribeRequest{Params: mcp.SubscribeParams{URI: uri}})
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("cannot subscribe to %s: %s", uri, refused[uri])) {
			t.Errorf("subscribe %s at %s: %v", uri, legacy, err)
		}
	}
}
