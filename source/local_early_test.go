package source

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/internal/corpusgen/corpus"
)

// gatedFS holds back opening the files whose names contain held until
// open is closed.
type gatedFS struct {
	fs.FS
	held string
	open chan struct{}
}

// Stat and ReadDir do not open files: a folder's walk and sizes are known
// at once, as on a disk.
func (g gatedFS) Stat(name string) (fs.FileInfo, error) { return fs.Stat(g.FS, name) }

func (g gatedFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(g.FS, name) }

func (g gatedFS) Open(name string) (fs.File, error) {
	if g.held != "" && strings.Contains(name, g.held) {
		<-g.open
	}
	return g.FS.Open(name)
}

// TestLocalAnswersBeforeIndexDone: while a large folder is indexed, a
// question about one connection is answered from that connection's files,
// the same answer as from the whole index, before the other connections'
// files are read; a file whose name names no connection is waited for.
func TestLocalAnswersBeforeIndexDone(t *testing.T) {
	dir := t.TempDir()
	if _, err := corpus.WriteDir(dir, 1<<20, corpus.Options{Connections: 3, Seed: 9, Gzip: true}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	whole, err := OpenFSWith(os.DirFS(dir), "gated", nil, LocalOptions{IndexCacheDir: "-"})
	if err != nil {
		t.Fatal(err)
	}
	conns, _ := whole.Connections(ctx)
	if len(conns) != 3 {
		t.Fatalf("%d connections", len(conns))
	}
	asked, other := conns[0].ID, conns[2].ID
	defer func(n int64) { backgroundIndexBytes = n }(backgroundIndexBytes)
	backgroundIndexBytes = 1

	gate := gatedFS{FS: os.DirFS(dir), held: other, open: make(chan struct{})}
	early, err := OpenFSWith(gate, "gated", nil, LocalOptions{IndexCacheDir: "-"})
	if err != nil {
		t.Fatal(err)
	}
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	gotConns, err := early.Connections(qctx)
	if err != nil || !reflect.DeepEqual(gotConns, conns) {
		t.Fatalf("connections before the index is done: %v (%v), want %v", gotConns, err, conns)
	}
	exts, err := early.Extents(qctx, asked)
	if want, _ := whole.Extents(ctx, asked); err != nil || !reflect.DeepEqual(exts, want) {
		t.Fatalf("extents %v (%v), want %v", exts, err, want)
	}
	q := LogQuery{VPNConnectionID: asked, Start: exts[0].First, End: exts[0].First.Add(6 * time.Hour), CountLiveness: true}
	got, err := early.Logs(qctx, q)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := whole.Logs(ctx, q)
	if len(want.Events) == 0 || !reflect.DeepEqual(got.Events, want.Events) || !reflect.DeepEqual(got.Liveness, want.Liveness) {
		t.Errorf("%d records before the index is done, want %d", len(got.Events), len(want.Events))
	}
	if !strings.Contains(strings.Join(got.Notes, "\n"), "still being indexed") {
		t.Errorf("the early answer does not say the folder is still being indexed: %q", got.Notes)
	}
	select {
	case <-early.ready:
		t.Fatal("the index finished with the other connection's files held back")
	default:
	}
	close(gate.open)
	if !reflect.DeepEqual(early.LoadReport(), whole.LoadReport()) {
		t.Errorf("load report %+v, want %+v", early.LoadReport(), whole.LoadReport())
	}

	// A file that names no connection may hold any: questions wait.
	b, err := os.ReadFile(dir + "/" + asked + "_" + conns[0].Tunnels[0].OutsideIP + "-BGP.log.gz")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/export-000001.gz", b, 0o644); err != nil {
		t.Fatal(err)
	}
	gate = gatedFS{FS: os.DirFS(dir), held: "export-", open: make(chan struct{})}
	waits, err := OpenFSWith(gate, "gated", nil, LocalOptions{IndexCacheDir: "-"})
	if err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancelShort()
	if _, err := waits.Logs(short, q); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("with a file naming no connection held back, the question answered (err %v)", err)
	}
	close(gate.open)
	if _, err := waits.Logs(qctx, q); err != nil {
		t.Errorf("after the index: %v", err)
	}
}

// openCounter records which files were opened.
type openCounter struct {
	fs.FS
	mu     sync.Mutex
	opened map[string]int
}

func (o *openCounter) Stat(name string) (fs.FileInfo, error) { return fs.Stat(o.FS, name) }

func (o *openCounter) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(o.FS, name) }

func (o *openCounter) Open(name string) (fs.File, error) {
	o.mu.Lock()
	o.opened[name]++
	o.mu.Unlock()
	return o.FS.Open(name)
}

func (o *openCounter) others(vpn string) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for name := range o.opened {
		if strings.HasPrefix(name, "vpn-") && !strings.HasPrefix(name, vpn) {
			out = append(out, name)
		}
	}
	return out
}

// TestLocalOnDemand: indexed on demand (a one-shot command), a question
// about one connection opens only that connection's files, answers as the
// whole index does, and keeps what it indexed in the cache for the next
// run; the change history does not wait for the index; the load report,
// which needs the whole folder, indexes the rest.
func TestLocalOnDemand(t *testing.T) {
	dir := t.TempDir()
	if _, err := corpus.WriteDir(dir, 1<<20, corpus.Options{Connections: 3, Seed: 9, Gzip: true}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	whole, err := OpenFSWith(os.DirFS(dir), "folder", nil, LocalOptions{IndexCacheDir: "-"})
	if err != nil {
		t.Fatal(err)
	}
	conns, _ := whole.Connections(ctx)
	asked := conns[1].ID
	defer func(n, m int64) { backgroundIndexBytes, indexCacheMinBytes = n, m }(backgroundIndexBytes, indexCacheMinBytes)
	backgroundIndexBytes, indexCacheMinBytes = 1, 1
	cache := t.TempDir()

	for run := range 2 {
		fsys := &openCounter{FS: os.DirFS(dir), opened: map[string]int{}}
		l, err := OpenFSWith(fsys, "folder", nil, LocalOptions{OnDemand: true, IndexCacheDir: cache, IndexCacheID: dir})
		if err != nil {
			t.Fatal(err)
		}
		qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if _, err := l.Changes(qctx, ChangeQuery{}); err != nil {
			t.Fatalf("run %d: changes: %v", run, err)
		}
		exts, err := l.Extents(qctx, asked)
		if want, _ := whole.Extents(ctx, asked); err != nil || !reflect.DeepEqual(exts, want) {
			t.Fatalf("run %d: extents %v (%v), want %v", run, exts, err, want)
		}
		q := LogQuery{VPNConnectionID: asked, Start: exts[0].First, End: exts[0].Last.Add(time.Second), CountLiveness: true}
		got, err := l.Logs(qctx, q)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		want, _ := whole.Logs(ctx, q)
		if len(want.Events) == 0 || !reflect.DeepEqual(got.Events, want.Events) || !reflect.DeepEqual(got.Liveness, want.Liveness) {
			t.Errorf("run %d: %d records on demand, want %d", run, len(got.Events), len(want.Events))
		}
		if !strings.Contains(strings.Join(got.Notes, "\n"), "named for other connections, was not read") {
			t.Errorf("run %d: the answer does not say the rest was not read: %q", run, got.Notes)
		}
		if o := fsys.others(asked); len(o) > 0 {
			t.Errorf("run %d: files of other connections opened: %v", run, o)
		}
		if run == 1 {
			for name, n := range fsys.opened {
				if n > 1 {
					t.Errorf("run 2: %s opened %d times: its index was not kept", name, n)
				}
			}
			if !reflect.DeepEqual(l.LoadReport(), whole.LoadReport()) {
				t.Errorf("load report %+v, want %+v", l.LoadReport(), whole.LoadReport())
			}
			if len(fsys.others(asked)) == 0 {
				t.Error("the load report did not index the rest of the folder")
			}
		}
	}
}
