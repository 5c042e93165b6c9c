package fakeaws

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/vpnlens/vpnlens/vpnlog"
)

// event is one stored log event.
type event struct {
	ts  int64 // ms
	msg string
}

// logStream is a stream of events in time order. A stream with repeat > 1
// replays its events every period ms (synthetic fleets reuse one day of
// records for a month without holding a month in memory).
type logStream struct {
	name    string
	events  []event
	repeat  int
	period  int64
	created int64
}

func (st *logStream) reps() int { return max(st.repeat, 1) }

// count is the number of events the stream holds.
func (st *logStream) count() int { return len(st.events) * st.reps() }

// at returns the i-th event in time order.
func (st *logStream) at(i int) event {
	n := len(st.events)
	e := st.events[i%n]
	e.ts += int64(i/n) * st.period
	return e
}

// first and last event times; ok is false for an empty stream.
func (st *logStream) bounds() (first, last int64, ok bool) {
	if len(st.events) == 0 {
		return 0, 0, false
	}
	return st.at(0).ts, st.at(st.count() - 1).ts, true
}

// search returns the index of the first event at or after ts.
func (st *logStream) search(ts int64) int {
	return sort.Search(st.count(), func(i int) bool { return st.at(i).ts >= ts })
}

type logGroup struct {
	name    string
	streams map[string]*logStream
}

func (s *Server) group(name string) *logGroup {
	g := s.groups[name]
	if g == nil {
		g = &logGroup{name: name, streams: map[string]*logStream{}}
		s.groups[name] = g
	}
	return g
}

// AddLogGroup creates an empty log group.
func (s *Server) AddLogGroup(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.group(name)
}

// AddStream stores messages (with their times in ms) in a stream of a log
// group, creating both as needed. Events are kept in time order.
func (s *Server) AddStream(group, stream string, times []int64, messages []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.group(group).streams[stream]
	if st == nil {
		st = &logStream{name: stream}
		s.group(group).streams[stream] = st
	}
	for i := range times {
		st.events = append(st.events, event{ts: times[i], msg: messages[i]})
	}
	sort.SliceStable(st.events, func(i, j int) bool { return st.events[i].ts < st.events[j].ts })
	if len(st.events) > 0 {
		st.created = st.events[0].ts
	}
}

// GroupName turns a log group ARN ("arn:aws:logs:r:acct:log-group:NAME:*")
// into its name; a name is returned as is.
func GroupName(arnOrName string) string {
	if i := strings.Index(arnOrName, ":log-group:"); i >= 0 {
		arnOrName = arnOrName[i+len(":log-group:"):]
	}
	return strings.TrimSuffix(arnOrName, ":*")
}

// DefaultGroup holds streams whose tunnel names no log group.
const DefaultGroup = "vpn-logs"

// LoadDir loads a --logs-dir directory: vpn-connections.json becomes the
// EC2 inventory, cloudtrail-events.json CloudTrail's events,
// tunnel-metrics.json the CloudWatch metrics, tunnel-active-status.json
// and tunnel-maintenance.json what GetActiveVpnTunnelStatus and
// GetVpnTunnelReplacementStatus answer, every other file (notes .md and
// expected.json excepted) one stream named after the file (as AWS names them, "<vpn-id>_<ip>-IKE.log";
// a gzipped file's ".gz" is not part of the name), each line one event
// dated by the record's own time. A stream goes to the log group its tunnel's
// log options name for its kind, else to DefaultGroup.
func (s *Server) LoadDir(dir string) error {
	fsys := os.DirFS(dir)
	if b, err := fs.ReadFile(fsys, "vpn-connections.json"); err == nil {
		if err := s.LoadInventoryJSON(b); err != nil {
			return err
		}
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if name == "cloudtrail-events.json" {
			b, err := fs.ReadFile(fsys, name)
			if err != nil {
				return err
			}
			if err := s.LoadTrailJSON(b); err != nil {
				return err
			}
			continue
		}
		if name == vpnlog.TunnelActiveStatusFile || name == vpnlog.TunnelMaintenanceFile {
			b, err := fs.ReadFile(fsys, name)
			if err != nil {
				return err
			}
			load := s.LoadActiveStatusJSON
			if name == vpnlog.TunnelMaintenanceFile {
				load = s.LoadMaintenanceJSON
			}
			if err := load(b); err != nil {
				return err
			}
			continue
		}
		if name == "tunnel-metrics.json" {
			b, err := fs.ReadFile(fsys, name)
			if err != nil {
				return err
			}
			if err := s.LoadMetricsJSON(b); err != nil {
				return err
			}
			continue
		}
		if e.IsDir() || vpnlog.IsSideFile(name) || name == "expected.json" || strings.EqualFold(path.Ext(name), ".md") || strings.HasPrefix(name, ".") {
			continue
		}
		id, ok := vpnlog.ParseStreamName(name)
		if !ok || id.TunnelIP == "" || id.Kind == vpnlog.StreamUnknown {
			return fmt.Errorf("fakeaws: %s: not a stream file (<vpn-id>_<ip>-IKE.log / -BGP.log)", name)
		}
		f, err := fsys.Open(name)
		if err != nil {
			return err
		}
		var times []int64
		var msgs []string
		var rep vpnlog.Report
		err = vpnlog.ReadRecords(f, vpnlog.ReadOptions{Name: name, Stream: id}, &rep, func(ev *vpnlog.Event) error {
			times = append(times, ev.TimeMs)
			msgs = append(msgs, ev.Raw)
			return nil
		})
		f.Close()
		if err != nil {
			return err
		}
		if rep.MalformedCount > 0 {
			return fmt.Errorf("fakeaws: %s: %d malformed records", name, rep.MalformedCount)
		}
		s.AddStream(s.groupFor(id), strings.TrimSuffix(name, ".gz"), times, msgs)
	}
	return nil
}

// groupFor names the log group the inventory sends a stream to.
func (s *Server) groupFor(id vpnlog.StreamID) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		if c.VpnConnectionId != id.VPNConnectionID || c.Options == nil {
			continue
		}
		for _, t := range c.Options.TunnelOptions {
			if t.OutsideIpAddress != id.TunnelIP || t.LogOptions == nil || t.LogOptions.CloudWatchLogOptions == nil {
				continue
			}
			cw := t.LogOptions.CloudWatchLogOptions
			if id.Kind == vpnlog.StreamBGP && cw.BgpLogGroupArn != "" {
				return GroupName(cw.BgpLogGroupArn)
			}
			if id.Kind == vpnlog.StreamIKE && cw.LogGroupArn != "" {
				return GroupName(cw.LogGroupArn)
			}
		}
	}
	return DefaultGroup
}
