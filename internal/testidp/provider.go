// Package testidp runs a real OpenID provider for tests: zitadel's OIDC
// library (github.com/zitadel/oidc/v3, the op package) on a loopback port,
// with its example in-memory storage. It serves OpenID Connect Discovery,
// a JWKS and a token endpoint whose client_credentials grant issues JWT
// access tokens. On top of what zitadel's example does, its clients get
// tokens for the RFC 8707 "resource" they ask for (as "aud"), with a scope
// claim, and its signing keys can be rotated and withdrawn while it runs.
//
// Only tests and the end-to-end command (testidp/testidp) use it.
package testidp

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Paths zitadel's provider serves (its defaults).
const (
	DiscoveryPath = "/.well-known/openid-configuration"
	TokenPath     = "/oauth/token"
	KeysPath      = "/keys"
)

// Options configure a provider.
type Options struct {
	Clients []Client
	// Algorithm of the first signing key: RS256 (default) or ES256.
	Algorithm string
	// Logger for zitadel's messages (default: discarded).
	Logger *slog.Logger
}

// Provider is a running OpenID provider.
type Provider struct {
	// Issuer is its issuer identifier, http://127.0.0.1:PORT.
	Issuer string

	store     *store
	srv       *http.Server
	ln        net.Listener
	tokens    atomic.Int64
	keyFetchs atomic.Int64

	mu      sync.Mutex
	mirrors []*Provider
}

// resourceKey carries a token request's "resource" parameters to the
// storage, which zitadel does not hand them to.
type resourceKey struct{}

// Start runs a provider on 127.0.0.1 and a free port.
func Start(o Options) (*Provider, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	issuer := "http://" + ln.Addr().String()
	alg := jose.SignatureAlgorithm(o.Algorithm)
	if alg == "" {
		alg = jose.RS256
	}
	s, err := newStore(issuer, alg, o.Clients)
	if err != nil {
		ln.Close()
		return nil, err
	}
	return serve(ln, issuer, s, o.Logger)
}

func serve(ln net.Listener, issuer string, s *store, logger *slog.Logger) (*Provider, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg := &op.Config{
		CryptoKey:      sha256.Sum256([]byte("testidp " + issuer)),
		CodeMethodS256: true,
		AuthMethodPost: true,
	}
	opp, err := op.NewProvider(cfg, s, op.StaticIssuer(issuer), op.WithAllowInsecure(), op.WithLogger(logger))
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("testidp: %w", err)
	}
	p := &Provider{Issuer: issuer, store: s, ln: ln}
	p.srv = &http.Server{Handler: p.count(opp), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

// count counts token and key requests and hands a token request's
// "resource" parameters to the storage through the context.
func (p *Provider) count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case KeysPath:
			p.keyFetchs.Add(1)
		case TokenPath:
			p.tokens.Add(1)
			if r.Method == http.MethodPost && r.ParseForm() == nil {
				if res := r.PostForm["resource"]; len(res) > 0 {
					r = r.WithContext(context.WithValue(r.Context(), resourceKey{}, res))
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// Mirror runs a second provider with another issuer (another port) that
// shares this one's clients and signing keys: its tokens carry a
// different "iss" but verify against this provider's JWKS.
func (p *Provider) Mirror() (*Provider, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	m, err := serve(ln, "http://"+ln.Addr().String(), p.store, nil)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.mirrors = append(p.mirrors, m)
	p.mu.Unlock()
	return m, nil
}

// Close stops the provider and its mirrors.
func (p *Provider) Close() {
	p.mu.Lock()
	mirrors := p.mirrors
	p.mu.Unlock()
	for _, m := range mirrors {
		m.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = p.srv.Shutdown(ctx)
}

// KeyFetches is how many times the JWKS was requested.
func (p *Provider) KeyFetches() int64 { return p.keyFetchs.Load() }

// TokenRequests is how many token requests arrived.
func (p *Provider) TokenRequests() int64 { return p.tokens.Load() }

// RotateKey makes a new key of alg (RS256, ES256) the signing key and
// publishes it beside the old ones; it returns its key ID.
func (p *Provider) RotateKey(alg string) (string, error) {
	k, err := newSigningKey(jose.SignatureAlgorithm(alg))
	if err != nil {
		return "", err
	}
	s := p.store
	s.mu.Lock()
	defer s.mu.Unlock()
	s.published = append(s.published, k)
	s.current = k
	return k.id, nil
}

// RetireKey withdraws a key from the JWKS. The signing key cannot be
// retired.
func (p *Provider) RetireKey(kid string) error {
	s := p.store
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current.id == kid {
		return errors.New("testidp: the signing key cannot be retired; rotate first")
	}
	for i, k := range s.published {
		if k.id == kid {
			s.published = append(s.published[:i], s.published[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("testidp: no published key %s", kid)
}

// SigningKeyID is the ID of the key that signs new tokens.
func (p *Provider) SigningKeyID() string {
	p.store.mu.Lock()
	defer p.store.mu.Unlock()
	return p.store.current.id
}

// SigningKey is the private key that signs new tokens (for tests that
// forge tokens with the issuer's own key but other headers).
func (p *Provider) SigningKey() (kid string, alg string, key any) {
	p.store.mu.Lock()
	defer p.store.mu.Unlock()
	k := p.store.current
	return k.id, string(k.alg), k.key
}

// Token asks the token endpoint for an access token with the
// client_credentials grant (client authentication: HTTP Basic), as any
// OAuth client would. scope is space-separated ("" for none); resources
// become RFC 8707 "resource" parameters.
func (p *Provider) Token(ctx context.Context, clientID, secret, scope string, resources ...string) (string, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if scope != "" {
		form.Set("scope", scope)
	}
	for _, r := range resources {
		form.Add("resource", r)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.Issuer+TokenPath, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("testidp: token endpoint answered %d: %s", resp.StatusCode, body)
	}
	var tr struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
		return "", fmt.Errorf("testidp: token response %s: %v", body, err)
	}
	return tr.AccessToken, nil
}
