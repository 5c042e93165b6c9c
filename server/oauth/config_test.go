package oauth_test

import (
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/server/oauth"
)

func TestCanonicalResource(t *testing.T) {
	for in, want := range map[string]string{
		"https://vpnlens.example.com/mcp":           "https://vpnlens.example.com/mcp",
		"HTTPS://VPNLens.Example.COM:443/mcp":       "https://vpnlens.example.com/mcp",
		"https://vpnlens.example.com/":              "https://vpnlens.example.com",
		"https://vpnlens.example.com:8443/team/mcp": "https://vpnlens.example.com:8443/team/mcp",
		"http://127.0.0.1:8080/mcp":                 "http://127.0.0.1:8080/mcp",
		"http://[::1]:80/mcp":                       "http://[::1]/mcp",
	} {
		got, err := oauth.CanonicalResource(in)
		if err != nil || got != want {
			t.Errorf("CanonicalResource(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"vpnlens.example.com/mcp", "https://vpnlens.example.com/mcp#x", "https://vpnlens.example.com/mcp?a=b", "ftp://x/mcp", "https://user@x/mcp"} {
		if got, err := oauth.CanonicalResource(bad); err == nil {
			t.Errorf("CanonicalResource(%q) = %q, want an error", bad, got)
		}
	}
}

func TestConfigCheck(t *testing.T) {
	ok := oauth.Config{Issuer: "https://login.example.com/realms/ops", Resource: "https://vpnlens.example.com/mcp", Scopes: []string{"vpnlens.read"}}
	if err := ok.Check(); err != nil {
		t.Fatalf("good config: %v", err)
	}
	if err := (oauth.Config{Issuer: "http://localhost:9000"}).Check(); err != nil {
		t.Errorf("http issuer on loopback: %v", err)
	}
	bad := oauth.Config{
		Issuer:     "http://login.example.com",
		Resource:   "https://vpnlens.example.com/mcp#frag",
		Audiences:  []string{"two words"},
		Scopes:     []string{`a"b`},
		Algorithms: []string{"HS256"},
	}
	err := bad.Check()
	if err == nil {
		t.Fatal("bad config passed")
	}
	// Every mistake is named at once.
	for _, want := range []string{"--oauth-issuer", "loopback hosts only", "--oauth-resource", "--oauth-audience", "--oauth-scopes", `"HS256" is not allowed`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if err := (oauth.Config{}).Check(); err == nil || !strings.Contains(err.Error(), "--oauth-issuer is empty") {
		t.Errorf("empty issuer: %v", err)
	}
}
