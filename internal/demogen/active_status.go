package main

import (
	"encoding/json"
	"fmt"
)

// activeStatusFile is the shape of tunnel-active-status.json
// (source.ParseActiveStatusFile reads it): per tunnel, the parameters of
// `aws ec2 get-active-vpn-tunnel-status` and the status it printed.
type activeStatusFile struct {
	Tunnels []activeStatusEntry `json:"Tunnels"`
}

type activeStatusEntry struct {
	VpnConnectionID           string       `json:"VpnConnectionId"`
	VpnTunnelOutsideIPAddress string       `json:"VpnTunnelOutsideIpAddress"`
	ActiveVpnTunnelStatus     activeStatus `json:"ActiveVpnTunnelStatus"`
}

type activeStatus struct {
	IkeVersion                string `json:"IkeVersion,omitempty"`
	Phase1EncryptionAlgorithm string `json:"Phase1EncryptionAlgorithm,omitempty"`
	Phase1IntegrityAlgorithm  string `json:"Phase1IntegrityAlgorithm,omitempty"`
	Phase1DHGroup             int    `json:"Phase1DHGroup,omitempty"`
	Phase2EncryptionAlgorithm string `json:"Phase2EncryptionAlgorithm,omitempty"`
	Phase2IntegrityAlgorithm  string `json:"Phase2IntegrityAlgorithm,omitempty"`
	Phase2DHGroup             int    `json:"Phase2DHGroup,omitempty"`
	ProvisioningStatus        string `json:"ProvisioningStatus"`
}

// describedTunnels is the part of vpn-connections.json a negotiation
// depends on: each tunnel's allowed algorithms and its state at the end
// of the day.
type describedTunnels struct {
	VpnConnections []struct {
		VpnConnectionID string `json:"VpnConnectionId"`
		Options         struct {
			TunnelOptions []struct {
				OutsideIPAddress           string `json:"OutsideIpAddress"`
				IkeVersions                []struct{ Value string }
				Phase1EncryptionAlgorithms []struct{ Value string }
				Phase1IntegrityAlgorithms  []struct{ Value string }
				Phase1DHGroupNumbers       []struct{ Value int }
				Phase2EncryptionAlgorithms []struct{ Value string }
				Phase2IntegrityAlgorithms  []struct{ Value string }
				Phase2DHGroupNumbers       []struct{ Value int }
			}
		}
		VgwTelemetry []struct {
			OutsideIPAddress string `json:"OutsideIpAddress"`
			Status           string
		}
	}
}

// renderActiveStatus writes tunnel-active-status.json from the rendered
// vpn-connections.json: a tunnel up at the end of the day negotiated the
// first of each allowed list (the gateways of the demo offer what the
// tunnel allows, most preferred first), with IKEv2 when both versions are
// allowed; a tunnel down has nothing negotiated. Every tunnel is
// provisioned.
func renderActiveStatus(describe []byte) ([]byte, error) {
	var d describedTunnels
	if err := json.Unmarshal(describe, &d); err != nil {
		return nil, fmt.Errorf("vpn-connections.json: %w", err)
	}
	firstStr := func(vs []struct{ Value string }, def string) string {
		if len(vs) == 0 {
			return def
		}
		return vs[0].Value
	}
	firstInt := func(vs []struct{ Value int }, def int) int {
		if len(vs) == 0 {
			return def
		}
		return vs[0].Value
	}
	var f activeStatusFile
	for _, c := range d.VpnConnections {
		up := map[string]bool{}
		for _, tel := range c.VgwTelemetry {
			up[tel.OutsideIPAddress] = tel.Status == "UP"
		}
		for _, t := range c.Options.TunnelOptions {
			e := activeStatusEntry{VpnConnectionID: c.VpnConnectionID, VpnTunnelOutsideIPAddress: t.OutsideIPAddress,
				ActiveVpnTunnelStatus: activeStatus{ProvisioningStatus: "available"}}
			if up[t.OutsideIPAddress] {
				version := "ikev2"
				if len(t.IkeVersions) == 1 {
					version = t.IkeVersions[0].Value
				}
				e.ActiveVpnTunnelStatus = activeStatus{IkeVersion: version,
					Phase1EncryptionAlgorithm: firstStr(t.Phase1EncryptionAlgorithms, "AES256"), Phase1IntegrityAlgorithm: firstStr(t.Phase1IntegrityAlgorithms, "SHA2-256"),
					Phase1DHGroup:             firstInt(t.Phase1DHGroupNumbers, 14),
					Phase2EncryptionAlgorithm: firstStr(t.Phase2EncryptionAlgorithms, "AES256"), Phase2IntegrityAlgorithm: firstStr(t.Phase2IntegrityAlgorithms, "SHA2-256"),
					Phase2DHGroup:      firstInt(t.Phase2DHGroupNumbers, 14),
					ProvisioningStatus: "available"}
			}
			f.Tunnels = append(f.Tunnels, e)
		}
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
