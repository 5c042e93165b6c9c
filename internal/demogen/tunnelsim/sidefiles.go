package tunnelsim

import (
	"encoding/json"
	"time"
)

// Facts beside the logs that explain a drop AWS caused: the CloudTrail
// event of a change made through the EC2 API (cloudtrail-events.json, as
// `aws cloudtrail lookup-events` prints it) and each tunnel's maintenance
// status (tunnel-maintenance.json, as `aws ec2
// get-vpn-tunnel-replacement-status` prints it).

// TrailAccount is the account the demo's CloudTrail events come from.
const TrailAccount = "111122223333"

// TrailEvent is one event of cloudtrail-events.json, in the shape `aws
// cloudtrail lookup-events` prints (CloudTrailEvent is the full record as
// a JSON string).
type TrailEvent struct {
	EventID         string          `json:"EventId"`
	EventName       string          `json:"EventName"`
	ReadOnly        string          `json:"ReadOnly"`
	Username        string          `json:"Username"`
	EventTime       string          `json:"EventTime"`
	EventSource     string          `json:"EventSource"`
	Resources       []TrailResource `json:"Resources"`
	CloudTrailEvent string          `json:"CloudTrailEvent"`
}

type TrailResource struct {
	ResourceType string `json:"ResourceType"`
	ResourceName string `json:"ResourceName"`
}

// ModifyTunnelOptions is the CloudTrail event of a ModifyVpnTunnelOptions
// call on tn at t by an assumed role's session, with the request as sent:
// the pre-shared key in it is what vpnlens must never show.
func ModifyTunnelOptions(id string, tn *Tunnel, t time.Time, session string, options map[string]any) TrailEvent {
	arn := "arn:aws:sts::" + TrailAccount + ":assumed-role/NetworkAdmin/" + session
	rec := map[string]any{
		"eventVersion": "1.09", "eventTime": t.UTC().Format(time.RFC3339), "eventSource": "ec2.amazonaws.com", "eventName": "ModifyVpnTunnelOptions",
		"awsRegion": "eu-central-1", "sourceIPAddress": "198.51.100.201", "userAgent": "aws-cli/2.17.4 md/command#ec2.modify-vpn-tunnel-options",
		"userIdentity":      map[string]any{"type": "AssumedRole", "arn": arn, "accountId": TrailAccount},
		"requestParameters": map[string]any{"vpnConnectionId": tn.Conn.ID, "vpnTunnelOutsideIpAddress": tn.IP, "tunnelOptions": options},
		"responseElements":  map[string]any{"requestId": "4f0b7c1e-9d2a-4e63-8a51-0c6f2b9e7d14"},
		"eventID":           id, "readOnly": false, "eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": TrailAccount,
	}
	b, _ := json.Marshal(rec) // maps of strings and numbers always marshal
	return TrailEvent{EventID: id, EventName: "ModifyVpnTunnelOptions", ReadOnly: "false", Username: session,
		EventTime: t.UTC().Format(time.RFC3339), EventSource: "ec2.amazonaws.com",
		Resources: []TrailResource{{ResourceType: "AWS::EC2::VPNConnection", ResourceName: tn.Conn.ID}}, CloudTrailEvent: string(b)}
}

// RenderTrail writes cloudtrail-events.json, newest event first as
// LookupEvents lists them.
func RenderTrail(evs []TrailEvent) ([]byte, error) {
	out := struct {
		Events []TrailEvent `json:"Events"`
	}{Events: make([]TrailEvent, 0, len(evs))}
	for i := len(evs) - 1; i >= 0; i-- {
		out.Events = append(out.Events, evs[i])
	}
	b, err := json.MarshalIndent(out, "", "    ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// maintenanceStatus is one tunnel's GetVpnTunnelReplacementStatus output,
// as the CLI prints it.
type maintenanceStatus struct {
	VpnConnectionID           string             `json:"VpnConnectionId"`
	TransitGatewayID          string             `json:"TransitGatewayId,omitempty"`
	CustomerGatewayID         string             `json:"CustomerGatewayId"`
	VpnGatewayID              string             `json:"VpnGatewayId,omitempty"`
	VpnTunnelOutsideIPAddress string             `json:"VpnTunnelOutsideIpAddress"`
	MaintenanceDetails        maintenanceDetails `json:"MaintenanceDetails"`
}

type maintenanceDetails struct {
	PendingMaintenance          string `json:"PendingMaintenance,omitempty"`
	MaintenanceAutoAppliedAfter string `json:"MaintenanceAutoAppliedAfter,omitempty"`
	LastMaintenanceApplied      string `json:"LastMaintenanceApplied,omitempty"`
}

// TunnelMaintenance is what AWS says of one tunnel's maintenance at the end
// of the day (zero times: none).
type TunnelMaintenance struct {
	Applied          time.Time
	Pending          string
	AutoAppliedAfter time.Time
}

// RenderMaintenance writes tunnel-maintenance.json: every tunnel's status,
// in topology order, times as the CLI prints them.
func RenderMaintenance(conns []*Connection, maint map[*Tunnel]TunnelMaintenance) ([]byte, error) {
	var out []maintenanceStatus
	for _, c := range conns {
		for _, tn := range c.Tunnels {
			m := maint[tn]
			st := maintenanceStatus{VpnConnectionID: c.ID, TransitGatewayID: c.TGWID, CustomerGatewayID: c.CGWID, VpnGatewayID: c.VGWID,
				VpnTunnelOutsideIPAddress: tn.IP, MaintenanceDetails: maintenanceDetails{PendingMaintenance: m.Pending}}
			if !m.Applied.IsZero() {
				st.MaintenanceDetails.LastMaintenanceApplied = m.Applied.UTC().Format("2006-01-02T15:04:05+00:00")
			}
			if !m.AutoAppliedAfter.IsZero() {
				st.MaintenanceDetails.MaintenanceAutoAppliedAfter = m.AutoAppliedAfter.UTC().Format("2006-01-02T15:04:05+00:00")
			}
			out = append(out, st)
		}
	}
	b, err := json.MarshalIndent(out, "", "    ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
