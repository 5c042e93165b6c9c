package investigate

import (
	"context"
	"fmt"
	"time"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/source"
)

// healthAWS is what a health summary knows of one connection from AWS
// rather than from its logs: each tunnel's maintenance status, read for
// every tunnel (pending maintenance is shown), and the changes around the
// connection's drops, read once for them all on the first drop asked
// about, so that a drop AWS caused counts under its AWS-side cause.
type healthAWS struct {
	causes AWSCauses
	conn   *source.Connection
	maint  map[string]*source.Maintenance // by tunnel outside IP; absent: not known
	// from and to span the drops whose changes are read.
	from, to time.Time
	now      time.Time
	read     bool
	changes  AWSFacts
	notes    []string
}

// healthAWSOf reads each tunnel's maintenance status (one call per tunnel,
// cached by the AWS source) and prepares the one change lookup of the
// connection's drops in [from, to].
func (svc *Service) healthAWSOf(ctx context.Context, c *source.Connection, from, to time.Time) *healthAWS {
	h := &healthAWS{causes: svc.AWSCauses(), conn: c, maint: map[string]*source.Maintenance{}, from: from, to: to, now: svc.now()}
	if h.causes.Maintenance == nil {
		return h
	}
	for _, t := range c.Tunnels {
		m, err := h.causes.Maintenance.Maintenance(ctx, c.ID, t.OutsideIP)
		if err != nil {
			h.notes = append(h.notes, fmt.Sprintf("%s: tunnel maintenance status could not be read, so drops are not checked against AWS maintenance and pending maintenance is not shown: %v", c.ID, err))
			break
		}
		h.maint[t.OutsideIP] = m
	}
	return h
}

// causeOf is the AWS-side cause of a drop of tunnel ip in [downAt,
// downLast] ("" when none), as AWSFacts.Cause ranks it.
func (h *healthAWS) causeOf(ctx context.Context, ip string, downAt, downLast time.Time) catalog.Category {
	if !h.read && h.causes.Changes != nil {
		h.read = true
		// The changes only: maintenance is read per tunnel above.
		h.changes = AWSCauses{Changes: h.causes.Changes}.Read(ctx, AWSQuery{Conn: h.conn, From: h.from.Add(-ChangeLead), To: h.to.Add(time.Minute), Resources: connectionResources(h.conn)}, h.now)
		switch {
		case h.changes.ChangesErr != nil:
			h.notes = append(h.notes, fmt.Sprintf("%s: changes (CloudTrail) could not be read, so drops are not checked against them: %v", h.conn.ID, h.changes.ChangesErr))
		case h.changes.Changes != nil:
			h.notes = append(h.notes, h.changes.Changes.Notes...)
			if h.now.Sub(h.to) < source.CloudTrailDelay {
				h.notes = append(h.notes, fmt.Sprintf("%s: a drop less than %s ago may have been caused by a change CloudTrail has not delivered yet", h.conn.ID, SpanText(source.CloudTrailDelay)))
			}
		}
	}
	f := AWSFacts{Changes: h.changes.Changes, ChangesErr: h.changes.ChangesErr, Maintenance: h.maint[ip]}
	return f.Cause(ip, downAt, downLast)
}
