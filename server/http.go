package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	mcpserver "github.com/mark3labs/mcp-go/server"
)

// EndpointPath is where streamable HTTP clients talk MCP.
const EndpointPath = "/mcp"

// HealthPath answers 200 "ok" while the server runs, for load balancers and
// container health checks; it needs no MCP session.
const HealthPath = "/healthz"

// shutdownGrace is how long in-flight calls get to finish after SIGINT or
// SIGTERM before connections are closed.
const shutdownGrace = 10 * time.Second

// HTTPOptions tune the streamable HTTP transport.
type HTTPOptions struct {
	Logger *slog.Logger
	// Ready, if set, is called with the bound address once the listener is
	// open (useful with port 0 in tests and to log the real port).
	Ready func(addr net.Addr)
}

// newStreamable builds the MCP endpoint handler. mcp-go's DNS-rebinding
// protection stays on: a request arriving on a loopback connection with a
// Host header that is not loopback gets 403, so a web page cannot reach a
// local vpnlens through a rebound domain.
func newStreamable(s *mcpserver.MCPServer, logger *slog.Logger, httpSrv *http.Server) *mcpserver.StreamableHTTPServer {
	opts := []mcpserver.StreamableHTTPOption{
		mcpserver.WithEndpointPath(EndpointPath),
		mcpserver.WithStreamableHTTPLogger(logger),
		mcpserver.WithHeartbeatInterval(30 * time.Second),
		mcpserver.WithSessionIdleTTL(30 * time.Minute),
		mcpserver.WithDisableLocalhostProtection(false),
	}
	if httpSrv != nil {
		opts = append(opts, mcpserver.WithStreamableHTTPServer(httpSrv))
	}
	return mcpserver.NewStreamableHTTPServer(s, opts...)
}

// newMux routes /mcp to the MCP handler and /healthz to the health check.
func newMux(mcpHandler http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle(EndpointPath, mcpHandler)
	mux.HandleFunc(HealthPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = io.WriteString(w, "ok")
		}
	})
	return mux
}

// NewHTTPHandler returns the HTTP handler vpnlens serves: MCP at /mcp and a
// health check at /healthz. Tests mount it on httptest servers.
func NewHTTPHandler(s *mcpserver.MCPServer, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.Default()
	}
	return newMux(newStreamable(s, logger, nil))
}

// ServeHTTP serves s over streamable HTTP on addr until ctx is cancelled,
// then shuts down gracefully: open SSE streams are closed and in-flight
// requests get shutdownGrace to finish.
func ServeHTTP(ctx context.Context, s *mcpserver.MCPServer, addr string, o HTTPOptions) error {
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	httpSrv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	streamable := newStreamable(s, logger, httpSrv)
	httpSrv.Handler = newMux(streamable)

	if host, _, err := net.SplitHostPort(ln.Addr().String()); err == nil {
		if ip := net.ParseIP(host); ip != nil && !ip.IsLoopback() {
			logger.Warn("listening on a non-loopback address: anyone who can reach it can query your VPN logs; there is no authentication yet", "addr", ln.Addr().String())
		}
	}
	logger.Info("serving MCP over streamable HTTP", "url", "http://"+ln.Addr().String()+EndpointPath, "health", "http://"+ln.Addr().String()+HealthPath)
	if o.Ready != nil {
		o.Ready(ln.Addr())
	}

	served := make(chan error, 1)
	go func() { served <- httpSrv.Serve(ln) }()

	select {
	case err := <-served:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down HTTP server", "grace", shutdownGrace.String())
	shutCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := streamable.Shutdown(shutCtx); err != nil {
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
