// Command readbench decodes and classifies every record in a folder the way
// `vpnlens serve --logs-dir` does (vpnlog.ReadDir) and prints throughput
// as JSON. scripts/bench.sh runs it with GOMAXPROCS=1 under /usr/bin/time.
//
//	go run ./internal/corpusgen/readbench DIR
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/vpnlens/vpnlens/vpnlog"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: readbench DIR")
		os.Exit(2)
	}
	start := time.Now()
	var rep vpnlog.Report
	var down int64
	err := vpnlog.ReadDir(os.Args[1], &rep, func(ev *vpnlog.Event) error {
		if ev.BGPStatus == "DOWN" {
			down++
		}
		return nil
	})
	elapsed := time.Since(start).Seconds()
	if err != nil {
		fmt.Fprintln(os.Stderr, "readbench:", err)
		os.Exit(1)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	out := map[string]any{
		"files":            rep.Files,
		"bytes":            rep.Bytes,
		"records":          rep.Records,
		"malformed":        rep.MalformedCount,
		"unknown":          rep.UnknownCount,
		"status_down":      down,
		"seconds":          elapsed,
		"mb_per_s":         float64(rep.Bytes) / 1e6 / elapsed,
		"events_per_s":     float64(rep.Records) / elapsed,
		"allocs_per_event": float64(ms.Mallocs) / float64(max(rep.Records, 1)),
		"gomaxprocs":       runtime.GOMAXPROCS(0),
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
}
