package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/vpnlens/vpnlens/tools"
)

const testToken = "t0ken-for-tests-0123456789abcdef"

// newTestHTTP mounts the vpnlens HTTP handler on a loopback test server and
// stops both (and mcp-go's session sweeper) when the test ends.
func newTestHTTP(t *testing.T, s *mcpserver.MCPServer, o HTTPOptions) (*httptest.Server, *HTTPHandler) {
	t.Helper()
	if o.Logger == nil {
		o.Logger = quietLogger()
	}
	h, err := NewHTTPHandler(s, o)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = h.Close(ctx)
		ts.Close()
	})
	return ts, h
}

// startClient opens an MCP session over HTTP (legacy, session-based
// protocol unless modern is set) and closes it when the test ends.
func startClient(t *testing.T, ctx context.Context, url string, opts ...transport.StreamableHTTPCOption) (*client.Client, error) {
	t.Helper()
	opts = append([]transport.StreamableHTTPCOption{transport.WithHTTPLogger(quietLogger())}, opts...)
	c, err := client.NewStreamableHttpClient(url, opts...)
	if err != nil {
		return nil, err
	}
	if err := c.Start(ctx); err != nil {
		c.Close()
		return nil, err
	}
	if _, err := c.Initialize(ctx, initRequest()); err != nil {
		c.Close()
		return nil, err
	}
	t.Cleanup(func() { c.Close() })
	return c, nil
}

const initializeBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}`

// post sends one raw JSON-RPC body to /mcp.
func post(t *testing.T, ctx context.Context, url, body string, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	return resp
}

func drain(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return string(b)
}

func TestBearerToken(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := New(Config{Version: "test-version", Service: testDeps(t), Logger: quietLogger()})
	ts, _ := newTestHTTP(t, s, HTTPOptions{Token: testToken})
	url := ts.URL + EndpointPath

	for _, tc := range []struct {
		name, auth string
	}{
		{"missing", ""},
		{"wrong token", "Bearer " + strings.Repeat("x", len(testToken))},
		{"prefix of the token", "Bearer " + testToken[:len(testToken)-1]},
		{"token plus a byte", "Bearer " + testToken + "x"},
		{"basic scheme", "Basic " + testToken},
		{"no scheme", testToken},
		{"empty bearer", "Bearer "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{}
			if tc.auth != "" {
				h["Authorization"] = tc.auth
			}
			resp := post(t, ctx, url, initializeBody, h)
			body := drain(resp)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status = %d, want 401; body %q", resp.StatusCode, body)
			}
			if got := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
				t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", got)
			}
			if strings.Contains(body, testToken) {
				t.Error("the 401 body reveals the token")
			}
		})
	}

	t.Run("healthz needs no token", func(t *testing.T) {
		resp, err := http.Get(ts.URL + HealthPath)
		if err != nil {
			t.Fatal(err)
		}
		if body := drain(resp); resp.StatusCode != http.StatusOK || body != "ok" {
			t.Errorf("GET /healthz = %d %q, want 200 ok", resp.StatusCode, body)
		}
	})

	t.Run("right token", func(t *testing.T) {
		resp := post(t, ctx, url, initializeBody, map[string]string{"Authorization": "bearer  " + testToken})
		if body := drain(resp); resp.StatusCode != http.StatusOK {
			t.Fatalf("initialize with the token = %d %q, want 200", resp.StatusCode, body)
		}
		c, err := startClient(t, ctx, url, transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + testToken}))
		if err != nil {
			t.Fatalf("client with the token: %v", err)
		}
		if _, err := c.ListTools(ctx, mcp.ListToolsRequest{}); err != nil {
			t.Errorf("tools/list with the token: %v", err)
		}
	})
}

func TestOriginValidation(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := New(Config{Version: "test-version", Service: testDeps(t), Logger: quietLogger()})
	ts, _ := newTestHTTP(t, s, HTTPOptions{AllowOrigins: []string{"https://chat.example.com", " http://tools.example:8443 ,https://ide.example"}})
	url := ts.URL + EndpointPath
	for _, tc := range []struct {
		origin string // "" sends no Origin header
		want   int
	}{
		{"", http.StatusOK},
		{"http://localhost", http.StatusOK},
		{"http://localhost:6274", http.StatusOK},
		{"https://127.0.0.1:8443", http.StatusOK},
		{"http://[::1]:3000", http.StatusOK},
		{"https://chat.example.com", http.StatusOK},
		{"HTTPS://Chat.Example.com:443", http.StatusOK},
		{"http://tools.example:8443", http.StatusOK},
		{"https://ide.example", http.StatusOK},
		{"https://evil.example", http.StatusForbidden},
		{"http://chat.example.com", http.StatusForbidden}, // scheme differs
		{"https://chat.example.com:8443", http.StatusForbidden},
		{"http://localhost.evil.example", http.StatusForbidden},
		{"http://127.0.0.1.nip.io", http.StatusForbidden},
		{"null", http.StatusForbidden},
		{"file://", http.StatusForbidden},
		{"ftp://localhost", http.StatusForbidden},
	} {
		t.Run(fmt.Sprintf("%q", tc.origin), func(t *testing.T) {
			h := map[string]string{}
			if tc.origin != "" {
				h["Origin"] = tc.origin
			}
			resp := post(t, ctx, url, initializeBody, h)
			body := drain(resp)
			if resp.StatusCode != tc.want {
				t.Errorf("Origin %q: status %d, want %d; body %q", tc.origin, resp.StatusCode, tc.want, body)
			}
			if tc.want == http.StatusForbidden && !strings.Contains(body, "--allow-origin") {
				t.Errorf("the 403 does not say how to allow the origin: %q", body)
			}
		})
	}
	t.Run("GET and DELETE are checked too", func(t *testing.T) {
		for _, method := range []string{http.MethodGet, http.MethodDelete} {
			req, _ := http.NewRequestWithContext(ctx, method, url, nil)
			req.Header.Set("Origin", "https://evil.example")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			drain(resp)
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s with a foreign Origin = %d, want 403", method, resp.StatusCode)
			}
		}
	})
	t.Run("bad allow-origin", func(t *testing.T) {
		for _, bad := range []string{"chat.example.com", "https://chat.example.com/path", "https://user@chat.example.com"} {
			if _, err := NewHTTPHandler(s, HTTPOptions{AllowOrigins: []string{bad}}); err == nil {
				t.Errorf("--allow-origin %q accepted, want an error", bad)
			}
		}
	})
}

func TestNormalizeAddr(t *testing.T) {
	for in, want := range map[string]string{
		"8080":           "127.0.0.1:8080",
		":8080":          "127.0.0.1:8080",
		"127.0.0.1:0":    "127.0.0.1:0",
		"[::1]:9":        "[::1]:9",
		"0.0.0.0:8080":   "0.0.0.0:8080",
		"[::]:8080":      "[::]:8080",
		"localhost:8080": "localhost:8080",
	} {
		got, err := NormalizeAddr(in)
		if err != nil || got != want {
			t.Errorf("NormalizeAddr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "localhost", "1.2.3.4"} {
		if got, err := NormalizeAddr(bad); err == nil {
			t.Errorf("NormalizeAddr(%q) = %q, want an error", bad, got)
		}
	}
	for addr, want := range map[string]bool{
		"127.0.0.1:1": true, "127.9.9.9:1": true, "[::1]:1": true, "localhost:1": true, "LOCALHOST:1": true,
		"0.0.0.0:1": false, "[::]:1": false, "192.0.2.1:1": false, "vpnlens.example:1": false,
	} {
		if got := IsLoopbackAddr(addr); got != want {
			t.Errorf("IsLoopbackAddr(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestLoadToken(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "token")
	if err := os.WriteFile(good, []byte("  "+testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	short := filepath.Join(dir, "short")
	if err := os.WriteFile(short, []byte("abc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tok, from, err := LoadToken(good, "env-token-is-ignored-when-a-file-is-given")
	if err != nil || tok != testToken || !strings.Contains(from, "--token-file") {
		t.Errorf("LoadToken(file) = %q, %q, %v; want the file's token", tok, from, err)
	}
	tok, from, err = LoadToken("", testToken)
	if err != nil || tok != testToken || from != "VPNLENS_TOKEN" {
		t.Errorf("LoadToken(env) = %q, %q, %v", tok, from, err)
	}
	if tok, _, err := LoadToken("", ""); tok != "" || err != nil {
		t.Errorf("LoadToken(none) = %q, %v; want no token", tok, err)
	}
	for name, call := range map[string][2]string{
		"short file":   {short, ""},
		"missing file": {filepath.Join(dir, "nope"), ""},
		"short env":    {"", "tooshort"},
		"inner space":  {"", "0123456789 abcdefghij"},
	} {
		if tok, _, err := LoadToken(call[0], call[1]); err == nil {
			t.Errorf("%s: LoadToken = %q, want an error", name, tok)
		}
	}

	// A byte that cannot be sent in an Authorization header (a NUL from a
	// binary file, another control character, non-ASCII) is refused at
	// start, saying which byte and where.
	for name, content := range map[string]string{
		"NUL":       testToken + "\x00",
		"NUL first": "\x00" + testToken,
		"escape":    testToken[:8] + "\x1b[0m" + testToken[8:],
		"DEL":       testToken + "\x7f",
		"non-ASCII": testToken + "é",
		"binary":    "\xde\xad\xbe\xef" + testToken,
	} {
		f := filepath.Join(dir, "bad")
		if err := os.WriteFile(f, []byte(content+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, _, err := LoadToken(f, "")
		if err == nil || !strings.Contains(err.Error(), "printable ASCII") || !strings.Contains(err.Error(), "byte ") || strings.Contains(err.Error(), testToken) {
			t.Errorf("%s: LoadToken = %v, want an error naming the byte and not showing the token", name, err)
		}
	}
}

// serveInBackground runs ServeHTTP and returns its address and a stop
// function that cancels it and returns its error.
func serveInBackground(t *testing.T, s *mcpserver.MCPServer, addr string, o HTTPOptions) (string, func() error) {
	t.Helper()
	if o.Logger == nil {
		o.Logger = quietLogger()
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrCh := make(chan string, 1)
	done := make(chan error, 1)
	o.Ready = func(a net.Addr) { addrCh <- a.String() }
	go func() { done <- ServeHTTP(ctx, s, addr, o) }()
	select {
	case a := <-addrCh:
		var once sync.Once
		var stopErr error
		stop := func() error {
			once.Do(func() {
				cancel()
				select {
				case stopErr = <-done:
				case <-time.After(shutdownGrace + 5*time.Second):
					stopErr = errors.New("ServeHTTP did not return after cancel")
				}
			})
			return stopErr
		}
		t.Cleanup(func() { _ = stop() })
		return a, stop
	case err := <-done:
		cancel()
		t.Fatalf("ServeHTTP returned before listening: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("ServeHTTP did not start")
	}
	return "", nil
}

func TestServeHTTPNonLoopbackNeedsToken(t *testing.T) {
	s := New(Config{Service: testDeps(t), Logger: quietLogger()})
	for _, addr := range []string{"0.0.0.0:0", "[::]:0", "192.0.2.1:0", "vpnlens.example:0"} {
		start := time.Now()
		err := ServeHTTP(context.Background(), s, addr, HTTPOptions{Logger: quietLogger()})
		if !errors.Is(err, ErrTokenRequired) {
			t.Errorf("ServeHTTP(%s) without a token = %v, want ErrTokenRequired", addr, err)
		}
		if time.Since(start) > 5*time.Second {
			t.Errorf("ServeHTTP(%s) took %v to refuse", addr, time.Since(start))
		}
	}

	// With a token it serves on every interface and insists on the token.
	addr, stop := serveInBackground(t, s, "0.0.0.0:0", HTTPOptions{Token: testToken})
	_, port, _ := net.SplitHostPort(addr)
	url := "http://127.0.0.1:" + port + EndpointPath
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	resp := post(t, ctx, url, initializeBody, nil)
	if drain(resp); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST without the token = %d, want 401", resp.StatusCode)
	}
	c, err := startClient(t, ctx, url, transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + testToken}))
	if err != nil {
		t.Fatalf("client with the token: %v", err)
	}
	if err := c.Ping(ctx); err != nil {
		t.Errorf("ping: %v", err)
	}
	c.Close()
	if err := stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
}

// selfSignedCert writes a certificate for 127.0.0.1 and localhost and its
// key to dir, and returns their paths and a pool trusting it.
func selfSignedCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "vpnlens test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:     []string{"localhost"},
		IsCA:         true,

		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSignedCert(t, dir)
	s := New(Config{Version: "test-version", Service: testDeps(t), Logger: quietLogger()})

	for name, o := range map[string]HTTPOptions{
		"cert without key": {TLSCertFile: certFile},
		"key without cert": {TLSKeyFile: keyFile},
		"key is not a key": {TLSCertFile: certFile, TLSKeyFile: certFile},
		"missing files":    {TLSCertFile: filepath.Join(dir, "no.pem"), TLSKeyFile: filepath.Join(dir, "no.key")},
	} {
		if err := ServeHTTP(context.Background(), s, "127.0.0.1:0", o); err == nil {
			t.Errorf("%s: ServeHTTP accepted the TLS setup", name)
		}
	}

	addr, stop := serveInBackground(t, s, "127.0.0.1:0", HTTPOptions{TLSCertFile: certFile, TLSKeyFile: keyFile})
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}

	resp, err := hc.Get("https://" + addr + HealthPath)
	if err != nil {
		t.Fatalf("GET /healthz over TLS: %v", err)
	}
	if body := drain(resp); resp.StatusCode != 200 || body != "ok" || resp.TLS == nil {
		t.Errorf("GET https /healthz = %d %q (TLS %v)", resp.StatusCode, body, resp.TLS != nil)
	}

	// Plain HTTP to the TLS port is not served.
	if resp, err := http.Get("http://" + addr + HealthPath); err == nil {
		body := drain(resp)
		if resp.StatusCode == http.StatusOK && body == "ok" {
			t.Error("plain HTTP answered on the TLS listener")
		}
	}
	// A client that does not trust the certificate refuses it.
	if _, err := (&http.Client{Transport: &http.Transport{}}).Get("https://" + addr + HealthPath); err == nil {
		t.Error("an untrusting client accepted the self-signed certificate")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := startClient(t, ctx, "https://"+addr+EndpointPath, transport.WithHTTPBasicClient(hc))
	if err != nil {
		t.Fatalf("MCP over TLS: %v", err)
	}
	res, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "classify_vpn_message",
		Arguments: map[string]any{"message": "AWS-side peer sent a Hold Timer Expired notification to neighbor 169.254.10.1"}}})
	if err != nil || res.IsError {
		t.Fatalf("classify over TLS: %v %+v", err, res)
	}
	c.Close()
	if err := stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
}

func TestBodyLimit(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := New(Config{Version: "test-version", Service: testDeps(t), Logger: quietLogger()})
	ts, _ := newTestHTTP(t, s, HTTPOptions{MaxBodyBytes: 1024})
	url := ts.URL + EndpointPath

	// Padding inside clientInfo keeps the body valid JSON-RPC.
	pad := func(n int) string {
		return `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"` + strings.Repeat("x", n) + `","version":"0"}}}`
	}
	small, big := pad(1024-len(pad(0))), pad(1025-len(pad(0)))
	if len(small) != 1024 || len(big) != 1025 {
		t.Fatalf("padding: %d %d", len(small), len(big))
	}

	resp := post(t, ctx, url, small, nil)
	if body := drain(resp); resp.StatusCode != http.StatusOK {
		t.Errorf("a body of exactly the limit = %d %q, want 200", resp.StatusCode, body)
	}
	resp = post(t, ctx, url, big, nil)
	if body := drain(resp); resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "--max-body") {
		t.Errorf("a body one byte over = %d %q, want 413 naming --max-body", resp.StatusCode, body)
	}

	// Without Content-Length (chunked) the limit holds while reading.
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, io.MultiReader(strings.NewReader(big), strings.NewReader(strings.Repeat(" ", 1<<20))))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.ContentLength = -1
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if body := drain(resp); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a chunked body over the limit = %d %q, want 413", resp.StatusCode, body)
	}
}

func TestSessionLimit(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := New(Config{Version: "test-version", Service: testDeps(t), Logger: quietLogger()})
	ts, h := newTestHTTP(t, s, HTTPOptions{MaxSessions: 2})
	url := ts.URL + EndpointPath

	a, err := startClient(t, ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := startClient(t, ctx, url); err != nil {
		t.Fatal(err)
	}
	if n := h.Sessions(); n != 2 {
		t.Errorf("Sessions() = %d after two clients, want 2", n)
	}
	_, err = startClient(t, ctx, url)
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("third session = %v, want a 503", err)
	}
	resp := post(t, ctx, url, initializeBody, nil)
	body := drain(resp)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "--max-sessions") || resp.Header.Get("Retry-After") == "" {
		t.Errorf("initialize at the limit = %d %q (Retry-After %q), want 503 naming --max-sessions", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	// Existing sessions keep working at the limit.
	if err := a.Ping(ctx); err != nil {
		t.Errorf("ping on an existing session at the limit: %v", err)
	}

	// Closing a client sends DELETE, which frees its place.
	a.Close()
	if n := h.Sessions(); n != 1 {
		t.Errorf("Sessions() = %d after one client closed, want 1", n)
	}
	if _, err := startClient(t, ctx, url); err != nil {
		t.Errorf("new session after a DELETE: %v", err)
	}

	// A session id the server does not know gets 404 (the client then
	// starts a new session), for POST and GET alike.
	resp = post(t, ctx, url, `{"jsonrpc":"2.0","id":2,"method":"ping"}`, map[string]string{sessionHeader: "mcp-session-made-up", "MCP-Protocol-Version": "2025-11-25"})
	if drain(resp); resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST with an unknown session = %d, want 404", resp.StatusCode)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header.Set(sessionHeader, "mcp-session-made-up")
	req.Header.Set("Accept", "text/event-stream")
	gr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if drain(gr); gr.StatusCode != http.StatusNotFound {
		t.Errorf("GET with an unknown session = %d, want 404", gr.StatusCode)
	}
}

func TestSessionLimitConcurrent(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := New(Config{Version: "test-version", Service: testDeps(t), Logger: quietLogger()})
	ts, h := newTestHTTP(t, s, HTTPOptions{MaxSessions: 3})
	var ok, refused atomic.Int32
	var wg sync.WaitGroup
	for range 12 {
		wg.Go(func() {
			resp := post(t, ctx, ts.URL+EndpointPath, initializeBody, nil)
			switch drain(resp); resp.StatusCode {
			case http.StatusOK:
				ok.Add(1)
			case http.StatusServiceUnavailable:
				refused.Add(1)
			default:
				t.Errorf("initialize = %d", resp.StatusCode)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 3 || refused.Load() != 9 || h.Sessions() != 3 {
		t.Errorf("12 concurrent initializes with --max-sessions 3: %d admitted, %d refused, %d sessions; want 3, 9, 3", ok.Load(), refused.Load(), h.Sessions())
	}
}

func TestSessionTableIdleExpiry(t *testing.T) {
	now := time.Date(2026, 6, 12, 20, 0, 0, 0, time.UTC)
	tab := newSessionTable(2, time.Minute)
	tab.now = func() time.Time { return now }
	gen := func() string {
		res, ok := tab.reserve()
		if !ok {
			t.Fatal("reserve refused below the limit")
		}
		return (&sessionIDs{t: tab, res: res}).Generate()
	}
	a, b := gen(), gen()
	if _, ok := tab.reserve(); ok {
		t.Fatal("reserve admitted a third session at the limit")
	}
	now = now.Add(50 * time.Second)
	if !tab.known(a) { // touches a
		t.Fatal("live session a unknown")
	}
	now = now.Add(30 * time.Second) // b idle 80s, a idle 30s
	res, ok := tab.reserve()
	if !ok {
		t.Fatal("reserve refused although b had been idle past the TTL")
	}
	res.release()
	if tab.known(b) {
		t.Error("expired session b still known")
	}
	if !tab.known(a) {
		t.Error("session a expired although it was used")
	}
	now = now.Add(2 * time.Minute)
	if tab.known(a) {
		t.Error("session a known after 2m idle with a 1m TTL")
	}
	if n := tab.Len(); n != 0 {
		t.Errorf("Len = %d after everything expired, want 0", n)
	}
	// A released reservation that was never used gives its place back.
	r1, _ := tab.reserve()
	r2, _ := tab.reserve()
	r1.release()
	r1.release() // twice is harmless
	if _, ok := tab.reserve(); !ok {
		t.Error("a released reservation did not free its place")
	}
	r2.release()
}

func TestHTTPHandlerStopsSweeper(t *testing.T) {
	// goleak in TestMain checks the sweeper goroutine is gone; this test
	// only makes sure a handler that is closed at once is fine.
	h, err := NewHTTPHandler(New(Config{Service: testDeps(t)}), HTTPOptions{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// blockingTool is a test-only tool that blocks until its context ends (or
// release is closed) and reports why it stopped.
type blockingTool struct {
	started chan struct{}
	stopped chan error // the context's error, nil when released
	release chan struct{}
}

func newBlockingTool() *blockingTool {
	return &blockingTool{started: make(chan struct{}, 16), stopped: make(chan error, 16), release: make(chan struct{})}
}

func (b *blockingTool) serverTool() mcpserver.ServerTool {
	return mcpserver.ServerTool{
		Tool: mcp.NewTool("test_block", mcp.WithDescription("test only: blocks until cancelled"),
			mcp.WithString("start", mcp.Description("window start")), mcp.WithString("tunnel", mcp.Description("tunnel"))),
		Handler: func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			b.started <- struct{}{}
			select {
			case <-ctx.Done():
				b.stopped <- ctx.Err()
				return nil, ctx.Err()
			case <-b.release:
				b.stopped <- nil
				return mcp.NewToolResultText("released"), nil
			}
		},
	}
}

func waitFor[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}

func TestCallTimeout(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := New(Config{Version: "test-version", Service: testDeps(t), Logger: quietLogger(), CallTimeout: 200 * time.Millisecond})
	bt := newBlockingTool()
	s.AddTools(bt.serverTool())
	// A tool that ignores its context still gets an answer on time.
	stubborn := make(chan struct{})
	s.AddTool(mcp.NewTool("test_stubborn", mcp.WithDescription("test only: ignores its context")),
		func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			<-stubborn
			return mcp.NewToolResultText("late"), nil
		})
	defer close(stubborn)
	ts, _ := newTestHTTP(t, s, HTTPOptions{})
	c, err := startClient(t, ctx, ts.URL+EndpointPath)
	if err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	res, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "test_block"}})
	if err != nil {
		t.Fatalf("test_block: %v", err)
	}
	if got := waitFor(t, bt.stopped, "the handler to stop"); !errors.Is(got, context.DeadlineExceeded) {
		t.Errorf("handler context ended with %v, want DeadlineExceeded", got)
	}
	text := resultText(res)
	if !res.IsError || !strings.Contains(text, "took longer than 200ms") || !strings.Contains(text, "shorter window") || !strings.Contains(text, "one tunnel") {
		t.Errorf("timeout result = isError %v %q; want an error naming the limit and how to narrow the call", res.IsError, text)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the timed-out call took %v", d)
	}

	start = time.Now()
	res, err = c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "test_stubborn"}})
	if err != nil {
		t.Fatalf("test_stubborn: %v", err)
	}
	if !res.IsError || !strings.Contains(resultText(res), "Retry later") {
		t.Errorf("stubborn timeout result = %v %q", res.IsError, resultText(res))
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("a handler ignoring its context held the answer for %v", d)
	}

	// Real tools finish well inside the limit.
	res, err = c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "classify_vpn_message",
		Arguments: map[string]any{"message": "AWS tunnel is sending request (id=12) for CREATE_CHILD_SA"}}})
	if err != nil || res.IsError {
		t.Errorf("classify_vpn_message under the limit: %v %v", err, resultText(res))
	}
}

func TestNarrowingHint(t *testing.T) {
	deps := testDeps(t)
	want := map[string][]string{
		"get_vpn_timeline":     {"shorter window", "one tunnel", "anomalies_only=true"},
		"fetch_vpn_logs":       {"shorter window", "one stream", "smaller limit"},
		"diagnose_tunnel_drop": {"window_minutes"},
	}
	for _, st := range tools.All(deps) {
		hint := narrowingHint(st.Tool)
		for _, w := range want[st.Tool.Name] {
			if !strings.Contains(hint, w) {
				t.Errorf("%s: hint %q lacks %q", st.Tool.Name, hint, w)
			}
		}
		if st.Tool.Name == "classify_vpn_message" && hint != "" {
			t.Errorf("classify_vpn_message has nothing to narrow, hint %q", hint)
		}
	}
}

func resultText(res *mcp.CallToolResult) string {
	if res == nil {
		return ""
	}
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// rawSession opens a legacy MCP session with raw HTTP requests, to send
// what the Go client does not (notifications/cancelled over HTTP).
func rawSession(t *testing.T, ctx context.Context, url string) string {
	t.Helper()
	resp := post(t, ctx, url, initializeBody, nil)
	drain(resp)
	id := resp.Header.Get(sessionHeader)
	if resp.StatusCode != http.StatusOK || id == "" {
		t.Fatalf("initialize = %d, session %q", resp.StatusCode, id)
	}
	resp = post(t, ctx, url, `{"jsonrpc":"2.0","method":"notifications/initialized"}`, map[string]string{sessionHeader: id, "MCP-Protocol-Version": "2025-11-25"})
	if drain(resp); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("notifications/initialized = %d", resp.StatusCode)
	}
	return id
}

func TestCancellation(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s := New(Config{Version: "test-version", Service: testDeps(t), Logger: quietLogger()})
	bt := newBlockingTool()
	s.AddTools(bt.serverTool())
	ts, _ := newTestHTTP(t, s, HTTPOptions{})
	url := ts.URL + EndpointPath

	t.Run("notifications/cancelled over HTTP", func(t *testing.T) {
		id := rawSession(t, ctx, url)
		hdr := map[string]string{sessionHeader: id, "MCP-Protocol-Version": "2025-11-25"}
		callDone := make(chan string, 1)
		go func() {
			resp := post(t, ctx, url, `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"test_block","arguments":{}}}`, hdr)
			callDone <- drain(resp)
		}()
		waitFor(t, bt.started, "the tool to start")
		resp := post(t, ctx, url, `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7,"reason":"user pressed stop"}}`, hdr)
		if drain(resp); resp.StatusCode != http.StatusAccepted {
			t.Errorf("notifications/cancelled = %d, want 202", resp.StatusCode)
		}
		if got := waitFor(t, bt.stopped, "the handler to stop"); !errors.Is(got, context.Canceled) {
			t.Errorf("handler context ended with %v, want Canceled", got)
		}
		waitFor(t, callDone, "the cancelled call's response")
	})

	t.Run("cancelling another request id does nothing", func(t *testing.T) {
		id := rawSession(t, ctx, url)
		hdr := map[string]string{sessionHeader: id, "MCP-Protocol-Version": "2025-11-25"}
		callDone := make(chan string, 1)
		go func() {
			resp := post(t, ctx, url, `{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"test_block","arguments":{}}}`, hdr)
			callDone <- drain(resp)
		}()
		waitFor(t, bt.started, "the tool to start")
		drain(post(t, ctx, url, `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":9}}`, hdr))
		// Another session cancelling id 8 must not reach this call either.
		other := rawSession(t, ctx, url)
		drain(post(t, ctx, url, `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":8}}`, map[string]string{sessionHeader: other, "MCP-Protocol-Version": "2025-11-25"}))
		select {
		case err := <-bt.stopped:
			t.Fatalf("the handler stopped (%v) on a cancellation meant for another request", err)
		case <-time.After(300 * time.Millisecond):
		}
		bt.release <- struct{}{}
		if err := waitFor(t, bt.stopped, "the released handler"); err != nil {
			t.Errorf("released handler ended with %v", err)
		}
		if body := waitFor(t, callDone, "the released call's response"); !strings.Contains(body, "released") {
			t.Errorf("released call answered %q", body)
		}
	})

	t.Run("client disconnect", func(t *testing.T) {
		c, err := startClient(t, ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		callCtx, callCancel := context.WithCancel(ctx)
		errCh := make(chan error, 1)
		go func() {
			_, err := c.CallTool(callCtx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "test_block"}})
			errCh <- err
		}()
		waitFor(t, bt.started, "the tool to start")
		callCancel() // the Go client drops the HTTP request
		if got := waitFor(t, bt.stopped, "the handler to stop"); !errors.Is(got, context.Canceled) {
			t.Errorf("handler context ended with %v, want Canceled", got)
		}
		if err := waitFor(t, errCh, "CallTool to return"); err == nil {
			t.Error("CallTool succeeded although its context was cancelled")
		}
	})

	t.Run("notifications/cancelled over stdio", func(t *testing.T) {
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		sctx, scancel := context.WithCancel(ctx)
		served := make(chan error, 1)
		go func() { served <- ServeStdio(sctx, s, inR, outW, quietLogger()); outW.Close() }()
		go func() { _, _ = io.Copy(io.Discard, outR) }()
		for _, line := range []string{
			initializeBody,
			`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
			`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"test_block","arguments":{}}}`,
		} {
			if _, err := io.WriteString(inW, line+"\n"); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, bt.started, "the tool to start")
		if _, err := io.WriteString(inW, `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":5}}`+"\n"); err != nil {
			t.Fatal(err)
		}
		if got := waitFor(t, bt.stopped, "the handler to stop"); !errors.Is(got, context.Canceled) {
			t.Errorf("handler context ended with %v, want Canceled", got)
		}
		inW.Close()
		scancel()
		if err := waitFor(t, served, "ServeStdio to return"); err != nil {
			t.Errorf("ServeStdio = %v", err)
		}
	})
}

// TestShutdownFinishesInFlightCall: SIGTERM (ctx cancel) while a call runs
// lets the call finish and answer before the server stops.
func TestShutdownFinishesInFlightCall(t *testing.T) {
	s := New(Config{Version: "test-version", Service: testDeps(t), Logger: quietLogger()})
	bt := newBlockingTool()
	s.AddTools(bt.serverTool())
	addr, stop := serveInBackground(t, s, "127.0.0.1:0", HTTPOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := startClient(t, ctx, "http://"+addr+EndpointPath)
	if err != nil {
		t.Fatal(err)
	}
	type answer struct {
		res *mcp.CallToolResult
		err error
	}
	got := make(chan answer, 1)
	go func() {
		res, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "test_block"}})
		got <- answer{res, err}
	}()
	waitFor(t, bt.started, "the tool to start")
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	// The server is draining: the call is still running, not cancelled.
	select {
	case err := <-bt.stopped:
		t.Fatalf("shutdown cancelled the in-flight call: %v", err)
	case err := <-stopped:
		t.Fatalf("ServeHTTP returned (%v) with a call in flight", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(bt.release)
	a := waitFor(t, got, "the in-flight call's answer")
	if a.err != nil || a.res == nil || resultText(a.res) != "released" {
		t.Errorf("in-flight call during shutdown = %v %q, want its normal answer", a.err, resultText(a.res))
	}
	if err := waitFor(t, stopped, "ServeHTTP to return"); err != nil {
		t.Errorf("ServeHTTP after draining = %v, want nil", err)
	}
	if _, err := http.Get("http://" + addr + HealthPath); err == nil {
		t.Error("server still answers after shutdown")
	}
}

// TestModernProtocolClient: a client of protocol 2026-07-28 (no sessions,
// every request on its own) works behind the same gate, and holds no
// session place.
func TestModernProtocolClient(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := New(Config{Version: "test-version", Service: testDeps(t), Logger: quietLogger()})
	ts, h := newTestHTTP(t, s, HTTPOptions{MaxSessions: 1, Token: testToken})
	c, err := client.NewStreamableHttpClient(ts.URL+EndpointPath, transport.WithHTTPLogger(quietLogger()),
		transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + testToken}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	var ir mcp.InitializeRequest // no version pinned: the client tries the modern protocol first
	ir.Params.ClientInfo = mcp.Implementation{Name: "modern", Version: "0"}
	res, err := c.Initialize(ctx, ir)
	if err != nil {
		t.Fatalf("initialize: %v", err)
	}
	if !mcp.IsModernProtocol(res.ProtocolVersion) {
		t.Skipf("negotiated %s, not a modern protocol version", res.ProtocolVersion)
	}
	for range 3 {
		r, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "classify_vpn_message",
			Arguments: map[string]any{"message": "AWS tunnel detected a pre-shared key mismatch with cgw: 198.51.100.7"}}})
		if err != nil || r.IsError {
			t.Fatalf("modern tools/call: %v %q", err, resultText(r))
		}
	}
	if n := h.Sessions(); n != 0 {
		t.Errorf("a modern client holds %d session places, want 0", n)
	}
	// A legacy client still gets the one session place.
	if _, err := startClient(t, ctx, ts.URL+EndpointPath, transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + testToken})); err != nil {
		t.Errorf("legacy client next to a modern one: %v", err)
	}
}

// TestSessionlessRequestsAtSessionLimit: a request of protocol 2026-07-28
// never creates a session, so a full session table does not refuse it with
// 503: it gets mcp-go's own answer (initialize was removed: -32601 with
// 404; GET is not part of that protocol: 405), and a tool list is served.
func TestSessionlessRequestsAtSessionLimit(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := New(Config{Version: "test-version", Service: testDeps(t), Logger: quietLogger()})
	ts, h := newTestHTTP(t, s, HTTPOptions{MaxSessions: 1})
	url := ts.URL + EndpointPath
	if _, err := startClient(t, ctx, url); err != nil {
		t.Fatal(err)
	}
	if resp := post(t, ctx, url, initializeBody, nil); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("legacy initialize at the limit = %d, want 503", resp.StatusCode)
	} else {
		drain(resp)
	}

	const meta = `"_meta":{"io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"m","version":"0"},"io.modelcontextprotocol/protocolVersion":"2026-07-28"}`
	modern := func(method string) map[string]string {
		return map[string]string{"Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": method}
	}
	resp := post(t, ctx, url, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2026-07-28","capabilities":{},"clientInfo":{"name":"m","version":"0"},`+meta+`}}`, modern("initialize"))
	if body := drain(resp); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "-32601") {
		t.Errorf("a 2026-07-28 initialize at the session limit = %d %q, want 404 with -32601 (no such method)", resp.StatusCode, body)
	}
	resp = post(t, ctx, url, `{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{`+meta+`}}`, modern("tools/list"))
	if body := drain(resp); resp.StatusCode != http.StatusOK || !strings.Contains(body, "diagnose_tunnel_drop") {
		t.Errorf("a 2026-07-28 tools/list at the session limit = %d %.200q, want 200 with the tools", resp.StatusCode, body)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2026-07-28")
	gr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if body := drain(gr); gr.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("a 2026-07-28 GET at the session limit = %d %q, want 405", gr.StatusCode, body)
	}
	if n := h.Sessions(); n != 1 {
		t.Errorf("%d sessions, want the legacy client's one", n)
	}
}
