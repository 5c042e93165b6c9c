package main

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// version and commit are set at link time by release builds
// (-ldflags "-X main.version=v1.2.3 -X main.commit=<sha>": .goreleaser.yaml,
// the Dockerfile). When empty, build info stands in: `go install
// github.com/vpnlens/vpnlens@v1.2.3` records the module version (a
// pseudo-version names the commit), `go build` in a clone records the VCS
// revision.
var (
	version = ""
	commit  = ""
)

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
// commit (link-time, else the VCS revision in build info) unless the
// version already names it. `vpnlens version` and the MCP
// serverInfo.version both say it.
func buildVersion() string {
	info, _ := debug.ReadBuildInfo()
	return formatVersion(version, commit, info)
}

// formatVersion is buildVersion for given link-time values and build info
// (nil when the binary has none): "v1.2.0+0123456789ab",
// "(devel)+0123456789ab-dirty", "v0.0.0-20261207101500-0123456789ab".
func formatVersion(version, commit string, info *debug.BuildInfo) string {
	v := version
	if v == "" && info != nil {
		v = info.Main.Version
	}
	if v == "" {
		v = "(unknown)"
	}
	rev, dirty := commit, ""
	if rev == "" && info != nil {
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
	}
	if rev == "" {
		return v
	}
	if strings.Contains(v, rev[:min(7, len(rev))]) {
		return v // a snapshot or pseudo-version names its commit already
	}
	return v + "+" + rev[:min(12, len(rev))] + dirty
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
