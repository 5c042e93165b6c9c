package investigate

import (
	"fmt"
	"strings"

	"github.com/vpnlens/vpnlens/source"
)

// TunnelOptionsResult is the answer of get_tunnel_options.
type TunnelOptionsResult struct {
	VPNConnectionID string `json:"vpn_connection_id"`
	Place
	Tunnels []TunnelOptionsView `json:"tunnels"`
}

// TunnelOptionsView is one tunnel's full options and the notes on them.
type TunnelOptionsView struct {
	Number    int                  `json:"number"`
	OutsideIP string               `json:"outside_ip"`
	Options   source.TunnelOptions `json:"options"`
	Logging   source.LogSettings   `json:"logging"`
	Notes     []string             `json:"notes,omitempty" jsonschema:"risky or noteworthy settings"`
	// Maintenance is AWS's endpoint maintenance of the tunnel (AWS
	// source only).
	Maintenance *MaintenanceView `json:"maintenance,omitempty" jsonschema:"AWS endpoint maintenance of this tunnel: last applied, pending, applied automatically after"`
	// NegotiatedNow is what AWS reports as negotiated on the tunnel (AWS,
	// or a logs folder's tunnel-active-status.json).
	NegotiatedNow *NegotiatedView `json:"negotiated_now,omitempty" jsonschema:"what AWS reports the tunnel negotiated with the customer gateway now (GetActiveVpnTunnelStatus), beside the options it allows"`
}

// logPath says how a tunnel's logs of one kind are delivered: the path
// the source found (log deliveries), else the tunnel's log options.
func logPath(path string, enabled bool, group string) string {
	switch {
	case path != "":
		return path
	case enabled && group != "":
		if i := strings.Index(group, ":log-group:"); i >= 0 {
			group = strings.TrimSuffix(group[i+len(":log-group:"):], ":*")
		}
		return "tunnel log options to log group " + group
	case enabled:
		return "tunnel log options"
	}
	return "none: logging is off in the tunnel's options"
}

// riskNotes flags settings that commonly cause or prolong outages.
func riskNotes(c *source.Connection, t *source.Tunnel) []string {
	o := t.Options
	var n []string
	for _, v := range o.IKEVersions {
		if strings.EqualFold(v, "ikev1") {
			n = append(n, "IKEv1 is allowed: prefer IKEv2 only (faster rekeys, fewer collisions, clearer errors) if the customer gateway supports it")
			break
		}
	}
	weak := func(list []string, bad ...string) []string {
		var out []string
		for _, v := range list {
			for _, b := range bad {
				if strings.EqualFold(v, b) {
					out = append(out, v)
				}
			}
		}
		return out
	}
	if w := weak(append(append([]string{}, o.Phase1Integrity...), o.Phase2Integrity...), "SHA1"); len(w) > 0 {
		n = append(n, "SHA1 integrity is allowed: restrict to SHA2-256 or stronger")
	}
	for _, g := range append(append([]int{}, o.Phase1DHGroups...), o.Phase2DHGroups...) {
		if g == 2 || g == 5 {
			n = append(n, fmt.Sprintf("DH group %d is allowed: it is weak; restrict to 14 or higher (19, 20, 21 for ECP)", g))
			break
		}
	}
	if len(o.Phase1Encryption) > 2 || len(o.Phase1DHGroups) > 3 {
		n = append(n, "many phase 1 proposals are allowed (the AWS default): pinning the exact algorithms the customer gateway uses makes 'No Proposal Match' errors easier to read")
	}
	switch strings.ToLower(o.DPDTimeoutAction) {
	case "none":
		n = append(n, "DPD timeout action is none: AWS keeps a dead tunnel's SAs and will not restart negotiation itself")
	case "clear":
		n = append(n, "DPD timeout action is clear: after a DPD timeout AWS ends the session and waits for the customer gateway to initiate; set it to restart (with startup action start) to recover without the gateway's help")
	}
	if o.DPDTimeoutSec > 0 && o.DPDTimeoutSec < 30 {
		n = append(n, fmt.Sprintf("DPD timeout %ds is below the usual 30 s: short internet loss will drop the tunnel", o.DPDTimeoutSec))
	}
	if strings.EqualFold(o.StartupAction, "add") {
		n = append(n, "startup action is add: only the customer gateway can bring the tunnel up (AWS never initiates)")
	}
	if !t.Logging.IKEEnabled || (!t.Logging.BGPEnabled && !c.StaticRoutesOnly) {
		n = append(n, "logging is incomplete on this tunnel: "+enableLoggingHint(c.ID, t.OutsideIP))
	}
	return n
}

// Text renders the options compactly.
func (r TunnelOptionsResult) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Tunnel options of %s%s\n", r.VPNConnectionID, r.Place.suffix())
	for _, t := range r.Tunnels {
		o := t.Options
		fmt.Fprintf(&b, "tunnel %d %s: IKE %s; P1 %s/%s/DH%v %ds; P2 %s/%s/DH%v %ds; DPD %ds→%s; startup %s; rekey margin %ds fuzz %d%%; replay %d\n",
			t.Number, t.OutsideIP, strings.Join(o.IKEVersions, ","), strings.Join(o.Phase1Encryption, ","), strings.Join(o.Phase1Integrity, ","),
			o.Phase1DHGroups, o.Phase1LifetimeSec, strings.Join(o.Phase2Encryption, ","), strings.Join(o.Phase2Integrity, ","), o.Phase2DHGroups,
			o.Phase2LifetimeSec, o.DPDTimeoutSec, orDash(o.DPDTimeoutAction), orDash(o.StartupAction), o.RekeyMarginSec, o.RekeyFuzzPercent, o.ReplayWindowSize)
		if n := t.NegotiatedNow; n != nil {
			fmt.Fprintf(&b, "  negotiated now: %s\n", n.text())
		}
		if m := t.Maintenance; m != nil && m.LastApplied != nil {
			fmt.Fprintf(&b, "  maintenance last applied %s\n", m.LastApplied.UTC)
		}
		for _, n := range t.Notes {
			fmt.Fprintf(&b, "  note: %s\n", n)
		}
	}
	return b.String()
}

// TunnelOptions states the options of conn's tunnels (only: just that one).
func TunnelOptions(conn *source.Connection, only *source.Tunnel) TunnelOptionsResult {
	res := TunnelOptionsResult{VPNConnectionID: conn.ID, Place: PlaceOf(conn), Tunnels: []TunnelOptionsView{}}
	for i := range conn.Tunnels {
		t := &conn.Tunnels[i]
		if only != nil && only.OutsideIP != t.OutsideIP {
			continue
		}
		lg := t.Logging
		lg.IKEPath = logPath(lg.IKEPath, lg.IKEEnabled, lg.IKELogGroup)
		lg.BGPPath = logPath(lg.BGPPath, lg.BGPEnabled, lg.BGPLogGroup)
		res.Tunnels = append(res.Tunnels, TunnelOptionsView{Number: t.Number, OutsideIP: t.OutsideIP, Options: t.Options, Logging: lg, Notes: riskNotes(conn, t)})
	}
	return res
}
