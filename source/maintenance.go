package source

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/vpnlens/vpnlens/vpnlog"
)

// Maintenance is what AWS says of a tunnel's endpoint maintenance
// (EC2 GetVpnTunnelReplacementStatus): AWS replaces tunnel endpoints one
// tunnel at a time, and a tunnel being replaced goes down and comes back.
type Maintenance struct {
	TunnelIP string
	// LastApplied is when maintenance was last applied (the tunnel
	// replaced); zero when never.
	LastApplied time.Time
	// Pending describes maintenance not applied yet; AutoAppliedAfter is
	// when AWS applies it by itself.
	Pending          string
	AutoAppliedAfter time.Time
}

// TunnelMaintenance answers "what maintenance did AWS apply or plan on
// this tunnel?".
type TunnelMaintenance interface {
	Maintenance(ctx context.Context, vpnConnectionID, tunnelIP string) (*Maintenance, error)
}

// MaintenanceFileName is the optional file of a logs folder holding the
// tunnels' maintenance status: `aws ec2 get-vpn-tunnel-replacement-status`
// output, one per tunnel, in a JSON array (one output alone is read too).
const MaintenanceFileName = vpnlog.TunnelMaintenanceFile

// ReplacementStatus is GetVpnTunnelReplacementStatus output for one
// tunnel, as the CLI prints it.
type ReplacementStatus struct {
	VpnConnectionID           string              `json:"VpnConnectionId"`
	TransitGatewayID          string              `json:"TransitGatewayId,omitempty"`
	CustomerGatewayID         string              `json:"CustomerGatewayId,omitempty"`
	VpnGatewayID              string              `json:"VpnGatewayId,omitempty"`
	VpnTunnelOutsideIPAddress string              `json:"VpnTunnelOutsideIpAddress"`
	MaintenanceDetails        *MaintenanceDetails `json:"MaintenanceDetails,omitempty"`
}

// MaintenanceDetails is the MaintenanceDetails of that output; times are
// ISO 8601 (the CLI) or epoch seconds (the API's JSON).
type MaintenanceDetails struct {
	PendingMaintenance          string          `json:"PendingMaintenance,omitempty"`
	MaintenanceAutoAppliedAfter json.RawMessage `json:"MaintenanceAutoAppliedAfter,omitempty"`
	LastMaintenanceApplied      json.RawMessage `json:"LastMaintenanceApplied,omitempty"`
}

// MaintenanceKey is how a tunnel's status is filed: connection and
// outside IP.
func MaintenanceKey(vpnConnectionID, tunnelIP string) string { return vpnConnectionID + "/" + tunnelIP }

// ParseMaintenanceFile reads a tunnel-maintenance.json into each tunnel's
// status (by MaintenanceKey), naming what is wrong.
func ParseMaintenanceFile(name string, b []byte) (map[string]Maintenance, error) {
	var outs []ReplacementStatus
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		outs = make([]ReplacementStatus, 1)
		if err := json.Unmarshal(trimmed, &outs[0]); err != nil {
			return nil, fmt.Errorf("%s: not GetVpnTunnelReplacementStatus output: %v", name, err)
		}
	} else if err := json.Unmarshal(trimmed, &outs); err != nil {
		return nil, fmt.Errorf("%s: not a list of GetVpnTunnelReplacementStatus outputs: %v", name, err)
	}
	byTunnel := make(map[string]Maintenance, len(outs))
	for i, o := range outs {
		if o.VpnConnectionID == "" || o.VpnTunnelOutsideIPAddress == "" {
			return nil, fmt.Errorf("%s: [%d]: VpnConnectionId and VpnTunnelOutsideIpAddress are required", name, i)
		}
		m := Maintenance{TunnelIP: o.VpnTunnelOutsideIPAddress}
		if d := o.MaintenanceDetails; d != nil {
			m.Pending = d.PendingMaintenance
			for _, f := range []struct {
				field string
				raw   json.RawMessage
				to    *time.Time
			}{{"LastMaintenanceApplied", d.LastMaintenanceApplied, &m.LastApplied}, {"MaintenanceAutoAppliedAfter", d.MaintenanceAutoAppliedAfter, &m.AutoAppliedAfter}} {
				if len(f.raw) == 0 || string(f.raw) == "null" {
					continue
				}
				t, err := ParseEventTime(f.raw)
				if err != nil {
					return nil, fmt.Errorf("%s: [%d] (%s): %s %s is neither ISO 8601 nor epoch seconds", name, i, o.VpnTunnelOutsideIPAddress, f.field, f.raw)
				}
				*f.to = t.UTC()
			}
		}
		byTunnel[MaintenanceKey(o.VpnConnectionID, o.VpnTunnelOutsideIPAddress)] = m
	}
	return byTunnel, nil
}
