package resources_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/vpnlens/vpnlens/internal/mcptestutil"
	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/resources"
	vpnserver "github.com/vpnlens/vpnlens/server"
	"github.com/vpnlens/vpnlens/source"
)

const brokenFile = "vpn-0a1b2c3d4e5f60718_203.0.113.20-IKE.log"

// demoWith is the demo data with extra lines appended to brokenFile
// (stored inflated, so the line numbers are the file's own); it returns the
// file system and the number of lines brokenFile had before.
func demoWith(t *testing.T, extra string) (fstest.MapFS, int) {
	t.Helper()
	fsys := fstest.MapFS{}
	demo := os.DirFS("../testdata/demo")
	ents, err := fs.ReadDir(demo, ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() || e.Name() == "expected.json" {
			continue
		}
		name := e.Name()
		b, err := fs.ReadFile(demo, name)
		if err != nil {
			t.Fatal(err)
		}
		if name == brokenFile+".gz" {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if b, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
			name = brokenFile
		}
		fsys[name] = &fstest.MapFile{Data: b}
	}
	lines := bytes.Count(fsys[brokenFile].Data, []byte("\n"))
	fsys[brokenFile].Data = append(fsys[brokenFile].Data, extra...)
	return fsys, lines
}

// A local source with malformed records: vpn://load-report says how many,
// why (by reason) and where (file:line: reason); the address is listed and
// named in the "no such resource" message.
func TestLoadReportLocatesMalformedRecords(t *testing.T) {
	fsys, n := demoWith(t, "{\"event_timestamp\": 1781296000, \"details\": broken}\n]\n{\"event_timestamp\": 1781296001, \"details\": also broken}\n")
	quiet := slog.New(slog.DiscardHandler)
	local, err := source.OpenFS(fsys, "mylogs", quiet)
	if err != nil {
		t.Fatal(err)
	}
	svc := &investigate.Service{Inventory: local, Logs: local, Limits: investigate.DefaultLimits, Logger: quiet, Now: time.Now}
	c := mcptestutil.Client(t, vpnserver.New(vpnserver.Config{Service: svc}))

	md := read(t, c, resources.LoadReportURI)
	t.Logf("%s:\n%s", resources.LoadReportURI, md)
	for _, want := range []string{
		"# Load report: mylogs",
		"- Files read: 8",
		"- Malformed records (could not be read; left out of every answer): 3",
		"| 1 | stray JSON fragment (a closing bracket outside any record) |",
		"| 1 | invalid JSON at byte N: invalid character 'b' looking for beginning of value |",
		fmt.Sprintf("- `mylogs/%s:%d: invalid JSON at byte 44: invalid character 'b' looking for beginning of value`", brokenFile, n+1),
		fmt.Sprintf("- `mylogs/%s:%d: stray JSON fragment (a closing bracket outside any record)`", brokenFile, n+2),
		fmt.Sprintf("- `mylogs/%s:%d: invalid JSON at byte 44: invalid character 'a' looking for beginning of value`", brokenFile, n+3),
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the load report lacks %q", want)
		}
	}
	if strings.Contains(md, "also broken") {
		t.Error("the load report quotes the records")
	}
	if strings.Contains(md, "more malformed") {
		t.Error("all three are listed, yet the report says more are not")
	}

	list, err := c.ListResources(context.Background(), mcp.ListResourcesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	listed := false
	for _, r := range list.Resources {
		listed = listed || r.URI == resources.LoadReportURI
	}
	if !listed {
		t.Errorf("%s is not in the resource list", resources.LoadReportURI)
	}
	if err := readErr(t, c, "vpn://load-reports"); !errors.Is(err, mcp.ErrInvalidParams) || !strings.Contains(err.Error(), resources.LoadReportURI) {
		t.Errorf("the no-such-resource message does not name %s: %v", resources.LoadReportURI, err)
	}

	// The answers that count them point to it.
	res, err := c.CallTool(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "fetch_vpn_logs",
		Arguments: map[string]any{"vpn_connection_id": hq, "start": "2026-06-12 20:15", "end": "2026-06-12 20:30"}}})
	if err != nil || res.IsError {
		t.Fatalf("fetch_vpn_logs: %v %+v", err, res)
	}
	if text := res.Content[0].(mcp.TextContent).Text; !strings.Contains(text, "3 malformed record(s)") || !strings.Contains(text, resources.LoadReportURI) {
		t.Errorf("fetch_vpn_logs does not point to %s:\n%.600s", resources.LoadReportURI, text)
	}
}

// The demo reads cleanly; the report says so.
func TestLoadReportClean(t *testing.T) {
	md := read(t, servedClient(t, mcp.LATEST_PROTOCOL_VERSION), resources.LoadReportURI)
	for _, want := range []string{"# Load report: demo", "- Malformed records (could not be read; left out of every answer): 0", "Every entry and every record could be read.", "- Entries skipped (not regular files, symlink loops, unreadable, cut at the decompression limit): 0"} {
		if !strings.Contains(md, want) {
			t.Errorf("load report lacks %q:\n%s", want, md)
		}
	}
}

// logsOnly is a log source that reads per question: it has no load report.
type logsOnly struct{ source.LogSource }

// A source that reads per question (AWS) has no load report; the resource
// says where unreadable records are counted instead.
func TestLoadReportWithoutLoadReporter(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	local, err := source.OpenFS(source.HideFiles(os.DirFS("../testdata/demo"), "expected.json"), "demo", quiet)
	if err != nil {
		t.Fatal(err)
	}
	svc := &investigate.Service{Inventory: local, Logs: logsOnly{local}, Limits: investigate.DefaultLimits, Logger: quiet, Now: time.Now}
	md := read(t, mcptestutil.Client(t, vpnserver.New(vpnserver.Config{Service: svc})), resources.LoadReportURI)
	for _, want := range []string{"reads the records each question needs", "AWS source reads CloudWatch Logs per question", "notes of the answer that read them"} {
		if !strings.Contains(md, want) {
			t.Errorf("lacks %q:\n%s", want, md)
		}
	}
}
