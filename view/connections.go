package view

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vpnlens/vpnlens/investigate"
)

// Connections is list_vpn_connections's answer as the assistant sees it:
// which connections exist, how each tunnel is doing, and whether its logs
// can be read.
type Connections struct {
	Summary     string       `json:"summary"`
	Connections []Connection `json:"connections" jsonschema:"grouped by account and region when there are several"`
	// Places and Missing: an AWS estate of several accounts and regions.
	Places  []investigate.PlaceCount  `json:"places,omitempty" jsonschema:"connections per AWS account and region, in the order the connections are listed"`
	Missing []investigate.MissingPart `json:"missing,omitempty" jsonschema:"AWS accounts and regions that could not be read, and why: their connections are not in this list"`
	Next    []string                  `json:"next,omitempty"`
	Notes   []string                  `json:"notes,omitempty"`
}

// Connection is one VPN connection and its tunnels.
type Connection struct {
	ID string `json:"vpn_connection_id"`
	investigate.Place
	Name            string         `json:"name,omitempty"`
	State           string         `json:"state"`
	Routing         string         `json:"routing" jsonschema:"bgp or static"`
	Gateway         string         `json:"gateway,omitempty" jsonschema:"virtual private gateway or transit gateway id"`
	CustomerGateway string         `json:"customer_gateway_id,omitempty"`
	LogGroups       []string       `json:"log_groups,omitempty" jsonschema:"the CloudWatch log groups its tunnels log to"`
	Tunnels         []TunnelStatus `json:"tunnels"`
}

// TunnelStatus is one tunnel's identity, EC2 telemetry and logging.
type TunnelStatus struct {
	Number           int    `json:"tunnel" jsonschema:"1 or 2"`
	OutsideIP        string `json:"outside_ip"`
	InsideCIDR       string `json:"inside_cidr,omitempty"`
	Status           string `json:"status,omitempty" jsonschema:"EC2 telemetry now: UP or DOWN, with its message"`
	LastStatusChange string `json:"last_status_change,omitempty"`
	Logs             string `json:"logs" jsonschema:"which logs the tunnel writes and in which format, e.g. IKE json, BGP json; off: nothing can be diagnosed"`
	EnableLogging    string `json:"enable_logging,omitempty" jsonschema:"the command that turns its logging on, when some is off"`
}

// ConnectionsOf shapes the connection list for the assistant.
func ConnectionsOf(r investigate.ListVPNConnectionsResult) Connections {
	out := Connections{Connections: []Connection{}, Places: r.Places, Missing: r.Missing, Notes: r.Hints}
	var down, dark []string
	for _, c := range r.Connections {
		v := Connection{ID: c.ID, Place: c.Place, Name: c.Name, State: c.State, Routing: c.Routing, Gateway: c.Gateway, CustomerGateway: c.CustomerGateway, Tunnels: []TunnelStatus{}}
		for _, t := range c.Tunnels {
			ts := TunnelStatus{Number: t.Number, OutsideIP: t.OutsideIP, InsideCIDR: t.InsideCIDR, LastStatusChange: t.LastStatusChange, Logs: logsOf(t)}
			ts.Status = t.Status
			if t.StatusMessage != "" {
				ts.Status += " (" + t.StatusMessage + ")"
			}
			if t.LoggingWarning != "" {
				if _, cmd, ok := strings.Cut(t.LoggingWarning, "enable with "); ok {
					ts.EnableLogging = cmd
				} else {
					ts.EnableLogging = t.LoggingWarning
				}
				dark = append(dark, fmt.Sprintf("%s tunnel %d", label(c.ID, c.Name), t.Number))
			}
			if t.Status == "DOWN" {
				down = append(down, fmt.Sprintf("%s tunnel %d (%s)", label(c.ID, c.Name), t.Number, t.OutsideIP))
			}
			for _, g := range []string{t.IKELogGroup, t.BGPLogGroup} {
				if g != "" && !slices.Contains(v.LogGroups, g) {
					v.LogGroups = append(v.LogGroups, g)
				}
			}
			v.Tunnels = append(v.Tunnels, ts)
		}
		out.Connections = append(out.Connections, v)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s", plural(len(out.Connections), "VPN connection", "VPN connections"))
	if len(r.Places) > 0 {
		accounts, regions := map[string]bool{}, map[string]bool{}
		for _, p := range r.Places {
			accounts[p.AccountID], regions[p.Region] = true, true
		}
		fmt.Fprintf(&b, " in %s and %s", plural(len(accounts), "account", "accounts"), plural(len(regions), "region", "regions"))
	}
	b.WriteString(".")
	if len(r.Missing) > 0 {
		var where []string
		for _, m := range r.Missing {
			where = append(where, placeText(m.Place)+" ("+m.Cause+")")
		}
		fmt.Fprintf(&b, " INCOMPLETE: not read: %s.", strings.Join(where, ", "))
	}
	if len(down) > 0 {
		fmt.Fprintf(&b, " Down now (EC2 telemetry): %s.", strings.Join(down, ", "))
	}
	if len(dark) > 0 {
		fmt.Fprintf(&b, " Logging off (nothing to diagnose there until it is turned on): %s.", strings.Join(dark, ", "))
	}
	out.Summary = b.String()
	if len(out.Connections) > 0 {
		out.Next = []string{"diagnose_tunnel_drop {\"vpn_connection_id\":…,\"tunnel\":\"1\"|\"2\",\"at\":\"HH:MM\"} for a drop; summarize_vpn_health {} for how every tunnel did over the last day"}
	}
	return out
}

func label(id, name string) string {
	if name != "" {
		return name
	}
	return id
}

func logsOf(t investigate.TunnelView) string {
	var parts []string
	if t.IKELogEnabled {
		parts = append(parts, strings.TrimSpace("IKE "+t.IKELogFormat))
	}
	if t.BGPLogEnabled {
		parts = append(parts, strings.TrimSpace("BGP "+t.BGPLogFormat))
	}
	if len(parts) == 0 {
		return "off"
	}
	if !t.IKELogEnabled {
		parts = append(parts, "IKE off")
	}
	if !t.BGPLogEnabled {
		parts = append(parts, "BGP off")
	}
	return strings.Join(parts, ", ")
}

// Text renders the list, one line per connection and per tunnel.
func (c Connections) Text() string {
	var b strings.Builder
	b.WriteString(c.Summary + "\n")
	var place investigate.Place
	for i, v := range c.Connections {
		if (i == 0 || v.Place != place) && placeText(v.Place) != "" && (len(c.Places) > 0 || i == 0) {
			fmt.Fprintf(&b, "%s:\n", placeText(v.Place))
		}
		place = v.Place
		fmt.Fprintf(&b, "- %s", v.ID)
		if v.Name != "" {
			fmt.Fprintf(&b, " (%s)", v.Name)
		}
		fmt.Fprintf(&b, ": %s, %s routing, gateway %s\n", v.State, v.Routing, orDash(v.Gateway))
		for _, t := range v.Tunnels {
			fmt.Fprintf(&b, "  tunnel %d %s: %s, logs %s", t.Number, t.OutsideIP, orDash(t.Status), t.Logs)
			if t.EnableLogging != "" {
				b.WriteString("  ⚠ logging off: " + t.EnableLogging)
			}
			b.WriteString("\n")
		}
	}
	for _, n := range c.Notes {
		fmt.Fprintf(&b, "Note: %s\n", n)
	}
	for _, n := range c.Next {
		fmt.Fprintf(&b, "Next: %s\n", n)
	}
	return b.String()
}
