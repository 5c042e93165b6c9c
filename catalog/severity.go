package catalog

// Severity orders how much a record matters to someone on call.
type Severity uint8

const (
	SevInfo Severity = iota
	SevNotice
	SevWarning
	SevError
	SevCritical
)

var severityNames = [...]string{"info", "notice", "warning", "error", "critical"}

func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return "unknown"
}
