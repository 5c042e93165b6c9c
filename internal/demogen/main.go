// Command demogen writes the embedded demo data set: one day (2026-06-12 UTC)
// of AWS Site-to-Site VPN tunnel activity (IKE) and BGP logs for two VPN
// connections with labelled incidents, plus the describe-vpn-connections
// output for three connections (the third has logging disabled).
//
// It writes real density by default: besides the incidents, state records,
// rekeys and route refreshes, every tunnel logs the liveness exchange about
// every 10 s while its IKE SA is up, as a real tunnel with DPD on does
// (about 68,700 records for the day). -density sparse leaves that exchange
// out (about 1,900 records, for reading by eye). The stream files are
// written gzipped (<stream>.log.gz), as the readers accept them.
//
// The output is deterministic (fixed seed, no wall clock) so the committed
// copy in testdata/demo can be checked against the generator (gzipped files
// after decompression):
//
//	go run ./internal/demogen -out testdata/demo
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/vpnlens/vpnlens/internal/demogen/tunnelsim"
)

func main() {
	out := flag.String("out", "testdata/demo", "directory to write the demo data set into")
	density := tunnelsim.DensityReal
	flag.Func("density", "routine traffic: real (the liveness exchange every ~10 s while a tunnel is up, as AWS logs it; default) or sparse (without it)", func(s string) error {
		d, err := tunnelsim.ParseDensity(s)
		density = d
		return err
	})
	flag.Parse()
	if err := generate(*out, density); err != nil {
		fmt.Fprintln(os.Stderr, "demogen:", err)
		os.Exit(1)
	}
}

// generate writes every file of the data set into dir (created if missing).
// It does not delete anything already there.
func generate(dir string, density tunnelsim.Density) error {
	files, err := build(density)
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
