package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/vpnlens/vpnlens/internal/demogen/tunnelsim"
)

// seed fixes every random draw (jitter, message ids, SPIs).
const seed1, seed2 = 20260612, 0x7670_6e6c_656e_73

// prefixLimit is AWS's per-tunnel limit on prefixes received from the CGW.
const prefixLimit = 100

// incident is one labelled event of the day, as written to expected.json.
type incident struct {
	ID              string `json:"id"`
	VPNConnectionID string `json:"vpn_connection_id"`
	Tunnel          int    `json:"tunnel"`
	TunnelIP        string `json:"tunnel_ip"`
	QuestionAt      string `json:"question_at"`
	RootCause       string `json:"root_cause"`
	RootCauseAt     string `json:"root_cause_at"`
	// LogsRootCause is, for a drop AWS caused, the cause the logs alone
	// give (read without CloudTrail or the maintenance status: the watch,
	// the correlation engine); LogsRootCauseAt is its first record.
	LogsRootCause      string `json:"logs_root_cause,omitempty"`
	LogsRootCauseAt    string `json:"logs_root_cause_at,omitempty"`
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
	density   tunnelsim.Density
	// trail is cloudtrail-events.json, maint tunnel-maintenance.json.
	trail []tunnelsim.TrailEvent
	maint map[*tunnel]tunnelsim.TunnelMaintenance
}

const (
	rfc3339Sec   = "2006-01-02T15:04:05Z07:00"
	rfc3339Milli = "2006-01-02T15:04:05.000Z07:00"
)

// ikeTime is how an IKE record's time reads in its stream: whole seconds
// unless the stream's `timestamp` carries milliseconds.
func ikeTime(tn *tunnel, t time.Time) string {
	if tn.IKEMillis {
		return t.UTC().Format(rfc3339Milli)
	}
	return t.UTC().Truncate(time.Second).Format(rfc3339Sec)
}

func bgpTime(t time.Time) string { return t.UTC().Format(rfc3339Milli) }

func hhmmss(t time.Time) string { return t.UTC().Format("15:04:05") }

func hhmmssms(t time.Time) string { return t.UTC().Format("15:04:05.000") }

func topology() []*connection {
	hq := &connection{
		ID: "vpn-0a1b2c3d4e5f60718", Name: "hq-datacenter",
		CGWID: "cgw-0a11b22c33d44e55f", VGWID: "vgw-0d4e5f6a7b8c9d0e1",
		CGWIP: "198.51.100.7", CGWASN: 65010, AWSASN: 64512, CGWRouterID: "10.10.255.1",
		Logging: true, LogGroup: "/aws/vendedlogs/vpn/hq", BGPLogGroup: "/aws/vendedlogs/vpn/hq-bgp",
		DPDAction: "clear", StartupAction: "add",
		Prefixes: []prefix{
			{CIDR: "10.10.0.0/16", ASPath: "65010"}, {CIDR: "10.11.0.0/16", ASPath: "65010"}, {CIDR: "10.12.0.0/20", ASPath: "65010"},
			{CIDR: "10.12.16.0/20", ASPath: "65010"}, {CIDR: "10.13.0.0/16", ASPath: "65010 65100"}, {CIDR: "172.16.0.0/22", ASPath: "65010"},
			{CIDR: "172.16.4.0/22", ASPath: "65010"}, {CIDR: "172.16.8.0/21", ASPath: "65010 65100"}, {CIDR: "172.17.0.0/16", ASPath: "65010 65100"},
			{CIDR: "192.168.10.0/24", ASPath: "65010"}, {CIDR: "192.168.11.0/24", ASPath: "65010"}, {CIDR: "192.168.20.0/24", ASPath: "65010"},
		},
		Tags:              []tag{{Key: "Name", Value: "hq-datacenter"}},
		TelemetryReversed: true,
	}
	hq.Tunnels = []*tunnel{
		{Conn: hq, Num: 1, IP: "203.0.113.10", InsideCIDR: "169.254.10.0/30", AWSInside: "169.254.10.1", CGWInside: "169.254.10.2",
			IKEVersion: "ikev2", MED: 0, AWSMsgID: 41, CGWMsgID: 58},
		{Conn: hq, Num: 2, IP: "203.0.113.20", InsideCIDR: "169.254.11.0/30", AWSInside: "169.254.11.1", CGWInside: "169.254.11.2",
			IKEVersion: "ikev2", IKEMillis: true, MED: 100, AWSMsgID: 37, CGWMsgID: 63},
	}
	branch := &connection{
		ID: "vpn-0f9e8d7c6b5a40312", Name: "branch-frankfurt",
		CGWID: "cgw-0b66c77d88e99f001", TGWID: "tgw-0b7c3e9a1d2f45e68",
		CGWIP: "192.0.2.44", CGWASN: 65020, AWSASN: 64513, CGWRouterID: "10.30.255.1",
		Logging: true, LogGroup: "/aws/vendedlogs/vpn/branch-frankfurt", BGPLogGroup: "/aws/vendedlogs/vpn/branch-frankfurt-bgp",
		DPDAction: "restart", StartupAction: "start", NATT: true,
		Prefixes: []prefix{
			{CIDR: "10.30.0.0/20", ASPath: "65020"}, {CIDR: "10.30.16.0/20", ASPath: "65020"}, {CIDR: "10.30.32.0/24", ASPath: "65020"},
			{CIDR: "172.20.0.0/22", ASPath: "65020"}, {CIDR: "192.168.30.0/24", ASPath: "65020"}, {CIDR: "192.168.31.0/24", ASPath: "65020"},
		},
		Tags: []tag{{Key: "Name", Value: "branch-frankfurt"}},
	}
	branch.Tunnels = []*tunnel{
		{Conn: branch, Num: 1, IP: "203.0.113.30", InsideCIDR: "169.254.20.0/30", AWSInside: "169.254.20.1", CGWInside: "169.254.20.2",
			IKEVersion: "ikev2", AWSMsgID: 52, CGWMsgID: 29},
		{Conn: branch, Num: 2, IP: "203.0.113.40", InsideCIDR: "169.254.21.0/30", AWSInside: "169.254.21.1", CGWInside: "169.254.21.2",
			IKEVersion: "ikev1", IKEMillis: true, BGPText: true},
	}
	dr := &connection{
		ID: "vpn-0c0ffee00d15a5e77", Name: "dr-site",
		CGWID: "cgw-0c12d34e56f78a9b0", VGWID: "vgw-0d4e5f6a7b8c9d0e1",
		CGWIP: "198.51.100.90", StaticOnly: true, DPDAction: "clear", StartupAction: "add",
		StaticRoutes: []string{"10.50.0.0/16"},
		Tags:         []tag{{Key: "Name", Value: "dr-site"}},
	}
	dr.Tunnels = []*tunnel{
		{Conn: dr, Num: 1, IP: "203.0.113.50", InsideCIDR: "169.254.30.0/30", IKEVersion: "ikev2",
			Status: "UP", LastChange: time.Date(2026, 6, 3, 2, 17, 44, 0, time.UTC)},
		{Conn: dr, Num: 2, IP: "203.0.113.60", InsideCIDR: "169.254.31.0/30", IKEVersion: "ikev2",
			Status: "DOWN", LastChange: time.Date(2026, 5, 29, 8, 14, 51, 0, time.UTC)},
	}
	return []*connection{hq, branch, dr}
}

// scenario builds the whole day at the given density.
func scenario(density tunnelsim.Density) *dataset {
	r := rand.New(rand.NewPCG(seed1, seed2))
	conns := topology()
	hq, branch := conns[0], conns[1]
	a1, a2 := hq.Tunnels[0], hq.Tunnels[1]
	b1, b2 := branch.Tunnels[0], branch.Tunnels[1]
	for _, tn := range []*tunnel{a1, a2, b1, b2} {
		tn.Status = "UP"
		tn.RouteCount = len(tn.Conn.Prefixes)
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
	ra := rand.New(rand.NewPCG(seedAWS, seed2))
	change, ev := incidentBranchOptionsChange(ra, b1)
	replaced, applied := incidentHQMaintenance(ra, a2)
	ds.incidents = append(ds.incidents, change, replaced)
	ds.trail = []tunnelsim.TrailEvent{ev}
	ds.maint = map[*tunnel]tunnelsim.TunnelMaintenance{
		a2: {Applied: applied},
		// Planned for branch tunnel 2 next week: health summaries say so.
		b2: {Pending: "Tunnel endpoint replacement", AutoAppliedAfter: time.Date(2026, 6, 19, 2, 0, 0, 0, time.UTC)},
	}
	slices.SortStableFunc(ds.incidents, func(x, y incident) int { return x.sortAt.Compare(y.sortAt) })

	transientPrefix(r, hq, prefix{CIDR: "192.168.99.0/24", ASPath: "65010"}, at(7, 12, 40, 118), at(7, 58, 3, 602))
	transientPrefix(r, branch, prefix{CIDR: "10.30.48.0/24", ASPath: "65020"}, at(15, 3, 17, 254), at(15, 40, 51, 9))

	for _, tn := range []*tunnel{a1, a2, b1, b2} {
		tunnelsim.BackgroundIKE(r, tn, dayStart, dayEnd, func(n int) bool { return collisionAt(tn, n) })
		tunnelsim.BackgroundBGP(r, tn, dayStart, dayEnd)
	}
	// Last, so the draws above (and every record they place) do not depend
	// on the density.
	if density == tunnelsim.DensityReal {
		for _, tn := range []*tunnel{a1, a2, b1, b2} {
			tunnelsim.BackgroundLiveness(r, tn, dayStart, dayEnd)
		}
	}
	ds.density = density
	return ds
}

// 1. hq tunnel 1, 03:10: the path to endpoint 1 dies, DPD gives up, BGP's hold
// timer runs out 30 s later; the CGW fails over to tunnel 2.
func incidentHQDPD(r *rand.Rand, a1, a2 *tunnel) incident {
	dpd := at(3, 10, 7, 281)
	a1.IKEAt(dpd, true, tunnelsim.StDown, tunnelsim.StDown, tunnelsim.MsgDPDTimeoutV2)
	a1.IKEAt(at(3, 11, 38, 40), true, tunnelsim.StDown, tunnelsim.StDown, "")
	a1.IKEAt(at(3, 13, 9, 502), true, tunnelsim.StDown, tunnelsim.StDown, "")

	hold := at(3, 10, 37, 412)
	a1.BGPAt(hold, "DOWN", tunnelsim.MsgHoldTimerExpired(a1.CGWInside))
	a1.BGPDown(hold.Add(ms(2)), a1.Conn.Prefixes, a1.MED)
	failover := at(3, 10, 41, 230)
	a2.ReceiveRoutes(r, failover, "UPDATED", a2.Conn.Prefixes, 0, "")

	renegotiate := at(3, 14, 2, 144)
	a1.IKEAt(renegotiate, true, tunnelsim.StNegotiating, tunnelsim.StDown, "")
	up := a1.IKERecover(r, dpd, renegotiate.Add(ms(870)), tunnelsim.StDown, tunnelsim.StDown)
	a1.CGWMsgID = 2 // the CGW set up the new IKE_SA (see tunnelsim.FinishIKE)
	est := a1.BGPUp(r, at(3, 14, 9, 611), a1.Conn.Prefixes, a1.MED)
	a2.ReceiveRoutes(r, at(3, 14, 21, 77), "UPDATED", a2.Conn.Prefixes, a2.MED, "")
	a1.BGPQuiet = append(a1.BGPQuiet, span{From: at(3, 0, 0, 0), To: at(3, 20, 0, 0)})
	a2.BGPQuiet = append(a2.BGPQuiet, span{From: at(3, 0, 0, 0), To: at(3, 20, 0, 0)})

	return incident{
		ID: "hq-t1-dpd-timeout", VPNConnectionID: a1.Conn.ID, Tunnel: 1, TunnelIP: a1.IP,
		QuestionAt: at(3, 13, 0, 0).Format(rfc3339Sec), RootCause: "ike.dpd_timeout", RootCauseAt: ikeTime(a1, dpd),
		Recovered: true, RecoveredAt: bgpTime(est), sortAt: dpd,
		Summary: "The customer gateway stopped answering DPD on tunnel 1 (path to endpoint 1 lost); IKE went down, BGP hold timer expired 30 s later; traffic failed over to tunnel 2 until IKE renegotiated at 03:14.",
		story: []string{
			hhmmss(dpd) + " IKE: `" + tunnelsim.MsgDPDTimeoutV2 + "`, phase 1 and 2 down.",
			hhmmssms(hold) + " BGP: Hold Timer Expired, Established → Idle, the 12 routes withdrawn.",
			hhmmssms(failover) + " tunnel 2 BGP: the CGW re-sends its 12 routes with MED 0 (failover; tunnel 2 stays up all along).",
			hhmmss(renegotiate) + "–" + hhmmss(up) + " IKE renegotiates (negotiating → established); BGP Established at " + hhmmssms(est) + ", tunnel 2 routes back to MED 100.",
		},
	}
}

// 6. branch tunnel 1, 06:15: the CGW rejects the BGP session and keeps
// rejecting every reconnect for a quarter of an hour.
func incidentBranchConnectionRejected(r *rand.Rand, b1 *tunnel) incident {
	nb := b1.CGWInside
	first := at(6, 15, 4, 530)
	b1.BGPAt(first, "DOWN", tunnelsim.MsgConnectionRejectedReceived(nb))
	b1.BGPDown(first.Add(ms(2)), b1.Conn.Prefixes, b1.MED)
	attempts := 0
	for t := at(6, 17, 5, 0); t.Before(at(6, 30, 0, 0)); t = t.Add(2*time.Minute + jitter(r, 0, 2*time.Second)) {
		t = t.Add(jitter(r, 0, ms(400)))
		e := b1.BGPOpenExchange(r, t, b1.Conn.CGWASN)
		e = e.Add(ms(1))
		b1.BGPAt(e, "DOWN", tunnelsim.MsgBGPState("OpenSent", "OpenConfirm", nb))
		e = e.Add(jitter(r, ms(5), ms(20)))
		b1.BGPAt(e, "DOWN", tunnelsim.MsgConnectionRejectedReceived(nb))
		b1.BGPAt(e.Add(ms(1)), "DOWN", tunnelsim.MsgBGPState("OpenConfirm", "Idle", nb))
		attempts++
	}
	est := b1.BGPUp(r, at(6, 31, 8, 344), b1.Conn.Prefixes, b1.MED)
	b1.BGPQuiet = append(b1.BGPQuiet, span{From: at(6, 5, 0, 0), To: at(6, 40, 0, 0)})
	return incident{
		ID: "branch-t1-connection-rejected", VPNConnectionID: b1.Conn.ID, Tunnel: 1, TunnelIP: b1.IP,
		QuestionAt: at(6, 18, 0, 0).Format(rfc3339Sec), RootCause: "bgp.cease.connection_rejected", RootCauseAt: bgpTime(first),
		Recovered: true, RecoveredAt: bgpTime(est), sortAt: first,
		Summary: "The customer gateway rejected the BGP session on tunnel 1 (Cease 6/5 Connection Rejected) and every reconnect until 06:31; IKE stayed up.",
		story: []string{
			hhmmssms(first) + " BGP: `" + tunnelsim.MsgConnectionRejectedReceived(nb) + "`, Established → Idle, 6 routes withdrawn.",
			fmt.Sprintf("06:17–06:29 %d reconnects about every 2 min: Idle → Connect → OpenSent, OPEN sent and received, OpenConfirm, then 6/5 again and back to Idle.", attempts),
			hhmmssms(est) + " BGP Established; IKE phases were established throughout.",
		},
	}
}

// 2. hq tunnel 2, 09:36-09:50: the CGW leaks its internal routes towards
// tunnel 2 only; AWS warns, then tears the session down at 104 of 100.
func incidentHQMaxPrefix(r *rand.Rand, a2 *tunnel) incident {
	nb := a2.CGWInside
	var leaked []prefix
	for i := range 92 {
		leaked = append(leaked, prefix{CIDR: fmt.Sprintf("10.64.%d.0/24", i), ASPath: "65010"})
	}
	received := len(a2.Conn.Prefixes)
	var warnings []string
	sendBatch := func(t time.Time, n int) time.Time {
		batch := leaked[received-len(a2.Conn.Prefixes) : received-len(a2.Conn.Prefixes)+n]
		t = a2.ReceiveRoutes(r, t, "ADVERTISED", batch, a2.MED, "")
		received += n
		return t
	}
	t := at(9, 36, 10, 417)
	for range 7 {
		sendBatch(t, 10)
		t = t.Add(jitter(r, 30*time.Second, 40*time.Second))
	}
	warn := func(t time.Time) {
		a2.BGPAt(t, "UP", tunnelsim.MsgPrefixWarning(received, nb, prefixLimit))
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
	a2.BGPAt(exceeded, "DOWN", tunnelsim.MsgPrefixExceeded(received, nb, prefixLimit))
	a2.BGPAt(exceeded.Add(ms(1)), "DOWN", tunnelsim.MsgMaxPrefixSent(nb))
	all := append(slices.Clone(a2.Conn.Prefixes), leaked...)
	a2.BGPDown(exceeded.Add(ms(3)), all, a2.MED)
	est := a2.BGPUp(r, at(10, 5, 18, 226), a2.Conn.Prefixes, a2.MED)
	a2.BGPQuiet = append(a2.BGPQuiet, span{From: at(9, 25, 0, 0), To: at(10, 15, 0, 0)})
	return incident{
		ID: "hq-t2-max-prefix", VPNConnectionID: a2.Conn.ID, Tunnel: 2, TunnelIP: a2.IP,
		QuestionAt: at(9, 53, 0, 0).Format(rfc3339Sec), RootCause: "bgp.prefix_limit_exceeded", RootCauseAt: bgpTime(exceeded),
		Recovered: true, RecoveredAt: bgpTime(est), sortAt: exceeded,
		Summary: "The customer gateway started redistributing internal routes towards tunnel 2; prefix-limit warnings at 82, 90, 96 of 100, then 104 exceeded the limit and AWS closed the session (Cease 6/1) until 10:05.",
		story: []string{
			"09:36–09:50 BGP: the CGW advertises 92 extra /24s (10.64.0.0–10.64.91.0) on tunnel 2 only.",
			"prefix-limit warnings at " + strings.Join(warnings, ", ") + ", limit 100.",
			hhmmssms(exceeded) + " `" + tunnelsim.MsgPrefixExceeded(received, nb, prefixLimit) + "`, then Cease 6/1 sent, Established → Idle, all 104 routes withdrawn.",
			hhmmssms(est) + " BGP Established again with the normal 12 routes; IKE stayed established throughout; tunnel 1 carried the traffic.",
		},
	}
}

// 7. branch tunnel 2 (IKEv1), 11:00: a config push changes the CGW's
// phase 1 proposal; AWS refuses it every 30 s until it is reverted.
func incidentBranchProposalMismatch(r *rand.Rand, b2 *tunnel) incident {
	first := at(11, 0, 3, 266)
	b2.IKEAt(first, true, tunnelsim.StDown, tunnelsim.StDown, tunnelsim.MsgNoProposal)
	retries := 1
	var last time.Time
	for t := at(11, 0, 33, 512); t.Before(at(11, 45, 0, 0)); t = t.Add(30*time.Second + jitter(r, -ms(900), ms(900))) {
		b2.IKEAt(t, true, tunnelsim.StNegotiating, tunnelsim.StDown, tunnelsim.MsgNoProposal)
		last = t
		retries++
	}
	hold := at(11, 0, 33, 981)
	b2.BGPAt(hold, "DOWN", tunnelsim.MsgHoldTimerExpired(b2.CGWInside))
	b2.BGPDown(hold.Add(ms(2)), b2.Conn.Prefixes, b2.MED)
	up := b2.IKERecover(r, first, at(11, 45, 4, 180), tunnelsim.StDown, tunnelsim.StDown)
	est := b2.BGPUp(r, at(11, 45, 10, 377), b2.Conn.Prefixes, b2.MED)
	b2.BGPQuiet = append(b2.BGPQuiet, span{From: at(10, 50, 0, 0), To: at(11, 55, 0, 0)})
	return incident{
		ID: "branch-t2-proposal-mismatch", VPNConnectionID: b2.Conn.ID, Tunnel: 2, TunnelIP: b2.IP,
		QuestionAt: at(11, 5, 0, 0).Format(rfc3339Sec), RootCause: "ike.proposal_mismatch", RootCauseAt: ikeTime(b2, first),
		Recovered: true, RecoveredAt: bgpTime(est), sortAt: first,
		Summary: "A configuration push changed the customer gateway's IKEv1 phase 1 proposal on tunnel 2; AWS answered every attempt with No Proposal Match until the change was reverted at 11:45; BGP hold timer expired 30 s after the first failure.",
		story: []string{
			hhmmssms(first) + " IKE: `" + tunnelsim.MsgNoProposal + "`, phases down.",
			hhmmssms(hold) + " BGP (text format): Hold Timer Expired, Established → Idle, 6 routes withdrawn.",
			fmt.Sprintf("%d No Proposal Match records in all, about every 30 s (phase 1 negotiating, phase 2 down), the last at %s.", retries, hhmmssms(last)),
			hhmmssms(up) + " IKE established again; BGP Established at " + hhmmssms(est) + ".",
		},
	}
}

// 9. branch tunnel 1, 13:20: the CGW's BGP process comes back with the wrong
// local AS (65021) and AWS rejects its OPENs until it is corrected.
func incidentBranchBadOpenASN(r *rand.Rand, b1 *tunnel) incident {
	nb := b1.CGWInside
	const wrongAS = 65021
	open := at(13, 20, 41, 102)
	b1.BGPAt(open, "DOWN", tunnelsim.MsgOpenReceived(nb, wrongAS, b1.Conn.CGWRouterID))
	bad := open.Add(ms(1))
	b1.BGPAt(bad, "DOWN", tunnelsim.MsgBadOpen(nb, wrongAS, b1.Conn.CGWASN))
	b1.BGPDown(bad.Add(ms(2)), b1.Conn.Prefixes, b1.MED)
	n := 1
	for _, t := range []time.Time{at(13, 22, 43, 660), at(13, 24, 44, 915), at(13, 26, 46, 30)} {
		e := b1.BGPOpenExchange(r, t, wrongAS)
		e = e.Add(ms(1))
		b1.BGPAt(e, "DOWN", tunnelsim.MsgBadOpen(nb, wrongAS, b1.Conn.CGWASN))
		b1.BGPAt(e.Add(ms(1)), "DOWN", tunnelsim.MsgBGPState("OpenSent", "Idle", nb))
		n++
	}
	est := b1.BGPUp(r, at(13, 28, 47, 204), b1.Conn.Prefixes, b1.MED)
	b1.BGPQuiet = append(b1.BGPQuiet, span{From: at(13, 10, 0, 0), To: at(13, 38, 0, 0)})
	return incident{
		ID: "branch-t1-bad-open-asn", VPNConnectionID: b1.Conn.ID, Tunnel: 1, TunnelIP: b1.IP,
		QuestionAt: at(13, 23, 0, 0).Format(rfc3339Sec), RootCause: "bgp.bad_open_asn", RootCauseAt: bgpTime(bad),
		Recovered: true, RecoveredAt: bgpTime(est), sortAt: bad,
		Summary: "The customer gateway's BGP came back with local AS 65021 instead of 65020; AWS rejected its OPEN messages (bad OPEN, remote AS mismatch) until the AS was corrected at 13:28.",
		story: []string{
			hhmmssms(open) + " BGP: OPEN received with AS 65021, then `" + tunnelsim.MsgBadOpen(nb, wrongAS, b1.Conn.CGWASN) + "`, Established → Idle, 6 routes withdrawn.",
			fmt.Sprintf("13:22, 13:24, 13:26 reconnects fail the same way (%d bad OPENs in all).", n),
			hhmmssms(est) + " BGP Established with AS 65020; IKE phases were established throughout.",
		},
	}
}

// 3. hq tunnel 1, 14:05-14:20: the CGW re-advertises the VPC CIDRs it learned
// from AWS; AWS denies them (own AS in path). The session stays up.
func incidentHQASPathLoop(r *rand.Rand, a1 *tunnel) incident {
	looped := []prefix{{CIDR: "10.20.0.0/16", ASPath: "65010 64512"}, {CIDR: "10.21.0.0/16", ASPath: "65010 64512"}, {CIDR: "10.22.0.0/16", ASPath: "65010 64512"}}
	start := at(14, 5, 33, 208)
	a1.ReceiveRoutes(r, start, "ADVERTISED", looped, a1.MED, tunnelsim.DenyASLoop)
	firstDenied := start.Add(ms(1))
	denials := 1
	for _, t := range []time.Time{at(14, 9, 47, 51), at(14, 13, 52, 760), at(14, 17, 55, 318)} {
		a1.ReceiveRoutes(r, t, "UPDATED", looped, a1.MED, tunnelsim.DenyASLoop)
		denials++
	}
	withdrawn := at(14, 20, 4, 566)
	a1.WithdrawRoutes(withdrawn, looped, a1.MED)
	a1.BGPQuiet = append(a1.BGPQuiet, span{From: at(13, 55, 0, 0), To: at(14, 30, 0, 0)})
	return incident{
		ID: "hq-t1-as-path-loop", VPNConnectionID: a1.Conn.ID, Tunnel: 1, TunnelIP: a1.IP,
		QuestionAt: at(14, 10, 0, 0).Format(rfc3339Sec), RootCause: "route.denied.as_path_loop", RootCauseAt: bgpTime(firstDenied),
		Recovered: true, RecoveredAt: bgpTime(withdrawn), sortAt: firstDenied,
		Summary: "The customer gateway re-advertised the VPC CIDRs learned from AWS (AS path 65010 64512) on tunnel 1; AWS denied them (as-path contains our own AS) until the CGW withdrew them at 14:20. The session stayed Established.",
		story: []string{
			hhmmssms(start) + " BGP: update with AS path `65010 64512`; 10.20.0.0/16, 10.21.0.0/16, 10.22.0.0/16 ADVERTISED with `" + tunnelsim.DenyASLoop + "`.",
			fmt.Sprintf("14:09, 14:13, 14:17 the same three prefixes UPDATED and denied again (%d rounds in all).", denials),
			hhmmssms(withdrawn) + " the CGW withdraws them (outbound filter fixed). No BGP state change, IKE established throughout.",
		},
	}
}

// 4. hq tunnel 1, 16:30: the CGW's BGP stops sending keepalives while IKE
// stays up; AWS's hold timer expires.
func incidentHQHoldTimer(r *rand.Rand, a1, a2 *tunnel) incident {
	a1.IKEAt(at(16, 30, 5, 640), true, tunnelsim.StEstablished, tunnelsim.StEstablished, "")
	a1.IKEAt(at(16, 31, 45, 212), true, tunnelsim.StEstablished, tunnelsim.StEstablished, "")
	hold := at(16, 30, 21, 604)
	a1.BGPAt(hold, "DOWN", tunnelsim.MsgHoldTimerExpired(a1.CGWInside))
	a1.BGPDown(hold.Add(ms(2)), a1.Conn.Prefixes, a1.MED)
	a2.ReceiveRoutes(r, at(16, 30, 25, 880), "UPDATED", a2.Conn.Prefixes, 0, "")
	est := a1.BGPUp(r, at(16, 32, 14, 83), a1.Conn.Prefixes, a1.MED)
	a2.ReceiveRoutes(r, at(16, 32, 27, 431), "UPDATED", a2.Conn.Prefixes, a2.MED, "")
	a1.BGPQuiet = append(a1.BGPQuiet, span{From: at(16, 20, 0, 0), To: at(16, 42, 0, 0)})
	a2.BGPQuiet = append(a2.BGPQuiet, span{From: at(16, 20, 0, 0), To: at(16, 42, 0, 0)})
	a1.LastChange = est
	return incident{
		ID: "hq-t1-hold-timer", VPNConnectionID: a1.Conn.ID, Tunnel: 1, TunnelIP: a1.IP,
		QuestionAt: at(16, 33, 0, 0).Format(rfc3339Sec), RootCause: "bgp.hold_timer_expired", RootCauseAt: bgpTime(hold),
		Recovered: true, RecoveredAt: bgpTime(est), sortAt: hold,
		Summary: "BGP on tunnel 1 timed out (Hold Timer Expired) while IKE phases 1 and 2 stayed established: the customer gateway's BGP stopped sending keepalives; it came back at 16:32.",
		story: []string{
			hhmmssms(hold) + " BGP: `" + tunnelsim.MsgHoldTimerExpired(a1.CGWInside) + "`, Established → Idle, 12 routes withdrawn; tunnel 2 gets the routes with MED 0.",
			"IKE state records at 16:30:05 and 16:31:45 (and the routine ones around) show phase 1 and 2 established: the tunnel itself never dropped.",
			hhmmssms(est) + " BGP Established again.",
		},
	}
}

// 8. branch, both tunnels, 18:02: the branch's internet link fails. DPD gives
// up on each tunnel (IKEv2 on 1, IKEv1 on 2); on tunnel 2 the BGP hold timer
// happens to run out before DPD does.
func incidentBranchLinkDown(r *rand.Rand, b1, b2 *tunnel) []incident {
	cgw := b1.Conn.CGWIP
	dpd1 := at(18, 2, 5, 604)
	b1.IKEAt(dpd1, true, tunnelsim.StDown, tunnelsim.StDown, tunnelsim.MsgDPDTimeoutV2)
	// DpdTimeoutAction restart: AWS keeps trying to bring phase 1 up.
	b1.IKEAt(dpd1.Add(ms(620)), true, tunnelsim.StNegotiating, tunnelsim.StDown, "")
	for t := at(18, 3, 6, 12); t.Before(at(18, 9, 0, 0)); t = t.Add(61*time.Second + jitter(r, 0, ms(600))) {
		b1.IKEAt(t, true, tunnelsim.StDown, tunnelsim.StDown, tunnelsim.MsgPhase1Timeout(cgw))
		b1.IKEAt(t.Add(jitter(r, ms(400), ms(900))), true, tunnelsim.StNegotiating, tunnelsim.StDown, "")
	}
	hold1 := at(18, 2, 9, 127)
	b1.BGPAt(hold1, "DOWN", tunnelsim.MsgHoldTimerExpired(b1.CGWInside))
	b1.BGPDown(hold1.Add(ms(2)), b1.Conn.Prefixes, b1.MED)

	hold2 := at(18, 2, 11, 843)
	b2.BGPAt(hold2, "DOWN", tunnelsim.MsgHoldTimerExpired(b2.CGWInside))
	b2.BGPDown(hold2.Add(ms(2)), b2.Conn.Prefixes, b2.MED)
	dpd2 := at(18, 2, 20, 52)
	b2.IKEAt(dpd2, true, tunnelsim.StDown, tunnelsim.StDown, tunnelsim.MsgPeerDeadV1)
	for _, t := range []time.Time{at(18, 4, 20, 310), at(18, 6, 20, 845), at(18, 8, 21, 377)} {
		b2.IKEAt(t, true, tunnelsim.StNegotiating, tunnelsim.StDown, "")
	}

	up1 := b1.IKERecover(r, dpd1, at(18, 9, 11, 406), tunnelsim.StNegotiating, tunnelsim.StDown)
	b1.CGWMsgID = 0 // AWS set up the new IKE_SA (DPD action restart)
	est1 := b1.BGPUp(r, at(18, 9, 17, 35), b1.Conn.Prefixes, b1.MED)
	up2 := b2.IKERecover(r, dpd2, at(18, 9, 25, 233), tunnelsim.StNegotiating, tunnelsim.StDown)
	est2 := b2.BGPUp(r, at(18, 9, 31, 690), b2.Conn.Prefixes, b2.MED)
	b1.LastChange, b2.LastChange = est1, est2
	for _, tn := range []*tunnel{b1, b2} {
		tn.BGPQuiet = append(tn.BGPQuiet, span{From: at(17, 50, 0, 0), To: at(18, 20, 0, 0)})
	}

	summary := "The branch's internet link failed: both tunnels lost their peer at once. "
	return []incident{
		{
			ID: "branch-t1-cgw-link-down", VPNConnectionID: b1.Conn.ID, Tunnel: 1, TunnelIP: b1.IP,
			QuestionAt: at(18, 5, 0, 0).Format(rfc3339Sec), RootCause: "ike.dpd_timeout", RootCauseAt: ikeTime(b1, dpd1),
			Recovered: true, RecoveredAt: bgpTime(est1), sortAt: dpd1,
			Summary: summary + "Tunnel 1 (IKEv2): DPD timed out at 18:02:05, BGP hold timer 4 s later; AWS retried phase 1 (DPD action restart) until the link returned at 18:09.",
			story: []string{
				hhmmss(dpd1) + " IKE: `" + tunnelsim.MsgDPDTimeoutV2 + "`, phases down; DPD action restart, so AWS keeps initiating.",
				hhmmssms(hold1) + " BGP: Hold Timer Expired, Established → Idle, 6 routes withdrawn.",
				"18:03–18:08 IKE: `" + tunnelsim.MsgPhase1Timeout(cgw) + "` about every minute (the CGW cannot answer).",
				hhmmss(up1) + " IKE established; BGP Established at " + hhmmssms(est1) + ".",
			},
		},
		{
			ID: "branch-t2-cgw-link-down", VPNConnectionID: b2.Conn.ID, Tunnel: 2, TunnelIP: b2.IP,
			QuestionAt: at(18, 5, 0, 0).Format(rfc3339Sec), RootCause: "ike.dpd_timeout", RootCauseAt: ikeTime(b2, dpd2),
			Recovered: true, RecoveredAt: bgpTime(est2), sortAt: dpd2,
			Summary: summary + "Tunnel 2 (IKEv1): the BGP hold timer ran out at 18:02:11, before IKEv1 DPD declared the peer dead at 18:02:20; the cause is the dead peer, not BGP.",
			story: []string{
				hhmmssms(hold2) + " BGP (text format): Hold Timer Expired, Established → Idle, 6 routes withdrawn — 9 s before IKE noticed.",
				hhmmssms(dpd2) + " IKE: `" + tunnelsim.MsgPeerDeadV1 + "`, phases down; phase 1 negotiating afterwards.",
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
	a2.IKEAt(del, true, tunnelsim.StDown, tunnelsim.StDown, tunnelsim.MsgDeleteIKESA)
	idle := at(20, 25, 14, 90)
	a2.BGPDown(idle, a2.Conn.Prefixes, a2.MED)
	var firstPSK, lastPSK time.Time
	n := 0
	for t := at(20, 25, 40, 137); t.Before(at(21, 40, 0, 0)); t = t.Add(20*time.Second + jitter(r, -ms(250), ms(250))) {
		a2.IKEAt(t, true, tunnelsim.StNegotiating, tunnelsim.StDown, tunnelsim.MsgPSKMismatch(a2.Conn.CGWIP))
		if n == 0 {
			firstPSK = t
		}
		lastPSK = t
		n++
	}
	up := a2.IKERecover(r, del, at(21, 40, 2, 311), tunnelsim.StDown, tunnelsim.StDown)
	a2.CGWMsgID = 2 // the CGW set up the new IKE_SA
	est := a2.BGPUp(r, at(21, 40, 12, 40), a2.Conn.Prefixes, a2.MED)
	a2.LastChange = est
	a2.BGPQuiet = append(a2.BGPQuiet, span{From: at(20, 15, 0, 0), To: at(21, 50, 0, 0)})
	return incident{
		ID: "hq-t2-cgw-delete-psk", VPNConnectionID: a2.Conn.ID, Tunnel: 2, TunnelIP: a2.IP,
		QuestionAt: at(20, 29, 0, 0).Format(rfc3339Sec), RootCause: "ike.cgw_delete_ike_sa", RootCauseAt: ikeTime(a2, del),
		StaysDownBecause: "ike.psk_mismatch", StaysDownBecauseAt: ikeTime(a2, firstPSK),
		Recovered: true, RecoveredAt: bgpTime(est), sortAt: del,
		Summary: "The customer gateway deleted the IKE_SA of tunnel 2 (its pre-shared key had just been changed); every renegotiation then failed with a pre-shared key mismatch until the key was restored at 21:40.",
		story: []string{
			hhmmssms(del) + " IKE: `" + tunnelsim.MsgDeleteIKESA + "`, phases down.",
			hhmmssms(idle) + " BGP: Established → Idle, 12 routes withdrawn (no notification: the tunnel went away under it).",
			fmt.Sprintf("%s–%s IKE: `%s` every 20 s (%d times; phase 1 negotiating, phase 2 down).", hhmmssms(firstPSK), hhmmssms(lastPSK), tunnelsim.MsgPSKMismatch(a2.Conn.CGWIP), n),
			hhmmssms(up) + " IKE established; BGP Established at " + hhmmssms(est) + " (the VgwTelemetry LastStatusChange).",
		},
	}
}

// transientPrefix has a connection's CGW advertise a prefix on both tunnels
// for a while (a lab network), then withdraw it.
func transientPrefix(r *rand.Rand, c *connection, p prefix, from, to time.Time) {
	for i, tn := range c.Tunnels {
		off := time.Duration(i) * jitter(r, ms(3), ms(40))
		tn.ReceiveRoutes(r, from.Add(off), "ADVERTISED", []prefix{p}, tn.MED, "")
		tn.WithdrawRoutes(to.Add(off), []prefix{p}, tn.MED)
	}
}

// collisionAt picks which rekeys of a tunnel collide with the CGW's own.
func collisionAt(tn *tunnel, n int) bool {
	switch tn.ResourceID() {
	case "vpn-0a1b2c3d4e5f60718_203.0.113.10":
		return n == 4
	case "vpn-0a1b2c3d4e5f60718_203.0.113.20":
		return n == 9
	case "vpn-0f9e8d7c6b5a40312_203.0.113.30":
		return n == 6
	}
	return false
}
