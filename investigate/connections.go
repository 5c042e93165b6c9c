package investigate

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/vpnlens/vpnlens/source"
)

// ListVPNConnectionsResult is the answer of list_vpn_connections.
type ListVPNConnectionsResult struct {
	Connections []ConnectionView `json:"connections"`
	// Places counts the connections per account and region when there
	// are several; the connections are grouped in that order.
	Places []PlaceCount `json:"places,omitempty"`
	// Missing names the accounts and regions that could not be read.
	Missing []MissingPart `json:"missing,omitempty"`
	Hints   []string      `json:"hints,omitempty"`
}

// MissingPart is an AWS account, or a region of one, whose connections
// could not be read, and why.
type MissingPart struct {
	Place
	Cause   string `json:"cause" jsonschema:"e.g. AccessDenied, Timeout, RegionNotEnabled"`
	Message string `json:"message" jsonschema:"what happened and what to do about it"`
}

// PlaceCount is how many connections one account and region has.
type PlaceCount struct {
	Place
	Connections int `json:"connections"`
}

// ConnectionView is a connection with its tunnels as an engineer scans them.
type ConnectionView struct {
	ID string `json:"vpn_connection_id"`
	Place
	Name            string       `json:"name,omitempty"`
	State           string       `json:"state"`
	Gateway         string       `json:"gateway,omitempty" jsonschema:"what the connection is attached to on the AWS side: a virtual private gateway id, a transit gateway id, or a Cloud WAN core network with its attachment"`
	CustomerGateway string       `json:"customer_gateway_id,omitempty"`
	Routing         string       `json:"routing" jsonschema:"bgp or static"`
	Tunnels         []TunnelView `json:"tunnels"`
}

// TunnelView is one tunnel's identity, telemetry and log settings.
type TunnelView struct {
	Number           int    `json:"number"`
	OutsideIP        string `json:"outside_ip"`
	InsideCIDR       string `json:"inside_cidr,omitempty"`
	Status           string `json:"status,omitempty" jsonschema:"EC2 telemetry: UP or DOWN"`
	StatusMessage    string `json:"status_message,omitempty"`
	AcceptedRoutes   int    `json:"accepted_routes"`
	LastStatusChange string `json:"last_status_change,omitempty"`
	IKELogEnabled    bool   `json:"ike_log_enabled"`
	IKELogGroup      string `json:"ike_log_group,omitempty"`
	IKELogFormat     string `json:"ike_log_format,omitempty"`
	BGPLogEnabled    bool   `json:"bgp_log_enabled"`
	BGPLogGroup      string `json:"bgp_log_group,omitempty"`
	BGPLogFormat     string `json:"bgp_log_format,omitempty"`
	LoggingWarning   string `json:"logging_warning,omitempty"`
}

// enableLoggingHint tells how to turn tunnel logging on, one tunnel at a
// time because changing tunnel options renegotiates that tunnel.
func enableLoggingHint(vpn, ip string) string {
	return fmt.Sprintf("enable with `aws ec2 modify-vpn-tunnel-options --vpn-connection-id %s --vpn-tunnel-outside-ip-address %s --tunnel-options '{\"LogOptions\":{\"CloudWatchLogOptions\":{\"LogEnabled\":true,\"LogGroupArn\":\"<log group ARN>\",\"LogOutputFormat\":\"json\",\"BgpLogEnabled\":true,\"BgpLogGroupArn\":\"<log group ARN>\",\"BgpLogOutputFormat\":\"json\"}}}'` — one tunnel at a time: the change renegotiates that tunnel", vpn, ip)
}

func connectionView(c *source.Connection) ConnectionView {
	v := ConnectionView{ID: c.ID, Place: PlaceOf(c), Name: c.Name, State: c.State, Gateway: c.Gateway(), CustomerGateway: c.CustomerGatewayID, Routing: c.Routing()}
	for _, t := range c.Tunnels {
		tv := TunnelView{Number: t.Number, OutsideIP: t.OutsideIP, InsideCIDR: t.InsideCIDR,
			IKELogEnabled: t.Logging.IKEEnabled, IKELogGroup: t.Logging.IKELogGroup, IKELogFormat: t.Logging.IKEFormat,
			BGPLogEnabled: t.Logging.BGPEnabled, BGPLogGroup: t.Logging.BGPLogGroup, BGPLogFormat: t.Logging.BGPFormat}
		if tm := t.Telemetry; tm != nil {
			tv.Status, tv.StatusMessage, tv.AcceptedRoutes = tm.Status, tm.StatusMessage, tm.AcceptedRouteCount
			if !tm.LastStatusChange.IsZero() {
				tv.LastStatusChange = tm.LastStatusChange.UTC().Format("2006-01-02T15:04:05Z")
			}
		}
		var off, elsewhere []string
		switch {
		case t.Logging.IKEEnabled:
		case t.Logging.Elsewhere["IKE"] != "":
			elsewhere = append(elsewhere, "IKE logs: "+t.Logging.Elsewhere["IKE"])
		default:
			off = append(off, "IKE (tunnel activity)")
		}
		switch {
		case t.Logging.BGPEnabled || c.StaticRoutesOnly:
		case t.Logging.Elsewhere["BGP"] != "":
			elsewhere = append(elsewhere, "BGP logs: "+t.Logging.Elsewhere["BGP"])
		default:
			off = append(off, "BGP")
		}
		if len(elsewhere) > 0 {
			tv.LoggingWarning = fmt.Sprintf("tunnel %d (%s) logs to no log group for: %s", t.Number, t.OutsideIP, strings.Join(elsewhere, "; "))
		}
		if len(off) > 0 {
			if tv.LoggingWarning != "" {
				tv.LoggingWarning += "; "
			}
			tv.LoggingWarning += fmt.Sprintf("%s logging is disabled on tunnel %d (%s): nothing there can be diagnosed; %s",
				strings.Join(off, " and "), t.Number, t.OutsideIP, enableLoggingHint(c.ID, t.OutsideIP))
		}
		v.Tunnels = append(v.Tunnels, tv)
	}
	return v
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// ListConnections lists one connection (conn) or every connection the
// inventory knows (conn nil).
func (svc *Service) ListConnections(ctx context.Context, conn *source.Connection) (ListVPNConnectionsResult, error) {
	return svc.ListConnectionsIn(ctx, conn, "")
}

// ListConnectionsIn lists one connection (conn), or every connection of a
// region ("" = every region), grouped by account and region, with the
// accounts and regions that could not be read named.
func (svc *Service) ListConnectionsIn(ctx context.Context, conn *source.Connection, region string) (ListVPNConnectionsResult, error) {
	var res ListVPNConnectionsResult
	if conn != nil {
		res.Connections = append(res.Connections, connectionView(conn))
	} else {
		conns, gaps, err := svc.ConnectionsIn(ctx, region)
		if err != nil {
			return res, err
		}
		// Grouped by account and region, in the inventory's order within.
		sort.SliceStable(conns, func(i, j int) bool {
			a, b := &conns[i], &conns[j]
			if a.AccountID != b.AccountID {
				return a.AccountID < b.AccountID
			}
			return a.Region < b.Region
		})
		for i := range conns {
			res.Connections = append(res.Connections, connectionView(&conns[i]))
			p := PlaceOf(&conns[i])
			if n := len(res.Places); n > 0 && res.Places[n-1].Place == p {
				res.Places[n-1].Connections++
			} else {
				res.Places = append(res.Places, PlaceCount{Place: p, Connections: 1})
			}
		}
		if len(res.Places) < 2 {
			res.Places = nil
		}
		for _, g := range gaps {
			res.Missing = append(res.Missing, MissingPart{Place: Place{AccountID: g.AccountID, Region: g.Region}, Cause: g.Cause, Message: g.Message})
			res.Hints = append(res.Hints, g.Note())
		}
	}
	res.Connections = nonNil(res.Connections)
	if len(res.Connections) == 0 {
		res.Hints = append(res.Hints, "no VPN connections found: with AWS check --region/--profile; with --logs-dir check that the directory holds exported logs or vpn-connections.json")
	}
	return res, nil
}
