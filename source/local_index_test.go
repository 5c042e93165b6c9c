package source

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/internal/corpusgen/corpus"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// TestLocalSampledFilesAnswerAsReadWhole: a folder whose files are indexed
// from their ends (and read by seeking) answers every question as when
// each file is read whole, with the same file and line for each record;
// reopening from the index cache answers the same again.
func TestLocalSampledFilesAnswerAsReadWhole(t *testing.T) {
	dir := t.TempDir()
	if _, err := corpus.WriteDir(dir, 6<<20, corpus.Options{Connections: 3, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	whole, err := OpenDirWith(dir, nil, LocalOptions{IndexCacheDir: "-"})
	if err != nil {
		t.Fatal(err)
	}
	if whole.sampled != 0 {
		t.Fatalf("%d files sampled below the size limit", whole.sampled)
	}
	defer func(n, c int64) { sampleMinSize, indexCacheMinBytes = n, c }(sampleMinSize, indexCacheMinBytes)
	sampleMinSize, indexCacheMinBytes = 64<<10, 1
	cacheDir := t.TempDir()
	sampled, err := OpenDirWith(dir, nil, LocalOptions{IndexCacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	if sampled.sampled == 0 {
		t.Fatal("no file sampled")
	}
	if lr := sampled.LoadReport(); lr.SampledFiles != sampled.sampled || lr.SampledNote == "" {
		t.Errorf("load report says nothing of the sampled files: %+v", lr)
	}
	cached, err := OpenDirWith(dir, nil, LocalOptions{IndexCacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(cacheDir); len(ents) != 1 || filepath.Ext(ents[0].Name()) != ".json" {
		t.Fatalf("index cache: %v", ents)
	}
	conns, _ := whole.Connections(ctx)
	if got, _ := sampled.Connections(ctx); !reflect.DeepEqual(got, conns) {
		t.Fatalf("connections differ:\n%v\n%v", got, conns)
	}
	exts, _ := whole.Extents(ctx, conns[0].ID)
	first, last := exts[0].First, exts[0].Last
	for _, e := range exts {
		first, last = minTime(first, e.First), maxTime(last, e.Last)
	}
	span := last.Sub(first)
	var qs []LogQuery
	for _, c := range conns {
		for _, f := range []float64{0, 0.13, 0.5, 0.77, 0.99} {
			at := first.Add(time.Duration(f * float64(span))).Add(-7 * time.Minute)
			qs = append(qs,
				LogQuery{VPNConnectionID: c.ID, Start: at, End: at.Add(41*time.Minute + 333*time.Millisecond)},
				LogQuery{VPNConnectionID: c.ID, Start: at, End: at.Add(3 * time.Hour), AnomaliesOnly: true},
				LogQuery{VPNConnectionID: c.ID, Start: at, End: at.Add(2 * time.Hour), Kinds: []vpnlog.StreamKind{vpnlog.StreamIKE}, TunnelIPs: []string{c.Tunnels[0].OutsideIP}})
		}
		qs = append(qs, LogQuery{VPNConnectionID: c.ID, Start: first.Add(-time.Hour), End: last.Add(time.Hour)}, LogQuery{VPNConnectionID: c.ID})
	}
	for i, q := range qs {
		want, err := whole.Logs(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for name, l := range map[string]*Local{"sampled": sampled, "cached": cached} {
			got, err := l.Logs(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Events) != len(want.Events) || !reflect.DeepEqual(got.Events, want.Events) {
				t.Errorf("question %d (%+v), %s: %d records, want %d", i, q, name, len(got.Events), len(want.Events))
			}
		}
		if i == 0 && len(want.Events) == 0 {
			t.Errorf("question %d has no records", i)
		}
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// TestLocalIndexCacheFollowsChanges: a file whose size or time changed is
// indexed again, and an unreadable cache file is rebuilt.
func TestLocalIndexCacheFollowsChanges(t *testing.T) {
	defer func(c int64) { indexCacheMinBytes = c }(indexCacheMinBytes)
	indexCacheMinBytes = 1
	dir, cacheDir := t.TempDir(), t.TempDir()
	if _, err := corpus.WriteDir(dir, 256<<10, corpus.Options{Connections: 1, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	open := func() *Local {
		t.Helper()
		l, err := OpenDirWith(dir, nil, LocalOptions{IndexCacheDir: cacheDir})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	first := open()
	records := first.Report().Records
	ents, _ := os.ReadDir(cacheDir)
	if len(ents) != 1 {
		t.Fatalf("index cache: %v", ents)
	}
	cacheFile := filepath.Join(cacheDir, ents[0].Name())

	// One more record in one file: its size changes.
	logs, _ := filepath.Glob(filepath.Join(dir, "*-IKE.log"))
	line := `{"event_timestamp":1780272000000,"details":"AWS tunnel detected a pre-shared key mismatch"}` + "\n"
	fh, err := os.OpenFile(logs[0], os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fh.WriteString(line)
	fh.Close()
	second := open()
	if got := second.Report().Records; got != records+1 {
		t.Errorf("after a file grew: %d records, want %d", got, records+1)
	}

	// A broken cache file is ignored and rewritten.
	if err := os.WriteFile(cacheFile, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	third := open()
	if got := third.Report().Records; got != records+1 {
		t.Errorf("with a broken cache: %d records, want %d", got, records+1)
	}
	if b, _ := os.ReadFile(cacheFile); len(b) < 2 || b[0] != '{' || b[1] != '"' {
		t.Errorf("broken cache not rewritten: %.40q", b)
	}
	conns, _ := third.Connections(ctx)
	exts, _ := third.Extents(ctx, conns[0].ID)
	if len(exts) != 4 {
		t.Errorf("extents: %+v", exts)
	}
}

// TestLocalMarksAnswerAsReadFromStart: gzip files (and plain ones) read
// from a mark answer as when read from their first line.
func TestLocalMarksAnswerAsReadFromStart(t *testing.T) {
	for _, gz := range []bool{true, false} {
		dir := t.TempDir()
		if _, err := corpus.WriteDir(dir, 3<<20, corpus.Options{Connections: 2, Seed: 11, Gzip: gz}); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		defer func(n int) { markEvery = n }(markEvery)
		markEvery = 1 << 30
		plain, err := OpenDirWith(dir, nil, LocalOptions{IndexCacheDir: "-"})
		if err != nil {
			t.Fatal(err)
		}
		markEvery = 97
		marked, err := OpenDirWith(dir, nil, LocalOptions{IndexCacheDir: "-"})
		if err != nil {
			t.Fatal(err)
		}
		nMarks := 0
		for _, f := range marked.files {
			nMarks += len(f.Marks)
		}
		if nMarks == 0 {
			t.Fatal("no marks")
		}
		conns, _ := plain.Connections(ctx)
		exts, _ := plain.Extents(ctx, conns[0].ID)
		first, last := exts[0].First, exts[0].Last
		span := last.Sub(first)
		n := 0
		for _, c := range conns {
			for _, fr := range []float64{0.01, 0.3, 0.62, 0.95} {
				at := first.Add(time.Duration(fr * float64(span)))
				for _, q := range []LogQuery{
					{VPNConnectionID: c.ID, Start: at, End: at.Add(47 * time.Minute)},
					{VPNConnectionID: c.ID, Start: at, End: at.Add(5 * time.Hour), AnomaliesOnly: true},
				} {
					want, _ := plain.Logs(ctx, q)
					got, _ := marked.Logs(ctx, q)
					n += len(want.Events)
					if !reflect.DeepEqual(got.Events, want.Events) {
						t.Errorf("gzip %v, %+v: %d records, want %d", gz, q, len(got.Events), len(want.Events))
					}
				}
			}
		}
		if n == 0 {
			t.Error("no records asked for")
		}
		if marksRead.Load() == 0 {
			t.Error("no file read from a mark")
		}
		marksRead.Store(0)
	}
}

// TestLocalBackgroundIndex: a folder indexed in the background answers, once
// the index is built, as one indexed before OpenDir returns.
func TestLocalBackgroundIndex(t *testing.T) {
	dir := t.TempDir()
	if _, err := corpus.WriteDir(dir, 1<<20, corpus.Options{Connections: 2, Seed: 5, Gzip: true}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sync, err := OpenDirWith(dir, nil, LocalOptions{IndexCacheDir: "-"})
	if err != nil {
		t.Fatal(err)
	}
	defer func(n int64) { backgroundIndexBytes = n }(backgroundIndexBytes)
	backgroundIndexBytes = 1
	bg, err := OpenDirWith(dir, nil, LocalOptions{IndexCacheDir: "-"})
	if err != nil {
		t.Fatal(err)
	}
	conns, err := bg.Connections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := sync.Connections(ctx); !reflect.DeepEqual(conns, want) {
		t.Fatalf("connections %v, want %v", conns, want)
	}
	exts, _ := bg.Extents(ctx, conns[0].ID)
	q := LogQuery{VPNConnectionID: conns[0].ID, Start: exts[0].First, End: exts[0].First.Add(2 * time.Hour)}
	got, _ := bg.Logs(ctx, q)
	want, _ := sync.Logs(ctx, q)
	if len(want.Events) == 0 || !reflect.DeepEqual(got.Events, want.Events) {
		t.Errorf("%d records, want %d", len(got.Events), len(want.Events))
	}
	if !reflect.DeepEqual(bg.LoadReport(), sync.LoadReport()) {
		t.Errorf("load report %+v, want %+v", bg.LoadReport(), sync.LoadReport())
	}
}
