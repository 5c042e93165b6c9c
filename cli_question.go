package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
)

// questionFlags are the flags diagnose and timeline share: the source, the
// connection and tunnel asked about, the zone of the times given, and the
// output.
type questionFlags struct {
	sf       sourceFlags
	vpn      string
	tunnel   string
	timezone string
	asJSON   bool
	logLevel string
}

// addFlags declares the shared flags; tunnelHelp says what omitting
// --tunnel means for the command.
func (q *questionFlags) addFlags(cmd *cobra.Command, tunnelHelp string) {
	fs := cmd.Flags()
	q.sf.addFlags(fs, "demo", "logs-dir", "logs-s3", "region", "profile", "log-group")
	fs.StringVar(&q.vpn, "vpn", "", "VPN connection `ID` or Name tag (may be omitted when the source has only one)")
	fs.StringVar(&q.tunnel, "tunnel", "", `tunnel: "1", "2" or the tunnel's outside IP (`+tunnelHelp+`)`)
	fs.StringVar(&q.timezone, "timezone", "", "time zone of the times given and shown: an IANA `ZONE` such as Europe/Berlin (default UTC)")
	addOutputFlags(cmd, &q.asJSON)
	fs.StringVar(&q.logLevel, "log-level", "warn", "log `level` on stderr: debug, info, warn or error")
	_ = cmd.RegisterFlagCompletionFunc("tunnel", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"1", "2"}, cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.RegisterFlagCompletionFunc("log-level", completeLogLevel)
}

// addOutputFlags declares --json.
func addOutputFlags(cmd *cobra.Command, asJSON *bool) {
	cmd.Flags().BoolVar(asJSON, "json", false, "print the structured result as JSON")
}

// open sets up logging and the source (the embedded demo when none is
// named) for a question.
func (q *questionFlags) open(cmd *cobra.Command) (*investigate.Service, error) {
	logger, err := newLogger(os.Stderr, q.logLevel)
	if err != nil {
		return nil, badArgs(err)
	}
	slog.SetDefault(logger)
	q.sf.demoUnlessNamed(cmd.ErrOrStderr())
	q.sf.oneShot = true
	deps, err := q.sf.open(logger)
	if err != nil {
		return nil, fail(err)
	}
	return deps, nil
}

// printResult prints an answer: its text rendering, or with --json its
// answer is what a question prints: the text, or with --json the
// structured form the assistant reads.
type answer interface{ Text() string }

// structured content (as an assistant receives it, "<" and "&" unescaped).
func printResult(stdout io.Writer, res answer, err error, asJSON bool) error {
	if err != nil {
		return questionError(err)
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return fail(err)
		}
		return nil
	}
	fmt.Fprint(stdout, res.Text())
	return nil
}

// questionError gives a question's error the command line's wording and
// its exit code: a mistake in the question (investigate.UserError) is a bad
// argument (2); a source condition (source.ErrNotFound, *source.Error) or
// anything else is a failure (1).
func questionError(err error) error {
	msg := errors.New(cliWording(err.Error()))
	var ue *investigate.UserError
	if errors.As(err, &ue) {
		return badArgs(msg)
	}
	return fail(msg)
}

// scope resolves what every question names: the connection, the tunnel
// (nil for both) and the zone of its times. checkArgs has named every bad
// flag already; an error here is a source's (AWS unreachable, say).
func (q *questionFlags) scope(ctx context.Context, svc *investigate.Service) (*source.Connection, *source.Tunnel, *time.Location, error) {
	conn, err := svc.Connection(ctx, q.vpn)
	if err != nil {
		return nil, nil, nil, err
	}
	tun, err := investigate.Tunnel(conn, q.tunnel)
	if err != nil {
		return nil, nil, nil, err
	}
	loc, err := correlate.LoadZone(q.timezone)
	if err != nil {
		return nil, nil, nil, &investigate.UserError{Msg: err.Error()}
	}
	return conn, tun, loc, nil
}
