package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
	"github.com/vpnlens/vpnlens/internal/fakes3"
)

// The README's host snippets work as written: every server entry of the
// Claude Desktop and VS Code JSON, every `claude mcp add` line and every
// `docker run` line in "Use it from an assistant" is started the way its
// host starts it and answers initialize and tools/list. What the test
// changes is named here and nowhere else: the binary's path (the snippets
// name /usr/local/bin/vpnlens, or vpnlens on PATH), the exported-logs
// folder (/path/to/exported-logs), and, for the AWS entries, AWS_ENDPOINT_URL
// pointing at an in-repo fake of AWS, with the snippet's profile written to
// the credentials file in the HOME the host passes.

// readmeAssistantSection is the README's "Use it from an assistant" up to
// the HTTP part.
func readmeAssistantSection(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	start := strings.Index(text, "## Use it from an assistant\n")
	end := strings.Index(text, "**Streamable HTTP**")
	if start < 0 || end < start {
		t.Fatal(`README.md lacks "## Use it from an assistant" followed by "**Streamable HTTP**"`)
	}
	return text[start:end]
}

// snippet is one server entry as a host reads it.
type snippet struct {
	host, name string
	launch     hostLaunch
	// docker is the `docker run` words for a Docker line (launch is
	// derived from them and the Dockerfile).
	docker []string
}

// readmeSnippets collects the entries of the section's JSON blocks and its
// claude mcp add / docker run lines.
func readmeSnippets(t *testing.T, section string) []snippet {
	t.Helper()
	var out []snippet
	blocks := regexp.MustCompile("(?s)```(json|sh)\n(.*?)```").FindAllStringSubmatch(section, -1)
	for _, b := range blocks {
		if b[1] == "json" {
			var cfg struct {
				MCPServers map[string]jsonEntry `json:"mcpServers"`
				Servers    map[string]jsonEntry `json:"servers"`
			}
			dec := json.NewDecoder(strings.NewReader(b[2]))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&cfg); err != nil {
				t.Fatalf("README JSON snippet does not parse as a host configuration: %v\n%s", err, b[2])
			}
			for name, e := range cfg.MCPServers {
				out = append(out, snippet{host: "Claude Desktop", name: name, launch: e.launch()})
			}
			for name, e := range cfg.Servers {
				if e.Type != "stdio" {
					t.Errorf("VS Code entry %s: type %q, want stdio", name, e.Type)
				}
				out = append(out, snippet{host: "VS Code", name: name, launch: e.launch()})
			}
			continue
		}
		for _, line := range strings.Split(strings.TrimSpace(b[2]), "\n") {
			words := shellWords(line)
			switch {
			case len(words) > 3 && words[0] == "claude" && words[1] == "mcp" && words[2] == "add":
				out = append(out, parseClaudeMCPAdd(t, line, words[3:]))
			case len(words) > 2 && words[0] == "docker" && words[1] == "run":
				out = append(out, snippet{host: "Docker", name: line, docker: words[2:]})
			}
		}
	}
	return out
}

type jsonEntry struct {
	Type    string            `json:"type"`
	Command string            `json:"command"`
	Args    []string          `json:"args"`
	Env     map[string]string `json:"env"`
}

func (e jsonEntry) launch() hostLaunch {
	return hostLaunch{Command: e.Command, Args: e.Args, Env: e.Env}
}

// parseClaudeMCPAdd reads `claude mcp add NAME [--env K=V]... -- CMD ARGS...`
// as Claude Code does.
func parseClaudeMCPAdd(t *testing.T, line string, words []string) snippet {
	t.Helper()
	s := snippet{host: "Claude Code", name: words[0], launch: hostLaunch{Env: map[string]string{}}}
	i := 1
	for ; i < len(words) && words[i] != "--"; i++ {
		switch {
		case words[i] == "--env" || words[i] == "-e":
			i++
			if i == len(words) {
				t.Fatalf("%s: --env without KEY=value", line)
			}
			k, v, ok := strings.Cut(words[i], "=")
			if !ok {
				t.Fatalf("%s: --env %q is not KEY=value", line, words[i])
			}
			s.launch.Env[k] = v
		default:
			t.Fatalf("%s: unexpected %q before --", line, words[i])
		}
	}
	if i+1 >= len(words) {
		t.Fatalf("%s: no command after --", line)
	}
	s.launch.Command, s.launch.Args = words[i+1], words[i+2:]
	return s
}

// Placeholders the snippets use, and the installed path they name.
const (
	snippetBinary    = "/usr/local/bin/vpnlens"
	snippetLogsDir   = "/path/to/exported-logs"
	imageName        = "ghcr.io/vpnlens/vpnlens"
	nonrootHome      = "/home/nonroot"
	fakeAWSAccessKey = "AKIDVPNLENSHOST00001"
)

// hostAWS is an AWS account for a host-started server: the fake, and the
// HOME whose ~/.aws/credentials holds the snippet's profile.
type hostAWS struct {
	fake *fakeaws.Server
	home string
}

// newHostAWS serves the demo connections from a fake of AWS that accepts
// only profile's key, signed for region, and writes that profile to
// home/.aws/credentials.
func newHostAWS(t *testing.T, home, profile, region string) hostAWS {
	t.Helper()
	if profile == "" {
		profile = "default"
	}
	if region == "" {
		region = "eu-central-1" // an entry without one must fail on its own
	}
	f := fakeaws.New(fakeaws.Options{Region: region, AccessKeyID: fakeAWSAccessKey})
	t.Cleanup(f.Close)
	if err := f.LoadDir("testdata/demo"); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	creds := fmt.Sprintf("[%s]\naws_access_key_id = %s\naws_secret_access_key = fake-secret\n", profile, fakeAWSAccessKey)
	if profile != "default" {
		// Another key as the default: the entry must choose its profile.
		creds = "[default]\naws_access_key_id = AKIDNOTTHEPROFILE000\naws_secret_access_key = wrong\n\n" + creds
	}
	if err := os.WriteFile(filepath.Join(home, ".aws", "credentials"), []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	return hostAWS{fake: f, home: home}
}

// check asks the running server for the connections and requires the
// demo's, fetched from the fake with the profile's key for the region.
func (a hostAWS) check(t *testing.T, s *hostSession, region string) {
	t.Helper()
	res := s.call("list_vpn_connections", map[string]any{})
	if strings.Contains(string(res), `"isError":true`) || !strings.Contains(string(res), "vpn-0a1b2c3d4e5f60718") {
		t.Fatalf("list_vpn_connections did not list the fake account's connections: %.600s", res)
	}
	signed := 0
	for _, c := range a.fake.Calls() {
		if c.Op == "DescribeVpnConnections" {
			if c.AccessKeyID != fakeAWSAccessKey || c.SigningRegion != region {
				t.Errorf("DescribeVpnConnections signed with %q for %q, want the profile's key for %q", c.AccessKeyID, c.SigningRegion, region)
			}
			signed++
		}
	}
	if signed == 0 {
		t.Error("the server never called DescribeVpnConnections on the fake")
	}
}

// hostS3 serves the demo day as a CloudWatch export under s3URL
// (s3://BUCKET/PREFIX) from a fake S3 in region, and writes profile to
// home/.aws/credentials. env points the server at it.
func newHostS3(t *testing.T, home, s3URL, profile, region string) (env map[string]string, check func(*testing.T, *hostSession)) {
	t.Helper()
	newHostAWS(t, home, profile, region) // the credentials file
	bucket, prefix, ok := strings.Cut(strings.TrimPrefix(s3URL, "s3://"), "/")
	if !strings.HasPrefix(s3URL, "s3://") || !ok {
		t.Fatalf("--logs-s3 %q: want s3://BUCKET/PREFIX", s3URL)
	}
	if region == "" {
		region = "eu-central-1"
	}
	f := fakes3.New(fakes3.Options{Region: region})
	t.Cleanup(f.Close)
	if _, err := f.PutExportTask(bucket, prefix, "testdata/demo", "0f4c8a2e", 0, "expected.json", "README.md"); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"AWS_ENDPOINT_URL_S3": f.URL}, func(t *testing.T, s *hostSession) {
		t.Helper()
		res := s.call("list_vpn_connections", map[string]any{})
		if strings.Contains(string(res), `"isError":true`) || !strings.Contains(string(res), "vpn-0a1b2c3d4e5f60718") {
			t.Fatalf("list_vpn_connections did not list the connections exported to S3: %.600s", res)
		}
		listed := false
		for _, c := range f.Calls() {
			listed = listed || c.Op == "ListObjectsV2" && c.Bucket == bucket && c.Status == 200
		}
		if !listed {
			t.Error("the server never listed the bucket on the fake S3")
		}
	}
}

// exportedLogs is a folder of exported logs: the demo day's files.
func exportedLogs(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir("testdata/demo")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == "README.md" || e.Name() == "expected.json" {
			continue
		}
		b, err := os.ReadFile(filepath.Join("testdata/demo", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// sourceOf says which source an entry's arguments choose.
func sourceOf(args []string) string {
	for _, a := range args {
		switch {
		case a == "--demo":
			return "demo"
		case a == "--logs-dir" || strings.HasPrefix(a, "--logs-dir="):
			return "logs"
		case a == "--logs-s3" || strings.HasPrefix(a, "--logs-s3="):
			return "s3"
		}
	}
	return "aws"
}

func TestReadmeHostSnippets(t *testing.T) {
	bin := stampedBinary(t)
	snippets := readmeSnippets(t, readmeAssistantSection(t))
	// Every host shows every source.
	seen := map[string]bool{}
	for _, s := range snippets {
		args := s.launch.Args
		if s.docker != nil {
			args = s.docker
		}
		seen[s.host+" "+sourceOf(args)] = true
	}
	for _, host := range []string{"Claude Desktop", "Claude Code", "VS Code", "Docker"} {
		for _, src := range []string{"aws", "logs", "demo"} {
			if !seen[host+" "+src] {
				t.Errorf("README shows no %s entry for the %s source", host, src)
			}
		}
	}
	logs := exportedLogs(t)
	for _, s := range snippets {
		t.Run(s.host+"/"+s.name, func(t *testing.T) {
			home := t.TempDir() // the user's home folder
			l, base := s.launch, hostBaseEnv(home)
			if s.docker != nil {
				// The container's process: the image's entry point, user
				// and environment, the mounts mapped into a folder.
				l = dockerAsProcess(t, s.docker, home, logs)
				base = nil
			}
			switch l.Command {
			case snippetBinary, "vpnlens": // dockerEntrypoint is the same path
				l.Command = bin // the host (or the image) runs the installed binary
			default:
				t.Fatalf("command %q: the snippets name %s (or vpnlens on PATH)", l.Command, snippetBinary)
			}
			for i, a := range l.Args {
				l.Args[i] = strings.Replace(a, snippetLogsDir, logs, 1)
			}
			if sourceOf(l.Args) == "s3" {
				var s3URL string
				for i, a := range l.Args {
					if a == "--logs-s3" && i+1 < len(l.Args) {
						s3URL = l.Args[i+1]
					}
				}
				env, check := newHostS3(t, home, s3URL, l.Env["AWS_PROFILE"], l.Env["AWS_REGION"])
				for k, v := range l.Env {
					env[k] = v
				}
				l.Env = env
				startAsHost(t, l, base, t.TempDir(), func(s *hostSession) { check(t, s) })
				return
			}
			if sourceOf(l.Args) != "aws" {
				startAsHost(t, l, base, t.TempDir(), func(s *hostSession) {
					res := s.call("list_vpn_connections", map[string]any{})
					if !strings.Contains(string(res), "vpn-0a1b2c3d4e5f60718") {
						t.Errorf("list_vpn_connections did not list the demo day's connections: %.600s", res)
					}
				})
				return
			}
			region := l.Env["AWS_REGION"]
			aws := newHostAWS(t, home, l.Env["AWS_PROFILE"], region)
			env := map[string]string{"AWS_ENDPOINT_URL": aws.fake.URL} // the one addition: AWS is the fake
			for k, v := range l.Env {
				env[k] = v
			}
			l.Env = env
			startAsHost(t, l, base, t.TempDir(), func(s *hostSession) { aws.check(t, s, region) })
		})
	}
}

// dockerEntrypoint is the binary's path in the image.
const dockerEntrypoint = "/usr/local/bin/vpnlens"

// dockerfileFinal reads the Dockerfile's final stage: its base image,
// USER, ENTRYPOINT and CMD (exec form).
func dockerfileFinal(t *testing.T) (from, user string, entrypoint, cmd []string) {
	t.Helper()
	raw, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		word, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch word {
		case "FROM":
			from, user, entrypoint, cmd = strings.Fields(rest)[len(strings.Fields(rest))-1], "", nil, nil
			if f := strings.Fields(rest); len(f) >= 3 && strings.EqualFold(f[len(f)-2], "AS") {
				from = f[len(f)-3]
			}
		case "USER":
			user = strings.TrimSpace(rest)
		case "ENTRYPOINT", "CMD":
			var words []string
			if err := json.Unmarshal([]byte(rest), &words); err != nil {
				t.Fatalf("Dockerfile %s %s: want the exec form (a JSON array): %v", word, rest, err)
			}
			if word == "ENTRYPOINT" {
				entrypoint = words
			} else {
				cmd = words
			}
		}
	}
	return from, user, entrypoint, cmd
}

// dockerAsProcess turns `docker run` words into the process the container
// runs, without a container: the image's entry point and user from the
// Dockerfile, its environment (HOME of the distroless nonroot user, -e
// values), and each -v mount as a folder under a temporary root the
// container paths are mapped to. hostHome stands for ~ and logs for
// /path/to/exported-logs.
func dockerAsProcess(t *testing.T, words []string, hostHome, logs string) hostLaunch {
	t.Helper()
	from, user, entrypoint, cmd := dockerfileFinal(t)
	if from != "gcr.io/distroless/static-debian12:nonroot" || user != "nonroot:nonroot" {
		t.Fatalf("Dockerfile's final stage is %s as %q: the snippets assume distroless's nonroot user (home %s)", from, user, nonrootHome)
	}
	if len(entrypoint) != 1 || entrypoint[0] != dockerEntrypoint {
		t.Fatalf("Dockerfile ENTRYPOINT %q, want [%q]", entrypoint, dockerEntrypoint)
	}
	root := t.TempDir()
	inRoot := func(p string) string { return filepath.Join(root, filepath.FromSlash(p)) }
	if err := os.MkdirAll(inRoot(nonrootHome), 0o755); err != nil {
		t.Fatal(err)
	}
	l := hostLaunch{Command: entrypoint[0], Env: map[string]string{
		"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME": inRoot(nonrootHome),
	}}
	var mounts []string // container paths
	interactive, image := false, ""
	i := 0
	for ; i < len(words) && image == ""; i++ {
		w := words[i]
		switch {
		case w == "-i" || w == "--interactive":
			interactive = true
		case w == "--rm":
		case w == "-v" || w == "--volume":
			i++
			parts := strings.Split(words[i], ":")
			if len(parts) != 3 || parts[2] != "ro" {
				t.Fatalf("-v %s: mount read-only (SRC:DST:ro)", words[i])
			}
			src := parts[0]
			switch {
			case strings.HasPrefix(src, "~/"):
				src = filepath.Join(hostHome, src[2:])
			case src == snippetLogsDir:
				src = logs
			default:
				t.Fatalf("-v %s: unknown host folder %q", words[i], src)
			}
			dst := inRoot(parts[1])
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(src, dst); err != nil {
				t.Fatal(err)
			}
			mounts = append(mounts, parts[1])
		case w == "-e" || w == "--env":
			i++
			k, v, ok := strings.Cut(words[i], "=")
			if !ok {
				t.Fatalf("-e %s: give the value in the snippet (-e %s=...)", k, k)
			}
			l.Env[k] = v
		case strings.HasPrefix(w, "-"):
			t.Fatalf("docker run option %q is not known to this test", w)
		default:
			image = w
		}
	}
	if !interactive {
		t.Fatal("docker run without -i: the container gets no stdin, so stdio MCP cannot work")
	}
	if name, _, _ := strings.Cut(image, ":"); name != imageName {
		t.Fatalf("image %q, want %s[:tag]", image, imageName)
	}
	l.Args = words[i:]
	if len(l.Args) == 0 {
		l.Args = cmd
	}
	// Container paths in the arguments are the mapped folders.
	for j, a := range l.Args {
		for _, m := range mounts {
			if a == m || strings.HasPrefix(a, m+"/") {
				l.Args[j] = inRoot(a)
			}
		}
	}
	return l
}
