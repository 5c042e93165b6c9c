package view

import (
	"fmt"
	"strings"

	"github.com/vpnlens/vpnlens/investigate"
)

// Health is summarize_vpn_health's answer as the assistant sees it: a
// summary (per connection, how each tunnel did and what to look at first),
// then every figure per tunnel and the incidents behind them, over one
// stated window.
type Health struct {
	Summary string `json:"summary" jsonschema:"the answer in a few sentences: per connection, each tunnel's uptime and flaps, total losses of connectivity, tunnels without logs"`
	investigate.HealthResult
	Next []string `json:"next,omitempty"`
}

// HealthOf shapes a health summary for the assistant.
func HealthOf(r investigate.HealthResult) Health {
	z := zoneOf(r.Timezone)
	h := Health{HealthResult: r}
	var lines []string
	var worst struct {
		uptime       float64
		vpn, at      string
		tunnel       int
		label, found string
	}
	worst.uptime = 101
	for _, c := range r.Connections {
		var parts []string
		for _, t := range c.Tunnels {
			switch {
			case t.UptimePercent != nil:
				s := fmt.Sprintf("tunnel %d up %.2f%%, %s", t.Number, *t.UptimePercent, plural(t.Flaps, "flap", "flaps"))
				if t.LongestOutageSec > 0 {
					s += ", longest outage " + span(t.LongestOutageSec)
				}
				parts = append(parts, s)
				if *t.UptimePercent < worst.uptime && t.Flaps > 0 {
					worst.uptime, worst.vpn, worst.tunnel, worst.label, worst.at = *t.UptimePercent, c.VPNConnectionID, t.Number, label(c.VPNConnectionID, c.Name), ""
				}
			case t.Estimated:
				parts = append(parts, fmt.Sprintf("tunnel %d about %s (estimated from counts)", t.Number, plural(t.Flaps, "flap", "flaps")))
			case !t.LoggingEnabled && t.StatusNow == "DOWN":
				parts = append(parts, fmt.Sprintf("tunnel %d has no logs and is DOWN now per EC2", t.Number))
			case !t.LoggingEnabled:
				parts = append(parts, fmt.Sprintf("tunnel %d has no logs", t.Number))
			default:
				parts = append(parts, fmt.Sprintf("tunnel %d logged nothing in the window", t.Number))
			}
		}
		line := label(c.VPNConnectionID, c.Name) + ": " + strings.Join(parts, "; ")
		if c.BothTunnelsDownSeconds > 0 {
			line += "; BOTH tunnels down at once for " + span(c.BothTunnelsDownSeconds)
		}
		lines = append(lines, line)
		if c.VPNConnectionID == worst.vpn {
			// The longest outage of the worst tunnel is where to look first.
			var longest int64
			for _, in := range c.Incidents {
				if in.TunnelNumber == worst.tunnel && in.Down && in.DurationSeconds >= longest {
					longest, worst.at = in.DurationSeconds, in.Start.UTC
				}
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Health of %s from %s to %s", plural(len(r.Connections), "VPN connection", "VPN connections"), z.both(r.Start.UTC), z.both(r.End.UTC))
	if r.Path != "records" {
		fmt.Fprintf(&b, " (%s)", r.Path)
	}
	if len(lines) > 0 {
		b.WriteString(": " + strings.Join(lines, ". "))
	}
	b.WriteString(".")
	h.Summary = b.String()
	if worst.at != "" {
		h.Next = append(h.Next, fmt.Sprintf("diagnose_tunnel_drop {\"vpn_connection_id\":%q,\"tunnel\":\"%d\",\"at\":%q} explains the longest outage of the least available tunnel (%s tunnel %d)", worst.vpn, worst.tunnel, worst.at, worst.label, worst.tunnel))
	}
	return h
}

// Text renders the summary, then every figure per tunnel.
func (h Health) Text() string {
	var b strings.Builder
	b.WriteString(h.Summary + "\n")
	b.WriteString(h.HealthResult.Text())
	for _, n := range h.Next {
		fmt.Fprintf(&b, "Next: %s\n", n)
	}
	return b.String()
}
