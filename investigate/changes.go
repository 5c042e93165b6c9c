package investigate

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// ChangeLead is how long before a drop a change on the tunnel is taken as
// its cause: a tunnel-options change renegotiates the tunnel within
// seconds to a few minutes.
const ChangeLead = 10 * time.Minute

// roleLogsShow is the advice role of the log's cause once a change is
// ranked above it.
const roleLogsShow = "what the logs show"

// changeConfidence is the confidence of a change ranked as the cause: the
// change and the drop on the same tunnel minutes apart rarely coincide.
const changeConfidence = 0.9

// changeHistory is the service's source of changes: the log source when
// it can read them (CloudTrail, or a folder's cloudtrail-events.json).
func (svc *Service) changeHistory() source.ChangeHistory {
	if h, ok := svc.Logs.(source.ChangeHistory); ok {
		return h
	}
	return nil
}

// connectionResources are the ids whose changes concern a connection.
func connectionResources(c *source.Connection) []string {
	ids := []string{c.ID}
	for _, id := range []string{c.CustomerGatewayID, c.VPNGatewayID, c.TransitGatewayID} {
		if id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

// renegotiates reports a change that renegotiates tunnel ip: one naming
// that tunnel, or one of the whole connection.
func renegotiates(c *source.Change, ip string) bool {
	if c.Error != "" {
		return false
	}
	switch c.EventName {
	case "ModifyVpnTunnelOptions", "ModifyVpnTunnelCertificate", "ReplaceVpnTunnel":
		return c.TunnelIP == "" || c.TunnelIP == ip
	case "ModifyVpnConnection", "ModifyVpnConnectionOptions":
		return true
	}
	return false
}

// changeEvidence is a change quoted as evidence: the event and its
// request parameters (secrets removed).
func changeEvidence(c *source.Change, loc *time.Location) EvidenceView {
	params, _ := json.Marshal(c.Params)
	tv := timeView(c.At, loc)
	return EvidenceView{At: tv.UTC, AtLocal: tv.Local, Category: string(catalog.AWSTunnelOptionsChanged), Stream: "CloudTrail " + c.EventID,
		Raw: fmt.Sprintf("%s %s requestParameters=%s", c.Describe(), c.SourceIP, params)}
}

// changeCause is the change of cr that renegotiated tunnel ip shortly
// before it went down at downAt (the latest one), or nil.
func changeCause(cr *source.ChangesResult, ip string, downAt time.Time) *source.Change {
	return changeCauseIn(cr, ip, downAt, downAt)
}

// changeCauseIn is changeCause for a drop known only to have happened in
// [downAt, downLast] (hourly anomaly counts): a change from ChangeLead
// before its start to a minute after its end (CloudTrail times the API
// call, the logs the teardown).
func changeCauseIn(cr *source.ChangesResult, ip string, downAt, downLast time.Time) *source.Change {
	if cr == nil {
		return nil
	}
	var cause *source.Change
	for i := range cr.Changes {
		c := &cr.Changes[i]
		if renegotiates(c, ip) && !c.At.Before(downAt.Add(-ChangeLead)) && !c.At.After(downLast.Add(time.Minute)) {
			cause = c // the latest one before the drop
		}
	}
	return cause
}

// rankChange makes the change of f that renegotiated the dropped tunnel
// shortly before it went down the root cause: the log's root cause becomes
// an alternative and its records stay as evidence. Other changes in that
// span are noted, and so is a read that failed.
func (res *DiagnoseResult) rankChange(f *AWSFacts, d drop, ip string, loc *time.Location) {
	if f.ChangesErr != nil {
		res.Notes = append(res.Notes, fmt.Sprintf("changes to the connection (CloudTrail) could not be read: %v", f.ChangesErr))
		return
	}
	cr := f.Changes
	if cr == nil {
		return
	}
	res.Notes = append(res.Notes, cr.Notes...)
	if f.ReadAt.Sub(d.last) < source.CloudTrailDelay {
		res.Notes = append(res.Notes, fmt.Sprintf("the drop was less than %s ago: CloudTrail delivers events typically within 5 minutes and at worst about 15, so a change made just before it may not be listed yet; ask again later", SpanText(source.CloudTrailDelay)))
	}
	cause := changeCauseIn(cr, ip, d.at, d.last)
	for i := range cr.Changes {
		if c := &cr.Changes[i]; c != cause && !c.At.Before(d.at.Add(-ChangeLead)) && !c.At.After(d.last.Add(time.Minute)) {
			res.Notes = append(res.Notes, fmt.Sprintf("change in the %s before the drop: %s at %s", SpanText(ChangeLead), c.Describe(), correlate.FormatUTC(c.At)))
		}
	}
	if cause == nil {
		return
	}
	entry, _ := catalog.Lookup(catalog.AWSTunnelOptionsChanged)
	prev := res.RootCause
	before := "" // how long before the drop, when its time is known
	if !d.last.After(d.at) {
		before = SpanText(d.at.Sub(cause.At).Round(time.Second)) + " "
	}
	rc := CauseView{Category: string(catalog.AWSTunnelOptionsChanged), Tunnel: prev.Tunnel, TunnelNumber: prev.TunnelNumber,
		At: timeView(cause.At, loc).UTC, AtLocal: timeView(cause.At, loc).Local, Confidence: changeConfidence, ActingSide: entry.ActingSide, Meaning: entry.Meaning,
		Count: 1, Explanation: fmt.Sprintf("%s at %s, %sbefore the tunnel went down %s: the change renegotiated the tunnel; %s",
			cause.Describe(), correlate.FormatUTC(cause.At), before, d, shown(prev))}
	rc.Evidence = append([]EvidenceView{changeEvidence(cause, loc)}, prev.Evidence...)
	res.putCauseFirst(rc, entry.Checks, "what the logs show of the drop; the change made just before it explains why it happened")
	res.Summary = fmt.Sprintf("Tunnel %s went down %s %safter %s (CloudTrail, %s at %s) — the change renegotiated the tunnel. ", prev.Tunnel, d,
		before, cause.Describe(), catalog.AWSTunnelOptionsChanged, correlate.FormatUTC(cause.At)) + res.Summary
}

// timelineChanges reads the changes of the connection in [start, end) for
// a timeline: those that renegotiate a tunnel (of tunnelIP, or any when
// empty) as events of their own, the others as notes.
func (svc *Service) timelineChanges(ctx context.Context, conn *source.Connection, tunnelIP string, start, end time.Time) (evs []vpnlog.Event, notes []string) {
	h := svc.changeHistory()
	if h == nil {
		return nil, nil
	}
	cr, err := h.Changes(ctx, source.ChangeQuery{VPNConnectionID: conn.ID, ResourceIDs: connectionResources(conn), Start: start, End: end})
	if err != nil {
		return nil, []string{fmt.Sprintf("changes to the connection (CloudTrail) could not be read: %v", err)}
	}
	for i := range cr.Changes {
		c := &cr.Changes[i]
		ips := []string{c.TunnelIP}
		if c.TunnelIP == "" {
			ips = ips[:0]
			for _, t := range conn.Tunnels {
				ips = append(ips, t.OutsideIP)
			}
		}
		renegotiating := false
		for _, ip := range ips {
			if (tunnelIP == "" || ip == tunnelIP) && renegotiates(c, ip) {
				renegotiating = true
				ev := changeEvidence(c, nil)
				evs = append(evs, vpnlog.Event{TimeMs: c.At.UnixMilli(), VPNConnectionID: conn.ID, TunnelIP: ip,
					Category: catalog.AWSTunnelOptionsChanged, Severity: catalog.SevWarning, Details: c.Describe(), Raw: ev.Raw})
			}
		}
		if !renegotiating {
			notes = append(notes, fmt.Sprintf("change at %s (CloudTrail): %s", correlate.FormatUTC(c.At), c.Describe()))
		}
	}
	if svc.now().Sub(end) < source.CloudTrailDelay {
		notes = append(notes, fmt.Sprintf("the window ends less than %s ago: CloudTrail delivers events typically within 5 minutes and at worst about 15, so the latest changes may not be listed yet", SpanText(source.CloudTrailDelay)))
	}
	return evs, notes
}

// putCauseFirst makes rc, an AWS-side event the logs cannot show (a change,
// a maintenance replacement), the root cause: the log's own cause becomes
// the first alternative, "what the logs show" of the drop (why says so),
// and keeps its advice under that role; checks are rc's advice.
func (res *DiagnoseResult) putCauseFirst(rc CauseView, checks []string, why string) {
	prev := res.RootCause
	res.RootCause = rc
	if prev.Category != "" {
		res.Alternatives = slices.Insert(slices.Clone(res.Alternatives), 0, AlternativeView{Category: prev.Category, At: prev.At, Count: prev.Count, Why: why})
	}
	res.RecommendedActions = slices.Clone(res.RecommendedActions)
	for i, a := range res.RecommendedActions {
		if rest, ok := strings.CutPrefix(a, adviceLabel(prev.Category, "root cause")); ok {
			res.RecommendedActions[i] = adviceLabel(prev.Category, roleLogsShow) + rest
		}
	}
	for _, a := range checks {
		res.RecommendedActions = append(res.RecommendedActions, adviceLabel(rc.Category, "root cause")+a)
	}
}
