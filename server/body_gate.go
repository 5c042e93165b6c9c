package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// bodyReadTimeout bounds how long a client may take to send a request body,
// so a slow sender cannot hold a connection open forever. It is set per
// request (not as http.Server.ReadTimeout, which would also cut long SSE
// responses short).
const bodyReadTimeout = 30 * time.Second

// gate applies the per-request limits in front of mcp-go: the body size
// (413), the time to send the body, and admission of new sessions (503).
type gate struct {
	maxBody  int64
	sessions *sessionTable
	ttl      time.Duration
	logger   *slog.Logger
	next     http.Handler
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var method string
	if r.Method == http.MethodPost {
		if r.ContentLength > g.maxBody {
			g.tooLarge(w, r.ContentLength)
			return
		}
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Now().Add(bodyReadTimeout))
		body, err := io.ReadAll(io.LimitReader(r.Body, g.maxBody+1))
		_ = rc.SetReadDeadline(time.Time{})
		if err != nil {
			http.Error(w, "Bad Request: reading the request body: "+err.Error(), http.StatusBadRequest)
			return
		}
		if int64(len(body)) > g.maxBody {
			g.tooLarge(w, -1)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		method = jsonRPCMethod(body)
	}

	// A GET names the session whose notification stream it opens; mcp-go
	// does not check that the session exists, so it is checked here.
	if r.Method == http.MethodGet {
		if id := r.Header.Get(sessionHeader); id != "" && !g.sessions.known(id) {
			http.Error(w, "Not Found: unknown or expired session; start a new one with initialize", http.StatusNotFound)
			return
		}
	}

	// initialize creates a session, and so does a GET without one.
	if method == string(mcp.MethodInitialize) || (r.Method == http.MethodGet && r.Header.Get(sessionHeader) == "") {
		res, ok := g.sessions.reserve()
		if !ok {
			g.logger.Warn("refused a new MCP session: limit reached", "max_sessions", g.sessions.max, "remote", r.RemoteAddr)
			w.Header().Set("Retry-After", "60")
			http.Error(w, fmt.Sprintf("Service Unavailable: vpnlens already serves %d MCP sessions (its --max-sessions limit). "+
				"Close sessions you no longer use (clients send DELETE when they disconnect) or wait for idle ones to expire after %s.",
				g.sessions.max, g.ttl), http.StatusServiceUnavailable)
			return
		}
		defer res.release()
		r = r.WithContext(context.WithValue(r.Context(), reservationKey{}, res))
	}
	g.next.ServeHTTP(w, r)
}

func (g *gate) tooLarge(w http.ResponseWriter, n int64) {
	size := "more than the limit"
	if n >= 0 {
		size = fmt.Sprintf("%d bytes", n)
	}
	w.Header().Set("Connection", "close")
	http.Error(w, fmt.Sprintf("Request Entity Too Large: the body has %s; vpnlens accepts at most %d bytes per request (--max-body)", size, g.maxBody), http.StatusRequestEntityTooLarge)
}

// jsonRPCMethod returns the method of a single JSON-RPC message, or "".
func jsonRPCMethod(body []byte) string {
	var m struct {
		Method string `json:"method"`
	}
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	return m.Method
}
