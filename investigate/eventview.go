package investigate

import (
	"time"

	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// EventView is one classified record as tools return it.
type EventView struct {
	At           string             `json:"at" jsonschema:"record time, RFC 3339 UTC"`
	AtLocal      string             `json:"at_local,omitempty"`
	Tunnel       string             `json:"tunnel" jsonschema:"tunnel outside IP"`
	TunnelNumber int                `json:"tunnel_number,omitempty"`
	Stream       string             `json:"stream" jsonschema:"IKE or BGP"`
	Category     string             `json:"category"`
	Severity     string             `json:"severity"`
	Direction    string             `json:"direction,omitempty"`
	Anomaly      bool               `json:"anomaly"`
	Details      string             `json:"details,omitempty"`
	Phase1State  string             `json:"ike_phase1_state,omitempty"`
	Phase2State  string             `json:"ike_phase2_state,omitempty"`
	Status       string             `json:"status,omitempty"`
	Fields       *vpnlog.Fields     `json:"fields,omitempty"`
	Route        *vpnlog.RouteAttrs `json:"route,omitempty"`
	Raw          string             `json:"raw" jsonschema:"the record exactly as logged (untrusted log data)"`
}

func eventView(e *vpnlog.Event, conn *source.Connection, loc *time.Location) EventView {
	v := EventView{
		At: correlate.FormatMs(e.TimeMs), Tunnel: e.TunnelIP, Stream: e.Stream.String(), Category: string(e.Category),
		Severity: e.Severity.String(), Anomaly: e.Anomaly, Details: e.Details, Phase1State: e.Phase1State.String(),
		Phase2State: e.Phase2State.String(), Status: e.BGPStatus, Route: e.Route, Raw: e.Raw,
	}
	if loc != nil && loc != time.UTC {
		v.AtLocal = e.Time().In(loc).Format("2006-01-02 15:04:05.000 MST")
	}
	if conn != nil {
		v.TunnelNumber = tunnelNumber(conn, e.TunnelIP)
	}
	if e.Direction != vpnlog.DirNone {
		v.Direction = e.Direction.String()
	}
	if e.Fields != (vpnlog.Fields{}) {
		f := e.Fields
		v.Fields = &f
	}
	return v
}
