package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

const rootLong = `vpnlens diagnoses AWS Site-to-Site VPN tunnel drops from their IKE and BGP logs:
as an MCP server an AI assistant asks (vpnlens serve), and on the command line
(diagnose, timeline, classify, watch).

Where the logs come from (serve, diagnose, timeline; watch reads --logs-dir or AWS):
  --demo           the embedded demo data: one day (2026-06-12) of three VPN
                   connections, one of them with logging off
  --logs-dir DIR   exported VPN logs in DIR
  --logs-s3 URL    exported VPN logs in S3 under s3://BUCKET/PREFIX (a CloudWatch
                   export task or a log delivery), read-only
  (neither)        AWS: EC2 and CloudWatch Logs, read-only, with the standard
                   credential chain; --region (a list, or all), --profile
                   and --role-arn (several accounts), --log-group
diagnose and timeline use the demo when no source is named and no AWS region
or profile is configured.

Exit codes: 0 ok, 1 the command ran and failed, 2 bad flags or arguments.`

const rootExample = `  vpnlens serve --demo                                   # MCP over stdio, for Claude Desktop
  vpnlens serve --logs-dir ./exported-logs --http 127.0.0.1:8080
  vpnlens diagnose --demo --vpn vpn-0a1b2c3d4e5f60718 --tunnel 2 --at 20:25
  vpnlens timeline --demo --vpn vpn-0f9e8d7c6b5a40312 --anomalies-only
  vpnlens watch --region eu-central-1
  source <(vpnlens completion bash)                      # tab completion`

// newRootCommand builds the whole command tree: every subcommand is added
// here, in the order of the help.
func newRootCommand(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:     "vpnlens",
		Short:   "Diagnose AWS Site-to-Site VPN tunnel drops from their IKE and BGP logs",
		Long:    rootLong,
		Example: rootExample,
		Version: versionString(),
		// run prints errors once, with the exit code they call for.
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetVersionTemplate("vpnlens {{.Version}}\n")
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(
		newServeCommand(),
		newDiagnoseCommand(),
		newTimelineCommand(),
		newClassifyCommand(),
		newWatchCommand(),
		newVersionCommand(),
	)
	// cobra's help and completion commands, added now rather than when
	// the tree runs, so that every help (and a test) sees them.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Example = completionExample
		}
	}
	return root
}

const completionExample = `  source <(vpnlens completion bash)                                # this bash session
  vpnlens completion bash > /etc/bash_completion.d/vpnlens         # every bash session
  vpnlens completion zsh > "${fpath[1]}/_vpnlens"                  # zsh
  vpnlens completion fish > ~/.config/fish/completions/vpnlens.fish`

// exitError ends a command with an exit code; err, when set, is printed on
// stderr after the command's name.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit code %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// badArgs is a mistake in the command line: exit code 2.
func badArgs(err error) error { return &exitError{code: exitUsage, err: err} }

// badArgsf is badArgs with a formatted message.
func badArgsf(format string, a ...any) error { return badArgs(fmt.Errorf(format, a...)) }

// fail is a command that ran and failed: exit code 1. An error that
// already carries an exit code keeps it.
func fail(err error) error {
	var ee *exitError
	if err == nil || errors.As(err, &ee) {
		return err
	}
	return &exitError{code: exitFail, err: err}
}

// exitCode prints err and says which exit code it calls for. Errors
// without one come from cobra and pflag (unknown command or flag, bad flag
// value, stray arguments): bad arguments.
func exitCode(cmd *cobra.Command, err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	name := "vpnlens"
	if cmd != nil {
		name = cmd.CommandPath()
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", name, ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(stderr, "%s: %v\nRun '%s --help' for usage.\n", name, err, name)
	return exitUsage
}

// noArgs refuses positional arguments.
func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unexpected arguments %q", args)
	}
	return nil
}

// flagError explains two flag mistakes pflag words tersely: a long flag
// written with one dash (pflag reads -vpn as the shorthands -v -p -n), and
// a flag the command does not have on purpose.
func flagError(cmd *cobra.Command, err error) error {
	var ne *pflag.NotExistError
	if !errors.As(err, &ne) {
		return err
	}
	if shorts := strings.SplitN(ne.GetSpecifiedShortnames(), "=", 2)[0]; len(shorts) > 1 {
		// The shorthands left when pflag gave up end the flag's name
		// ("-version": 'v' is a shorthand, "ersion" is left).
		var match []string
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if len(f.Name) > 1 && strings.HasSuffix(f.Name, shorts) {
				match = append(match, f.Name)
			}
		})
		if len(match) == 1 {
			return fmt.Errorf("unknown flag -%s: long flags take two dashes: --%s", match[0], match[0])
		}
		return err
	}
	if hint := missingFlagHint(cmd.Name(), ne.GetSpecifiedName()); hint != "" {
		return fmt.Errorf("%w: %s", err, hint)
	}
	return err
}

// missingFlagHint says why a command lacks a flag its siblings have.
func missingFlagHint(command, flag string) string {
	switch {
	case command == "watch" && flag == "demo":
		return "the demo is a finished day of logs, nothing to watch: use --logs-dir DIR --follow, or AWS (--region)"
	case command == "watch" && flag == "logs-s3":
		return "watch follows logs as they grow: use AWS (--region) or --logs-dir DIR --follow; for logs exported to S3 ask diagnose or timeline --logs-s3"
	case command == "classify" && (flag == "demo" || flag == "logs-dir" || flag == "logs-s3" || flag == "region" || flag == "profile" || flag == "role-arn" || flag == "external-id" || flag == "log-group"):
		return "classify reads no logs: it explains the one record given as its argument"
	}
	return ""
}
