// Command s3estate serves a logs folder from the fake S3 in one of the
// layouts AWS writes, so that the vpnlens binary can be measured on
// --logs-s3 as a user runs it:
//
//	go run ./internal/corpusgen -out /tmp/vpnlens-s3-corpus -size 560MB -connections 10
//	go run ./internal/fakes3/s3estate -from /tmp/vpnlens-s3-corpus -layout export -listen 127.0.0.1:9000 -latency 30ms
//	AWS_ENDPOINT_URL_S3=http://127.0.0.1:9000 AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_REGION=eu-central-1 \
//	  vpnlens timeline --logs-s3 s3://vpn-logs/exports --vpn … --start … --end …
//	curl -s http://127.0.0.1:9000/_fakes3/stats    # requests per operation, bytes served
//
// The folder holds one file per stream ("<vpn>_<ip>-IKE.log", gzipped or
// not), as internal/corpusgen and testdata/demo write it. It runs until
// interrupted.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/vpnlens/vpnlens/internal/fakes3"
)

func main() {
	from := flag.String("from", "", "logs folder to serve (one file per stream)")
	layout := flag.String("layout", "export", "export (CloudWatch export task: <prefix>/<task>/<stream>/000000.gz) or vended (AWSLogs/<account>/<service>/<region>/yyyy/MM/dd/HH/)")
	bucket := flag.String("bucket", "vpn-logs", "bucket name")
	prefix := flag.String("prefix", "exports", "key prefix (export: the export task's destination prefix; vended: the delivery destination's, \"\" for AWSLogs/ at the top)")
	perPart := flag.Int("records-per-part", 100000, "export: records per 000000.gz part")
	listen := flag.String("listen", "127.0.0.1:9000", "address to serve on")
	latency := flag.Duration("latency", 0, "added to every request (S3's first-byte latency in a region is some tens of ms)")
	region := flag.String("region", "eu-central-1", "the bucket's region")
	flag.Parse()
	if *from == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: s3estate -from DIR [-layout export|vended] [-listen ADDR] [-latency D]")
		os.Exit(2)
	}
	f := fakes3.New(fakes3.Options{Listen: *listen, Latency: *latency, Region: *region})
	defer f.Close()
	start := time.Now()
	var keys []string
	var err error
	switch *layout {
	case "export":
		keys, err = f.PutExportTask(*bucket, *prefix, *from, "3a6f1c2e-9b4d-4f7a-8e21-5c0d9a7b3e64", *perPart)
	case "vended":
		keys, err = f.PutVendedDelivery(*bucket, *prefix, *from, fakes3.Vended{Account: "111122223333", Service: "vpn", Region: *region})
	default:
		err = fmt.Errorf("unknown -layout %q: export or vended", *layout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "s3estate:", err)
		os.Exit(1)
	}
	var size int64
	for _, k := range keys {
		size += int64(len(f.Object(*bucket, k)))
	}
	url := "s3://" + *bucket
	if *prefix != "" {
		url += "/" + *prefix
	}
	fmt.Printf("serving %d objects (%d bytes) of %s at %s as %s (%s layout, built in %v)\n", len(keys), size, *from, f.URL, url, *layout, time.Since(start).Round(time.Millisecond))
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	<-stop
}
