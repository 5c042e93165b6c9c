package resources

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/view"
)

// LoadReportURI says what the source read when it opened and where the
// records it could not read are. Answers that count malformed records point
// here.
const LoadReportURI = source.LoadReportURI

const (
	// loadReportBudget bounds the resource's text; the locations are cut
	// to fit.
	loadReportBudget = 12000
	// maxReasonRunes cuts one reason (a decoder's message may quote the
	// input) and maxFileRunes one file name.
	maxReasonRunes = 160
	maxFileRunes   = 200
)

// registerLoadReport adds vpn://load-report. It is registered whatever the
// source, so that the pointer in answers never leads nowhere: a source that
// reads per question (AWS) has no load report, and the resource says so.
func registerLoadReport(s *server.MCPServer, svc *investigate.Service) {
	s.AddResource(mcp.NewResource(LoadReportURI, "Log load report",
		mcp.WithResourceDescription("What the local log source read when vpnlens started (files, records, malformed records by reason) and where each malformed record is, as file:line: reason, as Markdown. Answers that count records that could not be read point here. A source that reads per question (AWS CloudWatch Logs) has no load report: each answer notes the records it could not read."),
		mcp.WithMIMEType("text/markdown")),
		func(ctx context.Context, r mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			return []mcp.ResourceContents{mcp.TextResourceContents{URI: r.Params.URI, MIMEType: "text/markdown", Text: loadReportText(svc)}}, nil
		})
}

func loadReportText(svc *investigate.Service) string {
	var logs source.LogSource
	if svc != nil {
		logs = svc.Logs
	}
	if lr, ok := logs.(source.LoadReporter); ok {
		return loadReportMarkdown(lr.LoadReport(), loadReportBudget)
	}
	if logs == nil {
		return "# Load report\n\nThis server has no log source, so nothing was read.\n"
	}
	return "# Load report\n\n" +
		"This server's log source does not read its logs up front: it reads the records each question needs when the question is asked " +
		"(the AWS source reads CloudWatch Logs per question), so there is no load report. " +
		"Records it cannot read are counted in the notes of the answer that read them (\"N record(s) ... could not be decoded\").\n"
}

// maxSkippedShown is how many skipped entries the report lists.
const maxSkippedShown = 20

// digits are replaced by N when reasons are grouped, so "not closed before
// line 12" and "... line 40" are one reason (numbers only: not the hex
// digits of a [U+202E]).
var digits = regexp.MustCompile(`\b[0-9]+\b`)

// loadReportMarkdown renders a load report within budget characters: the
// summary and the reasons always, then as many locations as fit, saying
// how many more there are.
func loadReportMarkdown(lr source.LoadReport, budget int) string {
	rep := lr.Report
	var b strings.Builder
	fmt.Fprintf(&b, "# Load report: %s\n\n", safeText(lr.Source, maxFileRunes))
	b.WriteString("vpnlens indexed these logs when it started; each answer reads again the files its window needs.\n\n")
	fmt.Fprintf(&b, "- Files read: %d\n", rep.Files)
	fmt.Fprintf(&b, "- Records read: %d (%s uncompressed), in %d log stream(s)\n", rep.Records, byteSize(rep.Bytes), lr.Streams)
	fmt.Fprintf(&b, "- Malformed records (could not be read; left out of every answer): %d\n", rep.MalformedCount)
	fmt.Fprintf(&b, "- Records of no known message class (read and classified `unknown`): %d\n", rep.UnknownCount)
	fmt.Fprintf(&b, "- Records naming no VPN connection (no logStreamName, file name or resource_id; read but not attributed to any tunnel): %d\n", lr.Unplaced)
	fmt.Fprintf(&b, "- Entries skipped (not regular files, symlink loops, unreadable, cut at the decompression limit): %d\n", rep.SkippedCount)
	if lr.SampledFiles > 0 {
		fmt.Fprintf(&b, "- Files indexed from their first and last records only: %d. %s\n", lr.SampledFiles, safeText(lr.SampledNote, 2*maxReasonRunes))
	}
	if rep.SkippedCount > 0 {
		b.WriteString("\n## Skipped entries\n\n")
		for i, sk := range rep.Skipped {
			if i == maxSkippedShown {
				fmt.Fprintf(&b, "- … and %d more\n", rep.SkippedCount-int64(i))
				break
			}
			fmt.Fprintf(&b, "- `%s` (%s): %s\n", codeSpanText(sk.Path, maxFileRunes), codeSpanText(sk.Kind, 40), safeText(sk.Reason, maxReasonRunes))
		}
	}
	if rep.MalformedCount == 0 {
		if rep.SkippedCount == 0 {
			b.WriteString("\nEvery entry and every record could be read.\n")
		} else {
			b.WriteString("\nEvery record of the files read could be read.\n")
		}
		return b.String()
	}
	located := rep.Malformed
	partial := int64(len(located)) < rep.MalformedCount

	// By reason, over the located ones (the reader keeps the first 100).
	type reason struct {
		text string
		n    int
	}
	byReason := map[string]*reason{}
	var reasons []*reason
	for _, m := range located {
		key := digits.ReplaceAllString(safeText(m.Reason, maxReasonRunes), "N")
		r := byReason[key]
		if r == nil {
			r = &reason{text: key}
			byReason[key] = r
			reasons = append(reasons, r)
		}
		r.n++
	}
	sort.SliceStable(reasons, func(i, j int) bool { return reasons[i].n > reasons[j].n })
	b.WriteString("\n## Malformed records by reason\n\n")
	if partial {
		fmt.Fprintf(&b, "Counted over the first %d of the %d malformed records, the ones whose place the reader keeps.\n\n", len(located), rep.MalformedCount)
	}
	b.WriteString("| records | reason (N stands for a number) |\n|---:|---|\n")
	for i, r := range reasons {
		if i == 10 {
			rest := 0
			for _, r := range reasons[i:] {
				rest += r.n
			}
			fmt.Fprintf(&b, "| %d | %d other reasons |\n", rest, len(reasons)-i)
			break
		}
		fmt.Fprintf(&b, "| %d | %s |\n", r.n, strings.ReplaceAll(r.text, "|", "\\|"))
	}

	b.WriteString("\n## Where they are\n\n")
	b.WriteString("As `file:line: reason` (line 0: the file as a whole); the text of the records is not shown.\n\n")
	shown := 0
	for _, m := range located {
		line := fmt.Sprintf("- `%s:%d: %s`\n", codeSpanText(m.File, maxFileRunes), m.Line, codeSpanText(m.Reason, maxReasonRunes))
		// Leave room for the closing sentence.
		if b.Len()+len(line) > budget-300 {
			break
		}
		b.WriteString(line)
		shown++
	}
	if more := rep.MalformedCount - int64(shown); more > 0 {
		fmt.Fprintf(&b, "\n%d more malformed record(s) are not listed", more)
		switch {
		case int64(len(located)) > int64(shown):
			fmt.Fprintf(&b, " here (this list stops at %d to keep the report short", shown)
			if partial {
				fmt.Fprintf(&b, "; the reader kept the place of the first %d only", len(located))
			}
			b.WriteString(")")
		default:
			fmt.Fprintf(&b, ": the reader kept the place of the first %d only", len(located))
		}
		b.WriteString(". Fix or remove the ones listed and restart vpnlens to see the next.\n")
	}
	return b.String()
}

// safeText makes a file name or reason (which may quote the log) one line
// of inert text: steering characters shown as code points, line breaks as
// spaces, cut at max runes.
func safeText(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, view.LogText(s))
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	return s
}

// codeSpanText is safeText that cannot close a Markdown code span.
func codeSpanText(s string, max int) string {
	return strings.ReplaceAll(safeText(s, max), "`", "'")
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
