package source_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/vpnlens/vpnlens/source"
)

// The local source reports what it read when it opened: where each
// malformed record is (file, line, reason), how many records name no
// connection; its answers' notes and one warning line at open point to
// vpn://load-report.
func TestLocalLoadReport(t *testing.T) {
	fsys := fstest.MapFS{
		"vpn-0aa_192.0.2.1-IKE.log": {Data: []byte(ikeLine + "\n{not json\n" + ikeLine + "\n]\n")},
		"misc/unnamed.log":          {Data: []byte(strings.Replace(bgpLine, `"resource_id":"vpn-0123456789abcdef0_203.0.113.20",`, "", 1) + "\n")},
	}
	var logged bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelWarn}))
	l, err := source.OpenFS(fsys, "mem", logger)
	if err != nil {
		t.Fatal(err)
	}
	var lr source.LoadReporter = l
	rep := lr.LoadReport()
	if rep.Source != "mem" || rep.Report.Files != 2 || rep.Report.MalformedCount != 2 || len(rep.Report.Malformed) != 2 || rep.Unplaced != 1 || rep.Streams != 1 {
		t.Fatalf("load report = %+v", rep)
	}
	for i, line := range []int{2, 4} {
		if m := rep.Report.Malformed[i]; m.File != "mem/vpn-0aa_192.0.2.1-IKE.log" || m.Line != line || m.Reason == "" {
			t.Errorf("malformed %d located at %s:%d (%s), want line %d", i, m.File, m.Line, m.Reason, line)
		}
	}
	// The report is a copy: changing it does not change the source's.
	rep.Report.Malformed[0].Line = 99
	if l.LoadReport().Report.Malformed[0].Line != 2 {
		t.Error("LoadReport hands out the source's own list")
	}

	lines := strings.Split(strings.TrimSpace(logged.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "level=WARN") || !strings.Contains(lines[0], "2 malformed record(s)") ||
		!strings.Contains(lines[0], source.LoadReportURI) || !strings.Contains(lines[0], "first=mem/vpn-0aa_192.0.2.1-IKE.log:2") {
		t.Errorf("startup warning:\n%s", logged.String())
	}

	res, err := l.Logs(context.Background(), source.LogQuery{VPNConnectionID: "vpn-0aa", Start: time.Unix(0, 0), End: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Notes) == 0 || !strings.Contains(res.Notes[0], "2 malformed record(s)") || !strings.Contains(res.Notes[0], source.LoadReportURI) {
		t.Errorf("notes = %q", res.Notes)
	}
}

// Clean logs: no warning.
func TestLocalLoadReportClean(t *testing.T) {
	var logged bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelWarn}))
	l, err := source.OpenFS(fstest.MapFS{"vpn-0aa_192.0.2.1-IKE.log": {Data: []byte(ikeLine + "\n")}}, "mem", logger)
	if err != nil {
		t.Fatal(err)
	}
	if rep := l.LoadReport(); rep.Report.MalformedCount != 0 || rep.Report.Records != 1 {
		t.Errorf("load report = %+v", rep)
	}
	if logged.Len() != 0 {
		t.Errorf("warned about clean logs:\n%s", logged.String())
	}
}
