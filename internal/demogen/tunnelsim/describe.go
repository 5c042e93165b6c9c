package tunnelsim

import (
	"encoding/json"
	"fmt"
	"time"
)

// The shapes below print what `aws ec2 describe-vpn-connections` prints
// (PascalCase keys, 4-space indent). CustomerGatewayConfiguration and
// PreSharedKey are left out, as a careful export would.

type describeOutput struct {
	VpnConnections []vpnConnection `json:"VpnConnections"`
}

type vpnConnection struct {
	VpnConnectionId   string         `json:"VpnConnectionId"`
	State             string         `json:"State"`
	CustomerGatewayId string         `json:"CustomerGatewayId"`
	VpnGatewayId      string         `json:"VpnGatewayId,omitempty"`
	TransitGatewayId  string         `json:"TransitGatewayId,omitempty"`
	Type              string         `json:"Type"`
	Category          string         `json:"Category"`
	Options           vpnOptions     `json:"Options"`
	Routes            []staticRoute  `json:"Routes"`
	Tags              []Tag          `json:"Tags"`
	VgwTelemetry      []vgwTelemetry `json:"VgwTelemetry"`
}

type vpnOptions struct {
	EnableAcceleration    bool           `json:"EnableAcceleration"`
	StaticRoutesOnly      bool           `json:"StaticRoutesOnly"`
	LocalIpv4NetworkCidr  string         `json:"LocalIpv4NetworkCidr"`
	RemoteIpv4NetworkCidr string         `json:"RemoteIpv4NetworkCidr"`
	OutsideIpAddressType  string         `json:"OutsideIpAddressType"`
	TunnelInsideIpVersion string         `json:"TunnelInsideIpVersion"`
	TunnelOptions         []tunnelOption `json:"TunnelOptions"`
}

type strValue struct {
	Value string `json:"Value"`
}

type intValue struct {
	Value int `json:"Value"`
}

type tunnelOption struct {
	OutsideIpAddress             string     `json:"OutsideIpAddress"`
	TunnelInsideCidr             string     `json:"TunnelInsideCidr"`
	Phase1LifetimeSeconds        int        `json:"Phase1LifetimeSeconds"`
	Phase2LifetimeSeconds        int        `json:"Phase2LifetimeSeconds"`
	RekeyMarginTimeSeconds       int        `json:"RekeyMarginTimeSeconds"`
	RekeyFuzzPercentage          int        `json:"RekeyFuzzPercentage"`
	ReplayWindowSize             int        `json:"ReplayWindowSize"`
	DpdTimeoutSeconds            int        `json:"DpdTimeoutSeconds"`
	DpdTimeoutAction             string     `json:"DpdTimeoutAction"`
	StartupAction                string     `json:"StartupAction"`
	Phase1EncryptionAlgorithms   []strValue `json:"Phase1EncryptionAlgorithms"`
	Phase2EncryptionAlgorithms   []strValue `json:"Phase2EncryptionAlgorithms"`
	Phase1IntegrityAlgorithms    []strValue `json:"Phase1IntegrityAlgorithms"`
	Phase2IntegrityAlgorithms    []strValue `json:"Phase2IntegrityAlgorithms"`
	Phase1DHGroupNumbers         []intValue `json:"Phase1DHGroupNumbers"`
	Phase2DHGroupNumbers         []intValue `json:"Phase2DHGroupNumbers"`
	IkeVersions                  []strValue `json:"IkeVersions"`
	LogOptions                   logOptions `json:"LogOptions"`
	EnableTunnelLifecycleControl bool       `json:"EnableTunnelLifecycleControl"`
}

type logOptions struct {
	CloudWatchLogOptions cloudWatchLogOptions `json:"CloudWatchLogOptions"`
}

type cloudWatchLogOptions struct {
	LogEnabled         bool   `json:"LogEnabled"`
	LogGroupArn        string `json:"LogGroupArn,omitempty"`
	LogOutputFormat    string `json:"LogOutputFormat,omitempty"`
	BgpLogEnabled      bool   `json:"BgpLogEnabled"`
	BgpLogGroupArn     string `json:"BgpLogGroupArn,omitempty"`
	BgpLogOutputFormat string `json:"BgpLogOutputFormat,omitempty"`
}

type staticRoute struct {
	DestinationCidrBlock string `json:"DestinationCidrBlock"`
	Source               string `json:"Source"`
	State                string `json:"State"`
}

type vgwTelemetry struct {
	AcceptedRouteCount int    `json:"AcceptedRouteCount"`
	LastStatusChange   string `json:"LastStatusChange"`
	OutsideIpAddress   string `json:"OutsideIpAddress"`
	Status             string `json:"Status"`
	StatusMessage      string `json:"StatusMessage"`
}

const logGroupARNPrefix = "arn:aws:logs:eu-central-1:111122223333:log-group:"

// RenderVPNConnections prints conns the way `aws ec2 describe-vpn-connections`
// does.
func RenderVPNConnections(conns []*Connection) ([]byte, error) {
	var out describeOutput
	for _, c := range conns {
		vc := vpnConnection{
			VpnConnectionId: c.ID, State: "available", CustomerGatewayId: c.CGWID,
			VpnGatewayId: c.VGWID, TransitGatewayId: c.TGWID, Type: "ipsec.1", Category: "VPN",
			Options: vpnOptions{
				StaticRoutesOnly: c.StaticOnly, LocalIpv4NetworkCidr: "0.0.0.0/0", RemoteIpv4NetworkCidr: "0.0.0.0/0",
				OutsideIpAddressType: "PublicIpv4", TunnelInsideIpVersion: "ipv4",
			},
			Routes: []staticRoute{},
			Tags:   c.Tags,
		}
		for _, cidr := range c.StaticRoutes {
			vc.Routes = append(vc.Routes, staticRoute{cidr, "Static", "available"})
		}
		for _, tn := range c.Tunnels {
			vc.Options.TunnelOptions = append(vc.Options.TunnelOptions, TunnelOptionOf(tn))
			vc.VgwTelemetry = append(vc.VgwTelemetry, TelemetryOf(tn))
		}
		if c.TelemetryReversed {
			t := vc.VgwTelemetry
			for i, j := 0, len(t)-1; i < j; i, j = i+1, j-1 {
				t[i], t[j] = t[j], t[i]
			}
		}
		out.VpnConnections = append(out.VpnConnections, vc)
	}
	b, err := json.MarshalIndent(out, "", "    ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// TunnelOptionOf is a tunnel's entry of Options.TunnelOptions.
func TunnelOptionOf(tn *Tunnel) tunnelOption {
	c := tn.Conn
	cw := cloudWatchLogOptions{}
	if tn.Logs() {
		cw = cloudWatchLogOptions{
			LogEnabled: true, LogGroupArn: logGroupARNPrefix + c.LogGroup + ":*", LogOutputFormat: "json",
			BgpLogEnabled: true, BgpLogGroupArn: logGroupARNPrefix + c.BGPLogGroup + ":*", BgpLogOutputFormat: "json",
		}
		if tn.BGPText {
			cw.BgpLogOutputFormat = "text"
		}
		if tn.IKEText {
			cw.LogOutputFormat = "text"
		}
	}
	return tunnelOption{
		OutsideIpAddress: tn.IP, TunnelInsideCidr: tn.InsideCIDR,
		Phase1LifetimeSeconds: 28800, Phase2LifetimeSeconds: 3600,
		RekeyMarginTimeSeconds: 270, RekeyFuzzPercentage: 100, ReplayWindowSize: 1024,
		DpdTimeoutSeconds: dpdTimeout(tn), DpdTimeoutAction: c.DPDAction, StartupAction: c.StartupAction,
		Phase1EncryptionAlgorithms: []strValue{{"AES256"}}, Phase2EncryptionAlgorithms: []strValue{{"AES256"}},
		Phase1IntegrityAlgorithms: []strValue{{"SHA2-256"}}, Phase2IntegrityAlgorithms: []strValue{{"SHA2-256"}},
		Phase1DHGroupNumbers: []intValue{{20}}, Phase2DHGroupNumbers: []intValue{{20}},
		IkeVersions:                  []strValue{{tn.IKEVersion}},
		LogOptions:                   logOptions{cw},
		EnableTunnelLifecycleControl: false,
	}
}

// TelemetryOf is a tunnel's VgwTelemetry entry.
func TelemetryOf(tn *Tunnel) vgwTelemetry {
	msg := ""
	if !tn.Conn.StaticOnly && tn.Status == "UP" {
		msg = fmt.Sprintf("%d BGP ROUTES", tn.RouteCount)
	}
	return vgwTelemetry{
		AcceptedRouteCount: tn.RouteCount,
		// The CLI prints whole seconds with an explicit +00:00 offset.
		LastStatusChange: tn.LastChange.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05+00:00"),
		OutsideIpAddress: tn.IP,
		Status:           tn.Status,
		StatusMessage:    msg,
	}
}

func dpdTimeout(tn *Tunnel) int {
	if tn.DPDTimeoutSec > 0 {
		return tn.DPDTimeoutSec
	}
	return 30
}
