package source_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/vpnlog"
)

const ikeStream = "vpn-0123456789abcdef0_203.0.113.20-IKE"

func ikeAt(sec int64, details string) string {
	return fmt.Sprintf(`{"event_timestamp":%d,"ike_phase1_state":"down","ike_phase2_state":"down","details":%q}`, sec, details)
}

// logsTo keeps what a source logs, for tests that check its warnings.
func logsTo(b *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// A small .gz that inflates to 200 MB is read up to the cap (1 MiB here):
// the records before it are kept, the file is reported (load report and a
// warning naming it), and the other files are read.
func TestOpenDirGzipInflateLimit(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write([]byte(ikeAt(1781295912, "before the zeros") + "\n"))
	zeros := make([]byte, 1<<20)
	for i := 0; i < 200; i++ {
		zw.Write(zeros)
	}
	zw.Write([]byte("\n" + ikeAt(1781295999, "after the zeros") + "\n"))
	zw.Close()
	bomb := filepath.Join(dir, "export", ikeStream, "000000.gz")
	os.MkdirAll(filepath.Dir(bomb), 0o755)
	os.WriteFile(bomb, buf.Bytes(), 0o644)
	os.WriteFile(filepath.Join(dir, "vpn-0123456789abcdef0_203.0.113.10-IKE.log"), []byte(ikeAt(1781295913, "other file")+"\n"), 0o644)

	var logged bytes.Buffer
	l, err := source.OpenDirWith(dir, logsTo(&logged), source.LocalOptions{MaxInflatedBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	rep := l.LoadReport().Report
	if rep.Records != 2 || rep.Bytes > 2<<20 {
		t.Errorf("records %d, inflated %d bytes; want 2 records and at most the cap", rep.Records, rep.Bytes)
	}
	if len(rep.Skipped) != 1 || rep.Skipped[0].Path != bomb || rep.Skipped[0].Kind != vpnlog.SkipInflateLimit || !strings.Contains(rep.Skipped[0].Reason, "1 MiB") {
		t.Fatalf("skipped %+v", rep.Skipped)
	}
	if !strings.Contains(logged.String(), "000000.gz") || !strings.Contains(logged.String(), "level=WARN") {
		t.Errorf("no warning names the file:\n%s", logged.String())
	}
	res, _ := l.Logs(context.Background(), source.LogQuery{VPNConnectionID: "vpn-0123456789abcdef0", Start: time.Unix(0, 0), End: time.Now()})
	if len(res.Events) != 2 || !strings.Contains(strings.Join(res.Notes, "\n"), "not read") {
		t.Errorf("%d events, notes %q", len(res.Events), res.Notes)
	}
}

// A record dated in the year 9999 (or any implausible time) is malformed,
// located, and moves no window: the newest record is the newest plausible
// one.
func TestOpenFSImplausibleTimes(t *testing.T) {
	now := time.Date(2026, 6, 13, 0, 0, 0, 0, time.UTC)
	fsys := fstest.MapFS{
		ikeStream + ".log": {Data: []byte(strings.Join([]string{
			ikeAt(1781295912, "AWS tunnel DPD timed out"),
			ikeAt(253402300799, "year 9999"),
			`{"event_timestamp":9223372036854775807,"details":"max int64"}`,
			ikeAt(1546300800, "2019"),
			ikeAt(1781295913, "AWS tunnel DPD timed out"),
		}, "\n") + "\n")},
	}
	l, err := source.OpenFSWith(fsys, "mem", quiet, source.LocalOptions{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	exts, _ := l.Extents(context.Background(), "vpn-0123456789abcdef0")
	if len(exts) != 1 || exts[0].Count != 2 || !exts[0].Last.Equal(time.Unix(1781295913, 0)) {
		t.Fatalf("extents %+v", exts)
	}
	rep := l.LoadReport().Report
	if rep.MalformedCount != 3 {
		t.Fatalf("malformed %+v", rep.Malformed)
	}
	for i, m := range rep.Malformed {
		if m.File != "mem/"+ikeStream+".log" || m.Line != i+2 || !strings.Contains(m.Reason, "implausible time") {
			t.Errorf("malformed %s:%d: %s", m.File, m.Line, m.Reason)
		}
	}
}

// permFS refuses to open or list the named paths, as the OS does for a
// file or folder the user may not read (tests running as root cannot make
// one with chmod).
type permFS struct {
	fs.FS
	denied map[string]bool
}

func (p permFS) Open(name string) (fs.File, error) {
	if p.denied[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return p.FS.Open(name)
}

func (p permFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if p.denied[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return fs.ReadDir(p.FS, name)
}

// An unreadable file or folder is reported (path and error, a warning
// each) and the rest is read.
func TestOpenFSUnreadable(t *testing.T) {
	rec := []byte(ikeAt(1781295912, "AWS tunnel DPD timed out") + "\n")
	fsys := permFS{FS: fstest.MapFS{
		"a/" + ikeStream + ".log": {Data: rec},
		"locked/x.log":            {Data: rec},
		"secret.log":              {Data: rec},
		"z/" + ikeStream + ".log": {Data: rec},
	}, denied: map[string]bool{"locked": true, "secret.log": true}}
	var logged bytes.Buffer
	l, err := source.OpenFS(fsys, "mem", logsTo(&logged))
	if err != nil {
		t.Fatal(err)
	}
	rep := l.LoadReport().Report
	if rep.Records != 2 || rep.SkippedCount != 2 || len(rep.Skipped) != 2 {
		t.Fatalf("records %d, skipped %+v", rep.Records, rep.Skipped)
	}
	for i, p := range []string{"mem/locked", "mem/secret.log"} {
		if s := rep.Skipped[i]; s.Path != p || s.Kind != vpnlog.SkipUnreadable || !strings.Contains(s.Reason, "permission denied") {
			t.Errorf("skipped %d = %+v, want %s unreadable", i, s, p)
		}
		if !strings.Contains(logged.String(), p) {
			t.Errorf("no warning names %s:\n%s", p, logged.String())
		}
	}
}

// failingFS fails reads of the named files after their first `after`
// bytes, as a disk or network file system does on an I/O error.
type failingFS struct {
	fs.FS
	after int
	fail  map[string]bool
}

func (f failingFS) Open(name string) (fs.File, error) {
	file, err := f.FS.Open(name)
	if err != nil || !f.fail[name] {
		return file, err
	}
	return &failingFile{File: file, left: f.after}, nil
}

type failingFile struct {
	fs.File
	left int
}

func (f *failingFile) Read(p []byte) (int, error) {
	if f.left <= 0 {
		return 0, &fs.PathError{Op: "read", Path: "x", Err: syscall.EIO}
	}
	if len(p) > f.left {
		p = p[:f.left]
	}
	n, err := f.File.Read(p)
	f.left -= n
	return n, err
}

// A file that fails part way (an I/O error) is reported, the records read
// before the failure are kept, and the other files are read.
func TestOpenFSReadError(t *testing.T) {
	line := ikeAt(1781295912, "AWS tunnel DPD timed out") + "\n"
	fsys := failingFS{FS: fstest.MapFS{
		"a/" + ikeStream + ".log": {Data: []byte(strings.Repeat(line, 3))},
		"b/" + ikeStream + ".log": {Data: []byte(strings.Repeat(line, 3))},
	}, after: 2 * len(line), fail: map[string]bool{"a/" + ikeStream + ".log": true}}
	l, err := source.OpenFS(fsys, "mem", quiet)
	if err != nil {
		t.Fatal(err)
	}
	rep := l.LoadReport().Report
	if rep.Records != 5 || rep.SkippedCount != 1 || rep.Skipped[0].Path != "mem/a/"+ikeStream+".log" || rep.Skipped[0].Kind != vpnlog.SkipReadError {
		t.Errorf("records %d, skipped %+v", rep.Records, rep.Skipped)
	}
}
