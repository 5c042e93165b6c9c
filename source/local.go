package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/netip"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// InventoryFileName is the optional `aws ec2 describe-vpn-connections`
// output in a logs directory.
const InventoryFileName = "vpn-connections.json"

// ExportWriteTestName is the object CloudWatch Logs writes at the top of
// an export-to-S3 prefix to check that it may write there ("Permission
// Check Successful"): not logs.
const ExportWriteTestName = "aws-logs-write-test"

// Local serves exported logs from a directory (--logs-dir) or an embedded
// file system (--demo). Opening indexes the folder rather than loading it:
// for each log file, which streams it holds and the time range of each
// (local_index.go). A question reads only the files whose streams it asks
// for and whose time range meets its window, keeping only the records in
// the window, so memory follows the question, not the folder.
type Local struct {
	name   string
	logger *slog.Logger
	fsys   fs.FS
	opt    LocalOptions

	mu          sync.RWMutex
	conns       []Connection
	inventoryOK bool // connections came from vpn-connections.json
	// metrics are the tunnel metrics of tunnel-metrics.json, if present;
	// metricsErr says why that file could not be read (questions that
	// need it get the error, the logs are read all the same).
	metrics    *MetricsFile
	metricsErr error
	// changes are the events of cloudtrail-events.json, if present;
	// changesErr says why that file could not be read.
	changes    []Change
	changesOK  bool
	changesErr error
	// active are the statuses of tunnel-active-status.json, if present,
	// by connection id + "/" + tunnel IP; activeErr says why that file
	// could not be read.
	active    map[string]*ActiveStatus
	activeErr error
	// maint is each tunnel's status of tunnel-maintenance.json, if
	// present; maintErr says why that file could not be read.
	maint       map[string]Maintenance
	maintErr    error
	files       []*indexedFile
	streams     map[vpnlog.StreamID]*Extent
	report      vpnlog.Report
	unplaced    int64 // records whose VPN connection could not be told
	sampled     int   // files of which only the first and last records were read at open
	sampledSize int64
	cache       *indexCache
	ready       chan struct{} // closed when the index is built
	// jobs are the files the walk found, indexed through queue; a
	// question may read those it needs before the rest (local_early.go).
	jobs  []*indexJob
	queue *indexQueue
	// startBuild starts indexing the whole folder (OnDemand: only when a
	// question needs all of it); it runs once.
	startBuild func()
	// lineMarks are the line marks questions learned, by file path
	// (local_lines.go).
	lineMu    sync.Mutex
	lineMarks map[string][]lineMark
	saveMu    sync.Mutex // local_lines.go saveIndex
	// folderBytes is what reading the whole folder costs (gzip files as
	// inflated): whether an index of part of it is worth keeping.
	folderBytes int64
}

// wait waits for the index (built in the background for large folders).
func (l *Local) wait(ctx context.Context) error {
	select {
	case <-l.ready:
		return nil
	default:
	}
	l.startBuild()
	ReportProgress(ctx, 0, 0, "indexing "+l.name)
	select {
	case <-l.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// LocalOptions tunes how the local source reads its folder; the zero
// value is the default.
type LocalOptions struct {
	// MaxInflatedBytes caps what one gzipped file may inflate to (see
	// vpnlog.ReadOptions): 0 is vpnlog.DefaultMaxInflatedBytes, < 0 none.
	MaxInflatedBytes int64
	// Now is the clock that bounds plausible record times (records more
	// than a day after it are not read); nil is time.Now.
	Now func() time.Time
	// IndexCacheDir holds the folder index between runs: "" is
	// os.UserCacheDir()/vpnlens/index, "-" keeps the index in memory only.
	// Only a file system with an IndexCacheID is cached.
	IndexCacheDir string
	// IndexCacheID names the file system in the index cache: OpenDir sets
	// the folder's absolute path, source/s3logs the bucket and prefix. ""
	// (OpenFS of an embedded or in-memory file system) is not cached.
	IndexCacheID string
	// IndexCacheMinBytes is the size of the files from which the index is
	// saved: 0 is 64 MiB (a smaller folder is indexed again quickly), < 0
	// always (every read of an S3 object is a request).
	IndexCacheMinBytes int64
	// Parallel is how many files are indexed, and read for a question, at
	// once: 0 is GOMAXPROCS (local disks); a remote store waits on the
	// network and gains from more.
	Parallel int
	// PathLabel says how the records were read, in each answer's path: ""
	// is "local files (NAME)".
	PathLabel string
	// OnDemand indexes a large folder only as far as questions need: the
	// files named for the connection asked about, the whole folder only
	// when a question needs all of it. For a command that answers one
	// question and exits: indexing the rest in the background only costs
	// it CPU, and is lost at exit (what was indexed is kept in the cache).
	OnDemand bool
}

// parallel is how many files are read at once.
func (o *LocalOptions) parallel() int {
	if o.Parallel > 0 {
		return o.Parallel
	}
	return runtime.GOMAXPROCS(0)
}

// VersionedInfo is implemented by the Sys() of a file's fs.FileInfo when
// the file system tells a file's version beside its size and time (an S3
// object's ETag): the index cache reads a file again when any of the
// three changed.
type VersionedInfo interface {
	Version() string
}

// RemoteReaderAt is an opened file whose ReadAt asks a remote store for
// its bytes (an S3 object, by ranged GETs). Numbering the lines before a
// seek into it would fetch every byte before, so a question that seeks
// into one counts them only when it has a record to locate.
type RemoteReaderAt interface {
	io.ReaderAt
	// Remote names where the bytes come from, e.g. "s3://bucket/key".
	Remote() string
}

// versionOf is the version a file system tells of a file, if any.
func versionOf(info fs.FileInfo) string {
	if v, ok := info.Sys().(VersionedInfo); ok {
		return v.Version()
	}
	return ""
}

// shown is how a path of the file system is named in events and reports:
// under the folder's name, or after the URL of a remote store.
func (l *Local) shown(p string) string {
	if strings.Contains(l.name, "://") {
		return strings.TrimSuffix(l.name, "/") + "/" + p
	}
	return path.Join(l.name, p)
}

// OpenDir loads a --logs-dir directory.
func OpenDir(dir string, logger *slog.Logger) (*Local, error) {
	return OpenDirWith(dir, logger, LocalOptions{})
}

// OpenDirWith is OpenDir with options.
func OpenDirWith(dir string, logger *slog.Logger, opt LocalOptions) (*Local, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, &Error{Op: "open logs directory", Cause: "NotFound", Msg: fmt.Sprintf("cannot open logs directory %s: %v", dir, err), Err: err}
	}
	if !st.IsDir() {
		return nil, &Error{Op: "open logs directory", Cause: "NotADirectory", Msg: fmt.Sprintf("--logs-dir %s is not a directory", dir)}
	}
	if opt.IndexCacheID == "" {
		if abs, err := filepath.Abs(dir); err == nil {
			opt.IndexCacheID = abs
		}
	}
	return openFS(os.DirFS(dir), dir, logger, opt)
}

// OpenFS loads logs from a file system; name labels it in reports.
func OpenFS(fsys fs.FS, name string, logger *slog.Logger) (*Local, error) {
	return OpenFSWith(fsys, name, logger, LocalOptions{})
}

// OpenFSWith is OpenFS with options.
func OpenFSWith(fsys fs.FS, name string, logger *slog.Logger, opt LocalOptions) (*Local, error) {
	return openFS(fsys, name, logger, opt)
}

// openFS indexes fsys; its index is cached between runs when
// opt.IndexCacheID names it.
func openFS(fsys fs.FS, name string, logger *slog.Logger, opt LocalOptions) (*Local, error) {
	if logger == nil {
		logger = slog.Default()
	}
	l := &Local{name: name, logger: logger, fsys: fsys, opt: opt, streams: map[vpnlog.StreamID]*Extent{}}
	if opt.IndexCacheID != "" && opt.IndexCacheDir != "-" {
		l.cache = openIndexCache(opt.IndexCacheID, opt.IndexCacheDir, opt, logger)
	}
	if err := l.load(fsys, opt); err != nil {
		return nil, err
	}
	return l, nil
}

// load indexes every log file in fsys. An entry that cannot be read (a
// named pipe, socket or device, an unreadable file or folder, a symlink
// loop or a dangling one, a gzip file past the inflate limit) is reported
// in the load report and logged, and the rest is read: only an unreadable
// top folder or a vpn-connections.json that is not what it claims fails
// the load.
func (l *Local) load(fsys fs.FS, opt LocalOptions) error {
	// The walk lists the files (and reports the entries it skips); the
	// files are then indexed in parallel, and their reports merged in
	// folder order between the walk's, as one read in order would have.
	var walkRep vpnlog.Report
	name := l.shown
	var jobs []*indexJob
	err := vpnlog.WalkFS(fsys, name, &walkRep, func(p string) error {
		base := path.Base(p)
		if base == InventoryFileName {
			return l.readInventory(fsys, p, name(p), &walkRep)
		}
		if base == MetricsFileName {
			l.readMetrics(fsys, p, name(p))
			return nil
		}
		if base == ChangesFileName {
			l.readChanges(fsys, p, name(p))
			return nil
		}
		if base == ActiveStatusFileName {
			l.readActiveStatus(fsys, p, name(p))
			return nil
		}
		if base == MaintenanceFileName {
			l.readMaintenance(fsys, p, name(p))
			return nil
		}
		if strings.EqualFold(path.Ext(base), ".md") {
			return nil // notes that travel with exported logs
		}
		if base == ExportWriteTestName {
			return nil // CloudWatch's export checked it may write here
		}
		hint, _ := vpnlog.StreamFromPath(name(p))
		jobs = append(jobs, &indexJob{p: p, skipsAt: walkRep.SkippedCount, hint: hint, done: make(chan struct{})})
		return nil
	})
	if err != nil {
		var se *Error
		if asErr(err, &se) {
			return err
		}
		return &Error{Op: "read logs", Cause: "ReadFailed", Msg: fmt.Sprintf("reading %s: %v", l.name, err), Err: err}
	}
	l.ready = make(chan struct{})
	l.jobs, l.queue = jobs, &indexQueue{jobs: jobs}
	var pending int64
	pending, l.folderBytes = l.pendingBytes(fsys, name, jobs)
	if pending >= backgroundIndexBytes {
		// MCP clients get their initialize answer at once; questions wait
		// for the files they read (local_early.go), or the whole index.
		var once sync.Once
		l.startBuild = func() {
			once.Do(func() {
				l.logger.Info("indexing the logs folder in the background; questions wait for the files they read", "source", l.name, "files", len(jobs), "bytes_to_read", pending)
				go func() {
					defer close(l.ready)
					l.build(fsys, opt, name, jobs, &walkRep)
				}()
			})
		}
		if !opt.OnDemand {
			l.startBuild()
		}
		return nil
	}
	l.startBuild = func() {}
	l.build(fsys, opt, name, jobs, &walkRep)
	close(l.ready)
	return nil
}

// indexJob is one file the walk found, to index.
type indexJob struct {
	p       string
	skipsAt int64           // walkRep.SkippedCount when the walk reached it
	hint    vpnlog.StreamID // the stream its name names, if any
	indexed *indexedFile    // set before done is closed
	done    chan struct{}
	taken   bool // handed to a worker (indexQueue.mu)
}

// backgroundIndexBytes is how much a folder's index must read (files not
// in the index cache; of large plain ones, their ends) for it to be built
// in the background. A variable for tests.
var backgroundIndexBytes int64 = 64 << 20

// pendingBytes is the size of the files the index must read whole, and
// of the whole folder (gzip files as inflated).
func (l *Local) pendingBytes(fsys fs.FS, name func(string) string, jobs []*indexJob) (n, all int64) {
	for _, j := range jobs {
		info, err := fs.Stat(fsys, j.p)
		if err != nil {
			continue
		}
		gz := strings.EqualFold(path.Ext(j.p), ".gz")
		if gz {
			all += info.Size() * gzipInflation
		} else {
			all += info.Size()
		}
		if l.cache != nil {
			if c := l.cache.lookup(j.p, info.Size(), info.ModTime().UnixNano(), versionOf(info)); c != nil && c.Name == name(j.p) {
				continue
			}
		}
		if info.Size() >= sampleMinSize && !gz {
			// Most likely indexed from its ends: what that reads. Many
			// such files add up (200 of them: 100 MB read at open).
			n += min(info.Size(), 2*sampleBytes)
			continue
		}
		if gz {
			n += info.Size() * gzipInflation // what reading it costs is what it inflates to
			continue
		}
		n += info.Size()
	}
	return n, all
}

// gzipInflation is about how many times its size a gzipped log file
// inflates to (VPN logs, repetitive JSON lines, compress 10 to 20 times).
const gzipInflation = 10

// build indexes the files the walk found and sums up what it read.
func (l *Local) build(fsys fs.FS, opt LocalOptions, name func(string) string, jobs []*indexJob, walkRep *vpnlog.Report) {
	var wg sync.WaitGroup
	for range min(opt.parallel(), max(len(jobs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := l.queue.take(); j != nil; j = l.queue.take() {
				j.indexed = l.indexFile(fsys, j.p, name(j.p), opt)
				close(j.done)
			}
		}()
	}
	wg.Wait()
	for _, j := range jobs {
		<-j.done // a question may have indexed it (local_early.go)
	}

	rep := vpnlog.Report{ByCategory: map[catalog.Category]int64{}}
	var walkSkips int64
	walkSkipsTo := func(n int64) {
		for ; walkSkips < n; walkSkips++ {
			if walkSkips < int64(len(walkRep.Skipped)) {
				sk := walkRep.Skipped[walkSkips]
				rep.AddSkipped(sk.Path, sk.Kind, sk.Reason)
			} else {
				rep.SkippedCount++
			}
		}
	}
	for _, j := range jobs {
		walkSkipsTo(j.skipsAt)
		f := j.indexed
		rep.Merge(&f.Report)
		if f.Sampled {
			l.sampled++
			l.sampledSize += f.Size
		}
		l.unplaced += f.Unplaced
		l.files = append(l.files, f)
		for _, s := range f.Streams {
			e := l.streams[s.ID]
			if e == nil {
				e = &Extent{Stream: s.ID, First: time.UnixMilli(s.First).UTC(), Last: time.UnixMilli(s.Last).UTC()}
				l.streams[s.ID] = e
			}
			if first := time.UnixMilli(s.First).UTC(); first.Before(e.First) {
				e.First = first
			}
			if last := time.UnixMilli(s.Last).UTC(); last.After(e.Last) {
				e.Last = last
			}
			e.Count += s.Count
		}
	}
	walkSkipsTo(walkRep.SkippedCount)
	if rep.ByCategory == nil {
		rep.ByCategory = map[catalog.Category]int64{}
	}
	l.report = rep
	if l.cache != nil {
		l.saveMu.Lock()
		l.cache.save(l.withLineMarks(l.files))
		l.saveMu.Unlock()
	}
	if !l.inventoryOK {
		ids := make([]vpnlog.StreamID, 0, len(l.streams))
		for id := range l.streams {
			ids = append(ids, id)
		}
		l.conns = InferConnections(ids)
	}
	l.logger.Info("logs indexed", "source", l.name, "files", len(l.files), "records", rep.Records, "malformed", rep.MalformedCount,
		"unknown", rep.UnknownCount, "skipped", rep.SkippedCount, "streams", len(l.streams), "connections", len(l.conns), "unplaced", l.unplaced,
		"sampled_files", l.sampled)
	// One warning per folder entry not read (or not to its end), naming it.
	for i, sk := range rep.Skipped {
		if i == maxSkipWarnings {
			l.logger.Warn(fmt.Sprintf("%d more folder entries skipped or read in part; the load report lists the first %d", rep.SkippedCount-int64(i), len(rep.Skipped)), "source", l.name)
			break
		}
		l.logger.Warn("logs folder entry skipped: "+sk.Reason, "path", sk.Path, "kind", sk.Kind)
	}
	if rep.MalformedCount > 0 {
		// One line, at startup, so whoever runs vpnlens learns that some
		// records are left out and where to see which.
		attrs := []any{"source", l.name, "malformed", rep.MalformedCount}
		if len(rep.Malformed) > 0 {
			m := rep.Malformed[0]
			attrs = append(attrs, "first", fmt.Sprintf("%s:%d", m.File, m.Line), "reason", m.Reason)
		}
		l.logger.Warn(fmt.Sprintf("%d malformed record(s) could not be read and are left out of every answer; %s lists where they are", rep.MalformedCount, LoadReportURI), attrs...)
	}
}

// maxSkipWarnings bounds the startup warnings about skipped entries (a
// folder of device files should not flood the log).
const maxSkipWarnings = 20

// readInventory reads vpn-connections.json. One that cannot be opened or
// read is reported like any unreadable file (the connections are then
// inferred from the logs); one that is not describe-vpn-connections output
// fails the load, as the user meant it to describe the tunnels.
func (l *Local) readInventory(fsys fs.FS, p, shown string, rep *vpnlog.Report) error {
	f, err := fsys.Open(p)
	if err != nil {
		rep.AddSkipped(shown, vpnlog.SkipUnreadable, "cannot open: "+bareError(err)+"; connections are inferred from the logs")
		return nil
	}
	defer f.Close()
	conns, err := ParseDescribeVpnConnections(f)
	if err != nil {
		return &Error{Op: "read inventory", Cause: "BadInventory", Msg: fmt.Sprintf("%s: %v", shown, err), Err: err}
	}
	l.conns, l.inventoryOK = conns, true
	return nil
}

// bareError is err without the operation and path of a *fs.PathError.
func bareError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// InferConnections describes the connections whose log streams are seen,
// for when no vpn-connections.json was supplied. Without it the tunnel
// numbering is a guess (sorted by outside IP), which the connection's note
// says.
func InferConnections(streams []vpnlog.StreamID) []Connection {
	byVPN := map[string]map[string]*LogSettings{}
	for _, id := range streams {
		if byVPN[id.VPNConnectionID] == nil {
			byVPN[id.VPNConnectionID] = map[string]*LogSettings{}
		}
		ls := byVPN[id.VPNConnectionID][id.TunnelIP]
		if ls == nil {
			ls = &LogSettings{}
			byVPN[id.VPNConnectionID][id.TunnelIP] = ls
		}
		switch id.Kind {
		case vpnlog.StreamIKE:
			ls.IKEEnabled = true
		case vpnlog.StreamBGP:
			ls.BGPEnabled = true
		}
	}
	var conns []Connection
	for vpn, tunnels := range byVPN {
		c := Connection{ID: vpn, State: "unknown", Tags: map[string]string{"vpnlens:note": "inventory inferred from log files; tunnel numbers follow outside IP order"}}
		ips := make([]string, 0, len(tunnels))
		for ip := range tunnels {
			ips = append(ips, ip)
		}
		sort.Slice(ips, func(i, j int) bool { return ipLess(ips[i], ips[j]) })
		for i, ip := range ips {
			c.Tunnels = append(c.Tunnels, Tunnel{Number: i + 1, OutsideIP: ip, Logging: *tunnels[ip]})
		}
		conns = append(conns, c)
	}
	sort.Slice(conns, func(i, j int) bool { return conns[i].ID < conns[j].ID })
	return conns
}

// Connections implements Inventory.
func (l *Local) Connections(ctx context.Context) ([]Connection, error) {
	select {
	case <-l.ready:
	default:
		if conns, ok := l.earlyConnections(); ok {
			return append([]Connection(nil), conns...), nil
		}
	}
	if err := l.wait(ctx); err != nil {
		return nil, err
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	out := make([]Connection, len(l.conns))
	copy(out, l.conns)
	return out, nil
}

// Report returns what loading read: records, malformed and unknown counts
// (of the files read whole at open; see LoadReport).
func (l *Local) Report() vpnlog.Report {
	l.startBuild()
	<-l.ready
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.report
}

// LoadReport implements LoadReporter: what loading read, where the
// malformed records are, and how many records name no connection.
func (l *Local) LoadReport() LoadReport {
	l.startBuild()
	<-l.ready
	l.mu.RLock()
	defer l.mu.RUnlock()
	rep := l.report
	rep.Malformed = append([]vpnlog.Malformed(nil), rep.Malformed...)
	rep.UnknownSamples = append([]vpnlog.Malformed(nil), rep.UnknownSamples...)
	rep.Skipped = append([]vpnlog.Skipped(nil), rep.Skipped...)
	lr := LoadReport{Source: l.name, Report: rep, Streams: len(l.streams), Unplaced: l.unplaced}
	if l.sampled > 0 {
		lr.SampledFiles = l.sampled
		lr.SampledNote = fmt.Sprintf("%d large file(s) (%d bytes) were indexed from their first and last records: their middle was not read at open, "+
			"so the counts above leave their records out; malformed records there are counted in the answers of the questions that read them", l.sampled, l.sampledSize)
	}
	return lr
}

// Logs implements LogSource: it reads the files that hold a wanted stream
// in the window, keeping only the records in the window.
func (l *Local) Logs(ctx context.Context, q LogQuery) (*LogResult, error) {
	files, early, err := l.earlyFiles(ctx, q.VPNConnectionID)
	if err != nil {
		return nil, err
	}
	if early {
		return l.logs(ctx, q, files, reportOf(files), true)
	}
	if err := l.wait(ctx); err != nil {
		return nil, err
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.logs(ctx, q, l.files, l.report, false)
}

// logs answers q from files; rep is what reading them at open found.
func (l *Local) logs(ctx context.Context, q LogQuery, files []*indexedFile, rep vpnlog.Report, early bool) (*LogResult, error) {
	startMs, endMs := q.Start.UnixMilli(), q.End.UnixMilli()
	if q.End.IsZero() {
		endMs = 1<<63 - 1
	}
	res := &LogResult{Path: "local files (" + l.name + ")"}
	if l.opt.PathLabel != "" {
		res.Path = l.opt.PathLabel
	}
	got, live, partRep, err := l.read(ctx, q, files, startMs, endMs)
	if err != nil {
		return nil, err
	}
	if q.CountLiveness && !q.AnomaliesOnly {
		res.Liveness = live.sorted()
	}
	ids := make([]vpnlog.StreamID, 0, len(got))
	total := 0
	for id, evs := range got {
		ids = append(ids, id)
		total += len(evs)
	}
	res.Events = make([]vpnlog.Event, 0, total)
	sort.Slice(ids, func(i, j int) bool { return ids[i].String() < ids[j].String() })
	runs := make([][]vpnlog.Event, 0, len(ids))
	for _, id := range ids {
		evs := got[id]
		// The records of a stream are ordered as the whole stream would
		// be: what was kept holds every second the window touches.
		correlate.SortEvents(evs)
		kept := evs[:0]
		for i := range evs {
			if evs[i].TimeMs < startMs || evs[i].TimeMs >= endMs || q.AnomaliesOnly && !evs[i].Anomaly {
				continue
			}
			kept = append(kept, evs[i])
		}
		runs = append(runs, kept)
	}
	res.Events = correlate.MergeSorted(res.Events, runs...)
	res.Report = rep
	if partRep.Files > 0 {
		res.Report.Malformed = append([]vpnlog.Malformed(nil), rep.Malformed...)
		res.Report.UnknownSamples = append([]vpnlog.Malformed(nil), rep.UnknownSamples...)
		res.Report.Skipped = append([]vpnlog.Skipped(nil), rep.Skipped...)
		bc := make(map[catalog.Category]int64, len(rep.ByCategory))
		for c, n := range rep.ByCategory {
			bc[c] = n
		}
		res.Report.ByCategory = bc
		res.Report.Merge(&partRep)
	}
	if n := res.Report.MalformedCount; n > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d malformed record(s) in %s could not be read; %s lists where they are", n, l.name, LoadReportURI))
	}
	switch {
	case early && l.opt.OnDemand:
		res.Notes = append(res.Notes, fmt.Sprintf("answered from the %d file(s) named for %s; the rest of %s, named for other connections, was not read", len(files), q.VPNConnectionID, l.name))
	case early:
		res.Notes = append(res.Notes, fmt.Sprintf("answered from the %d file(s) named for %s while the rest of %s is still being indexed", len(files), q.VPNConnectionID, l.name))
	}
	if n := rep.SkippedCount; n > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d entr%s in %s were not read, or not to their end (named pipes or devices, unreadable files or folders, symlink loops, gzip files past the inflate limit); vpnlens logged a warning naming each when it started", n, plural(n, "y", "ies"), l.name))
	}
	if !early && l.unplaced > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d record(s) in %s name no VPN connection (no logStreamName, file name or resource_id) and are not attributed to any tunnel", l.unplaced, l.name))
	}
	return res, ctx.Err()
}

// Extents implements LogSource, from the index.
func (l *Local) Extents(ctx context.Context, vpn string) ([]Extent, error) {
	files, early, err := l.earlyFiles(ctx, vpn)
	if err != nil {
		return nil, err
	}
	if early {
		return extentsOf(files, vpn), nil
	}
	if err := l.wait(ctx); err != nil {
		return nil, err
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	var out []Extent
	for id, e := range l.streams {
		if id.VPNConnectionID != vpn {
			continue
		}
		out = append(out, *e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Stream.String() < out[j].Stream.String() })
	return out, nil
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func asErr(err error, target **Error) bool { return errors.As(err, target) }

// ipLess orders IP addresses numerically, falling back to text.
func ipLess(a, b string) bool {
	pa, ea := netip.ParseAddr(a)
	pb, eb := netip.ParseAddr(b)
	if ea == nil && eb == nil {
		return pa.Less(pb)
	}
	return a < b
}
