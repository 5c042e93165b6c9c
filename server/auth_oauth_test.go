package server

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/vpnlens/vpnlens/internal/testidp"
	"github.com/vpnlens/vpnlens/server/oauth"
)

const oauthScope = "vpnlens.read"

func startTestIdP(t *testing.T) *testidp.Provider {
	t.Helper()
	idp, err := testidp.Start(testidp.Options{Clients: []testidp.Client{
		{ID: "agent", Secret: "agent-secret", Scopes: []string{oauthScope}, AnyResource: true},
		{ID: "no-scope", Secret: "s", AnyResource: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(idp.Close)
	return idp
}

func idpToken(t *testing.T, idp *testidp.Provider, client, secret, scope, resource string) string {
	t.Helper()
	tok, err := idp.Token(context.Background(), client, secret, scope, resource)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// headerProbe is a tool that reports the HTTP headers mcp-go hands it, to
// prove the access token never gets past the HTTP layer.
func headerProbe() mcpserver.ServerTool {
	return mcpserver.ServerTool{
		Tool: mcp.NewTool("probe_headers", mcp.WithDescription("test tool")),
		Handler: func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			b, _ := json.Marshal(req.Header)
			return mcp.NewToolResultText(string(b)), nil
		},
	}
}

var challengeParam = regexp.MustCompile(`(\w+)="([^"]*)"`)

func challengeParams(h string) map[string]string {
	out := map[string]string{}
	for _, m := range challengeParam.FindAllStringSubmatch(h, -1) {
		out[m[1]] = m[2]
	}
	return out
}

func TestOAuthResourceServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	idp := startTestIdP(t)
	s := New(Config{Version: "test", Service: testDeps(t), Logger: quietLogger()})
	s.AddTools(headerProbe())
	addr, _ := serveInBackground(t, s, "127.0.0.1:0", HTTPOptions{OAuth: &oauth.Config{Issuer: idp.Issuer, Scopes: []string{oauthScope}}})
	base := "http://" + addr
	url := base + EndpointPath // also the resource: derived from the bound address

	// 1. No token: 401 naming the metadata and the scope, no error code.
	resp := post(t, ctx, url, initializeBody, nil)
	drain(resp)
	ch := resp.Header.Get("WWW-Authenticate")
	p := challengeParams(ch)
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(ch, "Bearer ") || p["error"] != "" ||
		p["resource_metadata"] != base+oauth.WellKnownPath+EndpointPath || p["scope"] != oauthScope {
		t.Fatalf("no token: %d, WWW-Authenticate %q", resp.StatusCode, ch)
	}

	// 2. The metadata, where the challenge says and at the root.
	for _, u := range []string{p["resource_metadata"], base + oauth.WellKnownPath} {
		r, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		var md oauth.ResourceMetadata
		err = json.NewDecoder(r.Body).Decode(&md)
		r.Body.Close()
		if err != nil || r.StatusCode != 200 || md.Resource != url || len(md.AuthorizationServers) != 1 ||
			md.AuthorizationServers[0] != idp.Issuer || strings.Join(md.ScopesSupported, " ") != oauthScope {
			t.Fatalf("GET %s: %d %+v %v", u, r.StatusCode, md, err)
		}
	}

	// 3. A token for this resource with the scope: a full MCP session.
	good := idpToken(t, idp, "agent", "agent-secret", oauthScope, url)
	c, err := startClient(t, ctx, url, transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + good}))
	if err != nil {
		t.Fatalf("client with a valid access token: %v", err)
	}
	res, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "probe_headers"}})
	if err != nil {
		t.Fatal(err)
	}
	if seen := resultText(res); strings.Contains(seen, good) || strings.Contains(strings.ToLower(seen), "authorization") {
		t.Errorf("the tool saw the access token: %s", seen)
	}
	if _, err := c.ListTools(ctx, mcp.ListToolsRequest{}); err != nil {
		t.Errorf("tools/list: %v", err)
	}

	// 4. Refusals.
	for _, tc := range []struct {
		name, token, query string
		status             int
		code               string
	}{
		{"token for another resource", idpToken(t, idp, "agent", "agent-secret", oauthScope, "https://other.example.com/mcp"), "", 401, "invalid_token"},
		{"garbage", "not-a-jwt-0123456789", "", 401, "invalid_token"},
		{"missing scope", idpToken(t, idp, "no-scope", "s", "", url), "", 403, "insufficient_scope"},
		{"token in the query", "", "?access_token=" + good, 400, "invalid_request"},
		{"token in the query and the header", good, "?access_token=" + good, 400, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{}
			if tc.token != "" {
				h["Authorization"] = "Bearer " + tc.token
			}
			resp := post(t, ctx, url+tc.query, initializeBody, h)
			body := drain(resp)
			ch := resp.Header.Get("WWW-Authenticate")
			p := challengeParams(ch)
			if resp.StatusCode != tc.status || p["error"] != tc.code || p["resource_metadata"] == "" {
				t.Fatalf("%d %q, WWW-Authenticate %q; want %d error=%s", resp.StatusCode, body, ch, tc.status, tc.code)
			}
			if tc.code == "insufficient_scope" && p["scope"] != oauthScope {
				t.Errorf("403 names scope %q, want %q", p["scope"], oauthScope)
			}
			if tc.token != "" && (strings.Contains(body, tc.token) || strings.Contains(ch, tc.token)) {
				t.Error("the refusal repeats the token")
			}
		})
	}
}

func TestOAuthFailuresAreThrottled(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	idp := startTestIdP(t)
	s := New(Config{Service: testDeps(t), Logger: quietLogger()})
	addr, _ := serveInBackground(t, s, "127.0.0.1:0", HTTPOptions{AuthFailuresPerMinute: 2,
		OAuth: &oauth.Config{Issuer: idp.Issuer, Scopes: []string{oauthScope}}})
	url := "http://" + addr + EndpointPath
	good := idpToken(t, idp, "agent", "agent-secret", oauthScope, url)
	noScope := idpToken(t, idp, "no-scope", "s", "", url)
	status := func(tok string) int {
		h := map[string]string{}
		if tok != "" {
			h["Authorization"] = "Bearer " + tok
		}
		resp := post(t, ctx, url, initializeBody, h)
		drain(resp)
		return resp.StatusCode
	}
	// Missing tokens and missing scopes are not guesses: not counted.
	for range 3 {
		if got := status(""); got != 401 {
			t.Fatalf("no token: %d", got)
		}
		if got := status(noScope); got != 403 {
			t.Fatalf("no scope: %d", got)
		}
	}
	if got := status(good); got != 200 {
		t.Fatalf("valid token before any failure: %d", got)
	}
	for i := range 2 {
		if got := status(good + "x"); got != 401 {
			t.Fatalf("invalid token %d: %d, want 401", i+1, got)
		}
	}
	if got := status(good); got != http.StatusTooManyRequests {
		t.Errorf("after 2 invalid tokens (allowance 2/min) even a valid one got %d, want 429", got)
	}
}

// TestOAuthDefaultResourceKeepsTheHostName: served on localhost, the
// resource is http://localhost:PORT/mcp, the URL clients use, not the
// address localhost resolved to.
func TestOAuthDefaultResourceKeepsTheHostName(t *testing.T) {
	idp := startTestIdP(t)
	s := New(Config{Service: testDeps(t), Logger: quietLogger()})
	addr, _ := serveInBackground(t, s, "localhost:0", HTTPOptions{OAuth: &oauth.Config{Issuer: idp.Issuer}})
	_, port, _ := net.SplitHostPort(addr)
	r, err := http.Get("http://localhost:" + port + oauth.WellKnownPath)
	if err != nil {
		t.Fatal(err)
	}
	var md oauth.ResourceMetadata
	_ = json.NewDecoder(r.Body).Decode(&md)
	r.Body.Close()
	if want := "http://localhost:" + port + EndpointPath; md.Resource != want {
		t.Errorf("resource = %q, want %q", md.Resource, want)
	}
}

func TestOAuthOptionsCheck(t *testing.T) {
	cfg := &oauth.Config{Issuer: "https://login.example.com/realms/ops"}
	for _, tc := range []struct {
		name, addr string
		o          HTTPOptions
		says       string
	}{
		{"with a static token", "127.0.0.1:8080", HTTPOptions{OAuth: cfg, Token: testToken}, "exclude each other"},
		{"every interface without a resource", "0.0.0.0:8443", HTTPOptions{OAuth: cfg}, "give --oauth-resource"},
		{"bad issuer", "127.0.0.1:8080", HTTPOptions{OAuth: &oauth.Config{Issuer: "http://login.example.com"}}, "loopback hosts only"},
	} {
		if _, err := tc.o.Check(tc.addr); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.says)
		}
	}
	// OAuth is authentication: a non-loopback address needs no static token.
	withResource := &oauth.Config{Issuer: cfg.Issuer, Resource: "https://vpnlens.example.com/mcp"}
	if _, err := (HTTPOptions{OAuth: withResource}).Check("0.0.0.0:8443"); err != nil {
		t.Errorf("0.0.0.0 with OAuth and a resource: %v", err)
	}
}

// TestOAuthOnEveryInterface serves on 0.0.0.0 behind a made-up public URL
// (as behind a reverse proxy): the challenge and the metadata name the
// public URL, and tokens must be for it.
func TestOAuthOnEveryInterface(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	idp := startTestIdP(t)
	const public = "https://vpnlens.example.com/team-a/mcp"
	s := New(Config{Service: testDeps(t), Logger: quietLogger()})
	addr, _ := serveInBackground(t, s, "0.0.0.0:0", HTTPOptions{OAuth: &oauth.Config{Issuer: idp.Issuer, Resource: public}})
	_, port, _ := net.SplitHostPort(addr)
	local := "http://127.0.0.1:" + port
	resp := post(t, ctx, local+EndpointPath, initializeBody, nil)
	drain(resp)
	if got := challengeParams(resp.Header.Get("WWW-Authenticate"))["resource_metadata"]; got != "https://vpnlens.example.com/.well-known/oauth-protected-resource/team-a/mcp" {
		t.Errorf("resource_metadata = %q", got)
	}
	// The proxy forwards the well-known path as it is, or with its prefix
	// stripped: both are served.
	for _, p := range []string{oauth.WellKnownPath + "/team-a/mcp", oauth.WellKnownPath + EndpointPath} {
		r, err := http.Get(local + p)
		if err != nil {
			t.Fatal(err)
		}
		var md oauth.ResourceMetadata
		_ = json.NewDecoder(r.Body).Decode(&md)
		r.Body.Close()
		if r.StatusCode != 200 || md.Resource != public {
			t.Errorf("GET %s: %d resource %q", p, r.StatusCode, md.Resource)
		}
	}
	if code := func() int {
		r := post(t, ctx, local+EndpointPath, initializeBody, map[string]string{"Authorization": "Bearer " + idpToken(t, idp, "agent", "agent-secret", "", local+EndpointPath)})
		drain(r)
		return r.StatusCode
	}(); code != 401 {
		t.Errorf("a token for the local URL instead of the public one: %d, want 401", code)
	}
	r := post(t, ctx, local+EndpointPath, initializeBody, map[string]string{"Authorization": "Bearer " + idpToken(t, idp, "agent", "agent-secret", "", public)})
	if body := drain(r); r.StatusCode != 200 {
		t.Errorf("a token for the public URL: %d %s", r.StatusCode, body)
	}
}
