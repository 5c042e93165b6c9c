package watch

import (
	"context"
	"time"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
)

// A reported drop names an AWS-side cause (a change made to the
// connection shortly before, AWS's maintenance of the tunnel) the way
// diagnose_tunnel_drop does, with investigate's own ranking. The engine
// diagnoses an open incident at every poll, so what it reads of AWS is
// kept per incident and read at most twice: when the incident is first
// diagnosed, and once more after CloudTrail's delivery delay (events
// arrive 5 to 15 minutes late, so a change made just before the drop is
// usually not listed when the drop is first reported). A cause that shows
// up then is reported as a root_cause_changed update.

// awsCheck is what was read of the AWS side for one incident.
type awsCheck struct {
	facts     investigate.AWSFacts
	rechecked bool
	// For the re-check of an incident that finished before it was due:
	// the connection, the incident and its diagnosis from the logs alone.
	conn *source.Connection
	in   correlate.Incident
	dg   investigate.DiagnoseResult
}

// due reports that the facts were read before CloudTrail's delay had
// passed since the drop, and not read again since.
func (chk *awsCheck) due() bool {
	return !chk.rechecked && chk.facts.ReadAt.Sub(investigate.DropTime(&chk.in)) < source.CloudTrailDelay
}

// read reads the AWS side for the incident: the changes of the connection
// itself (one CloudTrail lookup: the changes that renegotiate a tunnel
// all name the connection) from ChangeLead before the incident began to
// now, so that a later diagnosis of the same incident, its drop time
// moved, needs no other read; and the tunnel's maintenance status.
func (e *Engine) readAWS(ctx context.Context, chk *awsCheck, now time.Time) {
	in := &chk.in
	q := investigate.AWSQuery{Conn: chk.conn, TunnelIP: in.TunnelIP, DownAt: investigate.DropTime(in),
		From: time.UnixMilli(in.StartMs).UTC().Add(-investigate.ChangeLead), To: now, Resources: []string{chk.conn.ID}}
	chk.facts = e.cfg.AWSCauses.Read(ctx, q, now)
	if f := chk.facts; f.ChangesErr != nil || f.MaintenanceErr != nil {
		e.log.Warn("watch: the AWS-side causes of an incident could not all be read; the report says so", "incident", in.ID,
			"changes_err", f.ChangesErr, "maintenance_err", f.MaintenanceErr)
	}
}

// attribute ranks the AWS-side causes of the incident into dg, a
// diagnosis from its records, reading them on the incident's first
// diagnosis only.
func (e *Engine) attribute(ctx context.Context, st *IncidentState, c *source.Connection, in *correlate.Incident, dg *investigate.DiagnoseResult, now time.Time) {
	if e.cfg.AWSCauses.None() {
		return
	}
	chk := e.aws[st]
	first := chk == nil
	if first {
		chk = &awsCheck{}
		e.aws[st] = chk
	}
	chk.conn, chk.in, chk.dg = c, *in, *dg
	if first {
		e.readAWS(ctx, chk, now)
	}
	dg.RankAWSCauses(&chk.facts, investigate.DropTime(in), in.TunnelIP, time.UTC)
	if dg.RootCause.Category == string(catalog.AWSTunnelOptionsChanged) {
		chk.rechecked = true // the change is found: nothing to wait for
	}
}

// recheckAWS reads the AWS side once more for the incidents whose facts
// were read before CloudTrail's delay had passed since the drop, once it
// has. An incident still followed gets the new ranking at its diagnosis
// in this poll (and a root_cause_changed report if it changes); one that
// finished in between is reported here when its root cause changes.
func (e *Engine) recheckAWS(ctx context.Context, now time.Time) {
	for st, chk := range e.aws {
		down := investigate.DropTime(&chk.in)
		if !chk.due() || now.Sub(down) < source.CloudTrailDelay {
			continue
		}
		chk.rechecked = true
		e.readAWS(ctx, chk, now)
		if !st.Finished || st.Status != StatusReported {
			continue
		}
		dg := chk.dg
		dg.RankAWSCauses(&chk.facts, down, chk.in.TunnelIP, time.UTC)
		if dg.RootCause.Category != st.RootCause {
			e.report(EventRootCauseChanged, &chk.in, &dg, chk.conn, st, now, true)
		}
	}
}
