package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// Defaults of the HTTP limits.
const (
	DefaultMaxBodyBytes   = 1 << 20 // one MCP request; the largest real one is a few KiB
	DefaultMaxSessions    = 100
	DefaultSessionIdleTTL = 30 * time.Minute
	DefaultCallTimeout    = 60 * time.Second
)

// bodyReadTimeout bounds how long a client may take to send a request body,
// so a slow sender cannot hold a connection open forever. It is set per
// request (not as http.Server.ReadTimeout, which would also cut long SSE
// responses short).
const bodyReadTimeout = 30 * time.Second

// sessionHeader is the streamable HTTP session header (mcp-go's
// HeaderKeySessionID).
const sessionHeader = mcpserver.HeaderKeySessionID

// sessionTable counts and bounds the MCP sessions of the HTTP transport. It
// is mcp-go's session id manager, so it sees every session created
// (initialize), ended (DELETE, shutdown) and expired (mcp-go's idle sweep);
// a session it does not know gets 404, upon which clients start a new one.
//
// New sessions are admitted before mcp-go handles the initialize request:
// the gate reserves a place, and Generate turns the reservation into a
// session, so concurrent initializes cannot overshoot the limit.
type sessionTable struct {
	max int
	ttl time.Duration
	now func() time.Time

	mu       sync.Mutex
	lastSeen map[string]time.Time
	reserved int
}

func newSessionTable(max int, ttl time.Duration) *sessionTable {
	return &sessionTable{max: max, ttl: ttl, now: time.Now, lastSeen: map[string]time.Time{}}
}

// reservation is one admitted session that mcp-go has not created yet.
type reservation struct {
	t    *sessionTable
	used bool // guarded by t.mu
}

type reservationKey struct{}

// reserve admits one more session, or reports false at the limit. Expired
// sessions are dropped first, so a full table of abandoned sessions does not
// lock new clients out until mcp-go's next sweep.
func (t *sessionTable) reserve() (*reservation, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.lastSeen)+t.reserved >= t.max {
		t.expireLocked()
	}
	if len(t.lastSeen)+t.reserved >= t.max {
		return nil, false
	}
	t.reserved++
	return &reservation{t: t}, true
}

// release gives an unused reservation back (the initialize failed).
func (r *reservation) release() {
	r.t.mu.Lock()
	defer r.t.mu.Unlock()
	if !r.used {
		r.used = true
		r.t.reserved--
	}
}

func (t *sessionTable) expireLocked() {
	if t.ttl <= 0 {
		return
	}
	now := t.now()
	for id, seen := range t.lastSeen {
		if now.Sub(seen) > t.ttl {
			delete(t.lastSeen, id)
		}
	}
}

// Len is the number of live sessions plus admitted ones being created.
func (t *sessionTable) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.lastSeen) + t.reserved
}

// known reports whether id is a live session, touching it.
func (t *sessionTable) known(id string) bool {
	_, err := (&sessionIDs{t: t}).Validate(id)
	return err == nil
}

// ResolveSessionIdManager implements mcpserver.SessionIdManagerResolver:
// the manager of a request carries that request's reservation.
func (t *sessionTable) ResolveSessionIdManager(r *http.Request) mcpserver.SessionIdManager {
	m := &sessionIDs{t: t}
	if r != nil {
		m.res, _ = r.Context().Value(reservationKey{}).(*reservation)
	}
	return m
}

// sessionIDs is the mcpserver.SessionIdManager of one request.
type sessionIDs struct {
	t   *sessionTable
	res *reservation
}

func (m *sessionIDs) Generate() string {
	id := "mcp-session-" + rand.Text()
	t := m.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if m.res != nil && !m.res.used {
		m.res.used = true
		t.reserved--
	}
	t.lastSeen[id] = t.now()
	return id
}

var errUnknownSession = errors.New("unknown or expired session")

func (m *sessionIDs) Validate(id string) (isTerminated bool, err error) {
	t := m.t
	t.mu.Lock()
	defer t.mu.Unlock()
	seen, ok := t.lastSeen[id]
	if !ok {
		return false, errUnknownSession
	}
	now := t.now()
	if t.ttl > 0 && now.Sub(seen) > t.ttl {
		delete(t.lastSeen, id)
		return false, errUnknownSession
	}
	t.lastSeen[id] = now
	return false, nil
}

func (m *sessionIDs) Terminate(id string) (isNotAllowed bool, err error) {
	m.t.mu.Lock()
	defer m.t.mu.Unlock()
	delete(m.t.lastSeen, id)
	return false, nil
}

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

// bounded is how a handler run under a deadline ended.
type bounded int

const (
	finished      bounded = iota // it returned in time (its results hold)
	deadlineFirst                // the deadline passed: it is stopped or its results are dropped
	clientGone                   // the client cancelled or went away: nobody reads the answer
)

// runBounded runs fn with a context that ends after d. fn runs in its own
// goroutine so that the answer comes on time even from a handler that does
// not watch its context (it finishes in the background, its result
// dropped); a panic in fn becomes an error. A handler that returned failed
// because the deadline passed counts as deadlineFirst: the timeout is the
// better explanation.
func runBounded[T any](ctx context.Context, d time.Duration, what string, fn func(context.Context) (T, error), failed func(T, error) bool) (T, bounded, error) {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	type outcome struct {
		v   T
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		var o outcome
		defer func() {
			if p := recover(); p != nil {
				o = outcome{err: fmt.Errorf("panic recovered in %s: %v", what, p)}
			}
			done <- o
		}()
		o.v, o.err = fn(ctx)
	}()
	var zero T
	select {
	case o := <-done:
		if parent.Err() != nil || !errors.Is(ctx.Err(), context.DeadlineExceeded) || !failed(o.v, o.err) {
			return o.v, finished, o.err
		}
		return zero, deadlineFirst, nil
	case <-ctx.Done():
	}
	if err := parent.Err(); err != nil {
		return zero, clientGone, err
	}
	return zero, deadlineFirst, nil
}

// callTimeout bounds every tool call: the handler's context is cancelled
// at the deadline and the caller gets an isError result saying how to ask
// for less. The same path answers promptly when the client cancels
// (notifications/cancelled) or disconnects.
func callTimeout(d time.Duration, logger *slog.Logger) mcpserver.ToolHandlerMiddleware {
	return func(next mcpserver.ToolHandlerFunc) mcpserver.ToolHandlerFunc {
		return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			res, how, err := runBounded(ctx, d, req.Params.Name+" tool handler",
				func(ctx context.Context) (*mcp.CallToolResult, error) { return next(ctx, req) },
				func(res *mcp.CallToolResult, err error) bool { return err != nil || (res != nil && res.IsError) })
			switch how {
			case clientGone:
				logger.Info("tool call cancelled by the client", "tool", req.Params.Name, "reason", context.Cause(ctx))
			case deadlineFirst:
				logger.Warn("tool call timed out", "tool", req.Params.Name, "timeout", d.String())
				return timeoutResult(ctx, req.Params.Name, d), nil
			}
			return res, err
		}
	}
}

// readTimeout bounds every resource read as callTimeout bounds tool calls:
// a timeline or incident resource reads logs too. A read has no isError
// result, so the deadline is a JSON-RPC error that says what to read
// instead.
func readTimeout(d time.Duration, logger *slog.Logger) mcpserver.ResourceHandlerMiddleware {
	return func(next mcpserver.ResourceHandlerFunc) mcpserver.ResourceHandlerFunc {
		return func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			contents, how, err := runBounded(ctx, d, "reading "+req.Params.URI,
				func(ctx context.Context) ([]mcp.ResourceContents, error) { return next(ctx, req) },
				func(_ []mcp.ResourceContents, err error) bool { return err != nil })
			switch how {
			case clientGone:
				logger.Info("resource read cancelled by the client", "uri", req.Params.URI, "reason", context.Cause(ctx))
			case deadlineFirst:
				logger.Warn("resource read timed out", "uri", req.Params.URI, "timeout", d.String())
				return nil, fmt.Errorf("reading %s took longer than %s and was stopped: read a shorter timeline (vpn://timeline/{vpn}/{start}/{end} with a narrower span), or call get_vpn_timeline with tunnel or anomalies_only=true", req.Params.URI, d)
			}
			return contents, err
		}
	}
}

// timeoutResult tells the model the call took too long and which of the
// tool's own arguments make it cheaper.
func timeoutResult(ctx context.Context, tool string, d time.Duration) *mcp.CallToolResult {
	msg := fmt.Sprintf("%s took longer than %s and was stopped.", tool, d)
	if s := mcpserver.ServerFromContext(ctx); s != nil {
		if st := s.GetTool(tool); st != nil {
			if hint := narrowingHint(st.Tool); hint != "" {
				return mcp.NewToolResultError(msg + " Ask for less: " + hint + ".")
			}
		}
	}
	return mcp.NewToolResultError(msg + " Retry later; if it keeps happening the log source is slow (see the server log).")
}

// narrowers are the arguments that make a call cheaper, in the order worth
// trying.
var narrowers = []struct{ arg, advice string }{
	{"start", "a shorter window (later start, earlier end)"},
	{"window_minutes", "a smaller window_minutes"},
	{"tunnel", `one tunnel ("1" or "2")`},
	{"stream", `one stream ("IKE" or "BGP")`},
	{"anomalies_only", "anomalies_only=true"},
	{"categories", "only the categories you need"},
	{"limit", "a smaller limit (then page with cursor)"},
}

func narrowingHint(tool mcp.Tool) string {
	b, err := json.Marshal(tool)
	if err != nil {
		return ""
	}
	var decl struct {
		InputSchema struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"inputSchema"`
	}
	if json.Unmarshal(b, &decl) != nil {
		return ""
	}
	var parts []string
	for _, n := range narrowers {
		if _, ok := decl.InputSchema.Properties[n.arg]; ok {
			parts = append(parts, n.advice)
		}
	}
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	out := ""
	for i, p := range parts {
		switch {
		case i == 0:
			out = p
		case i == len(parts)-1:
			out += " or " + p
		default:
			out += ", " + p
		}
	}
	return out
}
