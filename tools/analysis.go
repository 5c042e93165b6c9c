package tools

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/source"
)

// analysis is a connection's classified timeline for a window, with its
// incidents: the shared ground of the timeline, diagnosis and health tools.
//
// events holds the window's records only. After analyzeSettled, an
// incident still open at the window's end has been followed into the logs
// after it, so its status, end, recovery and time to recover are the real
// ones, not the window's cut-off; the diagnoser sees those records too.
type analysis struct {
	conn      *source.Connection
	start     time.Time
	end       time.Time
	res       *source.LogResult
	events    []correlate.Event
	incidents []correlate.Incident

	// all is events plus the records read after the window to follow
	// its open incidents, up to readEnd.
	all     []correlate.Event
	readEnd time.Time
	// logsEnd is the newest record of the connection when following
	// needed it (zero otherwise).
	logsEnd time.Time

	diagnoserOnce sync.Once
	diagnoser     *correlate.Diagnoser
}

func (d *Deps) analyze(ctx context.Context, conn *source.Connection, start, end time.Time) (*analysis, error) {
	res, err := d.Logs.Logs(ctx, source.LogQuery{VPNConnectionID: conn.ID, Start: start, End: end})
	if err != nil {
		return nil, err
	}
	a := &analysis{conn: conn, start: start, end: end, res: res, events: res.Events, all: res.Events, readEnd: end}
	a.incidents = correlate.FindIncidents(a.events)
	return a, nil
}

// analyzeSettled is analyze for answers that present a window's incidents
// (the timeline): an incident still open at the window's end is followed
// (see follow) so its status is the real one. Figures bounded by the
// window (uptime, recoveries within it) want analyze's cut-off instead.
func (d *Deps) analyzeSettled(ctx context.Context, conn *source.Connection, start, end time.Time) (*analysis, error) {
	a, err := d.analyze(ctx, conn, start, end)
	if err != nil {
		return nil, err
	}
	if err := d.follow(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}

// follow reads on after the window while one of its incidents is still
// open where the read ends and the connection has logs beyond it, the span
// doubling each time up to FollowMax (as diagnose_tunnel_drop does): a
// window that ends inside an outage must not present the outage as
// unresolved when the logs say it recovered an hour later. Records after
// the window only settle the incidents; they never become the window's
// events.
func (d *Deps) follow(ctx context.Context, a *analysis) error {
	if !a.openAtReadEnd() {
		return nil
	}
	_, last, _, err := d.extents(ctx, a.conn.ID)
	if err != nil {
		return err
	}
	a.logsEnd = last
	var extra []string
	for span := time.Duration(0); a.openAtReadEnd() && span < FollowMax && a.readEnd.Before(last); {
		if span == 0 {
			span = FollowFirst
		} else {
			span = min(2*span, FollowMax)
		}
		to := a.end.Add(span)
		more, err := d.Logs.Logs(ctx, source.LogQuery{VPNConnectionID: a.conn.ID, Start: a.readEnd, End: to})
		if err != nil {
			return err
		}
		for _, n := range more.Notes {
			if !slices.Contains(a.res.Notes, n) && !slices.Contains(extra, n) {
				extra = append(extra, n)
			}
		}
		// The window's records all precede the ones read after it, so
		// the two sorted runs make one sorted timeline.
		a.all = append(slices.Clip(a.all), more.Events...)
		a.readEnd = to
		a.incidents = windowIncidents(correlate.FindIncidents(a.all), a.end)
	}
	if len(extra) > 0 {
		r := *a.res
		r.Notes = slices.Clone(r.Notes)
		for _, n := range extra {
			r.Notes = append(r.Notes, "reading after the window end to see how its incidents ended: "+n)
		}
		a.res = &r
	}
	return nil
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

// windowIncidents keeps the incidents that began before end: those of the
// window, with what was read after it.
func windowIncidents(ins []correlate.Incident, end time.Time) []correlate.Incident {
	endMs := end.UnixMilli()
	return slices.DeleteFunc(ins, func(in correlate.Incident) bool { return in.StartMs >= endMs })
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
func (d *Deps) dataRangeHint(ctx context.Context, conn *source.Connection) string {
	first, last, exts, err := d.extents(ctx, conn.ID)
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
		opts := correlate.DiagnoseOptions{DPDTimeout: map[string]time.Duration{}}
		for _, t := range a.conn.Tunnels {
			if t.Options.DPDTimeoutSec > 0 {
				opts.DPDTimeout[t.OutsideIP] = time.Duration(t.Options.DPDTimeoutSec) * time.Second
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
