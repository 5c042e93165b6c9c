package source

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/vpnlens/vpnlens/vpnlog"
)

// ActiveStatus is what AWS says a tunnel negotiated with the customer
// gateway (EC2 GetActiveVpnTunnelStatus): the IKE version and the
// algorithms of its current phase 1 (IKE) and phase 2 (IPsec) SAs, and
// whether the tunnel is provisioned. Empty algorithms and zero groups are
// what AWS did not report (a tunnel with no SA up has none).
type ActiveStatus struct {
	TunnelIP         string
	IKEVersion       string
	Phase1Encryption string
	Phase1Integrity  string
	Phase1DHGroup    int
	Phase2Encryption string
	Phase2Integrity  string
	Phase2DHGroup    int
	// ProvisioningStatus is available, pending or failed; the reason says
	// why when AWS gives one.
	ProvisioningStatus       string
	ProvisioningStatusReason string
}

// Negotiated reports whether AWS named any negotiated parameter.
func (a *ActiveStatus) Negotiated() bool {
	return a.IKEVersion != "" || a.Phase1Encryption != "" || a.Phase1Integrity != "" || a.Phase1DHGroup != 0 ||
		a.Phase2Encryption != "" || a.Phase2Integrity != "" || a.Phase2DHGroup != 0
}

// ActiveTunnelStatus answers "what did AWS and the customer gateway
// negotiate on this tunnel?". A nil status with no error means the source
// does not know (a logs folder without the file, or a tunnel it does not
// list).
type ActiveTunnelStatus interface {
	ActiveStatus(ctx context.Context, vpnConnectionID, tunnelIP string) (*ActiveStatus, error)
}

// ActiveStatusFileName is the optional file of a logs folder with each
// tunnel's GetActiveVpnTunnelStatus answer.
const ActiveStatusFileName = vpnlog.TunnelActiveStatusFile

// ActiveStatusFile is the shape of tunnel-active-status.json: per tunnel,
// the two parameters of `aws ec2 get-active-vpn-tunnel-status` and the
// ActiveVpnTunnelStatus it printed.
type ActiveStatusFile struct {
	Tunnels []ActiveStatusEntry `json:"Tunnels"`
}

// ActiveStatusEntry is one tunnel of ActiveStatusFile.
type ActiveStatusEntry struct {
	VpnConnectionID           string                    `json:"VpnConnectionId"`
	VpnTunnelOutsideIPAddress string                    `json:"VpnTunnelOutsideIpAddress"`
	ActiveVpnTunnelStatus     ActiveVpnTunnelStatusJSON `json:"ActiveVpnTunnelStatus"`
}

// ActiveVpnTunnelStatusJSON is GetActiveVpnTunnelStatus's ActiveVpnTunnelStatus
// as the AWS CLI prints it.
type ActiveVpnTunnelStatusJSON struct {
	IkeVersion                string `json:"IkeVersion,omitempty"`
	Phase1EncryptionAlgorithm string `json:"Phase1EncryptionAlgorithm,omitempty"`
	Phase1IntegrityAlgorithm  string `json:"Phase1IntegrityAlgorithm,omitempty"`
	Phase1DHGroup             int    `json:"Phase1DHGroup,omitempty"`
	Phase2EncryptionAlgorithm string `json:"Phase2EncryptionAlgorithm,omitempty"`
	Phase2IntegrityAlgorithm  string `json:"Phase2IntegrityAlgorithm,omitempty"`
	Phase2DHGroup             int    `json:"Phase2DHGroup,omitempty"`
	ProvisioningStatus        string `json:"ProvisioningStatus,omitempty"`
	ProvisioningStatusReason  string `json:"ProvisioningStatusReason,omitempty"`
}

// ParseActiveStatusFile reads tunnel-active-status.json into statuses by
// connection id + "/" + tunnel IP; name is the file as shown in errors.
func ParseActiveStatusFile(name string, b []byte) (map[string]*ActiveStatus, error) {
	var f ActiveStatusFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: not a list of GetActiveVpnTunnelStatus answers: %v", name, err)
	}
	out := make(map[string]*ActiveStatus, len(f.Tunnels))
	for i, e := range f.Tunnels {
		if e.VpnConnectionID == "" || e.VpnTunnelOutsideIPAddress == "" {
			return nil, fmt.Errorf("%s: Tunnels[%d]: needs VpnConnectionId and VpnTunnelOutsideIpAddress", name, i)
		}
		key := e.VpnConnectionID + "/" + e.VpnTunnelOutsideIPAddress
		if out[key] != nil {
			return nil, fmt.Errorf("%s: Tunnels[%d]: tunnel %s of %s is listed twice", name, i, e.VpnTunnelOutsideIPAddress, e.VpnConnectionID)
		}
		s := e.ActiveVpnTunnelStatus
		out[key] = &ActiveStatus{TunnelIP: e.VpnTunnelOutsideIPAddress, IKEVersion: s.IkeVersion,
			Phase1Encryption: s.Phase1EncryptionAlgorithm, Phase1Integrity: s.Phase1IntegrityAlgorithm, Phase1DHGroup: s.Phase1DHGroup,
			Phase2Encryption: s.Phase2EncryptionAlgorithm, Phase2Integrity: s.Phase2IntegrityAlgorithm, Phase2DHGroup: s.Phase2DHGroup,
			ProvisioningStatus: s.ProvisioningStatus, ProvisioningStatusReason: s.ProvisioningStatusReason}
	}
	return out, nil
}
