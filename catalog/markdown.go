package catalog

import "strings"

// Markdown renders the whole catalogue as Markdown (served as the MCP
// resource vpn://catalog).
func Markdown() string {
	var b strings.Builder
	b.WriteString("# AWS Site-to-Site VPN log message catalogue\n\n")
	b.WriteString("Every tunnel activity (IKE) and BGP log record is put in exactly one of these classes. ")
	b.WriteString("\"Acting side\" is the side whose behaviour or configuration the record points at first. ")
	b.WriteString("Message texts are AWS's documented templates; `xxx` and `{...}` are placeholders, and ` - ` stands where AWS's table breaks the line (real logs may have \" - \", \", \", \"•\" or a space there).\n\n")
	b.WriteString("| id | layer | severity | anomaly | title |\n| --- | --- | --- | --- | --- |\n")
	for _, e := range catalogEntries {
		b.WriteString("| `" + string(e.Category) + "` | " + e.Layer + " | " + e.Severity.String() + " | " + yesNo(e.Anomaly) + " | " + e.Title + " |\n")
	}
	for _, e := range catalogEntries {
		b.WriteString("\n## `" + string(e.Category) + "`: " + e.Title + "\n\n")
		b.WriteString("Layer: " + e.Layer + ". Default severity: " + e.Severity.String() + ". Anomaly: " + yesNo(e.Anomaly) + ". Acting side: " + e.ActingSide + ".\n\n")
		b.WriteString(e.Meaning + "\n")
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
	}
	return b.String()
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
