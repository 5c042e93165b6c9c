package oauth_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/server/oauth"
)

func TestResourceMetadata(t *testing.T) {
	idp := startIdP(t)
	// Behind a proxy that serves vpnlens under /team-a.
	rs := newRS(t, idp, func(c *oauth.Config) { c.Resource = "HTTPS://VPNLens.Example.com:443/team-a/mcp" })
	const canonical = "https://vpnlens.example.com/team-a/mcp"
	if rs.Resource() != canonical {
		t.Errorf("Resource() = %s", rs.Resource())
	}
	if got, want := rs.MetadataURL(), "https://vpnlens.example.com/.well-known/oauth-protected-resource/team-a/mcp"; got != want {
		t.Errorf("MetadataURL() = %s, want %s", got, want)
	}
	if got, want := rs.MetadataPaths("/mcp"), []string{oauth.WellKnownPath, oauth.WellKnownPath + "/team-a/mcp", oauth.WellKnownPath + "/mcp"}; !slices.Equal(got, want) {
		t.Errorf("MetadataPaths = %q, want %q", got, want)
	}

	h := rs.MetadataHandler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, oauth.WellKnownPath, nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" || rec.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("GET: %d %v", rec.Code, rec.Header())
	}
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"resource":                 canonical,
		"authorization_servers":    []any{idp.Issuer},
		"scopes_supported":         []any{scope},
		"bearer_methods_supported": []any{"header"},
		"resource_name":            "vpnlens",
	}
	for k, v := range want {
		got, _ := json.Marshal(doc[k])
		exp, _ := json.Marshal(v)
		if string(got) != string(exp) {
			t.Errorf("%s = %s, want %s", k, got, exp)
		}
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, oauth.WellKnownPath, strings.NewReader("{}")))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
}

func TestChallenge(t *testing.T) {
	idp := startIdP(t)
	rs := newRS(t, idp, nil)
	md := `resource_metadata="https://vpnlens.example.com/.well-known/oauth-protected-resource/mcp"`
	if got, want := rs.Challenge(nil), `Bearer realm="vpnlens", `+md+`, scope="vpnlens.read"`; got != want {
		t.Errorf("no token:\n got %s\nwant %s", got, want)
	}
	got := rs.Challenge(&oauth.TokenError{Code: oauth.CodeInvalidToken, Description: "a \"quoted\"\nthing"})
	if !strings.HasPrefix(got, `Bearer realm="vpnlens", error="invalid_token", error_description="a 'quoted' thing", `+md) {
		t.Errorf("invalid token: %s", got)
	}
}
