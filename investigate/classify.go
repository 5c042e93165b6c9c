package investigate

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// ClassifyResult is the answer of classify_vpn_message.
type ClassifyResult struct {
	Category     string                `json:"category"`
	Layer        string                `json:"layer"`
	Title        string                `json:"title"`
	Meaning      string                `json:"meaning"`
	ActingSide   string                `json:"acting_side" jsonschema:"who acted: aws, customer_gateway, either or none"`
	Severity     string                `json:"severity"`
	Anomaly      bool                  `json:"anomaly"`
	Direction    string                `json:"direction,omitempty"`
	Stream       string                `json:"stream,omitempty"`
	Parsed       string                `json:"parsed" jsonschema:"record (a whole JSON or text record was given) or details (bare message text)"`
	Time         string                `json:"time,omitempty"`
	Fields       *vpnlog.Fields        `json:"fields,omitempty"`
	Route        *vpnlog.RouteAttrs    `json:"route,omitempty"`
	Phase1State  string                `json:"ike_phase1_state,omitempty"`
	Phase2State  string                `json:"ike_phase2_state,omitempty"`
	Causes       []string              `json:"causes"`
	Checks       []string              `json:"checks"`
	GatewayHints []catalog.GatewayHint `json:"gateway_hints,omitempty"`
	References   []string              `json:"references"`
}

// Text renders the classification.
func (r ClassifyResult) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s, %s", r.Category, r.Title, r.Severity)
	if r.Anomaly {
		b.WriteString(", anomaly")
	}
	fmt.Fprintf(&b, ")\n%s\nActing side: %s\n", r.Meaning, r.ActingSide)
	if r.Fields != nil {
		if js, err := json.Marshal(r.Fields); err == nil {
			fmt.Fprintf(&b, "Fields: %s\n", js)
		}
	}
	for _, c := range r.Causes {
		fmt.Fprintf(&b, "Cause: %s\n", c)
	}
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "Check: %s\n", c)
	}
	for _, h := range r.GatewayHints {
		fmt.Fprintf(&b, "%s: %s\n", h.Vendor, h.Hint)
	}
	if len(r.References) > 0 {
		fmt.Fprintf(&b, "References: %s\n", strings.Join(r.References, "; "))
	}
	return b.String()
}

// ClassifyMessage classifies a record or bare details text.
func ClassifyMessage(msg string) (ClassifyResult, error) {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return ClassifyResult{}, userErrorf("argument \"message\" is empty: pass one log record or its details text")
	}
	ev := vpnlog.Event{Raw: msg, Details: msg}
	parsed := "details"
	if looksLikeRecord(msg) {
		e, err := vpnlog.ParseRecord([]byte(msg), vpnlog.StreamID{})
		if errors.Is(err, vpnlog.ErrNoTime) {
			// A record pasted without its timestamp still says what happened.
			err = nil
		}
		if err != nil {
			if strings.HasPrefix(msg, "{") {
				return ClassifyResult{}, userErrorf("message looks like a JSON record but cannot be read (%v): pass the record exactly as logged, or only its details text", err)
			}
		} else {
			ev, parsed = e, "record"
		}
	}
	if parsed == "details" {
		vpnlog.Classify(&ev) // infers the stream from the text
	}
	res := ClassifyResult{Category: string(ev.Category), Severity: ev.Severity.String(), Anomaly: ev.Anomaly, Parsed: parsed,
		Route: ev.Route, Phase1State: ev.Phase1State.String(), Phase2State: ev.Phase2State.String(), Causes: []string{}, Checks: []string{}, References: []string{}}
	if ev.Stream != vpnlog.StreamUnknown {
		res.Stream = ev.Stream.String()
	}
	if ev.Direction != vpnlog.DirNone {
		res.Direction = ev.Direction.String()
	}
	if ev.Fields != (vpnlog.Fields{}) {
		f := ev.Fields
		res.Fields = &f
	}
	if parsed == "record" && ev.TimeMs != 0 {
		res.Time = correlate.FormatMs(ev.TimeMs)
	}
	if e, ok := catalog.Lookup(ev.Category); ok {
		res.Layer, res.Title, res.Meaning, res.ActingSide = e.Layer, e.Title, e.Meaning, e.ActingSide
		res.Causes, res.Checks, res.GatewayHints, res.References = nonNil(e.Causes), nonNil(e.Checks), e.GatewayHints, nonNil(e.References)
	}
	return res, nil
}

// looksLikeRecord tells a whole record (JSON, or text with key=value pairs
// or a leading timestamp) from bare details text.
func looksLikeRecord(s string) bool {
	if strings.HasPrefix(s, "{") {
		return true
	}
	for _, k := range []string{"details=", "ike_phase1_state=", "type=", "status=", "resource_id=", "details:", "message="} {
		if strings.Contains(s, k) {
			return true
		}
	}
	return len(s) > 10 && s[0] >= '0' && s[0] <= '9' && s[4] == '-'
}
