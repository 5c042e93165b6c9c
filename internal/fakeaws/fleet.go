package fakeaws

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vpnlens/vpnlens/vpnlog"
)

// FleetGroup is the log group synthetic fleet connections log to.
const FleetGroup = "/aws/vendedlogs/vpn/fleet"

// AddFleet synthesises n connections that each replay the records of the
// loaded connection template (its IKE and BGP streams, one day of them) for
// days days. Fleet streams share the template's events, so a month of a
// large fleet costs no more memory than the template day. It returns the
// new connection ids. The records keep the template's resource_id: queries
// tell streams apart by stream name, as vpnlens does.
func (s *Server) AddFleet(template string, n, days int) ([]string, error) {
	return s.AddFleetFrom(s, template, 0, n, days)
}

// AddFleetFrom is AddFleet with the template read from src (another fake,
// or s itself) and the connections numbered from first on, so that the
// members of an Estate get fleets with ids (and tunnel IPs) of their own.
func (s *Server) AddFleetFrom(src *Server, template string, first, n, days int) ([]string, error) {
	type tmpl struct {
		id vpnlog.StreamID
		st *logStream
	}
	var ts []tmpl
	src.mu.Lock()
	for _, g := range src.groups {
		for name, st := range g.streams {
			if id, ok := vpnlog.ParseStreamName(name); ok && id.VPNConnectionID == template && id.TunnelIP != "" && len(st.events) > 0 {
				ts = append(ts, tmpl{id, st})
			}
		}
	}
	src.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(ts) == 0 {
		return nil, fmt.Errorf("fakeaws: no streams of %s to replay", template)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].st.name < ts[j].st.name })
	const day = 24 * 3600 * 1000
	for _, t := range ts {
		if t.st.events[len(t.st.events)-1].ts-t.st.events[0].ts >= day {
			return nil, fmt.Errorf("fakeaws: template stream %s spans more than a day", t.st.name)
		}
	}
	g := s.group(FleetGroup)
	var ids []string
	for i := first; i < first+n; i++ {
		vpn := fmt.Sprintf("vpn-f1ee7%012x", i)
		ids = append(ids, vpn)
		ips := map[string]string{}
		c := VpnConnection{VpnConnectionId: vpn, State: "available", Type: "ipsec.1", Category: "VPN",
			CustomerGatewayId: fmt.Sprintf("cgw-f1ee7%012x", i), VpnGatewayId: "vgw-0f1ee7000000000001",
			Tags: []Tag{{Key: "Name", Value: fmt.Sprintf("fleet-%03d", i)}}, Options: &VpnOptions{TunnelInsideIpVersion: "ipv4"}}
		for _, t := range ts {
			ip, ok := ips[t.id.TunnelIP]
			if !ok {
				ip = fmt.Sprintf("198.18.%d.%d", i/100, (i%100)*2+len(ips)+1)
				ips[t.id.TunnelIP] = ip
				arn := fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s:*", s.opt.Region, s.opt.Account, FleetGroup)
				c.Options.TunnelOptions = append(c.Options.TunnelOptions, TunnelOption{OutsideIpAddress: ip,
					IkeVersions: []StringValue{{Value: "ikev2"}},
					LogOptions: &LogOptions{CloudWatchLogOptions: &CloudWatchLogOptions{LogEnabled: true, LogGroupArn: arn, LogOutputFormat: "json",
						BgpLogEnabled: true, BgpLogGroupArn: arn, BgpLogOutputFormat: "json"}}})
				c.VgwTelemetry = append(c.VgwTelemetry, VgwTelemetry{OutsideIpAddress: ip, Status: "UP", AcceptedRouteCount: 12})
			}
			name := strings.Replace(t.st.name, t.id.VPNConnectionID+"_"+t.id.TunnelIP, vpn+"_"+ip, 1)
			g.streams[name] = &logStream{name: name, events: t.st.events, repeat: days, period: day, created: t.st.created}
		}
		sort.Slice(c.Options.TunnelOptions, func(a, b int) bool {
			return c.Options.TunnelOptions[a].OutsideIpAddress < c.Options.TunnelOptions[b].OutsideIpAddress
		})
		s.conns = append(s.conns, c)
	}
	return ids, nil
}
