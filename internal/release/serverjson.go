package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// serverJSON is the part of the MCP Registry's server.json (schema
// 2025-12-11) vpnlens fills in. The template is decoded strictly: a field
// added to server.json but not here fails the step instead of vanishing
// from the stamped file.
type serverJSON struct {
	Schema      string     `json:"$schema"`
	Name        string     `json:"name"`
	Title       string     `json:"title,omitempty"`
	Description string     `json:"description"`
	Repository  *repo      `json:"repository,omitempty"`
	WebsiteURL  string     `json:"websiteUrl,omitempty"`
	Version     string     `json:"version"`
	Packages    []regEntry `json:"packages"`
}

type repo struct {
	URL    string `json:"url"`
	Source string `json:"source"`
}

type regEntry struct {
	RegistryType         string       `json:"registryType"`
	Identifier           string       `json:"identifier"`
	Version              string       `json:"version,omitempty"`
	FileSHA256           string       `json:"fileSha256,omitempty"`
	RuntimeHint          string       `json:"runtimeHint,omitempty"`
	Transport            transport    `json:"transport"`
	RuntimeArguments     []argument   `json:"runtimeArguments,omitempty"`
	PackageArguments     []argument   `json:"packageArguments,omitempty"`
	EnvironmentVariables []keyValueIn `json:"environmentVariables,omitempty"`
}

type transport struct {
	Type string `json:"type"`
}

type argument struct {
	Type        string           `json:"type"`
	Name        string           `json:"name,omitempty"`
	Value       string           `json:"value,omitempty"`
	ValueHint   string           `json:"valueHint,omitempty"`
	Description string           `json:"description,omitempty"`
	IsRequired  bool             `json:"isRequired,omitempty"`
	Format      string           `json:"format,omitempty"`
	Default     string           `json:"default,omitempty"`
	Variables   map[string]input `json:"variables,omitempty"`
}

type input struct {
	Description string `json:"description,omitempty"`
	IsRequired  bool   `json:"isRequired,omitempty"`
	Format      string `json:"format,omitempty"`
	Default     string `json:"default,omitempty"`
}

type keyValueIn struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	IsRequired  bool   `json:"isRequired,omitempty"`
	IsSecret    bool   `json:"isSecret,omitempty"`
	Format      string `json:"format,omitempty"`
	Default     string `json:"default,omitempty"`
}

// Where a release's files are: the image tag is the version, the bundles
// are GitHub release assets of the tag v<version>.
const (
	imageRepo   = "ghcr.io/vpnlens/vpnlens"
	releaseBase = "https://github.com/vpnlens/vpnlens/releases/download/"
)

// bundleURL is where a release publishes a target's bundle.
func bundleURL(version, goos, goarch string) string {
	return releaseBase + "v" + version + "/" + bundleName(version, goos, goarch)
}

var bundleURLPattern = regexp.MustCompile(`^` + regexp.QuoteMeta(releaseBase) + `v([^/]+)/vpnlens_([^_/]+)_([a-z0-9]+)_([a-z0-9]+)\.mcpb$`)

// unstampedSHA256 stands in the checked-in template for a bundle's digest,
// which only a release knows.
var unstampedSHA256 = strings.Repeat("0", 64)

func runServerJSON(args []string) error {
	fs := flag.NewFlagSet("serverjson", flag.ContinueOnError)
	template := fs.String("template", "server.json", "the checked-in server.json")
	version := fs.String("version", "", "the release version (a leading v is dropped)")
	dist := fs.String("dist", "dist", "the folder holding the release's .mcpb bundles")
	out := fs.String("out", "dist/server.json", "where to write the stamped server.json")
	complete := fs.Bool("complete", false, "fail unless every bundle the template lists is in -dist (a real release)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *version == "" {
		return errors.New("serverjson: give -version")
	}
	raw, err := os.ReadFile(*template)
	if err != nil {
		return err
	}
	stamped, notes, err := stampServerJSON(raw, strings.TrimPrefix(*version, "v"), *dist, *complete)
	if err != nil {
		return fmt.Errorf("%s: %w", *template, err)
	}
	for _, n := range notes {
		fmt.Fprintln(os.Stderr, "release: serverjson:", n)
	}
	return os.WriteFile(*out, stamped, 0o644)
}

// readServerJSON decodes server.json strictly.
func readServerJSON(raw []byte) (*serverJSON, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var s serverJSON
	if err := dec.Decode(&s); err != nil {
		return nil, err
	}
	return &s, nil
}

// stampServerJSON fills the template in for version from the bundles in
// dist. notes name the bundles left out.
func stampServerJSON(raw []byte, version, dist string, complete bool) ([]byte, []string, error) {
	s, err := readServerJSON(raw)
	if err != nil {
		return nil, nil, err
	}
	if problems := checkTemplate(s); len(problems) > 0 {
		return nil, nil, errors.New(strings.Join(problems, "; "))
	}
	s.Version = version
	var kept []regEntry
	var notes []string
	bundles := 0
	for _, p := range s.Packages {
		switch p.RegistryType {
		case "oci":
			p.Identifier = imageRepo + ":" + version
		case "mcpb":
			m := bundleURLPattern.FindStringSubmatch(p.Identifier)
			goos, goarch := m[3], m[4]
			file := filepath.Join(dist, bundleName(version, goos, goarch))
			sum, err := fileSHA256(file)
			if errors.Is(err, os.ErrNotExist) && !complete {
				notes = append(notes, "no "+file+": its entry is left out")
				continue
			}
			if err != nil {
				return nil, nil, err
			}
			p.Identifier, p.Version, p.FileSHA256 = bundleURL(version, goos, goarch), version, sum
			bundles++
		}
		kept = append(kept, p)
	}
	if bundles == 0 {
		return nil, nil, fmt.Errorf("no bundle (vpnlens_%s_<os>_<arch>.mcpb) in %s", version, dist)
	}
	s.Packages = kept
	out, err := json.MarshalIndent(s, "", "  ")
	return append(out, '\n'), notes, err
}

// checkTemplate names what makes the checked-in server.json unfit to stamp:
// identifiers that do not follow the release's layout for its own version.
func checkTemplate(s *serverJSON) []string {
	var problems []string
	oci, mcpb := 0, 0
	for _, p := range s.Packages {
		switch p.RegistryType {
		case "oci":
			oci++
			if want := imageRepo + ":" + s.Version; p.Identifier != want {
				problems = append(problems, fmt.Sprintf("oci identifier %q, want %q", p.Identifier, want))
			}
		case "mcpb":
			mcpb++
			m := bundleURLPattern.FindStringSubmatch(p.Identifier)
			if m == nil || m[1] != s.Version || m[2] != s.Version {
				problems = append(problems, fmt.Sprintf("mcpb identifier %q, want %s", p.Identifier, bundleURL(s.Version, "<os>", "<arch>")))
				continue
			}
			if _, ok := mcpbPlatform[m[3]]; !ok {
				problems = append(problems, fmt.Sprintf("mcpb identifier %q: unknown OS %q", p.Identifier, m[3]))
			}
			if p.Version != s.Version {
				problems = append(problems, fmt.Sprintf("mcpb %s: version %q, want %q", p.Identifier, p.Version, s.Version))
			}
		default:
			problems = append(problems, fmt.Sprintf("package type %q: vpnlens publishes oci and mcpb only", p.RegistryType))
		}
	}
	if oci != 1 || mcpb == 0 {
		problems = append(problems, fmt.Sprintf("%d oci and %d mcpb packages, want one image and a bundle per target", oci, mcpb))
	}
	return problems
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
