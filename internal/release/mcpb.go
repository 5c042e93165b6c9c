package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// mcpbPlatform is the Node.js process.platform name MCPB manifests use for
// a GOOS.
var mcpbPlatform = map[string]string{"linux": "linux", "darwin": "darwin", "windows": "win32"}

// bundleName is the file name of a target's bundle, as the release assets
// and server.json name it.
func bundleName(version, goos, goarch string) string {
	return fmt.Sprintf("vpnlens_%s_%s_%s.mcpb", strings.TrimPrefix(version, "v"), goos, goarch)
}

func runMCPB(args []string) error {
	fs := flag.NewFlagSet("mcpb", flag.ContinueOnError)
	binary := fs.String("binary", "", "the target's vpnlens binary")
	goos := fs.String("os", "", "the target's GOOS: linux, darwin or windows")
	goarch := fs.String("arch", "", "the target's GOARCH")
	version := fs.String("version", "", "the release version (semver; a leading v is dropped)")
	out := fs.String("out", "dist", "folder to write the .mcpb to")
	manifestPath := fs.String("manifest", "packaging/mcpb/manifest.json", "the bundle manifest to stamp")
	cli := fs.String("mcpb", "packaging/node_modules/.bin/mcpb", "the official mcpb CLI")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var missing []string
	for name, v := range map[string]string{"-binary": *binary, "-os": *goos, "-arch": *goarch, "-version": *version} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("mcpb: give %s", strings.Join(missing, ", "))
	}
	raw, err := os.ReadFile(*manifestPath)
	if err != nil {
		return err
	}
	manifest, exe, err := stampManifest(raw, *version, *goos)
	if err != nil {
		return fmt.Errorf("%s: %w", *manifestPath, err)
	}
	if _, err := os.Stat(*cli); err != nil {
		return fmt.Errorf("the mcpb CLI is not installed (%v): run npm ci --prefix packaging", err)
	}

	stage, err := os.MkdirTemp("", "vpnlens-mcpb-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	if err := os.WriteFile(filepath.Join(stage, "manifest.json"), manifest, 0o644); err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(stage, "server"), 0o755); err != nil {
		return err
	}
	if err := copyFile(*binary, filepath.Join(stage, "server", exe), 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	bundle, err := filepath.Abs(filepath.Join(*out, bundleName(*version, *goos, *goarch)))
	if err != nil {
		return err
	}
	for _, step := range [][]string{{"validate", filepath.Join(stage, "manifest.json")}, {"pack", stage, bundle}} {
		cmd := exec.Command(*cli, step...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("mcpb %s: %w", step[0], err)
		}
	}
	// mcpb pack reports an invalid manifest on its output but may still
	// exit 0: the bundle must exist.
	if _, err := os.Stat(bundle); err != nil {
		return fmt.Errorf("mcpb pack wrote no bundle: %w", err)
	}
	return nil
}

// stampManifest returns the bundle manifest for one target: the release
// version, the target's platform, and the binary's file name (vpnlens.exe
// on Windows) in entry_point and the command.
func stampManifest(raw []byte, version, goos string) (manifest []byte, exe string, err error) {
	platform, ok := mcpbPlatform[goos]
	if !ok {
		return nil, "", fmt.Errorf("no MCPB platform for GOOS %q (want linux, darwin or windows)", goos)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, "", err
	}
	server, _ := m["server"].(map[string]any)
	config, _ := server["mcp_config"].(map[string]any)
	if server == nil || config == nil {
		return nil, "", errors.New("no server.mcp_config")
	}
	if server["entry_point"] != "server/vpnlens" || config["command"] != "${__dirname}/server/vpnlens" {
		return nil, "", fmt.Errorf(`server.entry_point %q and mcp_config.command %q must name "server/vpnlens" (the file this step packs)`,
			server["entry_point"], config["command"])
	}
	exe = "vpnlens"
	if goos == "windows" {
		exe = "vpnlens.exe"
		server["entry_point"] = "server/" + exe
		config["command"] = "${__dirname}/server/" + exe
	}
	m["version"] = strings.TrimPrefix(version, "v")
	compat, _ := m["compatibility"].(map[string]any)
	if compat == nil {
		compat = map[string]any{}
		m["compatibility"] = compat
	}
	compat["platforms"] = []string{platform}
	manifest, err = json.MarshalIndent(m, "", "  ")
	return append(manifest, '\n'), exe, err
}

func copyFile(from, to string, mode os.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
