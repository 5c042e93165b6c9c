package source

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"io/fs"
	"sync"
	"sync/atomic"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// indexedFile is what opening learned about one log file: which streams it
// holds, and the time range of each. A file read whole at open (small
// files, gzip files, files whose stream the records tell) keeps what that
// read reported; a sampled one (a large plain file named after its stream)
// was read only at its start and end, and a question seeks into it.
type indexedFile struct {
	Path    string `json:"path"` // in the file system
	Name    string `json:"name"` // as shown in events and reports
	Size    int64  `json:"size"`
	ModTime int64  `json:"mtime_ns"`
	// Version is what the file system tells of the file's content beside
	// size and time (an S3 object's ETag), "" on disk.
	Version string `json:"version,omitempty"`
	Sampled bool   `json:"sampled,omitempty"`
	// Ordered: no record in the file is older than the one before it, so
	// a question reads it only up to its window's end.
	Ordered bool `json:"ordered,omitempty"`
	// Marks are lines of an ordered file read whole, one every few
	// thousand, where a record starts and its time: a question whose
	// window starts later reads from the last mark before it, passing
	// over the lines before without decoding them.
	Marks []mark `json:"marks,omitempty"`
	// LineMarks are how many lines start before offsets of a sampled
	// file, learned by questions (local_lines.go); read-only once loaded.
	LineMarks []lineMark      `json:"line_marks,omitempty"`
	Streams   []fileStream    `json:"streams,omitempty"`
	Unplaced  int64           `json:"unplaced,omitempty"`
	Report    vpnlog.Report   `json:"report"`
	Hint      vpnlog.StreamID `json:"hint"`
}

// mark is a line where a record starts, and the record's time.
type mark struct {
	Line int   `json:"l"`
	Ms   int64 `json:"t"`
}

// marksRead counts reads from a mark (for tests).
var marksRead atomic.Int64

// markEvery is how many lines apart marks are at least. A variable for
// tests.
var markEvery = 20000

// fileStream is one stream's records in a file: first and last record
// times (Unix ms) and how many (estimated in a sampled file).
type fileStream struct {
	ID    vpnlog.StreamID `json:"id"`
	First int64           `json:"first"`
	Last  int64           `json:"last"`
	Count int64           `json:"count"`
	// Liveness is how many of them are the liveness exchange (not counted
	// in sampled files), which questions mostly count rather than keep.
	Liveness int64 `json:"liveness,omitempty"`
}

// sampleMinSize is the size from which a plain file named after its
// stream is indexed from its first and last records instead of read
// whole; smaller files cost little to read. A variable for tests.
var sampleMinSize int64 = 8 << 20

// sampleBytes is how much of a sampled file's start and end is read.
const sampleBytes = 256 << 10

// seekSlack is how far before a window a seek into a sampled file starts
// and how far after it reading goes on: records a little out of time
// order in a file are still found.
const seekSlack = int64(60_000)

// sortSlack widens the records kept of each stream so that every second
// the window touches is whole (correlate.SortEvents orders by second).
const sortSlack = int64(1000)

func (l *Local) readOptions(name string) vpnlog.ReadOptions {
	return vpnlog.ReadOptions{Name: name, MaxInflatedBytes: l.opt.MaxInflatedBytes, Now: l.opt.Now}
}

// indexFile indexes one file, from the cache when its size and time are
// unchanged.
func (l *Local) indexFile(fsys fs.FS, p, name string, opt LocalOptions) *indexedFile {
	f := &indexedFile{Path: p, Name: name}
	if info, err := fs.Stat(fsys, p); err == nil {
		f.Size, f.ModTime, f.Version = info.Size(), info.ModTime().UnixNano(), versionOf(info)
	}
	if l.cache != nil {
		if c := l.cache.lookup(p, f.Size, f.ModTime, f.Version); c != nil && c.Name == name {
			return c
		}
	}
	if hint, ok := vpnlog.StreamFromPath(name); ok && hint.VPNConnectionID != "" && hint.TunnelIP != "" && hint.Kind != vpnlog.StreamUnknown && f.Size >= sampleMinSize {
		if l.sample(fsys, f, hint) {
			return f
		}
	}
	f.Report = vpnlog.Report{ByCategory: map[catalog.Category]int64{}}
	idx := map[vpnlog.StreamID]int{}
	f.Ordered = true
	prev := int64(-1 << 63)
	// One open, one read: the first bytes tell whether the file is read
	// line by line from its top (for marks), and then the records are
	// read on from the same reader (an S3 object is fetched once).
	h, err := fsys.Open(p)
	if err != nil {
		f.Report.AddSkipped(name, vpnlog.SkipUnreadable, "cannot open: "+bareError(err))
		return f
	}
	defer h.Close()
	br := bufio.NewReaderSize(h, 64<<10)
	prevLine, markable := 0, linesAtTop(br)
	vpnlog.ReadOpened(br, l.readOptions(name), &f.Report, func(ev *vpnlog.Event) error {
		if ev.TimeMs < prev {
			f.Ordered = false
		}
		if markable && ev.Line > prevLine && ev.Line > 1 && (len(f.Marks) == 0 && ev.Line > markEvery || len(f.Marks) > 0 && ev.Line >= f.Marks[len(f.Marks)-1].Line+markEvery) {
			f.Marks = append(f.Marks, mark{Line: ev.Line, Ms: ev.TimeMs})
		}
		prev, prevLine = ev.TimeMs, ev.Line
		if ev.VPNConnectionID == "" || ev.TunnelIP == "" {
			f.Unplaced++
			return nil
		}
		id := vpnlog.StreamID{VPNConnectionID: ev.VPNConnectionID, TunnelIP: ev.TunnelIP, Kind: ev.Stream}
		i, ok := idx[id]
		if !ok {
			i = len(f.Streams)
			idx[id] = i
			f.Streams = append(f.Streams, fileStream{ID: id, First: ev.TimeMs, Last: ev.TimeMs})
		}
		s := &f.Streams[i]
		s.First, s.Last = min(s.First, ev.TimeMs), max(s.Last, ev.TimeMs)
		s.Count++
		if vpnlog.IsLiveness(ev) {
			s.Liveness++
		}
		return nil
	})
	if !f.Ordered || f.Report.SkippedCount > 0 {
		f.Marks = nil
	}
	return f
}

// linesAtTop reports whether a file is read line by line from its start:
// not a JSON array or a CloudWatch response document, whose lines are
// parts of one value (a mark in them could not be read from). It looks
// at the first bytes the reader holds without consuming them.
func linesAtTop(br *bufio.Reader) bool {
	raw, _ := br.Peek(br.Size())
	var r io.Reader = bytes.NewReader(raw)
	if len(raw) >= 2 && raw[0] == 0x1f && raw[1] == 0x8b {
		gz, err := gzip.NewReader(r)
		if err != nil {
			return false
		}
		defer gz.Close()
		r = gz
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(r, head)
	t := bytes.TrimLeft(head[:n], " \t\r\n\xef\xbb\xbf")
	if len(t) == 0 || t[0] == '[' {
		return false
	}
	if t[0] == '{' {
		k := bytes.TrimLeft(t[1:], " \t\r\n")
		for _, key := range []string{"events", "searchedLogStreams", "nextToken", "nextForwardToken", "nextBackwardToken"} {
			if bytes.HasPrefix(k, []byte(`"`+key+`"`)) {
				return false
			}
		}
	}
	return true
}

// readWhole reads a file read whole at open for a question on [lo, hi):
// an ordered one only up to hi, and from its last mark before lo when it
// has one.
func (l *Local) readWhole(f *indexedFile, lo, hi int64, keep func(*vpnlog.Event)) {
	var rep vpnlog.Report // counted at open
	fn := func(ev *vpnlog.Event) error {
		if f.Ordered && ev.TimeMs >= hi {
			return errSampleStop
		}
		keep(ev)
		return nil
	}
	m := -1
	for i := range f.Marks {
		if f.Marks[i].Ms < lo {
			m = i
		}
	}
	if m >= 0 && l.readFromMark(f, f.Marks[m], &rep, fn) {
		return
	}
	vpnlog.ReadFSFile(l.fsys, f.Path, l.readOptions(f.Name), &rep, fn)
}

// readFromMark reads a file from a marked line on, passing over the lines
// before it; false (nothing read) when the line is not the record the
// mark says, as when the file changed since it was indexed.
func (l *Local) readFromMark(f *indexedFile, mk mark, rep *vpnlog.Report, fn func(*vpnlog.Event) error) bool {
	h, err := l.fsys.Open(f.Path)
	if err != nil {
		return false
	}
	defer h.Close()
	raw := bufio.NewReaderSize(h, 64<<10)
	var r io.Reader = raw
	if magic, _ := raw.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(raw)
		if err != nil {
			return false
		}
		defer gz.Close()
		r = gz
	}
	br := bufio.NewReaderSize(r, 256<<10)
	for n := 1; n < mk.Line; {
		chunk, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return false
		}
		if len(chunk) > 0 {
			n++
		}
	}
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && err != io.EOF {
			return false
		}
		break
	}
	opt := l.readOptions(f.Name)
	opt.StartLine = mk.Line
	ok := false
	var probe vpnlog.Report
	vpnlog.ReadRecords(bytes.NewReader(line), opt, &probe, func(ev *vpnlog.Event) error {
		ok = ev.TimeMs == mk.Ms && ev.Line == mk.Line
		return errSampleStop
	})
	if !ok {
		return false
	}
	marksRead.Add(1)
	if err := vpnlog.ReadRecords(io.MultiReader(bytes.NewReader(line), br), opt, rep, fn); err != nil && !errors.Is(err, errSampleStop) {
		// Records before the failure were kept; reading again from the
		// start would give them twice.
		rep.AddSkipped(f.Name, vpnlog.SkipReadError, "read failed part way: "+bareError(err))
	}
	return true
}

// sample indexes a large plain file from its first and last records. It
// gives up (the file is then read whole) unless both ends read cleanly as
// records of the stream the file's name tells, in time order.
func (l *Local) sample(fsys fs.FS, f *indexedFile, hint vpnlog.StreamID) bool {
	h, err := fsys.Open(f.Path)
	if err != nil {
		return false
	}
	defer h.Close()
	ra, ok := h.(io.ReaderAt)
	if !ok {
		return false
	}
	head := make([]byte, sampleBytes)
	n, _ := ra.ReadAt(head, 0)
	head = head[:n]
	if len(head) < 2 || head[0] == 0x1f && head[1] == 0x8b {
		return false
	}
	if t := bytes.TrimLeft(head, " \t\r\n\xef\xbb\xbf"); len(t) == 0 || t[0] == '[' {
		return false
	}
	cut := bytes.LastIndexByte(head, '\n')
	if cut < 0 {
		return false
	}
	headFirst, _, headN, ok := l.sampleRecords(head[:cut+1], f.Name, hint)
	if !ok {
		return false
	}
	tailAt := max(f.Size-sampleBytes, 0)
	tail := make([]byte, f.Size-tailAt)
	n, _ = ra.ReadAt(tail, tailAt)
	tail = tail[:n]
	if tailAt > 0 {
		i := bytes.IndexByte(tail, '\n')
		if i < 0 {
			return false
		}
		tail = tail[i+1:]
	}
	_, tailLast, _, ok := l.sampleRecords(tail, f.Name, hint)
	if !ok {
		return false
	}
	f.Sampled, f.Hint = true, hint
	f.Report = vpnlog.Report{Files: 1}
	est := int64(float64(headN) * float64(f.Size) / float64(cut+1))
	f.Streams = []fileStream{{ID: hint, First: headFirst, Last: tailLast, Count: est}}
	return true
}

// sampleRecords reads a piece of a file: ok when it holds records only,
// all of the stream hint, in time order.
func (l *Local) sampleRecords(b []byte, name string, hint vpnlog.StreamID) (first, last, n int64, ok bool) {
	rep := vpnlog.Report{ByCategory: map[catalog.Category]int64{}}
	ok = true
	prev := int64(-1 << 63)
	err := vpnlog.ReadRecords(bytes.NewReader(b), l.readOptions(name), &rep, func(ev *vpnlog.Event) error {
		id := vpnlog.StreamID{VPNConnectionID: ev.VPNConnectionID, TunnelIP: ev.TunnelIP, Kind: ev.Stream}
		if id != hint || ev.TimeMs < prev {
			ok = false
			return errSampleStop
		}
		if n == 0 {
			first = ev.TimeMs
		}
		prev, last = ev.TimeMs, ev.TimeMs
		n++
		return nil
	})
	if err != nil && !errors.Is(err, errSampleStop) {
		return 0, 0, 0, false
	}
	return first, last, n, ok && n > 0 && rep.MalformedCount == 0 && rep.SkippedCount == 0
}

var errSampleStop = errors.New("sample stopped")

// read collects the records of the wanted streams in [startMs-sortSlack,
// endMs+sortSlack), per stream in the order the files hold them (files in
// folder order), from the files whose streams and times meet the window.
// partRep reports what reading sampled files found (their records were not
// counted at open).
func (l *Local) read(ctx context.Context, q LogQuery, files []*indexedFile, startMs, endMs int64) (map[vpnlog.StreamID][]vpnlog.Event, livenessTally, vpnlog.Report, error) {
	lo, hi := startMs-sortSlack, endMs
	if hi < 1<<62 {
		hi += sortSlack
	}
	// The files are read in parallel; what each gives is appended in
	// folder order, as one read in order would have.
	type part struct {
		f    *indexedFile
		got  map[vpnlog.StreamID][]vpnlog.Event
		live livenessTally
		rep  vpnlog.Report
	}
	count := q.CountLiveness && !q.AnomaliesOnly
	var parts []*part
	for _, f := range files {
		if f.meets(&q, lo, hi) {
			parts = append(parts, &part{f: f, got: f.expected(&q, lo, hi), live: livenessTally{}})
		}
	}
	readPart := func(pt *part) {
		keep := func(ev *vpnlog.Event) {
			if ev.VPNConnectionID == "" || ev.TunnelIP == "" || ev.TimeMs < lo || ev.TimeMs >= hi {
				return
			}
			id := vpnlog.StreamID{VPNConnectionID: ev.VPNConnectionID, TunnelIP: ev.TunnelIP, Kind: ev.Stream}
			if !q.Wants(id) {
				return
			}
			if count && vpnlog.IsLiveness(ev) {
				// Counted where it is exactly in the window; the
				// slack around it is only for ordering kept records.
				if ev.TimeMs >= startMs && ev.TimeMs < endMs {
					pt.live.add(ev)
				}
				return
			}
			pt.got[id] = append(pt.got[id], *ev)
		}
		f := pt.f
		if f.Sampled {
			pt.rep = vpnlog.Report{ByCategory: map[catalog.Category]int64{}}
			l.readSampled(f, lo, hi, &pt.rep, keep)
			return
		}
		l.readWhole(f, lo, hi, keep)
	}
	next := make(chan *part)
	var wg sync.WaitGroup
	for range min(l.opt.parallel(), max(len(parts), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for pt := range next {
				if ctx.Err() == nil {
					readPart(pt)
				}
			}
		}()
	}
	for _, pt := range parts {
		next <- pt
	}
	close(next)
	wg.Wait()
	got := map[vpnlog.StreamID][]vpnlog.Event{}
	live := livenessTally{}
	partRep := vpnlog.Report{}
	if err := ctx.Err(); err != nil {
		return nil, nil, partRep, err
	}
	for _, pt := range parts {
		for id, evs := range pt.got {
			if got[id] == nil {
				got[id] = evs // most streams are in one file: no copy
				continue
			}
			got[id] = append(got[id], evs...)
		}
		live.merge(pt.live)
		if pt.f.Sampled {
			partRep.Merge(&pt.rep)
		}
	}
	return got, live, partRep, nil
}

// expected makes room for the records of each stream of the file that q
// wants in [lo, hi), from the index (its count, spread evenly over its
// time range, sampled files' counts being estimates): records are large,
// and a slice grown by doubling copies them over and over. The room is
// only a guess; appending past it still works.
func (f *indexedFile) expected(q *LogQuery, lo, hi int64) map[vpnlog.StreamID][]vpnlog.Event {
	got := map[vpnlog.StreamID][]vpnlog.Event{}
	for _, s := range f.Streams {
		if q.AnomaliesOnly || !q.Wants(s.ID) || s.Count <= 0 || s.Last < lo || s.First >= hi {
			continue // (anomalies are few: grown as found)
		}
		kept := s.Count
		if q.CountLiveness {
			kept -= s.Liveness
		}
		n := kept
		if s.Last > s.First {
			overlap := min(hi, s.Last+1) - max(lo, s.First)
			n = int64(float64(kept) * float64(overlap) / float64(s.Last+1-s.First))
		}
		if n = min(n+n/8+16, kept); n > 0 {
			got[s.ID] = make([]vpnlog.Event, 0, n)
		}
	}
	return got
}

// meets reports whether the file holds a stream q wants with records in
// [lo, hi).
func (f *indexedFile) meets(q *LogQuery, lo, hi int64) bool {
	slack := int64(0)
	if f.Sampled {
		slack = seekSlack
	}
	for _, s := range f.Streams {
		if q.Wants(s.ID) && (hi >= 1<<62 || s.First < hi+slack) && s.Last >= lo-slack {
			return true
		}
	}
	return false
}

// readSampled reads the part of a sampled file that holds [lo, hi): it
// seeks (by bisection on record times) to a line start a little before
// lo, numbers lines from the file's start, and stops a little after hi.
func (l *Local) readSampled(f *indexedFile, lo, hi int64, rep *vpnlog.Report, keep func(*vpnlog.Event)) {
	h, err := l.fsys.Open(f.Path)
	if err != nil {
		rep.AddSkipped(f.Name, vpnlog.SkipUnreadable, "cannot open: "+bareError(err))
		return
	}
	defer h.Close()
	ra, ok := h.(io.ReaderAt)
	if !ok {
		return
	}
	off := l.seekTime(ra, f, lo-seekSlack)
	stopAt := hi
	if stopAt < 1<<62 {
		stopAt += seekSlack
	}
	opt := l.readOptions(f.Name)
	opt.Stream = f.Hint
	read := func(rep *vpnlog.Report, keep func(*vpnlog.Event)) {
		err := vpnlog.ReadRecords(io.NewSectionReader(ra, off, f.Size-off), opt, rep, func(ev *vpnlog.Event) error {
			if ev.TimeMs >= stopAt {
				return errSampleStop
			}
			keep(ev)
			return nil
		})
		if err != nil && !errors.Is(err, errSampleStop) {
			rep.AddSkipped(f.Name, vpnlog.SkipReadError, "read failed part way (the records before are kept): "+bareError(err))
		}
	}
	if _, remote := ra.(RemoteReaderAt); !remote || off == 0 {
		opt.StartLine = 1
		if off > 0 {
			opt.StartLine += l.linesBefore(ra, f, off)
		}
		read(rep, keep)
		return
	}
	// Counting the lines before off would fetch every byte before it:
	// read first, and count only when a malformed record must be located
	// (records of unknown messages are sampled without their line then).
	var part vpnlog.Report
	part.ByCategory = map[catalog.Category]int64{}
	var evs []vpnlog.Event
	read(&part, func(ev *vpnlog.Event) { evs = append(evs, *ev) })
	shift := -1 // lines are not numbered: no line of this read is shown
	if len(part.Malformed) > 0 {
		shift = l.linesBefore(ra, f, off)
		for i := range part.Malformed {
			part.Malformed[i].Line += shift
		}
	}
	for i := range part.UnknownSamples {
		if shift < 0 {
			part.UnknownSamples[i].Line = 0
		} else {
			part.UnknownSamples[i].Line += shift
		}
	}
	for i := range evs {
		if shift < 0 {
			evs[i].Line = 0
		} else {
			evs[i].Line += shift
		}
		keep(&evs[i])
	}
	rep.Merge(&part)
}

// seekTime finds a line start in a sampled file before which every
// record is older than ms (0 when none is found).
func (l *Local) seekTime(ra io.ReaderAt, f *indexedFile, ms int64) int64 {
	lo, hi := int64(0), f.Size
	buf := make([]byte, 64<<10)
	for hi-lo > int64(len(buf)) {
		mid := lo + (hi-lo)/2
		start, t, ok := l.recordAt(ra, buf, f, mid)
		if !ok || start >= hi {
			break
		}
		if t < ms {
			lo = start
		} else {
			hi = mid
		}
	}
	return lo
}

// recordAt reads the first whole line after at and its record's time.
func (l *Local) recordAt(ra io.ReaderAt, buf []byte, f *indexedFile, at int64) (start, ms int64, ok bool) {
	n, _ := ra.ReadAt(buf, at)
	b := buf[:n]
	i := bytes.IndexByte(b, '\n')
	for i >= 0 && i+1 < len(b) {
		rest := b[i+1:]
		j := bytes.IndexByte(rest, '\n')
		if j < 0 {
			return 0, 0, false
		}
		ev, err := vpnlog.ParseRecord(rest[:j], f.Hint)
		if err == nil {
			return at + int64(i) + 1, ev.TimeMs, true
		}
		i += j + 1
	}
	return 0, 0, false
}
