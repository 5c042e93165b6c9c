package loadtest_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vpnlens/vpnlens/internal/loadtest"
	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/server"
	"github.com/vpnlens/vpnlens/source"
)

// The full load is opt-in: go test ./internal/loadtest -run TestLoad -load
// (-load.sessions, -load.calls to change its size).
var (
	loadFlag     = flag.Bool("load", false, "run the full HTTP load test (TestLoad)")
	loadSessions = flag.Int("load.sessions", 50, "concurrent MCP sessions in TestLoad")
	loadCalls    = flag.Int("load.calls", 20, "tool calls per session in TestLoad")
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const demoDir = "../../testdata/demo"

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func demoCalls(t *testing.T) []loadtest.Call {
	t.Helper()
	f, err := os.Open(filepath.Join(demoDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	calls, err := loadtest.DemoCalls(f)
	if err != nil {
		t.Fatal(err)
	}
	return calls
}

// inProcessServer serves the demo data over HTTP on loopback from this
// process.
func inProcessServer(t *testing.T, o server.HTTPOptions) (string, *server.HTTPHandler) {
	t.Helper()
	local, err := source.OpenFS(source.HideFiles(os.DirFS(demoDir), "expected.json"), "demo", quiet())
	if err != nil {
		t.Fatal(err)
	}
	deps := &investigate.Service{Inventory: local, Logs: local, Limits: investigate.DefaultLimits, Logger: quiet()}
	s := server.New(server.Config{Version: "load", Service: deps})
	o.Logger = quiet()
	h, err := server.NewHTTPHandler(s, o)
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
	return ts.URL + server.EndpointPath, h
}

// heapPeak samples the live heap until stopped and returns the peak.
func heapPeak() (stop func() uint64) {
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(samples)
			peak = max(peak, samples[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return func() uint64 { close(done); wg.Wait(); return peak }
}

// vmHWM is a process's peak resident set size (Linux), or 0.
func vmHWM(pid string) uint64 { return procStatusKB(pid, "VmHWM:") }

// procStatusKB reads one kB field of /proc/PID/status (Linux) in bytes, or 0.
func procStatusKB(pid, field string) uint64 {
	f, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// TestLoadShort is the always-on slice of the load: a few sessions, with
// and without a token, zero errors, and every session ended afterwards.
func TestLoadShort(t *testing.T) {
	calls := demoCalls(t)
	for _, tc := range []struct {
		name  string
		token string
	}{{"open", ""}, {"token", "load-test-token-0123456789"}} {
		t.Run(tc.name, func(t *testing.T) {
			url, h := inProcessServer(t, server.HTTPOptions{Token: tc.token, MaxSessions: 8})
			rep, err := loadtest.Run(context.Background(), loadtest.Config{
				URL: url, Sessions: 6, CallsPerSession: 6, Calls: calls, Timeout: 60 * time.Second, Token: tc.token,
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("\n%s", rep)
			if rep.Errors != 0 || rep.Calls != 36 || rep.All.Count != 36 {
				t.Errorf("%d errors, %d calls, %d timed; want 0, 36, 36\n%s", rep.Errors, rep.Calls, rep.All.Count, rep)
			}
			if rep.PerTool["diagnose_tunnel_drop"].Count == 0 || rep.PerTool["get_vpn_timeline"].Count == 0 {
				t.Errorf("both tools should be called: %v", rep.PerTool)
			}
			// Clients end their sessions with DELETE (with the token too).
			if n := h.Sessions(); n != 0 {
				t.Errorf("%d sessions left after every client closed", n)
			}
		})
	}
}

// TestLoadOverSessionLimit: more concurrent sessions than --max-sessions
// allows are refused with errors the report counts, not hangs or panics.
func TestLoadOverSessionLimit(t *testing.T) {
	url, _ := inProcessServer(t, server.HTTPOptions{MaxSessions: 2})
	rep, err := loadtest.Run(context.Background(), loadtest.Config{
		URL: url, Sessions: 12, CallsPerSession: 30, Calls: demoCalls(t), Timeout: 60 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Errors == 0 {
		t.Fatalf("12 concurrent sessions against --max-sessions 2 gave no errors:\n%s", rep)
	}
	for _, e := range rep.ErrorSamples {
		if !strings.Contains(e, "initialize") || !strings.Contains(e, "503") {
			t.Errorf("unexpected error beyond the session limit: %s", e)
		}
	}
}

func TestSummaryPercentiles(t *testing.T) {
	// One fast call per tool and a timeout-free run: percentiles are
	// ordered and the counts add up.
	url, _ := inProcessServer(t, server.HTTPOptions{})
	rep, err := loadtest.Run(context.Background(), loadtest.Config{URL: url, Sessions: 2, CallsPerSession: 10, Calls: demoCalls(t)})
	if err != nil {
		t.Fatal(err)
	}
	a := rep.All
	if !(a.P50 <= a.P90 && a.P90 <= a.P99 && a.P99 <= a.Max && a.P50 > 0) {
		t.Errorf("percentiles out of order: %s", a)
	}
	sum := 0
	for _, l := range rep.PerTool {
		sum += l.Count
	}
	if sum != a.Count || a.Count != 20 {
		t.Errorf("per-tool counts %d, all %d, want 20", sum, a.Count)
	}
	if _, err := loadtest.Run(context.Background(), loadtest.Config{URL: url}); err == nil {
		t.Error("Run without sessions or calls did not fail")
	}
}

// TestLoad is the full run (opt-in with -load): against the real binary
// (server memory is then the server's alone) and in process (live heap).
func TestLoad(t *testing.T) {
	if !*loadFlag {
		t.Skip("opt-in: go test ./internal/loadtest -run TestLoad -load")
	}
	sessions, perSession := *loadSessions, *loadCalls
	calls := demoCalls(t)
	cfg := loadtest.Config{Sessions: sessions, CallsPerSession: perSession, Calls: calls, Timeout: 5 * time.Minute}

	t.Run("binary", func(t *testing.T) {
		bin := buildBinary(t)
		url, pid, stop := startBinary(t, bin, nil, "--max-sessions", strconv.Itoa(sessions+10))
		before := vmHWM(pid)
		c := cfg
		c.URL = url
		rep, err := loadtest.Run(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		peak := vmHWM(pid)
		stop()
		t.Logf("real binary, GOMAXPROCS=%d:\n%sserver peak RSS %s (after start %s)", runtime.GOMAXPROCS(0), rep, mib(peak), mib(before))
		if rep.Errors != 0 || rep.Calls != sessions*perSession {
			t.Errorf("%d errors in %d calls, want 0 in %d", rep.Errors, rep.Calls, sessions*perSession)
		}
	})

	t.Run("in-process", func(t *testing.T) {
		url, _ := inProcessServer(t, server.HTTPOptions{MaxSessions: sessions + 10})
		runtime.GC()
		stopHeap := heapPeak()
		c := cfg
		c.URL = url
		rep, err := loadtest.Run(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		peak := stopHeap()
		t.Logf("in process (server and clients share the heap):\n%speak live heap %s, test process peak RSS %s", rep, mib(peak), mib(vmHWM("self")))
		if rep.Errors != 0 || rep.Calls != sessions*perSession {
			t.Errorf("%d errors in %d calls, want 0 in %d", rep.Errors, rep.Calls, sessions*perSession)
		}
	})
}

var urlRE = regexp.MustCompile(`url=(http://\S+/mcp)`)

// buildBinary builds vpnlens into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "vpnlens")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startBinary runs `vpnlens serve --demo --http 127.0.0.1:0` with env added
// to the environment (VPNLENS_TOKEN is empty unless env sets it) and waits
// for its URL.
func startBinary(t *testing.T, bin string, env []string, args ...string) (url, pid string, stop func()) {
	t.Helper()
	// Default logging (info, one line per request), as deployed.
	cmd := exec.Command(bin, append([]string{"serve", "--demo", "--http", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(append(os.Environ(), "VPNLENS_TOKEN="), env...)
	var mu sync.Mutex
	var stderr strings.Builder
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			mu.Lock()
			stderr.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if m := urlRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop = func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	select {
	case url = <-found:
	case <-exited:
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("vpnlens exited early:\n%s", stderr.String())
	case <-time.After(30 * time.Second):
		stop()
		t.Fatal("vpnlens did not log its URL")
	}
	return url, strconv.Itoa(cmd.Process.Pid), stop
}
