package tunnelsim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Density is how much routine traffic a generator writes.
type Density string

const (
	// DensityReal is what a tunnel with DPD on logs: the liveness exchange
	// about every 10 s while its IKE SA is up (some 17,000 records a
	// tunnel-day, about 81 MB a month), besides the state records, rekeys
	// and route refreshes.
	DensityReal Density = "real"
	// DensitySparse leaves the liveness exchange out: state records, rekeys
	// and route refreshes only, about 50 times fewer IKE records than a
	// real tunnel logs. Small, for reading by eye.
	DensitySparse Density = "sparse"
)

// ParseDensity reads a -density flag value.
func ParseDensity(s string) (Density, error) {
	switch d := Density(s); d {
	case DensityReal, DensitySparse:
		return d, nil
	}
	return "", fmt.Errorf("density %q: want real (the liveness exchange every ~10 s, as AWS logs it) or sparse (without it)", s)
}

// LivenessInterval is how often AWS checks that the peer is alive while the
// tunnel is up (DPD with a 10 s delay).
const LivenessInterval = 10 * time.Second

// IKEv2 exchange types AWS starts.
const (
	ExchangeCreateChildSA = "CREATE_CHILD_SA"
	ExchangeInformational = "INFORMATIONAL"
)

// The IKEv1 liveness exchange (RFC 3706). AWS publishes no wording for it;
// these follow the voice of its documented messages and the RFC's names.
const (
	MsgRUThere    = "AWS tunnel is sending DPD R-U-THERE to peer"
	MsgRUThereAck = "AWS tunnel received R-U-THERE-ACK"
)

// AWSStep is a record's part in an IKEv2 exchange the AWS side started.
// Such a record's message id is known only once every record of the stream
// is in place (see FinishIKE), so it is written then.
type AWSStep uint8

const (
	NoAWSStep     AWSStep = iota
	AWSRequest            // "is sending request (id=N)": AWS's next message id
	AWSRetransmit         // the same request again, still unanswered: the same id
	AWSResponse           // "processed response (id=N)": the answer to AWS's last request
)

// AWSExchangeAt appends a record of an exchange AWS started; FinishIKE
// writes its details with the message id.
func (tn *Tunnel) AWSExchangeAt(t time.Time, scripted bool, p1, p2, exchange string, step AWSStep) {
	tn.IKE = append(tn.IKE, Record{T: t, Seq: tn.nextSeq(), Scripted: scripted, P1: p1, P2: p2, Exchange: exchange, Step: step})
}

// AWSInitiatesSA says which side sets up a new IKE_SA after an outage: AWS
// when it is told to (startup action start, DPD timeout action restart),
// else the customer gateway.
func (tn *Tunnel) AWSInitiatesSA() bool {
	return tn.Conn.StartupAction == "start" || tn.Conn.DPDAction == "restart"
}

// FinishIKE sorts the IKE records and writes the message ids of the
// exchanges AWS started. AWS numbers its requests one by one on each IKE_SA
// (RFC 7296 §2.2), and at real density the log shows every one of them, so
// ids are counted in time order: each request takes the next id, a
// retransmission and the response reuse it. The first IKE_SA of the data
// continues from tn.AWSMsgID (the last id used before it); an IKE_SA set up
// after phase 1 went down starts again, at 2 when AWS initiated it
// (IKE_SA_INIT and IKE_AUTH used 0 and 1), else at 0.
func (tn *Tunnel) FinishIKE() {
	SortRecords(tn.IKE)
	starts := tn.newSAStarts()
	last, k := tn.AWSMsgID, 0
	for i := range tn.IKE {
		r := &tn.IKE[i]
		for k < len(starts) && !r.T.Before(starts[k]) {
			last = -1
			if tn.AWSInitiatesSA() {
				last = 1
			}
			k++
		}
		switch r.Step {
		case AWSRequest:
			last++
			r.Details = MsgSendingRequestFor(last, r.Exchange)
		case AWSRetransmit:
			r.Details = MsgSendingRequestFor(last, r.Exchange)
		case AWSResponse:
			r.Details = MsgProcessedResponseFor(last, r.Exchange)
		}
	}
}

// newSAStarts lists when a new IKE_SA came up: the end of every outage in
// which phase 1 went down (an outage of phase 2 alone keeps the IKE_SA and
// its message ids).
func (tn *Tunnel) newSAStarts() []time.Time {
	var out []time.Time
	for _, o := range tn.IKEOutages {
		for _, r := range tn.IKE {
			if o.Contains(r.T) && !phaseUp(r.P1) {
				out = append(out, o.To)
				break
			}
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// phaseUp: a phase state in which the SA carries traffic.
func phaseUp(s string) bool { return s == StEstablished || s == StRekeying }

// Margins that keep the liveness exchange clear of other records: of the
// tunnel's own IKE records (one exchange at a time on an IKE_SA), and of
// every incident record of the connection, so no root cause is ever tied
// with a routine record to the millisecond (or to the second, on streams
// with whole seconds).
const (
	livenessOwnMargin      = time.Second
	livenessIncidentMargin = 2 * time.Second
)

// BackgroundLiveness adds the liveness exchange AWS logs about every 10 s
// while the tunnel's IKE SA is up: on IKEv2 an INFORMATIONAL request and
// the peer's response, on IKEv1 R-U-THERE and its ACK. It stops when the
// tunnel goes down (outages, non-established states) and resumes once both
// phases are established again. Before a DPD timeout the peer has been
// silent for the tunnel's DPD timeout: the exchange stops there, and AWS's
// probe and its three retransmissions go unanswered until it gives up.
// Call it after every other record of the connection is in place, and
// FinishIKE before rendering.
func BackgroundLiveness(r *rand.Rand, tn *Tunnel, from, to time.Time) {
	SortRecords(tn.IKE)
	quiet := tn.livenessQuiet()
	own := recordTimes(tn.IKE, false)
	var incident []time.Time
	for _, other := range tn.Conn.Tunnels {
		incident = append(incident, recordTimes(other.IKE, true)...)
		incident = append(incident, recordTimes(other.BGP, true)...)
	}
	slices.SortFunc(incident, func(a, b time.Time) int { return a.Compare(b) })
	clear := func(a, b time.Time) bool {
		return !overlaps(quiet, a, b) && !within(own, a, b, livenessOwnMargin) && !within(incident, a, b, livenessIncidentMargin)
	}

	for t := from.Add(Jitter(r, 0, LivenessInterval)); t.Before(to); t = t.Add(LivenessInterval + Jitter(r, -Ms(300), Ms(300))) {
		answered := t.Add(Jitter(r, Ms(15), Ms(120)))
		if !clear(t, answered) {
			continue
		}
		tn.probe(t, false)
		if tn.IKEVersion == "ikev1" {
			tn.IKEAt(answered, false, StEstablished, StEstablished, MsgRUThereAck)
		} else {
			tn.AWSExchangeAt(answered, false, StEstablished, StEstablished, ExchangeInformational, AWSResponse)
		}
	}

	for _, d := range tn.dpdTimeouts() {
		timeout := time.Duration(dpdTimeout(tn)) * time.Second
		for i := range 4 {
			t := d.Add(-timeout + time.Duration(i)*timeout/4)
			if !within(incident, t, t, livenessIncidentMargin) && !within(own, t, t, livenessOwnMargin) {
				tn.probe(t, i > 0)
			}
		}
	}
}

// probe logs AWS asking the peer whether it is alive (again, when retry).
func (tn *Tunnel) probe(t time.Time, retry bool) {
	if tn.IKEVersion == "ikev1" {
		tn.IKEAt(t, false, StEstablished, StEstablished, MsgRUThere)
		return
	}
	step := AWSRequest
	if retry {
		step = AWSRetransmit
	}
	tn.AWSExchangeAt(t, false, StEstablished, StEstablished, ExchangeInformational, step)
}

// dpdTimeouts lists the times AWS declared the peer dead (DPD timeout).
func (tn *Tunnel) dpdTimeouts() []time.Time {
	var out []time.Time
	for _, r := range tn.IKE {
		if r.Scripted && (r.Details == MsgDPDTimeoutV2 || r.Details == MsgPeerDeadV1) {
			out = append(out, r.T)
		}
	}
	return out
}

// livenessQuiet lists the spans without a liveness exchange: every outage
// and non-established state span, every stretch from an IKE record that
// reports a phase not up to the next that reports both up, and the DPD
// timeout before AWS declared the peer dead (the peer was silent then).
func (tn *Tunnel) livenessQuiet() []Span {
	out := slices.Clone(tn.IKEOutages)
	for _, s := range tn.IKEStates {
		out = append(out, s.Span)
	}
	var downSince time.Time
	for _, r := range tn.IKE {
		up := phaseUp(r.P1) && phaseUp(r.P2)
		switch {
		case !up && downSince.IsZero():
			downSince = r.T
		case up && !downSince.IsZero():
			out = append(out, Span{downSince, r.T})
			downSince = time.Time{}
		}
	}
	if !downSince.IsZero() {
		out = append(out, Span{downSince, downSince.Add(100 * 365 * 24 * time.Hour)})
	}
	timeout := time.Duration(dpdTimeout(tn)) * time.Second
	for _, d := range tn.dpdTimeouts() {
		out = append(out, Span{d.Add(-timeout - livenessOwnMargin), d})
	}
	// Keep a margin before each span: the last exchange ends before the
	// tunnel's first record of trouble.
	for i := range out {
		out[i].From = out[i].From.Add(-livenessIncidentMargin)
	}
	return out
}

// recordTimes lists the times of records (only scripted ones if scripted).
func recordTimes(recs []Record, scripted bool) []time.Time {
	var out []time.Time
	for _, r := range recs {
		if !scripted || r.Scripted {
			out = append(out, r.T)
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// within reports whether a sorted time lies within margin of [a, b].
func within(sorted []time.Time, a, b time.Time, margin time.Duration) bool {
	i, _ := slices.BinarySearchFunc(sorted, a.Add(-margin), func(x, t time.Time) int { return x.Compare(t) })
	return i < len(sorted) && !sorted[i].After(b.Add(margin))
}

// overlaps reports whether [a, b] meets one of the spans.
func overlaps(spans []Span, a, b time.Time) bool {
	for _, s := range spans {
		if !b.Before(s.From) && a.Before(s.To) {
			return true
		}
	}
	return false
}
