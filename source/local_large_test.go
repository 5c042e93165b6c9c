package source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/internal/corpusgen/corpus"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// The large-folder measurement: a deterministic folder (internal/corpusgen:
// 10 connections, one file per stream, at real density the liveness
// exchange every ~10 s per tunnel), opened as --logs-dir is, then one
// question on one connection-day. Run with
//
//	VPNLENS_LARGE=1 go test ./source -run TestLocalLargeFolderQuestion -v
//
// VPNLENS_LARGE_SIZE sets the folder size (default 2.4GB; corpusgen sizes:
// KB, MB, GB), VPNLENS_LARGE_DIR keeps the folder there between runs
// (generated when missing or empty), VPNLENS_LARGE_GZIP=1 gzips each file
// (as CloudWatch's export to S3 does), VPNLENS_LARGE_DENSITY=sparse writes
// the corpus generator's earlier, sparser mix (the README's figures were
// measured on it). It prints the open time, the question time and the peak
// RSS (VmHWM) of the test process.

func largeFolder(tb testing.TB) string {
	if os.Getenv("VPNLENS_LARGE") == "" {
		tb.Skip("set VPNLENS_LARGE=1 to generate and read a large logs folder")
	}
	size := os.Getenv("VPNLENS_LARGE_SIZE")
	if size == "" {
		size = "2.4GB"
	}
	n, err := corpus.ParseSize(size)
	if err != nil {
		tb.Fatal(err)
	}
	dir := os.Getenv("VPNLENS_LARGE_DIR")
	if dir == "" {
		dir = filepath.Join(tb.TempDir(), "logs")
	}
	if ents, _ := os.ReadDir(dir); len(ents) > 0 {
		return dir
	}
	start := time.Now()
	sum, err := corpus.WriteDir(dir, n, corpus.Options{Connections: 10, Seed: 1, Gzip: os.Getenv("VPNLENS_LARGE_GZIP") != "",
		Sparse: os.Getenv("VPNLENS_LARGE_DENSITY") == "sparse"})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Logf("generated %s: %d files, %d records, %d bytes in %v", dir, sum.Files, sum.Records, sum.Bytes, time.Since(start).Round(time.Millisecond))
	return dir
}

// peakRSS is the process's VmHWM line from /proc/self/status.
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:"))
		}
	}
	return "unknown"
}

func TestLocalLargeFolderQuestion(t *testing.T) {
	dir := largeFolder(t)
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	t0 := time.Now()
	l, err := OpenDir(dir, logger)
	if err != nil {
		t.Fatal(err)
	}
	conns, err := l.Connections(ctx)
	if err != nil || len(conns) == 0 {
		t.Fatalf("connections: %v %v", conns, err)
	}
	exts, err := l.Extents(ctx, conns[0].ID)
	if err != nil || len(exts) == 0 {
		t.Fatalf("extents: %v %v", exts, err)
	}
	open := time.Since(t0)
	first, last := exts[0].First, exts[0].Last
	for _, e := range exts {
		if e.First.Before(first) {
			first = e.First
		}
		if e.Last.After(last) {
			last = e.Last
		}
	}
	// A connection-day in the middle of the folder's time range.
	day := first.Add(last.Sub(first) / 2).Truncate(24 * time.Hour)
	t1 := time.Now()
	res, err := l.Logs(ctx, LogQuery{VPNConnectionID: conns[0].ID, Start: day, End: day.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	question := time.Since(t1)
	if len(res.Events) == 0 {
		t.Fatal("no records on the day asked")
	}
	t.Logf("folder %s: logs from %s to %s, %d connections", dir, first.Format(time.RFC3339), last.Format(time.RFC3339), len(conns))
	t.Logf("open (to connections and extents): %v", open.Round(time.Millisecond))
	t.Logf("question (%s, %s, one day): %d records in %v", conns[0].ID, day.Format("2006-01-02"), len(res.Events), question.Round(time.Millisecond))
	t.Logf("peak RSS (VmHWM): %s", peakRSS())
	// Digests of a few answers, to compare with another version's.
	for i, q := range []LogQuery{
		{VPNConnectionID: conns[0].ID, Start: day, End: day.Add(24 * time.Hour)},
		{VPNConnectionID: conns[len(conns)-1].ID, Start: first.Add(-time.Hour), End: first.Add(90 * time.Minute)},
		{VPNConnectionID: conns[1].ID, Start: day.Add(1234567 * time.Millisecond), End: day.Add(7654321 * time.Millisecond), AnomaliesOnly: true},
		{VPNConnectionID: conns[2].ID, Start: last.Add(-3 * time.Hour), End: last.Add(time.Hour), Kinds: []vpnlog.StreamKind{vpnlog.StreamBGP}},
	} {
		res, err := l.Logs(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("answer %d: %d records, digest %s", i, len(res.Events), eventsDigest(res.Events))
	}
}

// eventsDigest sums up an answer's records: where each was read, its time,
// stream and category, in order.
func eventsDigest(evs []vpnlog.Event) string {
	h := sha256.New()
	for i := range evs {
		e := &evs[i]
		fmt.Fprintf(h, "%s:%d|%d|%s|%s|%d|%s|%v\n", e.File, e.Line, e.TimeMs, e.VPNConnectionID, e.TunnelIP, e.Stream, e.Category, e.Anomaly)
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

func BenchmarkLocalOpenLargeFolder(b *testing.B) {
	dir := largeFolder(b)
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := OpenDir(dir, logger); err != nil {
			b.Fatal(err)
		}
	}
}
