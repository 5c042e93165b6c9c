package vpnlog

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/vpnlens/vpnlens/catalog"
)

// Malformed locates one piece of input that did not become an event (or, in
// Report.UnknownSamples, one that matched no known message).
type Malformed struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Reason string `json:"reason"`
	Sample string `json:"sample"` // at most 120 bytes of the input
}

// Report sums up what a read saw. Counts are exact; the lists keep the first
// few so that a report about a large corpus stays small.
type Report struct {
	Files          int                        `json:"files"`
	Records        int64                      `json:"records"` // records decoded (malformed not included)
	Bytes          int64                      `json:"bytes"`   // uncompressed bytes read
	MalformedCount int64                      `json:"malformed_count"`
	Malformed      []Malformed                `json:"malformed"` // first 100 kept; the count is exact
	UnknownCount   int64                      `json:"unknown_count"`
	UnknownSamples []Malformed                `json:"unknown_samples"` // first 20 unknown-category records, located
	ByCategory     map[catalog.Category]int64 `json:"by_category"`
}

const (
	maxMalformedKept = 100
	maxUnknownKept   = 20
	maxSampleBytes   = 120
)

// Merge adds o's counts and samples to r.
func (r *Report) Merge(o *Report) {
	if o == nil {
		return
	}
	r.Files += o.Files
	r.Records += o.Records
	r.Bytes += o.Bytes
	r.MalformedCount += o.MalformedCount
	r.UnknownCount += o.UnknownCount
	for _, m := range o.Malformed {
		if len(r.Malformed) >= maxMalformedKept {
			break
		}
		r.Malformed = append(r.Malformed, m)
	}
	for _, m := range o.UnknownSamples {
		if len(r.UnknownSamples) >= maxUnknownKept {
			break
		}
		r.UnknownSamples = append(r.UnknownSamples, m)
	}
	if len(o.ByCategory) > 0 && r.ByCategory == nil {
		r.ByCategory = make(map[catalog.Category]int64, len(o.ByCategory))
	}
	for c, n := range o.ByCategory {
		r.ByCategory[c] += n
	}
}

func (r *Report) addMalformed(file string, line int, reason string, sample []byte) {
	r.MalformedCount++
	if len(r.Malformed) < maxMalformedKept {
		r.Malformed = append(r.Malformed, Malformed{File: file, Line: line, Reason: reason, Sample: sampleOf(sample)})
	}
}

// sampleOf cuts b to at most maxSampleBytes of valid UTF-8.
func sampleOf(b []byte) string {
	b = bytes.TrimSpace(b)
	s := strings.ToValidUTF8(string(b[:min(len(b), 4*maxSampleBytes)]), "\uFFFD")
	if len(s) > maxSampleBytes {
		cut := maxSampleBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}

// ReadOptions tells ReadRecords where its input comes from.
type ReadOptions struct {
	Name   string   // file name or path shown in reports; also used to infer the stream
	Stream StreamID // stream hint (from logStreamName, file or folder name); zero = infer
}

// maxRecordBytes caps one record (a line, or a pretty-printed object);
// CloudWatch Logs caps events at 1 MiB too. Longer input is reported and
// skipped, so memory never depends on the input.
const maxRecordBytes = 1 << 20

// lineBufferSize holds one maximal line with its line ending.
const lineBufferSize = maxRecordBytes + 4096

var lineReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, lineBufferSize) }}
var sniffReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 64<<10) }}

// ReadRecords streams every record in r and calls fn once per event. The
// input may be, gzipped or not (detected by magic bytes): one record per line
// (JSON or text), CloudWatch export-to-S3 lines ("<RFC 3339 time> <record>"),
// the JSON printed by `aws logs filter-log-events` / `get-log-events`, a JSON
// array of such events or of records, or pretty-printed JSON records one
// after another. The *Event is only valid during the call (copy it to keep
// it; its strings are immutable). fn returning an error stops reading and
// returns that error. Input that is not a record is counted in rep and
// located; only I/O errors and fn's errors are returned.
func ReadRecords(r io.Reader, opt ReadOptions, rep *Report, fn func(*Event) error) error {
	if rep.ByCategory == nil {
		rep.ByCategory = make(map[catalog.Category]int64)
	}
	rep.Files++
	hint := opt.Stream
	if opt.Name != "" {
		hint = hint.orElse(streamFromPath(opt.Name))
	}

	raw := sniffReaders.Get().(*bufio.Reader)
	raw.Reset(r)
	defer func() { raw.Reset(nil); sniffReaders.Put(raw) }()

	counter := &countingReader{r: raw}
	var src io.Reader = counter
	if magic, _ := raw.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(raw)
		if err != nil {
			if isDataError(err) {
				rep.addMalformed(opt.Name, 0, "gzip: "+err.Error(), nil)
				return nil
			}
			return fmt.Errorf("read %s: %w", opt.Name, err)
		}
		defer gz.Close()
		counter = &countingReader{r: gz}
		src = counter
	}
	br := lineReaders.Get().(*bufio.Reader)
	br.Reset(src)
	defer func() { br.Reset(nil); lineReaders.Put(br) }()

	rr := &recordReader{br: br, name: opt.Name, hint: hint, rep: rep, fn: fn}
	err := rr.run()
	rep.Bytes += counter.n
	return err
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// isDataError tells corrupt compressed input (reported as malformed) from
// failures of the reader itself (returned).
func isDataError(err error) bool {
	var corrupt flate.CorruptInputError
	return errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &corrupt)
}

// errStop carries fn's error out of the reading loops untouched.
type errStop struct{ err error }

func (e errStop) Error() string { return e.err.Error() }

type recordReader struct {
	br   *bufio.Reader
	name string
	hint StreamID
	rep  *Report
	fn   func(*Event) error

	newlines int   // '\n' consumed so far; the current line is newlines+1
	lastMs   int64 // time of the previous event, to date text lines that have none
	ev       Event // reused for every record: fn must copy what it keeps
	acc      []byte
	names    streamNameCache
}

// run reads the whole input. It returns only I/O errors and fn's errors.
func (rr *recordReader) run() error {
	if bom, _ := rr.br.Peek(3); len(bom) == 3 && bom[0] == 0xEF && bom[1] == 0xBB && bom[2] == 0xBF {
		rr.br.Discard(3)
	}
	for {
		var err error
		switch rr.sniff() {
		case topArray:
			err = rr.readArray(envelopeAuto)
		case topCWResponse:
			err = rr.readCWResponse()
		default:
			err = rr.readLine()
		}
		if err == io.EOF {
			return nil
		}
		if err != nil && err != errAbandoned {
			return rr.finish(err)
		}
	}
}

// finish turns a loop error into what ReadRecords returns: fn's error as
// is, corrupt compressed data into a report entry, other errors wrapped.
func (rr *recordReader) finish(err error) error {
	var stop errStop
	if errors.As(err, &stop) {
		return stop.err
	}
	if isDataError(err) {
		rr.rep.addMalformed(rr.name, rr.newlines+1, "input ends in corrupt or truncated data: "+err.Error(), nil)
		return nil
	}
	return fmt.Errorf("read %s: %w", rr.name, err)
}

type topLevel uint8

const (
	topLines topLevel = iota
	topArray
	topCWResponse
)

// cwResponseKeys are the keys only `aws logs filter-log-events` /
// `get-log-events` output has at its top level.
var cwResponseKeys = []string{"events", "searchedLogStreams", "nextToken", "nextForwardToken", "nextBackwardToken"}

// sniff looks (without consuming) at what starts at the reader's position:
// a JSON array, a CloudWatch response object, or anything else, which is
// read line by line. Records never start with a CloudWatch response key,
// so one look at the first key is enough.
func (rr *recordReader) sniff() topLevel {
	b, _ := rr.br.Peek(1)
	if len(b) == 0 || b[0] != '{' && b[0] != '[' && !recIsSpace(b[0]) {
		return topLines
	}
	b, _ = rr.br.Peek(512)
	i := skipJSONSpace(b, 0)
	if i >= len(b) {
		return topLines
	}
	switch b[i] {
	case '[':
		j := skipJSONSpace(b, i+1)
		if j >= len(b) || b[j] == '{' || b[j] == ']' || b[j] == '"' {
			return topArray
		}
	case '{':
		j := skipJSONSpace(b, i+1)
		if j < len(b) && b[j] == '"' {
			end := bytes.IndexByte(b[j+1:], '"')
			if end >= 0 {
				key := b[j+1 : j+1+end]
				for _, k := range cwResponseKeys {
					if string(key) == k {
						return topCWResponse
					}
				}
			}
		}
	}
	return topLines
}

func skipJSONSpace(b []byte, i int) int {
	for i < len(b) && recIsSpace(b[i]) {
		i++
	}
	return i
}

// ---- line mode ----

// readLine reads one line and turns it into an event or a report entry.
// Multi-line (pretty-printed) JSON records continue from here.
func (rr *recordReader) readLine() error {
	lineNo := rr.newlines + 1
	line, err := rr.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return rr.skipLongLine(lineNo, line)
	}
	if err != nil && err != io.EOF {
		return err // finish reports corrupt data at this line
	}
	if len(line) > 0 && line[len(line)-1] == '\n' {
		rr.newlines++
	}
	if len(line) == 0 && err == io.EOF {
		return io.EOF
	}
	if len(bytes.TrimRight(line, "\r\n")) > maxRecordBytes {
		rr.rep.addMalformed(rr.name, lineNo, fmt.Sprintf("line longer than %d bytes; skipped", maxRecordBytes), line)
		return err
	}
	if herr := rr.handleLine(line, lineNo); herr != nil {
		return herr
	}
	return err
}

// skipLongLine reports a line longer than maxRecordBytes and discards it
// without buffering it.
func (rr *recordReader) skipLongLine(lineNo int, first []byte) error {
	rr.rep.addMalformed(rr.name, lineNo, fmt.Sprintf("line longer than %d bytes; skipped", maxRecordBytes), first)
	for {
		chunk, err := rr.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			continue
		}
		if len(chunk) > 0 && chunk[len(chunk)-1] == '\n' {
			rr.newlines++
		}
		return err
	}
}

func (rr *recordReader) handleLine(line []byte, lineNo int) error {
	t := bytes.TrimSpace(line)
	if len(t) == 0 {
		return nil
	}
	switch t[0] {
	case '{':
		return rr.jsonLine(t, lineNo)
	case '}', ']':
		rr.rep.addMalformed(rr.name, lineNo, "stray JSON fragment (a closing bracket outside any record)", t)
		return nil
	case '"':
		if looksLikeJSONMember(t) {
			rr.rep.addMalformed(rr.name, lineNo, "stray JSON fragment (a key outside any record)", t)
			return nil
		}
	}
	// CloudWatch export to S3 writes "<RFC 3339 time> <record>"; a text
	// record may open with a time of its own, which the text parser reads.
	if ms, _, n, ok := scanLogTime(unsafeString(t)); ok && n < len(t) && (t[n] == ' ' || t[n] == '\t') {
		rest := bytes.TrimLeft(t[n:], " \t")
		if len(rest) > 0 && rest[0] == '{' {
			return rr.record(rest, lineNo, ms, envelopeAuto)
		}
		if _, _, _, ok := scanLogTime(unsafeString(rest)); ok || leadingEpochLen(unsafeString(rest)) > 0 {
			return rr.record(rest, lineNo, ms, envelopeAuto)
		}
	}
	return rr.record(t, lineNo, 0, envelopeAuto)
}

// looksLikeJSONMember reports a line like `"key": value`, a piece of a JSON
// object rather than a text record.
func looksLikeJSONMember(t []byte) bool {
	end := bytes.IndexByte(t[1:], '"')
	if end < 0 {
		return false
	}
	rest := bytes.TrimLeft(t[end+2:], " \t")
	return len(rest) > 0 && rest[0] == ':'
}

// jsonLine handles a line that opens a JSON object: a whole record (the
// common case, decoded straight from the read buffer), or the first line of
// a pretty-printed one.
func (rr *recordReader) jsonLine(t []byte, lineNo int) error {
	if t[len(t)-1] == '}' {
		return rr.record(t, lineNo, 0, envelopeAuto)
	}
	var st jsonBalance
	st.feed(t)
	if st.depth > 0 && !st.broken && !st.inString {
		rr.acc = append(rr.acc[:0], t...)
		return rr.multiLine(lineNo, st)
	}
	if st.depth == 0 && !st.broken && st.end > 0 && st.end < len(t) {
		// "{...}," as found in hand-made lists: the comma is not part of it.
		if rest := bytes.TrimSpace(t[st.end:]); len(rest) == 1 && rest[0] == ',' {
			t = t[:st.end]
		}
	}
	return rr.record(t, lineNo, 0, envelopeAuto)
}

// multiLine collects a pretty-printed JSON record that began on startLine
// (already in rr.acc), up to its closing brace. A pretty-printed record's
// inner lines are indented or start with a quote or closing bracket; a line
// that does not, a string that runs past the end of a line (JSON strings
// cannot), or the end of input means the record was cut short: it is
// reported, and reading resumes with the line that did not fit.
func (rr *recordReader) multiLine(startLine int, st jsonBalance) error {
	tooLong := false
	for {
		next, _ := rr.br.Peek(1)
		if len(next) == 0 {
			rr.rep.addMalformed(rr.name, startLine, "JSON record not closed before the end of input", rr.acc)
			return nil
		}
		if c := next[0]; !(recIsSpace(c) || c == '}' || c == ']' || c == '"' || c == ',') {
			rr.rep.addMalformed(rr.name, startLine, fmt.Sprintf("JSON record not closed before line %d", rr.newlines+1), rr.acc)
			return nil
		}
		lineNo := rr.newlines + 1
		line, err := rr.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			rr.rep.addMalformed(rr.name, startLine, "JSON record cut short by a too long line", rr.acc)
			return rr.skipLongLine(lineNo, line)
		}
		if err != nil && err != io.EOF {
			return err
		}
		if len(line) > 0 && line[len(line)-1] == '\n' {
			rr.newlines++
		}
		accLen := len(rr.acc)
		if !tooLong && len(rr.acc)+len(line) <= maxRecordBytes {
			rr.acc = append(rr.acc, line...)
		} else {
			tooLong = true
		}
		st.feed(line)
		switch {
		case st.inString:
			rr.rep.addMalformed(rr.name, startLine, fmt.Sprintf("JSON string not closed at the end of line %d", lineNo), rr.acc)
			return nil
		case st.broken:
			rr.rep.addMalformed(rr.name, startLine, fmt.Sprintf("unbalanced brackets at line %d", lineNo), rr.acc)
			return nil
		case st.depth == 0:
			if tooLong {
				rr.rep.addMalformed(rr.name, startLine, fmt.Sprintf("JSON record longer than %d bytes; skipped", maxRecordBytes), rr.acc)
				return nil
			}
			rec := bytes.TrimRight(rr.acc, " \t\r\n")
			if end := accLen + st.endInLast; st.endInLast >= 0 && end < len(rec) {
				if rest := bytes.TrimSpace(rec[end:]); len(rest) == 1 && rest[0] == ',' {
					rec = rec[:end]
				}
			}
			if ferr := rr.record(rec, startLine, 0, envelopeAuto); ferr != nil {
				return ferr
			}
			return nil
		}
		if err == io.EOF {
			rr.rep.addMalformed(rr.name, startLine, "JSON record not closed before the end of input", rr.acc)
			return nil
		}
	}
}

// jsonBalance follows JSON brackets and strings across lines.
type jsonBalance struct {
	depth     int
	inString  bool
	escaped   bool
	broken    bool // more closing than opening brackets
	end       int  // in the first fed line: index after the bracket that closed the value
	endInLast int  // the same for the last fed line, or -1
	fed       int
}

func (st *jsonBalance) feed(b []byte) {
	st.endInLast = -1
	for i, c := range b {
		if st.inString {
			switch {
			case st.escaped:
				st.escaped = false
			case c == '\\':
				st.escaped = true
			case c == '"':
				st.inString = false
			case c == '\n':
				return // inString stays set: strings cannot span lines
			}
			continue
		}
		switch c {
		case '"':
			st.inString = true
		case '{', '[':
			st.depth++
		case '}', ']':
			st.depth--
			if st.depth < 0 {
				st.broken = true
				return
			}
			if st.depth == 0 {
				st.endInLast = i + 1
				if st.fed == 0 {
					st.end = i + 1
				}
			}
		}
	}
	st.fed++
}

// record decodes one record and hands it to fn, or reports it.
func (rr *recordReader) record(b []byte, lineNo int, fallbackMs int64, env envelope) error {
	ev := &rr.ev
	*ev = Event{}
	text, err := decodeRecord(ev, string(b), rr.hint, fallbackMs, env, &rr.names)
	if err != nil {
		if !(text && errors.Is(err, ErrNoTime) && rr.lastMs > 0) {
			rr.rep.addMalformed(rr.name, lineNo, err.Error(), b)
			return nil
		}
		// A text line without a time of its own belongs to the moment of
		// the line before it; that is all the log says.
		ev.TimeMs, ev.Precision = rr.lastMs, PrecisionSeconds
	}
	ev.File, ev.Line = rr.name, lineNo
	rr.lastMs = ev.TimeMs
	rep := rr.rep
	rep.Records++
	rep.ByCategory[ev.Category]++
	if ev.Category == catalog.Unknown {
		rep.UnknownCount++
		if len(rep.UnknownSamples) < maxUnknownKept {
			rep.UnknownSamples = append(rep.UnknownSamples, Malformed{File: rr.name, Line: lineNo,
				Reason: "matches no known message", Sample: sampleOf([]byte(ev.Raw))})
		}
	}
	if err := rr.fn(ev); err != nil {
		return errStop{err}
	}
	return nil
}

// ---- JSON documents: arrays and CloudWatch responses ----

// errStructure reports JSON around the records that is not as expected;
// reading goes back to lines after the line where it went wrong.
type errStructure struct{ reason string }

func (e errStructure) Error() string { return e.reason }

// readArray reads a top-level JSON array of records or CloudWatch events,
// one element at a time.
func (rr *recordReader) readArray(env envelope) error {
	rr.skipSpace()
	if c, err := rr.br.ReadByte(); err != nil || c != '[' {
		return rr.structureError(err, "expected [")
	}
	for first := true; ; first = false {
		rr.skipSpace()
		c, err := rr.peekByte()
		if err != nil {
			return rr.structureError(err, "JSON array not closed before the end of input")
		}
		if c == ']' && first {
			rr.br.ReadByte()
			return nil
		}
		if err := rr.element(env); err != nil {
			return err
		}
		rr.skipSpace()
		c, err = rr.br.ReadByte()
		if err != nil {
			return rr.structureError(err, "JSON array not closed before the end of input")
		}
		switch c {
		case ',':
		case ']':
			return nil
		default:
			rr.br.UnreadByte()
			return rr.structureError(nil, fmt.Sprintf("expected , or ] after an array element, found %q", c))
		}
	}
}

// element reads one array element and decodes it.
func (rr *recordReader) element(env envelope) error {
	lineNo := rr.newlines + 1
	raw, tooLong, err := rr.readValue(true)
	if err != nil {
		return rr.structureError(err, "array element cut short")
	}
	if tooLong {
		rr.rep.addMalformed(rr.name, lineNo, fmt.Sprintf("JSON value longer than %d bytes; skipped", maxRecordBytes), raw)
		return nil
	}
	switch raw[0] {
	case '{':
		return rr.record(raw, lineNo, 0, env)
	case '"':
		// A list of messages: each string is a record.
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			rr.rep.addMalformed(rr.name, lineNo, describeJSONError(err).Error(), raw)
			return nil
		}
		return rr.record([]byte(s), lineNo, 0, envelopeNone)
	}
	rr.rep.addMalformed(rr.name, lineNo, "array element is not a record", raw)
	return nil
}

// readCWResponse reads the object printed by `aws logs filter-log-events`
// or `get-log-events`: it walks the "events" list element by element and
// skips the other keys, so the file is never held in memory.
func (rr *recordReader) readCWResponse() error {
	rr.skipSpace()
	if c, err := rr.br.ReadByte(); err != nil || c != '{' {
		return rr.structureError(err, "expected {")
	}
	for first := true; ; first = false {
		rr.skipSpace()
		c, err := rr.peekByte()
		if err != nil {
			return rr.structureError(err, "JSON object not closed before the end of input")
		}
		if c == '}' && first {
			rr.br.ReadByte()
			return nil
		}
		raw, _, err := rr.readValue(true)
		if err != nil || raw[0] != '"' {
			return rr.structureError(err, "expected a key")
		}
		var key string
		if json.Unmarshal(raw, &key) != nil {
			return rr.structureError(nil, "invalid key")
		}
		rr.skipSpace()
		if c, err := rr.br.ReadByte(); err != nil || c != ':' {
			return rr.structureError(err, "expected : after a key")
		}
		rr.skipSpace()
		lineNo := rr.newlines + 1
		if c, err := rr.peekByte(); err == nil && key == "events" && c == '[' {
			if err := rr.readArray(envelopeRequired); err != nil {
				return err
			}
		} else if raw, tooLong, err := rr.readValue(true); err != nil {
			return rr.structureError(err, "value of "+key+" cut short")
		} else if key == "events" {
			rr.rep.addMalformed(rr.name, lineNo, "events is not a list", raw)
		} else if !tooLong && !json.Valid(raw) {
			// Not records, but still input that is not what it claims to be.
			rr.rep.addMalformed(rr.name, lineNo, "invalid JSON in the value of "+key, raw)
		}
		rr.skipSpace()
		c, err = rr.br.ReadByte()
		if err != nil {
			return rr.structureError(err, "JSON object not closed before the end of input")
		}
		switch c {
		case ',':
		case '}':
			return nil
		default:
			rr.br.UnreadByte()
			return rr.structureError(nil, fmt.Sprintf("expected , or } after a value, found %q", c))
		}
	}
}

// structureError reports a broken JSON document, skips the rest of the
// current line and returns errAbandoned. fn's errors and I/O errors pass
// through.
func (rr *recordReader) structureError(err error, reason string) error {
	if err != nil {
		var se errStructure
		switch {
		case errors.As(err, &se):
			reason = se.reason
		case err == io.EOF:
		default:
			return err // fn's error, an I/O error or corrupt compressed data
		}
	}
	lineNo := rr.newlines + 1
	rest, rerr := rr.br.ReadSlice('\n')
	sample := append([]byte(nil), rest[:min(len(rest), 2*maxSampleBytes)]...)
	for rerr == bufio.ErrBufferFull {
		rest, rerr = rr.br.ReadSlice('\n')
	}
	if len(rest) > 0 && rest[len(rest)-1] == '\n' {
		rr.newlines++
	}
	rr.rep.addMalformed(rr.name, lineNo, reason, sample)
	if rerr != nil && rerr != io.EOF {
		return rerr
	}
	return errAbandoned
}

// errAbandoned tells the enclosing JSON document readers that the document
// is broken and already reported: reading goes back to lines.
var errAbandoned = errors.New("JSON document abandoned")

func (rr *recordReader) peekByte() (byte, error) {
	b, err := rr.br.Peek(1)
	if len(b) == 0 {
		if err == nil {
			err = io.EOF
		}
		return 0, err
	}
	return b[0], nil
}

func (rr *recordReader) skipSpace() {
	for {
		c, err := rr.br.ReadByte()
		if err != nil {
			return
		}
		if !recIsSpace(c) {
			rr.br.UnreadByte()
			return
		}
		if c == '\n' {
			rr.newlines++
		}
	}
}

// readValue reads one JSON value (object, array, string or scalar) from the
// stream, keeping its bytes in rr.acc when store is set, up to
// maxRecordBytes (tooLong reports a cut). It checks only the brackets and
// strings; decoding checks the rest.
func (rr *recordReader) readValue(store bool) (raw []byte, tooLong bool, err error) {
	rr.acc = rr.acc[:0]
	keep := func(c byte) {
		if !store {
			return
		}
		if len(rr.acc) < maxRecordBytes {
			rr.acc = append(rr.acc, c)
		} else {
			tooLong = true
		}
	}
	c, err := rr.peekByte()
	if err != nil {
		return nil, false, err
	}
	if c != '{' && c != '[' && c != '"' {
		// A number or literal: up to the next delimiter.
		for n := 0; ; n++ {
			c, err := rr.peekByte()
			if err != nil || recIsSpace(c) || c == ',' || c == ']' || c == '}' || c == ':' {
				if n == 0 || store && !tooLong && !json.Valid(rr.acc) {
					return nil, false, errStructure{"expected a JSON value"}
				}
				return rr.acc, tooLong, nil
			}
			rr.br.ReadByte()
			keep(c)
		}
	}
	depth, inString, escaped := 0, false, false
	for {
		c, err := rr.br.ReadByte()
		if err != nil {
			if err == io.EOF {
				err = errStructure{"JSON value not closed before the end of input"}
			}
			return rr.acc, tooLong, err
		}
		if c == '\n' {
			rr.newlines++
			if inString {
				return rr.acc, tooLong, errStructure{"JSON string not closed at the end of a line"}
			}
		}
		keep(c)
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
				if depth == 0 {
					return rr.acc, tooLong, nil
				}
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth <= 0 {
				return rr.acc, tooLong, nil
			}
		}
	}
}

// unsafeString views b as a string for read-only checks that do not keep it.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// ---- files and folders ----

// streamFromPath infers the stream from a file name, else from the names of
// the folders holding it (CloudWatch's export to S3 writes
// <task-id>/<stream-name>/000000.gz), nearest first.
// StreamFromPath infers a stream from a file path: the file name first, then
// the folders holding it (CloudWatch's export to S3 writes
// <task-id>/<stream-name>/000000.gz). ok is false when no part names one.
func StreamFromPath(path string) (StreamID, bool) {
	id := streamFromPath(path)
	return id, !id.IsZero()
}

func streamFromPath(path string) StreamID {
	path = filepath.Clean(path)
	id, ok := ParseStreamName(filepath.Base(path))
	dir := filepath.Dir(path)
	for depth := 0; depth < 16; depth++ {
		base := filepath.Base(dir)
		if base == "." || base == string(filepath.Separator) || base == "" {
			break
		}
		if pid, pok := ParseStreamName(base); pok {
			if !ok {
				id, ok = pid, true
			} else {
				id = id.orElse(pid)
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return id
}

// ReadFile opens path and reads its records (see ReadRecords), inferring the
// stream from the file name, else from the names of folders holding it.
func ReadFile(path string, rep *Report, fn func(*Event) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return ReadRecords(f, ReadOptions{Name: path}, rep, fn)
}

// VPNConnectionsFile is the optional `aws ec2 describe-vpn-connections`
// output in a logs folder; it describes tunnels and holds no records.
const VPNConnectionsFile = "vpn-connections.json"

// ReadDir walks dir recursively (sub-folders, any file names) and reads
// every file, skipping vpn-connections.json and hidden files and folders.
// A file that cannot be opened is reported in rep and the walk goes on.
func ReadDir(dir string, rep *Report, fn func(*Event) error) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == dir {
				return err
			}
			rep.addMalformed(path, 0, "cannot read: "+err.Error(), nil)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		name := d.Name()
		if path != dir && strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || strings.EqualFold(name, VPNConnectionsFile) {
			return nil
		}
		if !d.Type().IsRegular() {
			info, err := os.Stat(path) // a symlink to a file is read; anything else is not a log
			if err != nil || !info.Mode().IsRegular() {
				return nil
			}
		}
		if err := ReadFile(path, rep, fn); err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) && pe.Op == "open" {
				rep.addMalformed(path, 0, "cannot read: "+err.Error(), nil)
				return nil
			}
			return err
		}
		return nil
	})
}
