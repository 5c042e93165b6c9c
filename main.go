// Command vpnlens answers "why did tunnel 2 of vpn-0abc drop at 20:25?" from
// AWS Site-to-Site VPN logs, as an MCP server (vpnlens serve) and on the
// command line. The command tree is built in cmd_root.go, one file per
// subcommand (cmd_*.go).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	_ "time/tzdata" // IANA zones for the `timezone` argument even in a scratch container
)

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1 // the command ran and failed
	exitUsage = 2 // bad flags or arguments, or an unavailable mode
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command line and returns its exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCommand(stdout, stderr)
	if len(args) == 0 {
		fmt.Fprint(stderr, root.UsageString())
		return exitUsage
	}
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	return exitCode(cmd, err, stderr)
}
