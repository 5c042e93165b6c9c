// Command cwestate serves a logs folder from the fake AWS (EC2
// DescribeVpnConnections, CloudWatch Logs, Logs Insights) at AWS-like
// speed, so that the vpnlens binary can be measured on its default
// source as a user runs it:
//
//	go run ./internal/corpusgen -out /tmp/vpnlens-cw-corpus -size 80MB -connections 1
//	go run ./internal/fakeaws/cwestate -from /tmp/vpnlens-cw-corpus &      # prints its URL
//	AWS_ENDPOINT_URL=http://127.0.0.1:PORT AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_REGION=eu-central-1 \
//	  vpnlens timeline --vpn … --start … --end …
//
// Every call waits -latency (100 ms by default), each operation is
// throttled at the account quota AWS documents, and a Logs Insights query
// runs for -query-duration. The folder holds one file per stream
// ("<vpn>_<ip>-IKE.log", gzipped or not) and, optionally,
// vpn-connections.json; without it the connections are implied by the
// stream names. On SIGINT or SIGTERM it prints the calls it answered, per
// operation, and exits.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
)

func main() {
	from := flag.String("from", "", "logs folder to serve (one file per stream)")
	latency := flag.Duration("latency", 100*time.Millisecond, "added to every call")
	query := flag.Duration("query-duration", 500*time.Millisecond, "how long a Logs Insights query runs")
	flag.Parse()
	if *from == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: cwestate -from DIR [-latency D] [-query-duration D]")
		os.Exit(2)
	}
	// The account quotas (requests per second) of the operations vpnlens
	// calls, as the AWS service quotas pages give them.
	quotas := map[string]float64{"FilterLogEvents": 10, "DescribeLogStreams": 25, "GetLogEvents": 25, "StartQuery": 10,
		"GetQueryResults": 10, "StopQuery": 10, "DescribeVpnConnections": 20}
	f := fakeaws.New(fakeaws.Options{Latency: *latency, Throttle: quotas, QueryDuration: *query})
	defer f.Close()
	if _, err := os.Stat(*from + "/vpn-connections.json"); err != nil {
		if err := f.AddConnectionsFor(*from, "/aws/vendedlogs/vpn/logs"); err != nil {
			fmt.Fprintln(os.Stderr, "cwestate:", err)
			os.Exit(1)
		}
	}
	if err := f.LoadDir(*from); err != nil {
		fmt.Fprintln(os.Stderr, "cwestate:", err)
		os.Exit(1)
	}
	fmt.Printf("serving %s at %s (latency %s, Insights queries %s)\n", *from, f.URL, *latency, *query)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
	counts := f.Counts()
	ops := make([]string, 0, len(counts))
	for op := range counts {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		fmt.Printf("calls %s %d\n", op, counts[op])
	}
}
