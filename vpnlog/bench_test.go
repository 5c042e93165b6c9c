package vpnlog

import (
	"bytes"
	"compress/gzip"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/vpnlens/vpnlens/internal/corpusgen/corpus"
)

// The benchmarks decode a corpus with the real message mix (see
// internal/corpusgen). The issue asks for >= 200 MB/s parse+classify on one
// core for JSON lines: run with -cpu 1 (GOMAXPROCS=1) to measure that.

const benchCorpusBytes = 32 << 20

var (
	benchJSON = sync.OnceValue(func() []byte { return corpus.Lines(corpus.Options{Seed: 1}, benchCorpusBytes) })
	benchText = sync.OnceValue(func() []byte { return corpus.Lines(corpus.Options{Seed: 1, Text: true}, benchCorpusBytes) })
	benchGzip = sync.OnceValue(func() []byte {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
		zw.Write(benchJSON())
		zw.Close()
		return buf.Bytes()
	})
)

// benchmarkRead reads data (uncompressed bytes of input) per iteration and
// reports MB/s (of uncompressed input), events/s and allocations per event.
func benchmarkRead(b *testing.B, data []byte, uncompressed int) {
	b.SetBytes(int64(uncompressed))
	var events, malformed int64
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0 := processCPUSeconds()
	b.ResetTimer()
	for b.Loop() {
		var rep Report
		err := ReadRecords(bytes.NewReader(data), ReadOptions{Name: "bench"}, &rep, func(*Event) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		events += rep.Records
		malformed += rep.MalformedCount
	}
	b.StopTimer()
	cpu := processCPUSeconds() - cpu0
	runtime.ReadMemStats(&after)
	if events == 0 || malformed != 0 {
		b.Fatalf("%d events, %d malformed", events, malformed)
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(events), "allocs/event")
	if cpu > 0 {
		// Throughput per second of CPU time (all threads): with -cpu 1 this
		// is the one-core figure, undistorted by other load on the machine.
		b.ReportMetric(float64(b.N)*float64(uncompressed)/1e6/cpu, "MB/cpu-s")
	}
}

func BenchmarkReadJSONLines(b *testing.B) {
	data := benchJSON()
	benchmarkRead(b, data, len(data))
}

func BenchmarkReadGzip(b *testing.B) {
	data := benchGzip()
	benchmarkRead(b, data, len(benchJSON()))
}

func BenchmarkReadText(b *testing.B) {
	data := benchText()
	benchmarkRead(b, data, len(data))
}

// BenchmarkParseRecord decodes and classifies one typical record, without
// the reader around it.
func BenchmarkParseRecord(b *testing.B) {
	line := []byte(`{"resource_id":"vpn-0abc1234_203.0.113.10","event_timestamp":1781295960000,"timestamp":"2026-06-12 20:26:00.000Z","type":"RouteStatus","status":"UPDATED","message":{"prefix":"10.1.0.0/16","asPath":"65000","localPref":100,"med":0,"nextHopIp":"169.254.10.1","weight":32768}}`)
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	var ev Event
	for b.Loop() {
		ev = Event{}
		if _, err := decodeRecord(&ev, string(line), StreamID{}, 0, envelopeAuto, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFastJSON measures the hand-rolled JSON scanner alone.
func BenchmarkFastJSON(b *testing.B) {
	head := benchJSON()[:1<<20]
	head = head[:bytes.LastIndexByte(head, '\n')]
	lines := strings.Split(string(head), "\n")
	total := 0
	for _, l := range lines {
		total += len(l)
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	cpu0 := processCPUSeconds()
	for b.Loop() {
		for _, l := range lines {
			var rf recordFields
			if !fastParseJSONRecord(l, &rf) {
				b.Fatalf("fast path refused %q", l)
			}
		}
	}
	if cpu := processCPUSeconds() - cpu0; cpu > 0 {
		b.ReportMetric(float64(b.N)*float64(total)/1e6/cpu, "MB/cpu-s")
	}
}
