package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/view"
)

type timelineFlags struct {
	questionFlags
	start, end    string
	cursor        string
	collapse      bool
	anomaliesOnly *bool // nil: not given, the tool's default view
}

func newTimelineCommand() *cobra.Command {
	var f timelineFlags
	var anomaliesOnly bool
	cmd := &cobra.Command{
		Use:   "timeline --vpn ID [--start TIME] [--end TIME] [flags]",
		Short: "Print a connection's four log streams merged into one classified timeline",
		Long: `Merge the four log streams of a VPN connection (IKE and BGP of both tunnels)
into one ordered timeline for a window, each record classified, repeated
records collapsed into one line with a count, and incidents marked with their
ids and root causes. It is the get_vpn_timeline tool an assistant calls.

By default the window is the 24 hours up to the newest record, and trouble,
IKE and BGP state changes and every record during an incident are listed
while routine records are counted; --anomalies-only lists only trouble,
--anomalies-only=false every record. --start and --end take RFC 3339,
"YYYY-MM-DD HH:MM[:SS]", "HH:MM[:SS]", "latest-7d" or "now-2h", in
--timezone (default UTC).`,
		Example: `  vpnlens timeline --demo --vpn vpn-0f9e8d7c6b5a40312 --anomalies-only
  vpnlens timeline --demo --vpn hq-datacenter --start 20:00 --end 22:00 --tunnel 2
  vpnlens timeline --logs-dir ./exported-logs --vpn vpn-0abc --start latest-2h --collapse=false --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("anomalies-only") {
				f.anomaliesOnly = &anomaliesOnly
			}
			return runTimeline(cmd, &f)
		},
	}
	f.addFlags(cmd, "default both")
	fs := cmd.Flags()
	fs.StringVar(&f.start, "start", "", "window start `TIME` (default: 24h before the newest record)")
	fs.StringVar(&f.end, "end", "", "window end `TIME` (default: the newest record)")
	fs.StringVar(&f.cursor, "cursor", "", "continue a long timeline where the previous page stopped (the cursor it printed)")
	fs.BoolVar(&f.collapse, "collapse", true, "collapse repeated records into one line with a count (--collapse=false: every record)")
	fs.BoolVar(&anomaliesOnly, "anomalies-only", false, "only records that mark trouble (--anomalies-only=false: every record; default: trouble, state changes and incidents listed, routine records counted)")
	return cmd
}

func runTimeline(cmd *cobra.Command, f *timelineFlags) error {
	oneShotGC()
	deps, err := f.open(cmd)
	if err != nil {
		return err
	}
	if err := checkArgs(cmd.Context(), deps.Inventory, questionArgs{
		vpn: f.vpn, tunnel: f.tunnel, timezone: f.timezone,
		times: []timeArg{{flag: "start", value: f.start}, {flag: "end", value: f.end}},
	}); err != nil {
		return err
	}
	res, err := askTimeline(cmd.Context(), deps, f)
	return printResult(cmd.OutOrStdout(), res, err, f.asJSON)
}

// askTimeline asks the service the question the flags state (checked by
// checkArgs): the timeline get_vpn_timeline gives an assistant.
func askTimeline(ctx context.Context, svc *investigate.Service, f *timelineFlags) (answer, error) {
	conn, tun, loc, err := f.scope(ctx, svc)
	if err != nil {
		return nil, err
	}
	w, err := svc.ResolveWindow(ctx, investigate.WindowSpec{Start: f.start, End: f.end, Loc: loc}, conn.ID, investigate.DefaultSpan)
	if err != nil {
		return nil, err
	}
	// Only a flag given chooses the view: left out, trouble and state
	// changes are listed and routine records counted.
	mode := investigate.ViewDefault
	switch {
	case f.anomaliesOnly != nil && *f.anomaliesOnly:
		mode = investigate.ViewAnomalies
	case f.anomaliesOnly != nil || !f.collapse:
		mode = investigate.ViewAll
	}
	res, err := svc.Timeline(ctx, investigate.TimelineQuestion{Conn: conn, Window: w, Tunnel: tun, Collapse: f.collapse, View: mode,
		Spec: investigate.WindowSpec{Start: f.start, End: f.end, Loc: loc}, Cursor: f.cursor})
	if err != nil {
		return nil, err
	}
	return view.TimelineOf(res), nil
}
