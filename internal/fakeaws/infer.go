package fakeaws

import (
	"fmt"
	"os"
	"sort"

	"github.com/vpnlens/vpnlens/vpnlog"
)

// AddConnectionsFor adds to the inventory the connections a logs folder
// without vpn-connections.json implies by its files' stream names (one
// file per stream, as internal/corpusgen writes them), each tunnel
// logging IKE and BGP to group; LoadDir then files the streams there.
func (s *Server) AddConnectionsFor(dir, group string) error {
	files, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	arn := fmt.Sprintf("arn:aws:logs:%s:111122223333:log-group:%s:*", s.opt.Region, group)
	byVPN := map[string]*VpnConnection{}
	seen := map[string]bool{}
	for _, e := range files {
		id, ok := vpnlog.ParseStreamName(e.Name())
		if !ok || id.TunnelIP == "" || seen[id.VPNConnectionID+"_"+id.TunnelIP] {
			continue
		}
		seen[id.VPNConnectionID+"_"+id.TunnelIP] = true
		c := byVPN[id.VPNConnectionID]
		if c == nil {
			c = &VpnConnection{VpnConnectionId: id.VPNConnectionID, State: "available", Type: "ipsec.1", Category: "VPN", Options: &VpnOptions{}}
			byVPN[id.VPNConnectionID] = c
		}
		c.Options.TunnelOptions = append(c.Options.TunnelOptions, TunnelOption{OutsideIpAddress: id.TunnelIP, IkeVersions: []StringValue{{Value: "ikev2"}},
			LogOptions: &LogOptions{CloudWatchLogOptions: &CloudWatchLogOptions{LogEnabled: true, LogGroupArn: arn, LogOutputFormat: "json",
				BgpLogEnabled: true, BgpLogGroupArn: arn, BgpLogOutputFormat: "json"}}})
		c.VgwTelemetry = append(c.VgwTelemetry, VgwTelemetry{OutsideIpAddress: id.TunnelIP, Status: "UP"})
	}
	if len(byVPN) == 0 {
		return fmt.Errorf("fakeaws: no file in %s is named for a stream (<vpn-id>_<ip>-IKE.log)", dir)
	}
	ids := make([]string, 0, len(byVPN))
	for id := range byVPN {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		c := byVPN[id]
		sort.Slice(c.Options.TunnelOptions, func(a, b int) bool {
			return c.Options.TunnelOptions[a].OutsideIpAddress < c.Options.TunnelOptions[b].OutsideIpAddress
		})
		s.AddConnection(*c)
	}
	return nil
}
