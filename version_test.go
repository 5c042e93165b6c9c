package main

import (
	"os/exec"
	"runtime/debug"
	"strings"
	"testing"
)

// A release build says its tag and commit in both places a user or an
// assistant sees the version: `vpnlens version` and the MCP serverInfo.
func TestReleaseBuildSaysTagAndCommit(t *testing.T) {
	bin := stampedBinary(t)
	want := testReleaseVersion + "+" + testReleaseCommit[:12]

	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("vpnlens version: %v\n%s", err, out)
	}
	if !strings.HasPrefix(string(out), "vpnlens "+want+" ") {
		t.Errorf("vpnlens version printed %q, want it to start with %q", out, "vpnlens "+want+" ")
	}
	out, err = exec.Command(bin, "--version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "vpnlens "+want+" ") {
		t.Errorf("vpnlens --version printed %q (%v), want it to start with %q", out, err, "vpnlens "+want+" ")
	}

	s := startAsHost(t, hostLaunch{Command: bin, Args: []string{"serve", "--demo"}}, hostBaseEnv(t.TempDir()), t.TempDir(), nil)
	if s.ServerVersion != want {
		t.Errorf("serverInfo.version = %q, want %q", s.ServerVersion, want)
	}
	if s.ServerName != "vpnlens" {
		t.Errorf("serverInfo.name = %q, want vpnlens", s.ServerName)
	}
}

func TestFormatVersion(t *testing.T) {
	const rev = "0123456789abcdef0123456789abcdef01234567"
	vcs := func(modified string) *debug.BuildInfo {
		return &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}}
	}
	for _, c := range []struct {
		name            string
		version, commit string
		info            *debug.BuildInfo
		want            string
	}{
		{"release: tag and commit at link time", "v1.2.3", rev, vcs("false"), "v1.2.3+0123456789ab"},
		{"link-time commit wins over build info", "v1.2.3", "fedcba9876543210", vcs("true"), "v1.2.3+fedcba987654"},
		{"goreleaser snapshot names its commit", "0.1.0-SNAPSHOT-0123456", rev, nil, "0.1.0-SNAPSHOT-0123456"},
		{"go install @tag: module version, no VCS", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3"},
		{"go install @commit: the pseudo-version names it", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261207101500-0123456789ab"}}, "v0.0.0-20261207101500-0123456789ab"},
		{"go build in a clone, edited", "", "", vcs("true"), "(devel)+0123456789ab-dirty"},
		{"go build with -buildvcs=false", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "(devel)"},
		{"docker build without build args", "", "", nil, "(unknown)"},
	} {
		if got := formatVersion(c.version, c.commit, c.info); got != c.want {
			t.Errorf("%s: formatVersion(%q, %q) = %q, want %q", c.name, c.version, c.commit, got, c.want)
		}
	}
}
