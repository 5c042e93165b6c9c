package source

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/vpnlog"
)

// logsTo keeps the warnings a feed logs.
func logsTo(b *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// brokenFS is a real folder whose named entries fail as a disk or the OS
// can make them fail, which tests running as root cannot get from chmod:
// denied ones cannot be opened or listed (permission denied), failing
// ones fail reads (an I/O error) past their first bytes.
type brokenFS struct {
	fs.FS
	denied  map[string]bool
	failing map[string]int64
}

func newBrokenFS(dir string) *brokenFS {
	return &brokenFS{FS: os.DirFS(dir), denied: map[string]bool{}, failing: map[string]int64{}}
}

func (b *brokenFS) Open(name string) (fs.File, error) {
	if b.denied[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	f, err := b.FS.Open(name)
	if at, ok := b.failing[name]; ok && err == nil {
		return &failingAt{File: f, at: at}, nil
	}
	return f, err
}

func (b *brokenFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if b.denied[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return fs.ReadDir(b.FS, name)
}

// failingAt fails reads past byte at.
type failingAt struct {
	fs.File
	at, off int64
}

var errIO = &fs.PathError{Op: "read", Path: "disk", Err: syscall.EIO}

func (f *failingAt) Read(p []byte) (int, error) {
	if f.off >= f.at {
		return 0, errIO
	}
	p = p[:min(int64(len(p)), f.at-f.off)]
	n, err := f.File.Read(p)
	f.off += int64(n)
	return n, err
}

func (f *failingAt) ReadAt(p []byte, off int64) (int, error) {
	ra := f.File.(io.ReaderAt)
	if off >= f.at {
		return 0, errIO
	}
	if off+int64(len(p)) > f.at {
		n, err := ra.ReadAt(p[:f.at-off], off)
		if err == nil || err == io.EOF {
			err = errIO
		}
		return n, err
	}
	return ra.ReadAt(p, off)
}

func pollOK(t *testing.T, f *LocalFeed, cur map[string]*StreamCursor) *Batch {
	t.Helper()
	b, err := f.Poll(context.Background(), time.Now(), nil, cur)
	if err != nil {
		t.Fatalf("poll failed: %v", err)
	}
	return b
}

func rawsOf(b *Batch) string {
	var out []string
	for _, ev := range b.Events {
		out = append(out, ev.Raw)
	}
	return strings.Join(out, "\n")
}

// A file that cannot be opened, and a folder that cannot be listed, are
// skipped as unreadable (not malformed records), once, and the other
// files are read; once the file can be read it is, without having to
// change first.
func TestLocalFeedUnreadable(t *testing.T) {
	dir := t.TempDir()
	ok := filepath.Join(dir, "vpn-0abc1234_203.0.113.10-IKE.log")
	appendFile(t, ok, ikeLine(1, "ok"))
	appendFile(t, filepath.Join(dir, "vpn-0abc1234_203.0.113.11-IKE.log"), ikeLine(2, "secret"))
	os.MkdirAll(filepath.Join(dir, "locked"), 0o755)
	appendFile(t, filepath.Join(dir, "locked", "vpn-0abc1234_203.0.113.12-IKE.log"), ikeLine(3, "locked"))
	var logged bytes.Buffer
	f, err := NewLocalFeed(dir, logsTo(&logged))
	if err != nil {
		t.Fatal(err)
	}
	bfs := newBrokenFS(dir)
	bfs.denied["vpn-0abc1234_203.0.113.11-IKE.log"] = true
	bfs.denied["locked"] = true
	f.fsys = bfs
	cur := map[string]*StreamCursor{}
	b := pollOK(t, f, cur)
	if rawsOf(b) != ikeLine(1, "ok") || b.Report.MalformedCount != 0 {
		t.Errorf("read %q, malformed %+v; want the readable file only, nothing malformed", rawsOf(b), b.Report.Malformed)
	}
	want := "locked unreadable, vpn-0abc1234_203.0.113.11-IKE.log unreadable"
	if got := skippedKindsOf(&b.Report); got != want {
		t.Errorf("skipped %q, want %q", got, want)
	}
	for _, s := range b.Report.Skipped {
		if !strings.Contains(s.Reason, "permission denied") {
			t.Errorf("reason %+v", s)
		}
	}
	appendFile(t, ok, ikeLine(4, "ok again"))
	b = pollOK(t, f, cur)
	if rawsOf(b) != ikeLine(4, "ok again") || b.Report.SkippedCount != 0 {
		t.Errorf("second poll read %q, skipped %+v", rawsOf(b), b.Report.Skipped)
	}
	for _, p := range []string{"path=locked ", "path=vpn-0abc1234_203.0.113.11-IKE.log "} {
		if n := strings.Count(logged.String(), p); n != 1 {
			t.Errorf("%s in %d warnings, want 1:\n%s", p, n, logged.String())
		}
	}
	// Readable again: read without having changed.
	delete(bfs.denied, "vpn-0abc1234_203.0.113.11-IKE.log")
	delete(bfs.denied, "locked")
	b = pollOK(t, f, cur)
	if got := rawsOf(b); !strings.Contains(got, ikeLine(2, "secret")) || !strings.Contains(got, ikeLine(3, "locked")) || b.Report.SkippedCount != 0 {
		t.Errorf("readable again: read %q, skipped %+v", got, b.Report.Skipped)
	}
}

func skippedKindsOf(rep *vpnlog.Report) string {
	var out []string
	for _, s := range rep.Skipped {
		out = append(out, filepath.ToSlash(s.Path)+" "+s.Kind)
	}
	return strings.Join(out, ", ")
}

// An I/O error part way through a tailed file is a read-error for that
// file, once: the lines before it are kept, the other files are read, and
// the next poll reads on from where the error stopped it.
func TestLocalFeedReadError(t *testing.T) {
	dir := t.TempDir()
	bad := "vpn-0abc1234_203.0.113.10-IKE.log"
	appendFile(t, filepath.Join(dir, bad), ikeLine(1, "a"), ikeLine(2, "b"), ikeLine(3, "c"))
	appendFile(t, filepath.Join(dir, "vpn-0abc1234_203.0.113.11-IKE.log"), ikeLine(4, "other"))
	var logged bytes.Buffer
	f, err := NewLocalFeed(dir, logsTo(&logged))
	if err != nil {
		t.Fatal(err)
	}
	bfs := newBrokenFS(dir)
	bfs.failing[bad] = int64(len(ikeLine(1, "a")+"\n"+ikeLine(2, "b")+"\n") + 10)
	f.fsys = bfs
	cur := map[string]*StreamCursor{}
	b := pollOK(t, f, cur)
	if got, want := rawsOf(b), ikeLine(1, "a")+"\n"+ikeLine(2, "b")+"\n"+ikeLine(4, "other"); got != want {
		t.Errorf("read %q, want %q", got, want)
	}
	if got := skippedKindsOf(&b.Report); got != bad+" read-error" || b.Report.MalformedCount != 0 {
		t.Errorf("skipped %q, malformed %+v", got, b.Report.Malformed)
	}
	b = pollOK(t, f, cur)
	if len(b.Events) != 0 || b.Report.SkippedCount != 0 {
		t.Errorf("error still there: read %q, skipped again %+v", rawsOf(b), b.Report.Skipped)
	}
	delete(bfs.failing, bad)
	b = pollOK(t, f, cur)
	if got := rawsOf(b); got != ikeLine(3, "c") || b.Report.SkippedCount != 0 || b.Report.MalformedCount != 0 {
		t.Errorf("error gone: read %q, skipped %+v, malformed %+v; want the last line", got, b.Report.Skipped, b.Report.Malformed)
	}
	if n := strings.Count(logged.String(), "path="+bad); n != 1 {
		t.Errorf("%d warnings name %s, want 1:\n%s", n, bad, logged.String())
	}
}

// An I/O error while decoding a file read whole (gzip) is a read-error
// for that file: the records before it are kept and the other files read.
func TestLocalFeedDecodeError(t *testing.T) {
	dir := t.TempDir()
	bad := "vpn-0abc1234_203.0.113.10-IKE.log.gz"
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for i := 0; i < 2000; i++ {
		io.WriteString(zw, ikeLine(i%60, "x"+itoa(int64(i)))+"\n")
	}
	zw.Close()
	os.WriteFile(filepath.Join(dir, bad), buf.Bytes(), 0o644)
	appendFile(t, filepath.Join(dir, "vpn-0abc1234_203.0.113.11-IKE.log"), ikeLine(4, "other"))
	f, err := NewLocalFeed(dir, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	bfs := newBrokenFS(dir)
	bfs.failing[bad] = int64(buf.Len() / 2)
	f.fsys = bfs
	b := pollOK(t, f, map[string]*StreamCursor{})
	if got := skippedKindsOf(&b.Report); got != bad+" read-error" {
		t.Errorf("skipped %q", got)
	}
	if !strings.Contains(rawsOf(b), ikeLine(4, "other")) || len(b.Events) < 2 || len(b.Events) > 2000 {
		t.Errorf("%d records; want some of the gzip file's and the other file's", len(b.Events))
	}
}

// vpn-connections.json that cannot be read is reported (a warning, and in
// the next poll's report, once) and the connections are inferred from
// the logs, as the loader does; one that is not describe-vpn-connections
// output still fails.
func TestLocalFeedInventoryUnreadable(t *testing.T) {
	dir := t.TempDir()
	appendFile(t, filepath.Join(dir, "vpn-0abc1234_203.0.113.10-IKE.log"), ikeLine(1, "a"))
	os.WriteFile(filepath.Join(dir, InventoryFileName), []byte(`{"VpnConnections":[]}`), 0o644)
	var logged bytes.Buffer
	f, err := NewLocalFeed(dir, logsTo(&logged))
	if err != nil {
		t.Fatal(err)
	}
	bfs := newBrokenFS(dir)
	bfs.denied[InventoryFileName] = true
	f.fsys = bfs
	cur := map[string]*StreamCursor{}
	if _, err := f.Connections(context.Background()); err != nil {
		t.Fatalf("unreadable inventory failed Connections: %v", err)
	}
	b := pollOK(t, f, cur)
	if got := skippedKindsOf(&b.Report); got != InventoryFileName+" unreadable" {
		t.Errorf("skipped %q", got)
	}
	conns, err := f.Connections(context.Background())
	if err != nil || len(conns) != 1 || conns[0].ID != "vpn-0abc1234" {
		t.Errorf("connections %+v, %v; want the one inferred from the logs", conns, err)
	}
	if b := pollOK(t, f, cur); b.Report.SkippedCount != 0 {
		t.Errorf("reported again: %+v", b.Report.Skipped)
	}
	if n := strings.Count(logged.String(), "path="+InventoryFileName); n != 1 || !strings.Contains(logged.String(), "inferred from the logs") {
		t.Errorf("%d warnings name the inventory, want 1 saying so:\n%s", n, logged.String())
	}
	// Readable, and not what it claims: an error, as before.
	delete(bfs.denied, InventoryFileName)
	os.WriteFile(filepath.Join(dir, InventoryFileName), []byte(`not json`), 0o644)
	_, err = f.Connections(context.Background())
	var se *Error
	if !errors.As(err, &se) || se.Cause != "BadInventory" {
		t.Errorf("invalid inventory: %v, want a BadInventory error", err)
	}
}

// NewLocalFeedWith's options reach the reader: a record dated more than a
// day after Now is malformed (located), and a gzip file that inflates past
// MaxInflatedBytes is read up to there and reported once, even when it
// changes and is read again.
func TestLocalFeedOptions(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 6, 12, 10, 0, 30, 0, time.UTC)
	future := `{"event_timestamp":` + itoa(now.Add(48*time.Hour).Unix()) + `,"ike_phase1_state":"down","details":"from the future"}`
	appendFile(t, filepath.Join(dir, "vpn-0abc1234_203.0.113.10-IKE.log"), ikeLine(1, "a"), future, ikeLine(2, "b"))
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	io.WriteString(zw, ikeLine(3, "before the zeros")+"\n")
	zw.Write(make([]byte, 8<<20))
	io.WriteString(zw, "\n"+ikeLine(4, "after the zeros")+"\n")
	zw.Close()
	bomb := filepath.Join(dir, "vpn-0abc1234_203.0.113.11-IKE.log.gz")
	os.WriteFile(bomb, buf.Bytes(), 0o644)
	var logged bytes.Buffer
	f, err := NewLocalFeedWith(dir, logsTo(&logged), LocalFeedOptions{MaxInflatedBytes: 1 << 20, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	cur := map[string]*StreamCursor{}
	b := pollOK(t, f, cur)
	if len(b.Events) != 3 || strings.Contains(rawsOf(b), "after the zeros") {
		t.Errorf("read %q; want a, b and the record before the zeros", rawsOf(b))
	}
	if b.Report.MalformedCount != 1 || b.Report.Malformed[0].Line != 2 || !strings.Contains(b.Report.Malformed[0].Reason, "implausible time") {
		t.Errorf("malformed %+v; want line 2, an implausible time", b.Report.Malformed)
	}
	if got := skippedKindsOf(&b.Report); got != filepath.Base(bomb)+" inflate-limit" || !strings.Contains(b.Report.Skipped[0].Reason, "1 MiB") {
		t.Errorf("skipped %+v", b.Report.Skipped)
	}
	// It changes: read whole again, cut again, not reported again.
	later := time.Now().Add(time.Minute)
	os.Chtimes(bomb, later, later)
	b = pollOK(t, f, cur)
	if len(b.Events) != 1 || b.Report.SkippedCount != 0 {
		t.Errorf("re-read: %d events (want 1), skipped again %+v", len(b.Events), b.Report.Skipped)
	}
	if n := strings.Count(logged.String(), "inflate-limit"); n != 1 {
		t.Errorf("%d warnings about the limit, want 1:\n%s", n, logged.String())
	}
}
