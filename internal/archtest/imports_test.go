// Package archtest keeps docs/architecture.md true: every package of the
// module is placed in one table below, with the project packages it may
// import and whether it may speak MCP (mcp-go) or AWS (the AWS SDK and
// smithy-go). The test reads the real import graph with `go list` and fails
// on any import the table does not allow, on a package the table does not
// name (a new package must be placed in the picture), on a table entry with
// no package behind it, and on a package the document does not mention.
//
// Only the imports of the code that ships are checked (go list's Imports),
// not those of tests (TestImports, XTestImports): tests may use the fakes
// and helpers of internal/ and whatever else they need.
//
//	go test ./internal/archtest -count=1 -v
package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

const (
	module    = "github.com/vpnlens/vpnlens"
	moduleDir = "../.."
	docPath   = "docs/architecture.md"

	mcpPrefix = "github.com/mark3labs/mcp-go"
	awsPrefix = "github.com/aws/" // aws-sdk-go-v2/... and smithy-go
)

// rule places one package in the picture.
type rule struct {
	may  []string // project packages (module-relative) it may import
	mcp  bool     // may import github.com/mark3labs/mcp-go/...
	aws  bool     // may import github.com/aws/... (the SDK, smithy-go)
	role string   // what it is, for the failure messages
}

// Domain: the three packages everything reasons with. No MCP, no AWS.
var domain = []string{"catalog", "vpnlog", "correlate"}

func with(base []string, more ...string) []string {
	return append(slices.Clone(base), more...)
}

// layers is the picture of docs/architecture.md, one entry per package,
// keyed by the path relative to the module ("." is package main).
// Production packages never import internal/...; internal/... packages are
// test and tooling support. Their may-lists say what each uses today: widen
// one on purpose, in a review, never to make this test pass.
var layers = map[string]rule{
	// Domain.
	"catalog":   {role: "catalog is data and text and imports nothing of vpnlens"},
	"vpnlog":    {may: []string{"catalog"}, role: "vpnlog reads and classifies records and knows only the catalogue"},
	"correlate": {may: []string{"catalog", "vpnlog"}, role: "correlate is pure reasoning over classified records"},

	// Sources: where the facts come from.
	"source": {may: domain, role: "source defines the sources and serves local data; it knows no AWS, no MCP and no service layer"},
	"source/aws": {may: with(domain, "source"), aws: true,
		role: "source/aws is one source among others and knows nothing above the source layer"},
	// Exported logs in S3: source.Local's index and reads over the objects,
	// the SDK configuration of source/aws (LoadConfig).
	"source/s3logs": {may: with(domain, "source", "source/aws"), aws: true,
		role: "source/s3logs serves exported logs from S3 and knows nothing above the source layer"},

	// Service layer.
	"investigate": {may: with(domain, "source"),
		role: "investigate answers typed questions; it knows no MCP, no AWS SDK and no particular source (not source/aws)"},
	// The SNS sink (watch/sink_sns.go) uses the SDK's sns client on the
	// configuration source/aws.LoadConfig builds: hence aws and source/aws.
	"watch": {may: with(domain, "source", "source/aws", "investigate"), aws: true,
		role: "watch is the live incident watcher and must not know MCP"},

	// Presentation.
	"view": {may: with(domain, "investigate"),
		role: "view shapes the service's answers for a model; it must not know MCP, AWS or the sources"},

	// Surfaces.
	"tools": {may: with(domain, "source", "investigate", "view"), mcp: true,
		role: "tools are MCP tools over the service layer; they must not reach AWS or the watcher"},
	// The incidents resource runs the watch engine in process, hence watch.
	"resources": {may: with(domain, "source", "investigate", "view", "watch"), mcp: true,
		role: "resources are MCP resources, prompts and completions over the service layer; they must not reach AWS"},

	// Assembly and the top.
	"server": {may: []string{"investigate", "tools", "resources", "server/oauth"}, mcp: true,
		role: "server assembles the MCP surfaces and serves them; it must not reason or reach AWS itself"},
	// The OAuth 2.1 resource server: HTTP, JWT and JWKS only.
	"server/oauth": {role: "server/oauth validates access tokens and serves resource metadata; it knows no MCP, no AWS and nothing of vpnlens"},
	// The command line reaches MCP only through server and AWS only through
	// source/aws. The --demo data is embedded from testdata/demo (demo.go),
	// not generated at run time: main imports nothing of internal/.
	".": {may: with(domain, "source", "source/aws", "source/s3logs", "investigate", "watch", "view", "tools", "resources", "server", "server/oauth"),
		role: "main is the command line and wires everything; it speaks MCP through server and AWS through source/aws and source/s3logs"},

	// Test and tooling support.
	"internal/archtest":            {role: "archtest is this test"},
	"internal/contextcost":         {role: "contextcost is a test-only benchmark of the binary"},
	"internal/corpusgen":           {may: []string{"internal/corpusgen/corpus"}, role: "corpusgen is a generator command"},
	"internal/corpusgen/corpus":    {role: "corpus depends on nothing in the module, so any test may use it"},
	"internal/corpusgen/readbench": {may: []string{"vpnlog"}, role: "readbench measures vpnlog's readers"},
	"internal/estatebench":         {role: "estatebench is a command measuring the vpnlens binary on a large logs folder"},
	"internal/demogen":             {may: []string{"internal/demogen/tunnelsim"}, role: "demogen is a generator command"},
	"internal/demogen/tunnelsim":   {role: "tunnelsim is self-contained generator building blocks"},
	"internal/scenarios":           {may: []string{"catalog", "internal/demogen/tunnelsim"}, role: "scenarios is a generator command"},
	"internal/fakeaws": {may: []string{"vpnlog"},
		role: "fakeaws speaks the AWS wire protocols itself, for the real SDK clients to talk to"},
	"internal/fakesns": {role: "fakesns speaks SNS's wire protocol itself, for the real SDK client to talk to"},
	"internal/fakes3": {may: []string{"vpnlog"},
		role: "fakes3 speaks S3's REST protocol itself, for the real SDK client to talk to"},
	"internal/fakes3/s3estate":  {may: []string{"internal/fakes3"}, role: "s3estate is a command serving a logs folder from the fake S3"},
	"internal/fakeaws/cwestate": {may: []string{"internal/fakeaws"}, role: "cwestate is a command serving a logs folder from the fake AWS at AWS-like speed"},
	"internal/loadtest": {mcp: true,
		role: "loadtest drives a server over HTTP with mcp-go's client, not through the project's packages"},
	"internal/mcptestutil": {mcp: true, role: "mcptestutil starts in-process MCP clients for tests"},
	"internal/testidp":     {role: "testidp is a real OpenID provider (zitadel's library) for tests; it depends on nothing in the module"},
	"internal/testidp/testidp": {may: []string{"internal/testidp"},
		role: "testidp is a command running the test OpenID provider for the end-to-end tests"},
	"internal/release": {role: "release packs the MCP bundle and stamps server.json; it imports nothing of vpnlens"},
}

// pkg is what go list says of one package.
type pkg struct {
	ImportPath string
	Dir        string
	Imports    []string
	Error      *struct{ Err string }
}

// rel is a project import path relative to the module ("." for the root).
func rel(path string) (string, bool) {
	if path == module {
		return ".", true
	}
	if r, ok := strings.CutPrefix(path, module+"/"); ok {
		return r, true
	}
	return "", false
}

// docName is how the document names a package.
func docName(r string) string {
	if r == "." {
		return "main"
	}
	return r
}

func isInternal(r string) bool { return r == "internal" || strings.HasPrefix(r, "internal/") }

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Dir,Imports,Error", "./...")
	cmd.Dir = moduleDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list ./...: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		t.Fatal("go list ./... found no packages")
	}
	return pkgs
}

// consultTree reads every directory of the module the go command would
// look at. The test sees the import graph through a child process, which
// go test's result cache does not watch; reading the directories here
// records them (with every file's size and modification time), so an edit
// anywhere in the module reruns this test instead of replaying a pass.
func consultTree(t *testing.T) {
	t.Helper()
	err := filepath.WalkDir(moduleDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() || path == moduleDir {
			return nil
		}
		name := d.Name()
		if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "node_modules" {
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		t.Fatalf("reading the module tree: %v", err)
	}
}

func TestImportRules(t *testing.T) {
	consultTree(t)
	for _, problem := range check(listPackages(t), layers) {
		t.Error(problem)
	}
}

// check returns every way the packages break the rules, one sentence each.
func check(pkgs []pkg, layers map[string]rule) []string {
	var problems []string
	fail := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	seen := map[string]bool{}
	for _, p := range pkgs {
		r, ok := rel(p.ImportPath)
		if !ok {
			fail("go list ./... reported %s, outside module %s", p.ImportPath, module)
			continue
		}
		seen[r] = true
		if p.Error != nil {
			fail("%s: go list: %s (its imports cannot be checked)", r, p.Error.Err)
		}
		rl, placed := layers[r]
		if !placed {
			fail("package %s is not in the picture: add it to the table in internal/archtest/imports_test.go (what it may import, MCP, AWS) and describe it in %s", r, docPath)
			continue
		}
		for _, imp := range p.Imports {
			switch {
			case strings.HasPrefix(imp, mcpPrefix+"/") || imp == mcpPrefix:
				if !rl.mcp {
					fail("%s imports mcp-go (%s): %s must not know MCP — %s", r, imp, docName(r), rl.role)
				}
			case strings.HasPrefix(imp, awsPrefix):
				if !rl.aws {
					fail("%s imports the AWS SDK (%s): %s must not know AWS — %s", r, imp, docName(r), rl.role)
				}
			default:
				ir, ours := rel(imp)
				if !ours || slices.Contains(rl.may, ir) {
					continue
				}
				if isInternal(ir) && !isInternal(r) {
					fail("%s imports %s: production code must not depend on internal/ (test and tooling support) — %s", r, ir, rl.role)
					continue
				}
				fail("%s imports %s: not among what %s may import %v — %s", r, ir, docName(r), rl.may, rl.role)
			}
		}
	}
	var stale []string
	for r := range layers {
		if !seen[r] {
			stale = append(stale, r)
		}
	}
	sort.Strings(stale)
	for _, r := range stale {
		fail("the table names %s, but go list ./... has no such package: remove it from the table and from %s", r, docPath)
	}
	return problems
}

// TestCheckCatchesViolations feeds check a made-up graph with one
// violation of each kind, so the rules are known to bite.
func TestCheckCatchesViolations(t *testing.T) {
	m := func(r string) string { return strings.TrimSuffix(module+"/"+r, "/.") }
	rules := map[string]rule{
		"catalog":       {role: "catalog role"},
		"view":          {may: []string{"catalog"}, role: "view role"},
		"gone":          {role: "a package that was removed"},
		".":             {may: []string{"catalog", "view"}, role: "main role"},
		"internal/fake": {role: "support"},
	}
	pkgs := []pkg{
		{ImportPath: m("catalog"), Imports: []string{"fmt", m("internal/fake")}},
		{ImportPath: m("view"), Imports: []string{m("catalog"), "github.com/mark3labs/mcp-go/mcp", "github.com/aws/smithy-go", m(".")}},
		{ImportPath: m("."), Imports: []string{m("view"), "github.com/spf13/cobra"}},
		{ImportPath: m("internal/fake")},
		{ImportPath: m("newpkg"), Imports: []string{m("catalog")}},
	}
	want := []string{
		"catalog imports internal/fake: production code must not depend on internal/",
		"view imports mcp-go (github.com/mark3labs/mcp-go/mcp): view must not know MCP",
		"view imports the AWS SDK (github.com/aws/smithy-go): view must not know AWS",
		"view imports .: not among what view may import [catalog]",
		"package newpkg is not in the picture",
		"the table names gone, but go list ./... has no such package",
	}
	got := check(pkgs, rules)
	if len(got) != len(want) {
		t.Errorf("check found %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for _, w := range want {
		if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, w) }) {
			t.Errorf("check missed %q; it found:\n%s", w, strings.Join(got, "\n"))
		}
	}
}

// TestTableIsConsistent checks the table against itself, so that a rule
// cannot name a package that is not in the picture or let production code
// lean on test support.
func TestTableIsConsistent(t *testing.T) {
	for r, rl := range layers {
		for _, m := range rl.may {
			if _, ok := layers[m]; !ok {
				t.Errorf("table: %s may import %s, which the table does not place", r, m)
			}
			if m == r {
				t.Errorf("table: %s may import itself", r)
			}
			if isInternal(m) && !isInternal(r) {
				t.Errorf("table: production package %s may import %s: production code must not depend on internal/", r, m)
			}
		}
	}
}

func TestDocumentNamesEveryPackage(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(moduleDir, docPath))
	if err != nil {
		t.Fatalf("%s: %v", docPath, err)
	}
	var missing []string
	for r := range layers {
		if !bytes.Contains(doc, []byte("`"+docName(r)+"`")) {
			missing = append(missing, "`"+docName(r)+"`")
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%s does not mention %s: every package of the table has its place in the document", docPath, strings.Join(missing, ", "))
	}
}
