package tools

import (
	"context"
	"time"

	"github.com/vpnlens/vpnlens/correlate"
)

// Connections is list_vpn_connections without arguments, for resources.
func (d *Deps) Connections(ctx context.Context) (ListVPNConnectionsResult, error) {
	return ListVPNConnections(d).Handle(ctx, nil)
}

// Timeline is get_vpn_timeline for a resource address.
func (d *Deps) Timeline(ctx context.Context, vpn, start, end string) (TimelineResult, error) {
	return d.timeline(ctx, args{"vpn_connection_id": vpn, "start": start, "end": end})
}

// Incident diagnoses the incident with the given id (see correlate.IncidentID).
func (d *Deps) Incident(ctx context.Context, id string) (DiagnoseResult, error) {
	vpn, ip, start, err := correlate.ParseIncidentID(id)
	if err != nil {
		return DiagnoseResult{}, &UserError{Msg: err.Error()}
	}
	res, err := d.diagnose(ctx, args{"vpn_connection_id": vpn, "tunnel": ip, "at": start.Add(time.Second).Format(time.RFC3339), "window_minutes": 5})
	if err != nil {
		return res, err
	}
	if res.Incident.ID != id {
		return res, userErrorf("no incident %s: the nearest one is %s", id, res.Incident.ID)
	}
	return res, nil
}

// ConnectionIDs lists the known VPN connection ids, for completions.
func (d *Deps) ConnectionIDs(ctx context.Context) []string {
	conns, err := d.Inventory.Connections(ctx)
	if err != nil {
		return nil
	}
	ids := make([]string, 0, len(conns))
	for _, c := range conns {
		ids = append(ids, c.ID)
	}
	return ids
}
