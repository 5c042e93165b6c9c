package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"

	"github.com/vpnlens/vpnlens/tools"
)

func runTool(name string, args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("vpnlens "+name, flag.ContinueOnError)
	fset.SetOutput(stderr)
	var sf sourceFlags
	var asJSON bool
	var logLevel string
	vpn := fset.String("vpn", "", "VPN connection `id` (may be omitted when there is one)")
	tunnel := fset.String("tunnel", "", `tunnel: "1", "2" or the outside IP (default both)`)
	tz := fset.String("timezone", "", "IANA time `zone` of the times given (default UTC)")
	var at, start, end *string
	var window *int
	var collapse, anomalies *bool
	switch name {
	case "diagnose":
		at = fset.String("at", "", `when it dropped: RFC 3339, "YYYY-MM-DD HH:MM" or "HH:MM" (required)`)
		window = fset.Int("window-minutes", 60, "how far before --at to look for the incident's start")
	case "timeline":
		start = fset.String("start", "", "window start (default: 24h before the newest record)")
		end = fset.String("end", "", "window end (default: the newest record)")
		collapse = fset.Bool("collapse", true, "collapse repeated records into one line with a count")
		anomalies = fset.Bool("anomalies-only", false, "true: only records that mark trouble; false: every record (default: trouble, state changes and incidents listed, routine records counted)")
	}
	if name != "classify" {
		fset.BoolVar(&sf.demo, "demo", false, "use the embedded demo data")
		fset.StringVar(&sf.logsDir, "logs-dir", "", "directory of exported VPN logs")
		fset.StringVar(&sf.region, "region", "", "AWS region (AWS source)")
		fset.StringVar(&sf.profile, "profile", "", "AWS shared-config profile (AWS source)")
		fset.StringVar(&sf.logGroup, "log-group", "", "CloudWatch log group holding the VPN logs (AWS source)")
	}
	fset.BoolVar(&asJSON, "json", false, "print the structured result as JSON")
	fset.StringVar(&logLevel, "log-level", "warn", "log `level` on stderr")
	fset.Usage = func() {
		switch name {
		case "classify":
			fmt.Fprintln(stderr, "usage: vpnlens classify [--json] '<log record or details text>'")
		default:
			fmt.Fprintf(stderr, "usage: vpnlens %s [flags]\n", name)
		}
		fset.PrintDefaults()
	}
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	logger, err := newLogger(os.Stderr, logLevel)
	if err != nil {
		fmt.Fprintln(stderr, "vpnlens:", err)
		return exitUsage
	}
	slog.SetDefault(logger)
	ctx := context.Background()

	if name == "classify" {
		if fset.NArg() != 1 {
			fset.Usage()
			return exitUsage
		}
		res, err := tools.ClassifyMessage(fset.Arg(0))
		return printResult(stdout, stderr, res, err, asJSON)
	}
	if fset.NArg() > 0 {
		fmt.Fprintf(stderr, "vpnlens %s: unexpected arguments %q\n", name, fset.Args())
		return exitUsage
	}
	sf.demoUnlessNamed(stderr)
	deps, err := sf.open(logger)
	if err != nil {
		return exitCode(nil, fail(fmt.Errorf("%s: %w", name, err)), stderr)
	}
	raw := map[string]any{"vpn_connection_id": *vpn, "tunnel": *tunnel, "timezone": *tz}
	switch name {
	case "diagnose":
		if *at == "" {
			fmt.Fprintln(stderr, "vpnlens diagnose: --at is required (when did the tunnel drop?)")
			return exitUsage
		}
		raw["at"], raw["window_minutes"] = *at, strconv.Itoa(*window)
		res, err := tools.DiagnoseTunnelDrop(deps).Handle(ctx, raw)
		return printResult(stdout, stderr, res, err, asJSON)
	default:
		raw["start"], raw["end"], raw["collapse"] = *start, *end, *collapse
		// Only a flag given is an argument: left out, the tool's default
		// view lists trouble and state changes and counts routine records.
		fset.Visit(func(f *flag.Flag) {
			if f.Name == "anomalies-only" {
				raw["anomalies_only"] = *anomalies
			}
		})
		res, err := tools.GetVPNTimeline(deps).Handle(ctx, raw)
		return printResult(stdout, stderr, res, err, asJSON)
	}
}

func printResult(stdout, stderr io.Writer, res tools.Renderer, err error, asJSON bool) int {
	if err != nil {
		fmt.Fprintln(stderr, "vpnlens:", err)
		return exitFail
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			fmt.Fprintln(stderr, "vpnlens:", err)
			return exitFail
		}
		return exitOK
	}
	fmt.Fprint(stdout, res.Text())
	return exitOK
}
