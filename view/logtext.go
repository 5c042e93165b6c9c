package view

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Log text is data an attacker may have written (a details string, a
// neighbour's BGP message): it reaches the model in both channels, so both
// get the same treatment. Characters that could steer how the text is read
// (terminal escapes, line and paragraph separators, bidirectional
// overrides, zero-width characters) are shown as their code point, and the
// text answer's «log: …» fences cannot be forged from inside.

// LogText neutralises one field of log text for the structured channel:
// the record as logged, with every steering character written as [U+XXXX]
// and the fence characters « » as ‹ ›. Line breaks and tabs stay (a
// pretty-printed record has them, and inside a JSON string they are
// escaped); the text channel puts each record on one line.
func LogText(s string) string {
	if plainLogText(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString("[U+FFFD]")
		case r == '«':
			b.WriteRune('‹')
		case r == '»':
			b.WriteRune('›')
		case r == '\n', r == '\r', r == '\t':
			b.WriteRune(r)
		case steering(r):
			fmt.Fprintf(&b, "[U+%04X]", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// plainLogText reports text with nothing to neutralise (the usual case).
func plainLogText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f || c >= 0x80 {
			return false
		}
	}
	return true
}

// steering reports characters that change how surrounding text is shown
// or read rather than adding to it.
func steering(r rune) bool {
	switch {
	case unicode.IsControl(r): // C0, DEL, C1 (ESC, BEL, NEL, ...)
		return true
	case r == '\u2028', r == '\u2029': // line and paragraph separators
		return true
	case r >= '\u202A' && r <= '\u202E', r >= '\u2066' && r <= '\u2069', r == '\u200E', r == '\u200F', r == '\u061C': // bidi
		return true
	case r >= '\u200B' && r <= '\u200D', r == '\u2060', r == '\uFEFF', r == '\u180E': // zero width
		return true
	}
	return false
}

// maxQuotedRunes is how much of one record a text answer quotes.
const maxQuotedRunes = 400

// QuoteLog renders log text for the text channel: one line, neutralised as
// in LogText, fenced as «log: …» and cut at maxQuotedRunes.
func QuoteLog(raw string) string {
	s := strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, LogText(raw))
	if n := utf8.RuneCountInString(s); n > maxQuotedRunes {
		s = string([]rune(s)[:maxQuotedRunes]) + "…"
	}
	return "«log: " + s + "»"
}
