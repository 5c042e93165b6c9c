package aws

import (
	"context"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/vpnlens/vpnlens/source"
)

// Maintenance implements source.TunnelMaintenance: EC2
// GetVpnTunnelReplacementStatus for one tunnel.
func (s *Source) Maintenance(ctx context.Context, vpnConnectionID, tunnelIP string) (*source.Maintenance, error) {
	key := vpnConnectionID + "/" + tunnelIP
	if v, ok := s.sideGet(&s.maintCache, key); ok {
		m := *v.(*source.Maintenance)
		return &m, nil
	}
	out, err := s.ec2.GetVpnTunnelReplacementStatus(ctx, &ec2.GetVpnTunnelReplacementStatusInput{
		VpnConnectionId: sdkaws.String(vpnConnectionID), VpnTunnelOutsideIpAddress: sdkaws.String(tunnelIP)})
	if err != nil {
		return nil, s.mapError(callContext{op: "GetVpnTunnelReplacementStatus", vpn: vpnConnectionID}, err)
	}
	m := &source.Maintenance{TunnelIP: tunnelIP}
	if d := out.MaintenanceDetails; d != nil {
		if d.LastMaintenanceApplied != nil {
			m.LastApplied = d.LastMaintenanceApplied.UTC()
		}
		if d.MaintenanceAutoAppliedAfter != nil {
			m.AutoAppliedAfter = d.MaintenanceAutoAppliedAfter.UTC()
		}
		m.Pending = sdkaws.ToString(d.PendingMaintenance)
	}
	s.sidePut(&s.maintCache, key, m)
	return m, nil
}

// Maintenance implements source.TunnelMaintenance through the member that
// holds the connection.
func (e *Estate) Maintenance(ctx context.Context, vpnConnectionID, tunnelIP string) (*source.Maintenance, error) {
	src, err := e.sourceOf(ctx, vpnConnectionID)
	if err != nil {
		return nil, err
	}
	return src.Maintenance(ctx, vpnConnectionID, tunnelIP)
}

var _ source.TunnelMaintenance = (*Source)(nil)
