package oauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// ResourceServer validates access tokens for one resource.
type ResourceServer struct {
	cfg      Config
	issuerMD *ServerMetadata
	keys     keyfunc.Keyfunc
	parser   *jwt.Parser
}

// New discovers the issuer's metadata, loads its JWKS and returns the
// resource server. The keys are fetched again every KeyRefreshInterval
// and when a token names an unknown key ID (at most once per
// UnknownKeyRefresh) until ctx ends. cfg.Resource must be set.
func New(ctx context.Context, cfg Config) (*ResourceServer, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	if cfg.Resource == "" {
		return nil, errors.New("oauth: no resource URL: give --oauth-resource, e.g. https://vpnlens.example.com/mcp")
	}
	res, err := CanonicalResource(cfg.Resource)
	if err != nil {
		return nil, fmt.Errorf("--oauth-resource %q: %w", cfg.Resource, err)
	}
	cfg.Resource = res
	cfg = cfg.withDefaults()

	md, err := Discover(ctx, cfg.HTTPClient, cfg.Issuer)
	if err != nil {
		return nil, err
	}
	noErrorOnFirst := false
	logger := cfg.Logger
	keys, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{md.JWKSURI}, keyfunc.Override{
		Client:                    cfg.HTTPClient,
		HTTPTimeout:               DefaultHTTPTimeout,
		NoErrorReturnFirstHTTPReq: &noErrorOnFirst,
		RefreshInterval:           cfg.KeyRefreshInterval,
		RefreshUnknownKID:         rate.NewLimiter(rate.Every(cfg.UnknownKeyRefresh), 1),
		// This bounds both the wait for the limiter and the fetch it
		// allows. A token with an unknown key ID arriving when the next
		// fetch is further away than this is refused at once; at most one
		// request at a time waits for the next one.
		RateLimitWaitMax: DefaultHTTPTimeout,
		RefreshErrorHandlerFunc: func(u string) func(context.Context, error) {
			return func(_ context.Context, err error) {
				logger.Warn("could not refresh the authorization server's keys; the last ones fetched stay in use", "jwks_uri", u, "err", err)
			}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("authorization server keys %s: %w", md.JWKSURI, err)
	}
	parser := jwt.NewParser(
		jwt.WithValidMethods(cfg.Algorithms),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithAudience(cfg.Audiences...),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(cfg.Now),
	)
	return &ResourceServer{cfg: cfg, issuerMD: md, keys: keys, parser: parser}, nil
}

// Resource is the canonical resource URL.
func (rs *ResourceServer) Resource() string { return rs.cfg.Resource }

// Issuer is the authorization server's issuer.
func (rs *ResourceServer) Issuer() string { return rs.cfg.Issuer }

// Scopes are the scopes every token must carry.
func (rs *ResourceServer) Scopes() []string { return slices.Clone(rs.cfg.Scopes) }

// Audiences are the accepted "aud" values.
func (rs *ResourceServer) Audiences() []string { return slices.Clone(rs.cfg.Audiences) }

// JWKSURI is where the keys come from.
func (rs *ResourceServer) JWKSURI() string { return rs.issuerMD.JWKSURI }

// Principal is who a valid token speaks for.
type Principal struct {
	Subject  string
	ClientID string // "client_id", "azp" or "appid", whichever the token has
	Scopes   []string
	Expires  time.Time
}

// LogValue shows a principal in logs without anything secret.
func (p *Principal) LogValue() slog.Value {
	return slog.GroupValue(slog.String("sub", cut(p.Subject)), slog.String("client_id", cut(p.ClientID)),
		slog.Time("expires", p.Expires))
}

// TokenError is why a token was refused, in RFC 6750's terms.
type TokenError struct {
	// Code is "invalid_token", "insufficient_scope" or "invalid_request".
	Code string
	// Description is a fixed text safe to send back and to log: it never
	// repeats anything of the token.
	Description string
}

func (e *TokenError) Error() string { return e.Code + ": " + e.Description }

// Error codes of RFC 6750 section 3.1.
const (
	CodeInvalidRequest    = "invalid_request"
	CodeInvalidToken      = "invalid_token"
	CodeInsufficientScope = "insufficient_scope"
)

func invalid(desc string) *TokenError { return &TokenError{Code: CodeInvalidToken, Description: desc} }

// accessClaims are the claims read from an access token: the registered
// ones plus the scope and client claims the big identity providers use.
type accessClaims struct {
	jwt.RegisteredClaims
	Scope    any    `json:"scope"` // RFC 9068 / Keycloak / Okta org server: "a b"
	Scp      any    `json:"scp"`   // Entra ID: "a b"; Okta custom server: ["a", "b"]
	ClientID string `json:"client_id"`
	Azp      string `json:"azp"`
	AppID    string `json:"appid"`
}

// Authenticate validates an access token: signature by a key of the
// issuer's JWKS with an allowed algorithm, "iss" exactly the issuer, "aud"
// containing an accepted audience, "exp" in the future, "nbf" and "iat"
// not in the future (each with Leeway), and every required scope granted.
// A refusal is a *TokenError.
func (rs *ResourceServer) Authenticate(ctx context.Context, token string) (*Principal, error) {
	if len(token) > maxTokenBytes {
		return nil, invalid("the access token is too long")
	}
	if strings.Count(token, ".") != 2 {
		return nil, invalid("the access token is not a JWT (three base64url parts); vpnlens accepts JWT access tokens from its authorization server")
	}
	// The header is checked before any key is looked up, so a refused
	// algorithm says so instead of "bad signature".
	unverified, _, err := jwt.NewParser().ParseUnverified(token, &accessClaims{})
	if err != nil {
		return nil, invalid("the access token is malformed")
	}
	alg, _ := unverified.Header["alg"].(string)
	if !slices.Contains(rs.cfg.Algorithms, alg) {
		return nil, invalid("the access token's signing algorithm is not accepted (allowed: " + strings.Join(rs.cfg.Algorithms, ", ") + ")")
	}
	if typ, ok := unverified.Header["typ"].(string); ok && !acceptedType(typ) {
		return nil, invalid("the token's type is not an access token (typ must be JWT or at+jwt)")
	}

	var claims accessClaims
	_, err = rs.parser.ParseWithClaims(token, &claims, rs.keys.KeyfuncCtx(ctx))
	if err != nil {
		return nil, classify(err)
	}
	p := &Principal{Subject: claims.Subject, ClientID: firstNonEmpty(claims.ClientID, claims.Azp, claims.AppID),
		Scopes: grantedScopes(claims.Scope, claims.Scp)}
	if claims.ExpiresAt != nil {
		p.Expires = claims.ExpiresAt.Time
	}
	var missing []string
	for _, want := range rs.cfg.Scopes {
		if !slices.Contains(p.Scopes, want) {
			missing = append(missing, want)
		}
	}
	if len(missing) > 0 {
		return p, &TokenError{Code: CodeInsufficientScope,
			Description: "the access token lacks the scope " + strings.Join(missing, " ") + "; request a token with scope \"" + strings.Join(rs.cfg.Scopes, " ") + "\""}
	}
	return p, nil
}

func acceptedType(typ string) bool {
	switch strings.ToLower(typ) {
	case "jwt", "at+jwt", "application/at+jwt":
		return true
	}
	return false
}

// classify turns golang-jwt's and keyfunc's errors into fixed texts: their
// own messages can quote the token's header (a key ID), which is the
// caller's data.
func classify(err error) *TokenError {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return invalid("the access token is malformed")
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return invalid("the access token is signed with a key the authorization server does not publish (unknown key ID, or a withdrawn key)")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return invalid("the access token's signature is not valid")
	case errors.Is(err, jwt.ErrTokenExpired):
		return invalid("the access token has expired")
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return invalid("the access token is not valid yet (nbf is in the future)")
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return invalid("the access token was issued in the future (iat)")
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return invalid("the access token was issued by another authorization server (iss)")
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return invalid("the access token was not issued for this server (aud does not name its resource URL)")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return invalid("the access token lacks a required claim (exp, iss or aud)")
	default:
		return invalid("the access token is not valid")
	}
}

// grantedScopes reads the "scope" and "scp" claims, each a space-separated
// string or an array of strings.
func grantedScopes(claims ...any) []string {
	var out []string
	for _, c := range claims {
		switch v := c.(type) {
		case string:
			out = append(out, strings.Fields(v)...)
		case []any:
			for _, s := range v {
				if s, ok := s.(string); ok {
					out = append(out, strings.Fields(s)...)
				}
			}
		}
	}
	return out
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// cut keeps a claim value short in logs: it comes from the token.
func cut(s string) string {
	const limit = 128
	if len(s) <= limit {
		return s
	}
	return s[:limit] + fmt.Sprintf("… (%d bytes)", len(s))
}
