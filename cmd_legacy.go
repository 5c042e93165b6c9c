package main

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// watch still parses its own flags (package flag) until
// it moves onto cobra.

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

func newWatchCommand() *cobra.Command {
	return legacyCommand("watch", "Follow VPN logs and report incidents as they happen", func(cmd *cobra.Command, args []string) int {
		ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return runWatch(ctx, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
	})
}
