package server

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// MinTokenLength is the shortest bearer token accepted. A token guards VPN
// logs on a network listener; a short one can be guessed.
const MinTokenLength = 16

// ErrTokenRequired is returned when the server would listen on a
// non-loopback address without a bearer token.
var ErrTokenRequired = errors.New("listening on a non-loopback address requires a bearer token: pass --token-file PATH or set VPNLENS_TOKEN (or bind 127.0.0.1)")

// NormalizeAddr makes 127.0.0.1 the default host: "8080" and ":8080" mean
// 127.0.0.1:8080. Serving every interface has to be asked for by name
// ("0.0.0.0:8080", "[::]:8080"), and then needs a token.
func NormalizeAddr(addr string) (string, error) {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return "", errors.New("empty address: use HOST:PORT, e.g. 127.0.0.1:8080")
	}
	if _, err := strconv.ParseUint(addr, 10, 16); err == nil {
		return net.JoinHostPort("127.0.0.1", addr), nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("address %q: %v (use HOST:PORT, e.g. 127.0.0.1:8080)", addr, err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// IsLoopbackAddr reports whether addr (HOST:PORT) can only be reached from
// this machine: a loopback IP or "localhost". Unspecified addresses
// (0.0.0.0, ::) and every other host name are not.
func IsLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// LoadToken reads the bearer token from a file (flag) or the environment
// value; the file wins when both are given. Surrounding white space (the
// newline editors add) is dropped. It returns "" when neither is set.
func LoadToken(file, env string) (token, from string, err error) {
	switch {
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", "", fmt.Errorf("--token-file: %w", err)
		}
		token, from = strings.TrimSpace(string(b)), "--token-file "+file
	case env != "":
		token, from = strings.TrimSpace(env), "VPNLENS_TOKEN"
	default:
		return "", "", nil
	}
	if len(token) < MinTokenLength {
		return "", "", fmt.Errorf("the token from %s has %d characters; use at least %d (e.g. openssl rand -hex 32)", from, len(token), MinTokenLength)
	}
	if strings.ContainsAny(token, " \t\r\n") {
		return "", "", fmt.Errorf("the token from %s contains white space; it must be a single word", from)
	}
	// Clients send the token in an HTTP header, which carries printable
	// ASCII: a NUL or escape byte (a binary file, a stray terminal code)
	// would make a token no client can send.
	for i := 0; i < len(token); i++ {
		if c := token[i]; c < 0x21 || c > 0x7e {
			return "", "", fmt.Errorf("the token from %s has byte 0x%02x at position %d; a token is printable ASCII (e.g. openssl rand -hex 32)", from, c, i+1)
		}
	}
	return token, from, nil
}

// requireBearer answers 401 to requests without "Authorization: Bearer
// <token>". The comparison takes the same time whatever the guess, so the
// token cannot be found byte by byte from response times. Wrong tokens are
// counted per client address (throttle, nil for none): a client out of
// allowance gets 429 without its token being compared. Refusals close the
// connection without reading the request body.
func requireBearer(token string, throttle *authThrottle, logger *slog.Logger, next http.Handler) http.Handler {
	want := []byte(token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := bearerToken(r.Header.Get("Authorization"))
		var key netip.Addr
		if throttle != nil && ok {
			key = clientKey(r.RemoteAddr)
			if wait := throttle.retryAfter(key); wait > 0 {
				secs := int(math.Ceil(wait.Seconds()))
				w.Header().Set("Retry-After", strconv.Itoa(secs))
				w.Header().Set("Cache-Control", "no-store")
				closeAfterAnswer(w)
				http.Error(w, fmt.Sprintf("Too Many Requests: too many wrong bearer tokens from this address; retry in %d s with the right token", secs), http.StatusTooManyRequests)
				return
			}
		}
		if !ok || subtle.ConstantTimeCompare([]byte(got), want) != 1 {
			if throttle != nil && ok {
				throttle.failed(key)
				logger.Info("refused a wrong bearer token", "client", key.String())
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="vpnlens"`)
			w.Header().Set("Cache-Control", "no-store")
			closeAfterAnswer(w)
			http.Error(w, "Unauthorized: send Authorization: Bearer <token> (the token vpnlens was started with)", http.StatusUnauthorized)
			return
		}
		// mcp-go hands request headers to tools: the token stops here.
		r.Header.Del("Authorization")
		next.ServeHTTP(w, r)
	})
}

func bearerToken(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// originPolicy decides which browser origins may talk to /mcp. Requests
// without an Origin header (every non-browser client) pass; a page on
// another site, or on a domain rebound to 127.0.0.1, carries its own
// origin and is refused. This is the transport spec's DNS-rebinding
// defence; mcp-go's Host check stays on behind it.
type originPolicy struct {
	exact map[string]bool // normalized "scheme://host[:port]"
}

// newOriginPolicy allows http(s) on localhost, 127.0.0.1 and [::1] with any
// port, plus the given origins (each "scheme://host[:port]", or several
// separated by commas).
func newOriginPolicy(extra []string) (*originPolicy, error) {
	p := &originPolicy{exact: map[string]bool{}}
	for _, item := range extra {
		for o := range strings.SplitSeq(item, ",") {
			o = strings.TrimSpace(o)
			if o == "" {
				continue
			}
			n, err := normalizeOrigin(o)
			if err != nil {
				return nil, fmt.Errorf("--allow-origin %q: %v", o, err)
			}
			p.exact[n] = true
		}
	}
	return p, nil
}

// normalizeOrigin lower-cases scheme and host and drops default ports, so
// "HTTPS://App.example:443" and "https://app.example" are one origin.
func normalizeOrigin(o string) (string, error) {
	u, err := url.Parse(o)
	if err != nil {
		return "", err
	}
	if u.Scheme == "" || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", errors.New("want scheme://host[:port], e.g. https://chat.example.com")
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		return scheme + "://" + host + ":" + port, nil
	}
	return scheme + "://" + host, nil
}

func (p *originPolicy) allowed(origin string) bool {
	n, err := normalizeOrigin(origin)
	if err != nil {
		return false // "null" (sandboxed frames, file://) and junk
	}
	if p.exact[n] {
		return true
	}
	u, _ := url.Parse(n)
	if u.Scheme != "http" && u.Scheme != "https" {
		return false
	}
	switch u.Hostname() {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	return false
}

func (p *originPolicy) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origins, ok := r.Header["Origin"]; ok {
			for _, o := range origins {
				if !p.allowed(o) {
					closeAfterAnswer(w)
					http.Error(w, fmt.Sprintf("Forbidden: origin %q is not allowed (start vpnlens with --allow-origin %s to allow it)", o, o), http.StatusForbidden)
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}
