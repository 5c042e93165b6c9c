package fakeaws

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// The EC2 shapes DescribeVpnConnections returns. JSON decoding matches the
// PascalCase keys of `aws ec2 describe-vpn-connections` output to the field
// names (encoding/json ignores case); the XML tags are the ec2 query
// protocol's element names.
type VpnConnection struct {
	VpnConnectionId   string `xml:"vpnConnectionId"`
	State             string `xml:"state"`
	CustomerGatewayId string `xml:"customerGatewayId,omitempty"`
	VpnGatewayId      string `xml:"vpnGatewayId,omitempty"`
	TransitGatewayId  string `xml:"transitGatewayId,omitempty"`
	// A Cloud WAN attachment: the core network and the attachment.
	CoreNetworkArn           string           `xml:"coreNetworkArn,omitempty"`
	CoreNetworkAttachmentArn string           `xml:"coreNetworkAttachmentArn,omitempty"`
	Type                     string           `xml:"type,omitempty"`
	Category                 string           `xml:"category,omitempty"`
	Options                  *VpnOptions      `xml:"options,omitempty"`
	Routes                   []VpnStaticRoute `xml:"routes>item,omitempty"`
	Tags                     []Tag            `xml:"tagSet>item,omitempty"`
	VgwTelemetry             []VgwTelemetry   `xml:"vgwTelemetry>item,omitempty"`
}

type VpnStaticRoute struct {
	DestinationCidrBlock string `xml:"destinationCidrBlock"`
	Source               string `xml:"source,omitempty"`
	State                string `xml:"state,omitempty"`
}

type Tag struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

type VpnOptions struct {
	EnableAcceleration    bool           `xml:"enableAcceleration"`
	StaticRoutesOnly      bool           `xml:"staticRoutesOnly"`
	LocalIpv4NetworkCidr  string         `xml:"localIpv4NetworkCidr,omitempty"`
	RemoteIpv4NetworkCidr string         `xml:"remoteIpv4NetworkCidr,omitempty"`
	OutsideIpAddressType  string         `xml:"outsideIpAddressType,omitempty"`
	TunnelInsideIpVersion string         `xml:"tunnelInsideIpVersion,omitempty"`
	TunnelOptions         []TunnelOption `xml:"tunnelOptionSet>item"`
}

type StringValue struct {
	Value string `xml:"value"`
}

type IntValue struct {
	Value int `xml:"value"`
}

type TunnelOption struct {
	OutsideIpAddress             string        `xml:"outsideIpAddress"`
	TunnelInsideCidr             string        `xml:"tunnelInsideCidr,omitempty"`
	TunnelInsideIpv6Cidr         string        `xml:"tunnelInsideIpv6Cidr,omitempty"`
	PreSharedKey                 string        `xml:"preSharedKey,omitempty"`
	Phase1LifetimeSeconds        int           `xml:"phase1LifetimeSeconds,omitempty"`
	Phase2LifetimeSeconds        int           `xml:"phase2LifetimeSeconds,omitempty"`
	RekeyMarginTimeSeconds       int           `xml:"rekeyMarginTimeSeconds,omitempty"`
	RekeyFuzzPercentage          int           `xml:"rekeyFuzzPercentage,omitempty"`
	ReplayWindowSize             int           `xml:"replayWindowSize,omitempty"`
	DpdTimeoutSeconds            int           `xml:"dpdTimeoutSeconds,omitempty"`
	DpdTimeoutAction             string        `xml:"dpdTimeoutAction,omitempty"`
	StartupAction                string        `xml:"startupAction,omitempty"`
	EnableTunnelLifecycleControl bool          `xml:"enableTunnelLifecycleControl"`
	Phase1EncryptionAlgorithms   []StringValue `xml:"phase1EncryptionAlgorithmSet>item,omitempty"`
	Phase2EncryptionAlgorithms   []StringValue `xml:"phase2EncryptionAlgorithmSet>item,omitempty"`
	Phase1IntegrityAlgorithms    []StringValue `xml:"phase1IntegrityAlgorithmSet>item,omitempty"`
	Phase2IntegrityAlgorithms    []StringValue `xml:"phase2IntegrityAlgorithmSet>item,omitempty"`
	Phase1DHGroupNumbers         []IntValue    `xml:"phase1DHGroupNumberSet>item,omitempty"`
	Phase2DHGroupNumbers         []IntValue    `xml:"phase2DHGroupNumberSet>item,omitempty"`
	IkeVersions                  []StringValue `xml:"ikeVersionSet>item,omitempty"`
	LogOptions                   *LogOptions   `xml:"logOptions,omitempty"`
}

type LogOptions struct {
	CloudWatchLogOptions *CloudWatchLogOptions `xml:"cloudWatchLogOptions,omitempty"`
}

type CloudWatchLogOptions struct {
	LogEnabled         bool   `xml:"logEnabled"`
	LogGroupArn        string `xml:"logGroupArn,omitempty"`
	LogOutputFormat    string `xml:"logOutputFormat,omitempty"`
	BgpLogEnabled      bool   `xml:"bgpLogEnabled"`
	BgpLogGroupArn     string `xml:"bgpLogGroupArn,omitempty"`
	BgpLogOutputFormat string `xml:"bgpLogOutputFormat,omitempty"`
}

type VgwTelemetry struct {
	AcceptedRouteCount int    `xml:"acceptedRouteCount"`
	LastStatusChange   string `xml:"lastStatusChange,omitempty"`
	OutsideIpAddress   string `xml:"outsideIpAddress"`
	Status             string `xml:"status"`
	StatusMessage      string `xml:"statusMessage,omitempty"`
}

// LoadInventoryJSON replaces the inventory with the output of `aws ec2
// describe-vpn-connections`.
func (s *Server) LoadInventoryJSON(b []byte) error {
	var out struct{ VpnConnections []VpnConnection }
	if err := json.Unmarshal(b, &out); err != nil {
		return fmt.Errorf("fakeaws: inventory: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns = out.VpnConnections
	return nil
}

// AddConnection adds one connection to the inventory.
func (s *Server) AddConnection(c VpnConnection) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns = append(s.conns, c)
}

type describeVpnConnectionsResponse struct {
	XMLName     xml.Name        `xml:"DescribeVpnConnectionsResponse"`
	Xmlns       string          `xml:"xmlns,attr"`
	RequestID   string          `xml:"requestId"`
	Connections []VpnConnection `xml:"vpnConnectionSet>item"`
}

type ec2ErrorResponse struct {
	XMLName   xml.Name `xml:"Response"`
	Code      string   `xml:"Errors>Error>Code"`
	Message   string   `xml:"Errors>Error>Message"`
	RequestID string   `xml:"RequestID"`
}

func (s *Server) serveEC2(ctx context.Context, w http.ResponseWriter, form url.Values) {
	op := form.Get("Action")
	e, sp := s.admit(ctx, op, Call{})
	if e != nil {
		writeEC2Error(w, e)
		return
	}
	if ctx.Err() != nil {
		return // the client gave up waiting
	}
	switch op {
	case "DescribeVpnConnections":
		resp, e := s.describeVpnConnections(form)
		if e != nil {
			writeEC2Error(w, e)
			return
		}
		body, _ := xml.Marshal(resp)
		writeSpoiled(w, "text/xml;charset=UTF-8", append([]byte(xml.Header), body...), sp)
	case "DescribeRegions":
		writeXML(w, describeRegions(map[string]string{s.opt.Region: OptInNotRequired}, form), sp)
	case "GetVpnTunnelReplacementStatus":
		resp, e := s.getVpnTunnelReplacementStatus(form)
		if e != nil {
			writeEC2Error(w, e)
			return
		}
		writeXML(w, resp, sp)
	case "GetActiveVpnTunnelStatus":
		resp, e := s.getActiveVpnTunnelStatus(form)
		if e != nil {
			writeEC2Error(w, e)
			return
		}
		writeXML(w, resp, sp)
	default:
		writeEC2Error(w, errorf(400, "InvalidAction", "The action %s is not valid for this web service.", op))
	}
}

func writeEC2Error(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(e.status)
	w.Write([]byte(xml.Header))
	xml.NewEncoder(w).Encode(ec2ErrorResponse{Code: e.code, Message: e.message, RequestID: "fake-request"})
}

// describeVpnConnections honours VpnConnectionId.N (an unknown id is
// InvalidVpnConnectionID.NotFound, as in EC2) and the filters
// vpn-connection-id and state.
func (s *Server) describeVpnConnections(form url.Values) (*describeVpnConnectionsResponse, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	filters := map[string][]string{}
	for k, v := range form {
		switch {
		case strings.HasPrefix(k, "VpnConnectionId."):
			ids = append(ids, v...)
		case strings.HasPrefix(k, "Filter.") && strings.HasSuffix(k, ".Name"):
			n := strings.TrimSuffix(k, ".Name")
			for vk, vv := range form {
				if strings.HasPrefix(vk, n+".Value.") {
					filters[v[0]] = append(filters[v[0]], vv...)
				}
			}
		}
	}
	byID := map[string]VpnConnection{}
	for _, c := range s.conns {
		byID[c.VpnConnectionId] = c
	}
	for _, id := range ids {
		if _, ok := byID[id]; !ok {
			return nil, errorf(400, "InvalidVpnConnectionID.NotFound", "The vpnConnection ID '%s' does not exist", id)
		}
	}
	resp := &describeVpnConnectionsResponse{Xmlns: "http://ec2.amazonaws.com/doc/2016-11-15/", RequestID: "fake-request", Connections: []VpnConnection{}}
	for _, c := range s.conns {
		if len(ids) > 0 && !contains(ids, c.VpnConnectionId) {
			continue
		}
		if v, ok := filters["vpn-connection-id"]; ok && !contains(v, c.VpnConnectionId) {
			continue
		}
		if v, ok := filters["state"]; ok && !contains(v, c.State) {
			continue
		}
		resp.Connections = append(resp.Connections, c)
	}
	return resp, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Opt-in statuses of a region, as DescribeRegions reports them.
const (
	OptInNotRequired = "opt-in-not-required"
	OptedIn          = "opted-in"
	NotOptedIn       = "not-opted-in"
)

type regionInfo struct {
	RegionName     string `xml:"regionName"`
	RegionEndpoint string `xml:"regionEndpoint"`
	OptInStatus    string `xml:"optInStatus"`
}

type describeRegionsResponse struct {
	XMLName   xml.Name     `xml:"DescribeRegionsResponse"`
	Xmlns     string       `xml:"xmlns,attr"`
	RequestID string       `xml:"requestId"`
	Regions   []regionInfo `xml:"regionInfo>item"`
}

// describeRegions answers DescribeRegions over regions (name to opt-in
// status): the enabled ones, or with AllRegions=true every one; RegionName.N
// and the opt-in-status filter narrow it, as in EC2.
func describeRegions(regions map[string]string, form url.Values) *describeRegionsResponse {
	all := strings.EqualFold(form.Get("AllRegions"), "true")
	var names, statuses []string
	for k, v := range form {
		switch {
		case strings.HasPrefix(k, "RegionName."):
			names = append(names, v...)
		case strings.HasPrefix(k, "Filter.") && strings.HasSuffix(k, ".Name") && len(v) > 0 && v[0] == "opt-in-status":
			n := strings.TrimSuffix(k, ".Name")
			for vk, vv := range form {
				if strings.HasPrefix(vk, n+".Value.") {
					statuses = append(statuses, vv...)
				}
			}
		}
	}
	resp := &describeRegionsResponse{Xmlns: "http://ec2.amazonaws.com/doc/2016-11-15/", RequestID: "fake-request", Regions: []regionInfo{}}
	for _, name := range sortedKeys(regions) {
		st := regions[name]
		if !all && st == NotOptedIn || len(names) > 0 && !contains(names, name) || len(statuses) > 0 && !contains(statuses, st) {
			continue
		}
		resp.Regions = append(resp.Regions, regionInfo{RegionName: name, RegionEndpoint: "ec2." + name + ".amazonaws.com", OptInStatus: st})
	}
	return resp
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
