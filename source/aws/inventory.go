package aws

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vpnlens/vpnlens/source"
)

// Connections implements source.Inventory: every VPN connection in the
// region, reused for InventoryTTL. An empty region is an error that says
// so, since the usual reason is a wrong --region.
func (s *Source) Connections(ctx context.Context) ([]source.Connection, error) {
	s.invMu.Lock()
	defer s.invMu.Unlock()
	if s.inv == nil || s.now().Sub(s.invAt) > s.cfg.InventoryTTL {
		// The log deliveries are listed beside the connections, not
		// after them: the first question waits for one round trip.
		type listed struct {
			byVPN map[string][]delivery
			err   error
		}
		dctx, cancel := context.WithCancel(ctx)
		defer cancel()
		dch := make(chan listed, 1)
		go func() {
			byVPN, err := s.deliveries(dctx)
			dch <- listed{byVPN, err}
		}()
		out, err := s.ec2.DescribeVpnConnections(ctx, &ec2.DescribeVpnConnectionsInput{})
		if err != nil {
			cancel()
			<-dch
			return nil, s.mapError(callContext{op: "DescribeVpnConnections"}, err)
		}
		inv := s.convert(out.VpnConnections)
		d := <-dch
		s.deliv, s.delivErr = d.byVPN, d.err
		if s.delivErr != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			// The tunnels' own log options still answer; the answers
			// that would say "logging off" say this too.
			s.logger.Warn("could not list the VPN connections' log deliveries", "region", s.region, "err", s.delivErr)
		}
		applyDeliveries(inv, s.deliv)
		s.inv = inv
		s.invAt = s.now()
	}
	if len(s.inv) == 0 {
		return nil, &source.Error{Op: "DescribeVpnConnections", Cause: "NoConnections",
			Msg: fmt.Sprintf("there are no Site-to-Site VPN connections in region %s for these credentials: is the VPN in another region? pass --region (or set AWS_REGION); or another account? pass --profile", s.region)}
	}
	out := make([]source.Connection, len(s.inv))
	copy(out, s.inv)
	return out, nil
}

// Connection returns one connection. One missing from the cached list is
// looked up by id, so that a connection in another region gets EC2's
// InvalidVpnConnectionID.NotFound and the advice to pass --region.
func (s *Source) Connection(ctx context.Context, id string) (*source.Connection, error) {
	conns, err := s.Connections(ctx)
	if err != nil {
		var se *source.Error
		if !asSourceError(err, &se) || se.Cause != "NoConnections" {
			return nil, err
		}
	}
	for i := range conns {
		if conns[i].ID == id {
			return &conns[i], nil
		}
	}
	out, err := s.ec2.DescribeVpnConnections(ctx, &ec2.DescribeVpnConnectionsInput{VpnConnectionIds: []string{id}})
	if err != nil {
		return nil, s.mapError(callContext{op: "DescribeVpnConnections", vpn: id}, err)
	}
	found := s.convert(out.VpnConnections)
	s.invMu.Lock()
	applyDeliveries(found, s.deliv)
	s.invMu.Unlock()
	if len(found) == 0 {
		return nil, &source.Error{Op: "DescribeVpnConnections", Cause: "RegionMismatch",
			Msg: fmt.Sprintf("VPN connection %s is not in region %s: is the VPN in another region? pass --region", id, s.region)}
	}
	s.invMu.Lock()
	s.inv = append(s.inv, found[0])
	s.invMu.Unlock()
	return &found[0], nil
}

// convert maps EC2's shapes to vpnlens's. Tunnel numbers follow
// Options.TunnelOptions; telemetry is paired by outside IP, never by
// position; the pre-shared key is never kept, only whether one is set.
func (s *Source) convert(in []ec2types.VpnConnection) []source.Connection {
	out := make([]source.Connection, 0, len(in))
	for _, v := range in {
		c := source.Connection{
			ID: str(v.VpnConnectionId), State: string(v.State), Type: string(v.Type), Category: str(v.Category),
			CustomerGatewayID: str(v.CustomerGatewayId), VPNGatewayID: str(v.VpnGatewayId), TransitGatewayID: str(v.TransitGatewayId),
			CoreNetworkARN: str(v.CoreNetworkArn), CoreNetworkAttachmentARN: str(v.CoreNetworkAttachmentArn),
			Region: s.region, AccountID: s.cfg.AccountID,
		}
		for _, t := range v.Tags {
			if c.Tags == nil {
				c.Tags = map[string]string{}
			}
			c.Tags[str(t.Key)] = str(t.Value)
			if str(t.Key) == "Name" {
				c.Name = str(t.Value)
			}
		}
		if o := v.Options; o != nil {
			c.StaticRoutesOnly = boolv(o.StaticRoutesOnly)
			c.LocalIPv4CIDR = str(o.LocalIpv4NetworkCidr)
			c.RemoteIPv4CIDR = str(o.RemoteIpv4NetworkCidr)
			c.OutsideIPType = str(o.OutsideIpAddressType)
			for i, to := range o.TunnelOptions {
				t := source.Tunnel{Number: i + 1, OutsideIP: str(to.OutsideIpAddress), InsideCIDR: str(to.TunnelInsideCidr), InsideIPv6: str(to.TunnelInsideIpv6Cidr)}
				t.Options = source.TunnelOptions{
					Phase1LifetimeSec: intv(to.Phase1LifetimeSeconds),
					Phase2LifetimeSec: intv(to.Phase2LifetimeSeconds),
					DPDTimeoutSec:     intv(to.DpdTimeoutSeconds),
					DPDTimeoutAction:  str(to.DpdTimeoutAction),
					StartupAction:     str(to.StartupAction),
					RekeyMarginSec:    intv(to.RekeyMarginTimeSeconds),
					RekeyFuzzPercent:  intv(to.RekeyFuzzPercentage),
					ReplayWindowSize:  intv(to.ReplayWindowSize),
					LifecycleControl:  boolv(to.EnableTunnelLifecycleControl),
					PreSharedKeyIsSet: str(to.PreSharedKey) != "",
				}
				for _, x := range to.IkeVersions {
					t.Options.IKEVersions = append(t.Options.IKEVersions, str(x.Value))
				}
				for _, x := range to.Phase1EncryptionAlgorithms {
					t.Options.Phase1Encryption = append(t.Options.Phase1Encryption, str(x.Value))
				}
				for _, x := range to.Phase2EncryptionAlgorithms {
					t.Options.Phase2Encryption = append(t.Options.Phase2Encryption, str(x.Value))
				}
				for _, x := range to.Phase1IntegrityAlgorithms {
					t.Options.Phase1Integrity = append(t.Options.Phase1Integrity, str(x.Value))
				}
				for _, x := range to.Phase2IntegrityAlgorithms {
					t.Options.Phase2Integrity = append(t.Options.Phase2Integrity, str(x.Value))
				}
				for _, x := range to.Phase1DHGroupNumbers {
					t.Options.Phase1DHGroups = append(t.Options.Phase1DHGroups, intv(x.Value))
				}
				for _, x := range to.Phase2DHGroupNumbers {
					t.Options.Phase2DHGroups = append(t.Options.Phase2DHGroups, intv(x.Value))
				}
				if to.LogOptions != nil && to.LogOptions.CloudWatchLogOptions != nil {
					cw := to.LogOptions.CloudWatchLogOptions
					t.Logging = source.LogSettings{
						IKEEnabled: boolv(cw.LogEnabled), IKELogGroup: str(cw.LogGroupArn), IKEFormat: str(cw.LogOutputFormat),
						BGPEnabled: boolv(cw.BgpLogEnabled), BGPLogGroup: str(cw.BgpLogGroupArn), BGPFormat: str(cw.BgpLogOutputFormat),
					}
				}
				c.Tunnels = append(c.Tunnels, t)
			}
		}
		for _, tel := range v.VgwTelemetry {
			for i := range c.Tunnels {
				if c.Tunnels[i].OutsideIP != str(tel.OutsideIpAddress) {
					continue
				}
				tm := &source.Telemetry{Status: string(tel.Status), StatusMessage: str(tel.StatusMessage), AcceptedRouteCount: intv(tel.AcceptedRouteCount)}
				if tel.LastStatusChange != nil {
					tm.LastStatusChange = tel.LastStatusChange.UTC()
				}
				c.Tunnels[i].Telemetry = tm
			}
		}
		out = append(out, c)
	}
	return out
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func boolv(p *bool) bool { return p != nil && *p }

func intv(p *int32) int {
	if p == nil {
		return 0
	}
	return int(*p)
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
