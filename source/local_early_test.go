package source

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"reflect"
	"strings"
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
