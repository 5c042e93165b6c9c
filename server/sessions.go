package server

import (
	"crypto/rand"
	"errors"
	"net/http"
	"sync"
	"time"

	mcpserver "github.com/mark3labs/mcp-go/server"
)

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

const (
	finished      bounded = iota // it returned in time (its results hold)
	deadlineFirst                // the deadline passed: it is stopped or its results are dropped
	clientGone                   // the client cancelled or went away: nobody reads the answer
)

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
