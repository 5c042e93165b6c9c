package tools

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/source"
)

// analysis is a connection's classified timeline for a window, with its
// incidents: the shared ground of the timeline, diagnosis and health tools.
type analysis struct {
	conn      *source.Connection
	start     time.Time
	end       time.Time
	res       *source.LogResult
	events    []correlate.Event
	incidents []correlate.Incident

	diagnoserOnce sync.Once
	diagnoser     *correlate.Diagnoser
}

func (d *Deps) analyze(ctx context.Context, conn *source.Connection, start, end time.Time) (*analysis, error) {
	res, err := d.Logs.Logs(ctx, source.LogQuery{VPNConnectionID: conn.ID, Start: start, End: end})
	if err != nil {
		return nil, err
	}
	a := &analysis{conn: conn, start: start, end: end, res: res, events: res.Events}
	a.incidents = correlate.FindIncidents(a.events)
	return a, nil
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
		a.diagnoser = correlate.NewDiagnoser(a.events, a.incidents, opts)
	})
	return a.diagnoser.Diagnose(in)
}
