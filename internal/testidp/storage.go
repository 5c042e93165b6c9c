package testidp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Client is a confidential client that gets access tokens with the
// client_credentials grant.
type Client struct {
	ID, Secret string
	// Scopes the client may be granted; a token request asking for
	// others is refused (invalid_scope), as real providers do.
	Scopes []string
	// Audience is "aud" when the token request names no resource
	// (default: the client ID, as zitadel's example storage does).
	Audience []string
	// Resources the client may name in the RFC 8707 "resource" parameter;
	// the token's "aud" is then that resource. AnyResource lifts the list.
	Resources   []string
	AnyResource bool
	// ScopeClaim is how granted scopes are written: "scope" (a
	// space-separated string: RFC 9068, Keycloak) by default, or "scp" (a
	// JSON array, as Okta's custom authorization servers do).
	ScopeClaim string
	// Lifetime of its access tokens (default 5 min). Negative: tokens
	// that have already expired when issued.
	Lifetime time.Duration
	// NotBefore puts nbf and iat this far in the future.
	NotBefore time.Duration
}

// signingKey is one of the provider's keys.
type signingKey struct {
	id  string
	alg jose.SignatureAlgorithm
	key any // *rsa.PrivateKey or *ecdsa.PrivateKey
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.alg }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

// publicKey is a published key (op.Key).
type publicKey struct{ k *signingKey }

func (p publicKey) ID() string                         { return p.k.id }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return p.k.alg }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any {
	switch k := p.k.key.(type) {
	case *rsa.PrivateKey:
		return &k.PublicKey
	case *ecdsa.PrivateKey:
		return &k.PublicKey
	}
	return nil
}

func newSigningKey(alg jose.SignatureAlgorithm) (*signingKey, error) {
	var key any
	var err error
	switch alg {
	case jose.RS256, jose.RS384, jose.RS512, jose.PS256:
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	case jose.ES256:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		return nil, fmt.Errorf("testidp: algorithm %s not supported", alg)
	}
	if err != nil {
		return nil, err
	}
	return &signingKey{id: uuid.NewString(), alg: alg, key: key}, nil
}

// store is zitadel's example in-memory storage (authorization requests,
// users, refresh tokens …) with the parts this provider needs replaced:
// its own signing keys, which rotate, and its own client_credentials
// clients, whose access tokens are JWTs with an audience and scope claim.
type store struct {
	*storage.Storage

	mu        sync.Mutex
	published []*signingKey // in the JWKS
	current   *signingKey   // signs new tokens
	clients   map[string]*Client
}

func newStore(issuer string, alg jose.SignatureAlgorithm, clients []Client) (*store, error) {
	k, err := newSigningKey(alg)
	if err != nil {
		return nil, err
	}
	s := &store{Storage: storage.NewStorage(storage.NewUserStore(issuer)), published: []*signingKey{k}, current: k,
		clients: map[string]*Client{}}
	for i := range clients {
		c := clients[i]
		s.clients[c.ID] = &c
	}
	return s, nil
}

func (s *store) SigningKey(context.Context) (op.SigningKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current, nil
}

func (s *store) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var algs []jose.SignatureAlgorithm
	for _, k := range s.published {
		if !slices.Contains(algs, k.alg) {
			algs = append(algs, k.alg)
		}
	}
	return algs, nil
}

func (s *store) KeySet(context.Context) ([]op.Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]op.Key, 0, len(s.published))
	for _, k := range s.published {
		keys = append(keys, publicKey{k})
	}
	return keys, nil
}

func (s *store) client(id string) (*Client, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	return c, ok
}

func (s *store) ClientCredentials(_ context.Context, clientID, clientSecret string) (op.Client, error) {
	c, ok := s.client(clientID)
	if !ok || c.Secret != clientSecret {
		return nil, errors.New("wrong client ID or secret")
	}
	return opClient{c}, nil
}

// tokenRequest is what a client_credentials request asks for.
type tokenRequest struct {
	clientID string
	audience []string
	scopes   []string
}

func (r *tokenRequest) GetSubject() string     { return r.clientID }
func (r *tokenRequest) GetAudience() []string  { return r.audience }
func (r *tokenRequest) GetScopes() []string    { return r.scopes }
func (r *tokenRequest) GetClientID() string    { return r.clientID }
func (r *tokenRequest) GetAMR() []string       { return nil }
func (r *tokenRequest) GetAuthTime() time.Time { return time.Time{} }

func (s *store) ClientCredentialsTokenRequest(ctx context.Context, clientID string, scopes []string) (op.TokenRequest, error) {
	c, ok := s.client(clientID)
	if !ok {
		return nil, errors.New("wrong client ID or secret")
	}
	for _, sc := range scopes {
		if !slices.Contains(c.Scopes, sc) {
			return nil, oidc.ErrInvalidScope().WithDescription("client %s may not be granted scope %s", clientID, sc)
		}
	}
	aud := c.Audience
	if len(aud) == 0 {
		aud = []string{clientID}
	}
	if res, _ := ctx.Value(resourceKey{}).([]string); len(res) > 0 {
		for _, r := range res {
			if !c.AnyResource && !slices.Contains(c.Resources, r) {
				return nil, &oidc.Error{ErrorType: "invalid_target", Description: "client " + clientID + " may not get tokens for resource " + r}
			}
		}
		aud = res
	}
	return &tokenRequest{clientID: clientID, audience: aud, scopes: scopes}, nil
}

func (s *store) CreateAccessToken(_ context.Context, request op.TokenRequest) (string, time.Time, error) {
	lifetime := 5 * time.Minute
	if r, ok := request.(*tokenRequest); ok {
		if c, ok := s.client(r.clientID); ok && c.Lifetime != 0 {
			lifetime = c.Lifetime
		}
	}
	return uuid.NewString(), time.Now().Add(lifetime), nil
}

func (s *store) GetPrivateClaimsFromScopes(_ context.Context, _, clientID string, scopes []string) (map[string]any, error) {
	c, ok := s.client(clientID)
	if !ok || len(scopes) == 0 {
		return nil, nil
	}
	if c.ScopeClaim == "scp" {
		return map[string]any{"scp": slices.Clone(scopes)}, nil
	}
	return map[string]any{"scope": strings.Join(scopes, " ")}, nil
}

// opClient is a Client as zitadel's op.Client.
type opClient struct{ c *Client }

func (o opClient) GetID() string                       { return o.c.ID }
func (o opClient) RedirectURIs() []string              { return nil }
func (o opClient) PostLogoutRedirectURIs() []string    { return nil }
func (o opClient) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (o opClient) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodBasic }
func (o opClient) ResponseTypes() []oidc.ResponseType  { return nil }
func (o opClient) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeClientCredentials}
}
func (o opClient) LoginURL(string) string               { return "" }
func (o opClient) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeJWT }
func (o opClient) IDTokenLifetime() time.Duration       { return time.Hour }
func (o opClient) DevMode() bool                        { return false }
func (o opClient) IsScopeAllowed(scope string) bool     { return slices.Contains(o.c.Scopes, scope) }
func (o opClient) IDTokenUserinfoClaimsAssertion() bool { return false }
func (o opClient) ClockSkew() time.Duration             { return -o.c.NotBefore }
func (o opClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (o opClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
