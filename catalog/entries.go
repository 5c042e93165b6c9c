package catalog

import "slices"

// Vendor names used in gateway hints.
const (
	vIOS    = "Cisco IOS"
	vASA    = "Cisco ASA"
	vSRX    = "Juniper SRX"
	vPAN    = "Palo Alto"
	vForti  = "FortiGate"
	vStrong = "strongSwan"
)

// Documentation references used by several entries.
const (
	refAWSLogs     = "AWS Site-to-Site VPN User Guide: AWS Site-to-Site VPN logs (log contents and message tables)"
	refAWSTunnel   = "AWS Site-to-Site VPN User Guide: Tunnel options for your Site-to-Site VPN connection"
	refAWSQuotas   = "AWS Site-to-Site VPN User Guide: Quotas for AWS Site-to-Site VPN"
	refAWSCGWBest  = "AWS Site-to-Site VPN User Guide: Best practices for your customer gateway device"
	refAWSTrouble  = "AWS Site-to-Site VPN User Guide: Troubleshoot your customer gateway device"
	refAWSRouting  = "AWS Site-to-Site VPN User Guide: Site-to-Site VPN routing options"
	refAWSAuth     = "AWS Site-to-Site VPN User Guide: VPN tunnel authentication options"
	refRFC4271FSM  = "RFC 4271 §8 (BGP finite state machine; §8.2.2 state descriptions)"
	refRFC4271Note = "RFC 4271 §4.5 (NOTIFICATION message)"
	refRFC4271Ceas = "RFC 4271 §6.7 (Cease)"
)

// catalogEntries is the catalogue, in contract order (categories.tsv), then
// the extensions.
var catalogEntries = slices.Concat(ikeEntries, bgpEntries, routeEntries, anyEntries, awsEntries, extensionEntries)

// awsEntries are causes AWS records outside the logs: CloudTrail events.
var awsEntries = []Entry{
	{
		Category:   AWSTunnelOptionsChanged,
		Layer:      "aws",
		Title:      "Tunnel changed through the EC2 API",
		Meaning:    "Someone (a user, a role, automation) changed the VPN connection or this tunnel through the EC2 API shortly before the drop: modifying a tunnel's options (even only its logging options), its certificate, the connection's gateway or options, or replacing the tunnel renegotiates it, so the tunnel goes down and comes back, usually within minutes. The logs show it as a teardown from the AWS side with no reason; the CloudTrail event says who changed what. CloudTrail delivers events typically within 5 minutes (at worst about 15), so a change in the last minutes may not be listed yet.",
		ActingSide: "aws",
		Severity:   SevWarning,
		Anomaly:    false,
		Causes: []string{
			"ModifyVpnTunnelOptions (tunnel options, including log options), ModifyVpnTunnelCertificate or ReplaceVpnTunnel on this tunnel.",
			"ModifyVpnConnection (gateway change) or ModifyVpnConnectionOptions on the connection, which renegotiates both tunnels.",
		},
		Checks: []string{
			"Read the change (who, when, which options) and confirm it was intended; if it changed IKE or IPsec parameters, make the customer gateway's configuration match.",
			"Change one tunnel at a time and wait for it to come back up before changing the other, so the connection keeps one tunnel up.",
		},
		References: []string{
			"AWS Site-to-Site VPN User Guide: Modify Site-to-Site VPN tunnel options (the tunnel is renegotiated)",
			"AWS CloudTrail User Guide: viewing events with LookupEvents (delivery within about 5 minutes on average, up to 15)",
		},
	},
	{
		Category:   AWSTunnelReplaced,
		Layer:      "aws",
		Title:      "Tunnel endpoint replaced for maintenance",
		Meaning:    "AWS replaced this tunnel's endpoint for maintenance when the tunnel dropped (GetVpnTunnelReplacementStatus: last maintenance applied). AWS replaces one tunnel at a time; the tunnel goes down and comes back once the customer gateway negotiates with the new endpoint. A connection whose other tunnel was up kept its traffic.",
		ActingSide: "aws",
		Severity:   SevWarning,
		Anomaly:    false,
		Causes: []string{
			"Pending tunnel maintenance applied by AWS after its auto-apply date, or applied by the account owner.",
		},
		Checks: []string{
			"Check that the other tunnel was up and carried the traffic during the replacement; keep both tunnels configured and up on the customer gateway.",
			"Look for pending maintenance on the other tunnel (get_tunnel_options) and plan for it: it is applied the same way.",
		},
		References: []string{
			"AWS Site-to-Site VPN User Guide: Tunnel endpoint replacement (maintenance), GetVpnTunnelReplacementStatus",
		},
	},
}

// anyEntries are the contract's entries of layer "any".
var anyEntries = []Entry{
	{
		Category:   Unknown,
		Layer:      "any",
		Title:      "Unrecognised message",
		Meaning:    "The record was read but its text matches no known message. It is kept verbatim and never dropped. It counts as trouble when the CloudWatch subscription filter would catch it (status DOWN, Cease, prefix limit, DENIED, a phase down) or when a RouteStatus record carries details (AWS adds details there only on errors).",
		ActingSide: "none",
		Severity:   SevInfo,
		Anomaly:    false,
		Causes: []string{
			"A message AWS added after this catalogue was written, or a wording variant.",
			"A truncated or damaged record.",
		},
		Checks: []string{
			"Read the raw record and the records around it.",
		},
		References: []string{
			refAWSLogs,
		},
	},
}
