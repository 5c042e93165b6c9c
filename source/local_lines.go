package source

import (
	"bytes"
	"io"
	"sort"
)

// A question on a large file indexed from its ends starts reading where
// its window starts, and numbers that record's line by counting the
// newlines before it: every record keeps its file and line, to be shown
// and located. Counting is most of such a question's time (a day at the
// end of a 65 MB file: the 63 MB before it counted, 2/3 of the answer's
// CPU). Where a count passes every lineMarkEvery bytes it leaves a line
// mark, kept for the next question and in the index cache: a later count
// starts from the last mark before its offset.

// lineMark says how many lines start before byte Off of a file.
type lineMark struct {
	Off  int64 `json:"o"`
	Line int   `json:"l"`
}

// lineMarkEvery is how far apart line marks are: the most a count reads
// once marks are there.
const lineMarkEvery = 4 << 20

// lineChunk is how much a count reads at once (lineMarkEvery is a
// multiple of it).
const lineChunk = 1 << 20

// linesBefore counts the newlines in f's first off bytes, from the last
// line mark before off, and keeps the marks it passes.
func (l *Local) linesBefore(ra io.ReaderAt, f *indexedFile, off int64) int {
	l.lineMu.Lock()
	marks, ok := l.lineMarks[f.Path]
	if !ok {
		marks = f.LineMarks // from the index cache, never changed
	}
	l.lineMu.Unlock()
	pos, lines := int64(0), 0
	if i := sort.Search(len(marks), func(i int) bool { return marks[i].Off > off }); i > 0 {
		pos, lines = marks[i-1].Off, marks[i-1].Line
	}
	var learned []lineMark
	buf := make([]byte, lineChunk)
	for pos < off {
		k := min(int64(len(buf)), off-pos)
		got, err := ra.ReadAt(buf[:k], pos)
		lines += bytes.Count(buf[:got], []byte{'\n'})
		pos += int64(got)
		if got == lineChunk && pos%lineMarkEvery == 0 {
			learned = append(learned, lineMark{Off: pos, Line: lines})
		}
		if err != nil && got == 0 {
			break
		}
	}
	if len(learned) > 0 {
		l.keepLineMarks(f, marks, learned)
	}
	return lines
}

// keepLineMarks adds learned to f's marks (had, as read before counting)
// and keeps them in the index cache.
func (l *Local) keepLineMarks(f *indexedFile, had, learned []lineMark) {
	l.lineMu.Lock()
	if cur, ok := l.lineMarks[f.Path]; ok {
		had = cur // another question's count, meanwhile
	}
	seen := make(map[int64]bool, len(had)+len(learned))
	all := make([]lineMark, 0, len(had)+len(learned))
	for _, m := range append(append([]lineMark(nil), had...), learned...) {
		if !seen[m.Off] {
			seen[m.Off] = true
			all = append(all, m)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Off < all[j].Off })
	if l.lineMarks == nil {
		l.lineMarks = map[string][]lineMark{}
	}
	l.lineMarks[f.Path] = all
	l.lineMu.Unlock()
	l.saveIndex()
}

// withLineMarks is files with the line marks questions learned, as the
// index cache keeps them (copies: the files themselves are shared).
func (l *Local) withLineMarks(files []*indexedFile) []*indexedFile {
	l.lineMu.Lock()
	defer l.lineMu.Unlock()
	if len(l.lineMarks) == 0 {
		return files
	}
	out := make([]*indexedFile, len(files))
	for i, f := range files {
		out[i] = f
		if m, ok := l.lineMarks[f.Path]; ok {
			c := *f
			c.LineMarks = m
			out[i] = &c
		}
	}
	return out
}

// saveIndex writes the index cache with what is indexed so far: the
// whole index once built, else the files questions had indexed.
func (l *Local) saveIndex() {
	if l.cache == nil {
		return
	}
	// One save at a time, each taking what is known when it starts: two
	// questions' saves must not write an older picture over a newer one.
	l.saveMu.Lock()
	defer l.saveMu.Unlock()
	select {
	case <-l.ready:
		l.mu.RLock()
		files := l.files
		l.mu.RUnlock()
		l.cache.save(l.withLineMarks(files))
		return
	default:
	}
	var done []*indexedFile
	for _, j := range l.jobs {
		select {
		case <-j.done:
			done = append(done, j.indexed)
		default:
		}
	}
	l.cache.savePart(l.withLineMarks(done), l.folderBytes)
}
