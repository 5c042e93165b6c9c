package server

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestClientKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7:5555":             "192.0.2.7",
		"[::ffff:192.0.2.7]:5555":    "192.0.2.7",
		"[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::",
		"[2001:db8:1:2:ffff::1]:1":   "2001:db8:1:2::", // the same /64
		"[fe80::1%eth0]:80":          "fe80::",
		"127.0.0.1":                  "127.0.0.1",
		"not an address":             "invalid IP",
		"[2001:db8:1:3::1]:1":        "2001:db8:1:3::",
	} {
		if got := clientKey(in).String(); got != want {
			t.Errorf("clientKey(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestAuthThrottleAllowance(t *testing.T) {
	now := time.Date(2026, 6, 12, 20, 0, 0, 0, time.UTC)
	th := newAuthThrottle(6) // 6 a minute: one every 10 s
	th.now = func() time.Time { return now }
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")

	for i := range 6 {
		if w := th.retryAfter(a); w != 0 {
			t.Fatalf("attempt %d: wait %s within the burst", i+1, w)
		}
		th.failed(a)
	}
	if w := th.retryAfter(a); w != 10*time.Second {
		t.Errorf("after the burst: wait %s, want 10s", w)
	}
	if w := th.retryAfter(b); w != 0 {
		t.Errorf("another address waits %s, want 0", w)
	}
	now = now.Add(4 * time.Second)
	if w := th.retryAfter(a); w != 6*time.Second {
		t.Errorf("4 s later: wait %s, want 6s", w)
	}
	now = now.Add(6 * time.Second)
	if w := th.retryAfter(a); w != 0 {
		t.Errorf("10 s later: wait %s, want 0 (one attempt refilled)", w)
	}
	th.failed(a)
	if w := th.retryAfter(a); w != 10*time.Second {
		t.Errorf("after the refilled attempt failed: wait %s, want 10s", w)
	}
	// A minute refills the whole burst, never more.
	now = now.Add(time.Hour)
	for i := range 6 {
		if w := th.retryAfter(a); w != 0 {
			t.Fatalf("an hour later, attempt %d: wait %s", i+1, w)
		}
		th.failed(a)
	}
	if w := th.retryAfter(a); w == 0 {
		t.Error("the burst grew past its size")
	}
}

// The memory is bounded: past maxThrottledClients addresses, new ones
// share one allowance, and addresses whose allowance is full again are
// forgotten to make room.
func TestAuthThrottleBounded(t *testing.T) {
	now := time.Date(2026, 6, 12, 20, 0, 0, 0, time.UTC)
	th := newAuthThrottle(2)
	th.now = func() time.Time { return now }
	addr := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}) }
	for i := range maxThrottledClients + 500 {
		th.failed(addr(i))
		th.failed(addr(i))
	}
	if n := th.tracked(); n != maxThrottledClients {
		t.Errorf("%d addresses tracked, want at most %d", n, maxThrottledClients)
	}
	// The late addresses share the overflow allowance, which is spent.
	if w := th.retryAfter(addr(maxThrottledClients + 499)); w == 0 {
		t.Error("an address past the table is not throttled")
	}
	if w := th.retryAfter(netip.MustParseAddr("192.0.2.99")); w == 0 {
		t.Error("a new address while the table is full does not share the overflow allowance")
	}
	// A minute later every allowance is full: the table makes room.
	now = now.Add(time.Minute)
	th.failed(netip.MustParseAddr("192.0.2.99"))
	if n := th.tracked(); n != 1 {
		t.Errorf("%d addresses tracked after they all refilled, want 1", n)
	}
}

// clientFrom is an HTTP client whose connections come from a given
// loopback address (Linux routes all of 127.0.0.0/8 to lo).
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

// TestWrongTokensSlowedDown: after the allowance of wrong tokens, an
// address gets 429 with Retry-After for every request with a token (the
// right one too: it is not compared, so guessing stops); other addresses
// and requests without a token are not affected.
func TestWrongTokensSlowedDown(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := New(Config{Version: "test-version", Service: testDeps(t), Logger: quietLogger()})
	ts, _ := newTestHTTP(t, s, HTTPOptions{Token: testToken, AuthFailuresPerMinute: 3})
	url := ts.URL + EndpointPath
	send := func(c *http.Client, token string) *http.Response {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(initializeBody))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		drain(resp)
		return resp
	}
	attacker := clientFrom("127.0.0.1")
	for i := range 3 {
		if resp := send(attacker, fmt.Sprintf("guess-%02d-0123456789abcdef", i)); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong token %d = %d, want 401", i+1, resp.StatusCode)
		}
	}
	for _, tok := range []string{"guess-99-0123456789abcdef", testToken} {
		resp := send(attacker, tok)
		retry, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		if resp.StatusCode != http.StatusTooManyRequests || retry < 1 || retry > 20 {
			t.Errorf("token %q after the allowance = %d (Retry-After %q), want 429 and about 20 s", tok[:8], resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	if resp := send(attacker, ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no token from the throttled address = %d, want 401", resp.StatusCode)
	}
	if resp := send(clientFrom("127.0.0.2"), testToken); resp.StatusCode != http.StatusOK {
		t.Errorf("the right token from another address = %d, want 200", resp.StatusCode)
	}
}
