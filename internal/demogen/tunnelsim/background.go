package tunnelsim

import (
	"math/rand/v2"
	"time"
)

// IKERecover logs an IKE_SA coming back after an outage that started at from:
// phase 1 up first, then phase 2. Returns the time both are established.
func (tn *Tunnel) IKERecover(r *rand.Rand, from, t time.Time, downP1, downP2 string) time.Time {
	tn.IKEStates = append(tn.IKEStates, StateSpan{Span{from, t}, downP1, downP2})
	tn.IKEAt(t, true, StEstablished, StNegotiating, "")
	t = t.Add(Jitter(r, Ms(150), Ms(700)))
	tn.IKEAt(t, true, StEstablished, StEstablished, "")
	tn.IKEOutages = append(tn.IKEOutages, Span{from, t})
	return t
}

// BackgroundIKE adds the healthy chatter of a tunnel activity stream: state
// snapshots every ~10 min and phase 2 rekeys every 50-56 min.
func BackgroundIKE(r *rand.Rand, tn *Tunnel, from, to time.Time, collide func(n int) bool) {
	// A state snapshot every ~10 min reporting whatever state the tunnel is in.
	base := Jitter(r, 0, 4*time.Minute)
	for k := 0; ; k++ {
		t := from.Add(base + time.Duration(k)*10*time.Minute + Jitter(r, 0, 50*time.Second))
		if !t.Before(to) {
			break
		}
		if NearScripted(tn.IKE, t, 10*time.Second) {
			continue
		}
		p1, p2 := tn.StateAt(t)
		tn.IKEAt(t, false, p1, p2, "")
	}

	// Phase 2 lifetime 3600 s, rekey margin 270 s with 100 % fuzz: rekeys come
	// 50-56 min after the SA was made. After an outage the schedule restarts
	// from the new SA, with fresh IKEv2 message ids.
	const margin = 10 * time.Minute
	prev := from.Add(-Jitter(r, 0, 50*time.Minute))
	next := prev.Add(Jitter(r, 50*time.Minute, 56*time.Minute))
	n := 0
	for next.Before(to.Add(-2 * time.Minute)) {
		if o, ok := outageBefore(tn, prev, next, margin); ok {
			prev = o.To
			next = prev.Add(Jitter(r, 50*time.Minute, 56*time.Minute))
			continue
		}
		// Keep routine rekeys a few minutes away from incident records so a
		// root cause is never tied with one to the second.
		if NearScripted(tn.IKE, next, 10*time.Minute) || NearScripted(tn.BGP, next, 10*time.Minute) {
			next = next.Add(4 * time.Minute)
			continue
		}
		if tn.IKEVersion == "ikev1" {
			RekeyIKEv1(r, tn, next)
		} else {
			RekeyIKEv2(r, tn, next, collide != nil && collide(n))
		}
		n++
		prev = next
		next = prev.Add(Jitter(r, 50*time.Minute, 56*time.Minute))
	}
}

// outageBefore finds an IKE outage that ends after prev and starts before
// next+margin: the SA due for rekey at next does not live that long.
func outageBefore(tn *Tunnel, prev, next time.Time, margin time.Duration) (Span, bool) {
	var found Span
	ok := false
	for _, o := range tn.IKEOutages {
		if o.To.After(prev) && o.From.Before(next.Add(margin)) {
			if !ok || o.To.After(found.To) {
				found, ok = o, true
			}
		}
	}
	return found, ok
}

// RekeyIKEv2 logs a CREATE_CHILD_SA rekey started by either side (or by both
// at once: a collision, resolved by deleting the redundant SA).
func RekeyIKEv2(r *rand.Rand, tn *Tunnel, t time.Time, collision bool) {
	// AWS's ids are counted by FinishIKE; this draw once spaced them and
	// stays, so every other record keeps its time and place.
	_ = r.IntN(6)
	tn.CGWMsgID += 1 + r.IntN(6)
	if collision {
		cgw := tn.CGWMsgID
		tn.AWSExchangeAt(t, false, StEstablished, StRekeying, ExchangeCreateChildSA, AWSRequest)
		t = t.Add(Jitter(r, Ms(30), Ms(200)))
		tn.IKEAt(t, false, StEstablished, StRekeying, MsgProcessedRequest(cgw))
		t = t.Add(Jitter(r, Ms(5), Ms(30)))
		tn.IKEAt(t, false, StEstablished, StRekeying, MsgSendingResponse(cgw))
		t = t.Add(Jitter(r, Ms(40), Ms(250)))
		tn.IKEAt(t, false, StEstablished, StRekeying, MsgRekeyCollision)
		t = t.Add(Jitter(r, Ms(5), Ms(60)))
		tn.AWSExchangeAt(t, false, StEstablished, StRekeying, ExchangeCreateChildSA, AWSResponse)
		t = t.Add(Jitter(r, Ms(200), Ms(900)))
		tn.IKEAt(t, false, StEstablished, StEstablished, MsgRedundantSADelete)
		return
	}
	if r.IntN(2) == 0 {
		tn.AWSExchangeAt(t, false, StEstablished, StRekeying, ExchangeCreateChildSA, AWSRequest)
		tn.AWSExchangeAt(t.Add(Jitter(r, Ms(40), Ms(400))), false, StEstablished, StEstablished, ExchangeCreateChildSA, AWSResponse)
		return
	}
	id := tn.CGWMsgID
	tn.IKEAt(t, false, StEstablished, StRekeying, MsgProcessedRequest(id))
	t = t.Add(Jitter(r, Ms(5), Ms(60)))
	tn.IKEAt(t, false, StEstablished, StEstablished, MsgSendingResponse(id))
	if tn.RekeyDeletes {
		tn.IKEAt(t.Add(Jitter(r, Ms(200), Ms(900))), false, StEstablished, StEstablished, MsgDeletePhase2(spi(r)))
	}
}

// RekeyIKEv1: quick mode has no CREATE_CHILD_SA lines, so the rekey shows
// only in the phase 2 state. The CGW's DELETE for the old SA is logged only
// when tn.RekeyDeletes is set (the demo leaves it out; the scenario set keeps
// it as the routine noise it is).
func RekeyIKEv1(r *rand.Rand, tn *Tunnel, t time.Time) {
	tn.IKEAt(t, false, StEstablished, StRekeying, "")
	t = t.Add(Jitter(r, Ms(300), 2*time.Second))
	tn.IKEAt(t, false, StEstablished, StEstablished, "")
	if tn.RekeyDeletes {
		tn.IKEAt(t.Add(Jitter(r, Ms(200), Ms(900))), false, StEstablished, StEstablished, MsgDeletePhase2(spi(r)))
	}
}

// spi draws an SPI as AWS prints it (8 hex digits).
func spi(r *rand.Rand) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 8)
	for i := range b {
		b[i] = digits[r.IntN(16)]
	}
	return string(b)
}

// BackgroundBGP adds routine UPDATEs (existing routes refreshed) every 35-100
// minutes, except around incidents.
func BackgroundBGP(r *rand.Rand, tn *Tunnel, from, to time.Time) {
	t := from.Add(Jitter(r, 10*time.Minute, 60*time.Minute))
	for t.Before(to.Add(-5 * time.Minute)) {
		if !InAny(tn.BGPQuiet, t) && !NearScripted(tn.BGP, t, 2*time.Minute) {
			var picked []Prefix
			i := r.IntN(len(tn.Conn.Prefixes))
			picked = append(picked, tn.Conn.Prefixes[i])
			if r.IntN(3) == 0 {
				j := (i + 1 + r.IntN(len(tn.Conn.Prefixes)-1)) % len(tn.Conn.Prefixes)
				picked = append(picked, tn.Conn.Prefixes[j])
			}
			n := len(tn.BGP)
			tn.ReceiveRoutes(r, t.Add(Jitter(r, 0, Ms(999))), "UPDATED", picked, tn.MED, "")
			for k := n; k < len(tn.BGP); k++ {
				tn.BGP[k].Scripted = false
			}
		}
		t = t.Add(Jitter(r, 35*time.Minute, 100*time.Minute))
	}
}
