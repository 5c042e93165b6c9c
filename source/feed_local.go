package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vpnlens/vpnlens/vpnlog"
)

// LocalFeed follows a --logs-dir directory as files grow: new lines are
// read from where the last poll stopped, a rotated file (renamed away, a
// new one created under its name) is finished and the new one read from
// its start, a truncated one (copytruncate) is read again from the start,
// and new files (in sub-folders too) are picked up. Files that cannot be
// read a line at a time (gzip, a JSON document such as `aws logs
// filter-log-events` output, pretty-printed records) are read whole again
// whenever they change; the engine drops the records it already has.
type LocalFeed struct {
	dir    string
	logger *slog.Logger

	mu      sync.Mutex
	files   map[string]*tailedFile // by path
	inv     []Connection
	invFile bool // inventory from vpn-connections.json
	invMod  time.Time
	streams map[vpnlog.StreamID]bool
	newest  map[string]int64 // per connection: newest record time
}

type tailedFile struct {
	path   string
	info   os.FileInfo
	offset int64 // next byte to read (line mode)
	lines  int   // lines consumed, to locate malformed records
	whole  bool  // read whole on every change
	size   int64
	mod    time.Time
	// tailSize is the size seen at the last poll when the file ended in
	// an unterminated line: if it is still the same at the next poll, the
	// writer is done with that line and it is read.
	tailSize int64
}

// NewLocalFeed follows dir.
func NewLocalFeed(dir string, logger *slog.Logger) (*LocalFeed, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, &Error{Op: "open logs directory", Cause: "NotFound", Msg: fmt.Sprintf("cannot open logs directory %s: %v", dir, err), Err: err}
	}
	if !st.IsDir() {
		return nil, &Error{Op: "open logs directory", Cause: "NotADirectory", Msg: fmt.Sprintf("--logs-dir %s is not a directory", dir)}
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &LocalFeed{dir: dir, logger: logger, files: map[string]*tailedFile{}, streams: map[vpnlog.StreamID]bool{}, newest: map[string]int64{}}, nil
}

// Describe implements Feed.
func (f *LocalFeed) Describe() string {
	abs, err := filepath.Abs(f.dir)
	if err != nil {
		abs = f.dir
	}
	return "logs-dir " + abs
}

// Complete implements Feed: local files hold every record.
func (f *LocalFeed) Complete() bool { return true }

// Connections implements Feed: vpn-connections.json when the directory
// has one, else the connections seen in the records so far (tunnel numbers
// then follow the outside IP order).
func (f *LocalFeed) Connections(ctx context.Context) ([]Connection, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.loadInventory(); err != nil {
		return nil, err
	}
	if f.invFile {
		return append([]Connection(nil), f.inv...), nil
	}
	return f.synthesize(), nil
}

func (f *LocalFeed) loadInventory() error {
	p := filepath.Join(f.dir, InventoryFileName)
	st, err := os.Stat(p)
	if err != nil {
		return nil
	}
	if f.invFile && st.ModTime().Equal(f.invMod) {
		return nil
	}
	fh, err := os.Open(p)
	if err != nil {
		return &Error{Op: "read inventory", Cause: "ReadFailed", Msg: fmt.Sprintf("%s: %v", p, err), Err: err}
	}
	defer fh.Close()
	conns, err := ParseDescribeVpnConnections(fh)
	if err != nil {
		return &Error{Op: "read inventory", Cause: "BadInventory", Msg: fmt.Sprintf("%s: %v", p, err), Err: err}
	}
	f.inv, f.invFile, f.invMod = conns, true, st.ModTime()
	return nil
}

func (f *LocalFeed) synthesize() []Connection {
	ids := make([]vpnlog.StreamID, 0, len(f.streams))
	for id := range f.streams {
		ids = append(ids, id)
	}
	return InferConnections(ids)
}

// Poll implements Feed: it reads what was appended since the last poll.
// Wants and cursors only filter: local files are read whole or tailed
// regardless, and a first run reads the files from their start, records
// older than Want.SinceMs included (see Feed.Complete): the engine keeps
// those for the story of an incident still under way at SinceMs, and lists
// what ended before it as history, never reported.
func (f *LocalFeed) Poll(ctx context.Context, now time.Time, wants []Want, cursors map[string]*StreamCursor) (*Batch, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := NewBatch()
	cur, err := f.scan()
	if err != nil {
		return nil, err
	}
	// Carry each known file's position over to where it is now: a file
	// keeps its identity (device and inode) when it is renamed by a
	// rotation, and a new file under an old name is another file.
	next := make(map[string]*tailedFile, len(cur))
	used := map[*tailedFile]bool{}
	for p, info := range cur {
		var tf *tailedFile
		if old := f.files[p]; old != nil && os.SameFile(old.info, info) {
			tf = old
		} else {
			for _, old := range f.files {
				if !used[old] && os.SameFile(old.info, info) {
					tf = old
					break
				}
			}
		}
		if tf == nil {
			tf = &tailedFile{}
		} else if tf.path != p {
			f.logger.Debug("log file renamed (rotation)", "from", tf.path, "to", p)
		}
		used[tf] = true
		tf.path = p
		next[p] = tf
	}
	f.files = next
	paths := make([]string, 0, len(next))
	for p := range next {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := f.readFile(next[p], cur[p], b); err != nil {
			return nil, err
		}
	}
	for _, w := range wants {
		b.Frontier[w.Conn.ID] = f.newest[w.Conn.ID]
	}
	for i := range b.Events {
		Advance(cursors, &b.Events[i])
	}
	return b, nil
}

// scan lists the directory's log files (sub-folders included; hidden
// files, notes and the inventory left out).
func (f *LocalFeed) scan() (map[string]os.FileInfo, error) {
	out := map[string]os.FileInfo{}
	err := filepath.WalkDir(f.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == f.dir {
				return err
			}
			return nil // vanished between listing and reading: rotation
		}
		name := d.Name()
		if p != f.dir && strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || name == InventoryFileName || strings.EqualFold(filepath.Ext(name), ".md") {
			return nil
		}
		info, err := os.Stat(p) // follows a symlink to a file
		if err != nil || !info.Mode().IsRegular() {
			return nil
		}
		out[p] = info
		return nil
	})
	if err != nil {
		return nil, &Error{Op: "read logs", Cause: "ReadFailed", Msg: fmt.Sprintf("reading %s: %v", f.dir, err), Err: err}
	}
	return out, nil
}

// readFile reads what is new in one file into b.
func (f *LocalFeed) readFile(tf *tailedFile, info os.FileInfo, b *Batch) error {
	first := tf.info == nil
	changed := first || info.Size() != tf.size || !info.ModTime().Equal(tf.mod)
	tf.info = info
	defer func() { tf.size, tf.mod = info.Size(), info.ModTime() }()
	if !changed && tf.tailSize == 0 {
		return nil
	}
	fh, err := os.Open(tf.path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // rotated away between scan and open: next poll finds it
		}
		b.Report.MalformedCount++
		b.Report.Malformed = append(b.Report.Malformed, vpnlog.Malformed{File: f.rel(tf.path), Reason: "cannot read: " + err.Error()})
		return nil
	}
	defer fh.Close()
	if first {
		tf.whole = wholeFile(fh)
	}
	if tf.whole {
		if !changed {
			return nil
		}
		return f.decode(fh, tf, 0, b)
	}
	size := info.Size()
	if size < tf.offset {
		b.Notes = append(b.Notes, fmt.Sprintf("%s shrank from %d to %d bytes (truncated in place): read again from its start", f.rel(tf.path), tf.offset, size))
		tf.offset, tf.lines, tf.tailSize = 0, 0, 0
	}
	if size == tf.offset {
		tf.tailSize = 0
		return nil
	}
	buf := make([]byte, size-tf.offset)
	n, err := fh.ReadAt(buf, tf.offset)
	if err != nil && err != io.EOF {
		return fmt.Errorf("reading %s: %w", tf.path, err)
	}
	buf = buf[:n]
	end := bytes.LastIndexByte(buf, '\n') + 1
	if end < len(buf) {
		// An unterminated last line: the writer may be in the middle of
		// it. Take it once the file has stopped growing for a poll.
		if tf.tailSize == size {
			end = len(buf)
			tf.tailSize = 0
		} else {
			tf.tailSize = size
		}
	} else {
		tf.tailSize = 0
	}
	if end == 0 {
		return nil
	}
	chunk := buf[:end]
	if err := f.decode(bytes.NewReader(chunk), tf, tf.lines, b); err != nil {
		return err
	}
	tf.offset += int64(end)
	tf.lines += bytes.Count(chunk, []byte{'\n'})
	return nil
}

// decode reads records from r into b; lineBase locates malformed records
// of a chunk in the whole file.
func (f *LocalFeed) decode(r io.Reader, tf *tailedFile, lineBase int, b *Batch) error {
	rel := f.rel(tf.path)
	var rep vpnlog.Report
	unplaced := 0
	err := vpnlog.ReadRecords(r, vpnlog.ReadOptions{Name: rel}, &rep, func(ev *vpnlog.Event) error {
		if ev.VPNConnectionID == "" || ev.TunnelIP == "" {
			unplaced++
			return nil
		}
		e := *ev
		e.Line += lineBase
		b.Events = append(b.Events, e)
		id := vpnlog.StreamID{VPNConnectionID: e.VPNConnectionID, TunnelIP: e.TunnelIP, Kind: e.Stream}
		f.streams[id] = true
		f.newest[e.VPNConnectionID] = max(f.newest[e.VPNConnectionID], e.TimeMs)
		return nil
	})
	for i := range rep.Malformed {
		if rep.Malformed[i].Line > 0 {
			rep.Malformed[i].Line += lineBase
		}
	}
	rep.Files = 0
	b.Report.Merge(&rep)
	b.Report.Files++
	if unplaced > 0 {
		b.Notes = append(b.Notes, fmt.Sprintf("%s: %d record(s) name no VPN connection or tunnel (no logStreamName, stream file name or resource_id) and are not attributed to any tunnel", rel, unplaced))
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", tf.path, err)
	}
	return nil
}

func (f *LocalFeed) rel(p string) string {
	if r, err := filepath.Rel(f.dir, p); err == nil {
		return r
	}
	return p
}

// wholeFile tells files that must be read whole (gzip, a JSON array or a
// CloudWatch response document, pretty-printed records) from files of one
// record per line, by their first bytes.
func wholeFile(r io.ReaderAt) bool {
	head := make([]byte, 4096)
	n, _ := r.ReadAt(head, 0)
	head = head[:n]
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		return true
	}
	t := bytes.TrimLeft(head, " \t\r\n\xef\xbb\xbf")
	if len(t) == 0 {
		return false
	}
	switch t[0] {
	case '[':
		return true
	case '{':
		line := t
		if i := bytes.IndexByte(t, '\n'); i >= 0 {
			line = t[:i]
		} else if n == len(head) && len(head) == 4096 {
			return false // one long line: a record per line
		}
		line = bytes.TrimRight(line, " \t\r")
		if !bytes.HasSuffix(line, []byte("}")) {
			return true // a record spread over several lines
		}
		for _, k := range []string{`"events"`, `"nextToken"`, `"nextForwardToken"`, `"searchedLogStreams"`} {
			if bytes.HasPrefix(bytes.TrimLeft(line[1:], " \t"), []byte(k)) {
				return true
			}
		}
	}
	return false
}

// Fetch implements Feed. Local files are read whole as they grow, so the
// engine already holds every record: nothing more to fetch.
func (f *LocalFeed) Fetch(ctx context.Context, conn *Connection, from, to time.Time) (*Batch, error) {
	return NewBatch(), nil
}
