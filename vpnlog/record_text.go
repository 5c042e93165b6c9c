package vpnlog

import "strings"

// The text output format (LogOutputFormat=text) has no published sample, so
// the reader accepts a family of layouts rather than one:
//
//	2026-06-12 20:25:55Z ike_phase1_state=Established ... details=AWS tunnel is sending request (id=12) for CREATE_CHILD_SA
//	2026-06-12 20:25:55.015Z resource_id=vpn-0abc_203.0.113.10 type=BGPStatus status=DOWN details=...
//	1762580429641 type: RouteStatus status: ADVERTISED prefix: 10.1.0.0/16 asPath: 65000 65001
//	AWS tunnel DPD timed out after 3 retransmits
//
// A leading time (readable or epoch) is optional; keys are `key=value` or
// `key: value`; `details=` (or `message=`) takes the rest of the line unless
// its value is double-quoted; the first word that is not a key starts a bare
// message that runs to the end of the line. Text never fails to parse: a line
// with no known key is a bare message.

// textKey is what a text key means, by the JSON key it stands for.
type textKey uint8

const (
	tkNone textKey = iota
	tkUnknown
	tkDetails
	tkMessage
	tkTimestamp
	tkEpoch
	tkPhase1
	tkPhase2
	tkDPD
	tkNATT
	tkResourceID
	tkType
	tkStatus
	tkPrefix
	tkASPath
	tkLocalPref
	tkMED
	tkNextHop
	tkWeight
)

var textKeyNames = []struct {
	name string
	key  textKey
}{
	{"details", tkDetails}, {"detail", tkDetails},
	{"message", tkMessage}, {"msg", tkMessage},
	{"timestamp", tkTimestamp}, {"time", tkTimestamp},
	{"event_timestamp", tkEpoch},
	{"ike_phase1_state", tkPhase1}, {"ike_phase2_state", tkPhase2},
	{"dpd_enabled", tkDPD}, {"nat_t_detected", tkNATT},
	{"resource_id", tkResourceID}, {"type", tkType}, {"status", tkStatus},
	{"prefix", tkPrefix},
	{"asPath", tkASPath}, {"as_path", tkASPath},
	{"localPref", tkLocalPref}, {"local_pref", tkLocalPref},
	{"med", tkMED},
	{"nextHopIp", tkNextHop}, {"next_hop_ip", tkNextHop}, {"nextHop", tkNextHop},
	{"weight", tkWeight},
}

func lookupTextKey(name string) textKey {
	for _, k := range textKeyNames {
		if EqualFoldASCII(k.name, name) {
			return k.key
		}
	}
	return tkUnknown
}

// parseTextRecord reads one text line (already trimmed) into rf.
func parseTextRecord(s string, rf *recordFields) {
	i := 0
	if _, _, n, ok := scanLogTime(s); ok && (n == len(s) || s[n] == ' ' || s[n] == '\t') {
		rf.setTop("timestamp", jsonValue{jkString, s[:n]})
		i = n
	} else if n := leadingEpochLen(s); n > 0 {
		rf.setTop("event_timestamp", jsonValue{jkNumber, s[:n]})
		i = n
	}
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) {
			return
		}
		key, next := textKeyAt(s, i)
		if key == tkNone {
			// A bare message: the rest of the line.
			if !rf.hasDetails && !rf.hasMsgDetails {
				rf.details, rf.hasDetails = s[i:], true
			}
			return
		}
		i = next
		var v string
		switch {
		case i < len(s) && s[i] == '"':
			v, i = quotedTextValue(s, i)
		case key == tkDetails || key == tkMessage:
			v, i = strings.TrimRight(s[i:], " \t"), len(s)
		case key == tkTimestamp:
			if _, _, n, ok := scanLogTime(s[i:]); ok {
				v, i = s[i:i+n], i+n
			} else {
				v, i = textToken(s, i)
			}
		case key == tkASPath:
			v, i = asPathTextValue(s, i)
		default:
			v, i = textToken(s, i)
		}
		rf.setText(key, v)
	}
}

// setText applies one text key=value through the same setters as JSON.
func (rf *recordFields) setText(key textKey, v string) {
	str := jsonValue{jkString, v}
	switch key {
	case tkDetails:
		rf.setTop("details", str)
	case tkMessage:
		// Not setTop("message"): that would drop route attributes given as
		// their own keys on the same line.
		rf.msgDetails, rf.hasMsgDetails = v, true
	case tkTimestamp:
		if isEpochText(v) {
			rf.setTop("timestamp", jsonValue{jkNumber, v})
		} else {
			rf.setTop("timestamp", str)
		}
	case tkEpoch:
		rf.setTop("event_timestamp", str)
	case tkPhase1:
		rf.setTop("ike_phase1_state", str)
	case tkPhase2:
		rf.setTop("ike_phase2_state", str)
	case tkDPD:
		rf.setTop("dpd_enabled", str)
	case tkNATT:
		rf.setTop("nat_t_detected", str)
	case tkResourceID:
		rf.setTop("resource_id", str)
	case tkType:
		rf.setTop("type", str)
	case tkStatus:
		rf.setTop("status", str)
	case tkPrefix:
		rf.setMessage("prefix", str)
	case tkASPath:
		rf.setMessage("asPath", str)
	case tkLocalPref:
		rf.setMessage("localPref", str)
	case tkMED:
		rf.setMessage("med", str)
	case tkNextHop:
		rf.setMessage("nextHopIp", str)
	case tkWeight:
		rf.setMessage("weight", str)
	}
}

// textKeyAt reports whether a key starts at s[i] and where its value
// begins. Known keys may use "=" or ": "; unknown ones only "=" (so that
// "AWS: Traffic Selector: ..." stays a bare message). Keys start with a
// letter or underscore.
func textKeyAt(s string, i int) (textKey, int) {
	j := i
	if j >= len(s) || !(s[j] == '_' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z') {
		return tkNone, i
	}
	for j < len(s) && (s[j] == '_' || recIsAlnum(s[j])) {
		j++
	}
	if j >= len(s) {
		return tkNone, i
	}
	name := s[i:j]
	switch s[j] {
	case '=':
		return lookupTextKey(name), j + 1
	case ':':
		if j+1 < len(s) && s[j+1] != ' ' && s[j+1] != '\t' {
			return tkNone, i
		}
		k := lookupTextKey(name)
		if k == tkUnknown {
			return tkNone, i
		}
		j++
		for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
			j++
		}
		return k, j
	}
	return tkNone, i
}

// textToken returns the value up to the next blank.
func textToken(s string, i int) (string, int) {
	j := i
	for j < len(s) && s[j] != ' ' && s[j] != '\t' {
		j++
	}
	return s[i:j], j
}

// quotedTextValue reads "..." with \" and \\ escapes. An unterminated quote
// runs to the end of the line. Only escaped values allocate.
func quotedTextValue(s string, i int) (string, int) {
	start := i + 1
	escaped := false
	for j := start; j < len(s); j++ {
		switch s[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			v := s[start:j]
			if escaped {
				v = unescapeTextValue(v)
			}
			return v, j + 1
		}
	}
	v := s[start:]
	if escaped {
		v = unescapeTextValue(v)
	}
	return v, len(s)
}

func unescapeTextValue(v string) string {
	var b strings.Builder
	b.Grow(len(v))
	for j := 0; j < len(v); j++ {
		if v[j] == '\\' && j+1 < len(v) && (v[j+1] == '"' || v[j+1] == '\\') {
			j++
		}
		b.WriteByte(v[j])
	}
	return b.String()
}

// asPathTextValue reads an AS path, which may hold several blank-separated
// numbers ("65000 65001 {65002,65003}"), up to the next key.
func asPathTextValue(s string, i int) (string, int) {
	v, end := textToken(s, i)
	for {
		j := end
		for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
			j++
		}
		tok, next := textToken(s, j)
		if tok == "" || !isASPathWord(tok) {
			return v, end
		}
		v, end = s[i:next], next
	}
}

func isASPathWord(t string) bool {
	digit := false
	for k := 0; k < len(t); k++ {
		switch c := t[k]; {
		case c >= '0' && c <= '9':
			digit = true
		case c == '{' || c == '}' || c == ',' || c == '(' || c == ')' || c == '.':
		default:
			return false
		}
	}
	return digit
}

// leadingEpochLen returns the length of an epoch time (10 to 19 digits,
// optionally with a fraction) that opens s and is followed by a blank or
// the end, else 0.
func leadingEpochLen(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	if n < 10 || n > 19 {
		return 0
	}
	if n < len(s) && s[n] == '.' {
		k := n + 1
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k > n+1 {
			n = k
		}
	}
	if n < len(s) && s[n] != ' ' && s[n] != '\t' {
		return 0
	}
	return n
}

// isEpochText reports whether a text value is a number (an epoch time
// rather than a readable one).
func isEpochText(v string) bool {
	return v != "" && strings.Trim(v, "0123456789.") == ""
}
