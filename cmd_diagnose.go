package main

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/view"
)

type diagnoseFlags struct {
	questionFlags
	at            string
	gateway       string
	windowMinutes int
}

func newDiagnoseCommand() *cobra.Command {
	var f diagnoseFlags
	cmd := &cobra.Command{
		Use:   "diagnose --vpn ID --at TIME [--tunnel 1|2|IP] [flags]",
		Short: "Explain why a tunnel dropped at a given time: root cause, evidence, impact, actions",
		Long: `Answer "why did tunnel 2 of vpn-... drop at 20:25?": find the incident on that
tunnel at (or shortly before) that time, read all four log streams of the
connection (IKE and BGP of both tunnels) and print the root cause with the log
records that prove it, what kept the tunnel down, lower-ranked alternatives,
the impact (downtime, withdrawn routes, failover to the other tunnel),
recommended actions with gateway commands, and next steps. It is the
diagnose_tunnel_drop tool an assistant calls.

--at takes RFC 3339, "YYYY-MM-DD HH:MM[:SS]", or "HH:MM[:SS]" meaning that time
on the most recent day that has logs, in --timezone (default UTC). Every bad
flag is named in one message (exit code 2).`,
		Example: `  vpnlens diagnose --demo --vpn vpn-0a1b2c3d4e5f60718 --tunnel 2 --at 20:25
  vpnlens diagnose --demo --vpn hq-datacenter --at "2026-06-12 22:25" --timezone Europe/Berlin
  vpnlens diagnose --logs-dir ./exported-logs --vpn vpn-0abc --at 03:10 --window-minutes 180 --json
  vpnlens diagnose --region eu-central-1 --vpn vpn-0abc --tunnel 203.0.113.20 --at now-30m`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runDiagnose(cmd, &f) },
	}
	f.addFlags(cmd, "default: the incident nearest --at on either tunnel")
	fs := cmd.Flags()
	fs.StringVar(&f.at, "at", "", `when it dropped (required): RFC 3339, "YYYY-MM-DD HH:MM[:SS]" or "HH:MM[:SS]"`)
	fs.StringVar(&f.gateway, "gateway", "", "customer gateway `platform` whose commands to include: "+strings.Join(view.GatewayVendors, ", ")+" or all")
	fs.IntVar(&f.windowMinutes, "window-minutes", 60, "how far before --at to look for the incident's start (1 to 1440)")
	return cmd
}

func runDiagnose(cmd *cobra.Command, f *diagnoseFlags) error {
	oneShotGC()
	deps, err := f.open(cmd)
	if err != nil {
		return err
	}
	if err := checkArgs(cmd.Context(), deps.Inventory, questionArgs{
		vpn: f.vpn, tunnel: f.tunnel, timezone: f.timezone, windowMinutes: &f.windowMinutes, gateway: f.gateway,
		times: []timeArg{{flag: "at", value: f.at, required: "when did the tunnel drop? e.g. --at 20:25 or --at 2026-06-12T20:25:00Z"}},
	}); err != nil {
		return err
	}
	res, err := askDiagnose(cmd.Context(), deps, f)
	return printResult(cmd.OutOrStdout(), res, err, f.asJSON)
}

// askDiagnose asks the service the question the flags state (checked by
// checkArgs): the diagnosis diagnose_tunnel_drop gives an assistant.
func askDiagnose(ctx context.Context, svc *investigate.Service, f *diagnoseFlags) (answer, error) {
	conn, tun, loc, err := f.scope(ctx, svc)
	if err != nil {
		return nil, err
	}
	at, err := svc.ResolveTime(ctx, conn, f.at, loc)
	if err != nil {
		return nil, err
	}
	res, err := svc.Diagnose(ctx, investigate.DiagnoseQuestion{Conn: conn, Tunnel: tun, At: at, Loc: loc, Lookback: time.Duration(f.windowMinutes) * time.Minute})
	if err != nil {
		return nil, err
	}
	return view.DiagnosisOf(res, f.gateway), nil
}
