package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
)

// MaxStdioMessageBytes is the largest MCP message vpnlens reads from
// stdin (a message is one line). The largest real request is a few KiB; a
// longer one is answered with a JSON-RPC error and skipped without being
// held in memory.
const MaxStdioMessageBytes = 4 << 20

// stdinGate passes stdin on to mcp-go one line (one message) at a time,
// and answers two kinds of message itself, with an Invalid Request error:
//
//   - a line longer than max, which is read to its end and dropped as it
//     streams by, and answered under its id when the id can be found;
//   - a request sent before initialize or server/discover (the MCP
//     lifecycle starts with them; a client should send nothing but pings
//     before). mcp-go would serve it. Messages are judged in the order they arrive, so a client that
//     writes initialize and its first calls at once is served.
//
// Over HTTP neither is needed: the body limit bounds a message, and a
// request without the session that initialize creates gets 404.
type stdinGate struct {
	src    *bufio.Reader
	max    int
	out    io.Writer // where refusals go, shared with mcp-go
	logger *slog.Logger

	initialized bool // an initialize request has been passed on

	line []byte // the current line, passed on from pos
	pos  int
	err  error // the error to return once line is passed on
}

func newStdinGate(in io.Reader, max int, out io.Writer, logger *slog.Logger) *stdinGate {
	return &stdinGate{src: bufio.NewReaderSize(in, 64<<10), max: max, out: out, logger: logger}
}

func (g *stdinGate) Read(p []byte) (int, error) {
	for g.pos >= len(g.line) {
		if g.err != nil {
			return 0, g.err
		}
		g.next()
	}
	n := copy(p, g.line[g.pos:])
	g.pos += n
	return n, nil
}

// next reads the next line into g.line, or answers it itself and leaves
// g.line empty.
func (g *stdinGate) next() {
	g.line, g.pos = g.line[:0], 0
	for {
		chunk, err := g.src.ReadSlice('\n')
		if len(g.line)+len(chunk) > g.max {
			g.skip(chunk, err)
			return
		}
		g.line = append(g.line, chunk...)
		if err != bufio.ErrBufferFull {
			g.err = err // nil after a newline; io.EOF (after a last line without one) or a read error
			break
		}
	}
	if !g.initialized {
		g.checkLifecycle()
	}
}

// checkLifecycle refuses a request that comes before initialize (or
// server/discover): anything but ping, unless it is of protocol 2026-07-28
// or later, which has no initialize (each request carries its version and
// client in _meta). Notifications and what does not parse
// pass: mcp-go answers malformed messages itself.
func (g *stdinGate) checkLifecycle() {
	var m struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params struct {
			Meta *mcp.Meta `json:"_meta"`
		} `json:"params"`
	}
	if json.Unmarshal(g.line, &m) != nil || len(m.ID) == 0 || m.Method == "" {
		return
	}
	switch mcp.MCPMethod(m.Method) {
	case mcp.MethodInitialize, mcp.MethodServerDiscover:
		// server/discover is how a 2026-07-28 client starts; one that
		// then sends requests without their _meta (mcp-go's client does
		// through its raw transport) is served as after initialize.
		g.initialized = true
		return
	case mcp.MethodPing:
		return
	}
	if mcp.IsModernProtocol(m.Params.Meta.ProtocolVersion()) {
		return
	}
	what := "a request"
	if len(m.Method) <= 64 {
		what = fmt.Sprintf("%q", m.Method)
	}
	g.logger.Warn("refused a request sent before initialize", "method", what, "id", string(m.ID))
	g.answerError(m.ID, what+" before initialize: the session starts with an initialize request (then the notifications/initialized notification); only ping is answered before it")
	g.line = g.line[:0]
}

// skip reads the rest of an over-long line, looking only for its id, and
// answers it.
func (g *stdinGate) skip(chunk []byte, err error) {
	var id idScanner
	id.feed(g.line)
	size := len(g.line)
	if cap(g.line) > 64<<10 {
		g.line = nil // do not keep max bytes around for the next messages
	} else {
		g.line = g.line[:0]
	}
	for {
		id.feed(chunk)
		size += len(chunk)
		if err != bufio.ErrBufferFull {
			break
		}
		chunk, err = g.src.ReadSlice('\n')
	}
	if err != nil {
		g.err = err
	}
	// Answered with its id when it had one, with a null id when that
	// cannot be told (JSON-RPC 2.0, section 5), not at all when it was a
	// notification.
	if id.notification() {
		g.logger.Warn("dropped an over-long notification from stdin", "bytes", size, "max_bytes", g.max)
		return
	}
	g.logger.Warn("refused an over-long message from stdin", "bytes", size, "max_bytes", g.max, "id", string(id.id))
	limit := fmt.Sprintf("%d bytes", g.max)
	if g.max >= 1<<20 {
		limit += fmt.Sprintf(" (%d MiB)", g.max>>20)
	}
	g.answerError(id.id, fmt.Sprintf("the message has %d bytes; vpnlens reads at most %s per message on stdio: send less (a shorter text argument)", size, limit))
}

// answerError writes a JSON-RPC Invalid Request error (id null when id is
// nil).
func (g *stdinGate) answerError(id json.RawMessage, msg string) {
	if id == nil {
		id = json.RawMessage("null")
	}
	type details struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	answer, err := json.Marshal(struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Error   details         `json:"error"`
	}{mcp.JSONRPC_VERSION, id, details{mcp.INVALID_REQUEST, msg}})
	if err != nil {
		g.logger.Error("encoding an error answer", "err", err)
		return
	}
	if _, err := g.out.Write(append(answer, '\n')); err != nil {
		g.logger.Error("writing to stdout", "err", err)
	}
}

// lockedWriter makes each Write one message on the wire: mcp-go writes a
// message in one Write, and so do the refusals of stdinGate.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// maxIDBytes bounds a JSON-RPC id worth reporting back.
const maxIDBytes = 256

// idScanner finds the top-level "id" of a JSON-RPC message fed to it in
// pieces, keeping only the id: the message may be far larger than anything
// worth holding, and the id may come last (the TypeScript SDK writes it
// after params).
type idScanner struct {
	depth     int
	started   bool // the first value began
	notObject bool // the message is not one JSON object
	closed    bool // the top-level object ended

	inString, escaped bool
	expectKey         bool   // at depth 1: the next string is a key
	inKey             bool   // reading a key at depth 1
	key               []byte // the key's first bytes
	keyOther          bool   // the key is not "id"
	afterKey          bool   // a key at depth 1 ended; its ':' is next

	capturing bool // reading the value of "id"
	value     []byte
	valueLong bool
	sawID     bool
	id        json.RawMessage // a string or number id
}

func (s *idScanner) feed(p []byte) {
	for _, c := range p {
		s.byte(c)
	}
}

func (s *idScanner) byte(c byte) {
	if s.capturing && (s.inString || s.depth > 1 || (c != ',' && c != '}')) {
		if len(s.value) < maxIDBytes {
			s.value = append(s.value, c)
		} else {
			s.valueLong = true
		}
	}
	if s.inString {
		switch {
		case s.escaped:
			s.escaped = false
		case c == '\\':
			s.escaped, s.keyOther = true, s.keyOther || s.inKey // an escaped key is not spelled "id"
		case c == '"':
			s.inString = false
			if s.inKey {
				s.inKey, s.afterKey = false, true
			}
		case s.inKey:
			if len(s.key) < 2 {
				s.key = append(s.key, c)
			} else {
				s.keyOther = true
			}
		}
		return
	}
	switch c {
	case ' ', '\t', '\r', '\n':
	case '"':
		s.inString = true
		if s.depth == 0 {
			s.notObject = true
		}
		if s.depth == 1 && s.expectKey {
			s.inKey, s.expectKey, s.key, s.keyOther = true, false, s.key[:0], false
		}
	case '{', '[':
		if s.depth == 0 {
			s.notObject = s.notObject || s.started || c == '['
			s.started = true
			s.expectKey = c == '{'
		}
		s.depth++
	case '}', ']':
		if s.depth == 1 && s.capturing {
			s.endID()
		}
		s.depth--
		if s.depth == 0 {
			s.closed = true
		}
	case ':':
		if s.depth == 1 && s.afterKey {
			s.afterKey = false
			if !s.keyOther && string(s.key) == "id" {
				s.capturing, s.value, s.valueLong = true, s.value[:0], false
			}
		}
	case ',':
		if s.depth == 1 {
			if s.capturing {
				s.endID()
			}
			s.expectKey = true
		}
	default:
		if s.depth == 0 {
			s.notObject = true
		}
	}
}

func (s *idScanner) endID() {
	s.capturing, s.sawID = false, true
	v := bytes.TrimSpace(s.value)
	if s.valueLong || len(v) == 0 || !json.Valid(v) {
		return
	}
	if v[0] == '"' || v[0] == '-' || ('0' <= v[0] && v[0] <= '9') {
		s.id = append(json.RawMessage(nil), v...)
	}
}

// notification reports whether the message was a complete object without
// an id: a notification, which gets no answer.
func (s *idScanner) notification() bool {
	return s.closed && !s.notObject && !s.sawID && s.depth == 0
}
