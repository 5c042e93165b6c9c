package source

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// The JSON that `aws ec2 describe-vpn-connections` prints (PascalCase, as
// the AWS CLI renders the EC2 API shapes). Only the fields vpnlens uses.
type describeVpnConnectionsOutput struct {
	VpnConnections []cliVpnConnection `json:"VpnConnections"`
}

type cliValue[T any] struct {
	Value T `json:"Value"`
}

type cliVpnConnection struct {
	VpnConnectionId          string
	State                    string
	Type                     string
	Category                 string
	CustomerGatewayId        string
	VpnGatewayId             string
	TransitGatewayId         string
	CoreNetworkArn           string
	CoreNetworkAttachmentArn string
	Options                  *struct {
		StaticRoutesOnly      bool
		LocalIpv4NetworkCidr  string
		RemoteIpv4NetworkCidr string
		OutsideIpAddressType  string
		TunnelOptions         []cliTunnelOption
	}
	Tags []struct {
		Key   string
		Value string
	}
	VgwTelemetry []struct {
		AcceptedRouteCount int
		LastStatusChange   string
		OutsideIpAddress   string
		Status             string
		StatusMessage      string
	}
}

type cliTunnelOption struct {
	OutsideIpAddress             string
	TunnelInsideCidr             string
	TunnelInsideIpv6Cidr         string
	PreSharedKey                 string
	Phase1LifetimeSeconds        int
	Phase2LifetimeSeconds        int
	RekeyMarginTimeSeconds       int
	RekeyFuzzPercentage          int
	ReplayWindowSize             int
	DpdTimeoutSeconds            int
	DpdTimeoutAction             string
	StartupAction                string
	EnableTunnelLifecycleControl bool
	Phase1EncryptionAlgorithms   []cliValue[string]
	Phase2EncryptionAlgorithms   []cliValue[string]
	Phase1IntegrityAlgorithms    []cliValue[string]
	Phase2IntegrityAlgorithms    []cliValue[string]
	Phase1DHGroupNumbers         []cliValue[int]
	Phase2DHGroupNumbers         []cliValue[int]
	IkeVersions                  []cliValue[string]
	LogOptions                   *struct {
		CloudWatchLogOptions *struct {
			LogEnabled         bool
			LogGroupArn        string
			LogOutputFormat    string
			BgpLogEnabled      bool
			BgpLogGroupArn     string
			BgpLogOutputFormat string
		}
	}
}

func values[T any](vs []cliValue[T]) []T {
	if len(vs) == 0 {
		return nil
	}
	out := make([]T, len(vs))
	for i, v := range vs {
		out[i] = v.Value
	}
	return out
}

// ParseDescribeVpnConnections reads the output of `aws ec2
// describe-vpn-connections`. Tunnel numbers follow Options.TunnelOptions;
// telemetry is paired by outside IP because EC2 does not promise the two
// lists share an order.
func ParseDescribeVpnConnections(r io.Reader) ([]Connection, error) {
	var out describeVpnConnectionsOutput
	dec := json.NewDecoder(r)
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("not the JSON of `aws ec2 describe-vpn-connections`: %w", err)
	}
	conns := make([]Connection, 0, len(out.VpnConnections))
	for _, v := range out.VpnConnections {
		c := Connection{
			ID: v.VpnConnectionId, State: v.State, Type: v.Type, Category: v.Category,
			CustomerGatewayID: v.CustomerGatewayId, VPNGatewayID: v.VpnGatewayId, TransitGatewayID: v.TransitGatewayId,
			CoreNetworkARN: v.CoreNetworkArn, CoreNetworkAttachmentARN: v.CoreNetworkAttachmentArn,
		}
		if c.ID == "" {
			return nil, fmt.Errorf("a connection in describe-vpn-connections output has no VpnConnectionId")
		}
		for _, t := range v.Tags {
			if c.Tags == nil {
				c.Tags = map[string]string{}
			}
			c.Tags[t.Key] = t.Value
			if t.Key == "Name" {
				c.Name = t.Value
			}
		}
		if o := v.Options; o != nil {
			c.StaticRoutesOnly = o.StaticRoutesOnly
			c.LocalIPv4CIDR = o.LocalIpv4NetworkCidr
			c.RemoteIPv4CIDR = o.RemoteIpv4NetworkCidr
			c.OutsideIPType = o.OutsideIpAddressType
			for i, to := range o.TunnelOptions {
				t := Tunnel{Number: i + 1, OutsideIP: to.OutsideIpAddress, InsideCIDR: to.TunnelInsideCidr, InsideIPv6: to.TunnelInsideIpv6Cidr}
				t.Options = TunnelOptions{
					IKEVersions:       values(to.IkeVersions),
					Phase1Encryption:  values(to.Phase1EncryptionAlgorithms),
					Phase1Integrity:   values(to.Phase1IntegrityAlgorithms),
					Phase1DHGroups:    values(to.Phase1DHGroupNumbers),
					Phase1LifetimeSec: to.Phase1LifetimeSeconds,
					Phase2Encryption:  values(to.Phase2EncryptionAlgorithms),
					Phase2Integrity:   values(to.Phase2IntegrityAlgorithms),
					Phase2DHGroups:    values(to.Phase2DHGroupNumbers),
					Phase2LifetimeSec: to.Phase2LifetimeSeconds,
					DPDTimeoutSec:     to.DpdTimeoutSeconds,
					DPDTimeoutAction:  to.DpdTimeoutAction,
					StartupAction:     to.StartupAction,
					RekeyMarginSec:    to.RekeyMarginTimeSeconds,
					RekeyFuzzPercent:  to.RekeyFuzzPercentage,
					ReplayWindowSize:  to.ReplayWindowSize,
					LifecycleControl:  to.EnableTunnelLifecycleControl,
					PreSharedKeyIsSet: to.PreSharedKey != "",
				}
				if lo := to.LogOptions; lo != nil && lo.CloudWatchLogOptions != nil {
					cw := lo.CloudWatchLogOptions
					t.Logging = LogSettings{
						IKEEnabled: cw.LogEnabled, IKELogGroup: cw.LogGroupArn, IKEFormat: cw.LogOutputFormat,
						BGPEnabled: cw.BgpLogEnabled, BGPLogGroup: cw.BgpLogGroupArn, BGPFormat: cw.BgpLogOutputFormat,
					}
				}
				c.Tunnels = append(c.Tunnels, t)
			}
		}
		for _, tel := range v.VgwTelemetry {
			for i := range c.Tunnels {
				if c.Tunnels[i].OutsideIP != tel.OutsideIpAddress {
					continue
				}
				tm := &Telemetry{Status: tel.Status, StatusMessage: tel.StatusMessage, AcceptedRouteCount: tel.AcceptedRouteCount}
				if tel.LastStatusChange != "" {
					if ts, err := time.Parse(time.RFC3339Nano, tel.LastStatusChange); err == nil {
						tm.LastStatusChange = ts.UTC()
					}
				}
				c.Tunnels[i].Telemetry = tm
			}
		}
		conns = append(conns, c)
	}
	return conns, nil
}
