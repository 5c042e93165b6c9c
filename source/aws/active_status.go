package aws

import (
	"context"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/vpnlens/vpnlens/source"
)

// ActiveStatus implements source.ActiveTunnelStatus: EC2
// GetActiveVpnTunnelStatus for one tunnel, cached like maintenance so that
// the options and a diagnosis of the same tunnel cost one call.
func (s *Source) ActiveStatus(ctx context.Context, vpnConnectionID, tunnelIP string) (*source.ActiveStatus, error) {
	key := vpnConnectionID + "/" + tunnelIP
	if v, ok := s.sideGet(&s.activeCache, key); ok {
		a := *v.(*source.ActiveStatus)
		return &a, nil
	}
	out, err := s.ec2.GetActiveVpnTunnelStatus(ctx, &ec2.GetActiveVpnTunnelStatusInput{
		VpnConnectionId: sdkaws.String(vpnConnectionID), VpnTunnelOutsideIpAddress: sdkaws.String(tunnelIP)})
	if err != nil {
		return nil, s.mapError(callContext{op: "GetActiveVpnTunnelStatus", vpn: vpnConnectionID}, err)
	}
	a := &source.ActiveStatus{TunnelIP: tunnelIP}
	if st := out.ActiveVpnTunnelStatus; st != nil {
		a.IKEVersion = sdkaws.ToString(st.IkeVersion)
		a.Phase1Encryption = sdkaws.ToString(st.Phase1EncryptionAlgorithm)
		a.Phase1Integrity = sdkaws.ToString(st.Phase1IntegrityAlgorithm)
		a.Phase1DHGroup = int(sdkaws.ToInt32(st.Phase1DHGroup))
		a.Phase2Encryption = sdkaws.ToString(st.Phase2EncryptionAlgorithm)
		a.Phase2Integrity = sdkaws.ToString(st.Phase2IntegrityAlgorithm)
		a.Phase2DHGroup = int(sdkaws.ToInt32(st.Phase2DHGroup))
		a.ProvisioningStatus = string(st.ProvisioningStatus)
		a.ProvisioningStatusReason = sdkaws.ToString(st.ProvisioningStatusReason)
	}
	s.sidePut(&s.activeCache, key, a)
	c := *a
	return &c, nil
}

// ActiveStatus implements source.ActiveTunnelStatus through the member
// that holds the connection.
func (e *Estate) ActiveStatus(ctx context.Context, vpnConnectionID, tunnelIP string) (*source.ActiveStatus, error) {
	src, err := e.sourceOf(ctx, vpnConnectionID)
	if err != nil {
		return nil, err
	}
	return src.ActiveStatus(ctx, vpnConnectionID, tunnelIP)
}

var (
	_ source.ActiveTunnelStatus = (*Source)(nil)
	_ source.ActiveTunnelStatus = (*Estate)(nil)
)
