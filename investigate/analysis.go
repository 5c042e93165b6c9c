package investigate

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// livenessMode says how an analysis reads the liveness exchange (see
// vpnlog.IsLiveness): counted by the source, or read as records. Only an
// answer that lists every record needs it read; it is most of a healthy
// tunnel's log, and no incident, cause or figure rests on one of them.
type livenessMode int

const (
	livenessCounted livenessMode = iota
	livenessListed
)

// livenessOf sums the counted liveness exchange of a tunnel ("" for all):
// how many records, and the first and last of them.
func (a *analysis) livenessOf(tunnelIP string) (n, firstMs, lastMs int64) {
	for _, c := range a.liveness {
		if tunnelIP != "" && c.Stream.TunnelIP != tunnelIP {
			continue
		}
		if n == 0 || c.FirstMs < firstMs {
			firstMs = c.FirstMs
		}
		lastMs = max(lastMs, c.LastMs)
		n += c.Count
	}
	return n, firstMs, lastMs
}

// analysis is a connection's classified timeline for a window, with its
// incidents: the shared ground of the timeline, diagnosis and health tools.
//
// events holds the window's records only. After analyzeSettled, an
// incident running at either edge of the window has been followed into
// the logs beyond it, so its id, start, root cause, status, end, recovery
// and time to recover are the real ones, not the window's cut-offs; the
// diagnoser sees those records too.
type analysis struct {
	conn      *source.Connection
	start     time.Time
	end       time.Time
	res       *source.LogResult
	events    []vpnlog.Event
	incidents []correlate.Incident
	// liveness is the window's liveness exchange when it was counted
	// (livenessCounted), not read: then it is in neither events nor all.
	liveness []source.LivenessCount
	mode     livenessMode

	// all is events plus the records read before and after the window to
	// settle its incidents, from readStart to readEnd.
	all                []vpnlog.Event
	readStart, readEnd time.Time
	// logsStart and logsEnd are the oldest and newest records of the
	// connection when settling needed them (zero otherwise).
	logsStart, logsEnd time.Time

	diagnoserOnce sync.Once
	diagnoser     *correlate.Diagnoser
}

func (svc *Service) analyze(ctx context.Context, conn *source.Connection, start, end time.Time, mode livenessMode) (*analysis, error) {
	res, err := svc.Logs.Logs(ctx, source.LogQuery{VPNConnectionID: conn.ID, Start: start, End: end, CountLiveness: mode == livenessCounted})
	if err != nil {
		return nil, err
	}
	a := &analysis{conn: conn, start: start, end: end, res: res, events: res.Events, all: res.Events, readStart: start, readEnd: end,
		liveness: res.Liveness, mode: mode}
	a.incidents = correlate.FindIncidents(a.events)
	return a, nil
}

// analyzeSettled is analyze for answers that present a window's incidents
// (the timeline): incidents running at the window's edges are followed
// (see settle) so they are the real ones. Figures bounded by the window
// (uptime, recoveries within it) want analyze's cut-offs instead.
func (svc *Service) analyzeSettled(ctx context.Context, conn *source.Connection, start, end time.Time, mode livenessMode) (*analysis, error) {
	a, err := svc.analyze(ctx, conn, start, end, mode)
	if err != nil {
		return nil, err
	}
	if err := svc.settle(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}

// settleBackFirst is the first span read before a window to find where an
// incident running at its start began; it doubles up to FollowMax.
const settleBackFirst = time.Hour

// settle reads beyond the window's edges, the span doubling each time up
// to FollowMax (as diagnose_tunnel_drop does), while the logs go on:
//
//   - back, while an incident of the window begins within QuietPeriod of
//     where the read begins: it may have begun earlier, and a window that
//     starts inside an outage must not present its first record in the
//     window as the outage's start and cause (nor give it an id no other
//     answer knows);
//   - on, while an incident of the window is still open where the read
//     ends: a window that ends inside an outage must not present it as
//     unresolved when the logs say it recovered an hour later.
//
// Records outside the window only settle the incidents; they never become
// the window's events.
func (svc *Service) settle(ctx context.Context, a *analysis) error {
	if !a.beganNearReadStart() && !a.openAtReadEnd() {
		return nil
	}
	first, last, _, err := svc.extents(ctx, a.conn.ID)
	if err != nil {
		return err
	}
	a.logsStart, a.logsEnd = first, last
	var before, after []string
	read := func(from, to time.Time, notes *[]string) ([]vpnlog.Event, error) {
		more, err := svc.Logs.Logs(ctx, source.LogQuery{VPNConnectionID: a.conn.ID, Start: from, End: to, CountLiveness: a.mode == livenessCounted})
		if err != nil {
			return nil, err
		}
		for _, n := range more.Notes {
			if !slices.Contains(a.res.Notes, n) && !slices.Contains(*notes, n) {
				*notes = append(*notes, n)
			}
		}
		return more.Events, nil
	}
	// Records read before the window all precede its records, and those
	// read after it follow them: the sorted runs make one sorted timeline.
	for span := time.Duration(0); a.beganNearReadStart() && span < FollowMax && a.readStart.After(first); {
		span = nextSpan(span, settleBackFirst)
		from := a.start.Add(-span)
		evs, err := read(from, a.readStart, &before)
		if err != nil {
			return err
		}
		a.all = append(evs, a.all...)
		a.readStart = from
		a.incidents = a.windowIncidents(correlate.FindIncidents(a.all))
	}
	for span := time.Duration(0); a.openAtReadEnd() && span < FollowMax && a.readEnd.Before(last); {
		span = nextSpan(span, FollowFirst)
		to := a.end.Add(span)
		evs, err := read(a.readEnd, to, &after)
		if err != nil {
			return err
		}
		a.all = append(slices.Clip(a.all), evs...)
		a.readEnd = to
		a.incidents = a.windowIncidents(correlate.FindIncidents(a.all))
	}
	if len(before)+len(after) > 0 {
		r := *a.res
		r.Notes = slices.Clone(r.Notes)
		for _, n := range before {
			r.Notes = append(r.Notes, "reading before the window start to see how its incidents began: "+n)
		}
		for _, n := range after {
			r.Notes = append(r.Notes, "reading after the window end to see how its incidents ended: "+n)
		}
		a.res = &r
	}
	return nil
}

// nextSpan is first, then twice the span before, up to FollowMax.
func nextSpan(span, first time.Duration) time.Duration {
	if span == 0 {
		return first
	}
	return min(2*span, FollowMax)
}

// beganNearReadStart reports an incident of the window that begins so
// close to where the read begins that it may have begun before.
func (a *analysis) beganNearReadStart() bool {
	lim := a.readStart.Add(correlate.QuietPeriod).UnixMilli()
	for i := range a.incidents {
		if a.incidents[i].StartMs < lim {
			return true
		}
	}
	return false
}

// openAtReadEnd reports an incident of the window that is still open
// where the read ends.
func (a *analysis) openAtReadEnd() bool {
	for i := range a.incidents {
		if a.incidents[i].Open {
			return true
		}
	}
	return false
}

// windowIncidents keeps the incidents that run during the window: begun
// before its end, and ended (or still open) after its start.
func (a *analysis) windowIncidents(ins []correlate.Incident) []correlate.Incident {
	startMs, endMs := a.start.UnixMilli(), a.end.UnixMilli()
	return slices.DeleteFunc(ins, func(in correlate.Incident) bool {
		return in.StartMs >= endMs || (in.EndMs < startMs && !in.Open)
	})
}

// beforeWindow reports an incident that began before the window's start.
func (a *analysis) beforeWindow(in *correlate.Incident) bool {
	return in.StartMs < a.start.UnixMilli()
}

// pastWindow reports an incident that goes on after the window's end.
func (a *analysis) pastWindow(in *correlate.Incident) bool {
	return in.EndMs >= a.end.UnixMilli() || (in.Open && a.readEnd.After(a.end))
}

// openStatus says where an incident still open was last seen: at the end
// of the logs, or where following it stopped with logs beyond.
func (a *analysis) openStatus(loc *time.Location) string {
	switch {
	case !a.logsEnd.IsZero() && !a.readEnd.Before(a.logsEnd):
		return fmt.Sprintf("still open at the end of the logs (%s)", timeView(a.logsEnd, loc).withLocal())
	case !a.logsEnd.IsZero():
		return fmt.Sprintf("still open %s after the window end, where reading stopped (the logs go on to %s)", spanDays(a.readEnd.Sub(a.end)), timeView(a.logsEnd, loc).withLocal())
	}
	// Nothing was followed: the window holds the newest records.
	return "still open at the end of the logs read"
}

// IncidentView is an incident as tools and resources return it.
type IncidentView struct {
	ID                   string         `json:"id"`
	ResourceURI          string         `json:"resource_uri"`
	VPNConnectionID      string         `json:"vpn_connection_id"`
	Tunnel               string         `json:"tunnel"`
	TunnelNumber         int            `json:"tunnel_number,omitempty"`
	Start                TimeView       `json:"start"`
	End                  TimeView       `json:"end"`
	DurationSeconds      int64          `json:"duration_seconds"`
	Down                 bool           `json:"down" jsonschema:"the tunnel or its BGP session went down"`
	DownAt               *TimeView      `json:"down_at,omitempty"`
	Recovered            bool           `json:"recovered"`
	RecoveredAt          *TimeView      `json:"recovered_at,omitempty"`
	TimeToRecoverSeconds int64          `json:"time_to_recover_seconds,omitempty"`
	Open                 bool           `json:"open" jsonschema:"still unresolved at the end of the logs"`
	Anomalies            int            `json:"anomalies"`
	Categories           map[string]int `json:"categories"`
	RootCause            string         `json:"root_cause,omitempty"`
}

// IncidentURI is the resource address of an incident.
func IncidentURI(id string) string { return "vpn://incident/" + id }

func incidentView(in *correlate.Incident, conn *source.Connection, loc *time.Location) IncidentView {
	v := IncidentView{
		ID: in.ID, ResourceURI: IncidentURI(in.ID), VPNConnectionID: in.VPNConnectionID, Tunnel: in.TunnelIP,
		Start: msView(in.StartMs, loc), End: msView(in.EndMs, loc), DurationSeconds: (in.EndMs - in.StartMs) / 1000,
		Down: in.Down, Recovered: in.Down && in.Recovered, Open: in.Open, Anomalies: in.Anomalies, Categories: map[string]int{},
	}
	if conn != nil {
		v.TunnelNumber = tunnelNumber(conn, in.TunnelIP)
	}
	if in.Down {
		t := msView(in.DownMs, loc)
		v.DownAt = &t
	}
	if in.Down && in.Recovered {
		t := msView(in.RecoveredMs, loc)
		v.RecoveredAt = &t
		v.TimeToRecoverSeconds = int64(in.TimeToRecover() / time.Second)
	}
	for c, n := range in.Categories {
		v.Categories[string(c)] = n
	}
	return v
}

// dataRangeHint says where the logs are when a window holds nothing.
func (svc *Service) dataRangeHint(ctx context.Context, conn *source.Connection) string {
	first, last, exts, err := svc.extents(ctx, conn.ID)
	if err != nil || len(exts) == 0 {
		for _, t := range conn.Tunnels {
			if !t.Logging.IKEEnabled && !t.Logging.BGPEnabled {
				return fmt.Sprintf("no logs for %s: logging is disabled on tunnel %d (%s); %s", conn.ID, t.Number, t.OutsideIP, enableLoggingHint(conn.ID, t.OutsideIP))
			}
		}
		return fmt.Sprintf("no logs at all for %s", conn.ID)
	}
	return fmt.Sprintf("logs for %s exist from %s to %s", conn.ID, correlate.FormatUTC(first), correlate.FormatUTC(last))
}

// diagnose explains one of the analysis's incidents with what the inventory
// knows about the tunnels (their DPD timeouts).
// The timeline is indexed once, on the first question, for all of them.
func (a *analysis) diagnose(in *correlate.Incident) correlate.Diagnosis {
	a.diagnoserOnce.Do(func() {
		opts := correlate.DiagnoseOptions{DPDTimeout: map[string]time.Duration{}, InsideCIDR: map[string]string{}}
		for _, t := range a.conn.Tunnels {
			if t.Options.DPDTimeoutSec > 0 {
				opts.DPDTimeout[t.OutsideIP] = time.Duration(t.Options.DPDTimeoutSec) * time.Second
			}
			if t.InsideCIDR != "" {
				opts.InsideCIDR[t.OutsideIP] = t.InsideCIDR
			}
		}
		a.diagnoser = correlate.NewDiagnoser(a.all, a.incidents, opts)
	})
	return a.diagnoser.Diagnose(in)
}

// spanDays renders how far an incident was followed: "6h", "1d", "7d".
func spanDays(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return strings.TrimSuffix(strings.TrimSuffix(d.String(), "0s"), "0m")
}
