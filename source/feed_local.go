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
	"path"
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
// and new files (in sub-folders too, symlinked folders followed) are
// picked up. Files that cannot be read a line at a time (gzip, a JSON
// document such as `aws logs filter-log-events` output, pretty-printed
// records) are read whole again whenever they change; the engine drops
// the records it already has.
//
// The folder is walked as the one-shot loader walks it (vpnlog.WalkFS): a
// named pipe, socket or device is never opened, symlink loops and second
// names for a file already tailed are not followed, and an entry that
// cannot be read (or not to its end: an I/O error, the inflate limit) is
// skipped while the rest is read. Each such entry is reported once, when
// it is first seen with that problem: a warning in the log and an entry in
// that poll's Batch.Report.Skipped.
type LocalFeed struct {
	dir    string
	fsys   fs.FS // os.DirFS(dir); tests put one that fails in its place
	opt    LocalFeedOptions
	logger *slog.Logger

	mu      sync.Mutex
	files   map[string]*tailedFile // by path
	inv     []Connection
	invFile bool // inventory from vpn-connections.json
	invMod  time.Time
	streams map[vpnlog.StreamID]bool
	newest  map[string]int64 // per connection: newest record time
	// warned holds the entries reported as skipped (by their name in
	// reports) with the kind of problem reported, so that a standing
	// problem is reported once and not at every poll. An entry is
	// forgotten once it is read whole again, or is gone.
	warned map[string]string
	// pending holds what was reported outside a poll (an unreadable
	// vpn-connections.json, found by Connections), for the next batch.
	pending vpnlog.Report
}

// LocalFeedOptions tunes how the tailer reads its folder, as
// LocalOptions does the one-shot loader's; the zero value is the default.
type LocalFeedOptions struct {
	// MaxInflatedBytes caps what one gzipped file may inflate to (see
	// vpnlog.ReadOptions): 0 is vpnlog.DefaultMaxInflatedBytes, < 0 none.
	MaxInflatedBytes int64
	// Now is the clock that bounds plausible record times (records more
	// than a day after it are malformed); nil is time.Now.
	Now func() time.Time
}

type tailedFile struct {
	path    string // in the OS's form, under dir: the key of LocalFeed.files
	fsPath  string // the same in fsys
	info    os.FileInfo
	offset  int64 // next byte to read (line mode)
	lines   int   // lines consumed, to locate malformed records
	sniffed bool  // whole is decided
	whole   bool  // read whole on every change
	size    int64
	mod     time.Time
	// retry reads the file at the next poll even if it has not changed:
	// the last read failed (it could not be opened, or failed part way).
	retry bool
	// tailSize is the size seen at the last poll when the file ended in
	// an unterminated line: if it is still the same at the next poll, the
	// writer is done with that line and it is read.
	tailSize int64
}

// scanned is one log file found by a scan.
type scanned struct {
	fsPath string
	info   os.FileInfo
}

// NewLocalFeed follows dir.
func NewLocalFeed(dir string, logger *slog.Logger) (*LocalFeed, error) {
	return NewLocalFeedWith(dir, logger, LocalFeedOptions{})
}

// NewLocalFeedWith is NewLocalFeed with options.
func NewLocalFeedWith(dir string, logger *slog.Logger, opt LocalFeedOptions) (*LocalFeed, error) {
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
	return &LocalFeed{dir: dir, fsys: os.DirFS(dir), opt: opt, logger: logger, files: map[string]*tailedFile{},
		streams: map[vpnlog.StreamID]bool{}, newest: map[string]int64{}, warned: map[string]string{}}, nil
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

// loadInventory reads vpn-connections.json when it is new or has changed.
// One that cannot be read (or is a named pipe, a device, a dangling
// symlink...) is reported once, like any folder entry that cannot be read
// (here and not by the scan, which leaves the inventory out), and the connections
// are inferred from the logs (or stay those it described when it was last
// read); one that is not describe-vpn-connections output is an error, as
// the user meant it to describe the tunnels.
func (f *LocalFeed) loadInventory() error {
	p := filepath.Join(f.dir, InventoryFileName)
	name := filepath.FromSlash(InventoryFileName) // as reports name it
	st, err := fs.Stat(f.fsys, InventoryFileName) // follows a symlink
	if err != nil {
		_, lerr := fs.Lstat(f.fsys, InventoryFileName)
		switch {
		case errors.Is(err, fs.ErrNotExist) && lerr != nil:
			delete(f.warned, name) // none
		case errors.Is(err, fs.ErrNotExist):
			f.inventorySkipped(name, vpnlog.SkipDanglingSymlink, "symlink to nothing: "+bareError(err))
		case strings.Contains(err.Error(), "too many levels of symbolic links"):
			f.inventorySkipped(name, vpnlog.SkipSymlinkLoop, "symlink loop: "+bareError(err))
		default:
			f.inventorySkipped(name, vpnlog.SkipUnreadable, "cannot read: "+bareError(err))
		}
		return nil
	}
	if !st.Mode().IsRegular() {
		// Opening a named pipe would block until something writes to it.
		f.inventorySkipped(name, vpnlog.SkipNotRegular, "not a regular file: never opened")
		return nil
	}
	if f.invFile && st.ModTime().Equal(f.invMod) {
		return nil
	}
	fh, err := f.fsys.Open(InventoryFileName)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // replaced between stat and open: the next call reads it
		}
		f.inventorySkipped(name, vpnlog.SkipUnreadable, "cannot open: "+bareError(err))
		return nil
	}
	defer fh.Close()
	// Read it before parsing it, to tell an I/O error (reported, like any
	// unreadable entry) from a file that is not what it claims (an error).
	data, err := io.ReadAll(io.LimitReader(fh, maxInventoryBytes+1))
	if err != nil {
		f.inventorySkipped(name, vpnlog.SkipReadError, "read failed: "+bareError(err))
		return nil
	}
	if int64(len(data)) > maxInventoryBytes {
		err := fmt.Errorf("larger than %d MiB: not the output of `aws ec2 describe-vpn-connections`", maxInventoryBytes>>20)
		return &Error{Op: "read inventory", Cause: "BadInventory", Msg: fmt.Sprintf("%s: %v", p, err), Err: err}
	}
	conns, err := ParseDescribeVpnConnections(bytes.NewReader(data))
	if err != nil {
		return &Error{Op: "read inventory", Cause: "BadInventory", Msg: fmt.Sprintf("%s: %v", p, err), Err: err}
	}
	f.inv, f.invFile, f.invMod = conns, true, st.ModTime()
	delete(f.warned, name)
	return nil
}

// maxInventoryBytes bounds vpn-connections.json, which the feed reads
// into memory: describe-vpn-connections output for hundreds of
// connections is a few MiB.
const maxInventoryBytes = 64 << 20

// inventorySkipped reports an unreadable vpn-connections.json (once, until
// it is read again): a warning now, and in the next poll's report.
func (f *LocalFeed) inventorySkipped(name, kind, reason string) {
	if f.invFile {
		reason += "; the connections it described when last read are kept"
	} else {
		reason += "; connections are inferred from the logs"
	}
	if f.skipped(&f.pending, vpnlog.Skipped{Path: name, Kind: kind, Reason: reason}) {
		f.warnSkipped(vpnlog.Skipped{Path: name, Kind: kind, Reason: reason})
	}
}

// skipped adds s to rep unless its entry was reported already with that
// kind of problem; it tells whether it did.
func (f *LocalFeed) skipped(rep *vpnlog.Report, s vpnlog.Skipped) bool {
	if k, ok := f.warned[s.Path]; ok && k == s.Kind {
		return false
	}
	f.warned[s.Path] = s.Kind
	rep.AddSkipped(s.Path, s.Kind, s.Reason)
	return true
}

// warnSkipped logs one warning naming an entry not read, or not to its end.
func (f *LocalFeed) warnSkipped(s vpnlog.Skipped) {
	f.logger.Warn("logs folder entry skipped: "+s.Reason, "path", s.Path, "kind", s.Kind, "logs_dir", f.dir)
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
//
// Entries that cannot be read are skipped and the rest is read (see
// LocalFeed); only a logs folder that cannot be listed fails a poll.
func (f *LocalFeed) Poll(ctx context.Context, now time.Time, wants []Want, cursors map[string]*StreamCursor) (*Batch, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := NewBatch()
	cur, walkSkipped, err := f.scan(b)
	if err != nil {
		return nil, err
	}
	// Carry each known file's position over to where it is now: a file
	// keeps its identity (device and inode) when it is renamed by a
	// rotation, and a new file under an old name is another file.
	next := make(map[string]*tailedFile, len(cur))
	used := map[*tailedFile]bool{}
	for p, sc := range cur {
		var tf *tailedFile
		if old := f.files[p]; old != nil && old.info != nil && os.SameFile(old.info, sc.info) {
			tf = old
		} else {
			for _, old := range f.files {
				if !used[old] && old.info != nil && os.SameFile(old.info, sc.info) {
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
		tf.path, tf.fsPath = p, sc.fsPath
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
		f.readFile(next[p], cur[p].info, b)
	}
	// Forget the problems of entries that are gone, so that one coming
	// back with a problem is reported again. The inventory's are
	// loadInventory's to forget.
	inv := filepath.FromSlash(InventoryFileName)
	for name := range f.warned {
		if name != inv && !walkSkipped[name] && next[filepath.Join(f.dir, name)] == nil {
			delete(f.warned, name)
		}
	}
	// One warning per entry newly skipped, at most maxSkipWarnings a poll.
	for i, sk := range b.Report.Skipped {
		if i == maxSkipWarnings {
			f.logger.Warn(fmt.Sprintf("%d more logs folder entries skipped or read in part; this poll's report lists the first %d", b.Report.SkippedCount-int64(i), len(b.Report.Skipped)), "logs_dir", f.dir)
			break
		}
		f.warnSkipped(sk)
	}
	// What Connections found since the last poll (logged then).
	b.Report.Merge(&f.pending)
	f.pending = vpnlog.Report{}
	for _, w := range wants {
		b.Frontier[w.Conn.ID] = f.newest[w.Conn.ID]
	}
	for i := range b.Events {
		Advance(cursors, &b.Events[i])
	}
	return b, nil
}

// scan lists the directory's log files, by their path under dir
// (sub-folders and symlinked folders included; hidden files, notes and
// the inventory left out), as vpnlog.WalkFS finds them. The entries it
// skips are reported in b (those not reported before); walkSkipped names
// every entry skipped by this scan.
func (f *LocalFeed) scan(b *Batch) (cur map[string]scanned, walkSkipped map[string]bool, err error) {
	cur = map[string]scanned{}
	var rep vpnlog.Report
	err = vpnlog.WalkFS(f.fsys, filepath.FromSlash, &rep, func(p string) error {
		base := path.Base(p)
		if vpnlog.IsSideFile(base) || strings.EqualFold(path.Ext(base), ".md") {
			return nil // not logs: the inventory, metrics, changes, maintenance, notes
		}
		info, err := fs.Stat(f.fsys, p) // follows a symlink to a file
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil // vanished since it was listed: a rotation; the next poll finds it
		case err != nil:
			rep.AddSkipped(filepath.FromSlash(p), vpnlog.SkipUnreadable, "cannot read: "+bareError(err))
			return nil
		case !info.Mode().IsRegular():
			rep.AddSkipped(filepath.FromSlash(p), vpnlog.SkipNotRegular, "replaced by something that is not a regular file: never opened")
			return nil
		}
		cur[filepath.Join(f.dir, filepath.FromSlash(p))] = scanned{fsPath: p, info: info}
		return nil
	})
	if err != nil {
		return nil, nil, &Error{Op: "read logs", Cause: "ReadFailed", Msg: fmt.Sprintf("reading %s: %v", f.dir, err), Err: err}
	}
	walkSkipped = make(map[string]bool, len(rep.Skipped))
	inv := filepath.FromSlash(InventoryFileName)
	for _, s := range rep.Skipped {
		if s.Path == inv {
			continue // loadInventory's to report
		}
		if s.Kind == vpnlog.SkipUnreadable {
			if _, err := fs.Lstat(f.fsys, filepath.ToSlash(s.Path)); errors.Is(err, fs.ErrNotExist) {
				continue // a folder removed while it was walked: gone, not unreadable
			}
		}
		walkSkipped[s.Path] = true
		f.skipped(&b.Report, s)
	}
	return cur, walkSkipped, nil
}

// readFile reads what is new in one file into b. A file that cannot be
// opened, or fails part way, is reported (once) and read again at the
// next poll; the records read before a failure are kept.
func (f *LocalFeed) readFile(tf *tailedFile, info os.FileInfo, b *Batch) {
	changed := !tf.sniffed || tf.retry || info.Size() != tf.size || !info.ModTime().Equal(tf.mod)
	tf.info = info // its identity, for the next poll's rotations
	if !changed && tf.tailSize == 0 {
		return
	}
	rel := f.rel(tf.path)
	fail := func(kind, reason string) {
		tf.retry = true
		f.skipped(&b.Report, vpnlog.Skipped{Path: rel, Kind: kind, Reason: reason})
	}
	// read notes a read to the end: the file's state is now known, and a
	// problem reported before is over.
	read := func(cut bool) {
		tf.size, tf.mod, tf.retry = info.Size(), info.ModTime(), false
		if !cut {
			delete(f.warned, rel)
		}
	}
	fh, err := f.fsys.Open(tf.fsPath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			tf.retry = true // rotated away between scan and open: the next poll finds it
			return
		}
		fail(vpnlog.SkipUnreadable, "cannot open: "+bareError(err)+"; tried again at every poll")
		return
	}
	defer fh.Close()
	ra, ok := fh.(io.ReaderAt)
	if !ok {
		fail(vpnlog.SkipUnreadable, "cannot be read from an offset")
		return
	}
	if !tf.sniffed {
		tf.whole, tf.sniffed = wholeFile(ra), true
	}
	if tf.whole {
		if !changed {
			return
		}
		cut, err := f.decode(fh, tf, 0, b)
		if err != nil {
			fail(vpnlog.SkipReadError, "read failed part way (the records before are kept; read again at the next poll): "+bareError(err))
			return
		}
		read(cut)
		return
	}
	size := info.Size()
	if size < tf.offset {
		b.Notes = append(b.Notes, fmt.Sprintf("%s shrank from %d to %d bytes (truncated in place): read again from its start", rel, tf.offset, size))
		tf.offset, tf.lines, tf.tailSize = 0, 0, 0
	}
	if size == tf.offset {
		tf.tailSize = 0
		read(false)
		return
	}
	buf := make([]byte, size-tf.offset)
	n, rerr := ra.ReadAt(buf, tf.offset)
	if rerr == io.EOF {
		rerr = nil // shrank since the scan: what is there is read
	}
	buf = buf[:n]
	end := bytes.LastIndexByte(buf, '\n') + 1
	if rerr == nil {
		if end < len(buf) {
			// An unterminated last line: the writer may be in the middle
			// of it. Take it once the file has stopped growing for a poll.
			if tf.tailSize == size {
				end = len(buf)
				tf.tailSize = 0
			} else {
				tf.tailSize = size
			}
		} else {
			tf.tailSize = 0
		}
	}
	if end > 0 {
		// The complete lines read, even when the read failed after them.
		chunk := buf[:end]
		f.decode(bytes.NewReader(chunk), tf, tf.lines, b) // in memory: no I/O error
		tf.offset += int64(end)
		tf.lines += bytes.Count(chunk, []byte{'\n'})
	}
	if rerr != nil {
		fail(vpnlog.SkipReadError, fmt.Sprintf("read failed at byte %d (the lines before are kept; read on from there at the next poll): %s", tf.offset, bareError(rerr)))
		return
	}
	read(false)
}

// decode reads records from r into b; lineBase locates malformed records
// of a chunk in the whole file. cut tells that the input was read only in
// part (the inflate limit), which is reported in b; err is an I/O error
// of r (the records before it are in b).
func (f *LocalFeed) decode(r io.Reader, tf *tailedFile, lineBase int, b *Batch) (cut bool, err error) {
	rel := f.rel(tf.path)
	var rep vpnlog.Report
	unplaced := 0
	err = vpnlog.ReadRecords(r, vpnlog.ReadOptions{Name: rel, MaxInflatedBytes: f.opt.MaxInflatedBytes, Now: f.opt.Now}, &rep, func(ev *vpnlog.Event) error {
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
	// What was cut short is reported once, not at every re-read.
	skipped := rep.Skipped
	rep.Skipped, rep.SkippedCount = nil, 0
	for _, s := range skipped {
		cut = true
		f.skipped(&b.Report, s)
	}
	rep.Files = 0
	b.Report.Merge(&rep)
	b.Report.Files++
	if unplaced > 0 {
		b.Notes = append(b.Notes, fmt.Sprintf("%s: %d record(s) name no VPN connection or tunnel (no logStreamName, stream file name or resource_id) and are not attributed to any tunnel", rel, unplaced))
	}
	if err != nil {
		if inner := errors.Unwrap(err); inner != nil {
			err = inner // without ReadRecords' "read <name>: "
		}
		return cut, err
	}
	return cut, nil
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
