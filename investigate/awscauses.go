package investigate

import (
	"context"
	"fmt"
	"time"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/source"
)

// AWS-side causes of a drop are what the logs cannot show: a change made
// to the connection (CloudTrail) or AWS's maintenance of the tunnel. They
// are read once (Read) and ranked against the log's own cause as often as
// needed (RankAWSCauses): diagnose_tunnel_drop does both per question, the
// watch keeps the facts of an incident across polls and reads them again
// only once, after CloudTrail's delivery delay.

// AWSCauses is where the AWS-side causes of a drop are read; either part
// may be nil (the source does not read it).
type AWSCauses struct {
	Changes     source.ChangeHistory
	Maintenance source.TunnelMaintenance
}

// AWSCauses is the service's: its log source's, as far as it reads them.
func (svc *Service) AWSCauses() AWSCauses {
	return AWSCauses{Changes: svc.changeHistory(), Maintenance: svc.tunnelMaintenance()}
}

// None reports that no AWS-side cause can be read.
func (a AWSCauses) None() bool { return a.Changes == nil && a.Maintenance == nil }

// AWSQuery is what to read about a drop of TunnelIP of Conn at DownAt: the
// changes of Resources in [From, To), and the tunnel's maintenance.
type AWSQuery struct {
	Conn      *source.Connection
	TunnelIP  string
	DownAt    time.Time
	From, To  time.Time
	Resources []string
}

// AWSFacts is what was read of the AWS side around a drop.
type AWSFacts struct {
	Changes        *source.ChangesResult // nil when not read
	ChangesErr     error
	Maintenance    *source.Maintenance // nil when not read
	MaintenanceErr error
	// ReadAt is when they were read: a change made in the last minutes
	// before it may not have been delivered by CloudTrail yet.
	ReadAt time.Time
}

// Read reads the changes of the query's window and, unless one of them
// already explains the drop, the tunnel's maintenance status.
func (a AWSCauses) Read(ctx context.Context, q AWSQuery, now time.Time) AWSFacts {
	f := AWSFacts{ReadAt: now}
	if a.Changes != nil {
		f.Changes, f.ChangesErr = a.Changes.Changes(ctx, source.ChangeQuery{VPNConnectionID: q.Conn.ID, ResourceIDs: q.Resources, Start: q.From, End: q.To})
	}
	if a.Maintenance != nil && changeCause(f.Changes, q.TunnelIP, q.DownAt) == nil {
		f.Maintenance, f.MaintenanceErr = a.Maintenance.Maintenance(ctx, q.Conn.ID, q.TunnelIP)
	}
	return f
}

// DiagnosisQuery is the read diagnose_tunnel_drop makes about a drop at
// downAt: the changes of the connection and its gateways from ChangeLead
// before it to a minute after.
func DiagnosisQuery(conn *source.Connection, ip string, downAt time.Time) AWSQuery {
	return AWSQuery{Conn: conn, TunnelIP: ip, DownAt: downAt, From: downAt.Add(-ChangeLead), To: downAt.Add(time.Minute), Resources: connectionResources(conn)}
}

// DropTime is when an incident's tunnel went down, or when it began if it
// never did: the time AWS-side causes are ranked against.
func DropTime(in *correlate.Incident) time.Time {
	if in.Down {
		return time.UnixMilli(in.DownMs).UTC()
	}
	return time.UnixMilli(in.StartMs).UTC()
}

// RankAWSCauses puts the AWS-side cause the facts show before the log's
// own: a change that renegotiated tunnel ip shortly before it went down at
// downAt, else AWS's maintenance applied to it then. Reads that failed,
// other changes of that span and CloudTrail's delay (facts read soon after
// the drop) are noted. It never writes into slices res shares with a copy
// of it, so the same diagnosis can be ranked again with newer facts.
func (res *DiagnoseResult) RankAWSCauses(f *AWSFacts, downAt time.Time, ip string, loc *time.Location) {
	res.RankAWSCausesIn(f, downAt, downAt, ip, loc)
}

// RankAWSCausesIn is RankAWSCauses for a drop known only to have happened
// in [downAt, downLast]: a tunnel without logs, whose CloudWatch metrics
// tell its state per period.
func (res *DiagnoseResult) RankAWSCausesIn(f *AWSFacts, downAt, downLast time.Time, ip string, loc *time.Location) {
	if downAt.IsZero() {
		return
	}
	res.Notes = append([]string(nil), res.Notes...)
	d := drop{at: downAt, last: downLast}
	res.rankChange(f, d, ip, loc)
	res.rankMaintenance(f, d, loc)
}

// drop is when a tunnel went down: at, or somewhere in [at, last] when
// only the metric periods tell.
type drop struct{ at, last time.Time }

// String says when, as the explanations do.
func (d drop) String() string {
	if d.last.After(d.at) {
		return fmt.Sprintf("between %s and %s (the metric's resolution)", correlate.FormatUTC(d.at), correlate.FormatUTC(d.last))
	}
	return "at " + correlate.FormatUTC(d.at)
}

// shown says what shows the drop a cause is put before: the log's own
// cause and records, or, for a tunnel that logs nothing, its metrics.
func shown(prev CauseView) string {
	if prev.Category == "" {
		return "the tunnel logs nothing; its CloudWatch metrics show the drop"
	}
	return fmt.Sprintf("the log records below show the drop it caused (%s)", prev.Category)
}

// Cause is the AWS-side cause the facts show of a drop of tunnel ip in
// [downAt, downLast] ("" when none), ranked as RankAWSCauses ranks it: a
// change that renegotiated the tunnel, else maintenance applied to it.
// A drop whose time is known has downLast equal to downAt; a health
// summary from hourly counts knows only the hours.
func (f *AWSFacts) Cause(ip string, downAt, downLast time.Time) catalog.Category {
	switch {
	case f.ChangesErr == nil && changeCauseIn(f.Changes, ip, downAt, downLast) != nil:
		return catalog.AWSTunnelOptionsChanged
	case f.MaintenanceErr == nil && maintenanceCause(f.Maintenance, downAt, downLast):
		return catalog.AWSTunnelReplaced
	}
	return ""
}
