// Package source holds where vpnlens gets its facts from: a VPN inventory
// (connections and tunnel options) and a log source (records of given
// streams in a time window). Implementations: a local directory of exported
// logs, the embedded demo data, and AWS (EC2 + CloudWatch Logs).
//
// A Feed (feed.go) is the live form of a source, what the watch engine
// reads: the records that are new at every poll, and the full records of a
// window on demand. LocalFeed tails a logs directory; the AWS source has its
// own (package source/aws); SourceFeed polls any LogSource; FeedFor picks.
package source

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// Connection is one Site-to-Site VPN connection as EC2 describes it.
type Connection struct {
	ID                string `json:"vpn_connection_id"`
	Name              string `json:"name,omitempty"` // the Name tag
	State             string `json:"state"`
	Type              string `json:"type,omitempty"`
	Category          string `json:"category,omitempty"`
	CustomerGatewayID string `json:"customer_gateway_id,omitempty"`
	VPNGatewayID      string `json:"vpn_gateway_id,omitempty"`
	TransitGatewayID  string `json:"transit_gateway_id,omitempty"`
	// A Cloud WAN attachment (instead of a VGW or TGW).
	CoreNetworkARN           string            `json:"core_network_arn,omitempty"`
	CoreNetworkAttachmentARN string            `json:"core_network_attachment_arn,omitempty"`
	StaticRoutesOnly         bool              `json:"static_routes_only"`
	LocalIPv4CIDR            string            `json:"local_ipv4_network_cidr,omitempty"`
	RemoteIPv4CIDR           string            `json:"remote_ipv4_network_cidr,omitempty"`
	OutsideIPType            string            `json:"outside_ip_address_type,omitempty"`
	Region                   string            `json:"region,omitempty"`
	AccountID                string            `json:"account_id,omitempty"` // the AWS account that owns it
	Tags                     map[string]string `json:"tags,omitempty"`
	Tunnels                  []Tunnel          `json:"tunnels"`
}

// Routing says "static" or "dynamic (BGP)".
func (c *Connection) Routing() string {
	if c.StaticRoutesOnly {
		return "static"
	}
	return "bgp"
}

// Gateway names what the connection is attached to on the AWS side: a
// virtual private gateway, a transit gateway, or a Cloud WAN core network
// (with the attachment).
func (c *Connection) Gateway() string {
	switch {
	case c.CoreNetworkARN != "" || c.CoreNetworkAttachmentARN != "":
		g := "Cloud WAN " + arnResource(c.CoreNetworkARN)
		if c.CoreNetworkAttachmentARN != "" {
			g += " (attachment " + arnResource(c.CoreNetworkAttachmentARN) + ")"
		}
		return strings.TrimSpace(g)
	case c.TransitGatewayID != "":
		return c.TransitGatewayID
	}
	return c.VPNGatewayID
}

// arnResource is the last part of an ARN's resource ("core-network-0abc"
// of "arn:aws:networkmanager::111122223333:core-network/core-network-0abc").
func arnResource(arn string) string {
	if i := strings.LastIndexAny(arn, "/:"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

// Tunnel is one of a connection's two tunnels. Number follows the order of
// Options.TunnelOptions; telemetry is paired by outside IP, never by position.
type Tunnel struct {
	Number     int           `json:"number"`
	OutsideIP  string        `json:"outside_ip"`
	InsideCIDR string        `json:"inside_cidr,omitempty"`
	InsideIPv6 string        `json:"inside_ipv6_cidr,omitempty"`
	Telemetry  *Telemetry    `json:"telemetry,omitempty"`
	Logging    LogSettings   `json:"logging"`
	Options    TunnelOptions `json:"options"`
}

// Telemetry is EC2's VgwTelemetry for a tunnel.
type Telemetry struct {
	Status             string    `json:"status"`
	StatusMessage      string    `json:"status_message,omitempty"`
	AcceptedRouteCount int       `json:"accepted_route_count"`
	LastStatusChange   time.Time `json:"last_status_change,omitzero"`
}

// LogSettings is where a tunnel's logs go: its CloudWatchLogOptions, where
// IKE (tunnel activity) and BGP logs are configured separately and may go to
// different log groups, or a CloudWatch Logs vended-log delivery whose
// source is the connection (to a log group, S3 or Firehose), which the
// options do not show. Enabled and LogGroup say what can be read from
// CloudWatch Logs; Path says how the logs are delivered, every way.
type LogSettings struct {
	IKEEnabled  bool   `json:"ike_enabled"`
	IKELogGroup string `json:"ike_log_group,omitempty"` // ARN as configured
	IKEFormat   string `json:"ike_format,omitempty"`    // json | text (delivery: json | plain)
	IKEPath     string `json:"ike_path,omitempty" jsonschema:"how the tunnel's IKE logs are delivered: its log options, or a log delivery to a log group, S3 or Firehose"`
	BGPEnabled  bool   `json:"bgp_enabled"`
	BGPLogGroup string `json:"bgp_log_group,omitempty"`
	BGPFormat   string `json:"bgp_format,omitempty"`
	BGPPath     string `json:"bgp_path,omitempty" jsonschema:"how the tunnel's BGP logs are delivered"`
	// Elsewhere names deliveries to destinations this source does not
	// read (S3, Firehose) and how to read them, per kind ("IKE", "BGP").
	Elsewhere map[string]string `json:"elsewhere,omitempty" jsonschema:"per log kind, a delivery vpnlens does not read from CloudWatch Logs (S3, Firehose) and how to read it"`
}

// TunnelOptions are the negotiated-policy settings of a tunnel.
type TunnelOptions struct {
	IKEVersions       []string `json:"ike_versions,omitempty"`
	Phase1Encryption  []string `json:"phase1_encryption_algorithms,omitempty"`
	Phase1Integrity   []string `json:"phase1_integrity_algorithms,omitempty"`
	Phase1DHGroups    []int    `json:"phase1_dh_group_numbers,omitempty"`
	Phase1LifetimeSec int      `json:"phase1_lifetime_seconds,omitempty"`
	Phase2Encryption  []string `json:"phase2_encryption_algorithms,omitempty"`
	Phase2Integrity   []string `json:"phase2_integrity_algorithms,omitempty"`
	Phase2DHGroups    []int    `json:"phase2_dh_group_numbers,omitempty"`
	Phase2LifetimeSec int      `json:"phase2_lifetime_seconds,omitempty"`
	DPDTimeoutSec     int      `json:"dpd_timeout_seconds,omitempty"`
	DPDTimeoutAction  string   `json:"dpd_timeout_action,omitempty"`
	StartupAction     string   `json:"startup_action,omitempty"`
	RekeyMarginSec    int      `json:"rekey_margin_time_seconds,omitempty"`
	RekeyFuzzPercent  int      `json:"rekey_fuzz_percentage,omitempty"`
	ReplayWindowSize  int      `json:"replay_window_size,omitempty"`
	LifecycleControl  bool     `json:"enable_tunnel_lifecycle_control"`
	PreSharedKeyIsSet bool     `json:"pre_shared_key_set"` // the key itself is never kept
}

// Inventory lists VPN connections.
type Inventory interface {
	Connections(ctx context.Context) ([]Connection, error)
}

// Gap is a part of a source that could not be read (an AWS account, or a
// region of one), named with the reason, so that an answer made of the
// other parts says what it is missing.
type Gap struct {
	AccountID string `json:"account_id,omitempty"`
	Region    string `json:"region,omitempty"`
	Cause     string `json:"cause"`   // e.g. AccessDenied, Timeout, RegionNotEnabled
	Message   string `json:"message"` // what happened and what to do about it
}

// Where names the part: "account 111122223333, region eu-west-1".
func (g *Gap) Where() string {
	switch {
	case g.AccountID != "" && g.Region != "":
		return "account " + g.AccountID + ", region " + g.Region
	case g.AccountID != "":
		return "account " + g.AccountID
	case g.Region != "":
		return "region " + g.Region
	}
	return "part of the source"
}

// Note is the gap as one line of an answer's notes.
func (g *Gap) Note() string {
	return "INCOMPLETE: " + g.Where() + " could not be read (" + g.Cause + "): " + g.Message
}

// PartialInventory is an inventory made of parts (AWS accounts and
// regions) some of which may not answer: it lists the connections of the
// parts that did and names the others, instead of failing.
type PartialInventory interface {
	Inventory
	ConnectionsPartial(ctx context.Context) ([]Connection, []Gap, error)
}

// RegionalInventory is an inventory spread over regions (AWS) that can
// list one region's connections, reading a region it was not configured
// with when a question names it.
type RegionalInventory interface {
	RegionConnections(ctx context.Context, region string) ([]Connection, []Gap, error)
}

// LogQuery asks for the records of some streams of one connection.
type LogQuery struct {
	VPNConnectionID string
	TunnelIPs       []string            // empty = every tunnel
	Kinds           []vpnlog.StreamKind // empty = IKE and BGP
	Start, End      time.Time           // [Start, End)
	AnomaliesOnly   bool                // the source may filter server-side
	// CountLiveness asks for the liveness exchange (vpnlog.IsLiveness) to
	// be counted per stream and hour in LogResult.Liveness instead of
	// returned as events: most of a healthy tunnel's log, and nothing an
	// answer lists one by one. Ignored with AnomaliesOnly (the exchange is
	// never trouble, so it is neither returned nor counted then).
	CountLiveness bool
}

// Wants reports whether the stream id is one the query asks for.
func (q *LogQuery) Wants(id vpnlog.StreamID) bool {
	if id.VPNConnectionID != q.VPNConnectionID {
		return false
	}
	return (len(q.TunnelIPs) == 0 || slices.Contains(q.TunnelIPs, id.TunnelIP)) &&
		(len(q.Kinds) == 0 || slices.Contains(q.Kinds, id.Kind))
}

// LogResult is what a log source returns: classified events in time order
// plus a report of what was read (malformed records are counted there, never
// dropped silently) and how the fetch was done.
type LogResult struct {
	Events []vpnlog.Event
	Report vpnlog.Report
	Path   string // how the records were obtained, e.g. "local files", "FilterLogEvents", "Logs Insights"
	Notes  []string
	// Liveness counts the liveness exchange when the query asked
	// (CountLiveness): one entry per stream and UTC hour that has any, in
	// stream then time order. Those records are not in Events.
	Liveness []LivenessCount
}

// Extent is the time range a stream has data for.
type Extent struct {
	Stream vpnlog.StreamID
	First  time.Time
	Last   time.Time
	Count  int64
}

// LogSource answers "records of these streams in this window".
type LogSource interface {
	Logs(ctx context.Context, q LogQuery) (*LogResult, error)
	// Extents tells which streams of a connection have data and for which
	// times, so tools can resolve "HH:MM" and say "logs exist from X to Y".
	Extents(ctx context.Context, vpnConnectionID string) ([]Extent, error)
}

// ErrNotFound is wrapped by errors about unknown connections or tunnels.
var ErrNotFound = errors.New("not found")

// NotFoundError builds an ErrNotFound-wrapping error.
func NotFoundError(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrNotFound, fmt.Sprintf(format, a...))
}

// Error is a failure of a source that the user can act on: the message names
// the cause (missing IAM action, logging disabled on a tunnel, throttling,
// an unreadable directory) and what to do about it.
type Error struct {
	Op    string // what was being done, e.g. "FilterLogEvents"
	Cause string // the short cause, e.g. "AccessDenied"
	Msg   string // full advice for the user
	Err   error
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// AnomalyCount is the number of anomalies of one category on one stream in
// one hour.
type AnomalyCount struct {
	VPNConnectionID string           `json:"vpn_connection_id"`
	TunnelIP        string           `json:"tunnel_ip"`
	Stream          string           `json:"stream"` // IKE | BGP
	Category        catalog.Category `json:"category"`
	Hour            time.Time        `json:"hour"` // start of the hour, UTC
	Count           int64            `json:"count"`
}

// AnomalyCounts is an AnomalyCounter's answer.
type AnomalyCounts struct {
	Rows  []AnomalyCount `json:"rows"`
	Path  string         `json:"path"`  // how they were counted, e.g. "CloudWatch Logs Insights"
	Calls int            `json:"calls"` // API calls made for it
	Notes []string       `json:"notes,omitempty"`
}

// AnomalyCounter is a log source that can count anomalies per tunnel,
// category and hour without returning raw records (AWS pushes the counting
// into Logs Insights). Empty vpnIDs means every connection.
type AnomalyCounter interface {
	AnomalyCounts(ctx context.Context, vpnIDs []string, start, end time.Time) (*AnomalyCounts, error)
}

// Progress receives the progress of a long read: done steps of total (0 =
// not known yet) and what is being done. The MCP layer turns it into
// notifications/progress when the client asked for them; it must not block.
type Progress func(done, total int, message string)

type progressKey struct{}

// WithProgress returns a context whose long reads report to p.
func WithProgress(ctx context.Context, p Progress) context.Context {
	if p == nil {
		return ctx
	}
	return context.WithValue(ctx, progressKey{}, p)
}

// ReportProgress tells the context's Progress, if any, that done of total
// steps are finished. Sources call it per page, stream or query poll; with
// no Progress in ctx it does nothing.
func ReportProgress(ctx context.Context, done, total int, message string) {
	if p, ok := ctx.Value(progressKey{}).(Progress); ok {
		p(done, total, message)
	}
}

// HasProgress reports whether ctx carries a Progress, so a source can skip
// building messages nobody reads.
func HasProgress(ctx context.Context) bool {
	_, ok := ctx.Value(progressKey{}).(Progress)
	return ok
}
