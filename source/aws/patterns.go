package aws

import (
	"regexp"
	"strings"
)

// anomalyTerms are texts at least one of which appears in every record the
// classifier marks as an anomaly: the documented failure messages, BGP
// sessions leaving Established or stepping back, DOWN states, Cease
// notifications, prefix limits and denied routes. Server-side filters built
// from them may let routine records through (they are classified and
// dropped here) but must never hold an anomaly back; the tests check that
// on every documented anomaly message and the demo data. CloudWatch filter
// patterns match case-sensitively, hence the spellings.
var anomalyTerms = []string{
	// IKE
	"Pre-shared Key", "pre-shared key", "AUTHENTICATION_FAILED", "No Proposal", "No proposal", "TS_UNACCEPTABLE",
	"unable to establish", "not responsive", "DPD timed out", "timed out", "Timeout", "received DELETE",
	"down", "Down", "DOWN",
	// BGP
	"Connect to Active", "bad OPEN", "Hold Timer", "hold timer", "prefix limit", "Prefix limit",
	"Cease", "cease", "CEASE", "notification", "Notification", "DENIED", "denied", "Denied",
	"from Established", "to Idle", "OpenSent to Connect", "OpenSent to Active", "OpenConfirm to Connect",
	"OpenConfirm to Active", "OpenConfirm to OpenSent",
}

// AnomalyFilterPattern is the FilterLogEvents pattern for anomalies-only
// reads: any of the terms.
func AnomalyFilterPattern() string {
	var b strings.Builder
	for i, t := range anomalyTerms {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(`?"` + t + `"`)
	}
	return b.String()
}

// anomalyRegex is the same filter for Logs Insights, case-insensitive.
func anomalyRegex() string {
	seen := map[string]bool{}
	var parts []string
	for _, t := range anomalyTerms {
		l := strings.ToLower(t)
		if !seen[l] {
			seen[l] = true
			parts = append(parts, regexp.QuoteMeta(l))
		}
	}
	return "(?i)(" + strings.Join(parts, "|") + ")"
}
