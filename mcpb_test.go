package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/tools"
)

// The Claude Desktop bundle (packaging/mcpb/manifest.json, packed by
// `go run ./internal/release mcpb` in a release) starts the server for each
// choice its settings offer. The command, arguments and environment come
// from the official @anthropic-ai/mcpb library's getMcpConfigForManifest,
// the resolution an MCPB host does (packaging/mcpb-config.mjs), and the
// server is started with them and the host's small environment only.
//
// By default the bundle is assembled here from the manifest and a
// release-built binary. VPNLENS_MCPB=path/to/vpnlens_..._linux_amd64.mcpb
// tests a packed bundle instead: it is unpacked with the mcpb CLI, as a
// host installs it (.ci/run does this with the snapshot release's bundle).

const manifestPath = "packaging/mcpb/manifest.json"

// mcpbCLI finds node and the packaging npm packages, or skips (fails in
// CI, which installs them).
func mcpbCLI(t *testing.T) (node, cli string) {
	t.Helper()
	node, err := exec.LookPath("node")
	cli = filepath.Join("packaging", "node_modules", ".bin", "mcpb")
	if err == nil {
		_, err = os.Stat(cli)
	}
	if err != nil {
		msg := "the MCPB tests need node and the packaging npm packages: npm ci --prefix packaging (" + err.Error() + ")"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return node, cli
}

// installedBundle is an extension folder as a host lays it out, and its
// manifest.
func installedBundle(t *testing.T, cli string) (dir string, manifest []byte) {
	t.Helper()
	dir = t.TempDir()
	if bundle := os.Getenv("VPNLENS_MCPB"); bundle != "" {
		if out, err := exec.Command(cli, "unpack", bundle, dir).CombinedOutput(); err != nil {
			t.Fatalf("mcpb unpack %s: %v\n%s", bundle, err, out)
		}
	} else {
		raw, err := os.ReadFile(manifestPath)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "manifest.json"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
		bin, err := os.ReadFile(stampedBinary(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(filepath.Join(dir, "server"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "server", "vpnlens"), bin, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	manifest, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	return dir, manifest
}

// hostResolve is the command, args and env the host starts for userConfig.
func hostResolve(t *testing.T, node, extDir, home string, userConfig map[string]any) hostLaunch {
	t.Helper()
	uc, _ := json.Marshal(userConfig)
	cmd := exec.Command(node, filepath.Join("packaging", "mcpb-config.mjs"), filepath.Join(extDir, "manifest.json"), extDir, string(uc), home)
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("mcpb-config.mjs %s: %v\n%s", uc, err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var l hostLaunch
	if err := json.Unmarshal(out, &l); err != nil {
		t.Fatalf("mcpb-config.mjs printed %q: %v", out, err)
	}
	if strings.Contains(string(out), "${") {
		t.Fatalf("the host would start %s: a variable was left unsubstituted", out)
	}
	return l
}

func TestMCPBBundleStartsServer(t *testing.T) {
	node, cli := mcpbCLI(t)
	extDir, raw := installedBundle(t, cli)
	var manifest struct {
		Version string `json:"version"`
		Server  struct {
			EntryPoint string `json:"entry_point"`
		} `json:"server"`
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(extDir, manifest.Server.EntryPoint)); err != nil || st.Mode()&0o111 == 0 {
		t.Fatalf("entry_point %s is not an executable in the bundle (%v)", manifest.Server.EntryPoint, err)
	}
	logs := exportedLogs(t)

	for _, c := range []struct {
		name       string
		userConfig map[string]any
	}{
		{"demo", map[string]any{"demo": true}},
		{"logs folder", map[string]any{"logs_dir": logs}},
		{"AWS profile and region", map[string]any{"aws_profile": "vpn-readonly", "aws_region": "eu-west-3"}},
		{"S3 location", map[string]any{"logs_s3": "s3://vpn-logs/exports", "aws_profile": "vpn-readonly", "aws_region": "eu-west-3"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			home := t.TempDir()
			l := hostResolve(t, node, extDir, home, c.userConfig)
			if l.Command != filepath.Join(extDir, manifest.Server.EntryPoint) {
				t.Errorf("the host starts %q, want the bundle's %s", l.Command, manifest.Server.EntryPoint)
			}
			region, _ := c.userConfig["aws_region"].(string)
			profile, _ := c.userConfig["aws_profile"].(string)
			env := map[string]string{}
			check := func(t *testing.T, s *hostSession) {
				res := s.call("list_vpn_connections", map[string]any{})
				if !strings.Contains(string(res), "vpn-0a1b2c3d4e5f60718") {
					t.Errorf("list_vpn_connections did not list the demo day's connections: %.600s", res)
				}
			}
			switch s3URL, _ := c.userConfig["logs_s3"].(string); {
			case s3URL != "":
				env, check = newHostS3(t, home, s3URL, profile, region)
			case region != "":
				aws := newHostAWS(t, home, profile, region)
				env["AWS_ENDPOINT_URL"] = aws.fake.URL
				check = func(t *testing.T, s *hostSession) { aws.check(t, s, region) }
			}
			for k, v := range l.Env { // the one addition: AWS is a fake
				env[k] = v
			}
			l.Env = env
			s := startAsHost(t, l, hostBaseEnv(home), t.TempDir(), func(s *hostSession) { check(t, s) })
			if !strings.Contains(s.ServerVersion, manifest.Version) && os.Getenv("VPNLENS_MCPB") != "" {
				t.Errorf("the bundle's binary says version %q, its manifest %q", s.ServerVersion, manifest.Version)
			}
		})
	}

	// Nothing chosen and no AWS configuration in the HOME the host passes:
	// the server stops at once and says what is missing, in the host's log.
	t.Run("nothing chosen", func(t *testing.T) {
		home := t.TempDir()
		l := hostResolve(t, node, extDir, home, map[string]any{})
		cmd := exec.Command(l.Command, l.Args...)
		for k, v := range hostBaseEnv(home) {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != exitUsage || !strings.Contains(string(out), "no AWS region") {
			t.Errorf("with nothing chosen: %v, %s; want exit code 2 and 'no AWS region'", err, out)
		}
	})
}

// The bundle's manifest lists the server's tools as they are (a directory
// shows them before install).
func TestMCPBManifestTools(t *testing.T) {
	raw, err := os.ReadFile(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Tools []struct {
			Name        string `json:"name"`
			Description string `json:"description"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatal(err)
	}
	all := tools.All(&investigate.Service{Limits: investigate.DefaultLimits})
	if len(manifest.Tools) != len(all) {
		t.Errorf("%s lists %d tools, the server has %d", manifestPath, len(manifest.Tools), len(all))
	}
	for i, st := range all {
		desc := st.Tool.Description
		if j := strings.Index(desc, ". "); j > 0 {
			desc = desc[:j+1]
		}
		if i >= len(manifest.Tools) || manifest.Tools[i].Name != st.Tool.Name || manifest.Tools[i].Description != desc {
			t.Errorf("%s tools[%d]: want {%q, %q} (the tool's first sentence)", manifestPath, i, st.Tool.Name, desc)
		}
	}
}
