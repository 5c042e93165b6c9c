package main

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// The questions and watch still parse their own flags (package flag) until
// they move onto cobra one by one.

func legacyCommand(name, short string, runLegacy func(cmd *cobra.Command, args []string) int) *cobra.Command {
	return &cobra.Command{
		Use:                name + " [flags]",
		Short:              short,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if code := runLegacy(cmd, args); code != exitOK {
				return &exitError{code: code}
			}
			return nil
		},
	}
}

func newDiagnoseCommand() *cobra.Command {
	return legacyCommand("diagnose", "Explain why a tunnel dropped at a given time", func(cmd *cobra.Command, args []string) int {
		return runTool("diagnose", args, cmd.OutOrStdout(), cmd.ErrOrStderr())
	})
}

func newTimelineCommand() *cobra.Command {
	return legacyCommand("timeline", "Show a connection's merged, classified timeline", func(cmd *cobra.Command, args []string) int {
		return runTool("timeline", args, cmd.OutOrStdout(), cmd.ErrOrStderr())
	})
}

func newClassifyCommand() *cobra.Command {
	return legacyCommand("classify", "Explain one VPN log record", func(cmd *cobra.Command, args []string) int {
		return runTool("classify", args, cmd.OutOrStdout(), cmd.ErrOrStderr())
	})
}

func newWatchCommand() *cobra.Command {
	return legacyCommand("watch", "Follow VPN logs and report incidents as they happen", func(cmd *cobra.Command, args []string) int {
		ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return runWatch(ctx, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
	})
}
