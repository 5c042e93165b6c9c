package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/vpnlens/vpnlens/server/oauth"
)

// EndpointPath is where streamable HTTP clients talk MCP.
const EndpointPath = "/mcp"

// HealthPath answers 200 "ok" while the server runs, for load balancers and
// container health checks; it needs no MCP session and no token.
const HealthPath = "/healthz"

// shutdownGrace is how long in-flight calls get to finish after SIGINT or
// SIGTERM before connections are closed.
const shutdownGrace = 10 * time.Second

// HTTPOptions tune the streamable HTTP transport. The zero value is a
// loopback-only server with the default limits.
type HTTPOptions struct {
	Logger *slog.Logger
	// Ready, if set, is called with the bound address once the listener is
	// open (useful with port 0 in tests and to log the real port).
	Ready func(addr net.Addr)

	// Token, when set, is required on every /mcp request as
	// "Authorization: Bearer <token>". Listening on a non-loopback address
	// without it or OAuth is refused.
	Token string
	// OAuth, when set, makes /mcp an OAuth 2.1 protected resource: every
	// request needs a JWT access token from OAuth.Issuer for this
	// resource (see package oauth), and the Protected Resource Metadata is
	// served under /.well-known/oauth-protected-resource. It excludes
	// Token. An empty OAuth.Resource is filled in from the listening
	// address (http(s)://ADDR/mcp), which is only right when clients reach
	// vpnlens at that address: behind a proxy, give it.
	OAuth *oauth.Config
	// AllowOrigins are browser origins allowed besides http(s) on
	// localhost, 127.0.0.1 and [::1].
	AllowOrigins []string
	// TLSCertFile and TLSKeyFile (both or neither) serve HTTPS.
	TLSCertFile, TLSKeyFile string

	MaxBodyBytes   int64         // per request; default DefaultMaxBodyBytes
	MaxSessions    int           // concurrent MCP sessions; default DefaultMaxSessions
	SessionIdleTTL time.Duration // a session unused this long ends; default DefaultSessionIdleTTL

	// ReadTimeout is how long a request's body may take to arrive after
	// its headers (default DefaultReadTimeout). The headers get
	// DefaultHeaderTimeout, or ReadTimeout when that is shorter. A client
	// that is slower gets 408 and its connection is closed.
	ReadTimeout time.Duration
	// IdleTimeout closes a kept-alive connection that sends no new
	// request for this long (default DefaultIdleTimeout).
	IdleTimeout time.Duration
	// MaxUnauthConns is how many connections one client address (IPv4, or
	// IPv6 /64) may hold open before a request on them is authenticated;
	// more are refused (default DefaultMaxUnauthConns, negative: no cap).
	// Only ServeHTTP applies it (it owns the listener).
	MaxUnauthConns int
	// AuthFailuresPerMinute is how many wrong bearer tokens one client
	// address may send per minute (also the burst) before its requests get
	// 429 (default DefaultAuthFailuresPerMinute, negative: no limit).
	AuthFailuresPerMinute int
}

func (o HTTPOptions) withDefaults() HTTPOptions {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = DefaultMaxSessions
	}
	if o.SessionIdleTTL <= 0 {
		o.SessionIdleTTL = DefaultSessionIdleTTL
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = DefaultReadTimeout
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MaxUnauthConns == 0 {
		o.MaxUnauthConns = DefaultMaxUnauthConns
	}
	if o.AuthFailuresPerMinute == 0 {
		o.AuthFailuresPerMinute = DefaultAuthFailuresPerMinute
	}
	return o
}

// headerTimeout is how long the request headers may take.
func (o HTTPOptions) headerTimeout() time.Duration { return min(DefaultHeaderTimeout, o.ReadTimeout) }

// Check reports configuration mistakes before anything starts: an address
// that is not HOST:PORT, a non-loopback address without a token, a TLS
// certificate without its key (or one that does not load), a bad origin.
// It returns the address to listen on (see NormalizeAddr).
func (o HTTPOptions) Check(addr string) (string, error) {
	addr, err := NormalizeAddr(addr)
	if err != nil {
		return "", err
	}
	if !IsLoopbackAddr(addr) && o.Token == "" && o.OAuth == nil {
		return "", fmt.Errorf("%s: %w", addr, ErrTokenRequired)
	}
	if o.OAuth != nil {
		if o.Token != "" {
			return "", errors.New("--oauth-issuer and a static token (--token-file, VPNLENS_TOKEN) exclude each other: with OAuth every client brings its own access token; unset VPNLENS_TOKEN or drop --token-file")
		}
		if err := o.OAuth.Check(); err != nil {
			return "", err
		}
		if o.OAuth.Resource == "" {
			if host, _, _ := net.SplitHostPort(addr); isUnspecifiedHost(host) {
				return "", fmt.Errorf("listening on %s, vpnlens cannot tell the URL clients reach it at: give --oauth-resource, e.g. https://vpnlens.example.com/mcp", addr)
			}
		}
	}
	if _, err := o.tlsConfig(); err != nil {
		return "", err
	}
	if _, err := newOriginPolicy(o.AllowOrigins); err != nil {
		return "", err
	}
	return addr, nil
}

func (o HTTPOptions) tlsConfig() (*tls.Config, error) {
	if (o.TLSCertFile == "") != (o.TLSKeyFile == "") {
		return nil, errors.New("--tls-cert and --tls-key go together: give both or neither")
	}
	if o.TLSCertFile == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(o.TLSCertFile, o.TLSKeyFile)
	if err != nil {
		return nil, fmt.Errorf("TLS certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// HTTPHandler is vpnlens's HTTP surface: MCP at /mcp behind the origin
// check, the token, the body limit and the session limit, and /healthz.
type HTTPHandler struct {
	mux        *http.ServeMux
	streamable *mcpserver.StreamableHTTPServer
	sessions   *sessionTable
	resource   *oauth.ResourceServer
	stopKeys   context.CancelFunc // ends the JWKS refresh; nil without OAuth
}

func (h *HTTPHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Sessions is the number of MCP sessions open (or being opened).
func (h *HTTPHandler) Sessions() int { return h.sessions.Len() }

// ResourceServer is the OAuth resource server, nil without OAuth.
func (h *HTTPHandler) ResourceServer() *oauth.ResourceServer { return h.resource }

// Close ends every session, stops mcp-go's idle-session sweeper and the
// refresh of the authorization server's keys.
func (h *HTTPHandler) Close(ctx context.Context) error {
	if h.stopKeys != nil {
		h.stopKeys()
	}
	return h.streamable.Shutdown(ctx)
}

// NewHTTPHandler builds the handler. With o.OAuth, o.OAuth.Resource must
// be set; the authorization server's metadata and keys are fetched now.
func NewHTTPHandler(s *mcpserver.MCPServer, o HTTPOptions) (*HTTPHandler, error) {
	return newHTTPHandler(s, o.withDefaults(), nil)
}

// newHTTPHandler builds the handler. httpSrv, when not nil, is the server
// it will run under (mcp-go shuts it down on Close).
func newHTTPHandler(s *mcpserver.MCPServer, o HTTPOptions, httpSrv *http.Server) (*HTTPHandler, error) {
	origins, err := newOriginPolicy(o.AllowOrigins)
	if err != nil {
		return nil, err
	}
	var rs *oauth.ResourceServer
	var stopKeys context.CancelFunc
	if o.OAuth != nil {
		if o.Token != "" {
			return nil, errors.New("OAuth and a static token exclude each other")
		}
		cfg := *o.OAuth
		if cfg.Logger == nil {
			cfg.Logger = o.Logger
		}
		var ctx context.Context
		ctx, stopKeys = context.WithCancel(context.Background())
		if rs, err = oauth.New(ctx, cfg); err != nil {
			stopKeys()
			return nil, err
		}
	}
	sessions := newSessionTable(o.MaxSessions, o.SessionIdleTTL)
	// mcp-go's DNS-rebinding protection stays on: a request arriving on a
	// loopback connection with a Host header that is not loopback gets 403.
	opts := []mcpserver.StreamableHTTPOption{
		mcpserver.WithEndpointPath(EndpointPath),
		mcpserver.WithStreamableHTTPLogger(o.Logger),
		mcpserver.WithHeartbeatInterval(30 * time.Second),
		mcpserver.WithSessionIdleTTL(o.SessionIdleTTL),
		mcpserver.WithSessionIdManagerResolver(sessions),
		mcpserver.WithDisableLocalhostProtection(false),
	}
	if httpSrv != nil {
		opts = append(opts, mcpserver.WithStreamableHTTPServer(httpSrv))
	}
	streamable := mcpserver.NewStreamableHTTPServer(s, opts...)

	// Outermost first: a foreign page is refused before it learns whether a
	// token is needed; nothing is read before the token is checked.
	var mcpHandler http.Handler = &gate{maxBody: o.MaxBodyBytes, readTimeout: o.ReadTimeout, sessions: sessions, ttl: o.SessionIdleTTL, logger: o.Logger, next: streamable}
	var throttle *authThrottle
	if o.AuthFailuresPerMinute > 0 {
		throttle = newAuthThrottle(o.AuthFailuresPerMinute)
	}
	switch {
	case rs != nil:
		mcpHandler = requireAccessToken(rs, throttle, o.Logger, mcpHandler)
	case o.Token != "":
		mcpHandler = requireBearer(o.Token, throttle, o.Logger, mcpHandler)
	}
	mcpHandler = origins.wrap(mcpHandler)

	mux := http.NewServeMux()
	mux.Handle(EndpointPath, mcpHandler)
	if rs != nil {
		// Public, like /healthz: clients read it before they have a token.
		md := rs.MetadataHandler()
		for _, p := range rs.MetadataPaths(EndpointPath) {
			mux.Handle(p, md)
		}
	}
	mux.HandleFunc(HealthPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = io.WriteString(w, "ok")
		}
	})
	return &HTTPHandler{mux: mux, streamable: streamable, sessions: sessions, resource: rs, stopKeys: stopKeys}, nil
}

// isUnspecifiedHost reports whether host means "every interface".
func isUnspecifiedHost(host string) bool {
	ip, err := netip.ParseAddr(host)
	return host == "" || (err == nil && ip.IsUnspecified())
}

// ServeHTTP serves s over streamable HTTP on addr until ctx is cancelled,
// then shuts down gracefully: open SSE streams are closed and in-flight
// requests get shutdownGrace to finish.
func ServeHTTP(ctx context.Context, s *mcpserver.MCPServer, addr string, o HTTPOptions) error {
	o = o.withDefaults()
	logger := o.Logger
	addr, err := o.Check(addr)
	if err != nil {
		return err
	}
	tlsCfg, err := o.tlsConfig()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	// "localhost" could resolve to something else: judge the bound address.
	if !IsLoopbackAddr(ln.Addr().String()) && o.Token == "" && o.OAuth == nil {
		ln.Close()
		return fmt.Errorf("%s: %w", ln.Addr(), ErrTokenRequired)
	}
	scheme := "http"
	if tlsCfg != nil {
		scheme = "https"
	}
	base := scheme + "://" + ln.Addr().String()
	if o.OAuth != nil && o.OAuth.Resource == "" {
		// The host as given ("localhost" stays localhost: clients compare
		// the resource with the URL they use) and the bound port, so that
		// port 0 gets its real port.
		host, _, _ := net.SplitHostPort(addr)
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		cfg := *o.OAuth
		cfg.Resource = scheme + "://" + net.JoinHostPort(host, port) + EndpointPath
		o.OAuth = &cfg
	}
	var lim *connLimiter
	if o.MaxUnauthConns > 0 {
		lim = newConnLimiter(o.MaxUnauthConns, tlsCfg == nil, logger)
		ln = &limitListener{Listener: ln, lim: lim}
	}
	// The read deadlines hold on every path, the ones that never reach
	// vpnlens's handlers included (headers that never end, a body nobody
	// reads after a refusal). The gate narrows the body's deadline and,
	// once the request is in, lifts it: a tool call or an SSE stream then
	// lasts as long as it needs. There is no WriteTimeout, which would cut
	// SSE streams.
	httpSrv := &http.Server{
		ReadHeaderTimeout: o.headerTimeout(),
		ReadTimeout:       o.headerTimeout() + o.ReadTimeout,
		IdleTimeout:       o.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		TLSConfig:         tlsCfg,
		ConnContext:       withTrackedConn,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	h, err := newHTTPHandler(s, o, httpSrv)
	if err != nil {
		ln.Close()
		return err
	}
	httpSrv.Handler = h

	auth := "none (loopback only)"
	switch {
	case h.resource != nil:
		auth = "OAuth access tokens"
		logger.Info("OAuth resource server", "resource", h.resource.Resource(), "issuer", h.resource.Issuer(),
			"jwks_uri", h.resource.JWKSURI(), "audiences", h.resource.Audiences(), "scopes", h.resource.Scopes(),
			"metadata", h.resource.MetadataURL())
	case o.Token != "":
		auth = "bearer token"
	}
	logger.Info("serving MCP over streamable HTTP", "url", base+EndpointPath, "health", base+HealthPath,
		"auth", auth,
		"max_sessions", o.MaxSessions, "max_body", o.MaxBodyBytes, "read_timeout", o.ReadTimeout.String(),
		"idle_timeout", o.IdleTimeout.String(), "max_unauth_conns", o.MaxUnauthConns, "auth_failures_per_minute", o.AuthFailuresPerMinute)
	if o.Ready != nil {
		o.Ready(ln.Addr())
	}

	served := make(chan error, 1)
	go func() {
		if tlsCfg != nil {
			served <- httpSrv.ServeTLS(ln, "", "")
		} else {
			served <- httpSrv.Serve(ln)
		}
	}()

	select {
	case err := <-served:
		_ = h.Close(context.Background())
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down HTTP server", "grace", shutdownGrace.String())
	shutCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := h.Close(shutCtx); err != nil {
		// In-flight requests outlived the grace period: cut them off.
		_ = httpSrv.Close()
		<-served
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
