package vpnlog

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io/fs"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"
)

// gzipBomb gzips a few records, zeroBytes of zeros (no line break) and one
// more record: a small file that inflates to far more than it weighs.
func gzipBomb(t testing.TB, before []string, zeroBytes int, after string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	for _, l := range before {
		zw.Write([]byte(l + "\n"))
	}
	zeros := make([]byte, 1<<20)
	for n := 0; n < zeroBytes; n += len(zeros) {
		zw.Write(zeros[:min(len(zeros), zeroBytes-n)])
	}
	zw.Write([]byte("\n" + after + "\n"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func ikeRecordAt(sec int64, details string) string {
	return fmt.Sprintf(`{"event_timestamp":%d,"ike_phase1_state":"down","ike_phase2_state":"down","details":%q}`, sec, details)
}

// A gzipped file that inflates past ReadOptions.MaxInflatedBytes is read up
// to the cap: the records before it are kept, the file is reported in
// Report.Skipped with the cap and how to read it whole, and the rest is not
// inflated (neither memory nor time grow with the bomb).
func TestReadGzipInflateLimit(t *testing.T) {
	const capBytes = 1 << 20
	bomb := gzipBomb(t, []string{ikeRecordAt(1781295912, "AWS tunnel DPD timed out"), ikeRecordAt(1781295913, "AWS tunnel DPD timed out")},
		200<<20, ikeRecordAt(1781295999, "after the zeros"))
	if len(bomb) > 2<<20 {
		t.Fatalf("bomb is %d bytes", len(bomb))
	}
	start := time.Now()
	evs, rep := collect(t, bomb, ReadOptions{Name: ike10 + ".log.gz", MaxInflatedBytes: capBytes})
	if len(evs) != 2 {
		t.Errorf("%d events, want the 2 before the cap", len(evs))
	}
	if rep.Bytes > capBytes {
		t.Errorf("inflated %d bytes, cap %d", rep.Bytes, capBytes)
	}
	if rep.SkippedCount != 1 || len(rep.Skipped) != 1 {
		t.Fatalf("skipped %d %+v, want the file once", rep.SkippedCount, rep.Skipped)
	}
	s := rep.Skipped[0]
	if s.Path != ike10+".log.gz" || s.Kind != SkipInflateLimit || !strings.Contains(s.Reason, "1 MiB") || !strings.Contains(s.Reason, "gunzip") {
		t.Errorf("skipped = %+v", s)
	}
	if rep.MalformedCount != 0 {
		t.Errorf("the cap is reported as malformed input: %+v", rep.Malformed)
	}
	t.Logf("read in %v: %+v", time.Since(start), s)

	// Under the default cap the same small bomb reads whole.
	small := gzipBomb(t, []string{ikeRecordAt(1781295912, "x")}, 3<<20, ikeRecordAt(1781295999, "after the zeros"))
	evs, rep = collect(t, small, ReadOptions{Name: "small.gz"})
	if len(evs) != 2 || rep.SkippedCount != 0 || rep.MalformedCount != 1 { // the zeros are one too long line
		t.Errorf("default cap: %d events, skipped %+v, malformed %+v", len(evs), rep.Skipped, rep.Malformed)
	}
	// A negative cap means none.
	evs, rep = collect(t, small, ReadOptions{Name: "small.gz", MaxInflatedBytes: -1})
	if len(evs) != 2 || rep.SkippedCount != 0 {
		t.Errorf("no cap: %d events, skipped %+v", len(evs), rep.Skipped)
	}
	// Plain files are not capped: their size is what they weigh.
	plain := strings.Repeat(ikeRecordAt(1781295912, "AWS tunnel DPD timed out")+"\n", 20000)
	evs, rep = collect(t, []byte(plain), ReadOptions{Name: "plain.log", MaxInflatedBytes: capBytes})
	if len(evs) != 20000 || rep.SkippedCount != 0 {
		t.Errorf("plain file: %d events, skipped %+v", len(evs), rep.Skipped)
	}
}

// Records dated before 2020 or more than a day after now are malformed
// (located, with a reason naming the time), not events: one record of the
// year 9999 must not move every default window there.
func TestReadImplausibleTimes(t *testing.T) {
	now := time.Date(2026, 6, 13, 0, 0, 0, 0, time.UTC)
	lines := []string{
		ikeRecordAt(1781295912, "good"),                                 // 2026-06-12T20:25:12Z
		ikeRecordAt(253402300799, "year 9999"),                          // seconds
		`{"event_timestamp":9223372036854775807,"details":"max int64"}`, // read as ns: 2262
		ikeRecordAt(1546300800, "2019-01-01"),
		`{"timestamp":"9999-12-31 23:59:59Z","details":"readable, year 9999"}`,
		ikeRecordAt(now.Add(49*time.Hour).Unix(), "two days ahead"),
		`{"timestamp":"2026-06-12 20:25:13Z","logStreamName":"x","message":"{\"event_timestamp\":253402300799,\"details\":\"wrapped\"}"}`,
		"2099-01-01T00:00:00Z " + ikeRecordAt(1781295912, "S3 export line, own time good"),
		ikeRecordAt(now.Add(12*time.Hour).Unix(), "twelve hours ahead: clock skew, kept"),
		"2019-12-31T23:59:59Z AWS tunnel DPD timed out",
	}
	evs, rep := collect(t, []byte(strings.Join(lines, "\n")+"\n"), ReadOptions{Name: ike10 + ".log", Now: func() time.Time { return now }})
	var kept []string
	for _, ev := range evs {
		kept = append(kept, ev.Details)
		if ev.TimeMs > now.Add(24*time.Hour).UnixMilli() || ev.TimeMs < time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli() {
			t.Errorf("event at %v kept", time.UnixMilli(ev.TimeMs).UTC())
		}
	}
	if want := []string{"good", "S3 export line, own time good", "twelve hours ahead: clock skew, kept"}; strings.Join(kept, "|") != strings.Join(want, "|") {
		t.Errorf("kept %q, want %q", kept, want)
	}
	if got := fmt.Sprint(malformedLines(rep)); got != "[2 3 4 5 6 7 10]" {
		t.Errorf("malformed at lines %s, want [2 3 4 5 6 7 10]", got)
	}
	for _, m := range rep.Malformed {
		if m.File != ike10+".log" || !strings.Contains(m.Reason, "implausible time") {
			t.Errorf("malformed %s:%d: %s", m.File, m.Line, m.Reason)
		}
	}
	if rep.Records != 3 || rep.MalformedCount != 7 {
		t.Errorf("records %d malformed %d", rep.Records, rep.MalformedCount)
	}
	if len(rep.Malformed) == 0 {
		t.FailNow()
	}
	if !strings.Contains(rep.Malformed[0].Reason, "9999-12-31T23:59:59Z") || !strings.Contains(rep.Malformed[0].Reason, "2026-06-14") {
		t.Errorf("reason does not say the time and the bound: %s", rep.Malformed[0].Reason)
	}
	if err := PlausibleTime(time.Date(2026, 6, 12, 0, 0, 0, 0, time.UTC).UnixMilli(), now); err != nil {
		t.Errorf("PlausibleTime(good) = %v", err)
	}
	if err := PlausibleTime(253402300799000, now); err == nil {
		t.Error("PlausibleTime(9999) = nil")
	}
}

// permFS refuses to open or list the named paths, as a file system does
// for a file or folder its reader may not read (tests run as root cannot
// make one with chmod).
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

// An unreadable file or folder is reported (path and error) and the rest
// is read.
func TestReadFSUnreadable(t *testing.T) {
	rec := []byte(ikeRecordAt(1781295912, "AWS tunnel DPD timed out") + "\n")
	fsys := permFS{FS: fstest.MapFS{
		"a/" + ike10 + ".log":      {Data: rec},
		"locked/" + ike11 + ".log": {Data: rec},
		"secret.log":               {Data: rec},
		"z/" + ike11 + ".log":      {Data: rec},
	}, denied: map[string]bool{"locked": true, "secret.log": true}}
	var rep Report
	n := 0
	err := ReadFS(fsys, func(p string) string { return "logs/" + p }, ReadOptions{}, &rep, func(*Event) error { n++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || rep.Files != 2 {
		t.Errorf("%d events from %d files, want 2 and 2", n, rep.Files)
	}
	want := []string{"logs/locked unreadable", "logs/secret.log unreadable"}
	var got []string
	for _, s := range rep.Skipped {
		got = append(got, s.Path+" "+s.Kind)
		if !strings.Contains(s.Reason, "permission denied") {
			t.Errorf("reason %q", s.Reason)
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") || rep.SkippedCount != 2 {
		t.Errorf("skipped %q, want %q", got, want)
	}
}

// failingFS fails reads of the named files after their first `after` bytes,
// as a disk or network file system does on an I/O error.
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

// A file that fails part way is reported; the records before the failure
// are kept, and the other files are read.
func TestReadFSReadError(t *testing.T) {
	line := ikeRecordAt(1781295912, "AWS tunnel DPD timed out") + "\n"
	fsys := failingFS{FS: fstest.MapFS{
		"a/" + ike10 + ".log": {Data: []byte(strings.Repeat(line, 3))},
		"b/" + ike11 + ".log": {Data: []byte(strings.Repeat(line, 3))},
	}, after: 2 * len(line), fail: map[string]bool{"a/" + ike10 + ".log": true}}
	var rep Report
	n := 0
	if err := ReadFS(fsys, nil, ReadOptions{}, &rep, func(*Event) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 5 || rep.SkippedCount != 1 || rep.Skipped[0].Path != "a/"+ike10+".log" || rep.Skipped[0].Kind != SkipReadError ||
		!strings.Contains(rep.Skipped[0].Reason, "input/output error") {
		t.Errorf("%d events, skipped %+v", n, rep.Skipped)
	}
}

// On a file system that cannot tell two folders are the same (no file
// identity), a symlink loop ends at the depth limit, reported once.
func TestWalkFSDepthLimit(t *testing.T) {
	fsys := fstest.MapFS{
		"a/" + ike10 + ".log": {Data: []byte(ikeRecordAt(1781295912, "x") + "\n")},
		"a/loop":              {Mode: fs.ModeSymlink, Data: []byte(".")},
	}
	if _, err := fs.Stat(fsys, "a/loop"); err != nil {
		t.Skipf("this fstest.MapFS does not follow symlinks: %v", err)
	}
	var rep Report
	var files []string
	done := make(chan error, 1)
	go func() {
		done <- WalkFS(fsys, nil, &rep, func(p string) error { files = append(files, p); return nil })
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("WalkFS still following the loop after 10s")
	}
	if rep.SkippedCount != 1 || rep.Skipped[0].Kind != SkipTooDeep {
		t.Errorf("skipped %+v", rep.Skipped)
	}
	t.Logf("%d files visited, skipped %+v", len(files), rep.Skipped)
}
