package main

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// version is set at link time (-ldflags "-X main.version=v1.2.3"); when
// empty, the module version from build info is used.
var version = ""

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit time and Go toolchain",
		Long:  "Print the vpnlens version (the release, or the module version plus the commit), the commit time and the Go toolchain it was built with. vpnlens --version prints the same.",
		Example: `  vpnlens version
  vpnlens --version`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(cmd.OutOrStdout(), "vpnlens %s\n", versionString())
			return nil
		},
	}
}

// buildVersion is the link-time version, else the module version, plus the
// VCS revision recorded in build info when there is one
// ("v1.2.0", "(devel)+0123456789ab-dirty").
func buildVersion() string {
	v := version
	info, ok := debug.ReadBuildInfo()
	if !ok {
		if v == "" {
			return "(unknown)"
		}
		return v
	}
	if v == "" {
		v = info.Main.Version
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if rev != "" && !strings.Contains(v, rev[:min(12, len(rev))]) {
		v += "+" + rev[:min(12, len(rev))] + dirty
	}
	return v
}

// versionString is what `vpnlens version` prints: the build version, the
// commit time and the Go toolchain.
func versionString() string {
	v := buildVersion()
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.time" {
			v += " " + s.Value
		}
	}
	return v + " " + info.GoVersion
}
