package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// seed fixes every random draw (jitter, message ids, SPIs).
const seed1, seed2 = 20260612, 0x7670_6e6c_656e_73

// prefixLimit is AWS's per-tunnel limit on prefixes received from the CGW.
const prefixLimit = 100

// incident is one labelled event of the day, as written to expected.json.
type incident struct {
	ID                 string `json:"id"`
	VPNConnectionID    string `json:"vpn_connection_id"`
	Tunnel             int    `json:"tunnel"`
	TunnelIP           string `json:"tunnel_ip"`
	QuestionAt         string `json:"question_at"`
	RootCause          string `json:"root_cause"`
	RootCauseAt        string `json:"root_cause_at"`
	StaysDownBecause   string `json:"stays_down_because,omitempty"`
	StaysDownBecauseAt string `json:"stays_down_because_at,omitempty"`
	Recovered          bool   `json:"recovered"`
	RecoveredAt        string `json:"recovered_at,omitempty"`
	Summary            string `json:"summary"`

	// story is the README's account, one line per step.
	story []string
	// sortAt orders incidents chronologically.
	sortAt time.Time
}

// dataset is everything the generator writes.
type dataset struct {
	conns     []*connection
	incidents []incident
}

const (
	rfc3339Sec   = "2006-01-02T15:04:05Z07:00"
	rfc3339Milli = "2006-01-02T15:04:05.000Z07:00"
)

// ikeTime is how an IKE record's time reads in its stream: whole seconds
// unless the stream's `timestamp` carries milliseconds.
func (tn *tunnel) ikeTime(t time.Time) string {
	if tn.ikeMillis {
		return t.UTC().Format(rfc3339Milli)
	}
	return t.UTC().Truncate(time.Second).Format(rfc3339Sec)
}

func bgpTime(t time.Time) string { return t.UTC().Format(rfc3339Milli) }

func hhmmss(t time.Time) string { return t.UTC().Format("15:04:05") }

func hhmmssms(t time.Time) string { return t.UTC().Format("15:04:05.000") }

func topology() []*connection {
	hq := &connection{
		id: "vpn-0a1b2c3d4e5f60718", name: "hq-datacenter",
		cgwID: "cgw-0a11b22c33d44e55f", vgwID: "vgw-0d4e5f6a7b8c9d0e1",
		cgwIP: "198.51.100.7", cgwASN: 65010, awsASN: 64512, cgwRouterID: "10.10.255.1",
		logging: true, logGroup: "/aws/vendedlogs/vpn/hq", bgpLogGroup: "/aws/vendedlogs/vpn/hq-bgp",
		dpdAction: "clear", startupAction: "add",
		prefixes: []prefix{
			{"10.10.0.0/16", "65010"}, {"10.11.0.0/16", "65010"}, {"10.12.0.0/20", "65010"},
			{"10.12.16.0/20", "65010"}, {"10.13.0.0/16", "65010 65100"}, {"172.16.0.0/22", "65010"},
			{"172.16.4.0/22", "65010"}, {"172.16.8.0/21", "65010 65100"}, {"172.17.0.0/16", "65010 65100"},
			{"192.168.10.0/24", "65010"}, {"192.168.11.0/24", "65010"}, {"192.168.20.0/24", "65010"},
		},
		tags:              []tag{{"Name", "hq-datacenter"}},
		telemetryReversed: true,
	}
	hq.tunnels = []*tunnel{
		{conn: hq, num: 1, ip: "203.0.113.10", insideCIDR: "169.254.10.0/30", awsInside: "169.254.10.1", cgwInside: "169.254.10.2",
			ikeVersion: "ikev2", med: 0, awsMsgID: 41, cgwMsgID: 58},
		{conn: hq, num: 2, ip: "203.0.113.20", insideCIDR: "169.254.11.0/30", awsInside: "169.254.11.1", cgwInside: "169.254.11.2",
			ikeVersion: "ikev2", ikeMillis: true, med: 100, awsMsgID: 37, cgwMsgID: 63},
	}
	branch := &connection{
		id: "vpn-0f9e8d7c6b5a40312", name: "branch-frankfurt",
		cgwID: "cgw-0b66c77d88e99f001", tgwID: "tgw-0b7c3e9a1d2f45e68",
		cgwIP: "192.0.2.44", cgwASN: 65020, awsASN: 64513, cgwRouterID: "10.30.255.1",
		logging: true, logGroup: "/aws/vendedlogs/vpn/branch-frankfurt", bgpLogGroup: "/aws/vendedlogs/vpn/branch-frankfurt-bgp",
		dpdAction: "restart", startupAction: "start", natT: true,
		prefixes: []prefix{
			{"10.30.0.0/20", "65020"}, {"10.30.16.0/20", "65020"}, {"10.30.32.0/24", "65020"},
			{"172.20.0.0/22", "65020"}, {"192.168.30.0/24", "65020"}, {"192.168.31.0/24", "65020"},
		},
		tags: []tag{{"Name", "branch-frankfurt"}},
	}
	branch.tunnels = []*tunnel{
		{conn: branch, num: 1, ip: "203.0.113.30", insideCIDR: "169.254.20.0/30", awsInside: "169.254.20.1", cgwInside: "169.254.20.2",
			ikeVersion: "ikev2", awsMsgID: 52, cgwMsgID: 29},
		{conn: branch, num: 2, ip: "203.0.113.40", insideCIDR: "169.254.21.0/30", awsInside: "169.254.21.1", cgwInside: "169.254.21.2",
			ikeVersion: "ikev1", ikeMillis: true, bgpText: true},
	}
	dr := &connection{
		id: "vpn-0c0ffee00d15a5e77", name: "dr-site",
		cgwID: "cgw-0c12d34e56f78a9b0", vgwID: "vgw-0d4e5f6a7b8c9d0e1",
		cgwIP: "198.51.100.90", staticOnly: true, dpdAction: "clear", startupAction: "add",
		staticRoutes: []string{"10.50.0.0/16"},
		tags:         []tag{{"Name", "dr-site"}},
	}
	dr.tunnels = []*tunnel{
		{conn: dr, num: 1, ip: "203.0.113.50", insideCIDR: "169.254.30.0/30", ikeVersion: "ikev2",
			status: "UP", lastChange: time.Date(2026, 6, 3, 2, 17, 44, 0, time.UTC)},
		{conn: dr, num: 2, ip: "203.0.113.60", insideCIDR: "169.254.31.0/30", ikeVersion: "ikev2",
			status: "DOWN", lastChange: time.Date(2026, 5, 29, 8, 14, 51, 0, time.UTC)},
	}
	return []*connection{hq, branch, dr}
}

// scenario builds the whole day.
func scenario() *dataset {
	r := rand.New(rand.NewPCG(seed1, seed2))
	conns := topology()
	hq, branch := conns[0], conns[1]
	a1, a2 := hq.tunnels[0], hq.tunnels[1]
	b1, b2 := branch.tunnels[0], branch.tunnels[1]
	for _, tn := range []*tunnel{a1, a2, b1, b2} {
		tn.status = "UP"
		tn.routeCount = len(tn.conn.prefixes)
	}

	ds := &dataset{conns: conns}
	ds.incidents = append(ds.incidents,
		incidentHQDPD(r, a1, a2),
		incidentBranchConnectionRejected(r, b1),
		incidentHQMaxPrefix(r, a2),
		incidentBranchProposalMismatch(r, b2),
		incidentBranchBadOpenASN(r, b1),
		incidentHQASPathLoop(r, a1),
		incidentHQHoldTimer(r, a1, a2),
	)
	ds.incidents = append(ds.incidents, incidentBranchLinkDown(r, b1, b2)...)
	ds.incidents = append(ds.incidents, incidentHQDeletePSK(r, a2))
	slices.SortStableFunc(ds.incidents, func(x, y incident) int { return x.sortAt.Compare(y.sortAt) })

	transientPrefix(r, hq, prefix{"192.168.99.0/24", "65010"}, at(7, 12, 40, 118), at(7, 58, 3, 602))
	transientPrefix(r, branch, prefix{"10.30.48.0/24", "65020"}, at(15, 3, 17, 254), at(15, 40, 51, 9))

	for _, tn := range []*tunnel{a1, a2, b1, b2} {
		backgroundIKE(r, tn)
		backgroundBGP(r, tn)
	}
	return ds
}

// recover logs an IKE_SA coming back after an outage that started at from:
// phase 1 up first, then phase 2. Returns the time both are established.
func (tn *tunnel) ikeRecover(r *rand.Rand, from, t time.Time, downP1, downP2 string) time.Time {
	tn.ikeStates = append(tn.ikeStates, stateSpan{span{from, t}, downP1, downP2})
	tn.ikeAt(t, true, stEstablished, stNegotiating, "")
	t = t.Add(jitter(r, ms(150), ms(700)))
	tn.ikeAt(t, true, stEstablished, stEstablished, "")
	tn.ikeOutages = append(tn.ikeOutages, span{from, t})
	return t
}

// 1. hq tunnel 1, 03:10: the path to endpoint 1 dies, DPD gives up, BGP's hold
// timer runs out 30 s later; the CGW fails over to tunnel 2.
func incidentHQDPD(r *rand.Rand, a1, a2 *tunnel) incident {
	dpd := at(3, 10, 7, 281)
	a1.ikeAt(dpd, true, stDown, stDown, msgDPDTimeoutV2)
	a1.ikeAt(at(3, 11, 38, 40), true, stDown, stDown, "")
	a1.ikeAt(at(3, 13, 9, 502), true, stDown, stDown, "")

	hold := at(3, 10, 37, 412)
	a1.bgpAt(hold, "DOWN", msgHoldTimerExpired(a1.cgwInside))
	a1.bgpDown(hold.Add(ms(2)), a1.conn.prefixes, a1.med)
	failover := at(3, 10, 41, 230)
	a2.receiveRoutes(r, failover, "UPDATED", a2.conn.prefixes, 0, "")

	renegotiate := at(3, 14, 2, 144)
	a1.ikeAt(renegotiate, true, stNegotiating, stDown, "")
	up := a1.ikeRecover(r, dpd, renegotiate.Add(ms(870)), stDown, stDown)
	a1.awsMsgID, a1.cgwMsgID = 0, 2
	est := a1.bgpUp(r, at(3, 14, 9, 611), a1.conn.prefixes, a1.med)
	a2.receiveRoutes(r, at(3, 14, 21, 77), "UPDATED", a2.conn.prefixes, a2.med, "")
	a1.bgpQuiet = append(a1.bgpQuiet, span{at(3, 0, 0, 0), at(3, 20, 0, 0)})
	a2.bgpQuiet = append(a2.bgpQuiet, span{at(3, 0, 0, 0), at(3, 20, 0, 0)})

	return incident{
		ID: "hq-t1-dpd-timeout", VPNConnectionID: a1.conn.id, Tunnel: 1, TunnelIP: a1.ip,
		QuestionAt: at(3, 13, 0, 0).Format(rfc3339Sec), RootCause: "ike.dpd_timeout", RootCauseAt: a1.ikeTime(dpd),
		Recovered: true, RecoveredAt: bgpTime(est), sortAt: dpd,
		Summary: "The customer gateway stopped answering DPD on tunnel 1 (path to endpoint 1 lost); IKE went down, BGP hold timer expired 30 s later; traffic failed over to tunnel 2 until IKE renegotiated at 03:14.",
		story: []string{
			hhmmss(dpd) + " IKE: `" + msgDPDTimeoutV2 + "`, phase 1 and 2 down.",
			hhmmssms(hold) + " BGP: Hold Timer Expired, Established → Idle, the 12 routes withdrawn.",
			hhmmssms(failover) + " tunnel 2 BGP: the CGW re-sends its 12 routes with MED 0 (failover; tunnel 2 stays up all along).",
			hhmmss(renegotiate) + "–" + hhmmss(up) + " IKE renegotiates (negotiating → established); BGP Established at " + hhmmssms(est) + ", tunnel 2 routes back to MED 100.",
		},
	}
}

// 6. branch tunnel 1, 06:15: the CGW rejects the BGP session and keeps
// rejecting every reconnect for a quarter of an hour.
func incidentBranchConnectionRejected(r *rand.Rand, b1 *tunnel) incident {
	nb := b1.cgwInside
	first := at(6, 15, 4, 530)
	b1.bgpAt(first, "DOWN", msgConnectionRejectedReceived(nb))
	b1.bgpDown(first.Add(ms(2)), b1.conn.prefixes, b1.med)
	attempts := 0
	for t := at(6, 17, 5, 0); t.Before(at(6, 30, 0, 0)); t = t.Add(2*time.Minute + jitter(r, 0, 2*time.Second)) {
		t = t.Add(jitter(r, 0, ms(400)))
		e := b1.bgpOpenExchange(r, t, b1.conn.cgwASN)
		e = e.Add(ms(1))
		b1.bgpAt(e, "DOWN", msgBGPState("OpenSent", "OpenConfirm", nb))
		e = e.Add(jitter(r, ms(5), ms(20)))
		b1.bgpAt(e, "DOWN", msgConnectionRejectedReceived(nb))
		b1.bgpAt(e.Add(ms(1)), "DOWN", msgBGPState("OpenConfirm", "Idle", nb))
		attempts++
	}
	est := b1.bgpUp(r, at(6, 31, 8, 344), b1.conn.prefixes, b1.med)
	b1.bgpQuiet = append(b1.bgpQuiet, span{at(6, 5, 0, 0), at(6, 40, 0, 0)})
	return incident{
		ID: "branch-t1-connection-rejected", VPNConnectionID: b1.conn.id, Tunnel: 1, TunnelIP: b1.ip,
		QuestionAt: at(6, 18, 0, 0).Format(rfc3339Sec), RootCause: "bgp.cease.connection_rejected", RootCauseAt: bgpTime(first),
		Recovered: true, RecoveredAt: bgpTime(est), sortAt: first,
		Summary: "The customer gateway rejected the BGP session on tunnel 1 (Cease 6/5 Connection Rejected) and every reconnect until 06:31; IKE stayed up.",
		story: []string{
			hhmmssms(first) + " BGP: `" + msgConnectionRejectedReceived(nb) + "`, Established → Idle, 6 routes withdrawn.",
			fmt.Sprintf("06:17–06:29 %d reconnects about every 2 min: Idle → Connect → OpenSent, OPEN sent and received, OpenConfirm, then 6/5 again and back to Idle.", attempts),
			hhmmssms(est) + " BGP Established; IKE phases were established throughout.",
		},
	}
}

// 2. hq tunnel 2, 09:36-09:50: the CGW leaks its internal routes towards
// tunnel 2 only; AWS warns, then tears the session down at 104 of 100.
func incidentHQMaxPrefix(r *rand.Rand, a2 *tunnel) incident {
	nb := a2.cgwInside
	var leaked []prefix
	for i := range 92 {
		leaked = append(leaked, prefix{fmt.Sprintf("10.64.%d.0/24", i), "65010"})
	}
	received := len(a2.conn.prefixes)
	var warnings []string
	sendBatch := func(t time.Time, n int) time.Time {
		batch := leaked[received-len(a2.conn.prefixes) : received-len(a2.conn.prefixes)+n]
		t = a2.receiveRoutes(r, t, "ADVERTISED", batch, a2.med, "")
		received += n
		return t
	}
	t := at(9, 36, 10, 417)
	for range 7 {
		sendBatch(t, 10)
		t = t.Add(jitter(r, 30*time.Second, 40*time.Second))
	}
	warn := func(t time.Time) {
		a2.bgpAt(t, "UP", msgPrefixWarning(received, nb, prefixLimit))
		warnings = append(warnings, fmt.Sprintf("%s (%d)", hhmmssms(t), received))
	}
	firstWarn := at(9, 40, 21, 337)
	warn(firstWarn)
	sendBatch(at(9, 43, 51, 20), 8)
	warn(at(9, 44, 2, 118))
	sendBatch(at(9, 47, 22, 604), 6)
	warn(at(9, 47, 31, 905))
	sendBatch(at(9, 50, 12, 700), 8)
	exceeded := at(9, 50, 12, 771)
	a2.bgpAt(exceeded, "DOWN", msgPrefixExceeded(received, nb, prefixLimit))
	a2.bgpAt(exceeded.Add(ms(1)), "DOWN", msgMaxPrefixSent(nb))
	all := append(slices.Clone(a2.conn.prefixes), leaked...)
	a2.bgpDown(exceeded.Add(ms(3)), all, a2.med)
	est := a2.bgpUp(r, at(10, 5, 18, 226), a2.conn.prefixes, a2.med)
	a2.bgpQuiet = append(a2.bgpQuiet, span{at(9, 25, 0, 0), at(10, 15, 0, 0)})
	return incident{
		ID: "hq-t2-max-prefix", VPNConnectionID: a2.conn.id, Tunnel: 2, TunnelIP: a2.ip,
		QuestionAt: at(9, 53, 0, 0).Format(rfc3339Sec), RootCause: "bgp.prefix_limit_exceeded", RootCauseAt: bgpTime(exceeded),
		Recovered: true, RecoveredAt: bgpTime(est), sortAt: exceeded,
		Summary: "The customer gateway started redistributing internal routes towards tunnel 2; prefix-limit warnings at 82, 90, 96 of 100, then 104 exceeded the limit and AWS closed the session (Cease 6/1) until 10:05.",
		story: []string{
			"09:36–09:50 BGP: the CGW advertises 92 extra /24s (10.64.0.0–10.64.91.0) on tunnel 2 only.",
			"prefix-limit warnings at " + strings.Join(warnings, ", ") + ", limit 100.",
			hhmmssms(exceeded) + " `" + msgPrefixExceeded(received, nb, prefixLimit) + "`, then Cease 6/1 sent, Established → Idle, all 104 routes withdrawn.",
			hhmmssms(est) + " BGP Established again with the normal 12 routes; IKE stayed established throughout; tunnel 1 carried the traffic.",
		},
	}
}

// 7. branch tunnel 2 (IKEv1), 11:00: a config push changes the CGW's
// phase 1 proposal; AWS refuses it every 30 s until it is reverted.
func incidentBranchProposalMismatch(r *rand.Rand, b2 *tunnel) incident {
	first := at(11, 0, 3, 266)
	b2.ikeAt(first, true, stDown, stDown, msgNoProposal)
	retries := 1
	var last time.Time
	for t := at(11, 0, 33, 512); t.Before(at(11, 45, 0, 0)); t = t.Add(30*time.Second + jitter(r, -ms(900), ms(900))) {
		b2.ikeAt(t, true, stNegotiating, stDown, msgNoProposal)
		last = t
		retries++
	}
	hold := at(11, 0, 33, 981)
	b2.bgpAt(hold, "DOWN", msgHoldTimerExpired(b2.cgwInside))
	b2.bgpDown(hold.Add(ms(2)), b2.conn.prefixes, b2.med)
	up := b2.ikeRecover(r, first, at(11, 45, 4, 180), stDown, stDown)
	est := b2.bgpUp(r, at(11, 45, 10, 377), b2.conn.prefixes, b2.med)
	b2.bgpQuiet = append(b2.bgpQuiet, span{at(10, 50, 0, 0), at(11, 55, 0, 0)})
	return incident{
		ID: "branch-t2-proposal-mismatch", VPNConnectionID: b2.conn.id, Tunnel: 2, TunnelIP: b2.ip,
		QuestionAt: at(11, 5, 0, 0).Format(rfc3339Sec), RootCause: "ike.proposal_mismatch", RootCauseAt: b2.ikeTime(first),
		Recovered: true, RecoveredAt: bgpTime(est), sortAt: first,
		Summary: "A configuration push changed the customer gateway's IKEv1 phase 1 proposal on tunnel 2; AWS answered every attempt with No Proposal Match until the change was reverted at 11:45; BGP hold timer expired 30 s after the first failure.",
		story: []string{
			hhmmssms(first) + " IKE: `" + msgNoProposal + "`, phases down.",
			hhmmssms(hold) + " BGP (text format): Hold Timer Expired, Established → Idle, 6 routes withdrawn.",
			fmt.Sprintf("%d No Proposal Match records in all, about every 30 s (phase 1 negotiating, phase 2 down), the last at %s.", retries, hhmmssms(last)),
			hhmmssms(up) + " IKE established again; BGP Established at " + hhmmssms(est) + ".",
		},
	}
}

// 9. branch tunnel 1, 13:20: the CGW's BGP process comes back with the wrong
// local AS (65021) and AWS rejects its OPENs until it is corrected.
func incidentBranchBadOpenASN(r *rand.Rand, b1 *tunnel) incident {
	nb := b1.cgwInside
	const wrongAS = 65021
	open := at(13, 20, 41, 102)
	b1.bgpAt(open, "DOWN", msgOpenReceived(nb, wrongAS, b1.conn.cgwRouterID))
	bad := open.Add(ms(1))
	b1.bgpAt(bad, "DOWN", msgBadOpen(nb, wrongAS, b1.conn.cgwASN))
	b1.bgpDown(bad.Add(ms(2)), b1.conn.prefixes, b1.med)
	n := 1
	for _, t := range []time.Time{at(13, 22, 43, 660), at(13, 24, 44, 915), at(13, 26, 46, 30)} {
		e := b1.bgpOpenExchange(r, t, wrongAS)
		e = e.Add(ms(1))
		b1.bgpAt(e, "DOWN", msgBadOpen(nb, wrongAS, b1.conn.cgwASN))
		b1.bgpAt(e.Add(ms(1)), "DOWN", msgBGPState("OpenSent", "Idle", nb))
		n++
	}
	est := b1.bgpUp(r, at(13, 28, 47, 204), b1.conn.prefixes, b1.med)
	b1.bgpQuiet = append(b1.bgpQuiet, span{at(13, 10, 0, 0), at(13, 38, 0, 0)})
	return incident{
		ID: "branch-t1-bad-open-asn", VPNConnectionID: b1.conn.id, Tunnel: 1, TunnelIP: b1.ip,
		QuestionAt: at(13, 23, 0, 0).Format(rfc3339Sec), RootCause: "bgp.bad_open_asn", RootCauseAt: bgpTime(bad),
		Recovered: true, RecoveredAt: bgpTime(est), sortAt: bad,
		Summary: "The customer gateway's BGP came back with local AS 65021 instead of 65020; AWS rejected its OPEN messages (bad OPEN, remote AS mismatch) until the AS was corrected at 13:28.",
		story: []string{
			hhmmssms(open) + " BGP: OPEN received with AS 65021, then `" + msgBadOpen(nb, wrongAS, b1.conn.cgwASN) + "`, Established → Idle, 6 routes withdrawn.",
			fmt.Sprintf("13:22, 13:24, 13:26 reconnects fail the same way (%d bad OPENs in all).", n),
			hhmmssms(est) + " BGP Established with AS 65020; IKE phases were established throughout.",
		},
	}
}

// 3. hq tunnel 1, 14:05-14:20: the CGW re-advertises the VPC CIDRs it learned
// from AWS; AWS denies them (own AS in path). The session stays up.
func incidentHQASPathLoop(r *rand.Rand, a1 *tunnel) incident {
	looped := []prefix{{"10.20.0.0/16", "65010 64512"}, {"10.21.0.0/16", "65010 64512"}, {"10.22.0.0/16", "65010 64512"}}
	start := at(14, 5, 33, 208)
	a1.receiveRoutes(r, start, "ADVERTISED", looped, a1.med, denyASLoop)
	firstDenied := start.Add(ms(1))
	denials := 1
	for _, t := range []time.Time{at(14, 9, 47, 51), at(14, 13, 52, 760), at(14, 17, 55, 318)} {
		a1.receiveRoutes(r, t, "UPDATED", looped, a1.med, denyASLoop)
		denials++
	}
	withdrawn := at(14, 20, 4, 566)
	a1.withdrawRoutes(withdrawn, looped, a1.med)
	a1.bgpQuiet = append(a1.bgpQuiet, span{at(13, 55, 0, 0), at(14, 30, 0, 0)})
	return incident{
		ID: "hq-t1-as-path-loop", VPNConnectionID: a1.conn.id, Tunnel: 1, TunnelIP: a1.ip,
		QuestionAt: at(14, 10, 0, 0).Format(rfc3339Sec), RootCause: "route.denied.as_path_loop", RootCauseAt: bgpTime(firstDenied),
		Recovered: true, RecoveredAt: bgpTime(withdrawn), sortAt: firstDenied,
		Summary: "The customer gateway re-advertised the VPC CIDRs learned from AWS (AS path 65010 64512) on tunnel 1; AWS denied them (as-path contains our own AS) until the CGW withdrew them at 14:20. The session stayed Established.",
		story: []string{
			hhmmssms(start) + " BGP: update with AS path `65010 64512`; 10.20.0.0/16, 10.21.0.0/16, 10.22.0.0/16 ADVERTISED with `" + denyASLoop + "`.",
			fmt.Sprintf("14:09, 14:13, 14:17 the same three prefixes UPDATED and denied again (%d rounds in all).", denials),
			hhmmssms(withdrawn) + " the CGW withdraws them (outbound filter fixed). No BGP state change, IKE established throughout.",
		},
	}
}

// 4. hq tunnel 1, 16:30: the CGW's BGP stops sending keepalives while IKE
// stays up; AWS's hold timer expires.
func incidentHQHoldTimer(r *rand.Rand, a1, a2 *tunnel) incident {
	a1.ikeAt(at(16, 30, 5, 640), true, stEstablished, stEstablished, "")
	a1.ikeAt(at(16, 31, 45, 212), true, stEstablished, stEstablished, "")
	hold := at(16, 30, 21, 604)
	a1.bgpAt(hold, "DOWN", msgHoldTimerExpired(a1.cgwInside))
	a1.bgpDown(hold.Add(ms(2)), a1.conn.prefixes, a1.med)
	a2.receiveRoutes(r, at(16, 30, 25, 880), "UPDATED", a2.conn.prefixes, 0, "")
	est := a1.bgpUp(r, at(16, 32, 14, 83), a1.conn.prefixes, a1.med)
	a2.receiveRoutes(r, at(16, 32, 27, 431), "UPDATED", a2.conn.prefixes, a2.med, "")
	a1.bgpQuiet = append(a1.bgpQuiet, span{at(16, 20, 0, 0), at(16, 42, 0, 0)})
	a2.bgpQuiet = append(a2.bgpQuiet, span{at(16, 20, 0, 0), at(16, 42, 0, 0)})
	a1.lastChange = est
	return incident{
		ID: "hq-t1-hold-timer", VPNConnectionID: a1.conn.id, Tunnel: 1, TunnelIP: a1.ip,
		QuestionAt: at(16, 33, 0, 0).Format(rfc3339Sec), RootCause: "bgp.hold_timer_expired", RootCauseAt: bgpTime(hold),
		Recovered: true, RecoveredAt: bgpTime(est), sortAt: hold,
		Summary: "BGP on tunnel 1 timed out (Hold Timer Expired) while IKE phases 1 and 2 stayed established: the customer gateway's BGP stopped sending keepalives; it came back at 16:32.",
		story: []string{
			hhmmssms(hold) + " BGP: `" + msgHoldTimerExpired(a1.cgwInside) + "`, Established → Idle, 12 routes withdrawn; tunnel 2 gets the routes with MED 0.",
			"IKE state records at 16:30:05 and 16:31:45 (and the routine ones around) show phase 1 and 2 established: the tunnel itself never dropped.",
			hhmmssms(est) + " BGP Established again.",
		},
	}
}

// 8. branch, both tunnels, 18:02: the branch's internet link fails. DPD gives
// up on each tunnel (IKEv2 on 1, IKEv1 on 2); on tunnel 2 the BGP hold timer
// happens to run out before DPD does.
func incidentBranchLinkDown(r *rand.Rand, b1, b2 *tunnel) []incident {
	cgw := b1.conn.cgwIP
	dpd1 := at(18, 2, 5, 604)
	b1.ikeAt(dpd1, true, stDown, stDown, msgDPDTimeoutV2)
	// DpdTimeoutAction restart: AWS keeps trying to bring phase 1 up.
	b1.ikeAt(dpd1.Add(ms(620)), true, stNegotiating, stDown, "")
	for t := at(18, 3, 6, 12); t.Before(at(18, 9, 0, 0)); t = t.Add(61*time.Second + jitter(r, 0, ms(600))) {
		b1.ikeAt(t, true, stDown, stDown, msgPhase1Timeout(cgw))
		b1.ikeAt(t.Add(jitter(r, ms(400), ms(900))), true, stNegotiating, stDown, "")
	}
	hold1 := at(18, 2, 9, 127)
	b1.bgpAt(hold1, "DOWN", msgHoldTimerExpired(b1.cgwInside))
	b1.bgpDown(hold1.Add(ms(2)), b1.conn.prefixes, b1.med)

	hold2 := at(18, 2, 11, 843)
	b2.bgpAt(hold2, "DOWN", msgHoldTimerExpired(b2.cgwInside))
	b2.bgpDown(hold2.Add(ms(2)), b2.conn.prefixes, b2.med)
	dpd2 := at(18, 2, 20, 52)
	b2.ikeAt(dpd2, true, stDown, stDown, msgPeerDeadV1)
	for _, t := range []time.Time{at(18, 4, 20, 310), at(18, 6, 20, 845), at(18, 8, 21, 377)} {
		b2.ikeAt(t, true, stNegotiating, stDown, "")
	}

	up1 := b1.ikeRecover(r, dpd1, at(18, 9, 11, 406), stNegotiating, stDown)
	b1.awsMsgID, b1.cgwMsgID = 2, 0
	est1 := b1.bgpUp(r, at(18, 9, 17, 35), b1.conn.prefixes, b1.med)
	up2 := b2.ikeRecover(r, dpd2, at(18, 9, 25, 233), stNegotiating, stDown)
	est2 := b2.bgpUp(r, at(18, 9, 31, 690), b2.conn.prefixes, b2.med)
	b1.lastChange, b2.lastChange = est1, est2
	for _, tn := range []*tunnel{b1, b2} {
		tn.bgpQuiet = append(tn.bgpQuiet, span{at(17, 50, 0, 0), at(18, 20, 0, 0)})
	}

	summary := "The branch's internet link failed: both tunnels lost their peer at once. "
	return []incident{
		{
			ID: "branch-t1-cgw-link-down", VPNConnectionID: b1.conn.id, Tunnel: 1, TunnelIP: b1.ip,
			QuestionAt: at(18, 5, 0, 0).Format(rfc3339Sec), RootCause: "ike.dpd_timeout", RootCauseAt: b1.ikeTime(dpd1),
			Recovered: true, RecoveredAt: bgpTime(est1), sortAt: dpd1,
			Summary: summary + "Tunnel 1 (IKEv2): DPD timed out at 18:02:05, BGP hold timer 4 s later; AWS retried phase 1 (DPD action restart) until the link returned at 18:09.",
			story: []string{
				hhmmss(dpd1) + " IKE: `" + msgDPDTimeoutV2 + "`, phases down; DPD action restart, so AWS keeps initiating.",
				hhmmssms(hold1) + " BGP: Hold Timer Expired, Established → Idle, 6 routes withdrawn.",
				"18:03–18:08 IKE: `" + msgPhase1Timeout(cgw) + "` about every minute (the CGW cannot answer).",
				hhmmss(up1) + " IKE established; BGP Established at " + hhmmssms(est1) + ".",
			},
		},
		{
			ID: "branch-t2-cgw-link-down", VPNConnectionID: b2.conn.id, Tunnel: 2, TunnelIP: b2.ip,
			QuestionAt: at(18, 5, 0, 0).Format(rfc3339Sec), RootCause: "ike.dpd_timeout", RootCauseAt: b2.ikeTime(dpd2),
			Recovered: true, RecoveredAt: bgpTime(est2), sortAt: dpd2,
			Summary: summary + "Tunnel 2 (IKEv1): the BGP hold timer ran out at 18:02:11, before IKEv1 DPD declared the peer dead at 18:02:20; the cause is the dead peer, not BGP.",
			story: []string{
				hhmmssms(hold2) + " BGP (text format): Hold Timer Expired, Established → Idle, 6 routes withdrawn — 9 s before IKE noticed.",
				hhmmssms(dpd2) + " IKE: `" + msgPeerDeadV1 + "`, phases down; phase 1 negotiating afterwards.",
				hhmmssms(up2) + " IKE established; BGP Established at " + hhmmssms(est2) + ".",
			},
		},
	}
}

// 5. hq tunnel 2, 20:25: someone changes the pre-shared key on the CGW and
// clears the SA; the CGW then retries with the wrong key every 20 s until
// the old key is restored at 21:40.
func incidentHQDeletePSK(r *rand.Rand, a2 *tunnel) incident {
	del := at(20, 25, 12, 418)
	a2.ikeAt(del, true, stDown, stDown, msgDeleteIKESA)
	idle := at(20, 25, 14, 90)
	a2.bgpDown(idle, a2.conn.prefixes, a2.med)
	var firstPSK, lastPSK time.Time
	n := 0
	for t := at(20, 25, 40, 137); t.Before(at(21, 40, 0, 0)); t = t.Add(20*time.Second + jitter(r, -ms(250), ms(250))) {
		a2.ikeAt(t, true, stNegotiating, stDown, msgPSKMismatch(a2.conn.cgwIP))
		if n == 0 {
			firstPSK = t
		}
		lastPSK = t
		n++
	}
	up := a2.ikeRecover(r, del, at(21, 40, 2, 311), stDown, stDown)
	a2.awsMsgID, a2.cgwMsgID = 0, 2
	est := a2.bgpUp(r, at(21, 40, 12, 40), a2.conn.prefixes, a2.med)
	a2.lastChange = est
	a2.bgpQuiet = append(a2.bgpQuiet, span{at(20, 15, 0, 0), at(21, 50, 0, 0)})
	return incident{
		ID: "hq-t2-cgw-delete-psk", VPNConnectionID: a2.conn.id, Tunnel: 2, TunnelIP: a2.ip,
		QuestionAt: at(20, 29, 0, 0).Format(rfc3339Sec), RootCause: "ike.cgw_delete_ike_sa", RootCauseAt: a2.ikeTime(del),
		StaysDownBecause: "ike.psk_mismatch", StaysDownBecauseAt: a2.ikeTime(firstPSK),
		Recovered: true, RecoveredAt: bgpTime(est), sortAt: del,
		Summary: "The customer gateway deleted the IKE_SA of tunnel 2 (its pre-shared key had just been changed); every renegotiation then failed with a pre-shared key mismatch until the key was restored at 21:40.",
		story: []string{
			hhmmssms(del) + " IKE: `" + msgDeleteIKESA + "`, phases down.",
			hhmmssms(idle) + " BGP: Established → Idle, 12 routes withdrawn (no notification: the tunnel went away under it).",
			fmt.Sprintf("%s–%s IKE: `%s` every 20 s (%d times; phase 1 negotiating, phase 2 down).", hhmmssms(firstPSK), hhmmssms(lastPSK), msgPSKMismatch(a2.conn.cgwIP), n),
			hhmmssms(up) + " IKE established; BGP Established at " + hhmmssms(est) + " (the VgwTelemetry LastStatusChange).",
		},
	}
}

// transientPrefix has a connection's CGW advertise a prefix on both tunnels
// for a while (a lab network), then withdraw it.
func transientPrefix(r *rand.Rand, c *connection, p prefix, from, to time.Time) {
	for i, tn := range c.tunnels {
		off := time.Duration(i) * jitter(r, ms(3), ms(40))
		tn.receiveRoutes(r, from.Add(off), "ADVERTISED", []prefix{p}, tn.med, "")
		tn.withdrawRoutes(to.Add(off), []prefix{p}, tn.med)
	}
}

// backgroundIKE adds the healthy chatter of a tunnel activity stream: state
// snapshots every ~10 min and phase 2 rekeys every 50-56 min.
func backgroundIKE(r *rand.Rand, tn *tunnel) {
	// A state snapshot every ~10 min reporting whatever state the tunnel is in.
	base := jitter(r, 0, 4*time.Minute)
	for k := 0; ; k++ {
		t := dayStart.Add(base + time.Duration(k)*10*time.Minute + jitter(r, 0, 50*time.Second))
		if !t.Before(dayEnd) {
			break
		}
		if nearScripted(tn.ike, t, 10*time.Second) {
			continue
		}
		p1, p2 := tn.stateAt(t)
		tn.ikeAt(t, false, p1, p2, "")
	}

	// Phase 2 lifetime 3600 s, rekey margin 270 s with 100 % fuzz: rekeys come
	// 50-56 min after the SA was made. After an outage the schedule restarts
	// from the new SA, with fresh IKEv2 message ids.
	const margin = 10 * time.Minute
	prev := dayStart.Add(-jitter(r, 0, 50*time.Minute))
	next := prev.Add(jitter(r, 50*time.Minute, 56*time.Minute))
	n := 0
	for next.Before(dayEnd.Add(-2 * time.Minute)) {
		if o, ok := outageBefore(tn, prev, next, margin); ok {
			prev = o.to
			next = prev.Add(jitter(r, 50*time.Minute, 56*time.Minute))
			continue
		}
		// Keep routine rekeys a few minutes away from incident records so a
		// root cause is never tied with one to the second.
		if nearScripted(tn.ike, next, 10*time.Minute) || nearScripted(tn.bgp, next, 10*time.Minute) {
			next = next.Add(4 * time.Minute)
			continue
		}
		if tn.ikeVersion == "ikev1" {
			rekeyIKEv1(r, tn, next)
		} else {
			rekeyIKEv2(r, tn, next, collisionAt(tn, n))
		}
		n++
		prev = next
		next = prev.Add(jitter(r, 50*time.Minute, 56*time.Minute))
	}
}

// outageBefore finds an IKE outage that ends after prev and starts before
// next+margin: the SA due for rekey at next does not live that long.
func outageBefore(tn *tunnel, prev, next time.Time, margin time.Duration) (span, bool) {
	var found span
	ok := false
	for _, o := range tn.ikeOutages {
		if o.to.After(prev) && o.from.Before(next.Add(margin)) {
			if !ok || o.to.After(found.to) {
				found, ok = o, true
			}
		}
	}
	return found, ok
}

// collisionAt picks which rekeys of a tunnel collide with the CGW's own.
func collisionAt(tn *tunnel, n int) bool {
	switch tn.resourceID() {
	case "vpn-0a1b2c3d4e5f60718_203.0.113.10":
		return n == 4
	case "vpn-0a1b2c3d4e5f60718_203.0.113.20":
		return n == 9
	case "vpn-0f9e8d7c6b5a40312_203.0.113.30":
		return n == 6
	}
	return false
}

func rekeyIKEv2(r *rand.Rand, tn *tunnel, t time.Time, collision bool) {
	tn.awsMsgID += 1 + r.IntN(6)
	tn.cgwMsgID += 1 + r.IntN(6)
	if collision {
		aws, cgw := tn.awsMsgID, tn.cgwMsgID
		tn.ikeAt(t, false, stEstablished, stRekeying, msgSendingRequest(aws))
		t = t.Add(jitter(r, ms(30), ms(200)))
		tn.ikeAt(t, false, stEstablished, stRekeying, msgProcessedRequest(cgw))
		t = t.Add(jitter(r, ms(5), ms(30)))
		tn.ikeAt(t, false, stEstablished, stRekeying, msgSendingResponse(cgw))
		t = t.Add(jitter(r, ms(40), ms(250)))
		tn.ikeAt(t, false, stEstablished, stRekeying, msgRekeyCollision)
		t = t.Add(jitter(r, ms(5), ms(60)))
		tn.ikeAt(t, false, stEstablished, stRekeying, msgProcessedResponse(aws))
		t = t.Add(jitter(r, ms(200), ms(900)))
		tn.ikeAt(t, false, stEstablished, stEstablished, msgRedundantSADelete)
		return
	}
	if r.IntN(2) == 0 {
		id := tn.awsMsgID
		tn.ikeAt(t, false, stEstablished, stRekeying, msgSendingRequest(id))
		tn.ikeAt(t.Add(jitter(r, ms(40), ms(400))), false, stEstablished, stEstablished, msgProcessedResponse(id))
		return
	}
	id := tn.cgwMsgID
	tn.ikeAt(t, false, stEstablished, stRekeying, msgProcessedRequest(id))
	tn.ikeAt(t.Add(jitter(r, ms(5), ms(60))), false, stEstablished, stEstablished, msgSendingResponse(id))
}

// rekeyIKEv1: quick mode has no CREATE_CHILD_SA lines, so the rekey shows
// only in the phase 2 state. (The CGW's DELETE for the old SA is left out on
// purpose: tools class that message as trouble and it is not an incident.)
func rekeyIKEv1(r *rand.Rand, tn *tunnel, t time.Time) {
	tn.ikeAt(t, false, stEstablished, stRekeying, "")
	tn.ikeAt(t.Add(jitter(r, ms(300), 2*time.Second)), false, stEstablished, stEstablished, "")
}

// backgroundBGP adds routine UPDATEs (existing routes refreshed) every 35-100
// minutes, except around incidents.
func backgroundBGP(r *rand.Rand, tn *tunnel) {
	t := dayStart.Add(jitter(r, 10*time.Minute, 60*time.Minute))
	for t.Before(dayEnd.Add(-5 * time.Minute)) {
		if !inAny(tn.bgpQuiet, t) && !nearScripted(tn.bgp, t, 2*time.Minute) {
			var picked []prefix
			i := r.IntN(len(tn.conn.prefixes))
			picked = append(picked, tn.conn.prefixes[i])
			if r.IntN(3) == 0 {
				j := (i + 1 + r.IntN(len(tn.conn.prefixes)-1)) % len(tn.conn.prefixes)
				picked = append(picked, tn.conn.prefixes[j])
			}
			n := len(tn.bgp)
			tn.receiveRoutes(r, t.Add(jitter(r, 0, ms(999))), "UPDATED", picked, tn.med, "")
			for k := n; k < len(tn.bgp); k++ {
				tn.bgp[k].scripted = false
			}
		}
		t = t.Add(jitter(r, 35*time.Minute, 100*time.Minute))
	}
}
