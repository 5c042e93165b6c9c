package server

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/vpnlens/vpnlens/internal/loadtest"
)

// openFDs is the number of file descriptors this process holds (Linux; -1
// elsewhere).
func openFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// settle waits until f reports true or d passes, and reports f's last value.
func settle(d time.Duration, f func() bool) bool {
	for end := time.Now().Add(d); ; time.Sleep(20 * time.Millisecond) {
		if f() || time.Now().After(end) {
			return f()
		}
	}
}

// TestStalledConnectionsClosed opens connections that never finish their
// request, of every kind (a Content-Length and no body, with no token, a
// wrong one, a foreign Origin, the right one; bodies and headers trickled
// a byte every 100 ms; silent connections), against ServeHTTP with a 1 s
// read timeout. Each is answered and closed within its limit: refusals are
// answered at once without waiting for the body and closed after the
// drain grace, slow bodies get 408 after the read timeout, unfinished
// headers are dropped after the header timeout. Afterwards the server
// holds no more file descriptors or goroutines than before.
func TestStalledConnectionsClosed(t *testing.T) {
	const readTimeout = time.Second
	s := New(Config{Version: "test-version", Service: testDeps(t), Logger: quietLogger()})
	addr, stop := serveInBackground(t, s, "127.0.0.1:0", HTTPOptions{Token: testToken, ReadTimeout: readTimeout,
		IdleTimeout: 2 * time.Second, MaxUnauthConns: 1000, AuthFailuresPerMinute: 10000})
	defer stop()
	// A session works before (and the limits do not get in its way).
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := startClient(t, ctx, "http://"+addr+EndpointPath, transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + testToken}))
	if err != nil {
		t.Fatal(err)
	}
	baseFDs, baseG := openFDs(), runtime.NumGoroutine()

	const perKind = 15
	run, err := loadtest.OpenStalled(ctx, loadtest.StallConfig{Addr: addr, Token: testToken, Conns: perKind * len(loadtest.StallKinds),
		TrickleEvery: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	// Header timeout (1 s) plus read timeout (1 s), or the drain grace (2
	// s), is the longest any may take; generous slack for a loaded machine.
	limit := max(2*readTimeout, drainGrace) + 3*time.Second
	settle(limit, func() bool { return run.Open() == 0 })
	counts := run.Counts()
	t.Logf("after %s:\n%s", run.Elapsed().Round(time.Millisecond), loadtest.FormatCounts(counts))

	// Refusals are answered before the body is read; slow bodies get 408
	// once the read timeout passes; unfinished headers are dropped after
	// theirs.
	want := map[loadtest.StallKind]struct {
		status         int
		answeredWithin time.Duration
	}{
		loadtest.BodyNeverSent:              {http.StatusUnauthorized, readTimeout / 2},
		loadtest.BodyNeverSentWrongToken:    {http.StatusUnauthorized, readTimeout / 2},
		loadtest.BodyNeverSentForeignOrigin: {http.StatusForbidden, readTimeout / 2},
		loadtest.BodyNeverSentValidToken:    {http.StatusRequestTimeout, limit},
		loadtest.BodyTrickled:               {http.StatusRequestTimeout, limit},
		loadtest.BodyTrickledNoToken:        {http.StatusUnauthorized, readTimeout / 2},
		loadtest.HeadersTrickled:            {0, 0},
		loadtest.Silent:                     {0, 0},
	}
	for _, c := range counts {
		w := want[c.Kind]
		if c.Open > 0 {
			t.Errorf("%s: %d of %d connections still open after %s", c.Kind, c.Open, c.Conns, limit)
			continue
		}
		if c.Status[w.status] != c.Conns {
			t.Errorf("%s: answers %v, want %d for all %d", c.Kind, c.Status, w.status, c.Conns)
		}
		if n := len(c.Answered); n > 0 && c.Answered[n-1] > w.answeredWithin {
			t.Errorf("%s: the last answer came after %s, want within %s", c.Kind, c.Answered[n-1], w.answeredWithin)
		}
		if w.status == http.StatusRequestTimeout && c.Closed[0] < readTimeout/2 {
			t.Errorf("%s: closed after %s, before the read timeout (%s)", c.Kind, c.Closed[0], readTimeout)
		}
	}
	run.Close()

	// Back to where it started, and still serving.
	if !settle(5*time.Second, func() bool { return openFDs() <= baseFDs }) {
		t.Errorf("%d open fds after every stalled connection closed, %d before", openFDs(), baseFDs)
	}
	if !settle(5*time.Second, func() bool { return runtime.NumGoroutine() <= baseG }) {
		t.Errorf("%d goroutines after every stalled connection closed, %d before", runtime.NumGoroutine(), baseG)
	}
	if err := c.Ping(ctx); err != nil {
		t.Errorf("the session opened before: %v", err)
	}
}

// TestLongCallOutlivesReadTimeout: the read timeout bounds receiving a
// request, not answering it. A tool call that takes longer than the read
// timeout (http.Server.ReadTimeout included), and an SSE stream open
// longer, are not cut short.
func TestLongCallOutlivesReadTimeout(t *testing.T) {
	const readTimeout = 300 * time.Millisecond
	s := New(Config{Version: "test-version", Service: testDeps(t), Logger: quietLogger()})
	slow := mcp.NewTool("slow_tool", mcp.WithDescription("waits"))
	s.AddTool(slow, func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		select {
		case <-time.After(4 * readTimeout):
			return mcp.NewToolResultText("done"), nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	})
	addr, _ := serveInBackground(t, s, "127.0.0.1:0", HTTPOptions{ReadTimeout: readTimeout})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := startClient(t, ctx, "http://"+addr+EndpointPath, transport.WithContinuousListening())
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "slow_tool"}})
	if err != nil || res.IsError || resultText(res) != "done" {
		t.Fatalf("a call longer than the read timeout: %v %v", err, res)
	}
	// The session (and its GET stream) still works after several read
	// timeouts.
	if err := c.Ping(ctx); err != nil {
		t.Errorf("ping after the long call: %v", err)
	}

	// A raw SSE stream stays open past the read timeout.
	sid := rawSession(t, ctx, "http://"+addr+EndpointPath)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+EndpointPath, nil)
	req.Header.Set(sessionHeader, sid)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET stream = %d", resp.StatusCode)
	}
	got := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, resp.Body)
		got <- err
	}()
	select {
	case err := <-got:
		t.Errorf("the SSE stream ended after less than %s: %v", 4*readTimeout, err)
	case <-time.After(4 * readTimeout):
	}
}

// TestUnauthenticatedConnectionCap: one address can hold only so many
// connections that have not sent an authenticated request; the next is
// answered 429 and closed at once. Authenticated connections do not count,
// and closing the held ones makes room again.
func TestUnauthenticatedConnectionCap(t *testing.T) {
	const max = 5
	s := New(Config{Version: "test-version", Service: testDeps(t), Logger: quietLogger()})
	addr, _ := serveInBackground(t, s, "127.0.0.1:0", HTTPOptions{Token: testToken, MaxUnauthConns: max})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	url := "http://" + addr + EndpointPath

	// Authenticated keep-alive connections first: they do not count.
	authed := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 2 * max}}
	defer authed.CloseIdleConnections()
	for range 2 * max {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(initializeBody))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := authed.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if drain(resp); resp.StatusCode != http.StatusOK {
			t.Fatalf("authenticated initialize = %d", resp.StatusCode)
		}
	}

	held, err := loadtest.OpenStalled(ctx, loadtest.StallConfig{Addr: addr, Conns: max, Kinds: []loadtest.StallKind{loadtest.HeadersTrickled}})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	time.Sleep(100 * time.Millisecond)
	if n := held.Open(); n != max {
		t.Fatalf("%d of %d connections under the cap open, want all", n, max)
	}

	// One more from the same address: 429, closed.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(conn, "POST /mcp HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", addr, testToken, len(initializeBody), initializeBody)
	b, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("reading the refusal: %v", err)
	}
	if !strings.HasPrefix(string(b), "HTTP/1.1 429 ") || !strings.Contains(string(b), "Retry-After:") {
		t.Errorf("connection over the cap got %q, want 429 with Retry-After", b)
	}

	// Closing the held ones makes room.
	held.Close()
	if !settle(5*time.Second, func() bool {
		resp := post(t, ctx, url, `{"jsonrpc":"2.0","id":1,"method":"ping"}`, map[string]string{"Authorization": "Bearer " + testToken})
		drain(resp)
		return resp.StatusCode != http.StatusTooManyRequests
	}) {
		t.Error("still refused after the held connections closed")
	}
}

// TestRefusalWhileSending: a client still sending its body when it is
// refused (a body over --max-body sent in chunks, so its size is known
// only while reading; no token) reads the answer, not a connection reset:
// the rest of the body is drained for a moment before the connection
// closes.
func TestRefusalWhileSending(t *testing.T) {
	s := New(Config{Version: "test-version", Service: testDeps(t), Logger: quietLogger()})
	addr, _ := serveInBackground(t, s, "127.0.0.1:0", HTTPOptions{Token: testToken, MaxBodyBytes: 1024})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, tc := range []struct {
		token string
		want  int
	}{{testToken, http.StatusRequestEntityTooLarge}, {"", http.StatusUnauthorized}} {
		for range 5 {
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+EndpointPath, io.MultiReader(strings.NewReader(initializeBody), strings.NewReader(strings.Repeat(" ", 1<<20))))
			req.ContentLength = -1
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("a 1 MiB chunked body (want %d): %v", tc.want, err)
			}
			if drain(resp); resp.StatusCode != tc.want {
				t.Fatalf("a 1 MiB chunked body = %d, want %d", resp.StatusCode, tc.want)
			}
		}
	}
}
