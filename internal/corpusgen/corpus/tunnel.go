package corpus

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// recordStyle is how a connection's IKE records look. AWS documents the
// keys but not the value forms, so the corpus carries the plausible ones.
type recordStyle uint8

const (
	styleStringBools recordStyle = iota // "True"/"False", epoch seconds, no readable time
	styleJSONBools                      // true/false, epoch seconds and a readable time with ms
	styleMillis                         // epoch ms and a readable time
)

type recKind uint8

const (
	kindIKE recKind = iota
	kindBGPStatus
	kindRoute
)

// rec is one record before rendering.
type rec struct {
	atMs    int64
	kind    recKind
	details string
	// IKE
	p1, p2 string
	// BGP
	status string
	prefix string
	med    int
	asPath string
}

type streamState struct {
	clock   int64
	head    *rec  // next record, once decided
	pending []rec // an incident's records, in time order
	buf     rec
}

type tunnel struct {
	vpn, ip, neighbor, cgwIP string
	cgwASN                   int
	prefixes                 []string
	style                    recordStyle
	rng                      *rand.Rand
	text                     bool

	ike, bgp streamState
	msgID    int
	owed     owed   // the reply the current exchange still needs
	exchange string // the current exchange (real density)
	spi      uint32

	// Real density (see Options.Sparse): the liveness exchange every
	// ~10 s, a rekey when nextRekey comes.
	sparse    bool
	nextRekey int64
}

type owed uint8

const (
	owedNone owed = iota
	owedProcessedResponse
	owedSendingResponse
)

const awsASN = 64512

// append renders the tunnel's next record (IKE or BGP, whichever comes
// first) and says whether it was BGP.
func (t *tunnel) append(b []byte) ([]byte, bool) {
	ih, bh := t.headOf(&t.ike, false), t.headOf(&t.bgp, true)
	st, isBGP := &t.ike, false
	if bh.atMs < ih.atMs {
		st, isBGP = &t.bgp, true
	}
	r := st.head
	st.head = nil
	st.clock = r.atMs
	// About one incident per tunnel every 2.8 days at either density: the
	// chance is per IKE record, and real density logs four times as many.
	odds := 48000
	if t.sparse {
		odds = 12000
	}
	if !isBGP && len(t.ike.pending) == 0 && len(t.bgp.pending) == 0 && t.rng.IntN(odds) == 0 {
		t.startIncident(r.atMs)
	}
	if t.text {
		return t.appendText(b, r), isBGP
	}
	return t.appendJSON(b, r), isBGP
}

func (t *tunnel) headOf(st *streamState, bgp bool) *rec {
	if st.head != nil {
		return st.head
	}
	if len(st.pending) > 0 {
		st.buf = st.pending[0]
		st.pending = st.pending[1:]
	} else if bgp {
		st.buf = t.routineBGP(st.clock + t.gap(15_000))
	} else if t.sparse {
		st.buf = t.routineIKE(st.clock + t.gap(20_000))
	} else {
		st.buf = t.realIKE(st.clock)
	}
	st.head = &st.buf
	return st.head
}

// gap draws an exponential wait with the given mean, in ms.
func (t *tunnel) gap(meanMs float64) int64 {
	return 1 + int64(-math.Log(1-t.rng.Float64())*meanMs)
}

func (t *tunnel) id() string {
	t.msgID++
	return strconv.Itoa(t.msgID)
}

var ikeErrors = []struct{ details, p1, p2 string }{
	{"AWS: Traffic Selector: TS_UNACCEPTABLE: received from responder", "Established", "Negotiating"},
	{`No Proposal Match Found. Notifying with "No proposal chosen"`, "Established", "Negotiating"},
	{"AWS tunnel Phase 2 was unable to establish while keeping Phase 1", "Established", "Down"},
	{"No Proposal Match Found by AWS", "Negotiating", "Down"},
	{"AWS tunnel is sending AUTHENTICATION_FAILED as the response", "Negotiating", "Down"},
}

func (t *tunnel) routineIKE(at int64) rec {
	r := rec{atMs: at, kind: kindIKE, p1: "Established", p2: "Established"}
	switch n := t.rng.IntN(1000); {
	case n < 930:
		// CREATE_CHILD_SA exchanges, started by either side: a request,
		// then its response.
		switch t.owed {
		case owedNone:
			if n%2 == 0 {
				r.details, r.p2, t.owed = "AWS tunnel is sending request (id="+t.id()+") for CREATE_CHILD_SA", "Rekeying", owedProcessedResponse
			} else {
				r.details, r.p2, t.owed = "AWS tunnel processed request (id="+t.id()+") for CREATE_CHILD_SA", "Rekeying", owedSendingResponse
			}
		case owedProcessedResponse:
			r.details, t.owed = "AWS tunnel processed response (id="+strconv.Itoa(t.msgID)+") for CREATE_CHILD_SA", owedNone
		default:
			r.details, t.owed = "AWS tunnel is sending response (id="+strconv.Itoa(t.msgID)+") for CREATE_CHILD_SA", owedNone
		}
	case n < 980:
		t.spi = t.rng.Uint32()
		r.details = "AWS tunnel received DELETE for Phase 2 SA with SPI: " + strconv.FormatUint(uint64(t.spi), 16)
	case n < 990:
		r.details = "AWS tunnel detected a (CHILD_REKEY) collision as CHILD_DELETE"
	case n < 997:
		r.details = "AWS tunnel (CHILD_SA) redundant SA is being deleted due to detected collision"
	default:
		e := ikeErrors[t.rng.IntN(len(ikeErrors))]
		r.details, r.p1, r.p2 = e.details, e.p1, e.p2
	}
	return r
}

// Real density: what a tunnel with DPD on logs while up.
const (
	livenessMs   = 10_000         // AWS checks the peer about every 10 s
	rekeyEveryMs = 50 * 60 * 1000 // phase 2 rekeys come 50-56 min apart
	rekeySpanMs  = 6 * 60 * 1000  // (lifetime 3600 s, margin 270 s, fuzz 100 %)
	errorOdds    = 2000           // about one error record in 2,000 probes
	deleteOdds   = 4              // the CGW deletes the old SA after one rekey in 4
	collideOdds  = 20             // one rekey in 20 collides with the CGW's
	answerMinMs  = 15             // the peer answers a probe within 15-120 ms
	answerSpanMs = 105
)

// realIKE draws the tunnel's next IKE record after the one at prev: the
// answer to an open request, a rekey when one is due, or the next liveness
// probe; now and then an error record instead of a probe.
func (t *tunnel) realIKE(prev int64) rec {
	if t.nextRekey == 0 {
		t.nextRekey = prev + int64(t.rng.IntN(rekeyEveryMs+rekeySpanMs))
	}
	if t.owed != owedNone {
		r := rec{atMs: prev + answerMinMs + int64(t.rng.IntN(answerSpanMs)), kind: kindIKE, p1: "Established", p2: "Established"}
		id := strconv.Itoa(t.msgID)
		if t.owed == owedProcessedResponse {
			r.details = "AWS tunnel processed response (id=" + id + ") for " + t.exchange
		} else {
			r.details = "AWS tunnel is sending response (id=" + id + ") for " + t.exchange
		}
		t.owed = owedNone
		if t.exchange == "CREATE_CHILD_SA" && t.rng.IntN(deleteOdds) == 0 {
			// The old SA goes next: queued as the following record.
			t.spi = t.rng.Uint32()
			t.ike.pending = append(t.ike.pending, rec{atMs: r.atMs + 200 + int64(t.rng.IntN(700)), kind: kindIKE, p1: "Established", p2: "Established",
				details: "AWS tunnel received DELETE for Phase 2 SA with SPI: " + strconv.FormatUint(uint64(t.spi), 16)})
		}
		return r
	}
	at := prev + livenessMs - 300 + int64(t.rng.IntN(601))
	r := rec{atMs: at, kind: kindIKE, p1: "Established", p2: "Established"}
	switch {
	case at >= t.nextRekey:
		t.nextRekey = at + rekeyEveryMs + int64(t.rng.IntN(rekeySpanMs))
		t.exchange, r.p2 = "CREATE_CHILD_SA", "Rekeying"
		if t.rng.IntN(collideOdds) == 0 {
			r.details = "AWS tunnel detected a (CHILD_REKEY) collision as CHILD_DELETE"
			t.ike.pending = append(t.ike.pending, rec{atMs: at + 200 + int64(t.rng.IntN(700)), kind: kindIKE, p1: "Established", p2: "Established",
				details: "AWS tunnel (CHILD_SA) redundant SA is being deleted due to detected collision"})
		} else if t.rng.IntN(2) == 0 {
			r.details, t.owed = "AWS tunnel is sending request (id="+t.id()+") for CREATE_CHILD_SA", owedProcessedResponse
		} else {
			r.details, t.owed = "AWS tunnel processed request (id="+t.id()+") for CREATE_CHILD_SA", owedSendingResponse
		}
	case t.rng.IntN(errorOdds) == 0:
		e := ikeErrors[t.rng.IntN(len(ikeErrors))]
		r.details, r.p1, r.p2 = e.details, e.p1, e.p2
	default:
		t.exchange = "INFORMATIONAL"
		r.details, t.owed = "AWS tunnel is sending request (id="+t.id()+") for INFORMATIONAL", owedProcessedResponse
	}
	return r
}

func (t *tunnel) routineBGP(at int64) rec {
	r := rec{atMs: at, kind: kindBGPStatus, status: "UP"}
	switch n := t.rng.IntN(1000); {
	case n < 700:
		r.kind, r.status = kindRoute, "UPDATED"
		if n%5 == 0 {
			r.status = "ADVERTISED"
		}
		t.route(&r)
	case n < 900:
		r.details = "AWS-side peer received update with attributes from neighbor " + t.neighbor + " - AS path: " + strconv.Itoa(t.cgwASN)
	case n < 960:
		r.kind, r.status = kindRoute, "WITHDRAWN"
		t.route(&r)
	case n < 985:
		r.details = "AWS-side peer is reporting a maximum prefix limit warning - received " + strconv.Itoa(90+t.rng.IntN(10)) +
			" prefixes from neighbor " + t.neighbor + ", limit is 100"
	case n < 993:
		r.kind, r.status = kindRoute, "ADVERTISED"
		t.route(&r)
		r.asPath = strconv.Itoa(t.cgwASN) + " " + strconv.Itoa(awsASN)
		r.details = "DENIED due to: as-path contains our own AS"
	default:
		r.kind, r.status = kindRoute, "ADVERTISED"
		t.route(&r)
		r.details = "DENIED due to: non-connected next-hop"
	}
	return r
}

func (t *tunnel) route(r *rec) {
	r.prefix = t.prefixes[t.rng.IntN(len(t.prefixes))]
	r.asPath = strconv.Itoa(t.cgwASN)
	r.med = 100 * t.rng.IntN(2)
}

func (t *tunnel) peerMsg(s string) string { return "AWS-side peer " + s + " " + t.neighbor }

func (t *tunnel) stateChange(from, to string) string {
	return "AWS-side peer BGP session state has changed from " + from + " to " + to + " with neighbor " + t.neighbor
}

// startIncident queues a drop and its recovery on both streams: the cause
// (on whichever layer it starts), the BGP session going down and routes
// withdrawn, then renegotiation and routes coming back.
func (t *tunnel) startIncident(at int64) {
	// Routine records already drawn would land inside the incident.
	t.ike.head, t.bgp.head = nil, nil
	ike := func(dt int64, details, p1, p2 string) {
		t.ike.pending = append(t.ike.pending, rec{atMs: at + dt, kind: kindIKE, details: details, p1: p1, p2: p2})
	}
	bgp := func(dt int64, status, details string) {
		t.bgp.pending = append(t.bgp.pending, rec{atMs: at + dt, kind: kindBGPStatus, status: status, details: details})
	}
	routes := func(dt int64, status string) {
		for i, p := range t.prefixes {
			if i == 8 {
				break
			}
			t.bgp.pending = append(t.bgp.pending, rec{atMs: at + dt + int64(i), kind: kindRoute, status: status, prefix: p, asPath: strconv.Itoa(t.cgwASN)})
		}
	}
	ipsecDown := true
	switch t.rng.IntN(4) {
	case 0:
		ike(1000, "AWS tunnel DPD timed out after 3 retransmits", "Down", "Down")
		bgp(9_000+int64(t.rng.IntN(20_000)), "DOWN", t.peerMsg("sent a Hold Timer Expired notification to neighbor"))
	case 1:
		ike(1000, "AWS tunnel received DELETE for IKE_SA from CGW", "Down", "Down")
		bgp(15_000+int64(t.rng.IntN(15_000)), "DOWN", t.peerMsg("sent a Hold Timer Expired notification to neighbor"))
	case 2:
		ipsecDown = false
		bgp(1000, "DOWN", t.peerMsg("received notification 6/4 (Cease/Administrative Reset) from neighbor"))
	default:
		ipsecDown = false
		bgp(1000, "DOWN", "AWS-side peer detected the maximum prefix limit was exceeded - received 101 prefixes from neighbor "+t.neighbor+", limit is 100")
		bgp(1001, "DOWN", t.peerMsg("sent a notification 6/1 (Cease/Maximum Number of Prefixes Reached) to neighbor"))
	}
	down := t.bgp.pending[len(t.bgp.pending)-1].atMs - at + 1
	bgp(down, "DOWN", t.stateChange("Established", "Idle"))
	routes(down+5, "WITHDRAWN")

	up := down + 60_000 + int64(t.rng.IntN(240_000))
	if ipsecDown {
		ike(up/2, "AWS tunnel Timeout: deleting un-established Phase 1 IKE_SA with cgw: "+t.cgwIP, "Negotiating", "Down")
		ike(up-5000, "AWS tunnel is sending request (id="+t.id()+") for CREATE_CHILD_SA", "Established", "Negotiating")
		ike(up-4900, "AWS tunnel processed response (id="+strconv.Itoa(t.msgID)+") for CREATE_CHILD_SA", "Established", "Established")
		t.owed = owedNone
	}
	bgp(up, "DOWN", t.stateChange("Idle", "Connect"))
	bgp(up+1, "DOWN", t.peerMsg("is initiating a connection (via Connect) to neighbor"))
	bgp(up+40, "DOWN", t.stateChange("Connect", "OpenSent"))
	bgp(up+41, "DOWN", t.peerMsg("sent an OPEN message to neighbor")+" - version 4, AS "+strconv.Itoa(awsASN)+", holdtime 30, router-id "+t.ip)
	bgp(up+80, "DOWN", t.peerMsg("received an OPEN message from neighbor")+" - version 4, AS "+strconv.Itoa(t.cgwASN)+", holdtime 30, router-id "+t.cgwIP)
	bgp(up+81, "DOWN", t.stateChange("OpenSent", "OpenConfirm"))
	bgp(up+120, "UP", t.stateChange("OpenConfirm", "Established"))
	routes(up+200, "ADVERTISED")
	bgp(up+300, "UP", t.peerMsg("sent an End-of-RIB message to neighbor"))
}

// ---- rendering ----

func (t *tunnel) appendJSON(b []byte, r *rec) []byte {
	if r.kind == kindIKE {
		b = append(b, `{"event_timestamp":`...)
		if t.style == styleMillis {
			b = strconv.AppendInt(b, r.atMs, 10)
		} else {
			b = strconv.AppendInt(b, r.atMs/1000, 10)
		}
		if t.style != styleStringBools {
			b = append(b, `,"timestamp":"`...)
			b = appendReadable(b, r.atMs)
			b = append(b, '"')
		}
		if t.style == styleJSONBools {
			b = append(b, `,"dpd_enabled":true,"nat_t_detected":false`...)
		} else {
			b = append(b, `,"dpd_enabled":"True","nat_t_detected":"False"`...)
		}
		b = append(b, `,"ike_phase1_state":"`...)
		b = append(b, r.p1...)
		b = append(b, `","ike_phase2_state":"`...)
		b = append(b, r.p2...)
		b = append(b, `","details":`...)
		b = appendJSONString(b, r.details)
		return append(b, "}\n"...)
	}
	b = append(b, `{"resource_id":"`...)
	b = append(b, t.vpn...)
	b = append(b, '_')
	b = append(b, t.ip...)
	b = append(b, `","event_timestamp":`...)
	b = strconv.AppendInt(b, r.atMs, 10)
	b = append(b, `,"timestamp":"`...)
	b = appendReadable(b, r.atMs)
	if r.kind == kindBGPStatus {
		b = append(b, `","type":"BGPStatus","status":"`...)
		b = append(b, r.status...)
		b = append(b, `","message":{"details":`...)
		b = appendJSONString(b, r.details)
		return append(b, "}}\n"...)
	}
	b = append(b, `","type":"RouteStatus","status":"`...)
	b = append(b, r.status...)
	b = append(b, `","message":{"prefix":"`...)
	b = append(b, r.prefix...)
	b = append(b, `","asPath":"`...)
	b = append(b, r.asPath...)
	b = append(b, `","localPref":100,"med":`...)
	b = strconv.AppendInt(b, int64(r.med), 10)
	b = append(b, `,"nextHopIp":"`...)
	b = append(b, t.neighbor...)
	b = append(b, `","weight":32768`...)
	if r.details != "" {
		b = append(b, `,"details":`...)
		b = appendJSONString(b, r.details)
	}
	return append(b, "}}\n"...)
}

// appendText renders the text output format as the project reads it (AWS
// publishes no sample of it).
func (t *tunnel) appendText(b []byte, r *rec) []byte {
	if r.kind == kindIKE {
		if t.style == styleMillis {
			b = appendReadable(b, r.atMs)
		} else {
			b = append(b, time.UnixMilli(r.atMs).UTC().Format("2006-01-02 15:04:05Z")...)
		}
		b = append(b, " ike_phase1_state="...)
		b = append(b, r.p1...)
		b = append(b, " ike_phase2_state="...)
		b = append(b, r.p2...)
		b = append(b, " dpd_enabled=True nat_t_detected=False details="...)
		b = append(b, r.details...)
		return append(b, '\n')
	}
	b = appendReadable(b, r.atMs)
	b = append(b, " resource_id="...)
	b = append(b, t.vpn...)
	b = append(b, '_')
	b = append(b, t.ip...)
	if r.kind == kindBGPStatus {
		b = append(b, " type=BGPStatus status="...)
		b = append(b, r.status...)
		b = append(b, " details="...)
		b = append(b, r.details...)
		return append(b, '\n')
	}
	b = append(b, " type=RouteStatus status="...)
	b = append(b, r.status...)
	b = append(b, " prefix="...)
	b = append(b, r.prefix...)
	b = append(b, " asPath="...)
	b = append(b, r.asPath...)
	b = append(b, " localPref=100 med="...)
	b = strconv.AppendInt(b, int64(r.med), 10)
	b = append(b, " nextHopIp="...)
	b = append(b, t.neighbor...)
	b = append(b, " weight=32768"...)
	if r.details != "" {
		b = append(b, " details="...)
		b = append(b, r.details...)
	}
	return append(b, '\n')
}

// appendReadable writes "2026-06-12 20:25:55.015Z".
func appendReadable(b []byte, ms int64) []byte {
	return time.UnixMilli(ms).UTC().AppendFormat(b, "2006-01-02 15:04:05.000Z")
}

func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
