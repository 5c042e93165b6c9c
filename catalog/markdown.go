package catalog

import "strings"

// IndexMarkdown renders the catalogue's index: one line per class (served
// as the MCP resource vpn://catalog; each class's full entry is
// EntryMarkdown, at vpn://catalog/{category}).
func IndexMarkdown() string {
	var b strings.Builder
	b.WriteString("# AWS Site-to-Site VPN log message catalogue\n\n")
	b.WriteString("Every tunnel activity (IKE) and BGP log record is put in exactly one of these classes. ")
	b.WriteString("\"Acting side\" is the side whose behaviour or configuration the record points at first. ")
	b.WriteString("Read vpn://catalog/{id} for a class's meaning, causes, checks, gateway commands, documented messages and references.\n\n")
	b.WriteString("| id | layer | severity | anomaly | acting side | title |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, e := range catalogEntries {
		b.WriteString("| `" + string(e.Category) + "` | " + e.Layer + " | " + e.Severity.String() + " | " + yesNo(e.Anomaly) + " | " + e.ActingSide + " | " + e.Title + " |\n")
	}
	return b.String()
}

// EntryMarkdown renders one class's full entry; false for an unknown id.
func EntryMarkdown(c Category) (string, bool) {
	i, ok := catalogIndex[c]
	if !ok {
		return "", false
	}
	e := catalogEntries[i]
	var b strings.Builder
	b.WriteString("# `" + string(e.Category) + "`: " + e.Title + "\n\n")
	b.WriteString("Layer: " + e.Layer + ". Default severity: " + e.Severity.String() + ". Anomaly: " + yesNo(e.Anomaly) + ". Acting side: " + e.ActingSide + ".\n\n")
	b.WriteString(e.Meaning + "\n")
	b.WriteString("\nMessage texts are AWS's documented templates; `xxx` and `{...}` are placeholders, and ` - ` stands where AWS's table breaks the line (real logs may have \" - \", \", \", \"•\" or a space there).\n")
	writeList(&b, "Documented messages", e.Messages, true)
	writeList(&b, "Causes", e.Causes, false)
	writeList(&b, "Checks on the customer gateway", e.Checks, false)
	if len(e.GatewayHints) > 0 {
		b.WriteString("\nGateway hints:\n\n| platform | hint |\n| --- | --- |\n")
		for _, h := range e.GatewayHints {
			b.WriteString("| " + h.Vendor + " | " + strings.ReplaceAll(h.Hint, "|", "\\|") + " |\n")
		}
	}
	writeList(&b, "References", e.References, false)
	return b.String(), true
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

func writeList(b *strings.Builder, title string, items []string, code bool) {
	if len(items) == 0 {
		return
	}
	b.WriteString("\n" + title + ":\n\n")
	for _, it := range items {
		if code {
			b.WriteString("- `" + it + "`\n")
		} else {
			b.WriteString("- " + it + "\n")
		}
	}
}
