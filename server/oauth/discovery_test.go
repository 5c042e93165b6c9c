package oauth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/internal/testidp"
	"github.com/vpnlens/vpnlens/server/oauth"
)

func TestMetadataURLs(t *testing.T) {
	cases := map[string][]string{
		"https://auth.example.com": {
			"https://auth.example.com/.well-known/oauth-authorization-server",
			"https://auth.example.com/.well-known/openid-configuration",
		},
		// Keycloak realm, Okta custom server, Entra tenant, Cognito pool.
		"https://kc.example.com/realms/ops": {
			"https://kc.example.com/.well-known/oauth-authorization-server/realms/ops",
			"https://kc.example.com/.well-known/openid-configuration/realms/ops",
			"https://kc.example.com/realms/ops/.well-known/openid-configuration",
		},
		"https://login.microsoftonline.com/7f0c1d2e-0000-4000-8000-000000000000/v2.0": {
			"https://login.microsoftonline.com/.well-known/oauth-authorization-server/7f0c1d2e-0000-4000-8000-000000000000/v2.0",
			"https://login.microsoftonline.com/.well-known/openid-configuration/7f0c1d2e-0000-4000-8000-000000000000/v2.0",
			"https://login.microsoftonline.com/7f0c1d2e-0000-4000-8000-000000000000/v2.0/.well-known/openid-configuration",
		},
	}
	for issuer, want := range cases {
		got, err := oauth.MetadataURLs(issuer)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("MetadataURLs(%s) = %q, %v; want %q", issuer, got, err, want)
		}
	}
}

func TestDiscoverOpenIDProvider(t *testing.T) {
	idp, err := testidp.Start(testidp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer idp.Close()
	md, err := oauth.Discover(context.Background(), http.DefaultClient, idp.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	// zitadel serves OpenID Connect Discovery only: the RFC 8414 URL
	// answered 404 and the next one was used.
	if md.From != idp.Issuer+testidp.DiscoveryPath || md.JWKSURI != idp.Issuer+testidp.KeysPath {
		t.Errorf("metadata from %s, jwks_uri %s", md.From, md.JWKSURI)
	}
	// An issuer written differently from what the provider says is refused:
	// tokens carry the provider's spelling in iss.
	_, err = oauth.Discover(context.Background(), http.DefaultClient, idp.Issuer+"/")
	if err == nil || !strings.Contains(err.Error(), "names issuer") {
		t.Errorf("issuer with a trailing slash: err = %v", err)
	}
}

// TestDiscoverOrder serves RFC 8414 metadata at the path-inserted URL of an
// issuer with a path, and OpenID metadata at the appended one: the RFC
// 8414 one wins, as the MCP specification orders them.
func TestDiscoverOrder(t *testing.T) {
	var srv *httptest.Server
	var asked []string
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.Path)
		issuer := srv.URL + "/tenant1"
		switch r.URL.Path {
		case "/.well-known/oauth-authorization-server/tenant1":
			_ = json.NewEncoder(w).Encode(map[string]string{"issuer": issuer, "jwks_uri": srv.URL + "/rfc8414-keys"})
		case "/tenant1/.well-known/openid-configuration":
			_ = json.NewEncoder(w).Encode(map[string]string{"issuer": issuer, "jwks_uri": srv.URL + "/oidc-keys"})
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	md, err := oauth.Discover(context.Background(), srv.Client(), srv.URL+"/tenant1")
	if err != nil {
		t.Fatal(err)
	}
	if md.JWKSURI != srv.URL+"/rfc8414-keys" || len(asked) != 1 {
		t.Errorf("jwks_uri %s after asking %q", md.JWKSURI, asked)
	}

	// Nothing anywhere: the error lists what was tried.
	_, err = oauth.Discover(context.Background(), srv.Client(), srv.URL+"/nobody")
	if err == nil || !strings.Contains(err.Error(), "/.well-known/openid-configuration/nobody") || !strings.Contains(err.Error(), "404") {
		t.Errorf("err = %v, want the URLs tried and their 404", err)
	}
}

func TestDiscoverRefusesBadMetadata(t *testing.T) {
	var srv *httptest.Server
	doc := map[string]string{}
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(doc)
	}))
	defer srv.Close()
	for _, c := range []struct {
		doc  map[string]string
		says string
	}{
		{map[string]string{"issuer": "https://evil.example.com"}, "names issuer"},
		{map[string]string{"issuer": "SELF"}, "no jwks_uri"},
		{map[string]string{"issuer": "SELF", "jwks_uri": "http://keys.example.com/jwks"}, "http is allowed for loopback hosts only"},
	} {
		doc = map[string]string{}
		for k, v := range c.doc {
			doc[k] = strings.ReplaceAll(v, "SELF", srv.URL)
		}
		_, err := oauth.Discover(context.Background(), srv.Client(), srv.URL)
		if err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("metadata %v: err = %v, want %q", c.doc, err, c.says)
		}
	}
}
