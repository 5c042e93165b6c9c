package investigate

import (
	"context"
	"fmt"
	"time"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/source"
)

// MaintenanceView is AWS's endpoint maintenance of a tunnel
// (GetVpnTunnelReplacementStatus).
type MaintenanceView struct {
	LastApplied      *TimeView `json:"last_applied,omitempty" jsonschema:"when AWS last replaced this tunnel's endpoint (the tunnel went down and came back then)"`
	Pending          string    `json:"pending,omitempty" jsonschema:"maintenance AWS has planned for this tunnel and not applied yet"`
	AutoAppliedAfter *TimeView `json:"auto_applied_after,omitempty" jsonschema:"when AWS applies the pending maintenance by itself"`
}

// tunnelMaintenance is the service's source of maintenance status (AWS).
func (svc *Service) tunnelMaintenance() source.TunnelMaintenance {
	if m, ok := svc.Logs.(source.TunnelMaintenance); ok {
		return m
	}
	return nil
}

// AddMaintenance adds each tunnel's maintenance status to the options
// answer, when the source has it; a tunnel whose status cannot be read
// gets a note saying why.
func (svc *Service) AddMaintenance(ctx context.Context, res *TunnelOptionsResult) {
	src := svc.tunnelMaintenance()
	if src == nil {
		return
	}
	for i := range res.Tunnels {
		t := &res.Tunnels[i]
		m, err := src.Maintenance(ctx, res.VPNConnectionID, t.OutsideIP)
		if err != nil {
			t.Notes = append(t.Notes, fmt.Sprintf("maintenance status could not be read: %v", err))
			continue
		}
		v := &MaintenanceView{Pending: m.Pending}
		if !m.LastApplied.IsZero() {
			tv := timeView(m.LastApplied, nil)
			v.LastApplied = &tv
		}
		if !m.AutoAppliedAfter.IsZero() {
			tv := timeView(m.AutoAppliedAfter, nil)
			v.AutoAppliedAfter = &tv
		}
		if v.LastApplied == nil && v.Pending == "" && v.AutoAppliedAfter == nil {
			continue
		}
		t.Maintenance = v
		if n := pendingMaintenanceNote(m); n != "" {
			t.Notes = append(t.Notes, n)
		}
	}
}

// maintenanceLead and maintenanceLag bound how far the applied
// maintenance may be from the drop to be its cause: the status gives the
// time maintenance was applied, and the tunnel goes down around then.
const (
	maintenanceLead = 10 * time.Minute
	maintenanceLag  = 5 * time.Minute
)

// maintenanceCause reports maintenance m applied to a tunnel around its
// drop in [downAt, downLast] (a drop known only to the hour spans one).
func maintenanceCause(m *source.Maintenance, downAt, downLast time.Time) bool {
	return m != nil && !m.LastApplied.IsZero() && !m.LastApplied.Before(downAt.Add(-maintenanceLead)) && !m.LastApplied.After(downLast.Add(maintenanceLag))
}

// pendingMaintenanceNote says what AWS plans for a tunnel and what to do
// about it; "" when nothing is pending.
func pendingMaintenanceNote(m *source.Maintenance) string {
	if m == nil || m.Pending == "" {
		return ""
	}
	n := fmt.Sprintf("AWS maintenance pending on this tunnel (%s)", m.Pending)
	if !m.AutoAppliedAfter.IsZero() {
		n += ", applied automatically after " + correlate.FormatUTC(m.AutoAppliedAfter)
	}
	return n + ": the tunnel goes down while its endpoint is replaced; keep the other tunnel up and carrying traffic then (AWS replaces one tunnel at a time)"
}

// rankMaintenance makes AWS's maintenance of f the root cause when it was
// applied to the dropped tunnel at the time it went down (a change ranked
// before it stays: it is what the account did).
func (res *DiagnoseResult) rankMaintenance(f *AWSFacts, d drop, loc *time.Location) {
	if res.RootCause.Category == string(catalog.AWSTunnelOptionsChanged) {
		return
	}
	if f.MaintenanceErr != nil {
		res.Notes = append(res.Notes, fmt.Sprintf("tunnel maintenance status could not be read: %v", f.MaintenanceErr))
		return
	}
	m := f.Maintenance
	if !maintenanceCause(m, d.at, d.last) {
		return
	}
	entry, _ := catalog.Lookup(catalog.AWSTunnelReplaced)
	prev := res.RootCause
	at := timeView(m.LastApplied, loc)
	res.putCauseFirst(CauseView{Category: string(catalog.AWSTunnelReplaced), Tunnel: prev.Tunnel, TunnelNumber: prev.TunnelNumber, At: at.UTC, AtLocal: at.Local,
		Confidence: changeConfidence, ActingSide: entry.ActingSide, Meaning: entry.Meaning, Count: 1,
		Explanation: fmt.Sprintf("AWS applied maintenance to this tunnel (endpoint replaced) at %s; the tunnel went down %s: %s", at.UTC, d, shown(prev)),
		Evidence: append([]EvidenceView{{At: at.UTC, AtLocal: at.Local, Category: string(catalog.AWSTunnelReplaced), Stream: "EC2 GetVpnTunnelReplacementStatus",
			Raw: "lastMaintenanceApplied=" + at.UTC}}, prev.Evidence...)},
		entry.Checks, "what the logs show of the drop; AWS's maintenance at that time explains why it happened")
	res.Summary = fmt.Sprintf("Tunnel %s went down %s when AWS replaced its endpoint for maintenance (%s, applied %s). ", prev.Tunnel, d, catalog.AWSTunnelReplaced, at.UTC) + res.Summary
}
