package tools

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// echoLimit is how many characters of a caller's value an error message
// repeats.
const echoLimit = 200

// shortenEchoes shortens the caller's values an error message repeats.
// Messages quote them as Go strings (%q), wherever in the code they are
// made; every quoted string in msg longer than echoLimit characters is cut
// to its first echoLimit characters, closed with "…" and followed by the
// size of the whole value: "AAAA…" (1048576 bytes). A megabyte argument
// then costs a few hundred bytes of answer and log, and the message still
// says which value it means.
func shortenEchoes(msg string) string {
	if len(msg) <= echoLimit {
		return msg
	}
	var b strings.Builder
	rest := msg
	for {
		open := strings.IndexByte(rest, '"')
		if open < 0 {
			break
		}
		end := quotedEnd(rest[open:])
		if end < 0 {
			break
		}
		lit := rest[open : open+end]
		b.WriteString(rest[:open])
		b.WriteString(shortenQuoted(lit))
		rest = rest[open+end:]
	}
	b.WriteString(rest)
	return b.String()
}

// quotedEnd returns the length of the quoted string s starts with (both
// quotes included), or -1 when it does not end.
func quotedEnd(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// shortenQuoted shortens one quoted string when its value is longer than
// echoLimit characters.
func shortenQuoted(lit string) string {
	if len(lit) <= echoLimit+2 {
		return lit
	}
	v, err := strconv.Unquote(lit)
	if err != nil {
		v = lit[1 : len(lit)-1] // not Go syntax: cut it as it stands
	}
	if utf8.RuneCountInString(v) <= echoLimit {
		return lit
	}
	cut, n := v, 0
	for i := range v {
		if n == echoLimit {
			cut = v[:i]
			break
		}
		n++
	}
	return fmt.Sprintf("%s (%d bytes)", strconv.Quote(cut+"…"), len(v))
}

// shortenedError is an error whose message had its echoes shortened; it
// still unwraps to the original.
type shortenedError struct {
	msg string
	err error
}

func (e *shortenedError) Error() string { return e.msg }
func (e *shortenedError) Unwrap() error { return e.err }
