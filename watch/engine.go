// Package watch is `vpnlens watch`: it follows VPN connections' logs as
// they are written, finds incidents with the same engine the MCP tools use,
// and sends one consolidated report per incident (and an update when it
// recovers or its root cause changes) to stdout, a signed webhook, Slack or
// Amazon SNS. A small state file, written atomically, makes a restart lose
// and repeat nothing.
package watch

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// Defaults.
const (
	DefaultInterval     = 30 * time.Second
	DefaultSettle       = 30 * time.Second
	DefaultLookback     = time.Hour
	DefaultRecent       = 24 * time.Hour
	DefaultRetain       = 2 * time.Hour
	DefaultInventoryTTL = 5 * time.Minute
)

// Config is what an Engine needs.
type Config struct {
	Feed source.Feed
	// VPNs limits the watch to these connections (ids or Name tags);
	// empty means every connection the feed sees.
	VPNs []string
	// Interval between polls (default 30 s).
	Interval time.Duration
	// Settle is how long an incident is watched before its first report,
	// so that the BGP and IKE records of one event are all in (default
	// 30 s). Zero means the default; negative means none.
	Settle time.Duration
	// Lookback is how far back from now a first run reads (default 1 h):
	// incidents still under way there are reported, finished ones are
	// history. A feed that reads files from their start (local files) has
	// older records too: an incident that ended before the look-back start
	// is history however it ended, and one still under way in it is
	// reported from its real start.
	Lookback time.Duration
	// Recent is how long finished incidents stay listed (default 24 h).
	Recent time.Duration
	// Retain is how much of the record history is kept in memory beyond
	// what open incidents need (default 2 h).
	Retain time.Duration
	// InventoryTTL is how often the connection list is refreshed
	// (default 5 min; local files: every poll).
	InventoryTTL time.Duration
	// StatePath is the state file; empty keeps state in memory only.
	StatePath string
	Sinks     []Sink
	Delivery  DeliveryOptions
	Clock     Clock
	Logger    *slog.Logger
	// Location is the zone reports give local times in (default UTC).
	Location *time.Location
	// Region is named in reports (AWS source).
	Region string
	// OnReport is called with every report once it is queued for
	// delivery (serve mode turns it into MCP notifications). It must not
	// block.
	OnReport func(*Report)
	// AWSCauses is where the AWS-side causes of a drop are read (CloudTrail
	// changes of the connection, the tunnel's maintenance): a reported
	// incident names one the way diagnose_tunnel_drop does. Zero: none.
	AWSCauses investigate.AWSCauses
}

// Engine follows the feed, keeps state and queues reports.
type Engine struct {
	cfg  Config
	log  *slog.Logger
	disp *dispatcher

	mu        sync.Mutex
	st        *State
	conns     []source.Connection
	connsAt   time.Time
	bufs      map[string]*connBuf
	stats     Stats
	lastError string
	said      map[string]bool
	// aws holds what was read of the AWS side for each incident reported
	// (see awsCheck); in memory only: a restarted watch reads it again.
	aws map[*IncidentState]*awsCheck
	// stepMu serialises Step: the serve-mode resource may ask for one
	// while the loop runs another.
	stepMu sync.Mutex
}

// Stats counts what the engine did.
type Stats struct {
	Polls        int            `json:"polls"`
	PollErrors   int            `json:"poll_errors"`
	Calls        map[string]int `json:"api_calls"`
	Records      int64          `json:"records"`
	Malformed    int64          `json:"malformed_records"`
	Reports      int            `json:"reports"`
	Delivered    int            `json:"delivered"`
	DeliveryErrs int            `json:"delivery_errors"`
}

// connBuf is one connection's records in memory.
type connBuf struct {
	events []vpnlog.Event // sorted (see sortEvents)
	// keys maps each record held to its arrival number: records of one
	// stream with the same time keep the order they were logged in.
	keys map[uint64]uint64
	seq  uint64
	// full: records are complete (not only anomalies) from fullFrom on.
	full     bool
	fullFrom int64
	frontier int64
	// seen: this process has polled the connection at least once.
	seen bool
}

// New opens (or starts) the state and builds the engine.
func New(cfg Config) (*Engine, error) {
	if cfg.Feed == nil {
		return nil, errors.New("watch: no feed")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Settle == 0 {
		cfg.Settle = DefaultSettle
	} else if cfg.Settle < 0 {
		cfg.Settle = 0
	}
	if cfg.Lookback <= 0 {
		cfg.Lookback = DefaultLookback
	}
	if cfg.Recent <= 0 {
		cfg.Recent = DefaultRecent
	}
	if cfg.Retain <= 0 {
		cfg.Retain = DefaultRetain
	}
	if cfg.InventoryTTL <= 0 {
		cfg.InventoryTTL = DefaultInventoryTTL
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	cfg.Delivery = cfg.Delivery.withDefaults()
	e := &Engine{cfg: cfg, log: cfg.Logger, bufs: map[string]*connBuf{}, stats: Stats{Calls: map[string]int{}}, said: map[string]bool{},
		aws: map[*IncidentState]*awsCheck{}}
	src := cfg.Feed.Describe()
	if cfg.StatePath != "" {
		st, fresh, err := LoadState(cfg.StatePath, src)
		if err != nil {
			return nil, err
		}
		e.st = st
		if !fresh {
			e.log.Info("watch state loaded", "file", cfg.StatePath, "streams", len(st.Streams), "incidents", len(st.Incidents), "undelivered", len(st.Outbox))
		}
	} else {
		e.st = NewState(src)
	}
	e.disp = newDispatcher(e, cfg.Sinks, cfg.Delivery)
	// Reports queued for a sink that is no longer configured would sit in
	// the outbox for ever: say so and drop them.
	kept := e.st.Outbox[:0]
	for _, d := range e.st.Outbox {
		if e.disp.sinks[d.Sink] == nil {
			e.log.Warn("dropping a report queued for a sink that is not configured any more", "sink", d.Sink, "incident", d.Report.IncidentID, "event", d.Report.Event)
			continue
		}
		kept = append(kept, d)
	}
	e.st.Outbox = kept
	return e, nil
}

// Run polls every Interval until ctx ends, delivering in the background.
// A poll that fails is logged and retried at the next interval.
func (e *Engine) Run(ctx context.Context) error {
	dctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := e.disp.start(dctx)
	defer func() {
		stop()
		<-done
		e.mu.Lock()
		e.saveLocked()
		e.mu.Unlock()
	}()
	var lastErr string
	var lastSaid time.Time
	for {
		if err := e.Step(ctx); err != nil && ctx.Err() == nil {
			// A standing failure (access denied, no network) is said
			// when it changes and every 10 minutes, not every poll.
			if now := time.Now(); err.Error() != lastErr || now.Sub(lastSaid) >= 10*time.Minute {
				e.log.Error("watch poll failed; retrying at the next interval", "err", err, "interval", e.cfg.Interval)
				lastErr, lastSaid = err.Error(), now
			}
		} else if err == nil && lastErr != "" {
			e.log.Info("watch polls work again")
			lastErr = ""
		}
		select {
		case <-ctx.Done():
			return nil
		case <-e.cfg.Clock.After(e.cfg.Interval):
		}
	}
}

// Step is one poll: read what is new, update incidents, queue reports,
// save the state.
func (e *Engine) Step(ctx context.Context) error {
	e.stepMu.Lock()
	defer e.stepMu.Unlock()
	now := e.cfg.Clock.Now()
	conns, err := e.connections(ctx, now)
	if err != nil {
		e.noteError(err)
		return err
	}
	e.mu.Lock()
	since := now.Add(-e.cfg.Lookback).UnixMilli()
	wants := make([]source.Want, 0, len(conns))
	for i := range conns {
		c := &conns[i]
		b := e.buf(c.ID)
		wants = append(wants, source.Want{Conn: c, Full: b.full || e.cfg.Feed.Complete(), SinceMs: since})
	}
	cursors := e.st.Streams
	var hist *historyRule
	if e.cfg.Feed.Complete() {
		// The feed reads streams it has no cursor for from their start:
		// remember which ones it had, to tell the records it reads for the
		// first time.
		hist = &historyRule{beforeMs: since, known: make(map[string]bool, len(cursors))}
		for k := range cursors {
			hist.known[k] = true
		}
	}
	e.mu.Unlock()

	batch, err := e.cfg.Feed.Poll(ctx, now, wants, cursors)
	if err != nil {
		e.mu.Lock()
		e.stats.PollErrors++
		e.mu.Unlock()
		e.noteError(err)
		return err
	}
	if e.cfg.Feed.Complete() {
		// Local files: the connection list grows with the streams the
		// poll just found (when there is no vpn-connections.json).
		if conns, err = e.connections(ctx, now); err != nil {
			e.noteError(err)
			return err
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stats.Polls++
	e.account(batch)
	for _, n := range batch.Notes {
		if !e.said[n] { // a standing condition (logging disabled) is said once
			e.said[n] = true
			e.log.Warn("watch: " + n)
		}
	}
	byConn := map[string][]vpnlog.Event{}
	for i := range batch.Events {
		ev := &batch.Events[i]
		byConn[ev.VPNConnectionID] = append(byConn[ev.VPNConnectionID], *ev)
	}
	e.recheckAWS(ctx, now)
	var first []string // connections read for the first time
	for i := range conns {
		if e.st.Connections[conns[i].ID] == nil {
			first = append(first, conns[i].ID)
		}
	}
	for i := range conns {
		c := &conns[i]
		if err := e.stepConn(ctx, c, byConn[c.ID], batch.Frontier[c.ID], now, hist); err != nil {
			e.noteErrorLocked(err)
			e.saveLocked()
			return err
		}
	}
	if hist != nil {
		e.sayTooOld(first, hist.beforeMs)
	}
	e.pruneLocked()
	e.lastError = ""
	if err := e.saveLocked(); err != nil {
		return err
	}
	e.disp.kick()
	return nil
}

// connections refreshes the inventory when due and applies the filter.
func (e *Engine) connections(ctx context.Context, now time.Time) ([]source.Connection, error) {
	e.mu.Lock()
	due := e.conns == nil || e.cfg.Feed.Complete() || now.Sub(e.connsAt) >= e.cfg.InventoryTTL
	cached := e.conns
	e.mu.Unlock()
	if !due {
		return cached, nil
	}
	all, err := e.cfg.Feed.Connections(ctx)
	if err != nil {
		if cached != nil {
			e.log.Warn("watch: could not refresh the VPN connection list; using the previous one", "err", err)
			return cached, nil
		}
		return nil, err
	}
	var out []source.Connection
	if len(e.cfg.VPNs) == 0 {
		out = all
	} else {
		for _, want := range e.cfg.VPNs {
			found := false
			for _, c := range all {
				if c.ID == want || (c.Name != "" && strings.EqualFold(c.Name, want)) {
					out = append(out, c)
					found = true
					break
				}
			}
			if !found && !e.cfg.Feed.Complete() {
				e.log.Warn("watch: VPN connection not found (yet)", "vpn", want)
			}
		}
	}
	e.mu.Lock()
	e.conns, e.connsAt = out, now
	e.mu.Unlock()
	return out, nil
}

func (e *Engine) buf(vpn string) *connBuf {
	b := e.bufs[vpn]
	if b == nil {
		b = &connBuf{keys: map[uint64]uint64{}}
		if e.cfg.Feed.Complete() {
			b.full = true
		}
		e.bufs[vpn] = b
	}
	return b
}

func (e *Engine) account(b *source.Batch) {
	for op, n := range b.Calls {
		e.stats.Calls[op] += n
	}
	e.stats.Records += int64(len(b.Events))
	e.stats.Malformed += b.Report.MalformedCount
	for _, m := range b.Report.Malformed {
		e.log.Warn("watch: malformed record skipped", "file", m.File, "line", m.Line, "reason", m.Reason, "sample", m.Sample)
	}
	if n := b.Report.MalformedCount - int64(len(b.Report.Malformed)); n > 0 {
		e.log.Warn("watch: more malformed records skipped", "count", n)
	}
}

// keySeed seeds eventKey; keys live in memory only, never in the state
// file, so one seed per process will do.
var keySeed = maphash.MakeSeed()

// eventKey identifies a record: its stream, time and text. It is computed
// for every record a poll brings and every record trimmed, so it hashes
// without formatting or allocating.
func eventKey(ev *vpnlog.Event) uint64 {
	var h maphash.Hash
	h.SetSeed(keySeed)
	h.WriteString(ev.VPNConnectionID)
	h.WriteByte(0)
	h.WriteString(ev.TunnelIP)
	var n [9]byte
	n[0] = byte(ev.Stream)
	binary.LittleEndian.PutUint64(n[1:], uint64(ev.TimeMs))
	h.Write(n[:])
	h.WriteString(ev.Raw)
	return h.Sum64()
}

// merge adds records not seen before; it reports the new ones.
func (b *connBuf) merge(evs []vpnlog.Event) []vpnlog.Event {
	var fresh []vpnlog.Event
	for i := range evs {
		k := eventKey(&evs[i])
		if _, ok := b.keys[k]; ok {
			continue
		}
		b.seq++
		b.keys[k] = b.seq
		fresh = append(fresh, evs[i])
	}
	if len(fresh) > 0 {
		b.insert(fresh)
	}
	return fresh
}

// insert places fresh records into the buffer so that its order does not
// depend on the polls they arrived in: by time, then stream, then (same
// stream, same time) the order they were logged in; then as the timeline
// orders them (correlate.SortEvents). SortEvents orders second by second,
// so only the seconds from the earliest fresh record on are ordered again:
// a poll brings mostly the newest records, and sorting the whole buffer at
// every poll made a day of watching at real density (the liveness exchange
// every ~10 s) take minutes.
func (b *connBuf) insert(fresh []vpnlog.Event) {
	sec := fresh[0].TimeMs
	for i := range fresh {
		sec = min(sec, fresh[i].TimeMs)
	}
	sec -= sec % 1000 // record times are after 2020, never negative
	from := sort.Search(len(b.events), func(i int) bool { return b.events[i].TimeMs >= sec })
	tail := make([]vpnlog.Event, 0, len(b.events)-from+len(fresh))
	tail = append(append(tail, b.events[from:]...), fresh...)
	seqs := make([]uint64, len(tail))
	idx := make([]int, len(tail))
	for i := range tail {
		seqs[i] = b.keys[eventKey(&tail[i])]
		idx[i] = i
	}
	sort.Slice(idx, func(x, y int) bool {
		a, c := &tail[idx[x]], &tail[idx[y]]
		if a.TimeMs != c.TimeMs {
			return a.TimeMs < c.TimeMs
		}
		if a.TunnelIP != c.TunnelIP {
			return a.TunnelIP < c.TunnelIP
		}
		if a.Stream != c.Stream {
			return a.Stream < c.Stream
		}
		return seqs[idx[x]] < seqs[idx[y]]
	})
	b.events = b.events[:from]
	for _, j := range idx {
		b.events = append(b.events, tail[j])
	}
	correlate.SortEvents(b.events[from:])
}

// trim drops records before cutoff.
func (b *connBuf) trim(cutoff int64) {
	i := sort.Search(len(b.events), func(i int) bool { return b.events[i].TimeMs >= cutoff })
	if i == 0 {
		return
	}
	// Records are unique in the buffer (merge keeps one per key), so the
	// dropped ones' keys go with them.
	for j := range i {
		delete(b.keys, eventKey(&b.events[j]))
	}
	b.events = b.events[i:]
	// Copy once the dropped head holds more than the records kept, so its
	// memory is freed without copying the buffer at every trim.
	if cap(b.events) > 2*len(b.events)+1024 {
		b.events = append([]vpnlog.Event(nil), b.events...)
	}
	if b.fullFrom < cutoff {
		b.fullFrom = cutoff
	}
}

// finished: a down incident that recovered, or a session-up one that has
// been quiet for correlate.QuietPeriod by frontier.
func finished(in *correlate.Incident, frontier int64) bool {
	if in.Down {
		return in.Recovered
	}
	return frontier-in.EndMs > correlate.QuietPeriod.Milliseconds()
}

// historyRule tells, on a feed that reads a stream it has no cursor for
// from its start (local files: Feed.Complete), the incidents that are
// history: records older than the look-back start are there for the story
// of an incident still under way at that time, not to be reported.
type historyRule struct {
	beforeMs int64           // the look-back start: now − Lookback
	known    map[string]bool // stream cursors before the poll
}

// before reports an incident of records read for the first time (a first
// run, or a tunnel whose streams are new) that ended before the look-back
// start: history, whether it ended or its records do (an export).
func (h *historyRule) before(in *correlate.Incident, initializing bool) bool {
	if h == nil || in.EndMs >= h.beforeMs {
		return false
	}
	if initializing {
		return true
	}
	for _, k := range []vpnlog.StreamKind{vpnlog.StreamIKE, vpnlog.StreamBGP} {
		if h.known[vpnlog.StreamID{VPNConnectionID: in.VPNConnectionID, TunnelIP: in.TunnelIP, Kind: k}.String()] {
			return false
		}
	}
	return true
}

// sayTooOld says, once, that connections read for the first time have no
// record since the look-back start (an export): nothing of them is
// reported, and why.
func (e *Engine) sayTooOld(first []string, sinceMs int64) {
	var old []string
	var newest int64
	for _, id := range first {
		b := e.bufs[id]
		if b == nil || b.frontier <= 0 || b.frontier >= sinceMs {
			continue
		}
		old = append(old, id)
		newest = max(newest, b.frontier)
	}
	if len(old) == 0 {
		return
	}
	e.log.Warn("watch: the newest record is older than the look-back start: nothing is reported as under way "+
		"(the incidents are listed as history); a longer --lookback reaches further back",
		"newest_record", correlate.FormatMs(newest), "lookback_start", correlate.FormatMs(sinceMs), "lookback", e.cfg.Lookback, "connections", old)
}

// unfinished lists the incidents of a connection still to be followed.
func (e *Engine) unfinished(vpn string) []*IncidentState {
	var out []*IncidentState
	for _, s := range e.st.Incidents {
		if s.VPNConnectionID == vpn && s.Status != StatusHistory && !s.Finished {
			out = append(out, s)
		}
	}
	return out
}

// stepConn folds one connection's new records in and acts on its incidents.
func (e *Engine) stepConn(ctx context.Context, c *source.Connection, evs []vpnlog.Event, frontier int64, now time.Time, hist *historyRule) error {
	b := e.buf(c.ID)
	cs := e.st.Connections[c.ID]
	initializing := cs == nil
	if cs == nil {
		cs = &ConnState{}
		e.st.Connections[c.ID] = cs
	}
	fresh := b.merge(evs)
	for i := range fresh {
		b.frontier = max(b.frontier, fresh[i].TimeMs)
	}
	b.frontier = max(b.frontier, frontier)
	open := e.unfinished(c.ID)

	// Anomalies-only feeds: an incident needs every record around it.
	if !b.full {
		anchor := int64(-1)
		if incs := correlate.FindIncidents(fresh); len(incs) > 0 {
			anchor = incs[0].StartMs
		}
		for _, s := range open {
			if anchor < 0 || s.StartMs < anchor {
				anchor = s.StartMs
			}
		}
		if anchor >= 0 {
			from := time.UnixMilli(anchor).Add(-investigate.QuietLead)
			fb, err := e.cfg.Feed.Fetch(ctx, c, from, now)
			if err != nil {
				return err
			}
			e.account(fb)
			b.merge(fb.Events)
			b.full, b.fullFrom = true, from.UnixMilli()
			e.log.Info("watch: trouble on a connection: reading all its records", "vpn", c.ID, "from", correlate.FormatUTC(from))
		}
	}
	b.seen = true
	if b.full {
		if err := e.analyze(ctx, c, b, cs, initializing, hist, now); err != nil {
			return err
		}
	} else if initializing {
		cs.DoneBeforeMs = max(cs.DoneBeforeMs, b.frontier-correlate.QuietPeriod.Milliseconds())
	}
	// Advance the watermark: everything before it is dealt with.
	mark := b.frontier - correlate.QuietPeriod.Milliseconds()
	for _, s := range e.unfinished(c.ID) {
		mark = min(mark, s.StartMs)
	}
	cs.DoneBeforeMs = max(cs.DoneBeforeMs, mark)

	// Keep what open incidents need, and Retain more.
	cutoff := b.frontier - e.cfg.Retain.Milliseconds()
	for _, s := range e.unfinished(c.ID) {
		cutoff = min(cutoff, s.StartMs-investigate.QuietLead.Milliseconds())
	}
	if b.full && !e.cfg.Feed.Complete() && len(e.unfinished(c.ID)) == 0 && !b.troubleSince(b.frontier-correlate.QuietPeriod.Milliseconds()) {
		// Back to anomalies only: nothing is open on this connection.
		b.full = false
		e.log.Info("watch: connection healthy again: back to reading anomalies only", "vpn", c.ID)
	}
	b.trim(cutoff)
	return nil
}

// troubleSince reports a troubling record at or after ms.
func (b *connBuf) troubleSince(ms int64) bool {
	i := sort.Search(len(b.events), func(i int) bool { return b.events[i].TimeMs >= ms })
	return len(correlate.FindIncidents(b.events[i:])) > 0
}

// analyze finds the connection's incidents and says what is new.
func (e *Engine) analyze(ctx context.Context, c *source.Connection, b *connBuf, cs *ConnState, initializing bool, hist *historyRule, now time.Time) error {
	i := sort.Search(len(b.events), func(i int) bool { return b.events[i].TimeMs >= b.fullFrom })
	evs := b.events[i:]
	incs := correlate.FindIncidents(evs)
	var held *source.Connection
	for k := range incs {
		in := &incs[k]
		st := e.match(in)
		if st == nil && in.BringingUp && b.frontier-in.StartMs <= correlate.BringUpGrace.Milliseconds() {
			// A tunnel's first bring-up under way: an incident only if
			// it is not up in time (correlate.BringUpGrace). Wait; once
			// the frontier (every record up to it is in) is past that,
			// it did not come up.
			continue
		}
		if st == nil {
			switch {
			case initializing && finished(in, b.frontier), hist.before(in, initializing):
				// Over before watching began, or before the look-back of
				// records read for the first time: listed
				// (vpn://incidents), never reported.
				if held == nil {
					held = heldConnection(c, evs)
				}
				dg := e.diagnose(held, in, evs)
				r := buildReport(EventOpened, in, dg, c, nil, e.cfg.Region, e.cfg.Location, now, true)
				e.st.Incidents[in.ID] = &IncidentState{ID: in.ID, VPNConnectionID: in.VPNConnectionID, TunnelIP: in.TunnelIP,
					StartMs: in.StartMs, EndMs: in.EndMs, Status: StatusHistory, FirstSeen: now.UTC(), Down: in.Down, Recovered: in.Down && in.Recovered,
					Resolved: !in.Down, RootCause: dg.RootCause.Category, Confidence: dg.RootCause.Confidence, Severity: r.Severity, Title: r.Title}
				continue
			case cs.DoneBeforeMs > 0 && in.EndMs < cs.DoneBeforeMs && finished(in, cs.DoneBeforeMs):
				continue // dealt with before a restart
			}
			st = &IncidentState{ID: in.ID, VPNConnectionID: in.VPNConnectionID, TunnelIP: in.TunnelIP, StartMs: in.StartMs, EndMs: in.EndMs,
				Status: StatusPending, FirstSeen: now.UTC(), InProgress: initializing}
			e.st.Incidents[in.ID] = st
			e.log.Info("watch: incident seen; reporting after the settle delay", "incident", in.ID, "settle", e.cfg.Settle)
		}
		if st.Status == StatusHistory || st.Finished {
			st.EndMs = max(st.EndMs, in.EndMs)
			continue
		}
		if st.ID != in.ID {
			// Earlier records arrived: the incident starts before where
			// it was first seen, and its id (the start) moves with it.
			delete(e.st.Incidents, st.ID)
			if st.Status == StatusReported {
				st.PreviousIDs = append(st.PreviousIDs, st.ID)
			}
			st.ID = in.ID
			e.st.Incidents[in.ID] = st
		}
		st.StartMs, st.EndMs = in.StartMs, in.EndMs
		if st.Status == StatusPending && now.Sub(st.FirstSeen) < e.cfg.Settle {
			continue
		}
		if held == nil {
			held = heldConnection(c, evs)
		}
		dg := e.diagnose(held, in, evs)
		openFailover(dg, in, c, evs)
		e.attribute(ctx, st, c, in, dg, now)
		done := finished(in, b.frontier)
		var event string
		switch {
		case st.Status == StatusPending:
			event = EventOpened
		case in.Down && in.Recovered && !st.Recovered:
			event = EventRecovered
		case !in.Down && done && !st.Resolved:
			event = EventResolved
		case in.Down && !st.Down:
			event = EventEscalated
		case dg.RootCause.Category != st.RootCause:
			event = EventRootCauseChanged
		default:
			continue
		}
		e.report(event, in, dg, c, st, now, done)
	}
	return nil
}

// report queues a report of an incident and records what it said.
func (e *Engine) report(event string, in *correlate.Incident, dg *investigate.DiagnoseResult, c *source.Connection, st *IncidentState, now time.Time, done bool) {
	r := buildReport(event, in, dg, c, st, e.cfg.Region, e.cfg.Location, now, done)
	if st.RootCause != "" && st.RootCause != dg.RootCause.Category {
		r.PreviousRootCause = &PreviousCause{Category: st.RootCause, Confidence: st.Confidence}
		r.Title = title(r, in, done)
	}
	r.PreviousIDs = append([]string(nil), st.PreviousIDs...)
	st.Sequence++
	r.Sequence = st.Sequence
	st.Status = StatusReported
	if st.ReportedAt.IsZero() {
		st.ReportedAt = now.UTC()
	}
	st.RootCause, st.Confidence = dg.RootCause.Category, dg.RootCause.Confidence
	st.Down, st.Recovered = in.Down, in.Down && in.Recovered
	st.Resolved = !in.Down && done
	st.Finished = done
	st.Severity, st.Title = r.Severity, r.Title
	e.queue(r, now)
}

// match finds what the state knows about an incident: the same id, or one
// on the same tunnel whose time span overlaps (its start moved).
func (e *Engine) match(in *correlate.Incident) *IncidentState {
	if st := e.st.Incidents[in.ID]; st != nil {
		return st
	}
	var best *IncidentState
	for _, st := range e.st.Incidents {
		if st.VPNConnectionID != in.VPNConnectionID || st.TunnelIP != in.TunnelIP {
			continue
		}
		if in.StartMs <= st.EndMs && st.StartMs <= in.EndMs && (best == nil || st.StartMs < best.StartMs) {
			best = st
		}
	}
	return best
}

// heldConnection is c as the diagnosis should see it: tunnels with records
// count as logged whatever the inventory says (--log-group set-ups deliver
// logs the tunnel options do not name).
func heldConnection(c *source.Connection, evs []vpnlog.Event) *source.Connection {
	conn := *c
	conn.Tunnels = append([]source.Tunnel(nil), c.Tunnels...)
	has := map[string]map[vpnlog.StreamKind]bool{}
	for i := range evs {
		if has[evs[i].TunnelIP] == nil {
			has[evs[i].TunnelIP] = map[vpnlog.StreamKind]bool{}
		}
		has[evs[i].TunnelIP][evs[i].Stream] = true
	}
	for i := range conn.Tunnels {
		t := &conn.Tunnels[i]
		t.Logging.IKEEnabled = t.Logging.IKEEnabled || has[t.OutsideIP][vpnlog.StreamIKE]
		t.Logging.BGPEnabled = t.Logging.BGPEnabled || has[t.OutsideIP][vpnlog.StreamBGP]
	}
	return &conn
}

// diagnose explains an incident the engine found, from the records it
// holds: the same answer diagnose_tunnel_drop gives about those records.
func (e *Engine) diagnose(conn *source.Connection, in *correlate.Incident, evs []vpnlog.Event) *investigate.DiagnoseResult {
	res := investigate.ExplainHeld(conn, evs, in, time.UTC)
	return &res
}

// queue puts a report in the outbox, one delivery per sink.
func (e *Engine) queue(r *Report, now time.Time) {
	e.stats.Reports++
	for _, name := range e.disp.order {
		e.st.Outbox = append(e.st.Outbox, &Delivery{ID: fmt.Sprintf("%s#%d", r.IncidentID, r.Sequence), Sink: name, Report: r,
			CreatedAt: now.UTC(), NextAttemptAt: now.UTC()})
	}
	e.log.Info("watch: report", "event", r.Event, "incident", r.IncidentID, "severity", r.Severity, "root_cause", r.RootCause.Category, "title", r.Title)
	if e.cfg.OnReport != nil {
		e.cfg.OnReport(r)
	}
}

// pruneLocked forgets finished incidents once they are older than Recent
// and behind their connection's watermark (which keeps them from being
// reported again).
func (e *Engine) pruneLocked() {
	for id, s := range e.st.Incidents {
		if s.Status != StatusHistory && !s.Finished {
			continue
		}
		b := e.bufs[s.VPNConnectionID]
		cs := e.st.Connections[s.VPNConnectionID]
		if b == nil || cs == nil {
			continue
		}
		if s.EndMs < b.frontier-e.cfg.Recent.Milliseconds() && s.EndMs < cs.DoneBeforeMs {
			delete(e.st.Incidents, id)
		}
	}
	for st, chk := range e.aws {
		if e.st.Incidents[st.ID] != st || st.Finished && !chk.due() {
			delete(e.aws, st)
		}
	}
}

func (e *Engine) saveLocked() error {
	if e.cfg.StatePath == "" {
		return nil
	}
	if err := e.st.Save(e.cfg.StatePath, e.cfg.Clock.Now()); err != nil {
		e.log.Error("watch: could not save the state file", "file", e.cfg.StatePath, "err", err)
		return err
	}
	return nil
}

func (e *Engine) noteError(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.noteErrorLocked(err)
}

func (e *Engine) noteErrorLocked(err error) { e.lastError = err.Error() }

// Stats returns what the engine did so far.
func (e *Engine) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.stats
	s.Calls = map[string]int{}
	for k, v := range e.stats.Calls {
		s.Calls[k] = v
	}
	return s
}

// openFailover completes the failover verdict of an incident still under
// way: the diagnosis counts the other tunnel's route updates up to this
// tunnel's last record, which, while it is down and silent, leaves out the
// failover happening right now. Route updates on the other tunnel since
// this one went down show it carrying the traffic.
func openFailover(dg *investigate.DiagnoseResult, in *correlate.Incident, c *source.Connection, evs []vpnlog.Event) {
	if !in.Down || in.Recovered || !strings.HasPrefix(dg.Impact.Failover, "likely") {
		return
	}
	for i := range dg.OtherTunnels {
		o := &dg.OtherTunnels[i]
		if o.State == "down" {
			continue
		}
		n := 0
		for j := range evs {
			ev := &evs[j]
			if ev.TunnelIP == o.Tunnel && ev.TimeMs >= in.DownMs &&
				(ev.Category == catalog.RouteAdvertised || ev.Category == catalog.RouteUpdated || ev.Category == catalog.BGPUpdateReceived) {
				n++
			}
		}
		if n > o.RouteUpdates {
			o.RouteUpdates = n
			dg.Impact.Failover = fmt.Sprintf("worked: tunnel %d (%s) stayed up and kept exchanging routes (%d route updates)", o.TunnelNumber, o.Tunnel, n)
		}
	}
}
