package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"go.uber.org/goleak"
)

// These tests build the real binary and drive it the way MCP hosts do:
// Claude Desktop over stdin/stdout, remote clients over HTTP.

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

// TestMain fails the package when a test leaves goroutines behind (a
// handler that outlives its call, a session sweeper never stopped).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		if binDir != "" {
			os.RemoveAll(binDir)
		}
		os.Exit(code)
	}))
}

// vpnlensBinary builds the vpnlens command once per test run.
func vpnlensBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "vpnlens-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "vpnlens")
		cmd := exec.Command("go", "build", "-o", binPath, ".")
		cmd.Dir = ".."
		out, err := cmd.CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// rpcLine is one JSON-RPC 2.0 message as written on the wire.
type rpcLine struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   json.RawMessage `json:"error,omitempty"`
}

// checkRPCLine reports why line is not a JSON-RPC 2.0 message, or "".
func checkRPCLine(line string) string {
	var m rpcLine
	dec := json.NewDecoder(strings.NewReader(line))
	if err := dec.Decode(&m); err != nil {
		return "not JSON: " + err.Error()
	}
	if dec.More() {
		return "more than one JSON value on the line"
	}
	if m.JSONRPC != "2.0" {
		return fmt.Sprintf("jsonrpc = %q, want 2.0", m.JSONRPC)
	}
	isResponse := len(m.ID) > 0 && (len(m.Result) > 0 || len(m.Error) > 0)
	if !isResponse && m.Method == "" {
		return "neither a response (id + result/error) nor a request/notification (method)"
	}
	return ""
}

type stdioPeer struct {
	t      *testing.T
	stdin  io.WriteCloser
	lines  chan string
	all    []string
	nextID int
}

func (p *stdioPeer) send(msg string) {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, msg+"\n"); err != nil {
		p.t.Fatalf("write to stdin: %v", err)
	}
}

// call sends a request and waits for the response with the same id,
// keeping every line seen for the wire check.
func (p *stdioPeer) call(method, params string) rpcLine {
	p.t.Helper()
	p.nextID++
	id := p.nextID
	if params == "" {
		params = "{}"
	}
	p.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":%q,"params":%s}`, id, method, params))
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				p.t.Fatalf("%s: stdout closed before the response", method)
			}
			p.all = append(p.all, line)
			var m rpcLine
			if json.Unmarshal([]byte(line), &m) != nil {
				continue // reported by the wire check
			}
			if string(m.ID) == fmt.Sprint(id) {
				if len(m.Error) > 0 {
					p.t.Fatalf("%s: error %s", method, m.Error)
				}
				return m
			}
		case <-timeout:
			p.t.Fatalf("%s: no response in 30s", method)
		}
	}
}

func TestStdioBinary(t *testing.T) {
	bin := vpnlensBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve", "--demo", "--log-level", "debug")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &stdioPeer{t: t, stdin: stdin, lines: make(chan string, 64)}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()

	init := p.call("initialize", `{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"stdio-test","version":"0"}}`)
	if !strings.Contains(string(init.Result), `"name":"vpnlens"`) {
		t.Errorf("initialize result = %s, want serverInfo.name vpnlens", init.Result)
	}
	p.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	p.call("ping", "")
	list := p.call("tools/list", "")
	var tl struct {
		Tools []struct {
			Name string `json:"name"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(list.Result, &tl); err != nil {
		t.Fatalf("tools/list result: %v", err)
	}
	// A tool call exercises the worker pool and, with --log-level debug,
	// makes the server log while it answers: none of it may reach stdout.
	for _, tool := range tl.Tools {
		if tool.Name == "classify_vpn_message" {
			res := p.call("tools/call", `{"name":"classify_vpn_message","arguments":{"message":"AWS-side peer sent a Hold Timer Expired notification to neighbor 169.254.10.1"}}`)
			if !strings.Contains(string(res.Result), "bgp.hold_timer_expired") {
				t.Errorf("classify_vpn_message result = %s, want bgp.hold_timer_expired", res.Result)
			}
		}
	}
	p.call("logging/setLevel", `{"level":"debug"}`)

	// Closing stdin is how hosts end a stdio server.
	stdin.Close()
	for line := range p.lines {
		p.all = append(p.all, line)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("vpnlens serve exited with %v after stdin closed, want 0\nstderr:\n%s", err, stderr.String())
	}
	if len(p.all) < 4 {
		t.Errorf("stdout had %d lines, want at least 4 responses", len(p.all))
	}
	for i, line := range p.all {
		if why := checkRPCLine(line); why != "" {
			t.Errorf("stdout line %d is not JSON-RPC (%s): %q", i+1, why, line)
		}
	}
	for _, want := range []string{"vpnlens starting", "serving MCP over stdio", "mcp.request"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q; stderr:\n%s", want, stderr.String())
		}
	}
	if strings.Contains(stderr.String(), "\x1b[") {
		t.Error("stderr has colour escapes although it is not a terminal")
	}
}

var urlRE = regexp.MustCompile(`url=(http://\S+/mcp)`)

// syncBuffer is a bytes.Buffer safe for the process writer and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestHTTPBinary(t *testing.T) {
	bin := vpnlensBinary(t)
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		env   []string
		token string
	}{
		{"loopback", []string{"--http", "127.0.0.1:0"}, nil, ""},
		{"all interfaces with --token-file", []string{"--http", "0.0.0.0:0", "--token-file", tokenFile}, nil, testToken},
		{"loopback with VPNLENS_TOKEN", []string{"--http", "127.0.0.1:0"}, []string{"VPNLENS_TOKEN=" + testToken}, testToken},
	} {
		t.Run(tc.name, func(t *testing.T) { testHTTPBinary(t, bin, tc.args, tc.env, tc.token) })
	}
}

func testHTTPBinary(t *testing.T, bin string, args, env []string, token string) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"serve", "--demo"}, args...)...)
	cmd.Env = append(append(os.Environ(), "VPNLENS_TOKEN="), env...)
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	var url string
	deadline := time.Now().Add(20 * time.Second)
	for url == "" {
		if m := urlRE.FindStringSubmatch(stderr.String()); m != nil {
			url = m[1]
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("vpnlens exited early: %v\nstderr:\n%s", err, stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no listening URL logged in 20s; stderr:\n%s", stderr.String())
		}
	}
	// A wildcard listener logs 0.0.0.0 or [::]; talk to it over loopback.
	if i := strings.LastIndex(url, ":"); strings.HasPrefix(url, "http://0.0.0.0:") || strings.HasPrefix(url, "http://[::]:") {
		url = "http://127.0.0.1" + url[i:]
	}

	resp, err := http.Get(strings.TrimSuffix(url, EndpointPath) + HealthPath)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "ok" {
		t.Errorf("/healthz = %d %q, want 200 ok", resp.StatusCode, body)
	}

	var opts []transport.StreamableHTTPCOption
	if token != "" {
		unauth, err := client.NewStreamableHttpClient(url, transport.WithHTTPLogger(quietLogger()))
		if err != nil {
			t.Fatal(err)
		}
		if err := unauth.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := unauth.Initialize(ctx, initRequest()); err == nil || !(strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "authorization required")) {
			t.Errorf("initialize without the token = %v, want 401", err)
		}
		unauth.Close()
		opts = append(opts, transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + token}))
	}
	c, err := client.NewStreamableHttpClient(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := c.Initialize(ctx, initRequest())
	if err != nil {
		t.Fatalf("initialize: %v", err)
	}
	if res.ServerInfo.Name != Name {
		t.Errorf("serverInfo.name = %q", res.ServerInfo.Name)
	}
	if err := c.Ping(ctx); err != nil {
		t.Errorf("ping: %v", err)
	}
	c.Close()

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM = %v, want 0\nstderr:\n%s", err, stderr.String())
		}
	case <-time.After(shutdownGrace + 5*time.Second):
		cmd.Process.Kill()
		t.Fatal("no exit after SIGTERM")
	}
	if stdout.String() != "" {
		t.Errorf("HTTP mode wrote to stdout: %q", stdout.String())
	}
	if !strings.Contains(stderr.String(), "shutting down HTTP server") {
		t.Errorf("stderr lacks the shutdown line:\n%s", stderr.String())
	}
	if token != "" && strings.Contains(stderr.String(), token) {
		t.Error("the token appears in the log")
	}
}

func TestCommandLine(t *testing.T) {
	bin := vpnlensBinary(t)
	tokenDir := t.TempDir()
	shortToken := filepath.Join(tokenDir, "short")
	if err := os.WriteFile(shortToken, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
		env        []string
	}{
		// Without --demo or --logs-dir the AWS source is used; with no
		// region configured that is a usage error either way.
		{"no source", []string{"serve"}, 2, "", "vpnlens serve:", []string{"AWS_REGION=", "AWS_DEFAULT_REGION=", "AWS_CONFIG_FILE=/nonexistent", "AWS_PROFILE=", "AWS_EC2_METADATA_DISABLED=true"}},
		{"all interfaces without a token", []string{"serve", "--demo", "--http", "0.0.0.0:0"}, 2, "", "requires a bearer token", nil},
		{"ipv6 any without a token", []string{"serve", "--demo", "--http", "[::]:0"}, 2, "", "--token-file", nil},
		{"short token", []string{"serve", "--demo", "--http", "0.0.0.0:0", "--token-file", shortToken}, 2, "", "at least 16", nil},
		{"short env token", []string{"serve", "--demo", "--http", "127.0.0.1:0"}, 2, "", "VPNLENS_TOKEN", []string{"VPNLENS_TOKEN=abc"}},
		{"token file without http", []string{"serve", "--demo", "--token-file", shortToken}, 2, "", "--token-file only apply with --http", nil},
		{"OAuth and a static token", []string{"serve", "--demo", "--http", "127.0.0.1:0", "--oauth-issuer", "https://login.example.com"}, 2, "", "exclude each other", []string{"VPNLENS_TOKEN=0123456789abcdef0123"}},
		// Nothing listens on port 1: discovery fails, the server does not start.
		{"OAuth issuer unreachable", []string{"serve", "--demo", "--http", "127.0.0.1:0", "--oauth-issuer", "http://127.0.0.1:1"}, 1, "", "authorization server metadata http://127.0.0.1:1/.well-known/oauth-authorization-server", nil},
		{"tls cert without key", []string{"serve", "--demo", "--http", "127.0.0.1:0", "--tls-cert", shortToken}, 2, "", "--tls-cert and --tls-key go together", nil},
		{"bad origin", []string{"serve", "--demo", "--http", "127.0.0.1:0", "--allow-origin", "example.com"}, 2, "", "--allow-origin", nil},
		{"bad max body", []string{"serve", "--demo", "--http", "127.0.0.1:0", "--max-body", "lots"}, 2, "", "512KiB", nil},
		{"zero sessions", []string{"serve", "--demo", "--http", "127.0.0.1:0", "--max-sessions", "0"}, 2, "", "--max-sessions", nil},
		{"negative call timeout", []string{"serve", "--demo", "--call-timeout", "-1s"}, 2, "", "--call-timeout", nil},
		{"both sources", []string{"serve", "--demo", "--logs-dir", "."}, 2, "", "exclude each other", nil},
		{"bad log level", []string{"serve", "--demo", "--log-level", "loud"}, 2, "", "--log-level", nil},
		{"missing logs dir", []string{"serve", "--logs-dir", "/nonexistent/vpnlens"}, 1, "", "/nonexistent/vpnlens", nil},
		{"stray argument", []string{"serve", "--demo", "extra"}, 2, "", "unexpected arguments", nil},
		{"unknown flag", []string{"serve", "--nope"}, 2, "", "unknown flag: --nope", nil},
		{"unknown command", []string{"frobnicate"}, 2, "", `unknown command "frobnicate"`, nil},
		{"no command", nil, 2, "", "Usage:", nil},
		{"version", []string{"version"}, 0, "vpnlens ", "", nil},
		{"help", []string{"help"}, 0, "vpnlens serve", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, tc.args...)
			cmd.Env = append(os.Environ(), "VPNLENS_TOKEN=")
			cmd.Env = append(cmd.Env, tc.env...)
			cmd.Stdin = strings.NewReader("")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.wantCode {
				t.Errorf("exit code = %d, want %d\nstderr:\n%s", code, tc.wantCode, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.wantStdout) {
				t.Errorf("stdout = %q, want it to contain %q", stdout.String(), tc.wantStdout)
			}
			if !strings.Contains(stderr.String(), tc.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tc.wantStderr)
			}
		})
	}
}

// TestStdioLargeMessageBinary sends `vpnlens serve --demo` one tools/call
// message of 16 MiB (VPNLENS_STDIO_MB to change), its id last as the
// TypeScript SDK writes it, and checks that it is refused under that id
// and the session goes on. It logs how long the refusal took and the
// server's peak RSS: VPNLENS_STDIO_MB=100 go test ./server -run
// TestStdioLargeMessageBinary -v
func TestStdioLargeMessageBinary(t *testing.T) {
	size := 16
	if v := os.Getenv("VPNLENS_STDIO_MB"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 5 {
			t.Fatalf("VPNLENS_STDIO_MB=%q: want a number of MiB above the 4 MiB limit", v)
		}
		size = n
	}
	bin := vpnlensBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve", "--demo", "--log-level", "warn")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	p := &stdioPeer{t: t, stdin: stdin, lines: make(chan string, 64)}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	p.call("initialize", `{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"stdio-test","version":"0"}}`)
	p.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	_, rssBefore := procStatus(cmd.Process.Pid)

	start := time.Now()
	go func() {
		w := bufio.NewWriterSize(stdin, 1<<20)
		_, _ = w.WriteString(`{"method":"tools/call","params":{"name":"classify_vpn_message","arguments":{"message":"`)
		_, _ = io.Copy(w, io.LimitReader(repeated('A'), int64(size)<<20))
		_, _ = w.WriteString(`"}},"jsonrpc":"2.0","id":"big"}` + "\n")
		_ = w.Flush()
	}()
	select {
	case line := <-p.lines:
		var m rpcLine
		_ = json.Unmarshal([]byte(line), &m)
		if string(m.ID) != `"big"` || !strings.Contains(string(m.Error), "-32600") || !strings.Contains(string(m.Error), "at most 4194304 bytes") {
			t.Errorf("answer to a %d MiB message: %.300s, want -32600 under its id naming the 4 MiB limit", size, line)
		}
	case <-time.After(90 * time.Second):
		t.Fatalf("no answer to a %d MiB message in 90 s", size)
	}
	took := time.Since(start)
	p.call("ping", "")
	peak, _ := procStatus(cmd.Process.Pid)
	t.Logf("a %d MiB message refused in %s; server peak RSS %.1f MiB (%.1f MiB before it)", size, took.Round(time.Millisecond), float64(peak)/(1<<20), float64(rssBefore)/(1<<20))
}

// procStatus reads a process's peak and current resident set size in bytes
// (Linux; zeros elsewhere).
func procStatus(pid int) (hwm, rss uint64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		field, rest, _ := strings.Cut(l, ":")
		kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
		switch field {
		case "VmHWM":
			hwm = kb << 10
		case "VmRSS":
			rss = kb << 10
		}
	}
	return hwm, rss
}
