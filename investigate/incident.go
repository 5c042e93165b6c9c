package investigate

import (
	"context"
	"time"

	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// IncidentLookback is how far before an incident's start+1s a diagnosis by
// id looks: the incident starts at the id's time, so a short look back finds
// it and nothing else.
const IncidentLookback = 5 * time.Minute

// IncidentByID diagnoses the incident with the given id (see
// correlate.IncidentID), as the vpn://incident/{id} resource shows it.
func (svc *Service) IncidentByID(ctx context.Context, id string) (DiagnoseResult, error) {
	vpn, ip, start, err := correlate.ParseIncidentID(id)
	if err != nil {
		return DiagnoseResult{}, &UserError{Msg: err.Error()}
	}
	conn, err := svc.Connection(ctx, vpn)
	if err != nil {
		return DiagnoseResult{}, err
	}
	tun, err := Tunnel(conn, ip)
	if err != nil {
		return DiagnoseResult{}, err
	}
	return svc.Incident(ctx, conn, tun, start)
}

// Incident diagnoses the incident that starts at start on tun (an
// incident's identity: see correlate.IncidentID). When none starts there (a
// typo, or logs that changed) it is a UserError naming the nearest one.
func (svc *Service) Incident(ctx context.Context, conn *source.Connection, tun *source.Tunnel, start time.Time) (DiagnoseResult, error) {
	res, err := svc.Diagnose(ctx, DiagnoseQuestion{Conn: conn, Tunnel: tun, At: start.Add(time.Second), Lookback: IncidentLookback})
	if err != nil {
		return res, err
	}
	if id := correlate.IncidentID(conn.ID, tun.OutsideIP, start.UnixMilli()); res.Incident.ID != id {
		return res, userErrorf("no incident %s: the nearest one is %s", id, res.Incident.ID)
	}
	return res, nil
}

// ExplainHeld is the diagnosis of an incident the caller already holds,
// with the records it was found in (the watch engine's buffer): no logs are
// read, and the incident is explained as found, not looked up again. evs
// must be sorted by time and hold the incident's records.
func ExplainHeld(conn *source.Connection, evs []vpnlog.Event, in *correlate.Incident, loc *time.Location) DiagnoseResult {
	if loc == nil {
		loc = time.UTC
	}
	an := heldAnalysis(conn, evs)
	return explain(an, in, conn, time.UnixMilli(in.StartMs), loc, nil)
}

// heldAnalysis is an analysis of records already in memory.
func heldAnalysis(conn *source.Connection, evs []vpnlog.Event) *analysis {
	a := &analysis{conn: conn, res: &source.LogResult{Events: evs}, events: evs, all: evs}
	if len(evs) > 0 {
		a.start, a.end = evs[0].Time(), evs[len(evs)-1].Time().Add(time.Millisecond)
		a.readStart, a.readEnd = a.start, a.end
	}
	a.incidents = correlate.FindIncidents(evs)
	return a
}

// ConnectionIDs lists the known VPN connection ids, for completions.
func (svc *Service) ConnectionIDs(ctx context.Context) []string {
	conns, err := svc.Inventory.Connections(ctx)
	if err != nil {
		return nil
	}
	ids := make([]string, 0, len(conns))
	for _, c := range conns {
		ids = append(ids, c.ID)
	}
	return ids
}
