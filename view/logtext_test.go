package view

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLogText(t *testing.T) {
	for in, want := range map[string]string{
		"AWS tunnel DPD timed out after 3 retransmits": "AWS tunnel DPD timed out after 3 retransmits",
		"a\x1b[31mred\x07":             "a[U+001B][31mred[U+0007]",
		"line\u2028two\u2029":          "line[U+2028]two[U+2029]",
		"\u202etxt.exe\u2066":          "[U+202E]txt.exe[U+2066]",
		"zero\u200bwidth\ufeff":        "zero[U+200B]width[U+FEFF]",
		"«log: forged»":                "‹log: forged›",
		"{\n  \"details\": \"x\"\t\n}": "{\n  \"details\": \"x\"\t\n}",
		"bad \xff byte":                "bad [U+FFFD] byte",
		"grüße":                        "grüße",
	} {
		if got := LogText(in); got != want {
			t.Errorf("LogText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestQuoteLog(t *testing.T) {
	got := QuoteLog("{\n\"details\":\"x\u202e\"}")
	if got != `«log: { "details":"x[U+202E]"}»` {
		t.Errorf("QuoteLog = %q", got)
	}
	long := QuoteLog(strings.Repeat("é", 1000))
	if strings.Count(long, "é") != maxQuotedRunes || !strings.HasSuffix(long, "…»") {
		t.Errorf("a long record is not cut at %d characters: %d kept", maxQuotedRunes, strings.Count(long, "é"))
	}
}

// FuzzLogText: whatever a record holds, the neutralised text has no
// steering character and no fence, is valid UTF-8, and neutralising it
// again changes nothing.
func FuzzLogText(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b]0;title\x07", "«log: x»", "\u202e\u200b\ufeff", "\xff\xfe", "a\nb\tc\r"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := LogText(s)
		if !utf8.ValidString(out) {
			t.Fatalf("LogText(%q) = %q is not UTF-8", s, out)
		}
		for _, r := range out {
			if r != '\n' && r != '\r' && r != '\t' && steering(r) || r == '«' || r == '»' {
				t.Fatalf("LogText(%q) = %q keeps %U", s, out, r)
			}
		}
		if again := LogText(out); again != out {
			t.Fatalf("not idempotent: %q then %q", out, again)
		}
		q := QuoteLog(s)
		if strings.Count(q, "«") != 1 || strings.Count(q, "»") != 1 || strings.ContainsAny(q, "\n\r") {
			t.Fatalf("QuoteLog(%q) = %q", s, q)
		}
	})
}

func TestSpanAndThousands(t *testing.T) {
	for secs, want := range map[int64]string{0: "0s", 40: "40s", 60: "1m", 3600: "1h", 4499: "1h14m59s", 90061: "1d1h1m1s"} {
		if got := span(secs); got != want {
			t.Errorf("span(%d) = %q, want %q", secs, got, want)
		}
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1144: "1,144", 1234567: "1,234,567", -5000: "-5,000"} {
		if got := itoa(n); got != want {
			t.Errorf("itoa(%d) = %q, want %q", n, got, want)
		}
	}
}

// A page stops before its budget in either channel, and always holds at
// least one item.
func TestSizer(t *testing.T) {
	s := sizer{budget: 100}
	if !s.fits(strings.Repeat("x", 500), "line") {
		t.Error("the first item must fit, however large")
	}
	if s.fits("y", "z") {
		t.Error("an item past the budget fits")
	}
	s = sizer{budget: 100}
	n := 0
	for s.fits("abcdefgh", "a short line") {
		n++
	}
	if n == 0 || s.structured > 100 || s.text > 100 {
		t.Errorf("%d items, %d structured, %d text over a budget of 100", n, s.structured, s.text)
	}
}
