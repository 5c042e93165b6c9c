package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"
)

// clientKey is the address a per-client limit counts against: the IP
// address, or for IPv6 its /64 (one host is usually given a whole /64, so
// counting single IPv6 addresses would count nothing). The zero Addr
// stands for an address that cannot be parsed.
func clientKey(remoteAddr string) netip.Addr {
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		a, err := netip.ParseAddr(remoteAddr)
		if err != nil {
			return netip.Addr{}
		}
		ap = netip.AddrPortFrom(a, 0)
	}
	a := ap.Addr().Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}

// connLimiter caps the connections each client address holds open before
// one of their requests is authenticated (has passed the origin check and
// the bearer token, or the origin check alone on a server without a
// token). A client that opens connections and never completes a request
// can hold at most max of them; each is closed at the latest by the read
// timeouts. Authenticated connections are not counted: a team behind one
// NAT address is limited only while its connections are being set up.
type connLimiter struct {
	max    int
	plain  bool // the listener speaks plain HTTP (not TLS): refusals get a 429
	logger *slog.Logger

	// answering bounds the refusals being answered at once; past it,
	// refused connections are closed without an answer.
	answering chan struct{}

	mu      sync.Mutex
	pending map[netip.Addr]int
	refused int       // since the last log line
	lastLog time.Time // of the last refusal logged
}

func newConnLimiter(max int, plain bool, logger *slog.Logger) *connLimiter {
	return &connLimiter{max: max, plain: plain, logger: logger, pending: map[netip.Addr]int{}, answering: make(chan struct{}, maxRefusalsAnswering)}
}

// acquire counts one more pending connection of key, or reports false at
// the limit.
func (l *connLimiter) acquire(key netip.Addr) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pending[key] >= l.max {
		l.refused++
		if now := time.Now(); now.Sub(l.lastLog) >= time.Second {
			l.logger.Warn("refused connections: too many unauthenticated connections from one client address",
				"client", key.String(), "refused", l.refused, "max_unauth_conns", l.max)
			l.lastLog, l.refused = now, 0
		}
		return false
	}
	l.pending[key]++
	return true
}

func (l *connLimiter) release(key netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := l.pending[key]; n <= 1 {
		delete(l.pending, key)
	} else {
		l.pending[key] = n - 1
	}
}

// Pending is the number of connections counted against their client's cap.
func (l *connLimiter) Pending() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, k := range l.pending {
		n += k
	}
	return n
}

// refusalWait bounds how long a refused connection is kept to deliver its
// 429 answer, and maxRefusalsAnswering how many are answered at once (a
// flood of connections costs no more than that many goroutines).
const (
	refusalWait          = 500 * time.Millisecond
	maxRefusalsAnswering = 256
)

// refuse answers a connection over the cap and closes it. On plain HTTP it
// gets "429 Too Many Requests" (the client learns why); a TLS connection is
// closed before its handshake, which is the expensive part.
func (l *connLimiter) refuse(c net.Conn) {
	if !l.plain {
		_ = c.Close()
		return
	}
	select {
	case l.answering <- struct{}{}:
	default:
		_ = c.Close()
		return
	}
	go func() {
		defer func() { <-l.answering }()
		defer c.Close()
		msg := fmt.Sprintf("Too Many Requests: this address already holds %d connections that have not sent an authenticated request; finish or close those first\n", l.max)
		_ = c.SetDeadline(time.Now().Add(refusalWait))
		_, err := fmt.Fprintf(c, "HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 10\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(msg), msg)
		if err != nil {
			return
		}
		// Half-close and read what the client already sent, so that the
		// close does not reset the connection before the answer is read.
		if cw, ok := c.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(c, 64<<10))
	}()
}

// limitListener applies a connLimiter to every accepted connection.
type limitListener struct {
	net.Listener
	lim *connLimiter
}

func (ln *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := ln.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key := clientKey(c.RemoteAddr().String())
		if !ln.lim.acquire(key) {
			ln.lim.refuse(c)
			continue
		}
		return &trackedConn{Conn: c, lim: ln.lim, key: key}, nil
	}
}

// trackedConn is a connection counted against its client's cap until one
// of its requests is authenticated or it closes.
type trackedConn struct {
	net.Conn
	lim  *connLimiter
	key  netip.Addr
	once sync.Once
}

// admit stops counting the connection: a request on it was authenticated.
func (c *trackedConn) admit() { c.once.Do(func() { c.lim.release(c.key) }) }

func (c *trackedConn) Close() error {
	c.admit()
	return c.Conn.Close()
}

// CloseWrite lets net/http half-close before closing a connection whose
// request body it did not read, so the client reads the answer instead of
// a reset.
func (c *trackedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

type trackedConnKey struct{}

// withTrackedConn is http.Server.ConnContext: it makes the connection's
// trackedConn reachable from its requests (through TLS too).
func withTrackedConn(ctx context.Context, c net.Conn) context.Context {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	if t, ok := c.(*trackedConn); ok {
		return context.WithValue(ctx, trackedConnKey{}, t)
	}
	return ctx
}

// admitConn marks the connection of r as authenticated (no-op when the
// server does not track connections).
func admitConn(ctx context.Context) {
	if t, ok := ctx.Value(trackedConnKey{}).(*trackedConn); ok {
		t.admit()
	}
}
