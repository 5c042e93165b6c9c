package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// gate applies the per-request limits in front of mcp-go: the body size
// (413), the time to send the body (408), and admission of new sessions
// (503). Requests reach it authenticated: it marks their connection so.
type gate struct {
	maxBody     int64
	readTimeout time.Duration
	sessions    *sessionTable
	ttl         time.Duration
	logger      *slog.Logger
	next        http.Handler
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	admitConn(r.Context())
	rc := http.NewResponseController(w)
	var method string
	// Protocol 2026-07-28 and later have no sessions (mcp-go mints none
	// for them), whatever the method: such a request needs no place in
	// the session table. The era is decided as mcp-go decides it, from
	// the Mcp-Protocol-Version header or the body's _meta.
	modern := mcp.IsModernProtocol(r.Header.Get(mcp.HeaderProtocolVersion))
	if r.Method == http.MethodPost {
		if r.ContentLength > g.maxBody {
			g.tooLarge(w, r.ContentLength)
			return
		}
		// The deadline also holds where vpnlens does not set up the
		// http.Server (NewHTTPHandler in someone else's server).
		_ = rc.SetReadDeadline(time.Now().Add(g.readTimeout))
		body, err := io.ReadAll(io.LimitReader(r.Body, g.maxBody+1))
		if err != nil {
			closeAfter(w, 0)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				g.logger.Warn("request body too slow", "remote", r.RemoteAddr, "read_timeout", g.readTimeout.String(), "got_bytes", len(body))
				http.Error(w, fmt.Sprintf("Request Timeout: the request body did not arrive within %s (--read-timeout)", g.readTimeout), http.StatusRequestTimeout)
				return
			}
			http.Error(w, "Bad Request: reading the request body: "+err.Error(), http.StatusBadRequest)
			return
		}
		if int64(len(body)) > g.maxBody {
			g.tooLarge(w, -1)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var version string
		method, version = jsonRPCMethod(body)
		modern = modern || mcp.IsModernProtocol(version)
	}
	// The request is in: the read deadline has done its job. net/http
	// lifts it too once an HTTP/1 body ends; lifting it here keeps long
	// tool calls and SSE streams free of it on every protocol.
	_ = rc.SetReadDeadline(time.Time{})

	// A GET names the session whose notification stream it opens; mcp-go
	// does not check that the session exists, so it is checked here.
	if r.Method == http.MethodGet {
		if id := r.Header.Get(sessionHeader); id != "" && !g.sessions.known(id) {
			http.Error(w, "Not Found: unknown or expired session; start a new one with initialize", http.StatusNotFound)
			return
		}
	}

	// initialize creates a session, and so does a GET without one.
	if !modern && (method == string(mcp.MethodInitialize) || (r.Method == http.MethodGet && r.Header.Get(sessionHeader) == "")) {
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
	closeAfterAnswer(w)
	http.Error(w, fmt.Sprintf("Request Entity Too Large: the body has %s; vpnlens accepts at most %d bytes per request (--max-body)", size, g.maxBody), http.StatusRequestEntityTooLarge)
}

// jsonRPCMethod returns the method of a single JSON-RPC message and the
// protocol version its _meta declares ("" for what it lacks).
func jsonRPCMethod(body []byte) (method, metaVersion string) {
	var m struct {
		Method string `json:"method"`
		Params struct {
			Meta *mcp.Meta `json:"_meta"`
		} `json:"params"`
	}
	if json.Unmarshal(body, &m) != nil {
		return "", ""
	}
	return m.Method, m.Params.Meta.ProtocolVersion()
}

// drainGrace is how long the rest of a refused request's body is still
// read (and dropped). A client still sending its body then reads the
// answer instead of a connection reset; a client that sends nothing more
// holds the connection no longer than this.
const drainGrace = 2 * time.Second

// closeAfterAnswer makes the connection close once the answer is written
// and at most drainGrace of the unread body is read. Otherwise net/http
// reads (up to 256 KiB of) an unread body before closing or reusing the
// connection, and waits as long as the client cares to hold it. On HTTP/2
// the stream's body is dropped after the grace and the connection is told
// to go away once idle.
func closeAfterAnswer(w http.ResponseWriter) { closeAfter(w, drainGrace) }

// closeAfter is closeAfterAnswer with another grace (0 after a body that
// was too slow already).
func closeAfter(w http.ResponseWriter, grace time.Duration) {
	w.Header().Set("Connection", "close")
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(grace))
}
