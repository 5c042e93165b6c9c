package server

import (
	"math"
	"net/netip"
	"sync"
	"time"
)

// maxThrottledClients bounds the addresses whose failed bearer attempts
// are remembered. Past it, new addresses share one allowance: an attacker
// spreading guesses over many addresses is slowed down as one.
const maxThrottledClients = 4096

// authThrottle slows down guessing the bearer token. Each client address
// has an allowance of perMinute failed attempts that refills at perMinute
// a minute; a client whose allowance is used up gets 429 with Retry-After
// for every request that carries a token, right or wrong, until it has
// refilled by one. The token is not even compared then, so guessing goes
// no faster than the allowance.
type authThrottle struct {
	burst  float64
	perSec float64
	now    func() time.Time

	mu       sync.Mutex
	clients  map[netip.Addr]*allowance
	overflow allowance // shared by addresses that do not fit in clients
}

type allowance struct {
	left float64   // failed attempts still allowed
	at   time.Time // when left was computed
}

func newAuthThrottle(perMinute int) *authThrottle {
	return &authThrottle{burst: float64(perMinute), perSec: float64(perMinute) / 60, now: time.Now,
		clients: map[netip.Addr]*allowance{}}
}

// refill brings a up to date.
func (t *authThrottle) refill(a *allowance, now time.Time) {
	if a.at.IsZero() {
		a.left, a.at = t.burst, now
		return
	}
	if d := now.Sub(a.at).Seconds(); d > 0 {
		a.left = math.Min(t.burst, a.left+d*t.perSec)
	}
	a.at = now
}

// retryAfter reports how long key must wait before its next attempt, or 0
// when it may try now.
func (t *authThrottle) retryAfter(key netip.Addr) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.lookup(key, false)
	if a == nil {
		return 0
	}
	t.refill(a, t.now())
	if a.left >= 1 {
		return 0
	}
	return time.Duration(math.Ceil((1-a.left)/t.perSec*1000)) * time.Millisecond
}

// failed records a failed attempt by key.
func (t *authThrottle) failed(key netip.Addr) {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.lookup(key, true)
	t.refill(a, t.now())
	a.left = math.Max(0, a.left-1)
}

// lookup returns key's allowance, making one when create is set. Must hold
// t.mu.
func (t *authThrottle) lookup(key netip.Addr, create bool) *allowance {
	if a, ok := t.clients[key]; ok {
		return a
	}
	if !create {
		if len(t.clients) >= maxThrottledClients {
			return &t.overflow
		}
		return nil
	}
	if len(t.clients) >= maxThrottledClients {
		// Forget the addresses whose allowance is full again: they are
		// no different from ones never seen.
		now := t.now()
		for k, a := range t.clients {
			if t.refill(a, now); a.left >= t.burst {
				delete(t.clients, k)
			}
		}
		if len(t.clients) >= maxThrottledClients {
			return &t.overflow
		}
	}
	a := &allowance{}
	t.clients[key] = a
	return a
}

// tracked is the number of addresses remembered.
func (t *authThrottle) tracked() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.clients)
}
