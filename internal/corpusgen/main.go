// Command corpusgen writes a large, realistic, deterministic corpus of AWS
// Site-to-Site VPN logs (one file per stream, named as AWS names the
// streams) for throughput tests:
//
//	go run ./internal/corpusgen -out /tmp/vpnlens-corpus -size 1GB
//
// It writes real density by default (the liveness exchange about every
// 10 s on each tunnel, rekeys at the configured lifetimes; see package
// corpus); -density sparse writes the earlier, sparser mix.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/vpnlens/vpnlens/internal/corpusgen/corpus"
)

func main() {
	out := flag.String("out", "", "folder to write into (created if missing)")
	size := flag.String("size", "1GB", "uncompressed size to write: KB, MB or GB (powers of 1024), or bytes")
	conns := flag.Int("connections", 40, "VPN connections (two tunnels, four streams each)")
	seed := flag.Uint64("seed", 1, "random seed; the same flags give the same bytes")
	format := flag.String("format", "json", "record format: json or text")
	gz := flag.Bool("gzip", false, "gzip each file")
	density := flag.String("density", "real", "routine traffic: real (the liveness exchange every ~10 s per tunnel, rekeys hourly) or sparse (an IKE record about every 20 s, no liveness exchange)")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: corpusgen -out DIR [-size 1GB] [-connections N] [-seed N] [-format json|text] [-gzip] [-density real|sparse]")
		os.Exit(2)
	}
	if *density != "real" && *density != "sparse" {
		fmt.Fprintln(os.Stderr, "corpusgen: -density must be real or sparse")
		os.Exit(2)
	}
	n, err := corpus.ParseSize(*size)
	if err != nil {
		fmt.Fprintln(os.Stderr, "corpusgen:", err)
		os.Exit(2)
	}
	if *format != "json" && *format != "text" {
		fmt.Fprintln(os.Stderr, "corpusgen: -format must be json or text")
		os.Exit(2)
	}
	start := time.Now()
	sum, err := corpus.WriteDir(*out, n, corpus.Options{Connections: *conns, Seed: *seed, Text: *format == "text", Gzip: *gz, Sparse: *density == "sparse"})
	if err != nil {
		fmt.Fprintln(os.Stderr, "corpusgen:", err)
		os.Exit(1)
	}
	res := struct {
		Dir string `json:"dir"`
		corpus.Summary
		Seconds float64 `json:"seconds"`
	}{*out, sum, time.Since(start).Seconds()}
	b, _ := json.Marshal(res)
	fmt.Println(string(b))
}
