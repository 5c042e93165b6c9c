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
	"path"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"time"
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
	// SkippedCount counts folder entries that were not read, or not read
	// to their end (see Skipped); Skipped keeps the first 100.
	SkippedCount int64     `json:"skipped_count,omitempty"`
	Skipped      []Skipped `json:"skipped,omitempty"`
}

// Skipped is one folder entry that was not read (a named pipe, an
// unreadable file, a symlink loop, ...) or was read only in part (a read
// error, the decompression limit): its path, what kind of problem it is
// and why, in words.
type Skipped struct {
	Path   string `json:"path"`
	Kind   string `json:"kind"`
	Reason string `json:"reason"`
}

const (
	maxMalformedKept = 100
	maxUnknownKept   = 20
	maxSkippedKept   = 100
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
	r.SkippedCount += o.SkippedCount
	for _, sk := range o.Skipped {
		if len(r.Skipped) >= maxSkippedKept {
			break
		}
		r.Skipped = append(r.Skipped, sk)
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

// AddSkipped reports a folder entry that was not read, or not to its end
// (kind is one of the Skip constants); the list keeps the first 100.
func (r *Report) AddSkipped(path, kind, reason string) {
	r.SkippedCount++
	if len(r.Skipped) < maxSkippedKept {
		r.Skipped = append(r.Skipped, Skipped{Path: path, Kind: kind, Reason: reason})
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
	// MaxInflatedBytes caps what one gzipped input may inflate to; reading
	// stops there, and the input is reported in Report.Skipped with what
	// was read before kept. 0 means DefaultMaxInflatedBytes, < 0 no limit.
	MaxInflatedBytes int64
	// Now dates the newest plausible record (see PlausibleTime); nil
	// means time.Now.
	Now func() time.Time
	// StartLine is the line of the file the input starts at, for a reader
	// that seeks into a file and reads from a line start on: events and
	// reports then name the file's own line numbers. 0 means 1.
	StartLine int
}

// DefaultMaxInflatedBytes is the default ReadOptions.MaxInflatedBytes:
// 1 GiB, several times what a CloudWatch export file holds (a few hundred
// MB at most) and far from what a gzip bomb inflates to.
const DefaultMaxInflatedBytes int64 = 1 << 30

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
// located, records with an implausible time (see PlausibleTime, now from
// opt.Now) among them; gzip input that inflates past opt.MaxInflatedBytes
// is read up to there and reported in rep.Skipped. Only I/O errors and
// fn's errors are returned.
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
		var inflated io.Reader = gz
		limit := opt.MaxInflatedBytes
		if limit == 0 {
			limit = DefaultMaxInflatedBytes
		}
		if limit > 0 {
			inflated = &inflateLimit{r: gz, left: limit, limit: limit}
		}
		counter = &countingReader{r: inflated}
		src = counter
	}
	br := lineReaders.Get().(*bufio.Reader)
	br.Reset(src)
	defer func() { br.Reset(nil); lineReaders.Put(br) }()

	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	rr := &recordReader{br: br, name: opt.Name, hint: hint, rep: rep, fn: fn, maxMs: now().Add(PlausibleSkew).UnixMilli()}
	if opt.StartLine > 1 {
		rr.newlines = opt.StartLine - 1
	}
	err := rr.run()
	rep.Bytes += counter.n
	return err
}

// inflateLimit stops a gzip stream after limit inflated bytes: a small
// file that inflates to gigabytes (a gzip bomb) must not take that much
// time or memory.
type inflateLimit struct {
	r     io.Reader
	left  int64
	limit int64
	hit   bool
}

// errInflateLimit ends reading of an input that inflates past its limit;
// ReadRecords reports it in Report.Skipped.
type errInflateLimit struct{ limit int64 }

func (e errInflateLimit) Error() string {
	return fmt.Sprintf("inflates to more than %s", byteCount(e.limit))
}

func (l *inflateLimit) Read(p []byte) (int, error) {
	if l.hit {
		return 0, errInflateLimit{l.limit}
	}
	if l.left <= 0 {
		// Exactly at the limit: only more data is too much.
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n == 0 {
			return 0, err // io.EOF: it ends right at the limit
		}
		l.hit = true
		return 0, errInflateLimit{l.limit}
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// byteCount says n in the largest binary unit that divides it.
func byteCount(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
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
	maxMs    int64 // latest plausible record time (see PlausibleTime)
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
	var capped errInflateLimit
	if errors.As(err, &capped) {
		rr.rep.AddSkipped(rr.name, SkipInflateLimit, fmt.Sprintf(
			"gzip data %s, the limit on decompressed bytes per file: reading stopped in line %d (the records before are kept); "+
				"to read it whole, gunzip it into the folder (plain files have no limit)", capped.Error(), rr.newlines+1))
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
	if err := plausibleTime(ev.TimeMs, rr.maxMs); err != nil {
		rr.rep.addMalformed(rr.name, lineNo, err.Error(), b)
		return nil
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
// stream from the file name, else from the names of folders holding it. A
// path that is not a regular file (after symlinks) is an error, and is not
// opened: opening a named pipe would block until something writes to it.
func ReadFile(path string, rep *Report, fn func(*Event) error) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s is %s, not a regular file: not read", path, describeMode(info.Mode()))
	}
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

// TunnelMetricsFile, CloudTrailEventsFile, TunnelActiveStatusFile and
// TunnelMaintenanceFile are the optional tunnel metrics (GetMetricData
// output), CloudTrail events (LookupEvents output), what each tunnel
// negotiated (GetActiveVpnTunnelStatus answers) and tunnel maintenance
// status (GetVpnTunnelReplacementStatus outputs) of a logs folder: facts
// beside the logs, no records.
const (
	TunnelMetricsFile      = "tunnel-metrics.json"
	CloudTrailEventsFile   = "cloudtrail-events.json"
	TunnelActiveStatusFile = "tunnel-active-status.json"
	TunnelMaintenanceFile  = "tunnel-maintenance.json"
)

// IsSideFile reports a file of a logs folder that holds no records: the
// inventory, tunnel metrics, CloudTrail events, negotiated parameters or
// maintenance status.
func IsSideFile(name string) bool {
	base := path.Base(name)
	for _, f := range []string{VPNConnectionsFile, TunnelMetricsFile, CloudTrailEventsFile, TunnelActiveStatusFile, TunnelMaintenanceFile} {
		if strings.EqualFold(base, f) {
			return true
		}
	}
	return false
}

// ReadDir reads every log file under dir (see ReadFS); names in events
// and reports are dir joined with the path inside it. A dir that is a file
// is read as one.
func ReadDir(dir string, rep *Report, fn func(*Event) error) error {
	info, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return ReadFile(dir, rep, fn)
	}
	return ReadFS(os.DirFS(dir), func(p string) string { return filepath.Join(dir, filepath.FromSlash(p)) }, ReadOptions{}, rep, fn)
}

// ReadFS reads every log file in fsys (see WalkFS: sub-folders, symlinks
// followed, any file names; hidden entries and vpn-connections.json left
// out) with ReadFSFile. name turns a path in fsys into the name shown in
// events and reports (nil: the path); opt applies to every file. Entries
// that cannot be read are reported in rep.Skipped and the rest is read:
// only fn's errors, or the top folder's, are returned.
func ReadFS(fsys fs.FS, name func(string) string, opt ReadOptions, rep *Report, fn func(*Event) error) error {
	if name == nil {
		name = func(p string) string { return p }
	}
	return WalkFS(fsys, name, rep, func(p string) error {
		if IsSideFile(p) {
			return nil
		}
		o := opt
		o.Name = name(p)
		return ReadFSFile(fsys, p, o, rep, fn)
	})
}

// ReadFSFile opens p in fsys and reads its records (see ReadRecords; opt
// names it). A file that cannot be opened, or fails part way, is reported
// in rep.Skipped (the records read before a failure are kept, fn has had
// them); only fn's errors are returned. p should be a regular file, as
// WalkFS gives.
func ReadFSFile(fsys fs.FS, p string, opt ReadOptions, rep *Report, fn func(*Event) error) error {
	if opt.Name == "" {
		opt.Name = p
	}
	f, err := fsys.Open(p)
	if err != nil {
		rep.AddSkipped(opt.Name, SkipUnreadable, "cannot open: "+bareError(err))
		return nil
	}
	defer f.Close()
	return ReadOpened(f, opt, rep, fn)
}

// ReadOpened reads the records of a file already opened (see ReadRecords;
// opt names it), reporting a failure as ReadFSFile does: a file whose
// first read fails (a remote object that cannot be fetched) as
// unreadable, one that fails later as read in part, with the records
// before kept. Only fn's errors are returned.
func ReadOpened(r io.Reader, opt ReadOptions, rep *Report, fn func(*Event) error) error {
	var fnErr error
	counted := &countingReader{r: r}
	err := ReadRecords(counted, opt, rep, func(ev *Event) error {
		if err := fn(ev); err != nil {
			fnErr = err
			return err
		}
		return nil
	})
	if err != nil {
		if fnErr != nil {
			return err
		}
		if inner := errors.Unwrap(err); inner != nil {
			err = inner
		}
		if counted.n == 0 {
			rep.AddSkipped(opt.Name, SkipUnreadable, "cannot read: "+bareError(err))
			return nil
		}
		rep.AddSkipped(opt.Name, SkipReadError, "read failed part way (the records before are kept): "+bareError(err))
	}
	return nil
}

// maxWalkDepth bounds folder nesting, symlinks included: a file system
// that cannot tell two folders are the same (no file identity) could
// otherwise follow a symlink loop forever.
const maxWalkDepth = 64

// WalkFS calls visit with the path of every regular file in fsys, in
// sub-folders too, in name order; hidden files and folders (".name") are
// left out. Symlinks are followed, to files and to folders, after the
// folders themselves: a file or folder reached a second time (another
// name for one already read, or a folder symlink back up) is not read
// again. Nothing else is ever opened. Each entry not read is reported
// once in rep.Skipped with the name that name gives its path:
//
//   - a named pipe, socket or device (SkipNotRegular);
//   - a dangling symlink (SkipDanglingSymlink);
//   - a symlink loop, or a folder symlink to a folder holding it
//     (SkipSymlinkLoop);
//   - a second name for a file or folder already read (SkipDuplicate);
//   - a folder that cannot be listed, a symlink that cannot be followed
//     (SkipUnreadable);
//   - folders nested deeper than 64 (SkipTooDeep).
//
// Only an unreadable top folder, or visit's errors, are returned.
func WalkFS(fsys fs.FS, name func(string) string, rep *Report, visit func(p string) error) error {
	if name == nil {
		name = func(p string) string { return p }
	}
	w := &walker{fsys: fsys, name: name, rep: rep, visit: visit, seen: map[fileKey]string{}}
	root, err := fs.Stat(fsys, ".")
	if err != nil {
		return err
	}
	w.first(root, ".")
	if err := w.dir(".", 0); err != nil {
		return err
	}
	// Symlinks last, so that a file or folder is named by its own path
	// and a symlink to it is the second name. Folders they lead to may
	// hold more.
	for len(w.links) > 0 {
		l := w.links[0]
		w.links = w.links[1:]
		if err := w.link(l); err != nil {
			return err
		}
	}
	return nil
}

type walker struct {
	fsys  fs.FS
	name  func(string) string
	rep   *Report
	visit func(string) error
	seen  map[fileKey]string // files and folders read, by identity: their path
	dirs  []seenDir          // folders without a fileKey (os.SameFile decides)
	links []pendingLink
}

type seenDir struct {
	info fs.FileInfo
	path string
}

type pendingLink struct {
	path  string
	depth int
}

func (w *walker) skip(p, kind, reason string) { w.rep.AddSkipped(w.name(p), kind, reason) }

// dir walks the folder p (already marked seen), deferring symlinks.
func (w *walker) dir(p string, depth int) error {
	entries, err := fs.ReadDir(w.fsys, p)
	if err != nil {
		if p == "." {
			return err // the top folder: nothing to read
		}
		w.skip(p, SkipUnreadable, "cannot list folder: "+bareError(err))
		// Some file systems return what they listed before the error.
	}
	for _, d := range entries {
		if strings.HasPrefix(d.Name(), ".") {
			continue
		}
		cp := path.Join(p, d.Name())
		switch t := d.Type(); {
		case t&fs.ModeSymlink != 0:
			w.links = append(w.links, pendingLink{cp, depth + 1})
		case t.IsDir():
			info, err := d.Info()
			if err != nil {
				w.skip(cp, SkipUnreadable, "cannot read folder: "+bareError(err))
				continue
			}
			if err := w.enter(cp, info, depth+1); err != nil {
				return err
			}
		case t.IsRegular():
			info, err := d.Info()
			if err != nil {
				// Gone since the listing, or unreadable: opening it says.
				info = nil
			}
			if err := w.file(cp, info); err != nil {
				return err
			}
		default:
			w.skip(cp, SkipNotRegular, describeMode(t)+", not a regular file: never opened")
		}
	}
	return nil
}

// link follows one symlink.
func (w *walker) link(l pendingLink) error {
	info, err := fs.Stat(w.fsys, l.path)
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist):
		w.skip(l.path, SkipDanglingSymlink, "symlink to nothing: "+bareError(err))
		return nil
	case isLoopError(err):
		w.skip(l.path, SkipSymlinkLoop, "symlink loop: "+bareError(err))
		return nil
	default:
		w.skip(l.path, SkipUnreadable, "cannot follow symlink: "+bareError(err))
		return nil
	}
	switch t := info.Mode(); {
	case t.IsDir():
		return w.enter(l.path, info, l.depth)
	case t.IsRegular():
		return w.file(l.path, info)
	default:
		w.skip(l.path, SkipNotRegular, "symlink to "+describeMode(t)+", not a regular file: never opened")
		return nil
	}
}

// enter walks a folder unless it was walked already under another path.
func (w *walker) enter(p string, info fs.FileInfo, depth int) error {
	if prior, ok := w.already(info, true); ok {
		if prior == "." || strings.HasPrefix(p, prior+"/") {
			w.skip(p, SkipSymlinkLoop, "folder symlink back to "+w.name(prior)+", a folder holding it: not followed")
		} else {
			w.skip(p, SkipDuplicate, "same folder as "+w.name(prior)+", read already")
		}
		return nil
	}
	if depth > maxWalkDepth {
		w.skip(p, SkipTooDeep, fmt.Sprintf("folders nested more than %d deep (a symlink loop?): not read", maxWalkDepth))
		return nil
	}
	w.first(info, p)
	return w.dir(p, depth)
}

// file visits a regular file unless it was visited already under another
// path. info may be nil (then it cannot be told from others).
func (w *walker) file(p string, info fs.FileInfo) error {
	if info != nil {
		if prior, ok := w.already(info, false); ok {
			w.skip(p, SkipDuplicate, "same file as "+w.name(prior)+", read already")
			return nil
		}
		w.first(info, p)
	}
	return w.visit(p)
}

// already tells whether the file or folder info was seen, and where.
// Without a fileKey only folders are compared (os.SameFile, one by one).
func (w *walker) already(info fs.FileInfo, isDir bool) (string, bool) {
	if k, ok := keyOf(info); ok {
		p, seen := w.seen[k]
		return p, seen
	}
	if isDir {
		for _, d := range w.dirs {
			if os.SameFile(d.info, info) {
				return d.path, true
			}
		}
	}
	return "", false
}

func (w *walker) first(info fs.FileInfo, p string) {
	if k, ok := keyOf(info); ok {
		w.seen[k] = p
	} else if info.IsDir() {
		w.dirs = append(w.dirs, seenDir{info, p})
	}
}

// fileKey identifies a file on its device (device and inode numbers).
type fileKey struct{ dev, ino uint64 }

// keyOf reads the device and inode numbers of info.Sys() where the
// platform has them (the syscall.Stat_t of Unix systems, whose field
// types vary); ok is false elsewhere (Windows, in-memory file systems).
func keyOf(info fs.FileInfo) (k fileKey, ok bool) {
	v := reflect.ValueOf(info.Sys())
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return k, false
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return k, false
	}
	dev, ok1 := uintField(v, "Dev")
	ino, ok2 := uintField(v, "Ino")
	if !ok1 || !ok2 {
		return k, false
	}
	return fileKey{dev, ino}, true
}

func uintField(v reflect.Value, name string) (uint64, bool) {
	f := v.FieldByName(name)
	switch {
	case !f.IsValid():
		return 0, false
	case f.CanUint():
		return f.Uint(), true
	case f.CanInt():
		return uint64(f.Int()), true
	}
	return 0, false
}

// isLoopError tells "too many levels of symbolic links".
func isLoopError(err error) bool {
	return errors.Is(err, syscall.ELOOP) || strings.Contains(err.Error(), "too many levels of symbolic links")
}

// bareError is err without the operation and path a *fs.PathError adds
// (the report names the path already).
func bareError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// describeMode names a file type that is not a regular file.
func describeMode(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsDir():
		return "a folder"
	case m&fs.ModeSymlink != 0:
		return "a symlink"
	}
	return "an irregular file"
}

// Kinds of Skipped entries.
const (
	SkipNotRegular      = "not-regular"      // a named pipe, socket or device: never opened
	SkipDanglingSymlink = "dangling-symlink" // a symlink to nothing
	SkipSymlinkLoop     = "symlink-loop"     // a symlink loop, or a folder symlink back up
	SkipDuplicate       = "duplicate"        // a second name for a file or folder already read
	SkipUnreadable      = "unreadable"       // cannot be opened or listed (permission denied, ...)
	SkipReadError       = "read-error"       // failed part way: what came before is kept
	SkipInflateLimit    = "inflate-limit"    // inflates past MaxInflatedBytes: what came before is kept
	SkipTooDeep         = "too-deep"         // folders nested deeper than maxWalkDepth
)
