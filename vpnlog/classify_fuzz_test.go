package vpnlog

import (
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/catalog"
)

// FuzzClassifyDetails checks, for any text: no panic, a contract category, a
// valid direction, every extracted string taken from the text itself, the
// same answer twice, and a consistent result when the text sits in a record.
func FuzzClassifyDetails(f *testing.F) {
	for _, e := range catalog.Entries() {
		for _, m := range e.Messages {
			f.Add(m)
		}
	}
	for _, tc := range documentedMessages() {
		for _, sep := range docSeparators {
			f.Add(strings.ReplaceAll(tc.text, "%s", sep))
		}
		f.Add(strings.ToUpper(strings.ReplaceAll(tc.text, "%s", " - ")))
	}
	for _, s := range []string{"", " ", "6/", "(id=", "AWS tunnel ", "AWS-side peer ", "DENIED due to:", "{ip: ", "neighbor", "\xe2\x80", "<br>"} {
		f.Add(s)
	}

	valid := map[catalog.Category]bool{}
	for _, c := range catalog.AllCategories {
		valid[c] = true
	}
	f.Fuzz(func(t *testing.T, details string) {
		cat, fields, dir := ClassifyDetails(details)
		if !valid[cat] {
			t.Fatalf("ClassifyDetails(%q) = %q, not a contract id", details, cat)
		}
		if dir > DirReceived {
			t.Fatalf("ClassifyDetails(%q) direction %d", details, dir)
		}
		for name, v := range map[string]string{
			"NeighborIP": fields.NeighborIP, "FromState": fields.FromState, "ToState": fields.ToState,
			"RouterID": fields.RouterID, "ASPath": fields.ASPath, "CeaseCode": fields.CeaseCode, "SPI": fields.SPI,
			"CGWIP": fields.CGWIP, "RequestID": fields.RequestID, "Exchange": fields.Exchange, "DenyReason": fields.DenyReason,
		} {
			if v != "" && !strings.Contains(details, v) && !isCeaseConstant(name, v) {
				t.Fatalf("ClassifyDetails(%q): %s = %q is not part of the text", details, name, v)
			}
		}
		if c2, f2, d2 := ClassifyDetails(details); c2 != cat || f2 != fields || d2 != dir {
			t.Fatalf("ClassifyDetails(%q) not deterministic", details)
		}

		for _, ev := range []Event{
			{Stream: StreamIKE, Details: details, Phase1State: IKEStateEstablished, Raw: details},
			{Stream: StreamBGP, BGPType: "BGPStatus", BGPStatus: "DOWN", Details: details, Raw: details},
			{Stream: StreamBGP, BGPType: "RouteStatus", BGPStatus: "ADVERTISED", Details: details, Raw: details},
			{Details: details, Raw: details},
		} {
			Classify(&ev)
			if !valid[ev.Category] || ev.Severity > catalog.SevCritical || ev.Raw != details {
				t.Fatalf("Classify(%q): category %q severity %d raw changed %v", details, ev.Category, ev.Severity, ev.Raw != details)
			}
			if IsAnomaly(&ev) != ev.Anomaly {
				t.Fatalf("Classify(%q): IsAnomaly disagrees with ev.Anomaly", details)
			}
		}
	})
}

// A Cease code found by name ("Cease/Administrative Reset" without "6/4")
// comes from the classifier's table rather than the text.
func isCeaseConstant(name, v string) bool {
	if name != "CeaseCode" {
		return false
	}
	for _, c := range ceaseCodeStrings {
		if c != "" && c == v {
			return true
		}
	}
	return false
}
