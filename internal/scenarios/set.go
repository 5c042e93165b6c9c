package main

import (
	"fmt"
	"time"

	"github.com/vpnlens/vpnlens/catalog"
	v "github.com/vpnlens/vpnlens/internal/demogen/tunnelsim"
)

// Category ids (the contract's), spelled through correlate so a renamed id
// breaks the build here rather than silently mislabelling a scenario.
var (
	catPSK        = string(catalog.IKEPSKMismatch)
	catAuth       = string(catalog.IKEAuthFailed)
	catProposal   = string(catalog.IKEProposalMismatch)
	catTS         = string(catalog.IKETSUnacceptable)
	catPhase2     = string(catalog.IKEPhase2Failed)
	catDPD        = string(catalog.IKEDPDTimeout)
	catP1Timeout  = string(catalog.IKEPhase1Timeout)
	catDelIKE     = string(catalog.IKECGWDeleteIKESA)
	catDelChild   = string(catalog.IKECGWDeleteChildSA)
	catIKEState   = string(catalog.IKEStateReport)
	catStateChg   = string(catalog.BGPStateChange)
	catConnActive = string(catalog.BGPConnectActive)
	catBadOpen    = string(catalog.BGPBadOpenASN)
	catHold       = string(catalog.BGPHoldTimerExpired)
	catPfxExceed  = string(catalog.BGPPrefixLimitExceed)
	catASLoop     = string(catalog.RouteDeniedASLoop)
	catNextHop    = string(catalog.RouteDeniedNextHop)
	catDenyOther  = string(catalog.RouteDeniedOther)
)

var ceaseCats = map[int]string{
	1: string(catalog.BGPCeaseMaxPrefixes), 2: string(catalog.BGPCeaseAdminShut), 3: string(catalog.BGPCeasePeerDeconf),
	4: string(catalog.BGPCeaseAdminReset), 5: string(catalog.BGPCeaseConnRejected), 6: string(catalog.BGPCeaseConfigChange),
	7: string(catalog.BGPCeaseCollision),
}

const (
	sec = time.Second
	mn  = time.Minute
)

var (
	v1v1 = [2]string{"ikev1", "ikev1"}
	v2v2 = [2]string{"ikev2", "ikev2"}
	v1v2 = [2]string{"ikev1", "ikev2"}
	v2v1 = [2]string{"ikev2", "ikev1"}
)

// minuteAfter is the whole minute a person would ask at, d after t.
func minuteAfter(t time.Time, d time.Duration) time.Time { return t.Add(d).Truncate(time.Minute) }

// specs is the scenario set, in the order of the README table.
var specs = []spec{
	// ---------- IKE layer: every error class that can start an incident ----------
	{name: "ike-dpd-timeout-ikev2", format: fmtJSONLines, secondConn: true, ike: v2v2, script: func(b *builder) answer {
		t1, t2 := b.t1(), b.t2()
		dpd := b.at(10, 12, 41, 377)
		ike(t1, dpd, v.StDown, v.StDown, v.MsgDPDTimeoutV2)
		hold := dpd.Add(b.jit(18*sec, 26*sec))
		holdTimer(t1, hold)
		b.failover(t2, hold.Add(3500*time.Millisecond))
		re := dpd.Add(3*mn + b.jit(0, 20*sec))
		ike(t1, re, v.StNegotiating, v.StDown, "")
		up := b.ikeRecover(t1, dpd, re.Add(b.jit(600*time.Millisecond, 1500*time.Millisecond)), v.StDown, v.StDown)
		est := b.bgpUp(t1, up.Add(5*sec))
		t2.ReceiveRoutes(b.r, est.Add(12*sec), "UPDATED", t2.Conn.Prefixes, t2.MED, "")
		quiet(t1, dpd, est)
		quiet(t2, dpd, est)
		t1.LastChange = est
		return answer{tunnelArg: "1", at: minuteAfter(dpd, 4*mn), root: catDPD, rootAt: ikeTime(t1, dpd), rootTunnel: t1,
			why: "IKEv2 DPD gave up on the customer gateway, taking phases 1 and 2 down; BGP's hold timer ran out ~20 s later inside the dead tunnel, so BGP is the consequence; tunnel 2 carried the routes until IKE renegotiated 3 minutes later"}
	}},
	{name: "ike-dpd-timeout-ikev1-new-york", format: fmtTextLines, ike: v2v1, script: func(b *builder) answer {
		t1, t2 := b.t1(), b.t2()
		b.conns[0].DPDAction = "restart"
		dpd := b.at(9, 47, 12, 840)
		ike(t2, dpd, v.StDown, v.StDown, v.MsgPeerDeadV1)
		hold := dpd.Add(9*sec + b.jit(0, 900*time.Millisecond))
		holdTimer(t2, hold)
		b.failover(t1, hold.Add(2*sec))
		b.every(dpd.Add(2*mn), dpd.Add(11*mn), 2*mn, 3*sec, func(t time.Time) { ike(t2, t, v.StNegotiating, v.StDown, "") })
		up := b.ikeRecover(t2, dpd, dpd.Add(11*mn+40*sec), v.StNegotiating, v.StDown)
		est := b.bgpUp(t2, up.Add(6*sec))
		quiet(t2, dpd, est)
		quiet(t1, dpd, est)
		return answer{tunnelArg: "2", at: minuteAfter(dpd, 3*mn), tz: "America/New_York", atForm: atLocal, root: catDPD, rootAt: ikeTime(t2, dpd), rootTunnel: t2,
			why: "IKEv1 declared the peer dead (DPD) and both phases went down; the BGP hold timer expired 9 s later as a consequence; with DPD action restart AWS kept renegotiating (phase 1 negotiating) until the gateway answered again ~12 minutes later"}
	}},
	{name: "ike-psk-mismatch-ikev2-reauth", format: fmtJSONLines, ike: v2v2, script: func(b *builder) answer {
		t1, t2 := b.t1(), b.t2()
		first := b.at(10, 31, 5, 220)
		ike(t2, first, v.StDown, v.StDown, v.MsgPSKMismatch(b.conns[0].CGWIP))
		hold := first.Add(24 * sec)
		holdTimer(t2, hold)
		b.failover(t1, hold.Add(4*sec))
		b.every(first.Add(20*sec), first.Add(42*mn), 20*sec, 300*time.Millisecond, func(t time.Time) {
			ike(t2, t, v.StNegotiating, v.StDown, v.MsgPSKMismatch(b.conns[0].CGWIP))
		})
		up := b.ikeRecover(t2, first, first.Add(42*mn+10*sec), v.StNegotiating, v.StDown)
		est := b.bgpUp(t2, up.Add(6*sec))
		quiet(t2, first, est)
		quiet(t1, first, est)
		return answer{tunnelArg: t2.IP, at: minuteAfter(first, 9*mn), root: catPSK, rootAt: ikeTime(t2, first), rootTunnel: t2,
			why: "When the IKE_SA was re-authenticated the customer gateway presented a different pre-shared key; IKE failed first, BGP's hold timer 24 s later is the consequence, and every 20 s retry failed the same way until the key was put back"}
	}},
	{name: "ike-psk-mismatch-ikev1", format: fmtPretty, ike: v1v2, script: func(b *builder) answer {
		t1, t2 := b.t1(), b.t2()
		first := b.at(11, 2, 44, 0)
		b.to = first.Add(45 * mn)
		ike(t1, first, v.StDown, v.StDown, v.MsgPSKInvalidV1)
		hold := first.Add(17*sec + b.jit(0, 800*time.Millisecond))
		holdTimer(t1, hold)
		b.failover(t2, hold.Add(3*sec))
		b.every(first.Add(30*sec), b.to, 30*sec, sec, func(t time.Time) { ike(t1, t, v.StNegotiating, v.StDown, v.MsgPSKInvalidV1) })
		b.ikeStaysDown(t1, first, v.StNegotiating, v.StDown)
		b.bgpDownToEnd(t1, hold)
		quiet(t2, first, first.Add(5*mn))
		return answer{tunnelArg: "1", at: minuteAfter(first, 6*mn), root: catPSK, rootAt: ikeTime(t1, first), rootTunnel: t1,
			why: "At the phase 1 lifetime IKEv1 main mode had to run again and AWS could not decrypt the gateway's payload with the configured pre-shared key; the tunnel went down there and BGP timed out 17 s later; the tunnel is still down at the end of the logs"}
	}},
	{name: "ike-auth-failed-ikev2", format: fmtS3Export, ike: v2v2, script: func(b *builder) answer {
		t1, t2 := b.t1(), b.t2()
		first := b.at(8, 55, 30, 610)
		ike(t1, first, v.StDown, v.StDown, v.MsgAuthFailed)
		hold := first.Add(26 * sec)
		holdTimer(t1, hold)
		b.failover(t2, hold.Add(2*sec))
		b.every(first.Add(30*sec), first.Add(19*mn), 30*sec, sec, func(t time.Time) { ike(t1, t, v.StNegotiating, v.StDown, v.MsgAuthFailed) })
		up := b.ikeRecover(t1, first, first.Add(19*mn+20*sec), v.StNegotiating, v.StDown)
		est := b.bgpUp(t1, up.Add(5*sec))
		quiet(t1, first, est)
		quiet(t2, first, est)
		return answer{tunnelArg: "1", at: minuteAfter(first, 3*mn), root: catAuth, rootAt: ikeTime(t1, first), rootTunnel: t1,
			why: "AWS rejected the gateway's IKE_AUTH (AUTHENTICATION_FAILED: identity or authentication settings changed on the gateway) when the IKE_SA was re-established; BGP's hold timer is the consequence; retries failed the same way for 19 minutes"}
	}},
	{name: "ike-proposal-mismatch-phase1-ikev2", format: fmtGetLogEvents, ike: v2v2, script: func(b *builder) answer {
		t1, t2 := b.t1(), b.t2()
		first := b.at(10, 5, 17, 0)
		ike(t2, first, v.StDown, v.StDown, v.MsgNoProposal)
		hold := first.Add(21*sec + b.jit(0, 900*time.Millisecond))
		holdTimer(t2, hold)
		b.failover(t1, hold.Add(3*sec))
		b.every(first.Add(30*sec), first.Add(34*mn), 30*sec, 900*time.Millisecond, func(t time.Time) { ike(t2, t, v.StNegotiating, v.StDown, v.MsgNoProposal) })
		up := b.ikeRecover(t2, first, first.Add(34*mn+25*sec), v.StNegotiating, v.StDown)
		est := b.bgpUp(t2, up.Add(7*sec))
		quiet(t2, first, est)
		quiet(t1, first, est)
		return answer{tunnelArg: "2", at: minuteAfter(first, 5*mn), root: catProposal, rootAt: ikeTime(t2, first), rootTunnel: t2,
			why: "After a firmware upgrade the gateway offered phase 1 proposals AWS does not allow (No Proposal Match Found by AWS); phases went down and BGP timed out 21 s later as a consequence; fixed 34 minutes later"}
	}},
	{name: "ike-proposal-mismatch-phase2-rekey", format: fmtJSONLines, secondConn: true, ike: v2v2, script: func(b *builder) answer {
		t1 := b.t1()
		first, expiry := b.childRekeyFailure(t1, b.t2(), b.at(10, 20, 3, 0), v.MsgNoProposalChosen, 22*mn)
		return answer{tunnelArg: "1", at: minuteAfter(expiry, 3*mn), root: catProposal, rootAt: ikeTime(t1, first), rootTunnel: t1,
			why: "The phase 2 rekey failed with No proposal chosen (the gateway's phase 2 proposal had been changed); the old CHILD_SA carried traffic until it expired 4.5 minutes later, then phase 2 went down and BGP timed out: the first failure is the rekey, minutes before the drop"}
	}},
	{name: "ike-ts-unacceptable-rekey", format: fmtFilterLogEvents, ike: v2v2, script: func(b *builder) answer {
		t2 := b.t2()
		first, expiry := b.childRekeyFailure(t2, b.t1(), b.at(9, 38, 50, 0), v.MsgTSUnacceptable, 30*mn)
		return answer{tunnelArg: "2", at: minuteAfter(expiry, 4*mn), root: catTS, rootAt: ikeTime(t2, first), rootTunnel: t2,
			why: "The gateway answered AWS's CHILD_SA rekey with TS_UNACCEPTABLE (its encryption domain was narrowed from 0.0.0.0/0); the old SA expired 4.5 minutes later, phase 2 went down and BGP timed out: traffic selectors, not BGP"}
	}},
	{name: "ike-phase2-failed", format: fmtGzipLines, ike: v2v2, script: func(b *builder) answer {
		t1, t2 := b.t1(), b.t2()
		t := b.at(11, 40, 51, 0)
		t1.CGWMsgID += 3
		ike(t1, t, v.StEstablished, v.StRekeying, v.MsgProcessedRequest(t1.CGWMsgID))
		first := t.Add(1200 * time.Millisecond)
		ike(t1, first, v.StEstablished, v.StDown, v.MsgPhase2UnableToEstab)
		hold := first.Add(25 * sec)
		holdTimer(t1, hold)
		b.failover(t2, hold.Add(2*sec))
		b.every(first.Add(60*sec), first.Add(14*mn), 60*sec, 2*sec, func(x time.Time) {
			ike(t1, x, v.StEstablished, v.StDown, v.MsgPhase2UnableToEstab)
		})
		up := b.ikeRecover(t1, first, first.Add(14*mn+30*sec), v.StEstablished, v.StDown)
		est := b.bgpUp(t1, up.Add(4*sec))
		quiet(t1, first, est)
		quiet(t2, first, est)
		return answer{tunnelArg: "1", at: minuteAfter(first, 2*mn), root: catPhase2, rootAt: ikeTime(t1, first), rootTunnel: t1,
			why: "Phase 1 stayed up but the CHILD_SA could not be re-established when the gateway rekeyed; without phase 2 no traffic (and no BGP keepalive) passes, so the hold timer expired 25 s later"}
	}},
	{name: "ike-phase1-timeout-never-up", format: fmtJSONLines, ike: v2v2, script: func(b *builder) answer {
		t1, t2 := b.t1(), b.t2()
		c := b.at(8, 30, 0, 0)
		b.from, b.to = c, c.Add(70*mn)
		b.conns[0].StartupAction = "start"
		// Tunnel 1 was configured on the gateway and comes up at once.
		t1.IKEStates = append(t1.IKEStates, v.StateSpan{Span: v.Span{From: c, To: c.Add(10 * sec)}, P1: v.StNegotiating, P2: v.StDown})
		ike(t1, c.Add(8*sec), v.StNegotiating, v.StDown, "")
		ike(t1, c.Add(9*sec), v.StEstablished, v.StNegotiating, "")
		ike(t1, c.Add(9600*time.Millisecond), v.StEstablished, v.StEstablished, "")
		t1.LastChange = b.bgpUp(t1, c.Add(15*sec))
		// Tunnel 2 was never configured on the gateway: AWS's IKE_SA_INIT
		// goes unanswered and BGP cannot reach its neighbour.
		first := c.Add(38 * sec)
		b.every(first, b.to, 60*sec, 500*time.Millisecond, func(t time.Time) {
			ike(t2, t, v.StDown, v.StDown, v.MsgPhase1Timeout(b.conns[0].CGWIP))
			ike(t2, t.Add(700*time.Millisecond), v.StNegotiating, v.StDown, "")
		})
		fromIdle := true
		b.every(c.Add(20*sec), b.to, 2*mn, 2*sec, func(t time.Time) { b.connectAttempt(t2, t, fromIdle); fromIdle = false })
		b.ikeStaysDown(t2, c, v.StNegotiating, v.StDown)
		b.bgpDownToEnd(t2, c)
		return answer{tunnelArg: "2", at: minuteAfter(first, 25*mn), root: catP1Timeout, rootAt: ikeTime(t2, first), rootTunnel: t2,
			why: "A new connection whose tunnel 2 never came up: AWS's phase 1 negotiations time out half-open (the gateway never answers; only tunnel 1 was configured on it); BGP's Connect→Active loop started a few seconds earlier but cannot work without the tunnel, so the deeper IKE failure is the cause"}
	}},
	{name: "ike-cgw-delete-ike-sa", format: fmtGzipLines, secondConn: true, ike: v2v2, script: func(b *builder) answer {
		t2 := b.t2()
		del := b.at(9, 14, 2, 515)
		ike(t2, del, v.StDown, v.StDown, v.MsgDeleteIKESA)
		sessionLost(t2, del.Add(1400*time.Millisecond), "")
		re := del.Add(7 * sec)
		ike(t2, re, v.StNegotiating, v.StDown, "")
		up := b.ikeRecover(t2, del, re.Add(1200*time.Millisecond), v.StDown, v.StDown)
		est := b.bgpUp(t2, up.Add(4*sec))
		quiet(t2, del, est)
		t2.LastChange = est
		return answer{tunnelArg: "2", at: minuteAfter(del, 6*mn), root: catDelIKE, rootAt: ikeTime(t2, del), rootTunnel: t2,
			why: "The customer gateway deleted the IKE_SA (someone cleared the SA on it); BGP dropped to Idle 1.4 s later without any notification because the tunnel went away under it; it renegotiated within 10 s; asked 6 minutes later"}
	}},
	{name: "ike-cgw-delete-child-sa-ikev1", format: fmtMixed, ike: v2v1, script: func(b *builder) answer {
		t1, t2 := b.t1(), b.t2()
		del := b.at(10, 40, 20, 0)
		ike(t2, del, v.StEstablished, v.StDown, v.MsgDeletePhase2(b.hex(8)))
		hold := del.Add(27*sec + b.jit(0, 500*time.Millisecond))
		holdTimer(t2, hold)
		b.failover(t1, hold.Add(2*sec))
		b.ikeStaysDown(t2, del, v.StEstablished, v.StDown)
		b.bgpDownToEnd(t2, hold)
		quiet(t1, del, del.Add(5*mn))
		return answer{tunnelArg: "2", at: minuteAfter(del, 6*mn), root: catDelChild, rootAt: ikeTime(t2, del), rootTunnel: t2,
			why: "The gateway sent DELETE for the phase 2 SA and never re-created it (its crypto map entry for this peer was removed); phase 1 stayed up but no traffic passes, so BGP's hold timer ran out 27 s later"}
	}},
	{name: "ike-phase-down-no-reason", format: fmtJSONLines, ike: v2v2, script: func(b *builder) answer {
		t1, t2 := b.t1(), b.t2()
		down := b.at(10, 2, 36, 0)
		ike(t1, down, v.StDown, v.StDown, "")
		hold := down.Add(24*sec + b.jit(0, 900*time.Millisecond))
		holdTimer(t1, hold)
		b.failover(t2, hold.Add(3*sec))
		re := down.Add(5*mn + b.jit(0, 10*sec))
		ike(t1, re, v.StNegotiating, v.StDown, "")
		up := b.ikeRecover(t1, down, re.Add(sec), v.StDown, v.StDown)
		est := b.bgpUp(t1, up.Add(5*sec))
		quiet(t1, down, est)
		quiet(t2, down, est)
		return answer{tunnelArg: "1", at: minuteAfter(down, 3*mn), root: catIKEState, rootAt: ikeTime(t1, down), rootTunnel: t1,
			why: "IKE reported both phases down with no reason logged, 24 s before BGP's hold timer ran out: the tunnel went first and BGP followed; the record without a reason is still the first failure on the deepest layer"}
	}},

	// ---------- BGP layer ----------
	{name: "bgp-hold-timer-ike-up", format: fmtGetLogEvents, ike: v2v2, script: func(b *builder) answer {
		t2 := b.t2()
		hold := b.at(10, 44, 9, 316)
		ike(t2, hold.Add(-40*sec), v.StEstablished, v.StEstablished, "")
		ike(t2, hold.Add(70*sec), v.StEstablished, v.StEstablished, "")
		holdTimer(t2, hold)
		est := b.bgpUp(t2, hold.Add(95*sec))
		quiet(t2, hold, est)
		return answer{tunnelArg: "2", at: minuteAfter(hold, 4*mn), root: catHold, rootAt: hold, rootTunnel: t2,
			why: "BGP's hold timer expired while IKE phases 1 and 2 were established before and after: keepalives were lost inside a working tunnel (gateway CPU, MTU, an ACL on TCP 179), a BGP-layer cause"}
	}},
	{name: "bgp-prefix-limit-kolkata", format: fmtS3Export, ike: v1v1, script: func(b *builder) answer {
		t1, t2 := b.t1(), b.t2()
		const limit = 100
		nb := t1.CGWInside
		count := len(t1.Conn.Prefixes)
		var leaked []v.Prefix
		send := func(t time.Time, n int) {
			var batch []v.Prefix
			for range n {
				p := v.Prefix{CIDR: fmt.Sprintf("10.%d.%d.0/24", 200+len(leaked)/250, len(leaked)%250), ASPath: fmt.Sprint(t1.Conn.CGWASN)}
				leaked = append(leaked, p)
				batch = append(batch, p)
			}
			t1.ReceiveRoutes(b.r, t, "ADVERTISED", batch, t1.MED, "")
			count += n
		}
		t0 := b.at(9, 51, 20, 118)
		send(t0, 84-count)
		warn := t0.Add(10*sec + 407*time.Millisecond)
		t1.BGPAt(warn, "UP", v.MsgPrefixWarning(count, nb, limit))
		send(t0.Add(3*mn), 8)
		t1.BGPAt(t0.Add(3*mn+9*sec), "UP", v.MsgPrefixWarning(count, nb, limit))
		send(t0.Add(6*mn+41*sec), 5)
		t1.BGPAt(t0.Add(6*mn+52*sec), "UP", v.MsgPrefixWarning(count, nb, limit))
		send(t0.Add(9*mn+12*sec), 6)
		exceeded := t0.Add(9*mn + 12*sec + 71*time.Millisecond)
		t1.BGPAt(exceeded, "DOWN", v.MsgPrefixExceeded(count, nb, limit))
		t1.BGPAt(exceeded.Add(vms(1)), "DOWN", v.MsgMaxPrefixSent(nb))
		all := append(append([]v.Prefix{}, t1.Conn.Prefixes...), leaked...)
		t1.BGPDown(exceeded.Add(vms(3)), all, t1.MED)
		b.failover(t2, exceeded.Add(4*sec))
		est := b.bgpUp(t1, exceeded.Add(14*mn))
		quiet(t1, t0, est)
		quiet(t2, t0, est)
		return answer{tunnelArg: "1", at: minuteAfter(exceeded, 4*mn), tz: "Asia/Kolkata", atForm: atLocal, root: catPfxExceed, rootAt: exceeded, rootTunnel: t1,
			why: "The gateway started leaking /24s towards tunnel 1: prefix-limit warnings at 84, 92, 97 of 100, then 103 exceeded the limit and AWS closed the session (Cease 6/1 sent, a consequence of the limit); the cause is the prefix limit, not the warnings that foretold it"}
	}},
	{name: "bgp-cease-max-prefixes-received", format: fmtPretty, ike: v2v2, script: func(b *builder) answer {
		t2 := b.t2()
		c := b.at(10, 8, 51, 77)
		sessionLost(t2, c, v.MsgCeaseReceived(1, t2.CGWInside))
		fromIdle := true
		b.every(c.Add(2*mn), c.Add(26*mn), 2*mn, 2*sec, func(t time.Time) { b.connectAttempt(t2, t, fromIdle); fromIdle = false })
		est := b.bgpUp(t2, c.Add(26*mn+30*sec))
		quiet(t2, c, est)
		return answer{tunnelArg: "2", at: minuteAfter(c, 3*mn), root: ceaseCats[1], rootAt: c, rootTunnel: t2,
			why: "The customer gateway closed the session with Cease 6/1: AWS advertised more prefixes than the gateway's own maximum-prefix setting allows; the gateway then refused reconnects until it was cleared and its limit raised"}
	}},
	ceaseSpec(2, true, fmtJSONLines, false, "AWS closed the session with Cease 6/2 Administrative Shutdown (AWS-side maintenance); IKE stayed up; the session returned 2 minutes later"),
	ceaseSpec(2, false, fmtTextLines, false, "The customer gateway sent Cease 6/2 Administrative Shutdown: someone shut the neighbour on the gateway; IKE stayed up; it was re-enabled 18 minutes later"),
	ceaseSpec(3, true, fmtMixed, false, "AWS sent Cease 6/3 Peer Unconfigured while the tunnel's settings were being modified on the AWS side; the session came back 3 minutes later"),
	ceaseSpec(3, false, fmtGzipLines, false, "The gateway sent Cease 6/3: its configuration no longer has this neighbour (a config replace dropped it); every reconnect then fails at TCP (Connect→Active) until it is re-added"),
	ceaseSpec(4, true, fmtGetLogEvents, false, "AWS reset the session (Cease 6/4 Administrative Reset sent); it was re-established 40 s later with IKE up throughout"),
	ceaseSpec(4, false, fmtJSONLines, true, "The gateway hard-reset the session (Cease 6/4 received: `clear ip bgp` on the gateway); back within 25 s"),
	ceaseSpec(5, true, fmtFilterLogEvents, false, "AWS rejected the BGP connections the gateway opened from a neighbour address it does not know (Cease 6/5 sent: the gateway uses the wrong tunnel inside address), so the session never comes up; AWS's own attempts towards the right address get no answer"),
	ceaseSpec(5, false, fmtJSONLines, false, "The gateway closed the session with Cease 6/5 Connection Rejected and rejected every reconnect for 14 minutes; IKE stayed up, so the gateway's BGP configuration is the place to look"),
	ceaseSpec(6, true, fmtPretty, false, "AWS closed the session with Cease 6/6 Other Configuration Change after a BGP setting changed on the AWS side; back a minute later"),
	ceaseSpec(6, false, fmtS3Export, true, "The gateway sent Cease 6/6 Other Configuration Change (a BGP policy change applied without soft reconfiguration); the session came back 22 s later"),
	ceaseSpec(7, true, fmtTextLines, false, "The gateway's BGP process restarted without a notification and opened a new connection while AWS still had the old one Established; AWS resolved the collision (Cease 6/7 sent) by closing the old session; it re-established at once"),
	ceaseSpec(7, false, fmtGetLogEvents, false, "The gateway opened a second connection to an Established session and resolved the collision by closing the old one (Cease 6/7 received); a brief flap, re-established within seconds"),
	{name: "bgp-bad-open-asn-never-up", format: fmtFilterLogEvents, ike: v2v2, script: func(b *builder) answer {
		t1 := b.t1()
		nb := t1.CGWInside
		wrongAS := t1.Conn.CGWASN + 1 + b.r.IntN(40)
		start := b.at(8, 40, 3, 512)
		b.to = start.Add(65 * mn)
		var first time.Time
		b.every(start, b.to, 2*mn, 2*sec, func(t time.Time) {
			e := t1.BGPOpenExchange(b.r, t, wrongAS)
			e = e.Add(vms(1))
			t1.BGPAt(e, "DOWN", v.MsgBadOpen(nb, wrongAS, t1.Conn.CGWASN))
			t1.BGPAt(e.Add(vms(1)), "DOWN", v.MsgBGPState("OpenSent", "Idle", nb))
			if first.IsZero() {
				first = e
			}
		})
		b.bgpDownToEnd(t1, b.from)
		return answer{tunnelArg: "1", at: minuteAfter(first, 20*mn), root: catBadOpen, rootAt: first, rootTunnel: t1,
			why: "Tunnel 1's BGP never came up: the gateway's OPEN carries an AS that is not the customer gateway's configured ASN (a per-neighbour local-as left on the gateway); IKE is established throughout, so it is an ASN misconfiguration"}
	}},
	{name: "bgp-connect-active-never-up", format: fmtJSONLines, noInventory: true, ike: v2v2, script: func(b *builder) answer {
		t2 := b.t2()
		start := b.at(9, 30, 14, 0)
		b.to = start.Add(55 * mn)
		var first time.Time
		fromIdle := true
		b.every(start, b.to, 2*mn, 2*sec, func(t time.Time) {
			e := b.connectAttempt(t2, t, fromIdle)
			fromIdle = false
			if first.IsZero() {
				first = e
			}
		})
		b.bgpDownToEnd(t2, b.from)
		return answer{tunnelArg: t2.IP, at: minuteAfter(first, 15*mn), root: catConnActive, rootAt: first, rootTunnel: t2,
			why: "Tunnel 2's BGP never establishes: AWS's TCP connection to the gateway's inside address on port 179 never completes (Connect→Active every 2 minutes) while IKE is established: the gateway has no BGP neighbour for this tunnel or filters TCP 179"}
	}},
	{name: "bgp-hold-timer-then-connect-active", format: fmtTextLines, secondConn: true, ike: v1v1, script: func(b *builder) answer {
		t1, t2 := b.t1(), b.t2()
		hold := b.at(10, 26, 33, 904)
		ike(t1, hold.Add(-2*mn), v.StEstablished, v.StEstablished, "")
		holdTimer(t1, hold)
		b.failover(t2, hold.Add(2*sec))
		fromIdle := true
		b.every(hold.Add(30*sec), hold.Add(25*mn), 2*mn, 2*sec, func(t time.Time) { b.connectAttempt(t1, t, fromIdle); fromIdle = false })
		est := b.bgpUp(t1, hold.Add(25*mn+40*sec))
		quiet(t1, hold, est)
		quiet(t2, hold, est)
		return answer{tunnelArg: "1", at: minuteAfter(hold, 8*mn), root: catHold, rootAt: hold, rootTunnel: t1,
			staysDown: catConnActive,
			why:       "A firewall change on the gateway started dropping TCP 179: the established session's hold timer ran out first (IKE up), then every reconnect stalled in Connect→Active; the teardown is the hold timer and the loop is why it stays down"}
	}},
	{name: "bgp-established-idle-no-reason", format: fmtJSONLines, tgw: true, ike: v2v2, script: func(b *builder) answer {
		t1 := b.t1()
		drop := b.at(10, 3, 27, 640)
		ike(t1, drop.Add(-90*sec), v.StEstablished, v.StEstablished, "")
		ike(t1, drop.Add(50*sec), v.StEstablished, v.StEstablished, "")
		sessionLost(t1, drop, "")
		est := b.bgpUp(t1, drop.Add(48*sec))
		quiet(t1, drop, est)
		return answer{tunnelArg: "1", at: minuteAfter(drop, 4*mn), atForm: atClock, root: catStateChg, rootAt: drop, rootTunnel: t1,
			why: "The session went from Established to Idle with no Cease, no hold timer and IKE established on both sides of it: the only record of the failure is the state change itself"}
	}},

	// ---------- route layer, session up ----------
	{name: "route-denied-as-path-loop-berlin", format: fmtGetLogEvents, ike: v2v2, script: func(b *builder) answer {
		t2 := b.t2()
		c := t2.Conn
		looped := []v.Prefix{
			{CIDR: "10.20.0.0/16", ASPath: fmt.Sprintf("%d %d", c.CGWASN, c.AWSASN)},
			{CIDR: "10.21.0.0/16", ASPath: fmt.Sprintf("%d %d", c.CGWASN, c.AWSASN)},
		}
		start := b.at(10, 33, 12, 404)
		t2.ReceiveRoutes(b.r, start, "ADVERTISED", looped, t2.MED, v.DenyASLoop)
		b.every(start.Add(4*mn), start.Add(13*mn), 4*mn, 5*sec, func(t time.Time) {
			t2.ReceiveRoutes(b.r, t, "UPDATED", looped, t2.MED, v.DenyASLoop)
		})
		end := t2.WithdrawRoutes(start.Add(13*mn+20*sec), looped, t2.MED)
		quiet(t2, start, end)
		return answer{tunnelArg: "2", at: minuteAfter(start, 6*mn), tz: "Europe/Berlin", atForm: atLocal, root: catASLoop, rootAt: start.Add(vms(1)), rootTunnel: t2,
			why: "The session stayed up; the gateway re-advertised the VPC CIDRs it had learned from AWS (AS path contains AWS's own AS) and AWS denied them: the gateway's outbound filter is missing"}
	}},
	{name: "route-denied-next-hop", format: fmtJSONLines, secondConn: true, ike: v1v2, script: func(b *builder) answer {
		t1 := b.t1()
		bad := []v.Prefix{{CIDR: "10.77.0.0/16", ASPath: fmt.Sprint(t1.Conn.CGWASN)}, {CIDR: "10.78.0.0/16", ASPath: fmt.Sprint(t1.Conn.CGWASN)}}
		start := b.at(9, 12, 45, 88)
		nextHop := func(from int) {
			for k := from; k < len(t1.BGP); k++ {
				if t1.BGP[k].Route != nil {
					t1.BGP[k].Route.NextHop = "10.77.0.1"
				}
			}
		}
		n := len(t1.BGP)
		t1.ReceiveRoutes(b.r, start, "ADVERTISED", bad, t1.MED, v.MsgDenyNextHop)
		nextHop(n)
		b.every(start.Add(5*mn), start.Add(16*mn), 5*mn, 5*sec, func(t time.Time) {
			n := len(t1.BGP)
			t1.ReceiveRoutes(b.r, t, "UPDATED", bad, t1.MED, v.MsgDenyNextHop)
			nextHop(n)
		})
		end := t1.WithdrawRoutes(start.Add(17*mn), bad, t1.MED)
		nextHop(len(t1.BGP) - len(bad))
		quiet(t1, start, end)
		return answer{tunnelArg: "1", at: minuteAfter(start, 2*mn), root: catNextHop, rootAt: start.Add(vms(1)), rootTunnel: t1,
			why: "The session stayed up; AWS denied two prefixes because the gateway set their next hop to a LAN address (10.77.0.1) instead of its tunnel inside address: a route-map on the gateway"}
	}},
	{name: "route-denied-other", format: fmtPretty, ike: v2v2, script: func(b *builder) answer {
		t2 := b.t2()
		bad := []v.Prefix{{CIDR: "10.90.4.17/32", ASPath: fmt.Sprint(t2.Conn.CGWASN)}}
		start := b.at(11, 18, 2, 930)
		t2.ReceiveRoutes(b.r, start, "ADVERTISED", bad, t2.MED, "DENIED due to: prefix length exceeds the allowed maximum")
		end := t2.WithdrawRoutes(start.Add(9*mn), bad, t2.MED)
		quiet(t2, start, end)
		return answer{tunnelArg: "2", at: minuteAfter(start, 3*mn), root: catDenyOther, rootAt: start.Add(vms(1)), rootTunnel: t2,
			why: "The session stayed up; AWS denied one host route for a reason outside the documented two: route-level trouble, nothing went down"}
	}},

	// ---------- timers in either order, retry loops, shared causes ----------
	{name: "hold-timer-before-dpd-ikev2", format: fmtJSONLines, secondConn: true, ike: v2v2, script: func(b *builder) answer {
		t1, t2 := b.t1(), b.t2()
		hold := b.at(10, 35, 18, 602)
		holdTimer(t2, hold)
		dpd := hold.Add(14*sec + 300*time.Millisecond)
		ike(t2, dpd, v.StDown, v.StDown, v.MsgDPDTimeoutV2)
		b.failover(t1, hold.Add(3*sec))
		re := dpd.Add(6 * mn)
		ike(t2, re, v.StNegotiating, v.StDown, "")
		up := b.ikeRecover(t2, dpd, re.Add(900*time.Millisecond), v.StDown, v.StDown)
		est := b.bgpUp(t2, up.Add(5*sec))
		quiet(t2, hold, est)
		quiet(t1, hold, est)
		return answer{tunnelArg: "2", at: minuteAfter(dpd, 3*mn), root: catDPD, rootAt: ikeTime(t2, dpd), rootTunnel: t2,
			why: "BGP's hold timer happened to run out 14 s before IKE's DPD gave up, but both timers measure the same dead path: the deeper layer (IKE, the peer stopped answering) explains the BGP loss, not the other way round"}
	}},
	{name: "hold-timer-before-dpd-same-second", format: fmtTextLines, ike: v1v2, script: func(b *builder) answer {
		t1, t2 := b.t1(), b.t2()
		t1.IKEMillis = false
		hold := b.at(10, 27, 44, 391)
		holdTimer(t1, hold)
		dpd := b.at(10, 27, 44, 800) // logged with whole seconds: 10:27:44
		ike(t1, dpd, v.StDown, v.StDown, v.MsgPeerDeadV1)
		b.failover(t2, hold.Add(2*sec))
		re := dpd.Add(4 * mn)
		ike(t1, re, v.StNegotiating, v.StDown, "")
		up := b.ikeRecover(t1, dpd, re.Add(1500*time.Millisecond), v.StDown, v.StDown)
		est := b.bgpUp(t1, up.Add(5*sec))
		quiet(t1, hold, est)
		quiet(t2, hold, est)
		return answer{tunnelArg: "1", at: minuteAfter(dpd, 2*mn), root: catDPD, rootAt: ikeTime(t1, dpd), rootTunnel: t1,
			why: "IKEv1 declared the peer dead in the same second as BGP's hold timer (the IKE log has whole seconds only, so its place inside that second is unknown): the dead peer is the cause and the hold timer its consequence"}
	}},
	{name: "teardown-then-proposal-loop", format: fmtS3Export, ike: v2v2, script: func(b *builder) answer {
		t1, t2 := b.t1(), b.t2()
		del := b.at(10, 16, 40, 0)
		ike(t1, del, v.StDown, v.StDown, v.MsgDeleteIKESA)
		sessionLost(t1, del.Add(1100*time.Millisecond), "")
		b.failover(t2, del.Add(4*sec))
		b.every(del.Add(25*sec), del.Add(48*mn), 30*sec, 800*time.Millisecond, func(t time.Time) { ike(t1, t, v.StNegotiating, v.StDown, v.MsgNoProposal) })
		up := b.ikeRecover(t1, del, del.Add(48*mn+20*sec), v.StNegotiating, v.StDown)
		est := b.bgpUp(t1, up.Add(5*sec))
		quiet(t1, del, est)
		quiet(t2, del, est)
		return answer{tunnelArg: "1", at: minuteAfter(del, 7*mn), root: catDelIKE, rootAt: ikeTime(t1, del), rootTunnel: t1, staysDown: catProposal,
			why: "The gateway deleted the IKE_SA (its phase 1 proposal was being changed) and every renegotiation since fails with No Proposal Match: the DELETE is the teardown, the proposal mismatch is why the tunnel stays down"}
	}},
	{name: "dpd-then-phase1-timeout-loop", format: fmtGzipLines, ike: v2v2, script: func(b *builder) answer {
		t1, t2 := b.t1(), b.t2()
		b.conns[0].DPDAction = "restart"
		dpd := b.at(9, 58, 3, 0)
		ike(t2, dpd, v.StDown, v.StDown, v.MsgDPDTimeoutV2)
		hold := dpd.Add(6*sec + 120*time.Millisecond)
		holdTimer(t2, hold)
		b.failover(t1, hold.Add(2*sec))
		b.every(dpd.Add(61*sec), dpd.Add(26*mn), 61*sec, 500*time.Millisecond, func(t time.Time) {
			ike(t2, t, v.StDown, v.StDown, v.MsgPhase1Timeout(b.conns[0].CGWIP))
			ike(t2, t.Add(600*time.Millisecond), v.StNegotiating, v.StDown, "")
		})
		up := b.ikeRecover(t2, dpd, dpd.Add(26*mn+30*sec), v.StNegotiating, v.StDown)
		est := b.bgpUp(t2, up.Add(5*sec))
		quiet(t2, dpd, est)
		quiet(t1, dpd, est)
		return answer{tunnelArg: "2", at: minuteAfter(dpd, 10*mn), root: catDPD, rootAt: ikeTime(t2, dpd), rootTunnel: t2, staysDown: catP1Timeout,
			why: "The path to endpoint 2 died: DPD gave up first, BGP followed; with DPD action restart AWS kept initiating and every half-open phase 1 timed out for 26 minutes: the loop is why it stays down"}
	}},
	{name: "child-delete-then-ts-loop", format: fmtFilterLogEvents, secondConn: true, ike: v2v2, script: func(b *builder) answer {
		t1, t2 := b.t1(), b.t2()
		del := b.at(10, 9, 26, 0)
		ike(t1, del, v.StEstablished, v.StDown, v.MsgDeletePhase2(b.hex(8)))
		hold := del.Add(22*sec + 480*time.Millisecond)
		holdTimer(t1, hold)
		b.failover(t2, hold.Add(2*sec))
		b.every(del.Add(35*sec), del.Add(31*mn), 60*sec, sec, func(t time.Time) {
			t1.AWSExchangeAt(t, true, v.StEstablished, v.StDown, v.ExchangeCreateChildSA, v.AWSRequest)
			ike(t1, t.Add(300*time.Millisecond), v.StEstablished, v.StDown, v.MsgTSUnacceptable)
		})
		up := b.ikeRecover(t1, del, del.Add(31*mn+15*sec), v.StEstablished, v.StDown)
		est := b.bgpUp(t1, up.Add(4*sec))
		quiet(t1, del, est)
		quiet(t2, del, est)
		return answer{tunnelArg: "1", at: minuteAfter(del, 5*mn), root: catDelChild, rootAt: ikeTime(t1, del), rootTunnel: t1, staysDown: catTS,
			why: "The gateway deleted the CHILD_SA while its encryption domain was being changed; every CREATE_CHILD_SA AWS tried afterwards got TS_UNACCEPTABLE: the delete is the teardown, the traffic selectors are why phase 2 stays down"}
	}},
	{name: "both-tunnels-down-cgw-uplink", format: fmtJSONLines, ike: v2v2, script: func(b *builder) answer {
		t1, t2 := b.t1(), b.t2()
		_, d2 := b.uplinkLoss(b.at(10, 50, 40, 0), [2]time.Duration{27*sec + 400*time.Millisecond, 35 * sec}, [2]time.Duration{29*sec + 900*time.Millisecond, 30*sec + 800*time.Millisecond})
		return answer{tunnelArg: "2", at: minuteAfter(d2, 4*mn), root: catDPD, rootAt: ikeTime(t2, d2), rootTunnel: t2, shared: true,
			why: "Both tunnels lost the gateway within seconds (DPD on each, BGP hold timers with them; on tunnel 2 the hold timer ran out first): no failover was possible and the shared cause is the gateway's internet uplink" + fmt.Sprintf(" (tunnel 1 is %s)", t1.IP)}
	}},
	{name: "both-tunnels-down-either-tunnel", format: fmtTextLines, ike: v1v1, script: func(b *builder) answer {
		t1 := b.t1()
		d1, _ := b.uplinkLoss(b.at(9, 20, 5, 0), [2]time.Duration{30 * sec, 36 * sec}, [2]time.Duration{33*sec + 200*time.Millisecond, 38*sec + 500*time.Millisecond})
		return answer{at: minuteAfter(d1, 3*mn), root: catDPD, rootAt: ikeTime(t1, d1), rootTunnel: t1, shared: true,
			why: "Asked about the connection rather than a tunnel: tunnel 1 failed first (DPD, then its hold timer) and tunnel 2 a few seconds later the same way: a shared cause at the gateway, answered with the first tunnel to fail"}
	}},
	{name: "hold-timer-then-cgw-tunnel-monitor-delete", format: fmtGetLogEvents, ike: v2v2, script: func(b *builder) answer {
		t1, t2 := b.t1(), b.t2()
		hold := b.at(10, 18, 7, 733)
		ike(t1, hold.Add(-3*mn), v.StEstablished, v.StEstablished, "")
		holdTimer(t1, hold)
		b.failover(t2, hold.Add(2*sec))
		// The gateway tracks BGP and tears IPsec down when it fails.
		del := hold.Add(41*sec + 300*time.Millisecond)
		ike(t1, del, v.StDown, v.StDown, v.MsgDeleteIKESA)
		re := del.Add(12 * sec)
		ike(t1, re, v.StNegotiating, v.StDown, "")
		up := b.ikeRecover(t1, del, re.Add(sec), v.StDown, v.StDown)
		est := b.bgpUp(t1, up.Add(5*sec))
		quiet(t1, hold, est)
		quiet(t2, hold, est)
		return answer{tunnelArg: "1", at: minuteAfter(hold, 4*mn), root: catHold, rootAt: hold, rootTunnel: t1,
			why: "BGP's hold timer expired first, with IKE established; 41 s later the gateway's tunnel monitoring (which tracks BGP) deleted the IKE_SA and rebuilt it: a DELETE takes effect when it is sent, so it cannot explain keepalives lost over a minute earlier; the cause is on the BGP layer and the DELETE is the gateway's reaction"}
	}},
	{name: "maintenance-bgp-shutdown-then-ike-delete", format: fmtPretty, ike: v1v2, script: func(b *builder) answer {
		t1, t2 := b.t1(), b.t2()
		c := b.at(9, 0, 4, 250)
		sessionLost(t2, c, v.MsgCeaseReceived(2, t2.CGWInside))
		b.failover(t1, c.Add(2*sec))
		del := c.Add(25 * sec)
		ike(t2, del, v.StDown, v.StDown, v.MsgDeleteIKESA)
		re := c.Add(20 * mn)
		ike(t2, re, v.StNegotiating, v.StDown, "")
		up := b.ikeRecover(t2, del, re.Add(1100*time.Millisecond), v.StDown, v.StDown)
		est := b.bgpUp(t2, up.Add(5*sec))
		quiet(t2, c, est)
		quiet(t1, c, est)
		return answer{tunnelArg: "2", at: minuteAfter(c, 5*mn), root: ceaseCats[2], rootAt: c, rootTunnel: t2,
			why: "Planned work on the gateway: its administrator first shut the BGP neighbour (Cease 6/2 received), then cleared the tunnel 25 s later (DELETE for the IKE_SA); the session was already down when IKE went, so the deeper record explains nothing here: the cause is the gateway's administrative shutdown"}
	}},
	{name: "dpd-timeout-120s-after-hold-timer", format: fmtS3Export, ike: v2v2, script: func(b *builder) answer {
		t1, t2 := b.t1(), b.t2()
		t1.DPDTimeoutSec, t2.DPDTimeoutSec = 120, 120
		hold := b.at(10, 41, 55, 108)
		holdTimer(t1, hold)
		b.failover(t2, hold.Add(2*sec))
		dpd := hold.Add(96 * sec)
		ike(t1, dpd, v.StDown, v.StDown, v.MsgDPDTimeoutV2)
		re := dpd.Add(7 * mn)
		ike(t1, re, v.StNegotiating, v.StDown, "")
		up := b.ikeRecover(t1, dpd, re.Add(sec), v.StDown, v.StDown)
		est := b.bgpUp(t1, up.Add(5*sec))
		quiet(t1, hold, est)
		quiet(t2, hold, est)
		return answer{tunnelArg: "1", at: minuteAfter(dpd, 3*mn), root: catDPD, rootAt: ikeTime(t1, dpd), rootTunnel: t1,
			why: "The tunnel's DPD timeout is 120 s (tunnel options), so DPD declaring the peer dead 96 s after BGP's hold timer means the peer had stopped answering before the hold timer ran out: the dead peer explains the BGP loss even though it is logged later"}
	}},
	{name: "rekey-deletes-then-hold-timer-ikev1", format: fmtMixed, ike: v1v1, script: func(b *builder) answer {
		t1 := b.t1()
		hold := b.at(10, 52, 30, 419)
		r := hold.Add(-8*mn - 12*sec)
		ike(t1, r, v.StEstablished, v.StRekeying, "")
		ike(t1, r.Add(1200*time.Millisecond), v.StEstablished, v.StEstablished, "")
		ike(t1, r.Add(1700*time.Millisecond), v.StEstablished, v.StEstablished, v.MsgDeletePhase2(b.hex(8)))
		ike(t1, hold.Add(-50*sec), v.StEstablished, v.StEstablished, "")
		ike(t1, hold.Add(40*sec), v.StEstablished, v.StEstablished, "")
		holdTimer(t1, hold)
		est := b.bgpUp(t1, hold.Add(2*mn+5*sec))
		quiet(t1, hold, est)
		return answer{tunnelArg: "1", at: minuteAfter(hold, 3*mn), root: catHold, rootAt: hold, rootTunnel: t1,
			why: "Eight minutes before the drop the gateway deleted the old phase 2 SA after a rekey, with phase 2 staying established: routine cleanup, not a failure; the drop is BGP's hold timer with IKE established before and after it"}
	}},
	{name: "transient-phase2-failure-then-hold-timer", format: fmtJSONLines, secondConn: true, ike: v2v2, script: func(b *builder) answer {
		t1, t2 := b.t1(), b.t2()
		// A CHILD_SA rekey fails once and succeeds on the retry 30 s later.
		r := b.at(10, 4, 12, 0)
		t2.CGWMsgID += 2
		ike(t2, r, v.StEstablished, v.StRekeying, v.MsgProcessedRequest(t2.CGWMsgID))
		ike(t2, r.Add(800*time.Millisecond), v.StEstablished, v.StEstablished, v.MsgPhase2UnableToEstab)
		t2.CGWMsgID++
		ike(t2, r.Add(31*sec), v.StEstablished, v.StRekeying, v.MsgProcessedRequest(t2.CGWMsgID))
		ike(t2, r.Add(31*sec+40*time.Millisecond), v.StEstablished, v.StEstablished, v.MsgSendingResponse(t2.CGWMsgID))
		ike(t2, r.Add(4*mn), v.StEstablished, v.StEstablished, "")
		// Nine minutes later BGP loses its keepalives inside the working tunnel.
		hold := b.at(10, 13, 20, 871)
		ike(t2, hold.Add(45*sec), v.StEstablished, v.StEstablished, "")
		holdTimer(t2, hold)
		b.failover(t1, hold.Add(2*sec))
		est := b.bgpUp(t2, hold.Add(3*mn+5*sec))
		quiet(t2, r, est)
		quiet(t1, hold, est)
		return answer{tunnelArg: "2", at: minuteAfter(hold, 3*mn), root: catHold, rootAt: hold, rootTunnel: t2,
			why: "A phase 2 rekey failed once and succeeded on the retry 30 s later (IKE established again, snapshots say so); nine minutes later BGP's hold timer expired with IKE still established: the earlier hiccup had healed and does not explain the drop, which is a BGP-layer loss"}
	}},
	{name: "cgw-reboot-old-config-bad-open", format: fmtGzipLines, ike: v2v1, script: func(b *builder) answer {
		t1 := b.t1()
		// The gateway loses power; it boots an old startup-config whose BGP
		// AS was never updated (the change had not been saved).
		x := b.at(9, 12, 30, 0)
		dpd := [2]time.Duration{31 * sec, 33*sec + 400*time.Millisecond}
		hold := [2]time.Duration{28*sec + 120*time.Millisecond, 29*sec + 560*time.Millisecond}
		wrongAS := t1.Conn.CGWASN + 100
		fix := x.Add(26 * mn)
		for i, tn := range b.conns[0].Tunnels {
			msg := v.MsgDPDTimeoutV2
			if tn.IKEVersion == "ikev1" {
				msg = v.MsgPeerDeadV1
			}
			ike(tn, x.Add(dpd[i]), v.StDown, v.StDown, msg)
			holdTimer(tn, x.Add(hold[i]))
			boot := x.Add(4*mn + time.Duration(i)*7*sec)
			ike(tn, boot, v.StNegotiating, v.StDown, "")
			up := b.ikeRecover(tn, x.Add(dpd[i]), boot.Add(900*time.Millisecond), v.StDown, v.StDown)
			nb := tn.CGWInside
			b.every(up.Add(5*sec), fix, 2*mn, 2*sec, func(t time.Time) {
				e := tn.BGPOpenExchange(b.r, t, wrongAS)
				e = e.Add(vms(1))
				tn.BGPAt(e, "DOWN", v.MsgBadOpen(nb, wrongAS, tn.Conn.CGWASN))
				tn.BGPAt(e.Add(vms(1)), "DOWN", v.MsgBGPState("OpenSent", "Idle", nb))
			})
			est := b.bgpUp(tn, fix.Add(time.Duration(i)*9*sec+40*sec))
			quiet(tn, x, est)
		}
		return answer{tunnelArg: "1", at: minuteAfter(x, 11*mn), root: catDPD, rootAt: ikeTime(t1, x.Add(dpd[0])), rootTunnel: t1,
			staysDown: catBadOpen, shared: true,
			why: "The gateway went away on both tunnels at once (DPD on each, BGP hold timers with them): it rebooted, and IKE came back 4 minutes later, but the old startup-config it booted has the wrong BGP AS: with the tunnel up again, the bad OPEN loop is what keeps BGP down"}
	}},
	{name: "both-tunnels-hold-timer-ike-up", format: fmtGetLogEvents, secondConn: true, ike: v2v2, script: func(b *builder) answer {
		t2 := b.t2()
		h := b.at(10, 30, 12, 333)
		var at time.Time
		for i, tn := range b.conns[0].Tunnels {
			hold := h.Add(time.Duration(i) * 1800 * time.Millisecond)
			ike(tn, hold.Add(-55*sec), v.StEstablished, v.StEstablished, "")
			ike(tn, hold.Add(35*sec), v.StEstablished, v.StEstablished, "")
			holdTimer(tn, hold)
			est := b.bgpUp(tn, hold.Add(2*mn+time.Duration(i)*3*sec))
			quiet(tn, hold, est)
			at = hold
		}
		return answer{tunnelArg: "2", at: minuteAfter(at, 4*mn), root: catHold, rootAt: at, rootTunnel: t2, shared: true,
			why: "Both BGP sessions' hold timers expired within 2 s while IKE stayed established on both tunnels: no tunnel failed, the gateway's BGP process stopped sending keepalives on both at once (a shared cause on the gateway)"}
	}},
	{name: "asked-before-the-drop", format: fmtPretty, ike: v2v2, script: func(b *builder) answer {
		t1 := b.t1()
		del := b.at(10, 3, 41, 622)
		ike(t1, del, v.StDown, v.StDown, v.MsgDeleteIKESA)
		sessionLost(t1, del.Add(1700*time.Millisecond), "")
		re := del.Add(95 * sec)
		ike(t1, re, v.StNegotiating, v.StDown, "")
		up := b.ikeRecover(t1, del, re.Add(1300*time.Millisecond), v.StDown, v.StDown)
		est := b.bgpUp(t1, up.Add(4*sec))
		quiet(t1, del, est)
		return answer{tunnelArg: "1", at: b.at(10, 0, 0, 0), root: catDelIKE, rootAt: ikeTime(t1, del), rootTunnel: t1,
			why: "The user remembers \"around 10:00\"; the only incident near it began 3.7 minutes later, when the gateway deleted the IKE_SA (BGP fell 1.7 s after it, back within 2 minutes)"}
	}},
	{name: "los-angeles-evening-phase2-ikev1", format: fmtTextLines, ike: v1v1, script: func(b *builder) answer {
		t2 := b.t2()
		b.from, b.to = b.at(2, 0, 0, 0), b.at(9, 30, 0, 0)
		// The gateway starts the quick-mode rekey with a changed PFS group.
		r := b.at(5, 41, 10, 0)
		first := r.Add(600 * time.Millisecond)
		ike(t2, r, v.StEstablished, v.StRekeying, "")
		ike(t2, first, v.StEstablished, v.StEstablished, v.MsgNoProposalChosen)
		expiry := r.Add(4*mn + 30*sec)
		b.every(r.Add(60*sec), expiry, 60*sec, 2*sec, func(t time.Time) {
			ike(t2, t, v.StEstablished, v.StRekeying, "")
			ike(t2, t.Add(500*time.Millisecond), v.StEstablished, v.StEstablished, v.MsgNoProposalChosen)
		})
		ike(t2, expiry, v.StEstablished, v.StDown, "")
		hold := expiry.Add(25*sec + 210*time.Millisecond)
		holdTimer(t2, hold)
		b.failover(b.t1(), hold.Add(2*sec))
		fix := expiry.Add(31 * mn)
		b.every(expiry.Add(45*sec), fix, 60*sec, 2*sec, func(t time.Time) {
			ike(t2, t, v.StEstablished, v.StDown, v.MsgNoProposalChosen)
		})
		up := b.ikeRecover(t2, expiry, fix.Add(20*sec), v.StEstablished, v.StDown)
		t2.IKEOutages = append(t2.IKEOutages, v.Span{From: r, To: up})
		est := b.bgpUp(t2, up.Add(5*sec))
		quiet(t2, r, est)
		quiet(b.t1(), hold, est)
		return answer{tunnelArg: "2", at: minuteAfter(expiry, 3*mn), tz: "America/Los_Angeles", atForm: atClock, root: catProposal, rootAt: ikeTime(t2, first), rootTunnel: t2,
			why: "Asked as a bare 22:48 in Los Angeles after midnight there: that is the previous local evening. The gateway's IKEv1 quick-mode rekey was refused (No proposal chosen: its phase 2 proposal had changed); the old SA expired 4.5 minutes later, then BGP timed out"}
	}},
	{name: "dpd-then-as-path-loop-after-recovery", format: fmtJSONLines, ike: v2v2, script: func(b *builder) answer {
		t1, t2 := b.t1(), b.t2()
		dpd := b.at(10, 5, 0, 0)
		ike(t1, dpd, v.StDown, v.StDown, v.MsgDPDTimeoutV2)
		hold := dpd.Add(19*sec + 640*time.Millisecond)
		holdTimer(t1, hold)
		b.failover(t2, hold.Add(2*sec))
		re := dpd.Add(2*mn + 55*sec)
		ike(t1, re, v.StNegotiating, v.StDown, "")
		up := b.ikeRecover(t1, dpd, re.Add(sec), v.StDown, v.StDown)
		est := b.bgpUp(t1, up.Add(5*sec))
		// Back on tunnel 1, the gateway re-advertises the VPC routes it
		// learned from AWS over tunnel 2 (no outbound filter): denied.
		c := t1.Conn
		looped := []v.Prefix{{CIDR: "10.0.0.0/16", ASPath: fmt.Sprintf("%d %d", c.CGWASN, c.AWSASN)}}
		start := est.Add(30 * sec)
		t1.ReceiveRoutes(b.r, start, "ADVERTISED", looped, t1.MED, v.DenyASLoop)
		b.every(start.Add(4*mn), start.Add(40*mn), 4*mn, 5*sec, func(t time.Time) {
			t1.ReceiveRoutes(b.r, t, "UPDATED", looped, t1.MED, v.DenyASLoop)
		})
		quiet(t1, dpd, start.Add(40*mn))
		quiet(t2, dpd, est)
		return answer{tunnelArg: "1", at: minuteAfter(dpd, 9*mn), root: catDPD, rootAt: ikeTime(t1, dpd), rootTunnel: t1,
			why: "Asked why tunnel 1 dropped, 9 minutes after it did: the drop was DPD at 10:05 (BGP followed, back 3 minutes later); the as-path-loop denials that began after the session returned took nothing down and are a separate finding, not the answer to a drop question"}
	}},
	{name: "phase1-rekey-delete-then-hold-timer-ikev1", format: fmtFilterLogEvents, ike: v1v2, script: func(b *builder) answer {
		t1 := b.t1()
		// The 8-hour phase 1 lifetime runs out: main mode again, then the
		// gateway deletes the old ISAKMP SA; phase 1 stays established.
		r := b.at(10, 11, 3, 0)
		ike(t1, r, v.StRekeying, v.StEstablished, "")
		ike(t1, r.Add(1400*time.Millisecond), v.StEstablished, v.StEstablished, "")
		ike(t1, r.Add(2100*time.Millisecond), v.StEstablished, v.StEstablished, v.MsgDeleteIKESA)
		hold := b.at(10, 17, 48, 95)
		ike(t1, hold.Add(-70*sec), v.StEstablished, v.StEstablished, "")
		ike(t1, hold.Add(45*sec), v.StEstablished, v.StEstablished, "")
		holdTimer(t1, hold)
		est := b.bgpUp(t1, hold.Add(100*sec))
		quiet(t1, r, est)
		return answer{tunnelArg: "1", at: minuteAfter(hold, 3*mn), root: catHold, rootAt: hold, rootTunnel: t1,
			why: "Six minutes before the drop the gateway deleted the old ISAKMP SA after a phase 1 rekey, with phase 1 established in that very record: rekey cleanup, not a teardown; the drop is BGP's hold timer with IKE established before and after it"}
	}},
	{name: "close-incidents-tunnel-1-sydney", same: "close-incidents", format: fmtJSONLines, ike: v2v2, script: closeIncidents(1)},
	{name: "close-incidents-tunnel-2-sydney", same: "close-incidents", format: fmtJSONLines, ike: v2v2, script: closeIncidents(2)},
	{name: "tokyo-clock-time-cgw-delete", format: fmtMixed, noInventory: true, ike: v1v1, script: func(b *builder) answer {
		t1, t2 := b.t1(), b.t2()
		del := b.at(10, 1, 52, 0)
		ike(t1, del, v.StDown, v.StDown, v.MsgDeleteIKESA)
		sessionLost(t1, del.Add(2100*time.Millisecond), "")
		b.failover(t2, del.Add(5*sec))
		b.every(del.Add(2*mn), del.Add(9*mn), 2*mn, 2*sec, func(t time.Time) { ike(t1, t, v.StNegotiating, v.StDown, "") })
		up := b.ikeRecover(t1, del, del.Add(9*mn+35*sec), v.StNegotiating, v.StDown)
		est := b.bgpUp(t1, up.Add(6*sec))
		quiet(t1, del, est)
		quiet(t2, del, est)
		return answer{tunnelArg: t1.IP, at: minuteAfter(del, 4*mn), tz: "Asia/Tokyo", atForm: atClock, root: catDelIKE, rootAt: ikeTime(t1, del), rootTunnel: t1,
			why: "Asked as a bare wall-clock time in Tokyo: the gateway deleted the IKEv1 IKE_SA (an administrator cleared it); BGP fell 2 s later as a consequence; back after 10 minutes"}
	}},
	{name: "overnight-psk-loop-recovered-next-morning", format: fmtJSONLines, ike: v2v2, script: func(b *builder) answer {
		// An evening change window: the gateway is re-keyed with a new
		// pre-shared key that nobody entered on the AWS side, and the
		// tunnel stays down all night until the key is fixed at 07:42.
		t1, t2 := b.t1(), b.t2()
		b.from, b.to = b.at(19, 30, 0, 0), b.at(33, 0, 0, 0)
		del := b.at(21, 4, 17, 0)
		ike(t1, del, v.StDown, v.StDown, v.MsgDeleteIKESA)
		sessionLost(t1, del.Add(900*time.Millisecond), "")
		b.failover(t2, del.Add(4*sec))
		fixed := b.at(31, 42, 5, 0)
		b.every(del.Add(20*sec), fixed, 30*sec, 2*sec, func(t time.Time) { ike(t1, t, v.StNegotiating, v.StDown, v.MsgPSKMismatch(b.conns[0].CGWIP)) })
		up := b.ikeRecover(t1, del, fixed.Add(15*sec), v.StNegotiating, v.StDown)
		est := b.bgpUp(t1, up.Add(6*sec))
		quiet(t1, del, est)
		quiet(t2, del, est)
		return answer{tunnelArg: "1", at: minuteAfter(del, 8*mn), root: catDelIKE, rootAt: ikeTime(t1, del), rootTunnel: t1, staysDown: catPSK, recoveredAt: est,
			why: "The gateway deleted its IKE_SA for a change and came back with a pre-shared key AWS does not have: every retry all night failed on authentication until the key was fixed at 07:42 the next morning; one incident of 10 h 38 min, recovered, not one that is still open 6 hours after the question"}
	}},

	// ---------- AWS side: causes the logs cannot show ----------
	{name: "options-change-renegotiates-tunnel", format: fmtJSONLines, ike: v2v2, script: func(b *builder) answer {
		// Automation changes tunnel 1's options (and its pre-shared key,
		// already on the gateway); AWS renegotiates the tunnel.
		t1, t2 := b.t1(), b.t2()
		change := b.at(10, 21, 14, 0)
		b.change(t1, change, map[string]any{"PreSharedKey": "N3w-PSK.value", "DPDTimeoutSeconds": 30})
		down := change.Add(47 * sec)
		ike(t1, down, v.StDown, v.StDown, "")
		sessionLost(t1, down.Add(1300*time.Millisecond), "")
		b.failover(t2, down.Add(3*sec))
		re := down.Add(4*mn + 52*sec)
		ike(t1, re, v.StNegotiating, v.StDown, "")
		up := b.ikeRecover(t1, down, re.Add(900*time.Millisecond), v.StDown, v.StDown)
		est := b.bgpUp(t1, up.Add(5*sec))
		quiet(t1, down, est)
		quiet(t2, down, est)
		return answer{tunnelArg: "1", at: minuteAfter(down, 3*mn), root: string(catalog.AWSTunnelOptionsChanged), rootAt: change, rootTunnel: t1,
			logsRoot: catIKEState, logsRootAt: ikeTime(t1, down), recoveredAt: est,
			why: "ModifyVpnTunnelOptions on tunnel 1 (CloudTrail) 47 s before its phases went down with no reason logged: AWS renegotiated the tunnel to apply the options, BGP fell with it and both came back 5 minutes later; the logs alone show only the bare teardown"}
	}},
	{name: "maintenance-replacement-tunnel-1", format: fmtJSONLines, ike: v2v2, script: func(b *builder) answer {
		// AWS replaces tunnel 1's endpoint: it shuts the BGP session down
		// (Cease 6/2 sent) and the tunnel goes with it; the new endpoint
		// negotiates a few minutes later. Tunnel 2 is pending the same.
		t1, t2 := b.t1(), b.t2()
		applied := b.at(9, 47, 30, 0)
		cease := applied.Add(6*sec + 218*time.Millisecond)
		sessionLost(t1, cease, v.MsgCeaseSent(2, t1.CGWInside))
		down := cease.Add(1100 * time.Millisecond)
		ike(t1, down, v.StDown, v.StDown, "")
		b.failover(t2, cease.Add(3*sec))
		re := down.Add(5*mn + 20*sec)
		ike(t1, re, v.StNegotiating, v.StDown, "")
		up := b.ikeRecover(t1, down, re.Add(1200*time.Millisecond), v.StDown, v.StDown)
		est := b.bgpUp(t1, up.Add(6*sec))
		quiet(t1, cease, est)
		quiet(t2, cease, est)
		b.maintenance(t1, v.TunnelMaintenance{Applied: applied})
		b.maintenance(t2, v.TunnelMaintenance{Pending: "Tunnel endpoint replacement", AutoAppliedAfter: b.day.AddDate(0, 0, 7).Add(2 * time.Hour)})
		return answer{tunnelArg: "1", at: minuteAfter(cease, 4*mn), root: string(catalog.AWSTunnelReplaced), rootAt: applied, rootTunnel: t1,
			logsRoot: catIKEState, logsRootAt: ikeTime(t1, down), recoveredAt: est,
			why: "GetVpnTunnelReplacementStatus says AWS applied maintenance to tunnel 1 six seconds before AWS shut its BGP session (Cease 6/2 sent) and the tunnel went down: the endpoint was replaced; tunnel 2 carried the traffic and is next (pending)"}
	}},
	{name: "options-change-on-other-tunnel-not-the-cause", format: fmtJSONLines, ike: v2v2, script: func(b *builder) answer {
		// A change on tunnel 2 two minutes before tunnel 1 loses its peer
		// (DPD): the change renegotiates tunnel 2 only, never tunnel 1.
		t1, t2 := b.t1(), b.t2()
		dpd := b.at(10, 37, 12, 0)
		b.change(t2, dpd.Add(-2*mn-11*sec), map[string]any{"Phase2LifetimeSeconds": 3600})
		ike(t1, dpd, v.StDown, v.StDown, v.MsgDPDTimeoutV2)
		hold := dpd.Add(21 * sec)
		holdTimer(t1, hold)
		re := dpd.Add(3*mn + 40*sec)
		ike(t1, re, v.StNegotiating, v.StDown, "")
		up := b.ikeRecover(t1, dpd, re.Add(sec), v.StDown, v.StDown)
		est := b.bgpUp(t1, up.Add(5*sec))
		quiet(t1, dpd, est)
		quiet(t2, dpd.Add(-3*mn), est)
		return answer{tunnelArg: "1", at: minuteAfter(dpd, 3*mn), root: catDPD, rootAt: ikeTime(t1, dpd), rootTunnel: t1,
			why: "The ModifyVpnTunnelOptions two minutes earlier named tunnel 2's outside IP: it renegotiates that tunnel, not this one (which stayed up through it); tunnel 1's drop is DPD giving up on the gateway, a note mentions the change"}
	}},
	{name: "options-change-hours-before-not-the-cause", format: fmtJSONLines, ike: v2v2, script: func(b *builder) answer {
		// A change on tunnel 1 at 08:1x renegotiated it then (back in
		// minutes); the drop two hours later is the gateway's own.
		t1, t2 := b.t1(), b.t2()
		change := b.at(8, 14, 2, 0)
		b.change(t1, change, map[string]any{"DPDTimeoutAction": "restart"})
		down0 := change.Add(31 * sec)
		ike(t1, down0, v.StDown, v.StDown, "")
		sessionLost(t1, down0.Add(1100*time.Millisecond), "")
		up0 := b.ikeRecover(t1, down0, down0.Add(4*mn+15*sec), v.StDown, v.StDown)
		est0 := b.bgpUp(t1, up0.Add(5*sec))
		quiet(t1, down0, est0)
		del := b.at(10, 26, 40, 0)
		ike(t1, del, v.StDown, v.StDown, v.MsgDeleteIKESA)
		sessionLost(t1, del.Add(1400*time.Millisecond), "")
		b.failover(t2, del.Add(4*sec))
		re := del.Add(2*mn + 10*sec)
		ike(t1, re, v.StNegotiating, v.StDown, "")
		up := b.ikeRecover(t1, del, re.Add(sec), v.StDown, v.StDown)
		est := b.bgpUp(t1, up.Add(5*sec))
		quiet(t1, del, est)
		quiet(t2, del, est)
		return answer{tunnelArg: "1", at: minuteAfter(del, 3*mn), root: catDelIKE, rootAt: ikeTime(t1, del), rootTunnel: t1,
			why: "The ModifyVpnTunnelOptions on tunnel 1 was two hours earlier and its renegotiation ended within minutes; the drop at 10:26 is the gateway deleting its IKE_SA, not the change"}
	}},
	// ---------- a connection without logs: answered from its tunnel metrics ----------
	{name: "no-logs-tunnel-down-from-metrics", format: fmtJSONLines, secondConn: true, ike: v2v2, script: func(b *builder) answer {
		// Logging is off on the connection; tunnel 1 goes down at 09:41
		// and stays down, its traffic moving to tunnel 2.
		b.noLogs()
		t1 := b.t1()
		m := b.down(t1, b.at(9, 41, 17, 0), time.Time{})
		m.trafficMoved = true
		return answer{tunnelArg: "1", at: b.at(10, 5, 0, 0), rootTunnel: t1, fromMetrics: m,
			why: "Logging is disabled, so no log can say why; TunnelState (5-minute averages) is 0.257 in the period from 09:40, 0 after until the metrics end: down from about 09:41, still down, and tunnel 2's TunnelDataIn jumps as the traffic moves to it; turning logging on is what would name the next cause"}
	}},
	{name: "no-logs-on-tunnel-2-from-metrics", format: fmtJSONLines, ike: v2v2, script: func(b *builder) answer {
		// Logging was turned on one tunnel at a time and tunnel 2's was
		// never done: tunnel 1 logs, tunnel 2 is down 34 minutes.
		t2 := b.t2()
		b.noLogsOn(t2)
		m := b.down(t2, b.at(11, 2, 43, 0), b.at(11, 37, 10, 0))
		return answer{tunnelArg: "2", at: b.at(11, 20, 0, 0), rootTunnel: t2, fromMetrics: m,
			why: "Tunnel 1 logs but tunnel 2's logging is off, so no log can say why tunnel 2 dropped; its TunnelState puts the outage from about 11:03 (in the period 11:00-11:05) to about 11:37; tunnel 1, which carries the traffic anyway, stayed up"}
	}},
	{name: "no-logs-options-change-from-metrics", format: fmtJSONLines, secondConn: true, ike: v2v2, script: func(b *builder) answer {
		// Automation changes tunnel 2's options on a connection without
		// logs; AWS renegotiates the tunnel, back five minutes later.
		b.noLogs()
		t2 := b.t2()
		change := b.at(10, 21, 14, 0)
		b.change(t2, change, map[string]any{"PreSharedKey": "N0-l0gs.PSK", "DPDTimeoutSeconds": 30})
		m := b.down(t2, change.Add(47*sec), change.Add(5*mn+39*sec))
		return answer{tunnelArg: "2", at: b.at(10, 40, 0, 0), root: string(catalog.AWSTunnelOptionsChanged), rootAt: change, rootTunnel: t2, fromMetrics: m,
			why: "No logs, but TunnelState puts tunnel 2's outage at about 10:22 (in the period 10:20-10:25), back about 10:27; CloudTrail has a ModifyVpnTunnelOptions on that tunnel at 10:21:14, in that period: AWS renegotiated the tunnel to apply the options"}
	}},
	{name: "no-logs-maintenance-from-metrics", format: fmtJSONLines, secondConn: true, ike: v2v2, script: func(b *builder) answer {
		// AWS replaces tunnel 1's endpoint on a connection without logs;
		// the new endpoint is up five minutes later. Tunnel 2 is pending
		// the same.
		b.noLogs()
		t1, t2 := b.t1(), b.t2()
		applied := b.at(9, 47, 30, 0)
		down := applied.Add(7 * sec)
		// Five minutes down at 5-minute resolution: the periods around the
		// drop both hold part of the traffic on each tunnel, too close to
		// say it moved.
		m := b.down(t1, down, down.Add(5*mn+20*sec))
		b.maintenance(t1, v.TunnelMaintenance{Applied: applied})
		b.maintenance(t2, v.TunnelMaintenance{Pending: "Tunnel endpoint replacement", AutoAppliedAfter: b.day.AddDate(0, 0, 7).Add(2 * time.Hour)})
		return answer{tunnelArg: "1", at: b.at(10, 0, 0, 0), root: string(catalog.AWSTunnelReplaced), rootAt: applied, rootTunnel: t1, fromMetrics: m,
			why: "No logs, but TunnelState puts tunnel 1's outage at about 09:48 (in the period 09:45-09:50), back about 09:53; GetVpnTunnelReplacementStatus says AWS applied maintenance to it at 09:47:30, in that period: the endpoint was replaced (tunnel 2 is next, pending)"}
	}},
}

// vms is a duration of n milliseconds.
func vms(n int) time.Duration { return v.Ms(n) }

// childRekeyFailure scripts a CHILD_SA rekey that fails with failMsg: the
// old SA carries on until it expires (rekey margin 270 s), then phase 2 goes
// down and BGP times out; AWS retries every minute until the gateway is
// fixed after fixAfter. It returns the first failure and the expiry.
func (b *builder) childRekeyFailure(tn, other *v.Tunnel, t time.Time, failMsg string, fixAfter time.Duration) (first, expiry time.Time) {
	request := func(t time.Time, p2 string) {
		tn.AWSExchangeAt(t, true, v.StEstablished, p2, v.ExchangeCreateChildSA, v.AWSRequest)
	}
	request(t, v.StRekeying)
	first = t.Add(350 * time.Millisecond)
	ike(tn, first, v.StEstablished, v.StEstablished, failMsg)
	expiry = t.Add(4*mn + 30*sec)
	b.every(t.Add(60*sec), expiry, 60*sec, 2*sec, func(x time.Time) {
		request(x, v.StRekeying)
		ike(tn, x.Add(300*time.Millisecond), v.StEstablished, v.StEstablished, failMsg)
	})
	ike(tn, expiry, v.StEstablished, v.StDown, "")
	hold := expiry.Add(23*sec + b.jit(0, 900*time.Millisecond))
	holdTimer(tn, hold)
	b.failover(other, hold.Add(3*sec))
	fix := expiry.Add(fixAfter)
	b.every(expiry.Add(40*sec), fix, 60*sec, 2*sec, func(x time.Time) {
		request(x, v.StDown)
		ike(tn, x.Add(300*time.Millisecond), v.StEstablished, v.StDown, failMsg)
	})
	request(fix.Add(15*sec), v.StNegotiating)
	tn.AWSExchangeAt(fix.Add(15*sec+400*time.Millisecond), true, v.StEstablished, v.StEstablished, v.ExchangeCreateChildSA, v.AWSResponse)
	tn.IKEStates = append(tn.IKEStates, v.StateSpan{Span: v.Span{From: expiry, To: fix.Add(15 * sec)}, P1: v.StEstablished, P2: v.StDown})
	tn.IKEOutages = append(tn.IKEOutages, v.Span{From: t, To: fix.Add(16 * sec)})
	est := b.bgpUp(tn, fix.Add(20*sec))
	quiet(tn, t, est)
	quiet(other, t, est)
	return first, expiry
}

// uplinkLoss scripts the gateway's internet uplink failing at x: each tunnel
// loses its peer; DPD gives up and the BGP hold timer runs out after the
// given delays (in either order). Both come back 9 minutes later. It
// returns the DPD times.
func (b *builder) uplinkLoss(x time.Time, dpd, hold [2]time.Duration) (time.Time, time.Time) {
	var out [2]time.Time
	for i, tn := range b.conns[0].Tunnels {
		msg := v.MsgDPDTimeoutV2
		if tn.IKEVersion == "ikev1" {
			msg = v.MsgPeerDeadV1
		}
		ike(tn, x.Add(dpd[i]), v.StDown, v.StDown, msg)
		holdTimer(tn, x.Add(hold[i]))
		re := x.Add(9*mn + time.Duration(i)*15*sec)
		ike(tn, re, v.StNegotiating, v.StDown, "")
		up := b.ikeRecover(tn, x.Add(dpd[i]), re.Add(800*time.Millisecond), v.StDown, v.StDown)
		est := b.bgpUp(tn, up.Add(5*sec))
		quiet(tn, x, est)
		out[i] = x.Add(dpd[i])
	}
	return out[0], out[1]
}

// closeIncidents: two unrelated incidents 80 s apart on different tunnels,
// asked in Sydney's local time (a day ahead of UTC's date in the morning).
func closeIncidents(asked int) func(b *builder) answer {
	return func(b *builder) answer {
		t1, t2 := b.t1(), b.t2()
		hold := b.at(10, 0, 10, 512)
		ike(t1, hold.Add(-30*sec), v.StEstablished, v.StEstablished, "")
		ike(t1, hold.Add(55*sec), v.StEstablished, v.StEstablished, "")
		holdTimer(t1, hold)
		est1 := b.bgpUp(t1, hold.Add(88*sec))
		shut := b.at(10, 1, 30, 207)
		sessionLost(t2, shut, v.MsgCeaseReceived(2, t2.CGWInside))
		est2 := b.bgpUp(t2, b.at(10, 9, 2, 640))
		quiet(t1, hold, est1)
		quiet(t2, shut, est2)
		q := minuteAfter(shut, 90*sec)
		if asked == 1 {
			return answer{tunnelArg: "1", at: q, tz: "Australia/Sydney", atForm: atLocal, root: catHold, rootAt: hold, rootTunnel: t1,
				why: "Two unrelated incidents 80 s apart: on tunnel 1 BGP's hold timer expired with IKE established before and after (a BGP-layer loss, back in 90 s); tunnel 2's Cease a minute later is a different incident on another tunnel"}
		}
		return answer{tunnelArg: "2", at: q, tz: "Australia/Sydney", atForm: atLocal, root: ceaseCats[2], rootAt: shut, rootTunnel: t2,
			why: "Two unrelated incidents 80 s apart: on tunnel 2 the gateway sent Cease 6/2 (someone shut the wrong neighbour while looking at tunnel 1's flap); tunnel 1's hold timer a minute earlier belongs to the other tunnel"}
	}
}

// ceaseSpec is a scenario whose incident starts with Cease 6/sub, sent by
// AWS or received from the gateway.
func ceaseSpec(sub int, sent bool, f format, secondConn bool, why string) spec {
	dir := "received"
	if sent {
		dir = "sent"
	}
	return spec{name: fmt.Sprintf("bgp-cease-6-%d-%s", sub, dir), format: f, secondConn: secondConn, ike: [2]string{"ikev2", []string{"ikev1", "ikev2"}[sub%2]},
		script: func(b *builder) answer {
			tn, other := b.t1(), b.t2()
			if sub%2 == 0 {
				tn, other = other, tn
			}
			nb := tn.CGWInside
			msg := v.MsgCeaseReceived(sub, nb)
			if sent {
				msg = v.MsgCeaseSent(sub, nb)
			}
			c := b.at(9+sub%3, 7*sub, 11+sub, 100*sub+17)
			ike(tn, c.Add(-70*sec), v.StEstablished, v.StEstablished, "")
			ike(tn, c.Add(80*sec), v.StEstablished, v.StEstablished, "")
			ans := answer{tunnelArg: fmt.Sprint(tn.Num), root: ceaseCats[sub], rootAt: c, rootTunnel: tn, why: why}
			var est time.Time
			switch {
			case sub == 5 && sent:
				// The gateway keeps connecting from the wrong inside address;
				// AWS's own attempts towards the configured one go nowhere.
				b.to = c.Add(50 * mn)
				wrong := other.CGWInside
				b.every(c, b.to, 2*mn, 2*sec, func(t time.Time) {
					tn.BGPAt(t.Add(-vms(2)), "DOWN", v.MsgOpenReceived(wrong, tn.Conn.CGWASN, tn.Conn.CGWRouterID))
					tn.BGPAt(t, "DOWN", v.MsgCeaseSent(5, wrong))
				})
				ans.rootAt = c
				fromIdle := true
				b.every(c.Add(50*sec), b.to, 2*mn, 2*sec, func(t time.Time) { b.connectAttempt(tn, t, fromIdle); fromIdle = false })
				b.bgpDownToEnd(tn, b.from)
				ans.at = minuteAfter(c, 12*mn)
				return ans
			case sub == 5:
				sessionLost(tn, c, msg)
				b.every(c.Add(2*mn), c.Add(14*mn), 2*mn, 2*sec, func(t time.Time) {
					e := tn.BGPOpenExchange(b.r, t, tn.Conn.CGWASN)
					e = e.Add(vms(1))
					tn.BGPAt(e, "DOWN", v.MsgBGPState("OpenSent", "OpenConfirm", nb))
					e = e.Add(b.jit(5*time.Millisecond, 20*time.Millisecond))
					tn.BGPAt(e, "DOWN", msg)
					tn.BGPAt(e.Add(vms(1)), "DOWN", v.MsgBGPState("OpenConfirm", "Idle", nb))
				})
				est = b.bgpUp(tn, c.Add(14*mn+50*sec))
				ans.at = minuteAfter(c, 5*mn)
			case sub == 3 && !sent:
				sessionLost(tn, c, msg)
				b.failover(other, c.Add(2*sec))
				fromIdle := true
				b.every(c.Add(30*sec), c.Add(30*mn), 2*mn, 2*sec, func(t time.Time) { b.connectAttempt(tn, t, fromIdle); fromIdle = false })
				est = b.bgpUp(tn, c.Add(30*mn+20*sec))
				ans.at = minuteAfter(c, 9*mn)
				ans.staysDown = catConnActive
			case sub == 7:
				// A new connection from the gateway collides with the
				// established one; one of the two is closed.
				tn.BGPAt(c.Add(-vms(3)), "DOWN", v.MsgOpenReceived(nb, tn.Conn.CGWASN, tn.Conn.CGWRouterID))
				sessionLost(tn, c, msg)
				est = b.bgpUp(tn, c.Add(1200*time.Millisecond))
				ans.at = minuteAfter(c, 3*mn)
			default:
				sessionLost(tn, c, msg)
				b.failover(other, c.Add(2*sec))
				back := map[string]time.Duration{"2s": 2*mn + 10*sec, "2r": 18 * mn, "3s": 3 * mn, "4s": 40 * sec, "4r": 25 * sec, "6s": 61 * sec, "6r": 22 * sec}[fmt.Sprintf("%d%s", sub, dir[:1])]
				est = b.bgpUp(tn, c.Add(back))
				ans.at = minuteAfter(c, back/2+4*mn)
			}
			quiet(tn, c, est)
			quiet(other, c, est)
			return ans
		}}
}
