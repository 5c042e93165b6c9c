package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

const (
	repoRoot     = "../.."
	schemaPath   = repoRoot + "/packaging/registry/server.schema.json"
	templatePath = repoRoot + "/server.json"
)

// registrySchema compiles the MCP Registry's server.json schema, vendored
// from the registry (the copy its validator embeds for 2025-12-11).
func registrySchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := doc.(map[string]any)["$id"].(string)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// validateServerJSON checks a server.json against the registry's schema
// and the rules the official registry adds when publishing
// (docs/reference/server-json/official-registry-requirements.md and its
// package validators), and returns every problem.
func validateServerJSON(t *testing.T, raw []byte) []string {
	t.Helper()
	var problems []string
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return []string{err.Error()}
	}
	if err := registrySchema(t).Validate(doc); err != nil {
		problems = append(problems, "schema: "+err.Error())
	}
	s, err := readServerJSON(raw)
	if err != nil {
		return append(problems, err.Error())
	}
	if !strings.HasSuffix(s.Schema, "/2025-12-11/server.schema.json") {
		problems = append(problems, fmt.Sprintf("$schema %q: the vendored schema is 2025-12-11", s.Schema))
	}
	if s.Name != "io.github.vpnlens/vpnlens" {
		problems = append(problems, fmt.Sprintf("name %q, want io.github.vpnlens/vpnlens (the GitHub namespace the publisher logs in with)", s.Name))
	}
	if regexp.MustCompile(`^[\^~><=]|\.[x*]`).MatchString(s.Version) {
		problems = append(problems, fmt.Sprintf("version %q looks like a range", s.Version))
	}
	for i, p := range s.Packages {
		where := fmt.Sprintf("packages[%d] %s", i, p.Identifier)
		if strings.ContainsAny(p.Identifier, " \t") {
			problems = append(problems, where+": identifier has spaces")
		}
		for _, a := range append(append([]argument{}, p.RuntimeArguments...), p.PackageArguments...) {
			if a.Type == "named" && (strings.ContainsAny(a.Name, "<> $") || strings.HasPrefix(a.Value, a.Name)) {
				problems = append(problems, fmt.Sprintf("%s: named argument %q/%q", where, a.Name, a.Value))
			}
		}
		switch p.RegistryType {
		case "oci":
			host, _, _ := strings.Cut(p.Identifier, "/")
			if host != "ghcr.io" && host != "docker.io" {
				problems = append(problems, where+": the image is not on a registry the official registry accepts")
			}
			if !strings.Contains(p.Identifier[len(host):], ":") {
				problems = append(problems, where+": no tag")
			}
			if p.Version != "" || p.FileSHA256 != "" {
				problems = append(problems, where+": OCI packages carry neither version nor fileSha256")
			}
		case "mcpb":
			u, err := url.Parse(p.Identifier)
			if err != nil || u.Scheme != "https" || u.Host != "github.com" ||
				!regexp.MustCompile(`^/[^/]+/[^/]+/releases/download/[^/]+/[^/]+$`).MatchString(u.Path) {
				problems = append(problems, where+": not a GitHub release asset URL")
			}
			if !strings.Contains(strings.ToLower(p.Identifier), "mcp") {
				problems = append(problems, where+": the URL must contain 'mcp'")
			}
			if !regexp.MustCompile(`^[a-f0-9]{64}$`).MatchString(p.FileSHA256) {
				problems = append(problems, where+": fileSha256 missing")
			}
		}
		if p.Transport.Type != "stdio" {
			problems = append(problems, where+": vpnlens packages speak stdio")
		}
	}
	return problems
}

// dockerLabel is the io.modelcontextprotocol.server.name label the
// Dockerfile gives the image (the registry reads it to verify the image).
func dockerLabel(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(repoRoot + "/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`io\.modelcontextprotocol\.server\.name="([^"]+)"`).FindSubmatch(raw)
	if m == nil {
		t.Fatal(`Dockerfile has no LABEL io.modelcontextprotocol.server.name="..."`)
	}
	return string(m[1])
}

// The checked-in server.json is valid as it stands, names the image the
// Dockerfile labels, and lists the image and one bundle per release target
// at the release's URLs; only the bundles' digests wait for a release.
func TestServerJSONTemplate(t *testing.T) {
	raw, err := os.ReadFile(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range validateServerJSON(t, raw) {
		t.Error(p)
	}
	s, err := readServerJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	if label := dockerLabel(t); label != s.Name {
		t.Errorf("Dockerfile labels the image %q, server.json names %q", label, s.Name)
	}
	for _, p := range checkTemplate(s) {
		t.Error(p)
	}
	targets := map[string]bool{}
	for _, p := range s.Packages {
		if p.RegistryType == "mcpb" {
			m := bundleURLPattern.FindStringSubmatch(p.Identifier)
			if m != nil {
				targets[m[3]+"_"+m[4]] = true
			}
			if p.FileSHA256 != unstampedSHA256 {
				t.Errorf("%s: fileSha256 %s in the template; a release stamps it (keep %s)", p.Identifier, p.FileSHA256, unstampedSHA256)
			}
		}
	}
	for _, target := range goreleaserTargets(t) {
		if !targets[target] {
			t.Errorf("server.json has no bundle for the release target %s", target)
		}
		delete(targets, target)
	}
	for target := range targets {
		t.Errorf("server.json lists a bundle for %s, which .goreleaser.yaml does not build", target)
	}
}

// goreleaserTargets are the targets .goreleaser.yaml builds.
func goreleaserTargets(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(repoRoot + "/.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	start := strings.Index(text, "# targets:begin")
	end := strings.Index(text, "# targets:end")
	if start < 0 || end < start {
		t.Fatal(".goreleaser.yaml lacks the # targets:begin / # targets:end markers .ci/run cuts at")
	}
	var targets []string
	for _, m := range regexp.MustCompile(`(?m)^\s+- ([a-z0-9]+_[a-z0-9]+)\s*$`).FindAllStringSubmatch(text[start:end], -1) {
		targets = append(targets, m[1])
	}
	if len(targets) != 6 {
		t.Errorf(".goreleaser.yaml builds %v, want linux, darwin and windows on amd64 and arm64", targets)
	}
	return targets
}

// Stamping fills in the release: version, image tag, each bundle's URL and
// digest; a bundle missing from dist is left out (a one-target snapshot)
// unless -complete asks for all of them.
func TestStampServerJSON(t *testing.T) {
	raw, err := os.ReadFile(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	dist := t.TempDir()
	bundles := map[string][]byte{
		"linux_amd64":  []byte("bundle for linux amd64"),
		"darwin_arm64": []byte("bundle for darwin arm64"),
	}
	for target, body := range bundles {
		goos, goarch, _ := strings.Cut(target, "_")
		if err := os.WriteFile(filepath.Join(dist, bundleName("2.3.4", goos, goarch)), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, notes, err := stampServerJSON(raw, "2.3.4", dist, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range validateServerJSON(t, out) {
		t.Error(p)
	}
	s, _ := readServerJSON(out)
	if s.Version != "2.3.4" {
		t.Errorf("version %q", s.Version)
	}
	got := map[string]string{}
	for _, p := range s.Packages {
		got[p.Identifier] = p.FileSHA256
	}
	if _, ok := got["ghcr.io/vpnlens/vpnlens:2.3.4"]; !ok {
		t.Errorf("no image 2.3.4 in %s", out)
	}
	for target := range bundles {
		goos, goarch, _ := strings.Cut(target, "_")
		u := bundleURL("2.3.4", goos, goarch)
		want, _ := fileSHA256(filepath.Join(dist, bundleName("2.3.4", goos, goarch)))
		if got[u] != want {
			t.Errorf("%s: fileSha256 %q, want %q", u, got[u], want)
		}
	}
	if len(s.Packages) != 3 || len(notes) != 4 {
		t.Errorf("%d packages and notes %q, want the image, 2 bundles and 4 left out", len(s.Packages), notes)
	}
	if _, _, err := stampServerJSON(raw, "2.3.4", dist, true); err == nil || !strings.Contains(err.Error(), "windows") && !strings.Contains(err.Error(), "no such file") {
		t.Errorf("-complete with bundles missing: %v, want an error naming the missing bundle", err)
	}
	if _, _, err := stampServerJSON(raw, "9.9.9", dist, false); err == nil {
		t.Error("stamping a version whose bundles are not in dist succeeded")
	}
	bad := bytes.Replace(raw, []byte(`"title"`), []byte(`"titel"`), 1)
	if _, _, err := stampServerJSON(bad, "2.3.4", dist, false); err == nil || !strings.Contains(err.Error(), "titel") {
		t.Errorf("a field the stamp does not know: %v, want an error naming it", err)
	}
}

// A server.json stamped by a real build (.ci/run: the snapshot release's
// dist/server.json): valid, and each bundle's digest is the file's.
func TestStampedServerJSON(t *testing.T) {
	path := os.Getenv("VPNLENS_SERVER_JSON")
	if path == "" {
		t.Skip("VPNLENS_SERVER_JSON names a stamped server.json (.ci/run sets it after the snapshot release)")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range validateServerJSON(t, raw) {
		t.Error(p)
	}
	s, err := readServerJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range s.Packages {
		if p.RegistryType != "mcpb" {
			continue
		}
		n++
		sum, err := fileSHA256(filepath.Join(filepath.Dir(path), filepath.Base(p.Identifier)))
		if err != nil || sum != p.FileSHA256 {
			t.Errorf("%s: fileSha256 %s, the file's %s (%v)", p.Identifier, p.FileSHA256, sum, err)
		}
	}
	if n == 0 {
		t.Error("the stamped server.json lists no bundle")
	}
}

// The bundle manifest is stamped per target: version, platform, and the
// binary's name on Windows.
func TestStampManifest(t *testing.T) {
	raw, err := os.ReadFile(repoRoot + "/packaging/mcpb/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ goos, platform, exe string }{
		{"linux", "linux", "vpnlens"}, {"darwin", "darwin", "vpnlens"}, {"windows", "win32", "vpnlens.exe"},
	} {
		out, exe, err := stampManifest(raw, "v1.2.3", c.goos)
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Version string `json:"version"`
			Server  struct {
				EntryPoint string `json:"entry_point"`
				MCPConfig  struct {
					Command string   `json:"command"`
					Args    []string `json:"args"`
				} `json:"mcp_config"`
			} `json:"server"`
			Compatibility struct {
				Platforms []string `json:"platforms"`
			} `json:"compatibility"`
			UserConfig map[string]any `json:"user_config"`
		}
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatal(err)
		}
		if exe != c.exe || m.Version != "1.2.3" || m.Server.EntryPoint != "server/"+c.exe ||
			m.Server.MCPConfig.Command != "${__dirname}/server/"+c.exe || len(m.Compatibility.Platforms) != 1 || m.Compatibility.Platforms[0] != c.platform {
			t.Errorf("%s: exe %q, manifest %s", c.goos, exe, out)
		}
		if len(m.Server.MCPConfig.Args) < 6 || len(m.UserConfig) != 5 {
			t.Errorf("%s: arguments or settings lost: %s", c.goos, out)
		}
	}
	if _, _, err := stampManifest(raw, "1.2.3", "plan9"); err == nil {
		t.Error("a GOOS without an MCPB platform was stamped")
	}
}
