//go:build unix

package vpnlog

import (
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mkfifo makes a named pipe and, at cleanup, unblocks anything stuck
// opening it for reading.
func mkfifo(t *testing.T, p string) {
	t.Helper()
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	t.Cleanup(func() { releaseFIFO(p) })
}

func releaseFIFO(p string) {
	if fd, err := syscall.Open(p, syscall.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
		syscall.Close(fd)
	}
}

// within runs fn and fails the test if it has not returned after d (a
// reader stuck opening a named pipe must not hang the suite).
func within(t *testing.T, d time.Duration, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s still running after %v (blocked opening a named pipe?)", what, d)
	}
}

// A logs folder with a named pipe, a socket and a device (a symlink to
// /dev/null), symlinks to a folder and a file outside it, a symlink back
// up, a symlink loop and a dangling symlink: ReadDir reads every log once,
// reports every other entry once, and never blocks.
func TestReadDirSpecialEntries(t *testing.T) {
	root := t.TempDir()
	out := t.TempDir()
	rec := ikeRecordAt(1781295912, "AWS tunnel DPD timed out") + "\n"
	write := func(p string) {
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(rec), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, p string) {
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "a", ike10+".log"))
	write(filepath.Join(out, "linked", ike11+".log"))
	write(filepath.Join(out, "file-target.log"))
	mkfifo(t, filepath.Join(root, "a", "pipe.log"))
	ln, err := net.Listen("unix", filepath.Join(root, "sock.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	link("/dev/null", filepath.Join(root, "null.log"))
	link(filepath.Join(out, "linked"), filepath.Join(root, "b-linked-dir"))
	link(filepath.Join(out, "file-target.log"), filepath.Join(root, "c-"+bgp10+".log"))
	link("..", filepath.Join(root, "a", "up"))
	link("loop2", filepath.Join(root, "loop1"))
	link("loop1", filepath.Join(root, "loop2"))
	link("missing.log", filepath.Join(root, "dangling.log"))
	link(ike10+".log", filepath.Join(root, "a", "same.log")) // a second name for a file read anyway

	var rep Report
	var files []string
	within(t, 10*time.Second, "ReadDir", func() {
		err = ReadDir(root, &rep, func(ev *Event) error {
			rel, _ := filepath.Rel(root, ev.File)
			files = append(files, rel)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	if want := []string{"a/" + ike10 + ".log", "b-linked-dir/" + ike11 + ".log", "c-" + bgp10 + ".log"}; strings.Join(files, ",") != strings.Join(want, ",") {
		t.Errorf("read %q, want %q", files, want)
	}
	got := map[string]string{}
	for _, s := range rep.Skipped {
		rel, _ := filepath.Rel(root, s.Path)
		if _, dup := got[rel]; dup {
			t.Errorf("%s reported twice", rel)
		}
		got[rel] = s.Kind + ": " + s.Reason
	}
	want := map[string]string{
		"a/pipe.log":   SkipNotRegular + ": named pipe",
		"sock.log":     SkipNotRegular + ": socket",
		"null.log":     SkipNotRegular + ": device",
		"a/up":         SkipSymlinkLoop + ": ",
		"loop1":        SkipSymlinkLoop + ": ",
		"loop2":        SkipSymlinkLoop + ": ",
		"dangling.log": SkipDanglingSymlink + ": ",
		"a/same.log":   SkipDuplicate + ": ",
	}
	for p, w := range want {
		if !strings.HasPrefix(got[p], w[:strings.Index(w, ":")+1]) || !strings.Contains(got[p], w[strings.Index(w, ":")+2:]) {
			t.Errorf("%s: skipped as %q, want %q…", p, got[p], w)
		}
	}
	if len(got) != len(want) || rep.SkippedCount != int64(len(want)) {
		t.Errorf("skipped %d (count %d): %v", len(got), rep.SkippedCount, got)
	}
	if rep.MalformedCount != 0 {
		t.Errorf("malformed %+v", rep.Malformed)
	}
}

// ReadFile refuses a named pipe instead of blocking on it.
func TestReadFileFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), ike10+".log")
	mkfifo(t, p)
	var err error
	within(t, 10*time.Second, "ReadFile", func() {
		err = ReadFile(p, &Report{}, func(*Event) error { return nil })
	})
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("ReadFile(fifo) = %v", err)
	}
}

// With real permissions (not as root, who reads everything), an
// unreadable file and folder are reported and the rest is read.
func TestReadDirPermissionDenied(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: chmod 000 does not stop root from reading; TestReadFSUnreadable covers this with a file system that refuses")
	}
	root := t.TempDir()
	rec := []byte(ikeRecordAt(1781295912, "AWS tunnel DPD timed out") + "\n")
	os.WriteFile(filepath.Join(root, ike10+".log"), rec, 0o644)
	os.WriteFile(filepath.Join(root, "secret.log"), rec, 0o000)
	os.MkdirAll(filepath.Join(root, "locked"), 0o755)
	os.WriteFile(filepath.Join(root, "locked", ike11+".log"), rec, 0o644)
	os.Chmod(filepath.Join(root, "locked"), 0o000)
	t.Cleanup(func() { os.Chmod(filepath.Join(root, "locked"), 0o755) })
	var rep Report
	n := 0
	if err := ReadDir(root, &rep, func(*Event) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 1 || rep.SkippedCount != 2 {
		t.Errorf("%d events, skipped %+v", n, rep.Skipped)
	}
}
