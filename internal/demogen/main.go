// Command demogen writes the embedded demo data set: one day (2026-06-12 UTC)
// of AWS Site-to-Site VPN tunnel activity (IKE) and BGP logs for two VPN
// connections with labelled incidents, plus the describe-vpn-connections
// output for three connections (the third has logging disabled).
//
// The output is deterministic (fixed seed, no wall clock) so the committed
// copy in testdata/demo can be checked byte for byte against the generator:
//
//	go run ./internal/demogen -out testdata/demo
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	out := flag.String("out", "testdata/demo", "directory to write the demo data set into")
	flag.Parse()
	if err := generate(*out); err != nil {
		fmt.Fprintln(os.Stderr, "demogen:", err)
		os.Exit(1)
	}
}

// generate writes every file of the data set into dir (created if missing).
// It does not delete anything already there.
func generate(dir string) error {
	files, err := build()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
