package oauth

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// WellKnownPath is where Protected Resource Metadata lives (RFC 9728
// section 3).
const WellKnownPath = "/.well-known/oauth-protected-resource"

// ResourceMetadata is the Protected Resource Metadata document (RFC 9728
// section 2).
type ResourceMetadata struct {
	Resource               string   `json:"resource"`
	AuthorizationServers   []string `json:"authorization_servers"`
	ScopesSupported        []string `json:"scopes_supported,omitempty"`
	BearerMethodsSupported []string `json:"bearer_methods_supported"`
	ResourceName           string   `json:"resource_name,omitempty"`
}

// Metadata is this resource's document: the issuer as its one
// authorization server, the required scopes, and the Authorization header
// as the only way to send a token.
func (rs *ResourceServer) Metadata() ResourceMetadata {
	return ResourceMetadata{
		Resource:               rs.cfg.Resource,
		AuthorizationServers:   []string{rs.cfg.Issuer},
		ScopesSupported:        rs.Scopes(),
		BearerMethodsSupported: []string{"header"},
		ResourceName:           "vpnlens",
	}
}

// MetadataURL is where clients are sent for the document: the well-known
// path inserted before the resource's path (RFC 9728 section 3.1), e.g.
// https://vpnlens.example.com/.well-known/oauth-protected-resource/mcp.
func (rs *ResourceServer) MetadataURL() string {
	u, _ := url.Parse(rs.cfg.Resource) // canonical, so it parses
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	u.Path, u.RawPath = "", ""
	return u.String() + WellKnownPath + path
}

// MetadataPaths are the request paths the document is served at: the
// root form, the form for the resource URL's path, and the form for
// endpointPath (the path vpnlens serves MCP at, which differs from the
// resource's path when a reverse proxy adds a prefix).
func (rs *ResourceServer) MetadataPaths(endpointPath string) []string {
	paths := []string{WellKnownPath}
	add := func(p string) {
		p = strings.TrimSuffix(p, "/")
		if p == "" {
			return
		}
		full := WellKnownPath + p
		for _, have := range paths {
			if have == full {
				return
			}
		}
		paths = append(paths, full)
	}
	if u, err := url.Parse(rs.cfg.Resource); err == nil {
		add(u.Path)
	}
	add(endpointPath)
	return paths
}

// MetadataHandler serves the document to GET and HEAD. Any origin may
// read it (browser-based MCP clients fetch it cross-origin); it holds
// nothing secret.
func (rs *ResourceServer) MetadataHandler() http.Handler {
	body, _ := json.MarshalIndent(rs.Metadata(), "", "  ")
	body = append(body, '\n')
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		switch r.Method {
		case http.MethodGet, http.MethodHead:
		case http.MethodOptions:
			h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "MCP-Protocol-Version")
			w.WriteHeader(http.StatusNoContent)
			return
		default:
			h.Set("Allow", "GET, HEAD, OPTIONS")
			http.Error(w, "Method Not Allowed: the protected resource metadata is read with GET", http.StatusMethodNotAllowed)
			return
		}
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "public, max-age=300")
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(body)
		}
	})
}

// Challenge is the WWW-Authenticate value for a refusal (RFC 6750 section
// 3, RFC 9728 section 5.1): nil for a request without a token, else the
// error. It always names the metadata URL and, when scopes are required,
// the scopes to ask for.
func (rs *ResourceServer) Challenge(err *TokenError) string {
	params := []string{`realm="vpnlens"`}
	if err != nil {
		params = append(params, `error="`+err.Code+`"`, `error_description="`+quoteSafe(err.Description)+`"`)
	}
	params = append(params, `resource_metadata="`+rs.MetadataURL()+`"`)
	if len(rs.cfg.Scopes) > 0 {
		params = append(params, `scope="`+strings.Join(rs.cfg.Scopes, " ")+`"`)
	}
	return "Bearer " + strings.Join(params, ", ")
}

// quoteSafe keeps an error_description inside its quotes: RFC 6750 allows
// %x20-21 / %x23-5B / %x5D-7E there.
func quoteSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r > 0x7e:
			return ' '
		case r == '"' || r == '\\':
			return '\''
		}
		return r
	}, s)
}
