package watch

import (
	"sort"

	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/investigate"
)

// IncidentsView is what the watch knows right now: open incidents and
// recent ones (the vpn://incidents resource).
type IncidentsView struct {
	Source      string            `json:"source"`
	GeneratedAt string            `json:"generated_at"`
	Connections []string          `json:"connections"`
	Open        []IncidentSummary `json:"open" jsonschema:"incidents under way (or settling before their first report)"`
	Recent      []IncidentSummary `json:"recent" jsonschema:"finished incidents of the last 24 hours of logs, newest first"`
	Undelivered []UndeliveredView `json:"undelivered,omitempty" jsonschema:"reports that could not be delivered yet"`
	Polls       int               `json:"polls"`
	LastError   string            `json:"last_error,omitempty"`
}

// IncidentSummary is one incident in the list.
type IncidentSummary struct {
	ID              string               `json:"id"`
	ResourceURI     string               `json:"resource_uri" jsonschema:"read it for the full diagnosis"`
	VPNConnectionID string               `json:"vpn_connection_id"`
	Tunnel          string               `json:"tunnel"`
	Status          string               `json:"status" jsonschema:"settling, down, trouble, recovered, resolved"`
	Severity        string               `json:"severity,omitempty"`
	Title           string               `json:"title,omitempty"`
	RootCause       string               `json:"root_cause,omitempty"`
	Confidence      float64              `json:"confidence,omitempty"`
	Start           investigate.TimeView `json:"start"`
	LastRecord      investigate.TimeView `json:"last_record"`
	Reports         int                  `json:"reports" jsonschema:"reports sent about it (0: before watching began, or settling)"`
	BeforeWatching  bool                 `json:"before_watching,omitempty" jsonschema:"already over when watching began"`
	Continue        map[string]any       `json:"diagnose_tunnel_drop_arguments"`
}

// UndeliveredView is one report stuck on its way to a sink.
type UndeliveredView struct {
	Sink       string `json:"sink"`
	IncidentID string `json:"incident_id"`
	Event      string `json:"event"`
	Attempts   int    `json:"attempts"`
	LastError  string `json:"last_error"`
	Failed     bool   `json:"failed" jsonschema:"fast retries spent; retried slowly"`
}

// Snapshot returns the incidents view.
func (e *Engine) Snapshot() IncidentsView {
	e.mu.Lock()
	defer e.mu.Unlock()
	v := IncidentsView{Source: e.st.Source, GeneratedAt: correlate.FormatUTC(e.cfg.Clock.Now()), Connections: []string{},
		Open: []IncidentSummary{}, Recent: []IncidentSummary{}, Polls: e.stats.Polls, LastError: e.lastError}
	for _, c := range e.conns {
		v.Connections = append(v.Connections, c.ID)
	}
	for _, s := range e.st.Incidents {
		sum := IncidentSummary{ID: s.ID, ResourceURI: investigate.IncidentURI(s.ID), VPNConnectionID: s.VPNConnectionID, Tunnel: s.TunnelIP,
			Severity: s.Severity, Title: s.Title, RootCause: s.RootCause, Confidence: s.Confidence,
			Start: timeViewMs(s.StartMs, e.cfg.Location), LastRecord: timeViewMs(s.EndMs, e.cfg.Location), Reports: s.Sequence,
			BeforeWatching: s.Status == StatusHistory,
			Continue:       map[string]any{"vpn_connection_id": s.VPNConnectionID, "tunnel": s.TunnelIP, "at": correlate.FormatMs(s.StartMs)}}
		switch {
		case s.Status == StatusPending:
			sum.Status = "settling"
		case s.Recovered:
			sum.Status = "recovered"
		case s.Resolved && (s.Finished || s.Status == StatusHistory):
			sum.Status = "resolved"
		case s.Down:
			sum.Status = "down"
		default:
			sum.Status = "trouble"
		}
		if s.Status != StatusHistory && !s.Finished {
			v.Open = append(v.Open, sum)
			continue
		}
		b := e.bufs[s.VPNConnectionID]
		if b != nil && s.EndMs < b.frontier-e.cfg.Recent.Milliseconds() {
			continue
		}
		v.Recent = append(v.Recent, sum)
	}
	sort.Slice(v.Open, func(i, j int) bool { return v.Open[i].Start.UTC < v.Open[j].Start.UTC })
	sort.Slice(v.Recent, func(i, j int) bool { return v.Recent[i].Start.UTC > v.Recent[j].Start.UTC })
	for _, d := range e.st.Outbox {
		if d.Attempts == 0 {
			continue
		}
		v.Undelivered = append(v.Undelivered, UndeliveredView{Sink: d.Sink, IncidentID: d.Report.IncidentID, Event: d.Report.Event,
			Attempts: d.Attempts, LastError: d.LastError, Failed: d.Failed})
	}
	return v
}
