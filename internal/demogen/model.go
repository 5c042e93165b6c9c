package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
)

// dayStart is the first instant of the demo day. Everything is derived from
// it and from a fixed seed; the generator never reads the wall clock.
var dayStart = time.Date(2026, 6, 12, 0, 0, 0, 0, time.UTC)

// dayEnd is the first instant after the demo day.
var dayEnd = dayStart.Add(24 * time.Hour)

// at returns a time of the demo day.
func at(h, m, s, ms int) time.Time {
	return dayStart.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute +
		time.Duration(s)*time.Second + time.Duration(ms)*time.Millisecond)
}

// ms is a duration of n milliseconds.
func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// IKE phase states as AWS writes them in JSON records.
const (
	stEstablished = "established"
	stRekeying    = "rekeying"
	stNegotiating = "negotiating"
	stDown        = "down"
)

// prefix is one route the customer gateway advertises over BGP.
type prefix struct {
	cidr   string
	asPath string
}

// connection is one VPN connection of the demo account.
type connection struct {
	id, name      string
	cgwID         string
	vgwID, tgwID  string // exactly one is set
	cgwIP         string // customer gateway public IP
	cgwASN        int
	awsASN        int
	cgwRouterID   string
	staticOnly    bool
	logging       bool
	logGroup      string // IKE (tunnel activity) log group name
	bgpLogGroup   string
	dpdAction     string
	startupAction string
	natT          bool
	prefixes      []prefix // the routes the CGW normally advertises
	staticRoutes  []string
	tags          []tag
	// telemetryReversed lists VgwTelemetry in the opposite order of
	// TunnelOptions, as EC2 is free to do: consumers must pair by IP.
	telemetryReversed bool
	tunnels           []*tunnel
}

// span is a half-open time interval [from, to).
type span struct{ from, to time.Time }

func (s span) contains(t time.Time) bool { return !t.Before(s.from) && t.Before(s.to) }

// stateSpan says which phase states IKE state snapshots report in a span.
type stateSpan struct {
	span
	p1, p2 string
}

// tunnel is one of a connection's two tunnels, with its two log streams.
type tunnel struct {
	conn       *connection
	num        int // 1 or 2, the order of Options.TunnelOptions
	ip         string
	insideCIDR string
	awsInside  string // AWS inside address (.1), also its BGP router id
	cgwInside  string // CGW inside address (.2): the BGP neighbor in messages
	ikeVersion string // ikev1 | ikev2
	// ikeMillis: this IKE stream's `timestamp` carries milliseconds. AWS
	// streams differ here, so readers must accept both.
	ikeMillis bool
	bgpText   bool // BGP stream uses the text output format
	med       int  // MED the CGW puts on its routes towards this tunnel

	ike, bgp []record
	seq      int

	// IKEv2 message ids of the current IKE_SA, for each side's requests.
	awsMsgID, cgwMsgID int

	ikeStates  []stateSpan // non-established periods, for state snapshots
	ikeOutages []span      // IKE_SA down: no rekeys, message ids restart after
	bgpQuiet   []span      // no background BGP chatter (incidents)

	// telemetry at the end of the day
	status     string
	lastChange time.Time
	routeCount int
}

func (tn *tunnel) streamName(kind string) string {
	return fmt.Sprintf("%s_%s-%s.log", tn.conn.id, tn.ip, kind)
}

func (tn *tunnel) resourceID() string { return tn.conn.id + "_" + tn.ip }

// record is one log record of either stream.
type record struct {
	t        time.Time
	seq      int  // insertion order: ties keep it
	scripted bool // part of an incident (background yields to these)

	// IKE
	p1, p2  string
	details string

	// BGP (details is shared)
	bgpType, status string
	route           *routeRec
}

type routeRec struct {
	prefix    string
	asPath    string
	localPref int
	med       int
	nextHop   string
	weight    int
	details   string
}

func (tn *tunnel) nextSeq() int { tn.seq++; return tn.seq }

// ikeAt appends an IKE record.
func (tn *tunnel) ikeAt(t time.Time, scripted bool, p1, p2, details string) {
	tn.ike = append(tn.ike, record{t: t, seq: tn.nextSeq(), scripted: scripted, p1: p1, p2: p2, details: details})
}

// bgpAt appends a BGPStatus record.
func (tn *tunnel) bgpAt(t time.Time, status, details string) {
	tn.bgp = append(tn.bgp, record{t: t, seq: tn.nextSeq(), scripted: true, bgpType: "BGPStatus", status: status, details: details})
}

// routeAt appends a RouteStatus record for a prefix received from the CGW.
func (tn *tunnel) routeAt(t time.Time, status string, p prefix, med int, details string) {
	tn.bgp = append(tn.bgp, record{t: t, seq: tn.nextSeq(), scripted: true, bgpType: "RouteStatus", status: status,
		route: &routeRec{prefix: p.cidr, asPath: p.asPath, localPref: 100, med: med, nextHop: tn.cgwInside, weight: 32768, details: details}})
}

// stateAt is the phase states a snapshot at t reports.
func (tn *tunnel) stateAt(t time.Time) (string, string) {
	for _, s := range tn.ikeStates {
		if s.contains(t) {
			return s.p1, s.p2
		}
	}
	return stEstablished, stEstablished
}

func inAny(spans []span, t time.Time) bool {
	for _, s := range spans {
		if s.contains(t) {
			return true
		}
	}
	return false
}

// nearScripted reports whether a scripted record lies within d of t.
func nearScripted(recs []record, t time.Time, d time.Duration) bool {
	for _, r := range recs {
		if r.scripted && r.t.Sub(t).Abs() <= d {
			return true
		}
	}
	return false
}

func sortRecords(recs []record) {
	sort.SliceStable(recs, func(i, j int) bool {
		if !recs[i].t.Equal(recs[j].t) {
			return recs[i].t.Before(recs[j].t)
		}
		return recs[i].seq < recs[j].seq
	})
}

// ikeJSON is a tunnel activity record, keys in the order of the AWS doc.
type ikeJSON struct {
	EventTimestamp int64  `json:"event_timestamp"`
	Timestamp      string `json:"timestamp"`
	DPDEnabled     bool   `json:"dpd_enabled"`
	NATTDetected   bool   `json:"nat_t_detected"`
	Phase1State    string `json:"ike_phase1_state"`
	Phase2State    string `json:"ike_phase2_state"`
	Details        string `json:"details"`
}

// bgpJSON is a BGP log record, keys in the order of the AWS doc example.
type bgpJSON struct {
	ResourceID     string `json:"resource_id"`
	EventTimestamp int64  `json:"event_timestamp"`
	Timestamp      string `json:"timestamp"`
	Type           string `json:"type"`
	Status         string `json:"status"`
	Message        any    `json:"message"`
}

type bgpStatusMessage struct {
	Details string `json:"details"`
}

type routeMessage struct {
	Prefix    string `json:"prefix"`
	ASPath    string `json:"asPath"`
	LocalPref int    `json:"localPref"`
	MED       int    `json:"med"`
	NextHopIP string `json:"nextHopIp"`
	Weight    int    `json:"weight"`
	Details   string `json:"details,omitempty"`
}

const (
	tsSeconds = "2006-01-02 15:04:05Z"
	tsMillis  = "2006-01-02 15:04:05.000Z"
)

// encodeLine marshals v as one JSON line without HTML escaping (AWS does not
// escape '<', '>' or '&').
func encodeLine(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func (tn *tunnel) renderIKE() ([]byte, error) {
	sortRecords(tn.ike)
	var buf bytes.Buffer
	for _, r := range tn.ike {
		ts := r.t.Format(tsSeconds)
		if tn.ikeMillis {
			ts = r.t.Format(tsMillis)
		}
		rec := ikeJSON{
			EventTimestamp: r.t.Unix(), // IKE records carry whole seconds
			Timestamp:      ts,
			DPDEnabled:     true,
			NATTDetected:   tn.conn.natT,
			Phase1State:    r.p1,
			Phase2State:    r.p2,
			Details:        r.details,
		}
		if err := encodeLine(&buf, rec); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

func (tn *tunnel) renderBGP() ([]byte, error) {
	sortRecords(tn.bgp)
	var buf bytes.Buffer
	for _, r := range tn.bgp {
		if tn.bgpText {
			buf.WriteString(textBGPLine(tn.resourceID(), r))
			buf.WriteByte('\n')
			continue
		}
		rec := bgpJSON{
			ResourceID:     tn.resourceID(),
			EventTimestamp: r.t.UnixMilli(),
			Timestamp:      r.t.Format(tsMillis),
			Type:           r.bgpType,
			Status:         r.status,
		}
		if r.route != nil {
			rec.Message = routeMessage{Prefix: r.route.prefix, ASPath: r.route.asPath, LocalPref: r.route.localPref,
				MED: r.route.med, NextHopIP: r.route.nextHop, Weight: r.route.weight, Details: r.route.details}
		} else {
			rec.Message = bgpStatusMessage{Details: r.details}
		}
		if err := encodeLine(&buf, rec); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// textBGPLine renders a record in the project's guess of the `text` output
// format (AWS publishes no sample; see notes/common.md).
func textBGPLine(resourceID string, r record) string {
	var b strings.Builder
	b.WriteString(r.t.Format(tsMillis))
	fmt.Fprintf(&b, " resource_id=%s type=%s status=%s", resourceID, r.bgpType, r.status)
	if r.route == nil {
		b.WriteString(" details=" + r.details)
		return b.String()
	}
	rt := r.route
	asPath := rt.asPath
	if strings.Contains(asPath, " ") {
		asPath = `"` + asPath + `"`
	}
	fmt.Fprintf(&b, " prefix=%s asPath=%s localPref=%d med=%d nextHopIp=%s weight=%d",
		rt.prefix, asPath, rt.localPref, rt.med, rt.nextHop, rt.weight)
	if rt.details != "" {
		b.WriteString(" details=" + rt.details)
	}
	return b.String()
}

// jitter draws uniformly from [lo, hi].
func jitter(r *rand.Rand, lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(r.Int64N(int64(hi-lo)+1))
}
