// Package oauth makes vpnlens's HTTP endpoint an OAuth 2.1 resource server
// as the MCP authorization specification (2025-06-18, 2025-11-25) asks:
// it finds the authorization server's metadata (RFC 8414 or OpenID Connect
// Discovery), validates JWT access tokens against the issuer's JWKS (with
// key rotation), checks that they were issued for this resource (RFC 8707
// audience) with the scopes it requires, serves the Protected Resource
// Metadata (RFC 9728) and writes the WWW-Authenticate challenges of RFC
// 6750. It knows HTTP and OAuth only: no MCP, no AWS, nothing of vpnlens.
package oauth

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Defaults of Config.
const (
	// DefaultLeeway is the clock difference tolerated on exp, nbf and iat.
	DefaultLeeway = 30 * time.Second
	// DefaultKeyRefreshInterval is how often the JWKS is fetched again
	// without being asked, so that a key the issuer withdrew stops being
	// accepted.
	DefaultKeyRefreshInterval = 10 * time.Minute
	// DefaultUnknownKeyRefresh is the least time between two JWKS fetches
	// caused by a token signed with a key ID not in the cached set: a
	// rotated key is picked up at once, and forged key IDs cannot make
	// vpnlens hammer the issuer.
	DefaultUnknownKeyRefresh = 30 * time.Second
	// DefaultHTTPTimeout bounds each request to the authorization server.
	DefaultHTTPTimeout = 10 * time.Second
	// maxTokenBytes is the longest access token looked at. Tokens with
	// many group claims reach a few KiB; nothing legitimate comes close.
	maxTokenBytes = 32 << 10
)

// DefaultAlgorithms are the JWS algorithms accepted by default: the
// asymmetric ones. "none" and the HMAC family (HS256…), which would let a
// caller sign with the issuer's public key, are never accepted.
var DefaultAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// Config describes the resource server.
type Config struct {
	// Issuer is the authorization server's issuer identifier, exactly as
	// its tokens carry it in "iss" (e.g. https://login.example.com/realms/ops).
	Issuer string
	// Resource is this MCP endpoint's canonical URL as clients reach it
	// (e.g. https://vpnlens.example.com/mcp): published as "resource" in
	// the Protected Resource Metadata, and the default audience.
	Resource string
	// Audiences are the "aud" values accepted; a token must carry at least
	// one of them. Default: Resource.
	Audiences []string
	// Scopes must all be granted to a token ("scope" or "scp" claim).
	// They are published as scopes_supported. None: any valid token.
	Scopes []string
	// Algorithms allowed in a token's "alg" header; default
	// DefaultAlgorithms. "none" and HS* are refused whatever is given.
	Algorithms []string

	Leeway             time.Duration // default DefaultLeeway
	KeyRefreshInterval time.Duration // default DefaultKeyRefreshInterval
	UnknownKeyRefresh  time.Duration // default DefaultUnknownKeyRefresh
	// HTTPClient talks to the authorization server (metadata, JWKS).
	// Default: a client with DefaultHTTPTimeout.
	HTTPClient *http.Client
	Logger     *slog.Logger
	// Now is the clock tokens are judged by (default time.Now).
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if len(c.Audiences) == 0 && c.Resource != "" {
		c.Audiences = []string{c.Resource}
	}
	if len(c.Algorithms) == 0 {
		c.Algorithms = DefaultAlgorithms
	}
	if c.Leeway <= 0 {
		c.Leeway = DefaultLeeway
	}
	if c.KeyRefreshInterval <= 0 {
		c.KeyRefreshInterval = DefaultKeyRefreshInterval
	}
	if c.UnknownKeyRefresh <= 0 {
		c.UnknownKeyRefresh = DefaultUnknownKeyRefresh
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Check reports every mistake in the static configuration at once, before
// anything is fetched. An empty Resource passes: the server fills it in
// from the address it listens on.
func (c Config) Check() error {
	var errs []error
	if c.Issuer == "" {
		errs = append(errs, errors.New("--oauth-issuer is empty: give the authorization server's issuer URL, e.g. https://login.example.com/realms/ops"))
	} else if err := checkIssuer(c.Issuer); err != nil {
		errs = append(errs, fmt.Errorf("--oauth-issuer %q: %w", c.Issuer, err))
	}
	if c.Resource != "" {
		if _, err := CanonicalResource(c.Resource); err != nil {
			errs = append(errs, fmt.Errorf("--oauth-resource %q: %w", c.Resource, err))
		}
	}
	for _, a := range c.Audiences {
		if strings.TrimSpace(a) == "" || strings.ContainsAny(a, " \t\r\n\"") {
			errs = append(errs, fmt.Errorf("--oauth-audience %q: an audience is one word without quotes, e.g. https://vpnlens.example.com/mcp or api://vpnlens", a))
		}
	}
	for _, s := range c.Scopes {
		if !validScopeToken(s) {
			errs = append(errs, fmt.Errorf("--oauth-scopes %q: a scope is printable ASCII without spaces, quotes or backslashes (RFC 6749 section 3.3), e.g. vpnlens.read", s))
		}
	}
	for _, a := range c.Algorithms {
		if !slices.Contains(DefaultAlgorithms, a) {
			errs = append(errs, fmt.Errorf("algorithm %q is not allowed: use some of %s", a, strings.Join(DefaultAlgorithms, ", ")))
		}
	}
	return errors.Join(errs...)
}

// checkIssuer accepts https URLs, and http only on loopback (a local test
// authorization server): anywhere else, fetching keys over plain HTTP
// would let the network sign tokens.
func checkIssuer(issuer string) error {
	u, err := url.Parse(issuer)
	if err != nil {
		return err
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return errors.New("want an https URL without query or fragment, e.g. https://login.example.com/realms/ops")
	}
	return checkTransport(u)
}

func checkTransport(u *url.URL) error {
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopbackHost(u.Hostname()) {
			return nil
		}
		return errors.New("http is allowed for loopback hosts only; use https")
	default:
		return fmt.Errorf("scheme %q: use https", u.Scheme)
	}
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// CanonicalResource returns the canonical form of a resource URL (RFC 8707
// section 2, as the MCP specification uses it): scheme and host in lower
// case, no default port, no fragment, no query. The path stays as given
// (without a trailing slash on the root: https://mcp.example.com).
func CanonicalResource(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", err
	}
	if u.Scheme == "" || u.Host == "" {
		return "", errors.New("want an absolute URL such as https://vpnlens.example.com/mcp")
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", errors.New("a resource URL has no user, query or fragment (RFC 8707 section 2)")
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return "", fmt.Errorf("scheme %q: use https (or http on a trusted network)", u.Scheme)
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host = net.JoinHostPort(strings.Trim(host, "[]"), port)
	}
	path := u.EscapedPath()
	if path == "/" {
		path = ""
	}
	return scheme + "://" + host + path, nil
}

// validScopeToken is RFC 6749's scope-token: %x21 / %x23-5B / %x5D-7E.
func validScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
