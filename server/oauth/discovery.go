package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxMetadataBytes bounds a metadata document read from the authorization
// server; real ones are a few KiB.
const maxMetadataBytes = 1 << 20

// ServerMetadata is what vpnlens uses of the authorization server's
// metadata (RFC 8414, OpenID Connect Discovery 1.0).
type ServerMetadata struct {
	Issuer  string `json:"issuer"`
	JWKSURI string `json:"jwks_uri"`
	// From is the URL the document was read from.
	From string `json:"-"`
}

// MetadataURLs lists where an issuer's metadata may be, in the order the
// MCP specification (2025-11-25, "Authorization Server Metadata
// Discovery") tries them: RFC 8414 first, then OpenID Connect Discovery
// with the well-known part inserted before the issuer's path, then
// appended to it.
func MetadataURLs(issuer string) ([]string, error) {
	u, err := url.Parse(issuer)
	if err != nil {
		return nil, err
	}
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	at := func(p string) string {
		v := *u
		v.Path, v.RawPath = "", ""
		return v.String() + p
	}
	if path == "" {
		return []string{
			at("/.well-known/oauth-authorization-server"),
			at("/.well-known/openid-configuration"),
		}, nil
	}
	return []string{
		at("/.well-known/oauth-authorization-server" + path),
		at("/.well-known/openid-configuration" + path),
		at(path + "/.well-known/openid-configuration"),
	}, nil
}

// Discover fetches the issuer's metadata from the first of MetadataURLs
// that has it. The document must name the issuer exactly (RFC 8414
// section 3.3) and give a jwks_uri over https (http on loopback). The
// error names each URL tried and what it answered.
func Discover(ctx context.Context, client *http.Client, issuer string) (*ServerMetadata, error) {
	urls, err := MetadataURLs(issuer)
	if err != nil {
		return nil, fmt.Errorf("issuer %q: %w", issuer, err)
	}
	var tried []string
	for _, u := range urls {
		md, err := fetchMetadata(ctx, client, u)
		if errors.Is(err, errNotHere) {
			tried = append(tried, u+": "+err.Error())
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("authorization server metadata %s: %w", u, err)
		}
		if md.Issuer != issuer {
			return nil, fmt.Errorf("authorization server metadata %s names issuer %q, not %q: give --oauth-issuer exactly as the server's tokens carry it in \"iss\"", u, md.Issuer, issuer)
		}
		if md.JWKSURI == "" {
			return nil, fmt.Errorf("authorization server metadata %s has no jwks_uri: vpnlens validates JWT access tokens with the issuer's published keys", u)
		}
		ju, err := url.Parse(md.JWKSURI)
		if err == nil {
			err = checkTransport(ju)
		}
		if err != nil {
			return nil, fmt.Errorf("authorization server metadata %s: jwks_uri %q: %w", u, md.JWKSURI, err)
		}
		md.From = u
		return md, nil
	}
	return nil, fmt.Errorf("no authorization server metadata found for issuer %q (tried %s): check --oauth-issuer", issuer, strings.Join(tried, "; "))
}

// errNotHere means "try the next well-known URL".
var errNotHere = errors.New("not found")

func fetchMetadata(ctx context.Context, client *http.Client, u string) (*ServerMetadata, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound, resp.StatusCode == http.StatusMethodNotAllowed:
		return nil, fmt.Errorf("%w (HTTP %d)", errNotHere, resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadataBytes+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxMetadataBytes {
		return nil, fmt.Errorf("document larger than %d bytes", maxMetadataBytes)
	}
	var md ServerMetadata
	if err := json.Unmarshal(body, &md); err != nil {
		return nil, fmt.Errorf("not a JSON metadata document: %w", err)
	}
	return &md, nil
}
