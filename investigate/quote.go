package investigate

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// quoteLog renders untrusted log text for a text answer: one line, fenced
// as data so a crafted details string cannot read as an instruction. Every
// control character and Unicode line or paragraph separator becomes a space
// (no line breaks, no terminal escapes), the fences cannot be forged, and a
// long record is cut on a character boundary.
func quoteLog(raw string) string {
	const maxRunes = 400
	var b strings.Builder
	b.WriteString("«log: ")
	n := 0
	for _, r := range raw {
		if n == maxRunes {
			b.WriteString("…")
			break
		}
		n++
		switch {
		case r == '«':
			r = '‹'
		case r == '»':
			r = '›'
		case unicode.IsControl(r), r == '\u2028', r == '\u2029', r == '\u0085', r == utf8.RuneError:
			r = ' '
		}
		b.WriteRune(r)
	}
	b.WriteString("»")
	return b.String()
}
