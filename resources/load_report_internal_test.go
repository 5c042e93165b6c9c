package resources

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// Many malformed records with long names: the report stays within its
// budget, lists what fits and says how many more there are; file names and
// reasons (which may quote the log) cannot steer or break the Markdown.
func TestLoadReportBudget(t *testing.T) {
	rep := vpnlog.Report{Files: 3, Records: 10, MalformedCount: 5000, ByCategory: map[catalog.Category]int64{}}
	long := strings.Repeat("very-long-folder-name/", 12)
	for i := range 100 {
		rep.Malformed = append(rep.Malformed, vpnlog.Malformed{File: long + "vpn-0aa_192.0.2.1-IKE.log", Line: 10 + i,
			Reason: fmt.Sprintf("JSON record not closed before line %d `x` \u202eevil\nnext", 11+i)})
	}
	md := loadReportMarkdown(source.LoadReport{Source: "big", Report: rep}, loadReportBudget)
	if len(md) > loadReportBudget {
		t.Errorf("%d characters, budget %d", len(md), loadReportBudget)
	}
	listed := strings.Count(md, "\n- `")
	if listed == 0 || listed >= 100 {
		t.Fatalf("%d locations listed", listed)
	}
	if want := fmt.Sprintf("%d more malformed record(s) are not listed here (this list stops at %d to keep the report short; the reader kept the place of the first 100 only)", 5000-listed, listed); !strings.Contains(md, want) {
		t.Errorf("lacks %q:\n%s", want, md[len(md)-400:])
	}
	if !strings.Contains(md, "Counted over the first 100 of the 5000 malformed records") || !strings.Contains(md, "| 100 | JSON record not closed before line N `x` [U+202E]evil next |") {
		t.Errorf("reasons:\n%s", md[:1500])
	}
	if strings.Contains(md, "\u202e") || strings.Contains(md, "\nnext") || strings.Contains(md, "`x`` ") {
		t.Error("steering characters, line breaks or backticks of a reason got through")
	}
}

// Skipped entries are listed with their kind and reason, and the report
// no longer says every record could be read when some entries were not.
func TestLoadReportListsSkippedEntries(t *testing.T) {
	lr := source.LoadReport{Source: "test"}
	lr.Report.Files = 2
	lr.Report.SkippedCount = 2
	lr.Report.Skipped = []vpnlog.Skipped{
		{Path: "pipe.log", Kind: "not-regular", Reason: "a named pipe (FIFO), not a regular file: never opened"},
		{Path: "a/up", Kind: "symlink-loop", Reason: "a symlink back up the tree"},
	}
	md := loadReportMarkdown(lr, 12000)
	for _, want := range []string{"Entries skipped", "`pipe.log` (not-regular): a named pipe (FIFO)", "`a/up` (symlink-loop)", "Every record of the files read could be read."} {
		if !strings.Contains(md, want) {
			t.Errorf("load report lacks %q:\n%s", want, md)
		}
	}
}
