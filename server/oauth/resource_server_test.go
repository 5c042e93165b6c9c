package oauth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/vpnlens/vpnlens/internal/testidp"
	"github.com/vpnlens/vpnlens/server/oauth"
)

const (
	resource = "https://vpnlens.example.com/mcp"
	scope    = "vpnlens.read"
)

// clients of the provider, one per way a token can be right or wrong.
var clients = []testidp.Client{
	{ID: "agent", Secret: "agent-secret", Scopes: []string{scope, "other"}, Resources: []string{resource}},
	{ID: "okta-style", Secret: "s", Scopes: []string{scope}, Audience: []string{resource}, ScopeClaim: "scp"},
	{ID: "any-resource", Secret: "s", Scopes: []string{scope}, AnyResource: true},
	{ID: "other-api", Secret: "s", Scopes: []string{scope}, Audience: []string{"https://other.example.com/api"}},
	{ID: "no-scope", Secret: "s", Resources: []string{resource}},
	{ID: "expired", Secret: "s", Scopes: []string{scope}, Resources: []string{resource}, Lifetime: -2 * time.Minute},
	{ID: "future", Secret: "s", Scopes: []string{scope}, Resources: []string{resource}, NotBefore: 5 * time.Minute},
}

func startIdP(t *testing.T) *testidp.Provider {
	t.Helper()
	idp, err := testidp.Start(testidp.Options{Clients: clients})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(idp.Close)
	return idp
}

func newRS(t *testing.T, idp *testidp.Provider, mod func(*oauth.Config)) *oauth.ResourceServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	cfg := oauth.Config{Issuer: idp.Issuer, Resource: resource, Scopes: []string{scope}}
	if mod != nil {
		mod(&cfg)
	}
	rs, err := oauth.New(ctx, cfg)
	if err != nil {
		t.Fatalf("oauth.New: %v", err)
	}
	return rs
}

func token(t *testing.T, idp *testidp.Provider, client, scope string, resources ...string) string {
	t.Helper()
	secret := "s"
	if client == "agent" {
		secret = "agent-secret"
	}
	tok, err := idp.Token(context.Background(), client, secret, scope, resources...)
	if err != nil {
		t.Fatalf("token for %s: %v", client, err)
	}
	return tok
}

func TestValidTokens(t *testing.T) {
	idp := startIdP(t)
	rs := newRS(t, idp, nil)
	ctx := context.Background()

	// RFC 8707: the client names this resource, the token's aud is it.
	p, err := rs.Authenticate(ctx, token(t, idp, "agent", scope+" other", resource))
	if err != nil {
		t.Fatalf("a token for this resource with the scope was refused: %v", err)
	}
	if p.Subject != "agent" || p.ClientID != "agent" || !strings.Contains(strings.Join(p.Scopes, " "), scope) {
		t.Errorf("principal = %+v", p)
	}
	if d := time.Until(p.Expires); d < 4*time.Minute || d > 6*time.Minute {
		t.Errorf("expires in %v, want about 5 min", d)
	}
	// Scopes as a JSON array in "scp", aud preset by the provider.
	if _, err := rs.Authenticate(ctx, token(t, idp, "okta-style", scope)); err != nil {
		t.Errorf("a token with scp [%q] was refused: %v", scope, err)
	}
	// Extra accepted audiences (an Entra-style app ID URI).
	rs2 := newRS(t, idp, func(c *oauth.Config) { c.Audiences = []string{"https://other.example.com/api"} })
	if _, err := rs2.Authenticate(ctx, token(t, idp, "other-api", scope)); err != nil {
		t.Errorf("a token for a configured --oauth-audience was refused: %v", err)
	}
	// No required scopes: a token without any passes.
	rs3 := newRS(t, idp, func(c *oauth.Config) { c.Scopes = nil })
	if _, err := rs3.Authenticate(ctx, token(t, idp, "no-scope", "", resource)); err != nil {
		t.Errorf("without required scopes a scopeless token was refused: %v", err)
	}
}

// forge builds a JWT from raw header and claims JSON and a signature.
func forge(header, payload string, sig []byte) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(sig)
}

func payloadOf(t *testing.T, tok string) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRefusedTokens(t *testing.T) {
	idp := startIdP(t)
	rs := newRS(t, idp, func(c *oauth.Config) { c.UnknownKeyRefresh = time.Hour })
	ctx := context.Background()
	good := token(t, idp, "agent", scope, resource)

	mirror, err := idp.Mirror()
	if err != nil {
		t.Fatal(err)
	}
	wrongIssuer, err := mirror.Token(ctx, "agent", "agent-secret", scope, resource)
	if err != nil {
		t.Fatal(err)
	}

	parts := strings.Split(good, ".")
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sig[len(sig)/2] ^= 0x01
	badSig := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig)

	algNone := forge(`{"alg":"none","typ":"JWT"}`, payloadOf(t, good), nil)

	// The classic confusion: HS256 keyed with the issuer's public key.
	kid, _, priv := idp.SigningKey()
	pubDER, err := x509.MarshalPKIXPublicKey(&priv.(*rsa.PrivateKey).PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": idp.Issuer, "aud": resource, "scope": scope,
		"exp": time.Now().Add(time.Hour).Unix()})
	hs.Header["kid"] = kid
	hsToken, err := hs.SignedString(pubDER)
	if err != nil {
		t.Fatal(err)
	}

	// Signed by a key the issuer never published.
	rogue, _ := rsa.GenerateKey(rand.Reader, 2048)
	unknown := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": idp.Issuer, "aud": resource, "scope": scope,
		"exp": time.Now().Add(time.Hour).Unix()})
	unknown.Header["kid"] = "rogue-key"
	unknownToken, _ := unknown.SignedString(rogue)

	// Signed with the issuer's own key, but without exp.
	noExp := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": idp.Issuer, "aud": resource, "scope": scope})
	noExp.Header["kid"] = kid
	noExpToken, _ := noExp.SignedString(priv)

	// Signed with the issuer's own key, but an ID token's type.
	idTok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": idp.Issuer, "aud": resource, "scope": scope,
		"exp": time.Now().Add(time.Hour).Unix()})
	idTok.Header["kid"], idTok.Header["typ"] = kid, "id+jwt"
	idTokToken, _ := idTok.SignedString(priv)

	cases := []struct {
		name, token, code, says string
	}{
		{"wrong issuer", wrongIssuer, oauth.CodeInvalidToken, "another authorization server"},
		{"wrong audience (preset by the provider)", token(t, idp, "other-api", scope), oauth.CodeInvalidToken, "not issued for this server"},
		{"token for another resource", token(t, idp, "any-resource", scope, "https://other.example.com/mcp"), oauth.CodeInvalidToken, "not issued for this server"},
		{"expired", token(t, idp, "expired", scope, resource), oauth.CodeInvalidToken, "expired"},
		{"not yet valid", token(t, idp, "future", scope, resource), oauth.CodeInvalidToken, "not valid yet"},
		{"bad signature", badSig, oauth.CodeInvalidToken, "signature is not valid"},
		{"alg none", algNone, oauth.CodeInvalidToken, "algorithm is not accepted"},
		{"HS256 with the public key", hsToken, oauth.CodeInvalidToken, "algorithm is not accepted"},
		{"unpublished key", unknownToken, oauth.CodeInvalidToken, "does not publish"},
		{"no exp", noExpToken, oauth.CodeInvalidToken, "lacks a required claim"},
		{"ID token type", idTokToken, oauth.CodeInvalidToken, "not an access token"},
		{"missing scope", token(t, idp, "no-scope", "", resource), oauth.CodeInsufficientScope, "lacks the scope " + scope},
		{"not a JWT", "0123456789abcdef0123456789abcdef", oauth.CodeInvalidToken, "not a JWT"},
		{"garbage in three parts", "a.b.c", oauth.CodeInvalidToken, "malformed"},
		{"too long", strings.Repeat("a", 40<<10) + ".b.c", oauth.CodeInvalidToken, "too long"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := rs.Authenticate(ctx, c.token)
			var te *oauth.TokenError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v, want a *TokenError", err)
			}
			if te.Code != c.code || !strings.Contains(te.Description, c.says) {
				t.Errorf("refusal = %q %q, want %q saying %q", te.Code, te.Description, c.code, c.says)
			}
			if strings.Contains(te.Description, "rogue-key") {
				t.Errorf("the description repeats the token's key ID: %q", te.Description)
			}
		})
	}
	// The same tokens pass a server that accepts what they carry, so
	// each refusal above is for the reason named and nothing else.
	if _, err := rs.Authenticate(ctx, good); err != nil {
		t.Fatalf("the control token was refused: %v", err)
	}
}

func TestLeeway(t *testing.T) {
	idp := startIdP(t)
	tok := token(t, idp, "agent", scope, resource) // expires in 5 min
	at := time.Now()
	rs := newRS(t, idp, func(c *oauth.Config) {
		c.Leeway = 30 * time.Second
		c.Now = func() time.Time { return at }
	})
	for _, c := range []struct {
		offset time.Duration
		ok     bool
	}{{5*time.Minute + 20*time.Second, true}, {5*time.Minute + 40*time.Second, false}} {
		at = time.Now().Add(c.offset)
		_, err := rs.Authenticate(context.Background(), tok)
		if (err == nil) != c.ok {
			t.Errorf("%v after issue: err = %v, want ok=%v", c.offset, err, c.ok)
		}
	}
}
