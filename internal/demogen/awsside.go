package main

import (
	"encoding/json"
	"math/rand/v2"
	"time"

	"github.com/vpnlens/vpnlens/internal/demogen/tunnelsim"
)

// Drops AWS caused, which the logs show only as a teardown from the AWS
// side: a tunnel-options change made through the EC2 API (its CloudTrail
// event in cloudtrail-events.json) and an endpoint replacement for
// maintenance (tunnel-maintenance.json, what GetVpnTunnelReplacementStatus
// answers). Their draws come from a random source of their own, so adding
// them changed no draw of the incidents before them.

// seedAWS seeds the AWS-side incidents' draws.
const seedAWS = 0x6177_732d_7369_6465

// trailAccount is the account the demo's CloudTrail events come from.
const trailAccount = "111122223333"

// trailEvent is one event of cloudtrail-events.json, in the shape `aws
// cloudtrail lookup-events` prints (CloudTrailEvent is the full record as
// a JSON string).
type trailEvent struct {
	EventID         string          `json:"EventId"`
	EventName       string          `json:"EventName"`
	ReadOnly        string          `json:"ReadOnly"`
	Username        string          `json:"Username"`
	EventTime       string          `json:"EventTime"`
	EventSource     string          `json:"EventSource"`
	Resources       []trailResource `json:"Resources"`
	CloudTrailEvent string          `json:"CloudTrailEvent"`
}

type trailResource struct {
	ResourceType string `json:"ResourceType"`
	ResourceName string `json:"ResourceName"`
}

// modifyTunnelOptions is the CloudTrail event of a ModifyVpnTunnelOptions
// call on tn at t by an assumed role's session, with the request as sent:
// the pre-shared key in it is what vpnlens must never show.
func modifyTunnelOptions(id string, tn *tunnel, t time.Time, session string, options map[string]any) trailEvent {
	arn := "arn:aws:sts::" + trailAccount + ":assumed-role/NetworkAdmin/" + session
	rec := map[string]any{
		"eventVersion": "1.09", "eventTime": t.UTC().Format(rfc3339Sec), "eventSource": "ec2.amazonaws.com", "eventName": "ModifyVpnTunnelOptions",
		"awsRegion": "eu-central-1", "sourceIPAddress": "198.51.100.201", "userAgent": "aws-cli/2.17.4 md/command#ec2.modify-vpn-tunnel-options",
		"userIdentity": map[string]any{"type": "AssumedRole", "arn": arn, "accountId": trailAccount},
		"requestParameters": map[string]any{"vpnConnectionId": tn.Conn.ID, "vpnTunnelOutsideIpAddress": tn.IP, "tunnelOptions": options},
		"responseElements": map[string]any{"requestId": "4f0b7c1e-9d2a-4e63-8a51-0c6f2b9e7d14"},
		"eventID": id, "readOnly": false, "eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": trailAccount,
	}
	b, _ := json.Marshal(rec) // maps of strings and numbers always marshal
	return trailEvent{EventID: id, EventName: "ModifyVpnTunnelOptions", ReadOnly: "false", Username: session,
		EventTime: t.UTC().Format(rfc3339Sec), EventSource: "ec2.amazonaws.com",
		Resources: []trailResource{{ResourceType: "AWS::EC2::VPNConnection", ResourceName: tn.Conn.ID}}, CloudTrailEvent: string(b)}
}

// renderTrail writes cloudtrail-events.json, newest event first as
// LookupEvents lists them.
func renderTrail(evs []trailEvent) ([]byte, error) {
	out := struct {
		Events []trailEvent `json:"Events"`
	}{Events: make([]trailEvent, 0, len(evs))}
	for i := len(evs) - 1; i >= 0; i-- {
		out.Events = append(out.Events, evs[i])
	}
	b, err := json.MarshalIndent(out, "", "    ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// maintenanceStatus is one tunnel's GetVpnTunnelReplacementStatus output,
// as the CLI prints it.
type maintenanceStatus struct {
	VpnConnectionID           string             `json:"VpnConnectionId"`
	TransitGatewayID          string             `json:"TransitGatewayId,omitempty"`
	CustomerGatewayID         string             `json:"CustomerGatewayId"`
	VpnGatewayID              string             `json:"VpnGatewayId,omitempty"`
	VpnTunnelOutsideIPAddress string             `json:"VpnTunnelOutsideIpAddress"`
	MaintenanceDetails        maintenanceDetails `json:"MaintenanceDetails"`
}

type maintenanceDetails struct {
	PendingMaintenance          string `json:"PendingMaintenance,omitempty"`
	MaintenanceAutoAppliedAfter string `json:"MaintenanceAutoAppliedAfter,omitempty"`
	LastMaintenanceApplied      string `json:"LastMaintenanceApplied,omitempty"`
}

// tunnelMaintenance is what AWS says of one tunnel's maintenance at the end
// of the day (zero times: none).
type tunnelMaintenance struct {
	applied          time.Time
	pending          string
	autoAppliedAfter time.Time
}

// renderMaintenance writes tunnel-maintenance.json: every tunnel's status,
// in topology order, times as the CLI prints them.
func renderMaintenance(conns []*connection, maint map[*tunnel]tunnelMaintenance) ([]byte, error) {
	var out []maintenanceStatus
	for _, c := range conns {
		for _, tn := range c.Tunnels {
			m := maint[tn]
			st := maintenanceStatus{VpnConnectionID: c.ID, TransitGatewayID: c.TGWID, CustomerGatewayID: c.CGWID, VpnGatewayID: c.VGWID,
				VpnTunnelOutsideIPAddress: tn.IP, MaintenanceDetails: maintenanceDetails{PendingMaintenance: m.pending}}
			if !m.applied.IsZero() {
				st.MaintenanceDetails.LastMaintenanceApplied = m.applied.UTC().Format("2006-01-02T15:04:05+00:00")
			}
			if !m.autoAppliedAfter.IsZero() {
				st.MaintenanceDetails.MaintenanceAutoAppliedAfter = m.autoAppliedAfter.UTC().Format("2006-01-02T15:04:05+00:00")
			}
			out = append(out, st)
		}
	}
	b, err := json.MarshalIndent(out, "", "    ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// 10. branch tunnel 1, 08:41: the network team rotates the tunnel's
// pre-shared key through the EC2 API (the customer gateway already has the
// new key). AWS renegotiates the tunnel: it tears it down 39 s later and
// brings it up with the new key about five minutes after.
func incidentBranchOptionsChange(r *rand.Rand, b1 *tunnel) (incident, trailEvent) {
	change := at(8, 41, 52, 0)
	ev := modifyTunnelOptions("8c3f5e2a-61d4-4b7e-a0f9-2d7c1e6b9a35", b1, change, "maria.keller",
		map[string]any{"PreSharedKey": "Rotated.K3y_2026-06", "Phase1LifetimeSeconds": 28800})
	down := at(8, 42, 31, 0)
	b1.IKEAt(down, true, tunnelsim.StDown, tunnelsim.StDown, "")
	idle := down.Add(ms(1840))
	b1.BGPDown(idle, b1.Conn.Prefixes, b1.MED)
	re := at(8, 47, 29, 0)
	b1.IKEAt(re, true, tunnelsim.StNegotiating, tunnelsim.StDown, "")
	up := b1.IKERecover(r, down, re.Add(ms(910)), tunnelsim.StDown, tunnelsim.StDown)
	est := b1.BGPUp(r, up.Add(5*time.Second+jitter(r, 0, ms(800))), b1.Conn.Prefixes, b1.MED)
	b1.BGPQuiet = append(b1.BGPQuiet, span{From: at(8, 30, 0, 0), To: at(9, 0, 0, 0)})
	return incident{
		ID: "branch-t1-options-change", VPNConnectionID: b1.Conn.ID, Tunnel: 1, TunnelIP: b1.IP,
		QuestionAt: at(8, 45, 0, 0).Format(rfc3339Sec), RootCause: "aws.tunnel_options_changed", RootCauseAt: change.Format(rfc3339Sec),
		LogsRootCause: "ike.state", LogsRootCauseAt: ikeTime(b1, down),
		Recovered: true, RecoveredAt: bgpTime(est), sortAt: change,
		Summary: "The network team rotated tunnel 1's pre-shared key through the EC2 API (ModifyVpnTunnelOptions, CloudTrail); AWS renegotiated the tunnel: phases down 39 s later with no reason logged, BGP Idle, and up again with the new key at 08:47.",
		story: []string{
			hhmmss(change) + " CloudTrail: `ModifyVpnTunnelOptions` on tunnel " + b1.IP + " by the NetworkAdmin role (session maria.keller), changing PreSharedKey and Phase1LifetimeSeconds (the key is in the request; vpnlens never shows it).",
			hhmmss(down) + " IKE: phase 1 and 2 down, no reason logged (AWS tore the tunnel down to apply the options); " + hhmmssms(idle) + " BGP Established → Idle, 6 routes withdrawn (no notification).",
			hhmmss(re) + "–" + hhmmss(up) + " IKE renegotiates with the new key (AWS initiates: startup action start); BGP Established at " + hhmmssms(est) + ".",
			"From the logs alone the cause is `ike.state` (the phases went down with no reason); with `cloudtrail-events.json` it is the change.",
		},
	}, ev
}

// 11. hq tunnel 2, 12:14: AWS replaces the tunnel's endpoint for
// maintenance. AWS shuts the BGP session down (Cease 6/2 sent), then the
// tunnel; the new endpoint comes up five minutes later. Tunnel 1 carries
// the traffic throughout (it is preferred anyway).
func incidentHQMaintenance(r *rand.Rand, a2 *tunnel) (incident, time.Time) {
	applied := at(12, 13, 58, 0)
	cease := at(12, 14, 3, 412)
	a2.BGPAt(cease, "DOWN", tunnelsim.MsgCeaseSent(2, a2.CGWInside))
	a2.BGPDown(cease.Add(ms(2)), a2.Conn.Prefixes, a2.MED)
	down := cease.Add(ms(1400))
	a2.IKEAt(down, true, tunnelsim.StDown, tunnelsim.StDown, "")
	re := at(12, 19, 41, 208)
	a2.IKEAt(re, true, tunnelsim.StNegotiating, tunnelsim.StDown, "")
	up := a2.IKERecover(r, down, re.Add(ms(1130)), tunnelsim.StDown, tunnelsim.StDown)
	est := a2.BGPUp(r, up.Add(6*time.Second+jitter(r, 0, ms(800))), a2.Conn.Prefixes, a2.MED)
	a2.BGPQuiet = append(a2.BGPQuiet, span{From: at(12, 0, 0, 0), To: at(12, 35, 0, 0)})
	return incident{
		ID: "hq-t2-maintenance-replacement", VPNConnectionID: a2.Conn.ID, Tunnel: 2, TunnelIP: a2.IP,
		QuestionAt: at(12, 17, 0, 0).Format(rfc3339Sec), RootCause: "aws.tunnel_replaced", RootCauseAt: applied.Format(rfc3339Sec),
		LogsRootCause: "ike.state", LogsRootCauseAt: ikeTime(a2, down),
		Recovered: true, RecoveredAt: bgpTime(est), sortAt: applied,
		Summary: "AWS replaced tunnel 2's endpoint for maintenance (GetVpnTunnelReplacementStatus: last maintenance applied 12:13:58): AWS shut the BGP session down (Cease 6/2) and the tunnel a second later; the new endpoint was up at 12:19; tunnel 1 carried the traffic.",
		story: []string{
			hhmmss(applied) + " EC2: maintenance applied to tunnel " + a2.IP + " (`tunnel-maintenance.json`, LastMaintenanceApplied).",
			hhmmssms(cease) + " BGP: `" + tunnelsim.MsgCeaseSent(2, a2.CGWInside) + "`, Established → Idle, 12 routes withdrawn; tunnel 1 already carries the traffic (MED 0).",
			hhmmssms(down) + " IKE: phase 1 and 2 down, no reason logged.",
			hhmmssms(re) + "–" + hhmmssms(up) + " IKE negotiates with the new endpoint; BGP Established at " + hhmmssms(est) + ".",
			"From the logs alone the cause is `ike.state` (the phases went down with no reason, BGP having been shut from the AWS side); with `tunnel-maintenance.json` it is the replacement.",
		},
	}, applied
}
