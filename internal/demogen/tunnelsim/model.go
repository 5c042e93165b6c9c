// Package tunnelsim holds the building blocks of the synthetic AWS Site-to-Site
// VPN logs that the demo data set (internal/demogen) and the labelled
// scenario set (internal/scenarios) are made of: the connection and tunnel
// model, the documented message texts, the record shapes AWS writes (JSON
// and the project's guess of `text`), the usual record sequences (a BGP
// session coming up or going down, an IKE_SA recovering) and healthy
// background chatter (state snapshots, rekeys, route refreshes, and at real
// density the liveness exchange every ~10 s; see Density).
//
// Everything is driven by the caller's *rand.Rand and explicit times, never
// the wall clock, so generators built on it are deterministic.
package tunnelsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
)

// Ms is a duration of n milliseconds.
func Ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// IKE phase states as AWS writes them in JSON records.
const (
	StEstablished = "established"
	StRekeying    = "rekeying"
	StNegotiating = "negotiating"
	StDown        = "down"
)

// Prefix is one route the customer gateway advertises over BGP.
type Prefix struct {
	CIDR   string
	ASPath string
}

// Tag is an EC2 tag.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// Connection is one VPN connection.
type Connection struct {
	ID, Name      string
	CGWID         string
	VGWID, TGWID  string // exactly one is set
	CGWIP         string // customer gateway public IP
	CGWASN        int
	AWSASN        int
	CGWRouterID   string
	StaticOnly    bool
	Logging       bool
	LogGroup      string // IKE (tunnel activity) log group name
	BGPLogGroup   string
	DPDAction     string
	StartupAction string
	NATT          bool
	Prefixes      []Prefix // the routes the CGW normally advertises
	StaticRoutes  []string
	Tags          []Tag
	// TelemetryReversed lists VgwTelemetry in the opposite order of
	// TunnelOptions, as EC2 is free to do: consumers must pair by IP.
	TelemetryReversed bool
	Tunnels           []*Tunnel
}

// Span is a half-open time interval [From, To).
type Span struct{ From, To time.Time }

// Contains reports whether t lies in the span.
func (s Span) Contains(t time.Time) bool { return !t.Before(s.From) && t.Before(s.To) }

// StateSpan says which phase states IKE state snapshots report in a span.
type StateSpan struct {
	Span
	P1, P2 string
}

// Tunnel is one of a connection's two tunnels, with its two log streams.
type Tunnel struct {
	Conn       *Connection
	Num        int // 1 or 2, the order of Options.TunnelOptions
	IP         string
	InsideCIDR string
	AWSInside  string // AWS inside address (.1), also its BGP router id
	CGWInside  string // CGW inside address (.2): the BGP neighbor in messages
	IKEVersion string // ikev1 | ikev2
	// IKEMillis: this IKE stream's `timestamp` carries milliseconds. AWS
	// streams differ here, so readers must accept both.
	IKEMillis bool
	BGPText   bool // BGP stream uses the text output format
	IKEText   bool // IKE stream uses the text output format (see TextIKELine)
	// LoggingOff: this tunnel logs nothing although its connection's
	// other tunnel does (logging is set per tunnel).
	LoggingOff bool
	// RekeyDeletes: the CGW deletes the old phase 2 SA after each rekey it
	// initiates (a DELETE for the old SPI while phase 2 stays established).
	RekeyDeletes bool
	// DPDTimeoutSec is the tunnel's DpdTimeoutSeconds (0: AWS's default 30).
	DPDTimeoutSec int
	MED           int // MED the CGW puts on its routes towards this tunnel

	IKE, BGP []Record
	seq      int

	// IKEv2 message ids, for each side's requests: the last one used. AWS's
	// are numbered by FinishIKE from AWSMsgID on; the CGW's are drawn as the
	// records are made, from CGWMsgID on.
	AWSMsgID, CGWMsgID int

	IKEStates  []StateSpan // non-established periods, for state snapshots
	IKEOutages []Span      // IKE_SA down: no rekeys, message ids restart after
	BGPQuiet   []Span      // no background BGP chatter (incidents)

	// telemetry at the end of the data
	Status     string
	LastChange time.Time
	RouteCount int
}

// StreamName is the CloudWatch Logs stream of the tunnel's IKE or BGP log.
func (tn *Tunnel) StreamName(kind string) string {
	return fmt.Sprintf("%s_%s-%s.log", tn.Conn.ID, tn.IP, kind)
}

// ResourceID is the BGP records' resource_id.
func (tn *Tunnel) ResourceID() string { return tn.Conn.ID + "_" + tn.IP }

// Record is one log record of either stream.
type Record struct {
	T        time.Time
	Seq      int  // insertion order: ties keep it
	Scripted bool // part of an incident (background yields to these)

	// IKE
	P1, P2  string
	Details string
	// An exchange AWS started: its details are written by FinishIKE.
	Exchange string
	Step     AWSStep

	// BGP (Details is shared)
	BGPType, Status string
	Route           *RouteRec
}

// RouteRec is the message of a RouteStatus record.
type RouteRec struct {
	Prefix    string
	ASPath    string
	LocalPref int
	MED       int
	NextHop   string
	Weight    int
	Details   string
}

func (tn *Tunnel) nextSeq() int { tn.seq++; return tn.seq }

// IKEAt appends an IKE record.
func (tn *Tunnel) IKEAt(t time.Time, scripted bool, p1, p2, details string) {
	tn.IKE = append(tn.IKE, Record{T: t, Seq: tn.nextSeq(), Scripted: scripted, P1: p1, P2: p2, Details: details})
}

// BGPAt appends a BGPStatus record.
func (tn *Tunnel) BGPAt(t time.Time, status, details string) {
	tn.BGP = append(tn.BGP, Record{T: t, Seq: tn.nextSeq(), Scripted: true, BGPType: "BGPStatus", Status: status, Details: details})
}

// RouteAt appends a RouteStatus record for a prefix received from the CGW.
func (tn *Tunnel) RouteAt(t time.Time, status string, p Prefix, med int, details string) {
	tn.BGP = append(tn.BGP, Record{T: t, Seq: tn.nextSeq(), Scripted: true, BGPType: "RouteStatus", Status: status,
		Route: &RouteRec{Prefix: p.CIDR, ASPath: p.ASPath, LocalPref: 100, MED: med, NextHop: tn.CGWInside, Weight: 32768, Details: details}})
}

// StateAt is the phase states a snapshot at t reports.
func (tn *Tunnel) StateAt(t time.Time) (string, string) {
	for _, s := range tn.IKEStates {
		if s.Contains(t) {
			return s.P1, s.P2
		}
	}
	return StEstablished, StEstablished
}

// InAny reports whether t lies in one of the spans.
func InAny(spans []Span, t time.Time) bool {
	for _, s := range spans {
		if s.Contains(t) {
			return true
		}
	}
	return false
}

// NearScripted reports whether a scripted record lies within d of t.
func NearScripted(recs []Record, t time.Time, d time.Duration) bool {
	for _, r := range recs {
		if r.Scripted && r.T.Sub(t).Abs() <= d {
			return true
		}
	}
	return false
}

// SortRecords orders records by time; ties keep insertion order.
func SortRecords(recs []Record) {
	sort.SliceStable(recs, func(i, j int) bool {
		if !recs[i].T.Equal(recs[j].T) {
			return recs[i].T.Before(recs[j].T)
		}
		return recs[i].Seq < recs[j].Seq
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

// EncodeLine marshals v as one JSON line without HTML escaping (AWS does not
// escape '<', '>' or '&').
func EncodeLine(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// IKETime is the time an IKE record of this stream carries: whole seconds
// unless the stream's `timestamp` has milliseconds.
func (tn *Tunnel) IKETime(t time.Time) time.Time {
	if tn.IKEMillis {
		return t.UTC()
	}
	return t.UTC().Truncate(time.Second)
}

// ikeRecord is the JSON shape of an IKE record of this tunnel.
func (tn *Tunnel) ikeRecord(r Record) ikeJSON {
	ts := r.T.Format(tsSeconds)
	if tn.IKEMillis {
		ts = r.T.Format(tsMillis)
	}
	return ikeJSON{
		EventTimestamp: r.T.Unix(), // IKE records carry whole seconds
		Timestamp:      ts,
		DPDEnabled:     true,
		NATTDetected:   tn.Conn.NATT,
		Phase1State:    r.P1,
		Phase2State:    r.P2,
		Details:        r.Details,
	}
}

// bgpRecord is the JSON shape of a BGP record of this tunnel.
func (tn *Tunnel) bgpRecord(r Record) bgpJSON {
	rec := bgpJSON{
		ResourceID:     tn.ResourceID(),
		EventTimestamp: r.T.UnixMilli(),
		Timestamp:      r.T.Format(tsMillis),
		Type:           r.BGPType,
		Status:         r.Status,
	}
	if r.Route != nil {
		rec.Message = routeMessage{Prefix: r.Route.Prefix, ASPath: r.Route.ASPath, LocalPref: r.Route.LocalPref,
			MED: r.Route.MED, NextHopIP: r.Route.NextHop, Weight: r.Route.Weight, Details: r.Route.Details}
	} else {
		rec.Message = bgpStatusMessage{Details: r.Details}
	}
	return rec
}

// IKEJSON renders an IKE record as AWS's one-line JSON (no newline).
func (tn *Tunnel) IKEJSON(r Record) string {
	var buf bytes.Buffer
	_ = EncodeLine(&buf, tn.ikeRecord(r)) // plain strings and numbers always marshal
	return strings.TrimSuffix(buf.String(), "\n")
}

// BGPJSON renders a BGP record as AWS's one-line JSON (no newline).
func (tn *Tunnel) BGPJSON(r Record) string {
	var buf bytes.Buffer
	_ = EncodeLine(&buf, tn.bgpRecord(r))
	return strings.TrimSuffix(buf.String(), "\n")
}

// PrettyJSON renders a record the way the AWS doc prints its examples:
// multi-line, four-space indent.
func (tn *Tunnel) PrettyJSON(r Record, ike bool) string {
	var v any
	if ike {
		v = tn.ikeRecord(r)
	} else {
		v = tn.bgpRecord(r)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	_ = enc.Encode(v)
	return strings.TrimSuffix(buf.String(), "\n")
}

// RenderIKE sorts the tunnel's IKE records (see FinishIKE) and renders them
// as JSON lines.
func (tn *Tunnel) RenderIKE() ([]byte, error) {
	tn.FinishIKE()
	var buf bytes.Buffer
	for _, r := range tn.IKE {
		if err := EncodeLine(&buf, tn.ikeRecord(r)); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// RenderBGP sorts the tunnel's BGP records and renders them as JSON lines,
// or as text lines when the stream uses the text format.
func (tn *Tunnel) RenderBGP() ([]byte, error) {
	SortRecords(tn.BGP)
	var buf bytes.Buffer
	for _, r := range tn.BGP {
		if tn.BGPText {
			buf.WriteString(TextBGPLine(tn.ResourceID(), r))
			buf.WriteByte('\n')
			continue
		}
		if err := EncodeLine(&buf, tn.bgpRecord(r)); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// TextBGPLine renders a record in the project's guess of the `text` output
// format (AWS publishes no sample; see notes/common.md).
func TextBGPLine(resourceID string, r Record) string {
	var b strings.Builder
	b.WriteString(r.T.Format(tsMillis))
	fmt.Fprintf(&b, " resource_id=%s type=%s status=%s", resourceID, r.BGPType, r.Status)
	if r.Route == nil {
		b.WriteString(" details=" + r.Details)
		return b.String()
	}
	rt := r.Route
	asPath := rt.ASPath
	if strings.Contains(asPath, " ") {
		asPath = `"` + asPath + `"`
	}
	fmt.Fprintf(&b, " prefix=%s asPath=%s localPref=%d med=%d nextHopIp=%s weight=%d",
		rt.Prefix, asPath, rt.LocalPref, rt.MED, rt.NextHop, rt.Weight)
	if rt.Details != "" {
		b.WriteString(" details=" + rt.Details)
	}
	return b.String()
}

// TextIKELine renders an IKE record in the project's guess of the `text`
// output format (see notes/common.md): details last, taking the rest of the
// line.
func (tn *Tunnel) TextIKELine(r Record) string {
	ts := r.T.Format(tsSeconds)
	if tn.IKEMillis {
		ts = r.T.Format(tsMillis)
	}
	line := fmt.Sprintf("%s ike_phase1_state=%s ike_phase2_state=%s dpd_enabled=True nat_t_detected=%s",
		ts, titleCase(r.P1), titleCase(r.P2), pyBool(tn.Conn.NATT))
	if r.Details != "" {
		line += " details=" + r.Details
	}
	return line
}

// titleCase writes a phase state the way the AWS doc lists them
// ("Established"); JSON records use lower case.
func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// Jitter draws uniformly from [lo, hi].
func Jitter(r *rand.Rand, lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(r.Int64N(int64(hi-lo)+1))
}

// Logs reports whether the tunnel's IKE and BGP logging is on.
func (tn *Tunnel) Logs() bool { return tn.Conn.Logging && !tn.LoggingOff }
