package main

import (
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

// 10. branch tunnel 1, 08:41: the network team rotates the tunnel's
// pre-shared key through the EC2 API (the customer gateway already has the
// new key). AWS renegotiates the tunnel: it tears it down 39 s later and
// brings it up with the new key about five minutes after.
func incidentBranchOptionsChange(r *rand.Rand, b1 *tunnel) (incident, tunnelsim.TrailEvent) {
	change := at(8, 41, 52, 0)
	ev := tunnelsim.ModifyTunnelOptions("8c3f5e2a-61d4-4b7e-a0f9-2d7c1e6b9a35", b1, change, "maria.keller",
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
