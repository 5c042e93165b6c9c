package vpnlog

import (
	"time"

	"github.com/vpnlens/vpnlens/catalog"
)

// StreamKind tells which of a tunnel's two CloudWatch Logs streams a record
// came from. AWS writes one tunnel-activity (IKE) and one BGP stream per tunnel.
type StreamKind uint8

const (
	StreamUnknown StreamKind = iota
	StreamIKE
	StreamBGP
)

func (k StreamKind) String() string {
	switch k {
	case StreamIKE:
		return "IKE"
	case StreamBGP:
		return "BGP"
	}
	return "unknown"
}

// ParseStreamKind accepts "IKE"/"BGP" in any case ("tunnel" also means IKE,
// since AWS calls the IKE log the tunnel activity log).
func ParseStreamKind(s string) StreamKind {
	switch {
	case EqualFoldASCII(s, "ike"), EqualFoldASCII(s, "tunnel"):
		return StreamIKE
	case EqualFoldASCII(s, "bgp"):
		return StreamBGP
	}
	return StreamUnknown
}

// Direction says whether the AWS side sent or received the message (Cease
// notifications, OPEN). Who shut a session matters for the recommendation.
type Direction uint8

const (
	DirNone Direction = iota
	DirSent
	DirReceived
)

func (d Direction) String() string {
	switch d {
	case DirSent:
		return "sent"
	case DirReceived:
		return "received"
	}
	return "none"
}

// Precision records how precise a record's timestamp is. IKE records often
// carry whole seconds while BGP carries milliseconds; ordering must not invent
// precision that the log does not have.
type Precision uint8

const (
	PrecisionMillis Precision = iota
	PrecisionSeconds
)

// Tri is a boolean that may be absent from a record.
type Tri int8

const (
	TriUnset Tri = 0
	TriFalse Tri = -1
	TriTrue  Tri = 1
)

// Event is one log record, normalised and classified. Raw keeps the record
// exactly as logged so evidence can always be quoted verbatim.
type Event struct {
	TimeMs    int64 // UTC, milliseconds since the epoch
	Precision Precision

	VPNConnectionID string // vpn-0123456789abcdef0
	TunnelIP        string // tunnel outside IP (AWS side)
	Stream          StreamKind

	Category  catalog.Category
	Severity  catalog.Severity
	Direction Direction
	Anomaly   bool // marks trouble (see IsAnomaly)

	// Details is the free-text message: IKE `details`, BGP `message.details`.
	Details string

	// IKE record fields.
	Phase1State  IKEState
	Phase2State  IKEState
	DPDEnabled   Tri
	NATTDetected Tri

	// BGP record fields.
	BGPType   string // BGPStatus | RouteStatus
	BGPStatus string // UP | DOWN | ADVERTISED | UPDATED | WITHDRAWN

	// Route attributes (RouteStatus records).
	Route *RouteAttrs

	// Fields extracted from the message placeholders.
	Fields Fields

	// Raw is the record verbatim (one line, or the whole pretty-printed object).
	Raw string

	// Where the record was read from, for reports about it.
	File string
	Line int
}

// Time returns the event time in UTC.
func (e *Event) Time() time.Time { return time.UnixMilli(e.TimeMs).UTC() }

// AdviceRecord is what the catalogue's advice (catalog.Advise) reads of e:
// who sent a notification, the IKE version and phase, the connection and a
// route's next hop.
func (e *Event) AdviceRecord() *catalog.AdviceRecord {
	r := &catalog.AdviceRecord{
		Sent:            e.Direction == DirSent,
		Received:        e.Direction == DirReceived,
		IKEVersion:      e.Fields.IKEVersion,
		Phase:           e.Fields.Phase,
		VPNConnectionID: e.VPNConnectionID,
	}
	if e.Route != nil {
		r.NextHopIP = e.Route.NextHopIP
	}
	return r
}

// RouteAttrs are the attributes of a RouteStatus record.
type RouteAttrs struct {
	Prefix    string `json:"prefix,omitempty"`
	ASPath    string `json:"as_path,omitempty"`
	LocalPref *int64 `json:"local_pref,omitempty"`
	MED       *int64 `json:"med,omitempty"`
	NextHopIP string `json:"next_hop_ip,omitempty"`
	Weight    *int64 `json:"weight,omitempty"`
}

// Fields holds the values AWS fills into a message's placeholders. Zero
// values mean "not present in this message".
type Fields struct {
	NeighborIP string `json:"neighbor_ip,omitempty"`
	FromState  string `json:"from_state,omitempty"` // BGP FSM state before a transition
	ToState    string `json:"to_state,omitempty"`
	Phase      int    `json:"phase,omitempty"` // IKE phase (1 or 2) the message is about, when known
	IKEVersion int    `json:"ike_version,omitempty"`
	Prefixes   int64  `json:"prefixes,omitempty"` // received prefix count
	Limit      int64  `json:"limit,omitempty"`    // prefix limit
	RemoteAS   int64  `json:"remote_as,omitempty"`
	ExpectedAS int64  `json:"expected_as,omitempty"`
	AS         int64  `json:"as,omitempty"`
	BGPVersion int    `json:"bgp_version,omitempty"`
	HoldTime   int    `json:"hold_time,omitempty"`
	RouterID   string `json:"router_id,omitempty"`
	ASPath     string `json:"as_path,omitempty"`
	CeaseCode  string `json:"cease_code,omitempty"` // "6/1" .. "6/7"
	SPI        string `json:"spi,omitempty"`
	RetryCount int    `json:"retry_count,omitempty"`
	CGWIP      string `json:"cgw_ip,omitempty"`
	RequestID  string `json:"request_id,omitempty"`
	Exchange   string `json:"exchange,omitempty"` // CREATE_CHILD_SA, IKE_AUTH, ...
	DenyReason string `json:"deny_reason,omitempty"`
}

// IKEState is an IKE phase state as logged (any case in the source).
type IKEState uint8

const (
	IKEStateUnset IKEState = iota
	IKEStateEstablished
	IKEStateRekeying
	IKEStateNegotiating
	IKEStateDown
	IKEStateOther
)

var ikeStateNames = [...]string{"", "established", "rekeying", "negotiating", "down", "other"}

func (s IKEState) String() string { return ikeStateNames[s] }

// ParseIKEState maps a logged phase state, in any case, to an IKEState.
func ParseIKEState(s string) IKEState {
	switch {
	case s == "":
		return IKEStateUnset
	case EqualFoldASCII(s, "established"):
		return IKEStateEstablished
	case EqualFoldASCII(s, "rekeying"):
		return IKEStateRekeying
	case EqualFoldASCII(s, "negotiating"):
		return IKEStateNegotiating
	case EqualFoldASCII(s, "down"):
		return IKEStateDown
	}
	return IKEStateOther
}

// EqualFoldASCII is an ASCII-only strings.EqualFold, enough for log
// keywords and cheaper on the hot path (it also never folds a non-ASCII
// letter into an ASCII one, as strings.EqualFold does with the Kelvin sign).
func EqualFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if ca >= 'A' && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if cb >= 'A' && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	return true
}
