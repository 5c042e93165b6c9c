//go:build unix

package source_test

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// openWithin opens dir, failing the test (instead of hanging the suite) if
// that takes longer than d; fifos are opened for writing to release a
// reader stuck on them.
func openWithin(t *testing.T, dir string, d time.Duration, logged *bytes.Buffer, fifos ...string) *source.Local {
	t.Helper()
	var l *source.Local
	var err error
	done := make(chan struct{})
	go func() { defer close(done); l, err = source.OpenDir(dir, logsTo(logged)) }()
	select {
	case <-done:
	case <-time.After(d):
		for _, p := range fifos {
			if fd, oerr := syscall.Open(p, syscall.O_WRONLY|syscall.O_NONBLOCK, 0); oerr == nil {
				syscall.Close(fd)
			}
		}
		t.Fatalf("OpenDir(%s) still running after %v: blocked opening a named pipe", dir, d)
	}
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// A named pipe, a socket or a device in the logs folder is never opened
// (opening a pipe blocks until something writes to it): each is skipped
// with one warning naming it, and counted in the load report.
func TestOpenDirSkipsSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ikeStream+".log"), []byte(ikeAt(1781295912, "AWS tunnel DPD timed out")+"\n"), 0o644)
	fifo := filepath.Join(dir, "pipe.log")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	ln, err := net.Listen("unix", filepath.Join(dir, "sock.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	os.Symlink("/dev/null", filepath.Join(dir, "null.log"))

	var logged bytes.Buffer
	l := openWithin(t, dir, 10*time.Second, &logged, fifo)
	t.Logf("warnings:\n%s", logged.String())
	rep := l.LoadReport().Report
	if rep.Records != 1 {
		t.Errorf("records %d, want 1", rep.Records)
	}
	want := map[string]string{"null.log": "device", "pipe.log": "named pipe", "sock.log": "socket"}
	if rep.SkippedCount != 3 || len(rep.Skipped) != 3 {
		t.Fatalf("skipped %+v", rep.Skipped)
	}
	for _, s := range rep.Skipped {
		base := filepath.Base(s.Path)
		if s.Path != filepath.Join(dir, base) || s.Kind != vpnlog.SkipNotRegular || !strings.Contains(s.Reason, want[base]) {
			t.Errorf("skipped %+v", s)
		}
		if n := strings.Count(logged.String(), base); n != 1 {
			t.Errorf("%s named in %d warnings, want 1:\n%s", base, n, logged.String())
		}
	}
}

// Symlinks: a linked folder is read, a linked file is read, a folder
// symlink back up and a symlink loop are reported once each and skipped, a
// dangling symlink is reported, and the rest is read.
func TestOpenDirSymlinks(t *testing.T) {
	dir, out := t.TempDir(), t.TempDir()
	rec := []byte(ikeAt(1781295912, "AWS tunnel DPD timed out") + "\n")
	os.MkdirAll(filepath.Join(dir, "a"), 0o755)
	os.MkdirAll(filepath.Join(out, "linked"), 0o755)
	os.WriteFile(filepath.Join(dir, "a", ikeStream+".log"), rec, 0o644)
	os.WriteFile(filepath.Join(out, "linked", "vpn-0123456789abcdef0_203.0.113.10-IKE.log"), rec, 0o644)
	os.WriteFile(filepath.Join(out, "target.log"), rec, 0o644)
	for link, target := range map[string]string{
		"b-linked": filepath.Join(out, "linked"),
		"vpn-0123456789abcdef0_203.0.113.30-IKE.log": filepath.Join(out, "target.log"),
		"a/up":         "..",
		"loop1":        "loop2",
		"loop2":        "loop1",
		"dangling.log": "nowhere.log",
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	var logged bytes.Buffer
	l := openWithin(t, dir, 10*time.Second, &logged)
	t.Logf("warnings:\n%s", logged.String())
	rep := l.LoadReport().Report
	if rep.Records != 3 || rep.Files != 3 {
		t.Errorf("records %d from %d files, want 3 and 3", rep.Records, rep.Files)
	}
	var got []string
	for _, s := range rep.Skipped {
		rel, _ := filepath.Rel(dir, s.Path)
		got = append(got, rel+" "+s.Kind)
	}
	sort.Strings(got)
	want := []string{"a/up " + vpnlog.SkipSymlinkLoop, "dangling.log " + vpnlog.SkipDanglingSymlink, "loop1 " + vpnlog.SkipSymlinkLoop, "loop2 " + vpnlog.SkipSymlinkLoop}
	if strings.Join(got, ",") != strings.Join(want, ",") || rep.SkippedCount != 4 {
		t.Errorf("skipped %q, want %q", got, want)
	}
	if n := strings.Count(logged.String(), "a/up"); n != 1 {
		t.Errorf("a/up named in %d warnings:\n%s", n, logged.String())
	}
}

// With real permissions: an unreadable file and folder are reported and
// the rest is read (TestOpenFSUnreadable covers the same for root).
func TestOpenDirPermissionDenied(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: chmod 000 does not stop root from reading; TestOpenFSUnreadable covers this with a file system that refuses")
	}
	dir := t.TempDir()
	rec := []byte(ikeAt(1781295912, "AWS tunnel DPD timed out") + "\n")
	os.WriteFile(filepath.Join(dir, ikeStream+".log"), rec, 0o644)
	os.WriteFile(filepath.Join(dir, "secret.log"), rec, 0o000)
	os.MkdirAll(filepath.Join(dir, "locked"), 0o755)
	os.WriteFile(filepath.Join(dir, "locked", "x.log"), rec, 0o644)
	os.Chmod(filepath.Join(dir, "locked"), 0o000)
	t.Cleanup(func() { os.Chmod(filepath.Join(dir, "locked"), 0o755) })
	var logged bytes.Buffer
	l := openWithin(t, dir, 10*time.Second, &logged)
	if rep := l.LoadReport().Report; rep.Records != 1 || rep.SkippedCount != 2 {
		t.Errorf("records %d, skipped %+v", rep.Records, rep.Skipped)
	}
}
