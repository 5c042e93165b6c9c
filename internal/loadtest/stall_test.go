package loadtest_test

import (
	"context"
	"flag"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/internal/loadtest"
)

// The stalled-connection measurement is opt-in:
// go test ./internal/loadtest -run 'TestStall$' -stall -v
var (
	stallFlag  = flag.Bool("stall", false, "run the stalled-connection measurement against the binary (TestStall)")
	stallConns = flag.Int("stall.conns", 800, "connections TestStall opens (spread over every kind of stall)")
	stallWait  = flag.Duration("stall.wait", 40*time.Second, "how long TestStall watches the connections")
	stallArgs  = flag.String("stall.args", "", "extra flags for `vpnlens serve` in TestStall (space-separated)")
)

const stallToken = "stall-test-token-0123456789abcdef"

// TestStall opens -stall.conns connections that never finish their
// request (headers with Content-Length and no body, with and without the
// token, from a foreign origin, bodies and headers trickled a byte every
// 0.5 s, silent connections) against `vpnlens serve --demo --http
// 127.0.0.1:0` with a token, and reports every 5 s how many the server
// still holds, with its file descriptors and resident memory. With the
// default limits (30 s per request, 10 s for headers) every connection
// must be closed by the end, and the server's descriptors back near where
// they started.
func TestStall(t *testing.T) {
	if !*stallFlag {
		t.Skip("opt-in: go test ./internal/loadtest -run 'TestStall$' -stall -v")
	}
	bin := buildBinary(t)
	u, pid, stop := startBinary(t, bin, []string{"VPNLENS_TOKEN=" + stallToken}, strings.Fields(*stallArgs)...)
	defer stop()
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	baseFDs, baseRSS := fdCount(pid), vmRSS(pid)
	t.Logf("server started: %d fds, RSS %s", baseFDs, mib(baseRSS))

	run, err := loadtest.OpenStalled(context.Background(), loadtest.StallConfig{Addr: parsed.Host, Token: stallToken, Conns: *stallConns})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	for next := 5 * time.Second; ; next += 5 * time.Second {
		if d := next - run.Elapsed(); d > 0 {
			time.Sleep(d)
		}
		t.Logf("after %2.0fs: %4d of %d connections open; server %d fds, RSS %s", run.Elapsed().Seconds(), run.Open(), *stallConns, fdCount(pid), mib(vmRSS(pid)))
		if next >= *stallWait {
			break
		}
	}
	counts := run.Counts()
	t.Logf("after %.0fs:\n%s", run.Elapsed().Seconds(), loadtest.FormatCounts(counts))
	if n := run.Open(); n > 0 {
		t.Errorf("%d connections still open after %s", n, *stallWait)
	}
	run.Close()
	time.Sleep(time.Second)
	fds := fdCount(pid)
	t.Logf("client side closed: server %d fds (%d at start), RSS %s (%s at start)", fds, baseFDs, mib(vmRSS(pid)), mib(baseRSS))
	if fds > baseFDs+5 {
		t.Errorf("server holds %d fds after every client closed, %d at start", fds, baseFDs)
	}
}

// fdCount is the number of open file descriptors of a process (Linux).
func fdCount(pid string) int {
	ents, err := os.ReadDir("/proc/" + pid + "/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// vmRSS is a process's resident set size (Linux), or 0.
func vmRSS(pid string) uint64 { return procStatusKB(pid, "VmRSS:") }
