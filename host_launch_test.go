package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"
)

// These helpers start vpnlens the way an MCP host does: a command, its
// arguments and an environment made only of what the host passes (the MCP
// SDKs' default set plus the entry's "env"), then speak MCP over
// stdin/stdout as the host would: initialize, initialized, tools/list.

// hostLaunch is one server entry as a host reads it from its configuration.
type hostLaunch struct {
	Command string
	Args    []string
	Env     map[string]string
}

// hostSession is what the host learnt from a started server.
type hostSession struct {
	ServerName    string
	ServerVersion string
	Tools         []string
	// Call answers tools/call on the running server (nil after the
	// session is closed).
	call func(name string, args any) json.RawMessage
}

// hostBaseEnv is the environment an MCP host gives a stdio server besides
// the entry's own "env": the official TypeScript SDK's stdio client (Claude
// Desktop, Claude Code) passes HOME, LOGNAME, PATH, SHELL, TERM and USER
// and nothing else; VS Code passes its own environment, of which this is
// the stricter part. home is the user's home folder the host would pass;
// PATH holds only system folders, never the folder of the binary under
// test.
func hostBaseEnv(home string) map[string]string {
	return map[string]string{
		"HOME":    home,
		"LOGNAME": "tester",
		"USER":    "tester",
		"PATH":    "/usr/bin:/bin",
		"SHELL":   "/bin/sh",
		"TERM":    "dumb",
	}
}

// startAsHost starts l with exactly base+l.Env as its environment, in dir,
// completes the MCP handshake and tools/list, and runs use while the server
// is up. It fails the test with the server's stderr when anything goes
// wrong.
func startAsHost(t *testing.T, l hostLaunch, base map[string]string, dir string, use func(*hostSession)) hostSession {
	t.Helper()
	env := map[string]string{}
	for k, v := range base {
		env[k] = v
	}
	for k, v := range l.Env {
		env[k] = v
	}
	var envList []string
	for k, v := range env {
		envList = append(envList, k+"="+v)
	}
	sort.Strings(envList)

	// The host resolves a bare command name through its PATH; the
	// snippets name the binary by path.
	cmd := exec.Command(l.Command, l.Args...)
	cmd.Env = envList
	cmd.Dir = dir
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s %q: %v", l.Command, l.Args, err)
	}
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		stdin.Close() // a stdio server stops when its input ends
		exited := make(chan error, 1)
		go func() {
			for range lines {
			} // read what is left, so the server never blocks on stdout
			exited <- cmd.Wait()
		}()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("%s did not stop within 10 s of its stdin closing", l.Command)
		}
	}
	defer stop()

	id := 0
	fail := func(format string, a ...any) {
		t.Helper()
		stop()
		t.Fatalf("%s %q: %s\nstderr:\n%s", l.Command, l.Args, fmt.Sprintf(format, a...), stderr.String())
	}
	rpc := func(method string, params any) json.RawMessage {
		t.Helper()
		id++
		msg, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
		if _, err := stdin.Write(append(msg, '\n')); err != nil {
			fail("write %s: %v", method, err)
		}
		deadline := time.After(60 * time.Second)
		for {
			select {
			case line, ok := <-lines:
				if !ok {
					fail("stdout closed before the answer to %s (exit: %v)", method, cmd.ProcessState)
				}
				var m struct {
					ID     json.RawMessage `json:"id"`
					Result json.RawMessage `json:"result"`
					Error  json.RawMessage `json:"error"`
				}
				if err := json.Unmarshal([]byte(line), &m); err != nil {
					fail("stdout carries a line that is not JSON-RPC: %q", line)
				}
				if string(m.ID) != fmt.Sprint(id) {
					continue // a notification or log message
				}
				if len(m.Error) > 0 {
					fail("%s: error %s", method, m.Error)
				}
				return m.Result
			case <-deadline:
				fail("no answer to %s within 60 s", method)
			}
		}
	}

	var init struct {
		ServerInfo struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"serverInfo"`
	}
	res := rpc("initialize", map[string]any{
		"protocolVersion": "2025-06-18",
		"capabilities":    map[string]any{},
		"clientInfo":      map[string]any{"name": "host-snippet-test", "version": "1"},
	})
	if err := json.Unmarshal(res, &init); err != nil {
		fail("initialize result %s: %v", res, err)
	}
	note, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "notifications/initialized"})
	if _, err := stdin.Write(append(note, '\n')); err != nil {
		fail("write initialized: %v", err)
	}
	var list struct {
		Tools []struct {
			Name string `json:"name"`
		} `json:"tools"`
	}
	res = rpc("tools/list", map[string]any{})
	if err := json.Unmarshal(res, &list); err != nil {
		fail("tools/list result %s: %v", res, err)
	}
	s := hostSession{ServerName: init.ServerInfo.Name, ServerVersion: init.ServerInfo.Version}
	for _, tool := range list.Tools {
		s.Tools = append(s.Tools, tool.Name)
	}
	if len(s.Tools) == 0 {
		fail("tools/list listed no tools")
	}
	if use != nil {
		s.call = func(name string, args any) json.RawMessage {
			t.Helper()
			return rpc("tools/call", map[string]any{"name": name, "arguments": args})
		}
		use(&s)
		s.call = nil
	}
	stop()
	if cmd.ProcessState != nil && !cmd.ProcessState.Success() {
		t.Errorf("%s %q exited with %v after its input closed\nstderr:\n%s", l.Command, l.Args, cmd.ProcessState, stderr.String())
	}
	return s
}

// lockedBuffer collects a child's stderr while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var (
	stampedOnce sync.Once
	stampedBin  string
	stampedErr  error
)

// Stamped build values, as a release build sets them.
const (
	testReleaseVersion = "v9.8.7"
	testReleaseCommit  = "0123456789abcdef0123456789abcdef01234567"
)

// stampedBinary builds vpnlens once per test run the way a release does:
// CGO off, -trimpath, version and commit stamped at link time.
func stampedBinary(t *testing.T) string {
	t.Helper()
	stampedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "vpnlens-stamped-")
		if err != nil {
			stampedErr = err
			return
		}
		stampedBin = filepath.Join(dir, "vpnlens")
		cmd := exec.Command("go", "build", "-trimpath",
			"-ldflags", "-s -w -X main.version="+testReleaseVersion+" -X main.commit="+testReleaseCommit,
			"-o", stampedBin, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			stampedErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if stampedErr != nil {
		t.Fatal(stampedErr)
	}
	return stampedBin
}
