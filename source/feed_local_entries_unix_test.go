//go:build unix

package source

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/vpnlog"
)

// releaseFIFOs opens each named pipe for writing without blocking, which
// lets a reader stuck opening it go on (to its end of file).
func releaseFIFOs(fifos []string) {
	for _, p := range fifos {
		if fd, err := syscall.Open(p, syscall.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			syscall.Close(fd)
		}
	}
}

// pollWithin polls f, failing the test (instead of hanging the suite) if
// the poll takes longer than d: it would be blocked opening a named pipe.
func pollWithin(t *testing.T, f *LocalFeed, d time.Duration, cur map[string]*StreamCursor, fifos ...string) *Batch {
	t.Helper()
	var b *Batch
	var err error
	done := make(chan struct{})
	go func() { defer close(done); b, err = f.Poll(context.Background(), time.Now(), nil, cur) }()
	select {
	case <-done:
	case <-time.After(d):
		releaseFIFOs(fifos)
		<-done
		t.Fatalf("Poll still running after %v: blocked opening a named pipe", d)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// skippedKinds lists a report's skipped entries as "path kind", sorted.
func skippedKinds(rep *vpnlog.Report) string {
	var out []string
	for _, s := range rep.Skipped {
		out = append(out, filepath.ToSlash(s.Path)+" "+s.Kind)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// A named pipe, a socket or a device in the followed folder is never
// opened: each is reported once (a warning naming it, an entry in the
// first poll's report), not at every poll, and the log files around them
// are followed as usual.
func TestLocalFeedSkipsSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "vpn-0abc1234_203.0.113.10-IKE.log")
	appendFile(t, name, ikeLine(1, "a"))
	fifo := filepath.Join(dir, "pipe.log")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	ln, err := net.Listen("unix", filepath.Join(dir, "sock.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := os.Symlink("/dev/null", filepath.Join(dir, "null.log")); err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	f, err := NewLocalFeed(dir, logsTo(&logged))
	if err != nil {
		t.Fatal(err)
	}
	cur := map[string]*StreamCursor{}
	b := pollWithin(t, f, 10*time.Second, cur, fifo)
	if len(b.Events) != 1 || b.Report.MalformedCount != 0 {
		t.Errorf("first poll: %d events, malformed %+v", len(b.Events), b.Report.Malformed)
	}
	want := "null.log not-regular, pipe.log not-regular, sock.log not-regular"
	if got := skippedKinds(&b.Report); got != want || b.Report.SkippedCount != 3 {
		t.Errorf("first poll skipped %q (count %d), want %q", got, b.Report.SkippedCount, want)
	}
	for _, s := range b.Report.Skipped {
		if !strings.Contains(s.Reason, "never opened") {
			t.Errorf("reason %+v", s)
		}
	}
	for i := 0; i < 2; i++ {
		appendFile(t, name, ikeLine(2+i, "more"))
		b = pollWithin(t, f, 10*time.Second, cur, fifo)
		if len(b.Events) != 1 || b.Report.SkippedCount != 0 || len(b.Report.Skipped) != 0 {
			t.Errorf("poll %d: %d events, skipped again %+v", i+2, len(b.Events), b.Report.Skipped)
		}
	}
	t.Logf("warnings:\n%s", logged.String())
	for _, base := range []string{"null.log", "pipe.log", "sock.log"} {
		if n := strings.Count(logged.String(), "path="+base); n != 1 {
			t.Errorf("%s named in %d warnings, want 1", base, n)
		}
	}
}

// Symlinks, as the loader follows them: a symlinked folder is followed, a
// symlink to a file already tailed is not read a second time, a folder
// symlink back up and a symlink loop are reported and not followed, a
// dangling symlink is reported; each is reported once, not at every poll.
func TestLocalFeedSymlinks(t *testing.T) {
	dir, out := t.TempDir(), t.TempDir()
	own := filepath.Join(dir, "a", "vpn-0abc1234_203.0.113.10-IKE.log")
	linked := filepath.Join(out, "linked", "vpn-0abc1234_203.0.113.11-IKE.log")
	os.MkdirAll(filepath.Dir(own), 0o755)
	os.MkdirAll(filepath.Dir(linked), 0o755)
	appendFile(t, own, ikeLine(1, "own"))
	appendFile(t, linked, ikeLine(2, "linked"))
	for link, target := range map[string]string{
		"b-linked":                          filepath.Join(out, "linked"),
		"same.log":                          filepath.Join("a", "vpn-0abc1234_203.0.113.10-IKE.log"),
		"a/up":                              "..",
		"loop1":                             "loop2",
		"loop2":                             "loop1",
		"vpn-0abc1234_203.0.113.13-IKE.log": filepath.Join(out, "nowhere.log"),
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	var logged bytes.Buffer
	f, err := NewLocalFeed(dir, logsTo(&logged))
	if err != nil {
		t.Fatal(err)
	}
	cur := map[string]*StreamCursor{}
	b := pollWithin(t, f, 10*time.Second, cur)
	var raws []string
	for _, ev := range b.Events {
		raws = append(raws, ev.Raw)
	}
	sort.Strings(raws)
	if strings.Join(raws, "\n") != ikeLine(1, "own")+"\n"+ikeLine(2, "linked") {
		t.Errorf("first poll read %q, want each record once (the linked folder's too)", raws)
	}
	want := "a/up symlink-loop, loop1 symlink-loop, loop2 symlink-loop, same.log duplicate, vpn-0abc1234_203.0.113.13-IKE.log dangling-symlink"
	if got := skippedKinds(&b.Report); got != want || b.Report.SkippedCount != 5 {
		t.Errorf("first poll skipped %q (count %d), want %q", got, b.Report.SkippedCount, want)
	}
	// Lines appended through either name come once; nothing is reported
	// again.
	appendFile(t, own, ikeLine(3, "own again"))
	appendFile(t, filepath.Join(dir, "b-linked", filepath.Base(linked)), ikeLine(4, "linked again"))
	b = pollWithin(t, f, 10*time.Second, cur)
	if len(b.Events) != 2 || b.Report.SkippedCount != 0 {
		t.Errorf("second poll: %d events (want 2), skipped %+v", len(b.Events), b.Report.Skipped)
	}
	b = pollWithin(t, f, 10*time.Second, cur)
	if len(b.Events) != 0 || b.Report.SkippedCount != 0 {
		t.Errorf("third poll: %d events, skipped %+v", len(b.Events), b.Report.Skipped)
	}
	t.Logf("warnings:\n%s", logged.String())
	for _, p := range []string{"a/up", "loop1", "loop2", "same.log", "vpn-0abc1234_203.0.113.13-IKE.log"} {
		if n := strings.Count(logged.String(), "path="+p+" "); n != 1 {
			t.Errorf("%s named in %d warnings, want 1", p, n)
		}
	}
	// The dangling symlink gets a target: it is read, and when it dangles
	// again it is reported again.
	appendFile(t, filepath.Join(out, "nowhere.log"), ikeLine(5, "was dangling"))
	b = pollWithin(t, f, 10*time.Second, cur)
	if len(b.Events) != 1 || b.Report.SkippedCount != 0 {
		t.Errorf("target created: %d events (want 1), skipped %+v", len(b.Events), b.Report.Skipped)
	}
	os.Remove(filepath.Join(out, "nowhere.log"))
	b = pollWithin(t, f, 10*time.Second, cur)
	if got := skippedKinds(&b.Report); got != "vpn-0abc1234_203.0.113.13-IKE.log dangling-symlink" {
		t.Errorf("target removed: skipped %q, want the dangling symlink again", got)
	}
}

// A vpn-connections.json that is a named pipe is never opened (it would
// block until something writes to it); one that is a symlink loop or a
// dangling symlink cannot be read either. Each is reported once, not at
// every poll, and the connections are inferred from the logs.
func TestLocalFeedInventoryNotAFile(t *testing.T) {
	for _, tc := range []struct {
		name, kind string
		make       func(p string) error
	}{
		{"fifo", vpnlog.SkipNotRegular, func(p string) error { return syscall.Mkfifo(p, 0o644) }},
		{"loop", vpnlog.SkipSymlinkLoop, func(p string) error { return os.Symlink(filepath.Base(p), p) }},
		{"dangling", vpnlog.SkipDanglingSymlink, func(p string) error { return os.Symlink("nowhere.json", p) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			appendFile(t, filepath.Join(dir, "vpn-0abc1234_203.0.113.10-IKE.log"), ikeLine(1, "a"))
			inv := filepath.Join(dir, InventoryFileName)
			if err := tc.make(inv); err != nil {
				t.Skipf("%s: %v", tc.name, err)
			}
			var logged bytes.Buffer
			f, err := NewLocalFeed(dir, logsTo(&logged))
			if err != nil {
				t.Fatal(err)
			}
			connsWithin := func() []Connection {
				t.Helper()
				var conns []Connection
				var err error
				done := make(chan struct{})
				go func() { defer close(done); conns, err = f.Connections(context.Background()) }()
				select {
				case <-done:
				case <-time.After(10 * time.Second):
					releaseFIFOs([]string{inv})
					<-done
					t.Fatalf("Connections still running after 10s: blocked opening %s", InventoryFileName)
				}
				if err != nil {
					t.Fatal(err)
				}
				return conns
			}
			cur := map[string]*StreamCursor{}
			var skipped []string
			for i := 0; i < 3; i++ {
				// As the engine does: the connections, a poll, the
				// connections again.
				connsWithin()
				b := pollWithin(t, f, 10*time.Second, cur, inv)
				if got := skippedKinds(&b.Report); got != "" {
					skipped = append(skipped, got)
				}
				conns := connsWithin()
				if len(conns) != 1 || conns[0].ID != "vpn-0abc1234" || len(conns[0].Tunnels) != 1 {
					t.Errorf("connections %+v, want the one inferred from the logs", conns)
				}
			}
			if want := InventoryFileName + " " + tc.kind; strings.Join(skipped, "; ") != want {
				t.Errorf("skipped over three polls: %q, want %q once", skipped, want)
			}
			if n := strings.Count(logged.String(), "path="+InventoryFileName); n != 1 || !strings.Contains(logged.String(), "inferred from the logs") {
				t.Errorf("%d warnings name the inventory, want 1 saying the connections are inferred:\n%s", n, logged.String())
			}
		})
	}
}
