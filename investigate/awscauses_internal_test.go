package investigate

import (
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/source"
)

// AWSFacts.Cause ranks an AWS-side cause the way diagnoses rank it
// (RankAWSCauses) and health summaries count it: a change that renegotiated this tunnel in the ten
// minutes before the drop (to a minute after), the latest if several; else
// maintenance applied around the drop; never a change on the other tunnel,
// a failed one, one long before, or maintenance far from the drop.
func TestAWSCauseOf(t *testing.T) {
	down := time.Date(2026, 6, 12, 8, 42, 31, 0, time.UTC)
	const ip, other = "203.0.113.30", "203.0.113.40"
	change := func(name, tunnel string, before time.Duration, failed string) source.Change {
		return source.Change{At: down.Add(-before), EventName: name, EventID: name + tunnel + before.String(), TunnelIP: tunnel, Error: failed}
	}
	maint := func(applied time.Time) *source.Maintenance {
		return &source.Maintenance{TunnelIP: ip, LastApplied: applied}
	}
	for _, c := range []struct {
		name     string
		changes  []source.Change
		maint    *source.Maintenance
		last     time.Duration // downLast - downAt
		want     catalog.Category
		wantBack time.Duration // cause time before down
	}{
		{"change on the tunnel 39 s before", []source.Change{change("ModifyVpnTunnelOptions", ip, 39*time.Second, "")}, nil, 0, catalog.AWSTunnelOptionsChanged, 39 * time.Second},
		{"the latest of two", []source.Change{change("ModifyVpnTunnelOptions", ip, 8*time.Minute, ""), change("ModifyVpnTunnelOptions", ip, time.Minute, "")}, nil, 0, catalog.AWSTunnelOptionsChanged, time.Minute},
		{"a connection-wide change", []source.Change{change("ModifyVpnConnection", "", 2*time.Minute, "")}, nil, 0, catalog.AWSTunnelOptionsChanged, 2 * time.Minute},
		{"change on the other tunnel", []source.Change{change("ModifyVpnTunnelOptions", other, 39*time.Second, "")}, nil, 0, "", 0},
		{"change long before", []source.Change{change("ModifyVpnTunnelOptions", ip, 3*time.Hour, "")}, nil, 0, "", 0},
		{"failed change", []source.Change{change("ModifyVpnTunnelOptions", ip, 39*time.Second, "InvalidParameterValue")}, nil, 0, "", 0},
		{"a route change renegotiates nothing", []source.Change{change("CreateVpnConnectionRoute", "", 39*time.Second, "")}, nil, 0, "", 0},
		{"maintenance at the drop", nil, maint(down.Add(-20 * time.Second)), 0, catalog.AWSTunnelReplaced, 20 * time.Second},
		{"maintenance a day before", nil, maint(down.Add(-24 * time.Hour)), 0, "", 0},
		{"a change ranks before maintenance", []source.Change{change("ModifyVpnTunnelOptions", ip, time.Minute, "")}, maint(down.Add(-20 * time.Second)), 0, catalog.AWSTunnelOptionsChanged, time.Minute},
		{"a drop known to the hour: a change inside it", []source.Change{change("ModifyVpnTunnelOptions", ip, -40*time.Minute, "")}, nil, time.Hour, catalog.AWSTunnelOptionsChanged, -40 * time.Minute},
		{"a drop known to the hour: a change after it", []source.Change{change("ModifyVpnTunnelOptions", ip, -62*time.Minute, "")}, nil, time.Hour, "", 0},
	} {
		f := AWSFacts{Changes: &source.ChangesResult{Changes: c.changes}, Maintenance: c.maint}
		if got := f.Cause(ip, down, down.Add(c.last)); got != c.want {
			t.Errorf("%s: cause %q, want %q", c.name, got, c.want)
		}
		// A diagnosis of a drop known to the second ranks the same cause
		// first, at the time of the change or maintenance.
		if c.last != 0 {
			continue
		}
		res := DiagnoseResult{RootCause: CauseView{Category: "ike.state", Tunnel: ip}}
		res.RankAWSCauses(&f, down, ip, time.UTC)
		want := c.want
		if want == "" {
			want = "ike.state"
		}
		if res.RootCause.Category != string(want) || c.want != "" && res.RootCause.At != down.Add(-c.wantBack).Format(time.RFC3339) {
			t.Errorf("%s: diagnosis ranks %s at %s, want %s", c.name, res.RootCause.Category, res.RootCause.At, want)
		}
	}
}
