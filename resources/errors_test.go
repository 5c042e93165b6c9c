package resources_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/vpnlens/vpnlens/internal/mcptestutil"
	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/resources"
	vpnserver "github.com/vpnlens/vpnlens/server"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/view"
)

const (
	hq         = "vpn-0a1b2c3d4e5f60718"
	legacy     = mcp.ProtocolVersion20251125 // answers resource-not-found with -32002
	hqDPD      = "vpn://incident/vpn-0a1b2c3d4e5f60718_203.0.113.10_20260612T031007Z"
	noIncident = "vpn://incident/vpn-0a1b2c3d4e5f60718_203.0.113.10_20260612T120000Z"
)

// servedClient is a client of the server vpnlens serve builds (hooks,
// subscriptions, call limits) on the demo data, at the given protocol
// version.
func servedClient(t *testing.T, version string) *client.Client {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	local, err := source.OpenFS(source.HideFiles(os.DirFS("../testdata/demo"), "expected.json"), "demo", quiet)
	if err != nil {
		t.Fatal(err)
	}
	svc := &investigate.Service{Inventory: local, Logs: local, Limits: investigate.DefaultLimits, Logger: quiet, Now: time.Now}
	return mcptestutil.ClientAt(t, vpnserver.New(vpnserver.Config{Service: svc}), version)
}

func readErr(t *testing.T, c *client.Client, uri string) error {
	t.Helper()
	_, err := c.ReadResource(context.Background(), mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: uri}})
	if err == nil {
		t.Fatalf("%s: read succeeded", uri)
	}
	return err
}

// An address that names nothing is the caller's mistake: resource not found
// (-32002; -32602 from protocol 2026-07-28 on), never internal error, with a
// message that says how to write the address.
func TestBadAddressesAreNotFound(t *testing.T) {
	cases := []struct{ uri, want string }{
		{"vpn://incident/not-an-id", "<vpn-connection-id>_<tunnel-ip>_<YYYYMMDDTHHMMSSZ>"},
		{"vpn://incident/vpn-nope_203.0.113.10_20260612T031007Z", `unknown VPN connection "vpn-nope"; known connections: ` + hq},
		{"vpn://incident/vpn-0a1b2c3d4e5f60718_203.0.113.99_20260612T031007Z", "203.0.113.10 (tunnel 1), 203.0.113.20 (tunnel 2)"},
		{"vpn://incident/vpn-0c0ffee00d15a5e77_203.0.113.60_20260612T120000Z", "logging is disabled on tunnel 2"},
		{noIncident, "vpn://incident/vpn-0a1b2c3d4e5f60718_203.0.113.10_20260612T140533Z"},
		{"vpn://timeline/vpn-nope/20260612T201512Z/20260612T203000Z", `unknown VPN connection "vpn-nope"`},
		{"vpn://timeline/" + hq + "/garbage/20260612T203000Z", `start "garbage" is not a time: write it in compact UTC form, e.g. 20260612T201512Z`},
		{"vpn://timeline/" + hq + "/20:15/20260612T203000Z", `start "20:15" is not a time: write it in compact UTC form, e.g. 20260612T201512Z`},
		{"vpn://timeline/" + hq + "/20260612T201512Z", "vpn://timeline/{vpn_connection_id}/{start}/{end}"},
		{"vpn://timeline/" + hq + "/20260612T203000Z/20260612T201512Z", "is not before its end"},
		{"vpn://nope", "vpn://incidents"},
		{"vpn://catalog/ike.nonsense", `the catalogue has no class "ike.nonsense"`},
		{"vpn://timeline/" + hq + "/20260101T000000Z/20260612T203000Z", "more than the 31d one read may cover"},
	}
	for _, v := range []struct {
		version string
		code    error
	}{{legacy, mcp.ErrResourceNotFound}, {mcp.LATEST_PROTOCOL_VERSION, mcp.ErrInvalidParams}} {
		c := servedClient(t, v.version)
		for _, tc := range cases {
			err := readErr(t, c, tc.uri)
			if !errors.Is(err, v.code) || errors.Is(err, mcp.ErrInternalError) {
				t.Errorf("%s at %s: want %v, got %v", tc.uri, v.version, v.code, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: message lacks %q:\n%v", tc.uri, tc.want, err)
			}
		}
	}
}

// A well-formed incident id with no incident behind it lists the addresses
// of the incidents around it (a resource has no `at` argument), also when
// the handler answers (a server without hooks).
func TestMissingIncidentListsNearbyAddresses(t *testing.T) {
	for name, c := range map[string]*client.Client{"served": servedClient(t, legacy), "no hooks": demoClient(t)} {
		msg := readErr(t, c, noIncident).Error()
		for _, want := range []string{
			"no incident on tunnel 1 (203.0.113.10) of " + hq + " starts at 2026-06-12T12:00:00Z",
			"vpn://incident/vpn-0a1b2c3d4e5f60718_203.0.113.10_20260612T140533Z (tunnel 1, route.denied.as_path_loop)",
			"vpn://incident/vpn-0a1b2c3d4e5f60718_203.0.113.10_20260612T163021Z",
		} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: message lacks %q:\n%s", name, want, msg)
			}
		}
		if strings.Contains(msg, "`at`") {
			t.Errorf("%s: a resource address has no `at`:\n%s", name, msg)
		}
	}
}

// A real incident still reads through the hook (which diagnoses it once and
// hands the result to the handler).
func TestIncidentReadsThroughHook(t *testing.T) {
	c := servedClient(t, legacy)
	for i := 0; i < 2; i++ {
		var inc view.Diagnosis
		if err := json.Unmarshal([]byte(read(t, c, hqDPD)), &inc); err != nil {
			t.Fatal(err)
		}
		if inc.RootCause.Category != "ike.dpd_timeout" || "vpn://incident/"+inc.Incident.ID != hqDPD {
			t.Errorf("read %d: %s %s", i, inc.Incident.ID, inc.RootCause.Category)
		}
	}
}

// RFC 3339 times (with colons, which the URI template does not match) are
// read as the compact form they stand for.
func TestTimelineAddressTakesRFC3339(t *testing.T) {
	c := servedClient(t, legacy)
	var compact, rfc view.Timeline
	if err := json.Unmarshal([]byte(read(t, c, "vpn://timeline/"+hq+"/20260612T201512Z/20260612T203000Z")), &compact); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(read(t, c, "vpn://timeline/"+hq+"/2026-06-12T20:15:12Z/2026-06-12T20:30:00Z")), &rfc); err != nil {
		t.Fatal(err)
	}
	if compact.Page.Total == 0 || rfc.Page != compact.Page || rfc.Start != compact.Start || rfc.End != compact.End {
		t.Errorf("RFC 3339 timeline %+v %v–%v, compact %+v %v–%v", rfc.Page, rfc.Start, rfc.End, compact.Page, compact.Start, compact.End)
	}
	tpls, err := c.ListResourceTemplates(context.Background(), mcp.ListResourceTemplatesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tpl := range tpls.ResourceTemplates {
		if tpl.Name == "VPN connection timeline" && !strings.Contains(tpl.Description, "20260612T201512Z") {
			t.Errorf("the timeline template recommends another time form: %s", tpl.Description)
		}
	}
}

func getPrompt(c *client.Client, name string, args map[string]string) (string, error) {
	var req mcp.GetPromptRequest
	req.Params.Name, req.Params.Arguments = name, args
	p, err := c.GetPrompt(context.Background(), req)
	if err != nil {
		return "", err
	}
	return p.Messages[0].Content.(mcp.TextContent).Text, nil
}

// Missing or malformed prompt arguments are invalid params (-32602), with
// what to pass.
func TestPromptArgumentsAreInvalidParams(t *testing.T) {
	c := servedClient(t, legacy)
	for _, tc := range []struct {
		name string
		args map[string]string
		want []string
	}{
		{"triage_tunnel_drop", map[string]string{}, []string{`"vpn_connection_id"`, `"at" (when it dropped`}},
		{"triage_tunnel_drop", map[string]string{"vpn_connection_id": hq, "at": "  "}, []string{`"at"`}},
		{"vpn_health_review", map[string]string{"window": "yesterday"}, []string{`window "yesterday" is not a duration`, "24h", "7d", `"1 week"`}},
		{"vpn_health_review", map[string]string{"window": "0h"}, []string{`window "0h" is out of range`}},
	} {
		_, err := getPrompt(c, tc.name, tc.args)
		if !errors.Is(err, mcp.ErrInvalidParams) {
			t.Errorf("%s %v: want invalid params, got %v", tc.name, tc.args, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s %v: message lacks %q: %v", tc.name, tc.args, w, err)
			}
		}
	}
}

// The health prompt's window becomes a duration summarize_vpn_health
// understands.
func TestHealthPromptWindow(t *testing.T) {
	c := servedClient(t, legacy)
	for window, want := range map[string]string{
		"":          "latest-24h",
		"24h":       "latest-24h",
		"7d":        "latest-7d",
		"30d":       "latest-30d",
		"1 week":    "latest-7d",
		"last week": "latest-7d",
		"90 min":    "latest-90m",
		"2 Weeks":   "latest-14d",
		"1 month":   "latest-30d",
	} {
		text, err := getPrompt(c, "vpn_health_review", map[string]string{"vpn_connection_id": hq, "window": window})
		if err != nil {
			t.Errorf("window %q: %v", window, err)
			continue
		}
		if !strings.Contains(text, `"start": "`+want+`"`) {
			t.Errorf("window %q: want start %s in\n%s", window, want, text)
		}
		// Every start the prompt hands out must be one the tool takes.
		res, err := c.CallTool(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "summarize_vpn_health", Arguments: map[string]any{"vpn_connection_id": hq, "start": want}}})
		if err != nil || res.IsError {
			t.Errorf("window %q: summarize_vpn_health start %s fails: %v %+v", window, want, err, res)
		}
	}
}

// Without vpn_connection_id the health prompt still names a call that works
// when the all-connections call fails: one call per connection that logs.
func TestHealthPromptFallbackCallWorks(t *testing.T) {
	c := servedClient(t, legacy)
	text, err := getPrompt(c, "vpn_health_review", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, `summarize_vpn_health with {"start": "latest-24h"}`) {
		t.Errorf("the all-connections call is gone:\n%s", text)
	}
	m := regexp.MustCompile(`(\{"vpn_connection_id": "<id>", [^}]*\}) once for each connection whose tunnels log: ([^.]+)\.`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no per-connection fallback:\n%s", text)
	}
	ids := strings.Split(m[2], ", ")
	if len(ids) != 2 || ids[0] != hq || ids[1] != "vpn-0f9e8d7c6b5a40312" {
		t.Errorf("connections that log: %q", ids)
	}
	for _, id := range ids {
		var args map[string]any
		if err := json.Unmarshal([]byte(strings.Replace(m[1], "<id>", id, 1)), &args); err != nil {
			t.Fatalf("%s: %v", m[1], err)
		}
		res, err := c.CallTool(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "summarize_vpn_health", Arguments: args}})
		if err != nil || res.IsError {
			t.Errorf("fallback call %v fails: %v %+v", args, err, res)
		}
	}
}

// Subscribing to a resource that does not exist is refused with what to
// subscribe to; vpn://incidents still subscribes.
func TestSubscribeRefusesUnknownResources(t *testing.T) {
	c := servedClient(t, legacy)
	ctx := context.Background()
	for _, uri := range []string{"vpn://nope", "vpn://incident/not-an-id", "vpn://timeline/vpn-nope/20260612T201512Z/20260612T203000Z"} {
		err := c.Subscribe(ctx, mcp.SubscribeRequest{Params: mcp.SubscribeParams{URI: uri}})
		if err == nil {
			t.Errorf("subscribing to %s succeeded", uri)
			continue
		}
		if !strings.Contains(err.Error(), "cannot subscribe to "+uri) || !strings.Contains(err.Error(), "Subscribe to "+resources.IncidentsURI) {
			t.Errorf("%s: %v", uri, err)
		}
	}
	if err := c.Subscribe(ctx, mcp.SubscribeRequest{Params: mcp.SubscribeParams{URI: resources.IncidentsURI}}); err != nil {
		t.Fatalf("subscribing to %s: %v", resources.IncidentsURI, err)
	}
	if err := c.Unsubscribe(ctx, mcp.UnsubscribeRequest{Params: mcp.UnsubscribeParams{URI: resources.IncidentsURI}}); err != nil {
		t.Fatal(err)
	}
}
