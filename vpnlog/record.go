package vpnlog

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/vpnlens/vpnlens/catalog"
)

// ErrNoTime marks a record that carries no usable time. ParseRecord still
// fills and classifies the Event when it returns an error wrapping ErrNoTime,
// so a caller that has a time from elsewhere (the CloudWatch event, the
// previous line) can use the record; readers count it as malformed otherwise.
var ErrNoTime = errors.New("no usable time")

// ParseRecord decodes one record (a JSON object or a text line) into an Event
// and classifies it. hint supplies what the record itself may lack (stream
// kind, VPN connection id, tunnel IP from the stream name); it wins over the
// record's own resource_id. Raw is set to the record bytes verbatim. Errors
// describe what is wrong, for the malformed-input report.
//
// A CloudWatch Logs event object ({"logStreamName", "timestamp", "message",
// ...}) is unwrapped: the record is its message, the stream comes from its
// logStreamName, and its timestamp dates a record that has none.
func ParseRecord(raw []byte, hint StreamID) (Event, error) {
	var ev Event
	_, err := decodeRecord(&ev, string(raw), hint, 0, envelopeAuto, nil)
	return ev, err
}

// maxLogMs bounds usable times (year 9999); anything later is a corrupt field.
const maxLogMs = 253402300799999

// envelope says whether a JSON object may be, or must be, a CloudWatch Logs
// event wrapping the record in its "message".
type envelope uint8

const (
	envelopeAuto     envelope = iota // unwrap if it looks like one
	envelopeRequired                 // an element of a CloudWatch "events" list
	envelopeNone                     // already unwrapped: the record itself
)

// decodeRecord fills ev (which must be zero) from the record s. names, if
// not nil, remembers stream names already parsed. fallbackMs,
// when > 0, dates a record that has no time of its own (the CloudWatch
// event's timestamp, the S3 export line's time). text reports that the
// record was a text line, which a reader may date from the line before it.
func decodeRecord(ev *Event, s string, hint StreamID, fallbackMs int64, env envelope, names *streamNameCache) (text bool, err error) {
	ev.Raw = s
	body := trimRecordSpace(s)
	if body == "" {
		return false, errors.New("empty record")
	}
	var rf recordFields
	if body[0] != '{' {
		parseTextRecord(body, &rf)
		return true, rf.fill(ev, hint, fallbackMs, names)
	}
	if !fastParseJSONRecord(body, &rf) {
		rf = recordFields{}
		if err := slowParseJSONRecord(body, &rf); err != nil {
			if env == envelopeNone {
				err = fmt.Errorf("CloudWatch event message: %w", err)
			}
			return false, err
		}
	}
	if env == envelopeRequired || env == envelopeAuto && rf.isCWEvent() {
		if rf.messageKind != jkString {
			return false, errors.New("CloudWatch event has no message string")
		}
		h := hint
		if id, ok := names.parse(rf.logStreamName); ok {
			h = id.orElse(hint)
		}
		if ms, _, ok := rf.readableTime(); ok {
			fallbackMs = ms
		}
		*ev = Event{}
		// One level only: a message that looks like another envelope is a
		// record with unknown keys.
		return decodeRecord(ev, rf.msgDetails, h, fallbackMs, envelopeNone, names)
	}
	return false, rf.fill(ev, hint, fallbackMs, names)
}

// isCWEvent tells a CloudWatch Logs event ({"timestamp": ms, "message":
// "<record>", "logStreamName"/"ingestionTime"/"eventId"}) from a record.
func (rf *recordFields) isCWEvent() bool {
	return rf.cwKeys && rf.messageKind == jkString && !rf.hasEpoch && !rf.sawEpoch && !rf.bgpKeys && !rf.ikeKeys
}

// trimRecordSpace drops surrounding ASCII white space and a UTF-8 byte order
// mark, which editors put at the start of a file.
func trimRecordSpace(s string) string {
	s = strings.TrimPrefix(s, "\uFEFF")
	i, j := 0, len(s)
	for i < j && recIsSpace(s[i]) {
		i++
	}
	for j > i && recIsSpace(s[j-1]) {
		j--
	}
	return s[i:j]
}

func recIsSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// recordFields is what a record says, before it becomes an Event. The JSON
// fast path, the encoding/json fallback and the text parser all fill it
// through the same setters, so the three agree on what each value means.
type recordFields struct {
	epochMs   int64
	epochPrec Precision
	hasEpoch  bool
	sawEpoch  bool // the key was there, usable or not

	tsValue jsonValue // the readable timestamp as given; parsed only if needed
	sawTS   bool

	details    string
	hasDetails bool

	dpd, natt      Tri
	phase1, phase2 IKEState
	ikeKeys        bool // a key only IKE records have

	resourceID         string
	bgpType, bgpStatus string
	bgpKeys            bool // a key only BGP records have

	msgDetails    string
	hasMsgDetails bool
	prefix        string
	asPath        string
	nextHop       string
	localPref     int64
	med           int64
	weight        int64
	hasLocalPref  bool
	hasMED        bool
	hasWeight     bool
	hasRouteAttrs bool

	// CloudWatch event envelope keys.
	messageKind   jsonKind
	logStreamName string
	cwKeys        bool
}

type jsonKind uint8

const (
	jkNone jsonKind = iota
	jkString
	jkNumber
	jkTrue
	jkFalse
	jkNull
	jkObject
	jkArray
)

// jsonValue is one decoded JSON value: a string's decoded text or a number's
// literal; objects and arrays carry only their kind.
type jsonValue struct {
	kind jsonKind
	text string
}

// setTop applies one top-level key. A later duplicate key replaces an earlier
// one entirely (as encoding/json does), so every branch assigns.
func (rf *recordFields) setTop(key string, v jsonValue) {
	switch key {
	case "event_timestamp":
		rf.sawEpoch = true
		rf.epochMs, rf.epochPrec, rf.hasEpoch = epochOf(v)
	case "timestamp":
		rf.sawTS, rf.tsValue = true, v
	case "details":
		rf.details, rf.hasDetails = stringOf(v)
	case "dpd_enabled":
		rf.dpd, rf.ikeKeys = triOf(v), true
	case "nat_t_detected":
		rf.natt, rf.ikeKeys = triOf(v), true
	case "ike_phase1_state":
		s, _ := stringOf(v)
		rf.phase1, rf.ikeKeys = ParseIKEState(s), true
	case "ike_phase2_state":
		s, _ := stringOf(v)
		rf.phase2, rf.ikeKeys = ParseIKEState(s), true
	case "resource_id":
		rf.resourceID, _ = stringOf(v)
		rf.bgpKeys = true
	case "type":
		rf.bgpType, _ = stringOf(v)
		rf.bgpKeys = true
	case "status":
		rf.bgpStatus, _ = stringOf(v)
	case "message":
		// An object is applied key by key by the caller (beginMessage); a
		// string is tolerated as the details themselves.
		rf.resetMessage()
		rf.messageKind = v.kind
		rf.msgDetails, rf.hasMsgDetails = stringOf(v)
	case "logStreamName":
		rf.logStreamName, _ = stringOf(v)
		rf.cwKeys = true
	case "ingestionTime", "eventId":
		rf.cwKeys = true
	}
}

// beginMessage starts a `message` object, replacing any earlier message.
// readableTime parses the `timestamp` value: a readable time (millis says
// it shows milliseconds) or, tolerated, an epoch number.
func (rf *recordFields) readableTime() (ms int64, millis, ok bool) {
	switch rf.tsValue.kind {
	case jkString:
		var n int
		ms, millis, n, ok = scanLogTime(rf.tsValue.text)
		return ms, millis, ok && n == len(rf.tsValue.text)
	case jkNumber:
		var p Precision
		ms, p, ok = epochOf(rf.tsValue)
		return ms, p == PrecisionMillis, ok
	}
	return 0, false, false
}

func (rf *recordFields) beginMessage() {
	rf.resetMessage()
	rf.messageKind = jkObject
}

func (rf *recordFields) resetMessage() {
	rf.msgDetails, rf.hasMsgDetails = "", false
	rf.prefix, rf.asPath, rf.nextHop = "", "", ""
	rf.localPref, rf.med, rf.weight = 0, 0, 0
	rf.hasLocalPref, rf.hasMED, rf.hasWeight = false, false, false
	rf.hasRouteAttrs = false
}

// setMessage applies one key of the BGP `message` object.
func (rf *recordFields) setMessage(key string, v jsonValue) {
	switch key {
	case "details":
		rf.msgDetails, rf.hasMsgDetails = stringOf(v)
	case "prefix":
		rf.prefix, _ = stringOf(v)
		rf.hasRouteAttrs = true
	case "asPath":
		rf.asPath = ""
		if v.kind == jkString || v.kind == jkNumber {
			rf.asPath = v.text
		}
		rf.hasRouteAttrs = true
	case "nextHopIp":
		rf.nextHop, _ = stringOf(v)
		rf.hasRouteAttrs = true
	case "localPref":
		rf.localPref, rf.hasLocalPref = intOf(v)
		rf.hasRouteAttrs = true
	case "med":
		rf.med, rf.hasMED = intOf(v)
		rf.hasRouteAttrs = true
	case "weight":
		rf.weight, rf.hasWeight = intOf(v)
		rf.hasRouteAttrs = true
	}
}

func stringOf(v jsonValue) (string, bool) {
	if v.kind == jkString {
		return v.text, true
	}
	return "", false
}

// triOf reads the documented "True/False", as a JSON bool or a string in any case.
func triOf(v jsonValue) Tri {
	switch v.kind {
	case jkTrue:
		return TriTrue
	case jkFalse:
		return TriFalse
	case jkString:
		switch {
		case EqualFoldASCII(v.text, "true"):
			return TriTrue
		case EqualFoldASCII(v.text, "false"):
			return TriFalse
		}
	}
	return TriUnset
}

func intOf(v jsonValue) (int64, bool) {
	if v.kind != jkNumber && v.kind != jkString {
		return 0, false
	}
	if n, ok := smallDigits(v.text); ok {
		return n, true
	}
	if n, err := strconv.ParseInt(v.text, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(v.text, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// smallDigits reads 1 to 18 decimal digits (no sign), which cannot
// overflow; anything else is left to strconv.
func smallDigits(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func epochOf(v jsonValue) (int64, Precision, bool) {
	if v.kind != jkNumber && v.kind != jkString {
		return 0, PrecisionMillis, false
	}
	return parseEpoch(v.text)
}

// parseEpoch reads an epoch time. AWS documents seconds for some records and
// shows milliseconds for others, so the magnitude decides: values >= 1e12 are
// milliseconds (seconds that large would be past the year 33000), >= 1e15
// microseconds, >= 1e18 nanoseconds.
func parseEpoch(s string) (int64, Precision, bool) {
	if s == "" {
		return 0, PrecisionMillis, false
	}
	if n, ok := smallDigits(s); ok || len(s) == 19 && strings.Trim(s, "0123456789") == "" {
		if !ok {
			var err error
			if n, err = strconv.ParseInt(s, 10, 64); err != nil {
				return 0, PrecisionMillis, false
			}
		}
		if n <= 0 {
			return 0, PrecisionMillis, false
		}
		var ms int64
		prec := PrecisionMillis
		switch {
		case n >= 1e18:
			ms = n / 1e6
		case n >= 1e15:
			ms = n / 1e3
		case n >= 1e12:
			ms = n
		default:
			ms, prec = n*1000, PrecisionSeconds
		}
		if ms > maxLogMs {
			return 0, PrecisionMillis, false
		}
		return ms, prec, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !(f > 0) || math.IsInf(f, 0) {
		return 0, PrecisionMillis, false
	}
	var ms float64
	prec := PrecisionMillis
	switch {
	case f >= 1e18:
		ms = math.Floor(f / 1e6)
	case f >= 1e15:
		ms = math.Floor(f / 1e3)
	case f >= 1e12:
		ms = math.Floor(f)
	default:
		ms = math.Round(f * 1000)
		if f == math.Trunc(f) {
			prec = PrecisionSeconds
		}
	}
	if ms <= 0 || ms > maxLogMs {
		return 0, PrecisionMillis, false
	}
	return int64(ms), prec, true
}

// fill turns what the record said into ev, then classifies it.
func (rf *recordFields) fill(ev *Event, hint StreamID, fallbackMs int64, names *streamNameCache) error {
	ev.Stream = hint.Kind
	if ev.Stream == StreamUnknown {
		switch {
		case rf.bgpKeys:
			ev.Stream = StreamBGP
		case rf.ikeKeys:
			ev.Stream = StreamIKE
		}
	}
	ev.VPNConnectionID, ev.TunnelIP = hint.VPNConnectionID, hint.TunnelIP
	if rf.resourceID != "" && (ev.VPNConnectionID == "" || ev.TunnelIP == "") {
		if id, ok := names.parse(rf.resourceID); ok {
			if ev.VPNConnectionID == "" {
				ev.VPNConnectionID, ev.TunnelIP = id.VPNConnectionID, id.TunnelIP
			} else if id.VPNConnectionID == ev.VPNConnectionID {
				ev.TunnelIP = id.TunnelIP
			}
		}
	}

	if rf.hasMsgDetails {
		ev.Details = rf.msgDetails
	} else {
		ev.Details = rf.details
	}
	ev.Phase1State, ev.Phase2State = rf.phase1, rf.phase2
	ev.DPDEnabled, ev.NATTDetected = rf.dpd, rf.natt
	ev.BGPType = canonicalBGPWord(rf.bgpType)
	ev.BGPStatus = canonicalBGPWord(rf.bgpStatus)
	if rf.hasRouteAttrs {
		// One allocation holds the attributes and the numbers they point to.
		box := &routeBox{attrs: RouteAttrs{Prefix: rf.prefix, ASPath: rf.asPath, NextHopIP: rf.nextHop}}
		if rf.hasLocalPref {
			box.localPref = rf.localPref
			box.attrs.LocalPref = &box.localPref
		}
		if rf.hasMED {
			box.med = rf.med
			box.attrs.MED = &box.med
		}
		if rf.hasWeight {
			box.weight = rf.weight
			box.attrs.Weight = &box.weight
		}
		ev.Route = &box.attrs
	}

	var err error
	tsMs, tsMillis, hasTS := int64(0), false, false
	if !rf.hasEpoch || rf.epochPrec == PrecisionSeconds {
		tsMs, tsMillis, hasTS = rf.readableTime()
	}
	switch {
	case rf.hasEpoch:
		ev.TimeMs, ev.Precision = rf.epochMs, rf.epochPrec
		// Whole-second epochs borrow the readable timestamp's milliseconds
		// when both name the same second.
		if ev.Precision == PrecisionSeconds && hasTS && tsMillis && tsMs/1000 == rf.epochMs/1000 {
			ev.TimeMs, ev.Precision = tsMs, PrecisionMillis
		}
	case hasTS:
		ev.TimeMs, ev.Precision = tsMs, PrecisionMillis
		if !tsMillis {
			ev.Precision = PrecisionSeconds
		}
	case fallbackMs > 0:
		ev.TimeMs, ev.Precision = fallbackMs, PrecisionMillis
	default:
		switch {
		case rf.sawEpoch:
			err = fmt.Errorf("%w: event_timestamp is not an epoch time", ErrNoTime)
		case rf.sawTS:
			err = fmt.Errorf("%w: timestamp is not a readable time", ErrNoTime)
		default:
			err = fmt.Errorf("%w: record has no event_timestamp or timestamp", ErrNoTime)
		}
	}
	Classify(ev)
	if ev.Category == "" {
		ev.Category = catalog.Unknown
	}
	return err
}

type routeBox struct {
	attrs                  RouteAttrs
	localPref, med, weight int64
}

var bgpWords = [...]string{"BGPStatus", "RouteStatus", "UP", "DOWN", "ADVERTISED", "UPDATED", "WITHDRAWN"}

// canonicalBGPWord spells the documented type and status values the way AWS
// does, whatever case the record used, so consumers can compare with ==.
func canonicalBGPWord(s string) string {
	switch s {
	case "", "BGPStatus", "RouteStatus", "UP", "DOWN", "ADVERTISED", "UPDATED", "WITHDRAWN":
		return s
	}
	for _, w := range bgpWords {
		if len(w) == len(s) && EqualFoldASCII(w, s) {
			return w
		}
	}
	return s
}

// scanLogTime reads a time at the start of s: "2026-06-12 20:25:55.015Z",
// RFC 3339 ("2026-06-12T20:25:55.015+02:00"), with or without fraction or
// zone (no zone means UTC). It returns the time, whether it shows
// milliseconds (any fraction), and how many bytes it used.
func scanLogTime(s string) (ms int64, millis bool, n int, ok bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' {
		return 0, false, 0, false
	}
	if c := s[10]; c != ' ' && c != 'T' && c != 't' {
		return 0, false, 0, false
	}
	year, ok1 := recDigitsAt(s, 0, 4)
	month, ok2 := recDigitsAt(s, 5, 2)
	day, ok3 := recDigitsAt(s, 8, 2)
	hour, ok4 := recDigitsAt(s, 11, 2)
	minute, ok5 := recDigitsAt(s, 14, 2)
	sec, ok6 := recDigitsAt(s, 17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return 0, false, 0, false
	}
	if month < 1 || month > 12 || day < 1 || day > recDaysIn(year, month) || hour > 23 || minute > 59 || sec > 60 {
		return 0, false, 0, false
	}
	n = 19
	frac := 0
	if n < len(s) && (s[n] == '.' || s[n] == ',') && n+1 < len(s) && s[n+1] >= '0' && s[n+1] <= '9' {
		n++
		digits := 0
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			if digits < 3 {
				frac = frac*10 + int(s[n]-'0')
			}
			digits++
			n++
		}
		for ; digits < 3; digits++ {
			frac *= 10
		}
		millis = true
	}
	offset := 0
	if n < len(s) {
		switch c := s[n]; {
		case c == 'Z' || c == 'z':
			n++
		case (c == '+' || c == '-') && n+3 <= len(s):
			oh, okh := recDigitsAt(s, n+1, 2)
			if !okh {
				break
			}
			m := n + 3
			om := 0
			if m < len(s) && s[m] == ':' {
				m++
			}
			if v, okm := recDigitsAt(s, m, 2); okm {
				om = v
				m += 2
			} else if s[m-1] == ':' {
				break
			}
			if oh > 23 || om > 59 {
				break
			}
			offset = (oh*60 + om) * 60
			if c == '-' {
				offset = -offset
			}
			n = m
		}
	}
	if len(s)-n >= 4 && s[n] == ' ' && s[n+1:n+4] == "UTC" && offset == 0 {
		n += 4
	}
	days := recDaysFromCivil(year, month, day)
	secs := days*86400 + int64(hour*3600+minute*60+sec) - int64(offset)
	ms = secs*1000 + int64(frac)
	if ms <= 0 || ms > maxLogMs {
		return 0, false, 0, false
	}
	return ms, millis, n, true
}

func recDigitsAt(s string, at, width int) (int, bool) {
	if at+width > len(s) {
		return 0, false
	}
	v := 0
	for i := at; i < at+width; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

func recDaysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// recDaysFromCivil counts days since 1970-01-01 (H. Hinnant's algorithm); it
// avoids time.Date on the hot path.
func recDaysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// ---- JSON: fast path ----

// fastParseJSONRecord decodes a flat JSON object (with the one nested
// `message` object) without encoding/json. It returns false for anything it
// does not handle itself (escaped keys, deep nesting, arrays in asPath,
// invalid JSON), and the caller then uses encoding/json, which decides. So
// the fast path must never accept what encoding/json rejects, nor read a
// value differently; FuzzParseRecord compares the two.
func fastParseJSONRecord(s string, rf *recordFields) bool {
	p := fastJSON{s: s}
	p.skipSpace()
	if p.i >= len(s) || s[p.i] != '{' {
		return false
	}
	p.i++
	if !p.object(rf, false) {
		return false
	}
	p.skipSpace()
	return p.i == len(s)
}

type fastJSON struct {
	s string
	i int
}

// jsonPlain marks bytes that can appear in a JSON string without escaping
// and without a UTF-8 check.
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return
}()

func (p *fastJSON) skipSpace() {
	for p.i < len(p.s) && p.s[p.i] <= ' ' {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

const (
	swarOnes = 0x0101010101010101
	swarHigh = 0x8080808080808080
)

// swarSpecial reports whether any of the eight bytes in x is '"', '\\', a
// control character (< 0x20) or non-ASCII (>= 0x80): the bytes a plain JSON
// string may not hold unchecked.
func swarSpecial(x uint64) bool {
	quote := x ^ ('"' * swarOnes)
	backslash := x ^ ('\\' * swarOnes)
	zeroQuote := (quote - swarOnes) &^ quote
	zeroBackslash := (backslash - swarOnes) &^ backslash
	control := (x - 0x20*swarOnes) &^ x
	return (zeroQuote|zeroBackslash|control|x)&swarHigh != 0
}

// object reads members after the opening brace, through the closing one.
func (p *fastJSON) object(rf *recordFields, inMessage bool) bool {
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return true
	}
	for {
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return false
		}
		key, ok := p.plainString()
		if !ok {
			return false
		}
		p.skipSpace()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return false
		}
		p.i++
		p.skipSpace()
		if p.i >= len(p.s) {
			return false
		}
		switch {
		case !inMessage && key == "message" && p.s[p.i] == '{':
			p.i++
			rf.beginMessage()
			if !p.object(rf, true) {
				return false
			}
		case inMessage && key == "asPath" && p.s[p.i] == '[':
			return false // joined by the slow path
		default:
			v, ok := p.value()
			if !ok {
				return false
			}
			if inMessage {
				rf.setMessage(key, v)
			} else {
				rf.setTop(key, v)
			}
		}
		p.skipSpace()
		if p.i >= len(p.s) {
			return false
		}
		switch p.s[p.i] {
		case ',':
			p.i++
			p.skipSpace()
		case '}':
			p.i++
			return true
		default:
			return false
		}
	}
}

// plainString reads a string that needs no decoding: no escapes, no control
// characters, and valid UTF-8. Keys must be plain; values that are not go
// through decodedString.
func (p *fastJSON) plainString() (string, bool) {
	s := p.s
	start := p.i + 1
	i := start
	// Eight bytes at a time while none is a quote, a backslash, a control
	// character or non-ASCII; then byte by byte.
	if start < len(s) {
		view := unsafe.Slice(unsafe.StringData(s), len(s))
		for i+8 <= len(view) && !swarSpecial(binary.LittleEndian.Uint64(view[i:])) {
			i += 8
		}
	}
	for i < len(s) && jsonPlain[s[i]] {
		i++
	}
	if i < len(s) && s[i] == '"' {
		p.i = i + 1
		return s[start:i], true
	}
	// Non-ASCII text is fine as long as it is valid UTF-8.
	for i < len(s) {
		c := s[i]
		switch {
		case jsonPlain[c]:
			i++
		case c == '"':
			str := s[start:i]
			if !utf8.ValidString(str) {
				return "", false
			}
			p.i = i + 1
			return str, true
		case c >= 0x80:
			i++
		default: // backslash or control character
			return "", false
		}
	}
	return "", false
}

// value reads any JSON value. Strings are decoded (escapes and invalid UTF-8
// through encoding/json, so both paths agree); objects and arrays are
// validated and skipped.
func (p *fastJSON) value() (jsonValue, bool) {
	c := p.s[p.i]
	switch {
	case c == '"':
		start := p.i
		if str, ok := p.plainString(); ok {
			return jsonValue{jkString, str}, true
		}
		p.i = start
		end, ok := p.skipString()
		if !ok {
			return jsonValue{}, false
		}
		var str string
		if json.Unmarshal([]byte(p.s[start:end]), &str) != nil {
			return jsonValue{}, false
		}
		p.i = end
		return jsonValue{jkString, str}, true
	case c == '-' || c >= '0' && c <= '9':
		start := p.i
		if !p.number() {
			return jsonValue{}, false
		}
		return jsonValue{jkNumber, p.s[start:p.i]}, true
	case c == 't':
		return jsonValue{kind: jkTrue}, p.literal("true")
	case c == 'f':
		return jsonValue{kind: jkFalse}, p.literal("false")
	case c == 'n':
		return jsonValue{kind: jkNull}, p.literal("null")
	case c == '{':
		return jsonValue{kind: jkObject}, p.skipComposite(0)
	case c == '[':
		return jsonValue{kind: jkArray}, p.skipComposite(0)
	}
	return jsonValue{}, false
}

func (p *fastJSON) literal(word string) bool {
	if !strings.HasPrefix(p.s[p.i:], word) {
		return false
	}
	p.i += len(word)
	return true
}

// number checks the JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *fastJSON) number() bool {
	s, i := p.s, p.i
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	p.i = i
	return true
}

// skipString moves past a string with escapes, checking them, and returns
// the index after the closing quote.
func (p *fastJSON) skipString() (int, bool) {
	s := p.s
	i := p.i + 1
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			return i + 1, true
		case c < 0x20:
			return 0, false
		case c == '\\':
			if i+1 >= len(s) {
				return 0, false
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(s) {
					return 0, false
				}
				for k := i + 2; k < i+6; k++ {
					if !recIsHex(s[k]) {
						return 0, false
					}
				}
				i += 6
			default:
				return 0, false
			}
		default:
			i++
		}
	}
	return 0, false
}

// skipComposite validates and skips an object or array. Deep nesting is
// left to encoding/json.
func (p *fastJSON) skipComposite(depth int) bool {
	if depth > 32 {
		return false
	}
	s := p.s
	open := s[p.i]
	p.i++
	p.skipSpace()
	closeCh := byte(']')
	if open == '{' {
		closeCh = '}'
	}
	if p.i < len(s) && s[p.i] == closeCh {
		p.i++
		return true
	}
	for {
		if open == '{' {
			if p.i >= len(s) || s[p.i] != '"' {
				return false
			}
			end, ok := p.skipString()
			if !ok {
				return false
			}
			p.i = end
			p.skipSpace()
			if p.i >= len(s) || s[p.i] != ':' {
				return false
			}
			p.i++
			p.skipSpace()
		}
		if p.i >= len(s) {
			return false
		}
		switch c := s[p.i]; {
		case c == '{' || c == '[':
			if !p.skipComposite(depth + 1) {
				return false
			}
		case c == '"':
			end, ok := p.skipString()
			if !ok {
				return false
			}
			p.i = end
		default:
			if _, ok := p.value(); !ok {
				return false
			}
		}
		p.skipSpace()
		if p.i >= len(s) {
			return false
		}
		switch s[p.i] {
		case ',':
			p.i++
			p.skipSpace()
		case closeCh:
			p.i++
			return true
		default:
			return false
		}
	}
}

// ---- JSON: encoding/json fallback ----

// slowParseJSONRecord decodes with encoding/json. It is the reference the
// fast path must agree with, and it writes the error the report shows.
func slowParseJSONRecord(s string, rf *recordFields) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return describeJSONError(err)
	}
	if m == nil {
		return errors.New("record is not a JSON object")
	}
	for k, raw := range m {
		if k == "message" && len(raw) > 0 && raw[0] == '{' {
			var mm map[string]json.RawMessage
			if err := json.Unmarshal(raw, &mm); err != nil {
				return describeJSONError(err)
			}
			rf.beginMessage()
			for k2, raw2 := range mm {
				if k2 == "asPath" && len(raw2) > 0 && raw2[0] == '[' {
					rf.setMessage(k2, jsonValue{jkString, joinASPath(raw2)})
					continue
				}
				rf.setMessage(k2, rawToValue(raw2))
			}
			continue
		}
		rf.setTop(k, rawToValue(raw))
	}
	return nil
}

// joinASPath turns an AS path given as a list ([65000, "65001"]) into the
// space-separated form the documented records use.
func joinASPath(raw json.RawMessage) string {
	var parts []json.RawMessage
	if json.Unmarshal(raw, &parts) != nil {
		return ""
	}
	var b strings.Builder
	for _, part := range parts {
		v := rawToValue(part)
		if v.kind != jkString && v.kind != jkNumber {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(v.text)
	}
	return b.String()
}

func rawToValue(raw json.RawMessage) jsonValue {
	if len(raw) == 0 {
		return jsonValue{}
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return jsonValue{}
		}
		return jsonValue{jkString, s}
	case 't':
		return jsonValue{kind: jkTrue}
	case 'f':
		return jsonValue{kind: jkFalse}
	case 'n':
		return jsonValue{kind: jkNull}
	case '{':
		return jsonValue{kind: jkObject}
	case '[':
		return jsonValue{kind: jkArray}
	}
	return jsonValue{jkNumber, string(raw)}
}

// describeJSONError says where the JSON went wrong, in the report's words.
func describeJSONError(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("invalid JSON at byte %d: %s", se.Offset, se.Error())
	}
	return fmt.Errorf("invalid JSON: %s", err.Error())
}

// Plausible record times: AWS VPN logs are not older than 2020, and a
// record cannot be from the future, give or take a day of clock skew. A
// record outside (a corrupt or made-up time such as the year 9999) would
// otherwise stretch every window that follows the newest record.
var minPlausibleMs = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()

// PlausibleSkew is how far after now a record's time may be.
const PlausibleSkew = 24 * time.Hour

// PlausibleTime reports whether a record time (ms since the epoch) is one
// a real record can have when read at now: not before 2020-01-01, not
// more than PlausibleSkew after now. The error says why not.
func PlausibleTime(ms int64, now time.Time) error {
	return plausibleTime(ms, now.Add(PlausibleSkew).UnixMilli())
}

func plausibleTime(ms, maxMs int64) error {
	switch {
	case ms < minPlausibleMs:
		return fmt.Errorf("implausible time %s: before 2020-01-01, older than any AWS VPN log", formatMs(ms))
	case ms > maxMs:
		return fmt.Errorf("implausible time %s: later than %s, a day after the logs were read", formatMs(ms), formatMs(maxMs))
	}
	return nil
}

func formatMs(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.999Z07:00")
}
