package source

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/netip"
	"os"
	"path"
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

// Local serves exported logs from a directory (--logs-dir) or an embedded
// file system (--demo). Everything is read once at open: local data sets are
// small next to what CloudWatch holds, and every later question is then
// answered from memory.
type Local struct {
	name   string
	logger *slog.Logger

	mu          sync.RWMutex
	conns       []Connection
	inventoryOK bool // connections came from vpn-connections.json
	streams     map[vpnlog.StreamID][]vpnlog.Event
	report      vpnlog.Report
	unplaced    int64 // records whose VPN connection could not be told
}

// OpenDir loads a --logs-dir directory.
func OpenDir(dir string, logger *slog.Logger) (*Local, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, &Error{Op: "open logs directory", Cause: "NotFound", Msg: fmt.Sprintf("cannot open logs directory %s: %v", dir, err), Err: err}
	}
	if !st.IsDir() {
		return nil, &Error{Op: "open logs directory", Cause: "NotADirectory", Msg: fmt.Sprintf("--logs-dir %s is not a directory", dir)}
	}
	return OpenFS(os.DirFS(dir), dir, logger)
}

// OpenFS loads logs from a file system; name labels it in reports.
func OpenFS(fsys fs.FS, name string, logger *slog.Logger) (*Local, error) {
	if logger == nil {
		logger = slog.Default()
	}
	l := &Local{name: name, logger: logger, streams: map[vpnlog.StreamID][]vpnlog.Event{}}
	if err := l.load(fsys); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *Local) load(fsys fs.FS) error {
	rep := vpnlog.Report{ByCategory: map[catalog.Category]int64{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		base := d.Name()
		if strings.HasPrefix(base, ".") && p != "." {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if base == InventoryFileName {
			f, err := fsys.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			conns, err := ParseDescribeVpnConnections(f)
			if err != nil {
				return &Error{Op: "read inventory", Cause: "BadInventory", Msg: fmt.Sprintf("%s: %v", path.Join(l.name, p), err), Err: err}
			}
			l.conns, l.inventoryOK = conns, true
			return nil
		}
		if strings.EqualFold(path.Ext(base), ".md") {
			return nil // notes that travel with exported logs
		}
		f, err := fsys.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		// The reader infers the stream from the path's file and folder names.
		return vpnlog.ReadRecords(f, vpnlog.ReadOptions{Name: path.Join(l.name, p)}, &rep, func(ev *vpnlog.Event) error {
			if ev.VPNConnectionID == "" || ev.TunnelIP == "" {
				l.unplaced++
				return nil
			}
			id := vpnlog.StreamID{VPNConnectionID: ev.VPNConnectionID, TunnelIP: ev.TunnelIP, Kind: ev.Stream}
			l.streams[id] = append(l.streams[id], *ev)
			return nil
		})
	})
	if err != nil {
		var se *Error
		if asErr(err, &se) {
			return err
		}
		return &Error{Op: "read logs", Cause: "ReadFailed", Msg: fmt.Sprintf("reading %s: %v", l.name, err), Err: err}
	}
	for id, evs := range l.streams {
		correlate.SortEvents(evs)
		l.streams[id] = evs
	}
	l.report = rep
	if !l.inventoryOK {
		ids := make([]vpnlog.StreamID, 0, len(l.streams))
		for id := range l.streams {
			ids = append(ids, id)
		}
		l.conns = InferConnections(ids)
	}
	l.logger.Info("logs loaded", "source", l.name, "records", rep.Records, "malformed", rep.MalformedCount,
		"unknown", rep.UnknownCount, "streams", len(l.streams), "connections", len(l.conns), "unplaced", l.unplaced)
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
	return nil
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
	l.mu.RLock()
	defer l.mu.RUnlock()
	out := make([]Connection, len(l.conns))
	copy(out, l.conns)
	return out, nil
}

// Report returns what loading read: records, malformed and unknown counts.
func (l *Local) Report() vpnlog.Report {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.report
}

// LoadReport implements LoadReporter: what loading read, where the
// malformed records are, and how many records name no connection.
func (l *Local) LoadReport() LoadReport {
	l.mu.RLock()
	defer l.mu.RUnlock()
	rep := l.report
	rep.Malformed = append([]vpnlog.Malformed(nil), rep.Malformed...)
	rep.UnknownSamples = append([]vpnlog.Malformed(nil), rep.UnknownSamples...)
	return LoadReport{Source: l.name, Report: rep, Streams: len(l.streams), Unplaced: l.unplaced}
}

// Logs implements LogSource.
func (l *Local) Logs(ctx context.Context, q LogQuery) (*LogResult, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	startMs, endMs := q.Start.UnixMilli(), q.End.UnixMilli()
	if q.End.IsZero() {
		endMs = 1<<63 - 1
	}
	res := &LogResult{Path: "local files (" + l.name + ")"}
	for id, evs := range l.streams {
		if !q.Wants(id) {
			continue
		}
		lo := sort.Search(len(evs), func(i int) bool { return evs[i].TimeMs >= startMs })
		for i := lo; i < len(evs) && evs[i].TimeMs < endMs; i++ {
			if q.AnomaliesOnly && !evs[i].Anomaly {
				continue
			}
			res.Events = append(res.Events, evs[i])
		}
	}
	correlate.SortEvents(res.Events)
	res.Report = l.report
	if l.report.MalformedCount > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d malformed record(s) in %s could not be read; %s lists where they are", l.report.MalformedCount, l.name, LoadReportURI))
	}
	if l.unplaced > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d record(s) in %s name no VPN connection (no logStreamName, file name or resource_id) and are not attributed to any tunnel", l.unplaced, l.name))
	}
	return res, ctx.Err()
}

// Extents implements LogSource.
func (l *Local) Extents(ctx context.Context, vpn string) ([]Extent, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	var out []Extent
	for id, evs := range l.streams {
		if id.VPNConnectionID != vpn || len(evs) == 0 {
			continue
		}
		out = append(out, Extent{Stream: id, First: time.UnixMilli(evs[0].TimeMs).UTC(), Last: time.UnixMilli(evs[len(evs)-1].TimeMs).UTC(), Count: int64(len(evs))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Stream.String() < out[j].Stream.String() })
	return out, nil
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
