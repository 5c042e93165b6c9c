package source

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/vpnlens/vpnlens/vpnlog"
)

// What changed: the CloudTrail write events on a connection, its customer
// gateway and its virtual private or transit gateway. A change of tunnel
// options renegotiates the tunnel, which the logs show as a teardown from
// the AWS side with no reason; the event says who did it and what.

// ChangesFileName is the optional file of a logs folder holding CloudTrail
// events, in the shape of `aws cloudtrail lookup-events` output.
const ChangesFileName = vpnlog.CloudTrailEventsFile

// CloudTrailDelay is how long CloudTrail may take to deliver an event
// (typically within 5 minutes, at worst about 15): a question about the
// last minutes may not see a change made in them yet.
const CloudTrailDelay = 15 * time.Minute

// VPNChangeEvents are the write events that change a VPN connection, its
// tunnels, routes or gateways.
var VPNChangeEvents = []string{
	"ModifyVpnTunnelOptions", "ModifyVpnConnection", "ModifyVpnConnectionOptions", "ModifyVpnTunnelCertificate",
	"ReplaceVpnTunnel", "CreateVpnConnectionRoute", "DeleteVpnConnectionRoute", "DeleteVpnConnection",
	"CreateVpnConnection", "DeleteCustomerGateway", "AttachVpnGateway", "DetachVpnGateway", "DeleteVpnGateway",
	"EnableVgwRoutePropagation", "DisableVgwRoutePropagation", "ModifyTransitGateway",
	"ModifyTransitGatewayVpcAttachment", "DeleteTransitGatewayRoute", "CreateTransitGatewayRoute",
	"ReplaceTransitGatewayRoute", "DisableTransitGatewayRouteTablePropagation", "EnableTransitGatewayRouteTablePropagation",
}

// ChangeQuery asks for the changes to some resources in a window.
type ChangeQuery struct {
	VPNConnectionID string
	// ResourceIDs are the resources whose events are looked up: the
	// connection, its customer gateway and its VGW or TGW.
	ResourceIDs []string
	Start, End  time.Time
}

// Change is one write event.
type Change struct {
	At        time.Time
	EventName string
	EventID   string
	User      string // who: the user name, or the role session
	SourceIP  string
	// Resources are the resource ids the event names.
	Resources []string
	// TunnelIP is the tunnel outside IP the event targets, when it names
	// one (ModifyVpnTunnelOptions, ReplaceVpnTunnel, ...).
	TunnelIP string
	// Params are the request parameters with secrets (pre-shared keys,
	// private keys) removed.
	Params map[string]any
	// Error is the event's error code when the call failed (nothing changed).
	Error string
}

// ChangesResult is a ChangeHistory answer.
type ChangesResult struct {
	Changes []Change
	Path    string // how they were read: "CloudTrail LookupEvents" or the file
	Notes   []string
	Calls   int // API calls made for it
}

// ChangeHistory answers "what was changed on these resources in this
// window?".
type ChangeHistory interface {
	Changes(ctx context.Context, q ChangeQuery) (*ChangesResult, error)
}

// LookupEventsOutput is the shape of LookupEvents output (and of
// cloudtrail-events.json): events with the full record as a JSON string.
type LookupEventsOutput struct {
	Events []LookupEvent `json:"Events"`
}

// LookupEvent is one event of LookupEventsOutput.
type LookupEvent struct {
	EventID         string          `json:"EventId"`
	EventName       string          `json:"EventName"`
	EventTime       json.RawMessage `json:"EventTime"` // ISO 8601 (the CLI) or epoch seconds (the API)
	Username        string          `json:"Username,omitempty"`
	ReadOnly        string          `json:"ReadOnly,omitempty"`
	Resources       []EventResource `json:"Resources,omitempty"`
	CloudTrailEvent string          `json:"CloudTrailEvent"`
}

// EventResource is a resource an event names.
type EventResource struct {
	ResourceType string `json:"ResourceType,omitempty"`
	ResourceName string `json:"ResourceName"`
}

// secretKey matches request parameters never shown: keys and secrets.
var secretKey = regexp.MustCompile(`(?i)(presharedkey|secret|password|privatekey|passphrase)`)

// redact removes secret parameters, at any depth.
func redact(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			if secretKey.MatchString(k) {
				out[k] = "(removed)"
				continue
			}
			out[k] = redact(val)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = redact(x[i])
		}
		return out
	}
	return v
}

// ParseEventTime reads an EventTime: ISO 8601 or epoch seconds.
func ParseEventTime(raw json.RawMessage) (time.Time, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return time.Parse(time.RFC3339, s)
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil {
		return time.Time{}, fmt.Errorf("EventTime %s is neither ISO 8601 nor epoch seconds", raw)
	}
	sec, frac := int64(f), f-float64(int64(f))
	return time.Unix(sec, int64(frac*1e9)).UTC(), nil
}

// ChangeOf turns one event into a Change (ok false for events that are
// not VPN changes or are read-only).
func ChangeOf(e *LookupEvent) (Change, bool, error) {
	if !slices.Contains(VPNChangeEvents, e.EventName) || strings.EqualFold(e.ReadOnly, "true") {
		return Change{}, false, nil
	}
	at, err := ParseEventTime(e.EventTime)
	if err != nil {
		return Change{}, false, fmt.Errorf("event %s: %v", e.EventID, err)
	}
	c := Change{At: at.UTC(), EventName: e.EventName, EventID: e.EventID, User: e.Username}
	for _, r := range e.Resources {
		c.Resources = append(c.Resources, r.ResourceName)
	}
	var rec struct {
		SourceIPAddress string         `json:"sourceIPAddress"`
		ErrorCode       string         `json:"errorCode"`
		RequestParams   map[string]any `json:"requestParameters"`
		UserIdentity    struct {
			ARN string `json:"arn"`
		} `json:"userIdentity"`
	}
	if e.CloudTrailEvent != "" {
		if err := json.Unmarshal([]byte(e.CloudTrailEvent), &rec); err != nil {
			return Change{}, false, fmt.Errorf("event %s: CloudTrailEvent is not JSON: %v", e.EventID, err)
		}
	}
	c.SourceIP, c.Error = rec.SourceIPAddress, rec.ErrorCode
	if c.User == "" {
		c.User = rec.UserIdentity.ARN
	}
	if rec.RequestParams != nil {
		c.Params, _ = redact(rec.RequestParams).(map[string]any)
		for _, k := range []string{"vpnTunnelOutsideIpAddress", "VpnTunnelOutsideIpAddress"} {
			if ip, ok := c.Params[k].(string); ok {
				c.TunnelIP = ip
			}
		}
		for _, k := range []string{"vpnConnectionId", "VpnConnectionId", "customerGatewayId", "vpnGatewayId", "transitGatewayId"} {
			if id, ok := c.Params[k].(string); ok && !slices.Contains(c.Resources, id) {
				c.Resources = append(c.Resources, id)
			}
		}
	}
	return c, true, nil
}

// ParseChangesFile reads a cloudtrail-events.json, naming what is wrong.
func ParseChangesFile(name string, b []byte) ([]Change, error) {
	var out LookupEventsOutput
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("%s: not LookupEvents output: %v", name, err)
	}
	var changes []Change
	for i := range out.Events {
		c, ok, err := ChangeOf(&out.Events[i])
		if err != nil {
			return nil, fmt.Errorf("%s: Events[%d]: %v", name, i, err)
		}
		if ok {
			changes = append(changes, c)
		}
	}
	SortChanges(changes)
	return changes, nil
}

// SortChanges puts changes in time order (event id breaks ties).
func SortChanges(cs []Change) {
	slices.SortFunc(cs, func(a, b Change) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.EventID, b.EventID)
	})
}

// FilterChanges keeps the changes of q's resources in its window.
func FilterChanges(all []Change, q ChangeQuery) []Change {
	var out []Change
	for _, c := range all {
		if c.At.Before(q.Start) || !c.At.Before(q.End) {
			continue
		}
		if slices.ContainsFunc(c.Resources, func(r string) bool { return slices.Contains(q.ResourceIDs, r) }) {
			out = append(out, c)
		}
	}
	return out
}

// Describe is a one-line account of a change: what, on which tunnel, by whom.
func (c *Change) Describe() string {
	s := c.EventName
	if c.TunnelIP != "" {
		s += " on tunnel " + c.TunnelIP
	}
	if c.User != "" {
		s += " by " + c.User
	}
	if c.Error != "" {
		s += " (failed: " + c.Error + ", nothing changed)"
	}
	if opts, ok := c.Params["tunnelOptions"].(map[string]any); ok && len(opts) > 0 {
		keys := make([]string, 0, len(opts))
		for k := range opts {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		s += " (changed: " + strings.Join(keys, ", ") + ")"
	}
	return s
}
