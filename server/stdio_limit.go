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

// messageLimiter passes stdin on to mcp-go one line (one message) at a
// time, and keeps lines longer than max from it: such a line is read to
// its end and dropped as it streams by, and answered with an Invalid
// Request error carrying its id, when the id can be found.
type messageLimiter struct {
	src    *bufio.Reader
	max    int
	out    io.Writer // where refusals go, shared with mcp-go
	logger *slog.Logger

	line []byte // the current line, passed on from pos
	pos  int
	err  error // the error to return once line is passed on
}

func newMessageLimiter(in io.Reader, max int, out io.Writer, logger *slog.Logger) *messageLimiter {
	return &messageLimiter{src: bufio.NewReaderSize(in, 64<<10), max: max, out: out, logger: logger}
}

func (m *messageLimiter) Read(p []byte) (int, error) {
	for m.pos >= len(m.line) {
		if m.err != nil {
			return 0, m.err
		}
		m.next()
	}
	n := copy(p, m.line[m.pos:])
	m.pos += n
	return n, nil
}

// next reads the next line into m.line, or refuses it if it is too long.
func (m *messageLimiter) next() {
	m.line, m.pos = m.line[:0], 0
	for {
		chunk, err := m.src.ReadSlice('\n')
		if len(m.line)+len(chunk) > m.max {
			m.skip(chunk, err)
			return
		}
		m.line = append(m.line, chunk...)
		if err != bufio.ErrBufferFull {
			m.err = err // nil after a newline; io.EOF (after a last line without one) or a read error
			return
		}
	}
}

// skip reads the rest of an over-long line, looking only for its id, and
// answers it.
func (m *messageLimiter) skip(chunk []byte, err error) {
	var id idScanner
	id.feed(m.line)
	size := len(m.line)
	if cap(m.line) > 64<<10 {
		m.line = nil // do not keep max bytes around for the next messages
	} else {
		m.line = m.line[:0]
	}
	for {
		id.feed(chunk)
		size += len(chunk)
		if err != bufio.ErrBufferFull {
			break
		}
		chunk, err = m.src.ReadSlice('\n')
	}
	if err != nil {
		m.err = err
	}
	m.refuse(size, &id)
}

// refuse answers an over-long message: with its id when it had one, with
// a null id when it cannot be told (JSON-RPC 2.0, section 5), not at all
// when it was a notification.
func (m *messageLimiter) refuse(size int, id *idScanner) {
	msg := fmt.Sprintf("the message has %d bytes; vpnlens reads at most %d bytes (%d MiB) per message on stdio: send less (a shorter text argument)", size, m.max, m.max>>20)
	if m.max < 1<<20 {
		msg = fmt.Sprintf("the message has %d bytes; vpnlens reads at most %d bytes per message on stdio: send less (a shorter text argument)", size, m.max)
	}
	if id.notification() {
		m.logger.Warn("dropped an over-long notification from stdin", "bytes", size, "max_bytes", m.max)
		return
	}
	var raw json.RawMessage = []byte("null")
	if id.id != nil {
		raw = id.id
	}
	m.logger.Warn("refused an over-long message from stdin", "bytes", size, "max_bytes", m.max, "id", string(raw))
	answer, _ := json.Marshal(struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Error   struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}{JSONRPC: mcp.JSONRPC_VERSION, ID: raw, Error: struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{mcp.INVALID_REQUEST, msg}})
	if _, err := m.out.Write(append(answer, '\n')); err != nil {
		m.logger.Error("writing to stdout", "err", err)
	}
}

// lockedWriter makes each Write one message on the wire: mcp-go writes a
// message in one Write, and so do the refusals of messageLimiter.
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
