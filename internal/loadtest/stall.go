package loadtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// StallKind is one way a client can hold an HTTP connection open without
// finishing a request.
type StallKind int

const (
	// BodyNeverSent: headers with Content-Length: 100 and no token, then
	// no body.
	BodyNeverSent StallKind = iota
	// BodyNeverSentWrongToken: the same with a wrong bearer token.
	BodyNeverSentWrongToken
	// BodyNeverSentForeignOrigin: the same from a foreign browser origin.
	BodyNeverSentForeignOrigin
	// BodyNeverSentValidToken: the same with the right token.
	BodyNeverSentValidToken
	// BodyTrickled: the right token, then the body one byte per
	// StallConfig.TrickleEvery.
	BodyTrickled
	// BodyTrickledNoToken: no token, the body one byte at a time.
	BodyTrickledNoToken
	// HeadersTrickled: the request line, then header bytes one at a time.
	HeadersTrickled
	// Silent: connects and sends nothing.
	Silent
)

// StallKinds lists every kind.
var StallKinds = []StallKind{BodyNeverSent, BodyNeverSentWrongToken, BodyNeverSentForeignOrigin, BodyNeverSentValidToken,
	BodyTrickled, BodyTrickledNoToken, HeadersTrickled, Silent}

func (k StallKind) String() string {
	switch k {
	case BodyNeverSent:
		return "body never sent, no token"
	case BodyNeverSentWrongToken:
		return "body never sent, wrong token"
	case BodyNeverSentForeignOrigin:
		return "body never sent, foreign Origin"
	case BodyNeverSentValidToken:
		return "body never sent, valid token"
	case BodyTrickled:
		return "body trickled, valid token"
	case BodyTrickledNoToken:
		return "body trickled, no token"
	case HeadersTrickled:
		return "headers trickled"
	case Silent:
		return "nothing sent"
	}
	return fmt.Sprintf("StallKind(%d)", int(k))
}

// StallConfig says what to open.
type StallConfig struct {
	Addr  string // HOST:PORT of the server (loopback)
	Path  string // default /mcp
	Token string // the server's token ("" when it has none)
	// Conns connections in all, spread round-robin over Kinds (all kinds
	// when nil).
	Conns        int
	Kinds        []StallKind
	TrickleEvery time.Duration // default 500 ms
}

// StallRun is a set of stalled connections being watched: each is read
// until the server answers and closes it.
type StallRun struct {
	start time.Time
	conns []*stalledConn
	stop  chan struct{}
	once  sync.Once
	wg    sync.WaitGroup
}

type stalledConn struct {
	kind StallKind
	c    net.Conn

	mu       sync.Mutex
	status   int           // HTTP status the server answered, 0 if none
	answered time.Duration // when the answer came, from the run's start
	closed   time.Duration // when the server ended it, from the run's start; 0 while open
	dialed   bool
	err      error // dial error
}

// OpenStalled dials every connection and starts holding it. Close ends
// them all.
func OpenStalled(ctx context.Context, cfg StallConfig) (*StallRun, error) {
	if cfg.Conns <= 0 {
		return nil, errors.New("StallConfig.Conns must be positive")
	}
	if cfg.Path == "" {
		cfg.Path = "/mcp"
	}
	if cfg.TrickleEvery <= 0 {
		cfg.TrickleEvery = 500 * time.Millisecond
	}
	kinds := cfg.Kinds
	if len(kinds) == 0 {
		kinds = StallKinds
	}
	r := &StallRun{start: time.Now(), stop: make(chan struct{})}
	var d net.Dialer
	for i := range cfg.Conns {
		sc := &stalledConn{kind: kinds[i%len(kinds)]}
		r.conns = append(r.conns, sc)
		c, err := d.DialContext(ctx, "tcp", cfg.Addr)
		if err != nil {
			sc.err = err
			sc.closed = time.Since(r.start)
			continue
		}
		sc.c, sc.dialed = c, true
		head, trickle := stallRequest(sc.kind, cfg)
		r.wg.Go(func() { r.hold(sc, head, trickle, cfg.TrickleEvery) })
		r.wg.Go(func() { r.watch(sc) })
	}
	return r, nil
}

// stallRequest returns what a kind sends at once and what it then sends a
// byte at a time.
func stallRequest(k StallKind, cfg StallConfig) (head, trickle string) {
	line := "POST " + cfg.Path + " HTTP/1.1\r\nHost: " + cfg.Addr + "\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
	body := "Content-Length: 100\r\n\r\n"
	// A trickled body is long enough never to end while watched (a byte
	// per 0.5 s for 10,000 bytes is over an hour).
	long := "Content-Length: 10000\r\n\r\n"
	auth := "Authorization: Bearer " + cfg.Token + "\r\n"
	forever := strings.Repeat("x", 1<<16)
	switch k {
	case BodyNeverSent:
		return line + body, ""
	case BodyNeverSentWrongToken:
		return line + "Authorization: Bearer wrong-token-0123456789abcdef\r\n" + body, ""
	case BodyNeverSentForeignOrigin:
		return line + "Origin: https://attacker.example\r\n" + auth + body, ""
	case BodyNeverSentValidToken:
		return line + auth + body, ""
	case BodyTrickled:
		return line + auth + long, forever
	case BodyTrickledNoToken:
		return line + long, forever
	case HeadersTrickled:
		return line + "X-Slow: ", forever
	}
	return "", ""
}

// hold sends the request head, then trickles until the connection fails
// or the run is closed.
func (r *StallRun) hold(sc *stalledConn, head, trickle string, every time.Duration) {
	if head != "" {
		if _, err := sc.c.Write([]byte(head)); err != nil {
			return
		}
	}
	if trickle == "" {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-r.stop:
			return
		case <-t.C:
		}
		if _, err := sc.c.Write([]byte{trickle[i%len(trickle)]}); err != nil {
			return
		}
	}
}

// watch reads what the server sends until it closes the connection.
func (r *StallRun) watch(sc *stalledConn) {
	br := bufio.NewReader(sc.c)
	if resp, err := http.ReadResponse(br, nil); err == nil {
		sc.mu.Lock()
		sc.status, sc.answered = resp.StatusCode, time.Since(r.start)
		sc.mu.Unlock()
	}
	_, _ = br.WriteTo(discard{})
	sc.mu.Lock()
	sc.closed = time.Since(r.start)
	sc.mu.Unlock()
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// StallCount is how the connections of one kind fared so far.
type StallCount struct {
	Kind     StallKind
	Conns    int
	Open     int             // not yet closed by the server
	Status   map[int]int     // HTTP status -> connections answered with it (0: closed without an answer)
	Answered []time.Duration // when each answer came, sorted
	Closed   []time.Duration // when each closed connection ended, sorted
}

// Counts reports, per kind, how many connections are still open.
func (r *StallRun) Counts() []StallCount {
	byKind := map[StallKind]*StallCount{}
	var order []StallKind
	for _, sc := range r.conns {
		c, ok := byKind[sc.kind]
		if !ok {
			c = &StallCount{Kind: sc.kind, Status: map[int]int{}}
			byKind[sc.kind] = c
			order = append(order, sc.kind)
		}
		c.Conns++
		sc.mu.Lock()
		if sc.status != 0 {
			c.Answered = append(c.Answered, sc.answered)
		}
		if sc.closed == 0 {
			c.Open++
		} else {
			c.Status[sc.status]++
			c.Closed = append(c.Closed, sc.closed)
		}
		sc.mu.Unlock()
	}
	out := make([]StallCount, 0, len(order))
	for _, k := range order {
		c := byKind[k]
		slices.Sort(c.Answered)
		slices.Sort(c.Closed)
		out = append(out, *c)
	}
	return out
}

// Open is the number of connections the server has not closed yet.
func (r *StallRun) Open() int {
	n := 0
	for _, c := range r.Counts() {
		n += c.Open
	}
	return n
}

// Elapsed is the time since the connections were opened.
func (r *StallRun) Elapsed() time.Duration { return time.Since(r.start) }

// Close closes every connection from the client side and waits for the
// goroutines watching them.
func (r *StallRun) Close() {
	r.once.Do(func() {
		close(r.stop)
		for _, sc := range r.conns {
			if sc.c != nil {
				_ = sc.c.Close()
			}
		}
	})
	r.wg.Wait()
}

// FormatCounts is a table of counts for logs.
func FormatCounts(counts []StallCount) string {
	var b strings.Builder
	for _, c := range counts {
		fmt.Fprintf(&b, "  %-32s %4d conns, %4d open", c.Kind, c.Conns, c.Open)
		if n := len(c.Closed); n > 0 {
			var st []string
			for code, k := range c.Status {
				label := fmt.Sprint(code)
				if code == 0 {
					label = "no answer"
				}
				st = append(st, fmt.Sprintf("%s×%d", label, k))
			}
			sort.Strings(st)
			fmt.Fprintf(&b, "; closed after %s–%s (%s", c.Closed[0].Round(10*time.Millisecond), c.Closed[n-1].Round(10*time.Millisecond), strings.Join(st, ", "))
			if a := c.Answered; len(a) > 0 {
				fmt.Fprintf(&b, ", answered after %s–%s", a[0].Round(10*time.Millisecond), a[len(a)-1].Round(10*time.Millisecond))
			}
			b.WriteString(")")
		}
		b.WriteByte('\n')
	}
	return b.String()
}
