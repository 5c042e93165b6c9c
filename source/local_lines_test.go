package source

import (
	"context"
	"io"
	"io/fs"
	"os"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/internal/corpusgen/corpus"
)

// readCounter counts the bytes read from its files, by Read and ReadAt.
type readCounter struct {
	fs.FS
	n atomic.Int64
}

type countedFile struct {
	fs.File
	n *atomic.Int64
}

func (f countedFile) Read(b []byte) (int, error) {
	k, err := f.File.Read(b)
	f.n.Add(int64(k))
	return k, err
}

func (f countedFile) ReadAt(b []byte, off int64) (int, error) {
	k, err := f.File.(io.ReaderAt).ReadAt(b, off)
	f.n.Add(int64(k))
	return k, err
}

func (r *readCounter) Open(name string) (fs.File, error) {
	f, err := r.FS.Open(name)
	if err != nil {
		return nil, err
	}
	return countedFile{f, &r.n}, nil
}

func (r *readCounter) Stat(name string) (fs.FileInfo, error) { return fs.Stat(r.FS, name) }

func (r *readCounter) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(r.FS, name) }

// TestLocalLineMarks: a question late in a large file indexed from its
// ends numbers its records' lines by counting the lines before; the next
// question, in this run or the next (from the index cache), counts from
// the line marks the first left, reading a fraction of the bytes, with
// the same records and lines as a whole read.
func TestLocalLineMarks(t *testing.T) {
	dir := t.TempDir()
	if _, err := corpus.WriteDir(dir, 40<<20, corpus.Options{Connections: 1, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	whole, err := OpenDirWith(dir, nil, LocalOptions{IndexCacheDir: "-"})
	if err != nil {
		t.Fatal(err)
	}
	conns, _ := whole.Connections(ctx)
	exts, _ := whole.Extents(ctx, conns[0].ID)
	last := exts[0].Last
	for _, e := range exts {
		last = maxTime(last, e.Last)
	}
	q := LogQuery{VPNConnectionID: conns[0].ID, Start: last.Add(-3 * time.Hour), End: last.Add(time.Second)}
	want, err := whole.Logs(ctx, q)
	if err != nil || len(want.Events) == 0 {
		t.Fatalf("%d records, %v", len(want.Events), err)
	}
	defer func(n, c int64) { sampleMinSize, indexCacheMinBytes = n, c }(sampleMinSize, indexCacheMinBytes)
	sampleMinSize, indexCacheMinBytes = 1<<20, 1
	cache := t.TempDir()
	ask := func(l *Local, fsys *readCounter) int64 {
		t.Helper()
		before := fsys.n.Load()
		got, err := l.Logs(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Events, want.Events) {
			t.Fatalf("%d records, want %d (or their lines differ)", len(got.Events), len(want.Events))
		}
		return fsys.n.Load() - before
	}
	open := func() (*Local, *readCounter) {
		fsys := &readCounter{FS: os.DirFS(dir)}
		l, err := OpenFSWith(fsys, dir, nil, LocalOptions{IndexCacheDir: cache, IndexCacheID: dir})
		if err != nil {
			t.Fatal(err)
		}
		if l.sampled == 0 {
			t.Fatal("no file indexed from its ends")
		}
		return l, fsys
	}
	l, fsys := open()
	counted := ask(l, fsys)
	again := ask(l, fsys)
	next, nfs := open()
	fromCache := ask(next, nfs)
	t.Logf("bytes read: first question %d, again %d, next run %d", counted, again, fromCache)
	if again*3 > counted || fromCache*3 > counted {
		t.Errorf("line marks unused: first question read %d bytes, again %d, in the next run %d", counted, again, fromCache)
	}
}
