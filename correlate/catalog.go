package correlate

import (
	"fmt"
	"net/netip"
	"strings"
)

// CatalogEntry explains one message class to an engineer: what it means,
// which side acted, why it happens, what to check on the customer gateway
// and where the protocol behaviour is specified.
type CatalogEntry struct {
	Category Category `json:"category"`
	Layer    string   `json:"layer"` // ike | bgp | route | any (from the contract)
	Title    string   `json:"title"`
	Meaning  string   `json:"meaning"` // plain-language meaning for an engineer
	// ActingSide names the side whose behaviour or configuration the record
	// points at first: "aws", "customer_gateway", "either", "none".
	ActingSide   string        `json:"acting_side"`
	Severity     Severity      `json:"-"` // default severity; Classify may raise or lower it per record
	Anomaly      bool          `json:"anomaly"`
	Causes       []string      `json:"causes"`
	Checks       []string      `json:"checks"` // what to check/change on the customer gateway
	GatewayHints []GatewayHint `json:"gateway_hints,omitempty"`
	References   []string      `json:"references"` // RFC sections and AWS documentation
	Messages     []string      `json:"messages"`   // the documented AWS message templates in this class
}

// GatewayHint is a concrete command or setting for one customer gateway
// platform: Cisco IOS, Cisco ASA, Juniper SRX, Palo Alto, FortiGate, strongSwan.
type GatewayHint struct {
	Vendor string `json:"vendor"`
	Hint   string `json:"hint"`
	// ForCause is the cause (category id) a diagnosis gives the hint for,
	// when it gives advice for more than one; empty in the catalogue.
	ForCause string `json:"for_cause,omitempty" jsonschema:"in a diagnosis: the category id of the cause this hint addresses (root cause or what keeps the tunnel down)"`
}

// Catalog returns one entry per contract id, in contract order, including
// unknown. The result is a copy; changing it does not change the catalogue.
func Catalog() []CatalogEntry {
	out := make([]CatalogEntry, len(catalogEntries))
	for i := range catalogEntries {
		out[i] = copyEntry(catalogEntries[i])
	}
	return out
}

// LookupCategory returns the catalogue entry for c.
func LookupCategory(c Category) (CatalogEntry, bool) {
	i, ok := catalogIndex[c]
	if !ok {
		return CatalogEntry{}, false
	}
	return copyEntry(catalogEntries[i]), true
}

func copyEntry(e CatalogEntry) CatalogEntry {
	e.Causes = append([]string(nil), e.Causes...)
	e.Checks = append([]string(nil), e.Checks...)
	e.GatewayHints = append([]GatewayHint(nil), e.GatewayHints...)
	e.References = append([]string(nil), e.References...)
	e.Messages = append([]string(nil), e.Messages...)
	return e
}

// CatalogMarkdown renders the whole catalogue as Markdown (served as the MCP
// resource vpn://catalog).
func CatalogMarkdown() string {
	var b strings.Builder
	b.WriteString("# AWS Site-to-Site VPN log message catalogue\n\n")
	b.WriteString("Every tunnel activity (IKE) and BGP log record is put in exactly one of these classes. ")
	b.WriteString("\"Acting side\" is the side whose behaviour or configuration the record points at first. ")
	b.WriteString("Message texts are AWS's documented templates; `xxx` and `{...}` are placeholders, and ` - ` stands where AWS's table breaks the line (real logs may have \" - \", \", \", \"•\" or a space there).\n\n")
	b.WriteString("| id | layer | severity | anomaly | title |\n| --- | --- | --- | --- | --- |\n")
	for _, e := range catalogEntries {
		b.WriteString("| `" + string(e.Category) + "` | " + e.Layer + " | " + e.Severity.String() + " | " + yesNo(e.Anomaly) + " | " + e.Title + " |\n")
	}
	for _, e := range catalogEntries {
		b.WriteString("\n## `" + string(e.Category) + "`: " + e.Title + "\n\n")
		b.WriteString("Layer: " + e.Layer + ". Default severity: " + e.Severity.String() + ". Anomaly: " + yesNo(e.Anomaly) + ". Acting side: " + e.ActingSide + ".\n\n")
		b.WriteString(e.Meaning + "\n")
		writeList(&b, "Documented messages", e.Messages, true)
		writeList(&b, "Causes", e.Causes, false)
		writeList(&b, "Checks on the customer gateway", e.Checks, false)
		if len(e.GatewayHints) > 0 {
			b.WriteString("\nGateway hints:\n\n| platform | hint |\n| --- | --- |\n")
			for _, h := range e.GatewayHints {
				b.WriteString("| " + h.Vendor + " | " + strings.ReplaceAll(h.Hint, "|", "\\|") + " |\n")
			}
		}
		writeList(&b, "References", e.References, false)
	}
	return b.String()
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

func writeList(b *strings.Builder, title string, items []string, code bool) {
	if len(items) == 0 {
		return
	}
	b.WriteString("\n" + title + ":\n\n")
	for _, it := range items {
		if code {
			b.WriteString("- `" + it + "`\n")
		} else {
			b.WriteString("- " + it + "\n")
		}
	}
}

// catalogIndex finds an entry by id without scanning (Classify uses it per record).
var catalogIndex = func() map[Category]int {
	m := make(map[Category]int, len(catalogEntries))
	for i, e := range catalogEntries {
		m[e.Category] = i
	}
	return m
}()

// Defaults returns c's default severity and whether it marks trouble, without
// copying the entry as Lookup does: the classifier (package vpnlog) calls it
// for every record it reads, and must not allocate.
func Defaults(c Category) (sev Severity, anomaly, ok bool) {
	i, ok := catalogIndex[c]
	if !ok {
		return SevInfo, false, false
	}
	return catalogEntries[i].Severity, catalogEntries[i].Anomaly, true
}

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

// ceaseChecks are shared by the Cease entries: the direction decides which
// side's logs explain the notification.
const ceaseDirection = "Direction tells who ended the session: \"sent\" means the AWS side sent the NOTIFICATION to the customer gateway; \"received\" means the customer gateway sent it and the reason lies in its configuration or operation."

// catalogEntries is the catalogue, in contract order (categories.tsv), then
// the extensions.
var catalogEntries = []CatalogEntry{
	{
		Category:   IKEPSKMismatch,
		Layer:      "ike",
		Title:      "Pre-shared key mismatch",
		Meaning:    "AWS could not authenticate the customer gateway's IKE messages with the tunnel's pre-shared key. With IKEv1 this shows as a main-mode payload that AWS could not decrypt (the keys that encrypt it are derived from the PSK); with IKEv2 AWS reports a pre-shared key mismatch for the customer gateway address. Phase 1 never completes, so the tunnel stays down and the gateway keeps retrying.",
		ActingSide: "customer_gateway",
		Severity:   SevError,
		Anomaly:    true,
		Causes: []string{
			"The key on the customer gateway differs from the tunnel's PreSharedKey (typing error, trailing whitespace, characters the device escapes or truncates).",
			"The tunnel's key was changed on the AWS side (ModifyVpnTunnelOptions) or the VPN connection was recreated, and the gateway still has the old key.",
			"Each tunnel has its own key; the gateway uses tunnel 1's key for tunnel 2 or maps the AWS outside IP to the wrong keyring entry.",
			"The gateway selects a keyring/identity by the wrong peer address, for example after a change of its public IP or behind NAT.",
		},
		Checks: []string{
			"Compare the key configured for this AWS outside IP with the tunnel's PreSharedKey (describe-vpn-connections, the downloaded configuration, or Secrets Manager when the connection uses PreSharedKeyArn).",
			"Make sure the key is bound to the right peer: tunnel 1 and tunnel 2 have different outside IPs and usually different keys.",
			"After correcting the key, clear the IKE SA on the gateway so it renegotiates immediately.",
		},
		GatewayHints: []GatewayHint{
			{Vendor: vIOS, Hint: "IKEv2: show crypto ikev2 sa detail; show running-config | section crypto ikev2 keyring; debug crypto ikev2"},
			{Vendor: vIOS, Hint: "IKEv1: show crypto isakmp sa; show running-config | include crypto isakmp key; debug crypto isakmp"},
			{Vendor: vASA, Hint: "more system:running-config | begin tunnel-group <aws-outside-ip> (shows the key unmasked); debug crypto ikev2 protocol 127"},
			{Vendor: vSRX, Hint: "show security ike security-associations detail; set security ike policy <policy> pre-shared-key ascii-text \"<key>\"; show log kmd"},
			{Vendor: vPAN, Hint: "show vpn ike-sa gateway <gw>; test vpn ike-sa gateway <gw>; less mp-log ikemgr.log"},
			{Vendor: vForti, Hint: "diagnose vpn ike gateway list name <phase1-name>; diagnose debug application ike -1 then diagnose debug enable; config vpn ipsec phase1-interface / edit <name> / set psksecret <key>"},
			{Vendor: vStrong, Hint: "swanctl --list-sas; check the secrets { ike-<n> { id-1 = <aws-outside-ip> secret = ... } } block, then swanctl --load-creds; ipsec statusall on stroke setups"},
		},
		References: []string{
			"RFC 7296 §2.15 (Authentication of the IKE SA)",
			"RFC 2409 §5.4 (Phase 1 authenticated with a pre-shared key)",
			refAWSAuth,
			refAWSLogs,
		},
		Messages: []string{
			"AWS tunnel payload decryption was unsuccessful due to invalid Pre-shared Key",
			"AWS tunnel detected a pre-shared key mismatch with cgw: xxxx",
		},
	},
	{
		Category:   IKEAuthFailed,
		Layer:      "ike",
		Title:      "IKE_AUTH authentication failed",
		Meaning:    "AWS could not verify the customer gateway's IKE_AUTH message (its AUTH payload, identity or certificate) and answered with an AUTHENTICATION_FAILED notify. The IKE SA is not established and no CHILD_SA is created.",
		ActingSide: "customer_gateway",
		Severity:   SevError,
		Anomaly:    true,
		Causes: []string{
			"Wrong pre-shared key for this tunnel.",
			"The gateway's IKE identity (IDi) is not what AWS expects: with PSK authentication it should be the customer gateway's public IP; a gateway behind NAT often sends its private address instead.",
			"Certificate authentication: the gateway's certificate is not issued by the private CA configured for the customer gateway, has expired, or its identity does not match.",
			"Authentication method mismatch (one side uses certificates, the other a pre-shared key).",
		},
		Checks: []string{
			"Set the local identity to the customer gateway's public IP (or the certificate's identity when using certificates).",
			"Verify the pre-shared key of this tunnel, or the certificate chain and validity.",
			"Look at the gateway's own IKE log for the identity it sent.",
		},
		GatewayHints: []GatewayHint{
			{Vendor: vIOS, Hint: "show crypto ikev2 sa detail; debug crypto ikev2; in the crypto ikev2 profile: identity local address <cgw-public-ip>"},
			{Vendor: vASA, Hint: "debug crypto ikev2 protocol 127; show running-config tunnel-group <aws-outside-ip>; crypto isakmp identity address"},
			{Vendor: vSRX, Hint: "show security ike security-associations detail; set security ike gateway <gw> local-identity inet <cgw-public-ip>"},
			{Vendor: vPAN, Hint: "IKE gateway > Local Identification = IP address <cgw-public-ip>; less mp-log ikemgr.log"},
			{Vendor: vForti, Hint: "config vpn ipsec phase1-interface / edit <name> / set localid <cgw-public-ip>; diagnose debug application ike -1"},
			{Vendor: vStrong, Hint: "local { auth = psk  id = <cgw-public-ip> } in swanctl.conf; swanctl --log while initiating"},
		},
		References: []string{
			"RFC 7296 §2.15 (Authentication of the IKE SA)",
			"RFC 7296 §2.21.2 (Error handling in IKE_AUTH)",
			"RFC 7296 §3.10.1 (Notify message types: AUTHENTICATION_FAILED = 24)",
			refAWSAuth,
			refAWSLogs,
		},
		Messages: []string{
			"AWS tunnel is sending AUTHENTICATION_FAILED as the response",
		},
	},
	{
		Category:   IKEProposalMismatch,
		Layer:      "ike",
		Title:      "No acceptable proposal",
		Meaning:    "None of the proposals offered matched what the AWS tunnel allows (encryption, integrity, Diffie-Hellman group; for IKEv1 also lifetime and authentication method), so the exchange failed with NO_PROPOSAL_CHOSEN. The phase field says whether it was phase 1 (IKE SA) or phase 2 (CHILD_SA / quick mode) when that is known: AWS's IKEv1 table reads \"by AWS\" as phase 1 and the \"No proposal chosen\" notify as phase 2, and a record whose phase 1 is Established can only be failing phase 2.",
		ActingSide: "either",
		Severity:   SevError,
		Anomaly:    true,
		Causes: []string{
			"The gateway offers algorithms AWS does not support, for example 3DES or a DH group outside the tunnel's list.",
			"The tunnel options were narrowed (Phase1/Phase2 EncryptionAlgorithms, IntegrityAlgorithms, DHGroupNumbers) and the gateway's proposals no longer overlap.",
			"Phase 2: Perfect Forward Secrecy is disabled on the gateway, or set to a group the tunnel does not allow.",
			"IKEv1: a proposed lifetime longer than the tunnel's maximum (phase 1 28,800 s, phase 2 3,600 s).",
		},
		Checks: []string{
			"Compare the gateway's IKE and IPsec proposals with the tunnel options (get_tunnel_options / describe-vpn-connections) for the phase reported, and configure the gateway to propose a combination the tunnel allows.",
			"Phase 2: enable PFS with a DH group the tunnel's Phase2DHGroupNumbers allow.",
			"Keep lifetimes at or below the tunnel's (phase 1 28,800 s, phase 2 3,600 s by default).",
		},
		GatewayHints: []GatewayHint{
			{Vendor: vIOS, Hint: "IKEv2: show crypto ikev2 proposal; debug crypto ikev2"},
			{Vendor: vIOS, Hint: "IKEv1: show crypto isakmp policy; debug crypto isakmp"},
			{Vendor: vIOS, Hint: "Phase 2: show crypto ipsec transform-set; show crypto ipsec profile or show crypto map (set pfs group<n> with a group the tunnel allows)"},
			{Vendor: vASA, Hint: "show running-config crypto ikev2 (IKEv1: crypto ikev1); show running-config crypto ipsec; show running-config crypto map"},
			{Vendor: vSRX, Hint: "show configuration security ike; show configuration security ipsec (proposal, and perfect-forward-secrecy keys group<n> in the policy)"},
			{Vendor: vPAN, Hint: "Network > Network Profiles > IKE Crypto and IPSec Crypto (DH group, encryption, authentication, lifetime); less mp-log ikemgr.log"},
			{Vendor: vForti, Hint: "show vpn ipsec phase1-interface <name> (proposal, dhgrp); show vpn ipsec phase2-interface <name> (proposal, pfs, dhgrp)"},
			{Vendor: vStrong, Hint: "proposals (IKE) and esp_proposals (child) in swanctl.conf built from the tunnel's allowed algorithms, e.g. aes256-sha256-ecp384 for AES256, SHA2-256 and DH group 20; swanctl --list-conns"},
		},
		References: []string{
			"RFC 7296 §2.7 (Cryptographic algorithm negotiation)",
			"RFC 7296 §3.3 (Security Association payload)",
			"RFC 7296 §3.10.1 (Notify message types: NO_PROPOSAL_CHOSEN = 14)",
			"RFC 2409 §5 (IKEv1 exchanges)",
			refAWSTunnel,
			refAWSLogs,
		},
		Messages: []string{
			"No Proposal Match Found by AWS",
			"No Proposal Match Found. Notifying with \"No proposal chosen\"",
		},
	},
	{
		Category:   IKETSUnacceptable,
		Layer:      "ike",
		Title:      "Traffic selectors not acceptable",
		Meaning:    "The traffic selectors (the encryption domain: local and remote networks) proposed for the CHILD_SA do not match what the other side accepts, so phase 2 fails with TS_UNACCEPTABLE while phase 1 may stay up.",
		ActingSide: "either",
		Severity:   SevError,
		Anomaly:    true,
		Causes: []string{
			"A policy-based gateway proposes subnets outside the VPN connection's LocalIpv4NetworkCidr/RemoteIpv4NetworkCidr (or the IPv6 equivalents).",
			"The gateway proposes several selector pairs; AWS uses one security association pair per tunnel.",
			"Local and remote networks swapped, or IPv4 selectors on an IPv6 tunnel (and the reverse).",
		},
		Checks: []string{
			"Prefer a route-based (VTI) configuration with selectors 0.0.0.0/0 to 0.0.0.0/0, matching the default AWS network CIDRs.",
			"If the connection sets local/remote network CIDRs, configure exactly those selectors on the gateway.",
		},
		GatewayHints: []GatewayHint{
			{Vendor: vIOS, Hint: "show crypto ipsec sa peer <aws-outside-ip> (local ident / remote ident); route-based: interface Tunnel1 with tunnel protection ipsec profile <name>"},
			{Vendor: vASA, Hint: "show crypto ipsec sa peer <aws-outside-ip>; show running-config crypto map (the match address ACL is the selector)"},
			{Vendor: vSRX, Hint: "show security ipsec security-associations detail; route-based st0 interface, or set security ipsec vpn <vpn> traffic-selector <ts> local-ip <net> remote-ip <net>"},
			{Vendor: vPAN, Hint: "IPSec Tunnel > Proxy IDs (leave empty for 0.0.0.0/0, or match the AWS network CIDRs); show vpn ipsec-sa tunnel <tunnel>"},
			{Vendor: vForti, Hint: "config vpn ipsec phase2-interface / edit <name> / set src-subnet / set dst-subnet; diagnose vpn tunnel list name <phase1-name>"},
			{Vendor: vStrong, Hint: "local_ts = 0.0.0.0/0 and remote_ts = 0.0.0.0/0 in the child section of swanctl.conf; swanctl --list-sas"},
		},
		References: []string{
			"RFC 7296 §2.9 (Traffic selector negotiation)",
			"RFC 7296 §3.13 (Traffic Selector payload)",
			"RFC 7296 §3.10.1 (Notify message types: TS_UNACCEPTABLE = 38)",
			refAWSTunnel,
			refAWSLogs,
		},
		Messages: []string{
			"AWS: Traffic Selector: TS_UNACCEPTABLE: received from responder",
		},
	},
	{
		Category:   IKEPhase2Failed,
		Layer:      "ike",
		Title:      "Phase 2 could not be established",
		Meaning:    "The IKE SA (phase 1) is up but the CHILD_SA (phase 2) could not be negotiated, so no traffic passes although the tunnel looks half up. A more specific line (proposal mismatch, traffic selectors) often sits next to it.",
		ActingSide: "either",
		Severity:   SevError,
		Anomaly:    true,
		Causes: []string{
			"Phase 2 proposal mismatch: encryption, integrity or PFS group.",
			"Traffic selector mismatch.",
			"The gateway rejects the CREATE_CHILD_SA (local limits, policy missing for this peer).",
		},
		Checks: []string{
			"Look for ike.proposal_mismatch or ike.ts_unacceptable records around the same time.",
			checkPhase2Options,
		},
		GatewayHints: []GatewayHint{
			{Vendor: vIOS, Hint: "show crypto ipsec sa peer <aws-outside-ip>; debug crypto ipsec; debug crypto ikev2"},
			{Vendor: vSRX, Hint: "show security ipsec security-associations; show security ipsec statistics"},
			{Vendor: vPAN, Hint: "show vpn ipsec-sa tunnel <tunnel>; test vpn ipsec-sa tunnel <tunnel>"},
			{Vendor: vForti, Hint: "diagnose vpn tunnel list name <phase1-name>; diagnose debug application ike -1"},
			{Vendor: vStrong, Hint: "swanctl --list-sas; swanctl --initiate --child <child> to retry and watch swanctl --log"},
		},
		References: []string{
			"RFC 7296 §1.3.1 (Creating new Child SAs with CREATE_CHILD_SA)",
			"RFC 7296 §2.21.3 (Error handling after the IKE SA is authenticated)",
			refAWSTunnel,
			refAWSLogs,
		},
		Messages: []string{
			"AWS tunnel Phase 2 was unable to establish while keeping Phase 1",
		},
	},
	{
		Category:   IKEDPDTimeout,
		Layer:      "ike",
		Title:      "Dead peer detection timeout",
		Meaning:    "AWS sent dead peer detection probes (IKEv1 R-U-THERE, IKEv2 empty INFORMATIONAL requests) and got no answer after its retransmits, declared the customer gateway dead and applied the tunnel's DPD timeout action (clear by default, or restart). The tunnel goes down; the cause is the gateway or the path to it, not AWS.",
		ActingSide: "customer_gateway",
		Severity:   SevCritical,
		Anomaly:    true,
		Causes: []string{
			"The gateway rebooted, failed over or lost its SAs without sending a DELETE.",
			"Loss on the internet path between the gateway and the AWS outside IP (UDP 500/4500 dropped, ISP outage).",
			"A NAT device in front of the gateway expired the mapping (NAT-T keepalives off) or changed the public address.",
			"The gateway's control plane is overloaded and does not answer IKE in time.",
		},
		Checks: []string{
			"Check the gateway's uptime, failover and interface logs at the time of the record.",
			"Check reachability of the AWS outside IP and that UDP 500 and 4500 pass in both directions.",
			"Enable DPD and NAT-T keepalives on the gateway.",
			checkDPDAction,
		},
		GatewayHints: []GatewayHint{
			{Vendor: vIOS, Hint: "IKEv2: show crypto ikev2 sa; crypto ikev2 dpd 10 2 on-demand"},
			{Vendor: vIOS, Hint: "IKEv1: show crypto isakmp sa; crypto isakmp keepalive 10 3"},
			{Vendor: vASA, Hint: "tunnel-group <aws-outside-ip> ipsec-attributes / isakmp keepalive threshold 10 retry 2; show vpn-sessiondb detail l2l"},
			{Vendor: vSRX, Hint: "set security ike gateway <gw> dead-peer-detection interval 10 threshold 3; show security ike security-associations"},
			{Vendor: vPAN, Hint: "IKE gateway > Advanced Options > Dead Peer Detection (interval, retry); show vpn ike-sa gateway <gw>"},
			{Vendor: vForti, Hint: "config vpn ipsec phase1-interface / edit <name> / set dpd on-idle / set dpd-retryinterval 10 / set dpd-retrycount 3"},
			{Vendor: vStrong, Hint: "dpd_delay = 10s on the connection and dpd_action = restart on the child in swanctl.conf; swanctl --list-sas"},
		},
		References: []string{
			"RFC 3706 (Dead Peer Detection for IKEv1)",
			"RFC 7296 §2.4 (State synchronization and connection timeouts: liveness checks)",
			refAWSTunnel,
			refAWSLogs,
		},
		Messages: []string{
			"Peer is not responsive - Declaring peer dead",
			"AWS tunnel DPD timed out after {retry_count} retransmits",
		},
	},
	{
		Category:   IKEPhase1Timeout,
		Layer:      "ike",
		Title:      "Half-open IKE SA timed out",
		Meaning:    "An IKE SA was started but the customer gateway never completed the negotiation (for example IKE_SA_INIT answered but no IKE_AUTH followed), so AWS deleted the half-open IKE SA. Phase 1 does not come up.",
		ActingSide: "customer_gateway",
		Severity:   SevError,
		Anomaly:    true,
		Causes: []string{
			"IKE_AUTH is lost on the way: UDP 4500 blocked after the switch to NAT-T, or large fragmented IKE packets (certificates) dropped.",
			"The gateway aborts silently on a local error (wrong key or identity) instead of sending a notify.",
			"The gateway speaks IKEv1 to an IKEv2-only tunnel, or the reverse.",
			"Asymmetric routing or NAT changes the source address in the middle of the exchange.",
		},
		Checks: []string{
			"Allow UDP 500 and UDP 4500 in both directions between the gateway and the AWS outside IP.",
			"With certificates: enable IKEv2 fragmentation on the gateway (certificate-sized IKE_AUTH messages are fragmented and often dropped).",
			checkIKEVersion,
		},
		GatewayHints: []GatewayHint{
			{Vendor: vIOS, Hint: "debug crypto ikev2; show crypto ikev2 sa (a half-open SA stays IN-NEG); check that access lists on the outside interface permit UDP 500 and 4500 from <aws-outside-ip>"},
			{Vendor: vIOS, Hint: "With certificates: crypto ikev2 fragmentation mtu 1200"},
			{Vendor: vSRX, Hint: "set security ike traceoptions flag all; show security ike security-associations"},
			{Vendor: vPAN, Hint: "show vpn ike-sa gateway <gw>; less mp-log ikemgr.log"},
			{Vendor: vForti, Hint: "diagnose debug application ike -1; diagnose debug enable"},
			{Vendor: vForti, Hint: "With certificates: set fragmentation enable in phase1-interface"},
			{Vendor: vStrong, Hint: "swanctl --log while the gateway initiates; swanctl --list-sas"},
			{Vendor: vStrong, Hint: "With certificates: fragmentation = yes in the connection of swanctl.conf"},
		},
		References: []string{
			"RFC 7296 §2.1 (Use of retransmission timers)",
			"RFC 7296 §2.4 (State synchronization and connection timeouts)",
			"RFC 7383 (IKEv2 message fragmentation)",
			"RFC 3948 (UDP encapsulation of IPsec ESP packets, port 4500)",
			refAWSLogs,
		},
		Messages: []string{
			"AWS tunnel Timeout: deleting un-established Phase 1 IKE_SA with cgw: xxxx",
		},
	},
	{
		Category:   IKECGWDeleteIKESA,
		Layer:      "ike",
		Title:      "Customer gateway deleted the IKE SA",
		Meaning:    "The customer gateway sent a DELETE for the IKE SA (phase 1). That closes the IKE SA and every CHILD_SA under it, so the tunnel is down until it is negotiated again. The gateway decided this; its logs say why.",
		ActingSide: "customer_gateway",
		Severity:   SevCritical,
		Anomaly:    true,
		Causes: []string{
			"An administrator cleared the SA or changed the VPN configuration on the gateway.",
			"The gateway's phase 1 lifetime expired and it deletes and renegotiates instead of rekeying.",
			"The gateway's own DPD declared AWS dead (a path problem seen from its side).",
			"HA failover or reboot of the gateway; an idle timeout on the gateway.",
		},
		Checks: []string{
			"Read the gateway's log and change history for the same minute.",
			"Keep the gateway's phase 1 lifetime at or below 28,800 s so it rekeys rather than expires.",
			"If it recurs at a fixed interval, compare that interval with the gateway's lifetimes and idle timers.",
		},
		GatewayHints: []GatewayHint{
			{Vendor: vIOS, Hint: "show logging | include IKEV2|CRYPTO; show crypto ikev2 sa; show crypto session remote <aws-outside-ip> detail"},
			{Vendor: vASA, Hint: "show vpn-sessiondb detail l2l filter ipaddress <aws-outside-ip>; show logging"},
			{Vendor: vSRX, Hint: "show log kmd; show security ike security-associations"},
			{Vendor: vPAN, Hint: "less mp-log ikemgr.log; show vpn ike-sa"},
			{Vendor: vForti, Hint: "diagnose vpn ike gateway list name <phase1-name>; diagnose debug application ike -1"},
			{Vendor: vStrong, Hint: "swanctl --list-sas; journalctl -u strongswan for the delete reason"},
		},
		References: []string{
			"RFC 7296 §1.4.1 (Deleting an SA with INFORMATIONAL exchanges)",
			"RFC 7296 §3.11 (Delete payload)",
			"RFC 2408 §3.15 (ISAKMP Delete payload, IKEv1)",
			refAWSLogs,
		},
		Messages: []string{
			"AWS tunnel received DELETE for IKE_SA from CGW",
		},
	},
	{
		Category:   IKECGWDeleteChildSA,
		Layer:      "ike",
		Title:      "Customer gateway deleted a phase 2 SA",
		Meaning:    "The customer gateway sent a DELETE for a phase 2 SA / CHILD_SA (the SPI is in the record). Right after a CREATE_CHILD_SA rekey this is the normal removal of the old SA; without a new SA around it, traffic through the tunnel stops.",
		ActingSide: "customer_gateway",
		Severity:   SevError,
		Anomaly:    true,
		Causes: []string{
			"A rekey initiated by the gateway: the old SA is deleted once the new one is installed (harmless when a CREATE_CHILD_SA exchange is next to it).",
			"The gateway's phase 2 lifetime or idle timeout expired.",
			"An administrator cleared the SA or changed the crypto policy.",
		},
		Checks: []string{
			"Look for ike.negotiation CREATE_CHILD_SA records just before: if present, this is a rekey.",
			"Keep the gateway's phase 2 lifetime at or below 3,600 s and disable idle timeouts on the SA.",
		},
		GatewayHints: []GatewayHint{
			{Vendor: vIOS, Hint: "show crypto ipsec sa peer <aws-outside-ip> (SPIs); no crypto ipsec security-association idle-time"},
			{Vendor: vASA, Hint: "show crypto ipsec sa peer <aws-outside-ip>"},
			{Vendor: vSRX, Hint: "show security ipsec security-associations"},
			{Vendor: vPAN, Hint: "show vpn ipsec-sa tunnel <tunnel>"},
			{Vendor: vForti, Hint: "diagnose vpn tunnel list name <phase1-name>"},
			{Vendor: vStrong, Hint: "swanctl --list-sas (SPIs and rekey times)"},
		},
		References: []string{
			"RFC 7296 §1.4.1 (Deleting an SA with INFORMATIONAL exchanges)",
			"RFC 7296 §2.8 (Rekeying)",
			"RFC 7296 §3.11 (Delete payload)",
			refAWSLogs,
		},
		Messages: []string{
			"AWS tunnel received DELETE for Phase 2 SA with SPI: xxxx",
		},
	},
	{
		Category:   IKERekeyCollision,
		Layer:      "ike",
		Title:      "Rekey collision",
		Meaning:    "Both sides rekeyed the same CHILD_SA at the same moment. IKEv2 resolves this by deleting the redundant SA (the one with the lowest nonce), which AWS logs. Normally harmless; only a constant stream of collisions together with traffic loss needs attention.",
		ActingSide: "either",
		Severity:   SevInfo,
		Anomaly:    false,
		Causes: []string{
			"Both ends use similar lifetimes and rekey margins, so both start the rekey together.",
			"The gateway deletes the active SA while AWS is rekeying it (CHILD_DELETE collision).",
		},
		Checks: []string{
			"Only if it repeats with packet loss: make the gateway rekey clearly earlier than AWS (shorter lifetime) or add jitter to its rekey time.",
		},
		GatewayHints: []GatewayHint{
			{Vendor: vIOS, Hint: "crypto ipsec security-association lifetime seconds 3300"},
			{Vendor: vStrong, Hint: "rekey_time and rand_time in the child section of swanctl.conf"},
		},
		References: []string{
			"RFC 7296 §2.8.1 (Simultaneous Child SA rekeying)",
			"RFC 7296 §2.8.2 (Simultaneous IKE SA rekeying)",
			refAWSTunnel + " (rekey margin time, rekey fuzz)",
			refAWSLogs,
		},
		Messages: []string{
			"AWS tunnel detected a (CHILD_REKEY) collision as CHILD_DELETE",
			"AWS tunnel (CHILD_SA) redundant SA is being deleted due to detected collision",
		},
	},
	{
		Category:   IKENegotiation,
		Layer:      "ike",
		Title:      "IKE negotiation step",
		Meaning:    "A routine IKEv2 exchange step: AWS sent or processed a request or response (the id is the IKE message ID) for IKE_SA_INIT, IKE_AUTH, CREATE_CHILD_SA (a new or rekeyed SA) or INFORMATIONAL (liveness checks, deletes). DPD keepalives belong here too.",
		ActingSide: "either",
		Severity:   SevInfo,
		Anomaly:    false,
		Causes: []string{
			"Tunnel set-up, scheduled rekeying, dead peer detection probes.",
		},
		Checks: []string{
			"None while the tunnel is up. The same request id repeated means retransmissions (the other side is not answering); IKE_SA_INIT repeated every few seconds means set-up keeps failing: look for an error record next to it.",
		},
		References: []string{
			"RFC 7296 §1.2 (The initial exchanges)",
			"RFC 7296 §1.3 (The CREATE_CHILD_SA exchange)",
			"RFC 7296 §1.4 (The INFORMATIONAL exchange)",
			"RFC 7296 §2.2 (Use of sequence numbers for message ID)",
			"RFC 3706 (Dead Peer Detection, R-U-THERE)",
			refAWSLogs,
		},
		Messages: []string{
			"AWS tunnel processed request (id=xxx) for CREATE_CHILD_SA",
			"AWS tunnel is sending response (id=xxx) for CREATE_CHILD_SA",
			"AWS tunnel is sending request (id=xxx) for CREATE_CHILD_SA",
			"AWS tunnel processed response (id=xxx) for CREATE_CHILD_SA",
		},
	},
	{
		Category:   IKEStateReport,
		Layer:      "ike",
		Title:      "Tunnel phase state",
		Meaning:    "A tunnel activity record without details text: its news is the IKE phase 1 and phase 2 states (Established, Rekeying, Negotiating, Down). A phase reported Down marks the tunnel as down at that moment.",
		ActingSide: "none",
		Severity:   SevNotice,
		Anomaly:    false,
		Causes: []string{
			"AWS logs the states when they change.",
		},
		Checks: []string{
			"When a phase is Down, find the error record just before it (DPD, DELETE, timeout) for the reason.",
			"Negotiating for a long time means the gateway is not completing the exchange.",
		},
		References: []string{
			refAWSLogs + ": TunnelIKEPhase1State / TunnelIKEPhase2State",
		},
	},
	{
		Category:   BGPEstablished,
		Layer:      "bgp",
		Title:      "BGP session established",
		Meaning:    "The BGP session with the customer gateway reached Established: OPENs were accepted and routes can now be exchanged.",
		ActingSide: "none",
		Severity:   SevInfo,
		Anomaly:    false,
		Causes: []string{
			"Session set-up completed, either for the first time or after a drop (a recovery).",
		},
		Checks: []string{
			"Confirm the expected prefixes are received and advertised.",
		},
		GatewayHints: []GatewayHint{
			{Vendor: vIOS, Hint: "show ip bgp summary; show ip bgp neighbors <aws-inside-ip> advertised-routes"},
			{Vendor: vSRX, Hint: "show bgp summary; show route advertising-protocol bgp <aws-inside-ip>"},
			{Vendor: vForti, Hint: "get router info bgp summary"},
		},
		References: []string{
			refRFC4271FSM,
			refAWSLogs,
		},
		Messages: []string{
			"AWS-side peer BGP session state has changed from OpenConfirm to Established with neighbor {ip: xxx}",
		},
	},
	{
		Category:   BGPStateChange,
		Layer:      "bgp",
		Title:      "BGP state change",
		Meaning:    "The BGP finite state machine moved between two states other than into Established or from Connect to Active. Steps towards Established (Idle -> Connect -> OpenSent -> OpenConfirm) are routine set-up; leaving Established means the session dropped; a step back during set-up (OpenSent -> Idle) means the OPEN exchange failed.",
		ActingSide: "either",
		Severity:   SevInfo,
		Anomaly:    false,
		Causes: []string{
			"Normal session set-up.",
			"A drop out of Established: hold timer expiry, a NOTIFICATION (Cease), the IPsec tunnel under the session going down, or a TCP reset.",
		},
		Checks: []string{
			"For a drop, read the records just before it on both streams: hold timer, Cease, DPD, DELETE or a phase going Down.",
		},
		GatewayHints: []GatewayHint{
			{Vendor: vIOS, Hint: "show ip bgp neighbors <aws-inside-ip> (last reset reason)"},
			{Vendor: vSRX, Hint: "show bgp neighbor <aws-inside-ip> (Last State, Last Error)"},
			{Vendor: vPAN, Hint: "show routing protocol bgp peer"},
			{Vendor: vForti, Hint: "get router info bgp neighbors <aws-inside-ip>"},
		},
		References: []string{
			refRFC4271FSM,
			refAWSLogs,
		},
		Messages: []string{
			"AWS-side peer BGP session state has changed from Idle to Connect with neighbor {ip: xxx}",
			"AWS-side peer BGP session state has changed from Connect to OpenSent with neighbor {ip: xxx}",
			"AWS-side peer BGP session state has changed from OpenSent to OpenConfirm with neighbor {ip: xxx}",
			"AWS-side peer BGP session state has changed from Established to Idle with neighbor {ip: xxx}",
		},
	},
	{
		Category:   BGPConnectActive,
		Layer:      "bgp",
		Title:      "BGP stuck between Connect and Active",
		Meaning:    "AWS's TCP connection to the neighbor on port 179 did not complete, so the session fell back from Connect to Active. BGP cannot start until the customer gateway answers on TCP 179 across the tunnel.",
		ActingSide: "customer_gateway",
		Severity:   SevWarning,
		Anomaly:    true,
		Causes: []string{
			"BGP is not configured on the gateway, or its neighbor address is not the AWS tunnel inside IP.",
			"A firewall or ACL on the gateway blocks TCP 179 on the tunnel interface.",
			"The tunnel interface lacks its inside address (the gateway's side of the 169.254.x.x/30), or phase 2 selectors do not cover it.",
			"The gateway sources BGP from another address (loopback, update-source) than its tunnel inside IP.",
			"The IPsec tunnel underneath is down.",
		},
		Checks: []string{
			"Ping the AWS inside IP from the gateway, sourced from its own inside IP.",
			"Check the neighbor statement (AWS inside IP, remote AS = the Amazon side ASN) and that TCP 179 is allowed.",
		},
		GatewayHints: []GatewayHint{
			{Vendor: vIOS, Hint: "show ip bgp summary; show ip bgp neighbors <aws-inside-ip>; ping <aws-inside-ip> source Tunnel1; neighbor <aws-inside-ip> remote-as <amazon-side-asn>"},
			{Vendor: vASA, Hint: "show bgp summary; show bgp neighbors <aws-inside-ip>"},
			{Vendor: vSRX, Hint: "show bgp neighbor <aws-inside-ip>; the st0 unit must be in a zone with host-inbound-traffic protocols bgp"},
			{Vendor: vPAN, Hint: "show routing protocol bgp peer; the tunnel interface's zone must allow BGP"},
			{Vendor: vForti, Hint: "get router info bgp summary; execute ping-options source <cgw-inside-ip> then execute ping <aws-inside-ip>"},
		},
		References: []string{
			"RFC 4271 §8.2.2 (Connect and Active states)",
			refAWSLogs + " (\"Check TCP port 179 availability on CGW\")",
			refAWSTrouble,
		},
		Messages: []string{
			"AWS-side peer BGP session state has changed from Connect to Active with neighbor {ip: xxx}",
		},
	},
	{
		Category:   BGPConnecting,
		Layer:      "bgp",
		Title:      "AWS opening the BGP connection",
		Meaning:    "The AWS side is initiating a TCP connection (Connect state) to the neighbor to start a BGP session.",
		ActingSide: "aws",
		Severity:   SevInfo,
		Anomaly:    false,
		Causes: []string{
			"Session start, or a retry after a failed attempt.",
		},
		Checks: []string{
			"If it repeats without reaching OpenSent, see bgp.connect_active.",
		},
		References: []string{
			"RFC 4271 §8.2.2 (Connect state)",
			refAWSLogs,
		},
		Messages: []string{
			"AWS-side peer is initiating a connection (via Connect) to neighbor {ip: xxx}",
		},
	},
	{
		Category:   BGPOpen,
		Layer:      "bgp",
		Title:      "BGP OPEN message",
		Meaning:    "An OPEN message was sent to or received from the neighbor, carrying the BGP version, AS number, proposed hold time and router ID. The session uses the smaller of the two hold times.",
		ActingSide: "either",
		Severity:   SevInfo,
		Anomaly:    false,
		Causes: []string{
			"Session set-up.",
		},
		Checks: []string{
			"A received OPEN should carry the customer gateway's configured ASN; a sent one carries the Amazon side ASN.",
			"A very long hold time on the gateway delays failure detection; a very short one risks drops.",
		},
		References: []string{
			"RFC 4271 §4.2 (OPEN message format)",
			"RFC 4271 §10 (BGP timers)",
			refAWSLogs,
		},
		Messages: []string{
			"AWS-side peer received an OPEN message from neighbor {ip: xxx} - version 4, AS {asn: xxx}, holdtime {holdtime (seconds): xxx}, router-id {id: xxx}}",
			"AWS-side peer sent an OPEN message to neighbor {ip: xxx} - version 4, AS {asn: xxx}, holdtime {holdtime (seconds): xxx}, router-id {id: xxx}",
		},
	},
	{
		Category:   BGPBadOpenASN,
		Layer:      "bgp",
		Title:      "OPEN with an unexpected AS",
		Meaning:    "The customer gateway's OPEN carried an AS number different from the BGP ASN of the AWS customer gateway resource, so AWS rejected the session (Bad Peer AS). The session will not come up until the two agree.",
		ActingSide: "customer_gateway",
		Severity:   SevError,
		Anomaly:    true,
		Causes: []string{
			"The gateway's local AS differs from the BgpAsn of the customer gateway resource used by this VPN connection.",
			"The customer gateway resource was created with the wrong ASN.",
			"local-as / replace-as on the gateway, or a 4-byte ASN sent as AS_TRANS (23456) by a device without 4-octet AS support.",
		},
		Checks: []string{
			"Compare remote AS in the record with describe-customer-gateways BgpAsn (expected AS).",
			"Fix the gateway's router bgp AS, or create a customer gateway with the right ASN and move the VPN connection to it.",
		},
		GatewayHints: []GatewayHint{
			{Vendor: vIOS, Hint: "show ip bgp summary (local AS number); router bgp <asn>; neighbor <aws-inside-ip> remote-as <amazon-side-asn>"},
			{Vendor: vSRX, Hint: "show bgp neighbor <aws-inside-ip>; set routing-options autonomous-system <asn>"},
			{Vendor: vPAN, Hint: "Virtual Router > BGP > AS Number; show routing protocol bgp peer"},
			{Vendor: vForti, Hint: "config router bgp / set as <asn>; get router info bgp summary"},
		},
		References: []string{
			"RFC 4271 §4.2 (OPEN message format)",
			"RFC 4271 §6.2 (OPEN message error handling: Bad Peer AS)",
			"RFC 6793 (4-octet AS numbers, AS_TRANS)",
			refAWSLogs,
		},
		Messages: []string{
			"AWS-side peer detected a bad OPEN message from neighbor {ip: xxx} - remote AS is {asn: xxx}, expected {asn: xxx}",
		},
	},
	{
		Category:   BGPHoldTimerExpired,
		Layer:      "bgp",
		Title:      "Hold timer expired",
		Meaning:    "AWS received no KEEPALIVE or UPDATE from the neighbor within the hold time, sent a Hold Timer Expired NOTIFICATION and closed the session. Usually the IPsec tunnel or the path under it lost packets; look at the IKE stream at the same time.",
		ActingSide: "customer_gateway",
		Severity:   SevCritical,
		Anomaly:    true,
		Causes: []string{
			"The IPsec tunnel underneath went down or dropped packets (DPD timeout, DELETE, rekey trouble).",
			"Internet path loss between the gateway and AWS.",
			"The gateway's BGP process or control plane stalled, or its keepalive timer is too long for the negotiated hold time.",
			"MTU problems: large packets dropped in the tunnel while keepalives queue behind them.",
		},
		Checks: []string{
			"Correlate with IKE records and the phase states around the same time.",
			"Use keepalive 10 / hold 30 on the gateway, and clamp TCP MSS on the tunnel interface (AWS examples use 1379).",
		},
		GatewayHints: []GatewayHint{
			{Vendor: vIOS, Hint: "show ip bgp neighbors <aws-inside-ip> (last reset); neighbor <aws-inside-ip> timers 10 30; ip tcp adjust-mss 1379 on the tunnel interface"},
			{Vendor: vASA, Hint: "show bgp neighbors <aws-inside-ip>; sysopt connection tcpmss 1379"},
			{Vendor: vSRX, Hint: "show bgp neighbor <aws-inside-ip>; set protocols bgp group <g> hold-time 30; set security flow tcp-mss ipsec-vpn mss 1379"},
			{Vendor: vPAN, Hint: "show routing protocol bgp peer; BGP peer group timers (keep alive 10, hold 30)"},
			{Vendor: vForti, Hint: "get router info bgp neighbors <aws-inside-ip>; config router bgp / config neighbor / edit <aws-inside-ip> / set keep-alive-timer 10 / set holdtime-timer 30"},
		},
		References: []string{
			"RFC 4271 §4.4 (KEEPALIVE message)",
			"RFC 4271 §6.5 (Hold Timer Expired error handling)",
			"RFC 4271 §10 (BGP timers)",
			refAWSCGWBest,
			refAWSLogs,
		},
		Messages: []string{
			"AWS-side peer sent a Hold Timer Expired notification to neighbor {ip: xxx}",
		},
	},
	{
		Category:   BGPPrefixLimitWarn,
		Layer:      "bgp",
		Title:      "Prefix limit warning",
		Meaning:    "The number of prefixes received from the customer gateway is approaching the limit AWS accepts per BGP session (the record gives both numbers). AWS repeats this warning periodically; if the count passes the limit, AWS ends the session with Cease 6/1.",
		ActingSide: "customer_gateway",
		Severity:   SevWarning,
		Anomaly:    true,
		Causes: []string{
			"The gateway redistributes more routes than intended (connected, static or an IGP into BGP).",
			"Routes are not summarised.",
			"Organic growth of the on-premises network.",
		},
		Checks: []string{
			"Advertise summaries and filter outbound advertisements to AWS with a prefix list.",
			"Check the quota for routes advertised from a customer gateway (100 on a virtual private gateway by default).",
		},
		GatewayHints: []GatewayHint{
			{Vendor: vIOS, Hint: "show ip bgp neighbors <aws-inside-ip> advertised-routes; aggregate-address <net> <mask> summary-only; neighbor <aws-inside-ip> prefix-list <name> out"},
			{Vendor: vSRX, Hint: "show route advertising-protocol bgp <aws-inside-ip> | count; an export policy with route-filter entries"},
			{Vendor: vPAN, Hint: "show routing protocol bgp rib-out; BGP export rules"},
			{Vendor: vForti, Hint: "get router info bgp neighbors <aws-inside-ip> advertised-routes; set prefix-list-out <name> on the neighbor"},
		},
		References: []string{
			"RFC 4271 §6.7 (Cease; upper bound on prefixes from a neighbor)",
			"RFC 4486 (Cease subcode 1: Maximum Number of Prefixes Reached)",
			refAWSQuotas,
			refAWSLogs,
		},
		Messages: []string{
			"AWS-side peer is reporting a maximum prefix limit warning - received {prefixes (count): xxx} prefixes from neighbor {ip: xxx}, limit is {limit (numeric): xxx}",
		},
	},
	{
		Category:   BGPPrefixLimitExceed,
		Layer:      "bgp",
		Title:      "Prefix limit exceeded",
		Meaning:    "The customer gateway sent more prefixes than AWS accepts on the session. AWS tears the session down (a Cease 6/1 notification follows) and all routes over this tunnel are lost until the count is reduced.",
		ActingSide: "customer_gateway",
		Severity:   SevCritical,
		Anomaly:    true,
		Causes: []string{
			"A redistribution change or a new network pushed the advertised count past the limit.",
			"Summarisation removed or a filter deleted on the gateway.",
		},
		Checks: []string{
			"Reduce advertisements below the limit (summaries, outbound prefix list), then reset the session.",
		},
		GatewayHints: []GatewayHint{
			{Vendor: vIOS, Hint: "show ip bgp neighbors <aws-inside-ip> advertised-routes | count; neighbor <aws-inside-ip> prefix-list <name> out; clear ip bgp <aws-inside-ip>"},
			{Vendor: vSRX, Hint: "show route advertising-protocol bgp <aws-inside-ip> | count; clear bgp neighbor <aws-inside-ip>"},
			{Vendor: vPAN, Hint: "show routing protocol bgp rib-out"},
			{Vendor: vForti, Hint: "get router info bgp neighbors <aws-inside-ip> advertised-routes; execute router clear bgp ip <aws-inside-ip>"},
		},
		References: []string{
			"RFC 4271 §6.7 (Cease)",
			"RFC 4486 (Cease subcode 1: Maximum Number of Prefixes Reached)",
			refAWSQuotas,
			refAWSLogs,
		},
		Messages: []string{
			"AWS-side peer detected the maximum prefix limit was exceeded - received {prefixes (count): xxx} prefixes from neighbor {ip: xxx}, limit is {limit (numeric): xxx}",
		},
	},
	ceaseEntry(BGPCeaseMaxPrefixes, 1, "Maximum Number of Prefixes Reached", SevCritical,
		"The session was closed because a prefix limit was exceeded. Sent by AWS: the customer gateway advertised more routes than AWS accepts (a prefix limit record usually comes first). Received by AWS: the customer gateway has a maximum-prefix limit on this neighbor and AWS advertised more (VPC, transit gateway or propagated routes).",
		[]string{
			"Sent: the gateway advertises more prefixes than the AWS limit.",
			"Received: the gateway's maximum-prefix setting for this neighbor is lower than what AWS advertises.",
		},
		[]string{
			"Sent: reduce and summarise what the gateway advertises.",
			"Received: raise the gateway's maximum-prefix for the AWS neighbor, or summarise on the AWS side (fewer VPC/transit gateway routes).",
		},
		[]GatewayHint{
			{Vendor: vIOS, Hint: "Received: show ip bgp neighbors <aws-inside-ip>; neighbor <aws-inside-ip> maximum-prefix <n> 90 restart 5"},
			{Vendor: vIOS, Hint: "Sent: show ip bgp neighbors <aws-inside-ip> advertised-routes | count; aggregate-address <net> <mask> summary-only; neighbor <aws-inside-ip> prefix-list <name> out"},
			{Vendor: vSRX, Hint: "Received: set protocols bgp group <g> neighbor <aws-inside-ip> family inet unicast prefix-limit maximum <n>"},
			{Vendor: vSRX, Hint: "Sent: show route advertising-protocol bgp <aws-inside-ip> | count; route-filter terms in the export policy towards AWS"},
			{Vendor: vForti, Hint: "Received: config router bgp / config neighbor / edit <aws-inside-ip> / set maximum-prefix <n>"},
			{Vendor: vForti, Hint: "Sent: get router info bgp neighbors <aws-inside-ip> advertised-routes; set prefix-list-out <name> on the neighbor"},
		}),
	ceaseEntry(BGPCeaseAdminShut, 2, "Administrative Shutdown", SevCritical,
		"The session was shut down on purpose. Received by AWS: someone shut the neighbor on the customer gateway. Sent by AWS: the AWS side closed the session administratively (for example during maintenance or a change to the VPN connection).",
		[]string{
			"Received: neighbor shutdown on the gateway, or a BGP process stop.",
			"Sent: AWS-side maintenance or a modification of the VPN connection.",
		},
		[]string{
			"Received: check the gateway's change log for a shutdown of this neighbor and re-enable it.",
			"Sent: AWS shut the session down on its side (maintenance such as a tunnel endpoint replacement, or a change to the VPN connection); nothing needs changing on the gateway. Check AWS Health events and CloudTrail (ModifyVpnConnection, ModifyVpnTunnelOptions) for that time.",
			"Sent: confirm the other tunnel carried the traffic meanwhile and that the gateway's session came back once AWS re-enabled it.",
		},
		[]GatewayHint{
			{Vendor: vIOS, Hint: "Received: show ip bgp neighbors <aws-inside-ip> (Administratively shut down); no neighbor <aws-inside-ip> shutdown"},
			{Vendor: vIOS, Hint: "Sent: show ip bgp summary (the neighbor returns to Established by itself); show ip route <vpc-cidr> (the path via the other tunnel meanwhile)"},
			{Vendor: vSRX, Hint: "Received: show bgp neighbor <aws-inside-ip>; look for deactivate protocols bgp group <g> neighbor <aws-inside-ip> in the configuration"},
			{Vendor: vSRX, Hint: "Sent: show bgp summary; show route <vpc-cidr>"},
			{Vendor: vForti, Hint: "Received: get router info bgp neighbors <aws-inside-ip>; set shutdown disable on the neighbor"},
			{Vendor: vForti, Hint: "Sent: get router info bgp summary; get router info routing-table bgp"},
		}),
	ceaseEntry(BGPCeasePeerDeconf, 3, "Peer De-configured", SevCritical,
		"The neighbor was removed from one side's configuration (AWS's table calls this subcode \"Peer Unconfigured\"; RFC 4486 names it \"Peer De-configured\"). Received by AWS: the customer gateway no longer has this neighbor configured. Sent by AWS: the AWS side removed the peer, for example while the VPN connection or tunnel was modified or deleted.",
		[]string{
			"Received: the neighbor statement was removed or changed on the gateway.",
			"Sent: the VPN connection, its tunnel options or the customer gateway were modified or deleted on the AWS side.",
		},
		[]string{
			"Received: restore the neighbor configuration for the AWS inside IP.",
			"Sent: check recent changes to the VPN connection (CloudTrail ModifyVpnConnection, ModifyVpnTunnelOptions, DeleteVpnConnection).",
			"Sent: if the tunnel's inside CIDR changed, move the gateway's tunnel interface address and BGP neighbor to the new addresses (get_tunnel_options).",
		},
		[]GatewayHint{
			{Vendor: vIOS, Hint: "Received: show running-config | section router bgp (the neighbor <aws-inside-ip> must still be there)"},
			{Vendor: vIOS, Hint: "Sent: show ip bgp summary; show ip interface brief (the tunnel interface address must be in the tunnel's inside CIDR)"},
			{Vendor: vSRX, Hint: "Received: show configuration protocols bgp"},
			{Vendor: vSRX, Hint: "Sent: show bgp summary; show interfaces st0 terse"},
			{Vendor: vForti, Hint: "Received: show router bgp"},
			{Vendor: vForti, Hint: "Sent: get router info bgp summary; show system interface <tunnel-interface>"},
		}),
	ceaseEntry(BGPCeaseAdminReset, 4, "Administrative Reset", SevCritical,
		"The session was reset on purpose and is expected to come back. Received by AWS: someone cleared the BGP session on the customer gateway. Sent by AWS: the AWS side reset it (maintenance, configuration change).",
		[]string{
			"Received: clear ip bgp / clear bgp neighbor on the gateway, or automation doing so.",
			"Sent: AWS-side maintenance or a tunnel option change.",
		},
		[]string{
			"Received: find who or what reset the session (change log, automation, a soft reset that became hard).",
			"Received: prefer soft resets (route refresh) on the gateway to avoid dropping the session.",
			"Sent: AWS reset the session on its side (maintenance or a tunnel option change) and it comes back by itself; check AWS Health events and CloudTrail for that time.",
		},
		[]GatewayHint{
			{Vendor: vIOS, Hint: "Received: clear ip bgp <aws-inside-ip> soft instead of a hard clear"},
			{Vendor: vIOS, Hint: "Sent: show ip bgp summary (Up/Down shows when the session came back)"},
			{Vendor: vSRX, Hint: "Received: clear bgp neighbor <aws-inside-ip> soft"},
			{Vendor: vSRX, Hint: "Sent: show bgp summary"},
			{Vendor: vForti, Hint: "Received: execute router clear bgp ip <aws-inside-ip> soft"},
			{Vendor: vForti, Hint: "Sent: get router info bgp summary"},
		}),
	ceaseEntry(BGPCeaseConnRejected, 5, "Connection Rejected", SevCritical,
		"A BGP connection attempt was refused after TCP came up. Received by AWS: the customer gateway does not accept a session from AWS's address (neighbor missing, passive only, or a limit reached). Sent by AWS: AWS refused the gateway's connection (for example the source address is not the expected inside IP).",
		[]string{
			"The gateway's neighbor address or update-source does not match the tunnel inside IPs.",
			"The gateway refuses incoming sessions from this peer (policy, session limit).",
		},
		[]string{
			"Received: the customer gateway refused AWS's connection: check that it has a neighbor for this tunnel's AWS inside IP (<aws-inside-ip>) with the Amazon side ASN as remote AS, that the neighbor is not shut down, and that no connection limit, access list or TTL security refuses AWS; the gateway's BGP log says why it sent the Cease.",
			"Sent: AWS refused the gateway's connection: check that the gateway peers from its tunnel inside IP to the AWS inside IP of the same tunnel (update-source / local address).",
		},
		[]GatewayHint{
			{Vendor: vIOS, Hint: "Received: show ip bgp neighbors <aws-inside-ip> (state, last reset, notification sent); show running-config | section router bgp (neighbor <aws-inside-ip> remote-as <amazon-side-asn>, not shut down); debug ip bgp <aws-inside-ip> events"},
			{Vendor: vIOS, Hint: "Sent: show ip bgp neighbors <aws-inside-ip> (Local host address); no neighbor <aws-inside-ip> update-source (peer from the tunnel interface)"},
			{Vendor: vSRX, Hint: "Received: show bgp neighbor <aws-inside-ip> (Last error: Cease sent); show configuration protocols bgp (the neighbor and its peer-as)"},
			{Vendor: vSRX, Hint: "Sent: show bgp neighbor <aws-inside-ip>; check local-address in the BGP group"},
			{Vendor: vForti, Hint: "Received: get router info bgp neighbors <aws-inside-ip>; diagnose ip router bgp all enable, diagnose ip router bgp level info, diagnose debug enable"},
			{Vendor: vForti, Hint: "Sent: get router info bgp neighbors <aws-inside-ip>; check update-source on the neighbor"},
		}),
	ceaseEntry(BGPCeaseConfigChange, 6, "Other Configuration Change", SevCritical,
		"A configuration change that needs a new session (timers, capabilities, AS, address families) was made and the session was restarted to apply it. Received by AWS: the change was on the customer gateway. Sent by AWS: on the AWS side.",
		[]string{
			"Received: BGP settings for this neighbor changed on the gateway.",
			"Sent: the VPN connection or its tunnel options changed on the AWS side.",
		},
		[]string{
			"Received: match the time with the gateway's change log: a change to this neighbor's BGP settings (timers, capabilities, AS, address families) restarted the session.",
			"Sent: match the time with CloudTrail VPN modifications (ModifyVpnConnection, ModifyVpnTunnelOptions); nothing needs changing on the gateway.",
		},
		[]GatewayHint{
			{Vendor: vIOS, Hint: "Received: show archive log config all (configuration change log); show ip bgp neighbors <aws-inside-ip> (last reset)"},
			{Vendor: vSRX, Hint: "Received: show system commit; show bgp neighbor <aws-inside-ip>"},
			{Vendor: vForti, Hint: "Received: get router info bgp neighbors <aws-inside-ip>; the system event log lists configuration changes"},
		}),
	ceaseEntry(BGPCeaseCollision, 7, "Connection Collision Resolution", SevWarning,
		"Both sides opened a TCP connection at the same time; one of the two connections was closed to resolve the collision (the BGP identifiers decide which). The session continues on the other connection. Harmless once; repeated collisions delay or flap the session.",
		[]string{
			"Both sides actively connect at the same moment, typically right after the tunnel comes up.",
		},
		[]string{
			"Only if it repeats: let AWS initiate (make the gateway's neighbor passive) or stagger the connect retry timers.",
		},
		[]GatewayHint{
			{Vendor: vIOS, Hint: "neighbor <aws-inside-ip> transport connection-mode passive"},
			{Vendor: vSRX, Hint: "set protocols bgp group <g> passive"},
			{Vendor: vForti, Hint: "set passive enable on the neighbor"},
		}),
	{
		Category:   BGPEndOfRIB,
		Layer:      "bgp",
		Title:      "End-of-RIB sent",
		Meaning:    "AWS finished sending its initial routes to the customer gateway after the session was established (the End-of-RIB marker).",
		ActingSide: "aws",
		Severity:   SevInfo,
		Anomaly:    false,
		Causes: []string{
			"Normal end of the initial route transfer.",
		},
		Checks: []string{
			"Confirm the gateway received the VPC or transit gateway routes it should.",
		},
		GatewayHints: []GatewayHint{
			{Vendor: vIOS, Hint: "show ip bgp neighbors <aws-inside-ip> routes"},
			{Vendor: vSRX, Hint: "show route receive-protocol bgp <aws-inside-ip>"},
			{Vendor: vForti, Hint: "get router info bgp neighbors <aws-inside-ip> routes"},
		},
		References: []string{
			"RFC 4724 §2 (End-of-RIB marker)",
			refAWSLogs,
		},
		Messages: []string{
			"AWS-side peer sent an End-of-RIB message to neighbor {ip: xxx}",
		},
	},
	{
		Category:   BGPUpdateReceived,
		Layer:      "bgp",
		Title:      "UPDATE received",
		Meaning:    "AWS received an UPDATE with path attributes from the neighbor; the AS path is in the record.",
		ActingSide: "customer_gateway",
		Severity:   SevInfo,
		Anomaly:    false,
		Causes: []string{
			"The gateway advertised or changed routes.",
		},
		Checks: []string{
			"Check the AS path is what you intend (prepending is how the gateway makes AWS prefer one tunnel).",
		},
		References: []string{
			"RFC 4271 §4.3 (UPDATE message format)",
			"RFC 4271 §5.1.2 (AS_PATH)",
			refAWSRouting,
			refAWSLogs,
		},
		Messages: []string{
			"AWS-side peer received update with attributes from neighbor {ip: xxx} - AS path: {aspath (list): xxx xxx xxx}",
		},
	},
	{
		Category:   RouteAdvertised,
		Layer:      "route",
		Title:      "Route advertised",
		Meaning:    "The customer gateway advertised a prefix and AWS accepted it; the record carries its attributes (AS path, local preference, MED, next hop, weight).",
		ActingSide: "customer_gateway",
		Severity:   SevInfo,
		Anomaly:    false,
		Causes: []string{
			"Session set-up or a new route on the gateway.",
		},
		Checks: []string{
			"Check that the prefix and its AS path are intended.",
		},
		References: []string{
			"RFC 4271 §4.3 (UPDATE message format)",
			"RFC 4271 §9 (UPDATE message handling)",
			refAWSLogs,
		},
	},
	{
		Category:   RouteUpdated,
		Layer:      "route",
		Title:      "Route updated",
		Meaning:    "The customer gateway re-advertised a known prefix with changed attributes (for example AS path or MED). Many updates of one prefix in a short time mean route flapping on the gateway side.",
		ActingSide: "customer_gateway",
		Severity:   SevInfo,
		Anomaly:    false,
		Causes: []string{
			"A routing change on the gateway side (path, metric, preference).",
		},
		Checks: []string{
			"If one prefix updates repeatedly, look for an unstable upstream route on the gateway.",
		},
		References: []string{
			"RFC 4271 §9 (UPDATE message handling)",
			refAWSLogs,
		},
	},
	{
		Category:   RouteWithdrawn,
		Layer:      "route",
		Title:      "Route withdrawn",
		Meaning:    "The customer gateway withdrew a prefix. Traffic for it now uses another tunnel or connection, or has no path. Many withdrawals at once usually mean the session or the gateway's own upstream went down.",
		ActingSide: "customer_gateway",
		Severity:   SevNotice,
		Anomaly:    false,
		Causes: []string{
			"The route disappeared on the gateway side, or the gateway filtered it.",
			"Mass withdrawals: the gateway lost an upstream link or is shutting the session.",
		},
		Checks: []string{
			"Check whether the other tunnel still advertises the prefix.",
		},
		References: []string{
			"RFC 4271 §4.3 (UPDATE: withdrawn routes)",
			refAWSLogs,
		},
	},
	{
		Category:   RouteDeniedASLoop,
		Layer:      "route",
		Title:      "Route denied: AS path loop",
		Meaning:    "AWS rejected a prefix from the customer gateway because its AS path already contains the AWS-side AS. Either the gateway re-advertises routes it learned from AWS, or the on-premises network uses the same ASN as the Amazon side.",
		ActingSide: "customer_gateway",
		Severity:   SevError,
		Anomaly:    true,
		Causes: []string{
			"The gateway passes routes learned from AWS (this tunnel, the other tunnel, another VPN or Direct Connect) back to AWS.",
			"The on-premises network uses the Amazon side ASN (64512 by default) for its own routers.",
		},
		Checks: []string{
			"Filter routes whose AS path contains the Amazon side ASN out of what the gateway advertises to AWS.",
			"Use an on-premises ASN different from the Amazon side ASN.",
		},
		GatewayHints: []GatewayHint{
			{Vendor: vIOS, Hint: "ip as-path access-list 10 deny _64512_ / ip as-path access-list 10 permit .* / neighbor <aws-inside-ip> filter-list 10 out"},
			{Vendor: vSRX, Hint: "show route advertising-protocol bgp <aws-inside-ip> detail; policy-options as-path AWS \".* 64512 .*\" with a reject term in the export policy"},
			{Vendor: vPAN, Hint: "BGP Export rule matching the AS path regular expression of the Amazon side ASN with action deny"},
			{Vendor: vForti, Hint: "config router aspath-list with a deny rule for _64512_, applied as filter-list-out on the neighbor"},
		},
		References: []string{
			"RFC 4271 §9.1.2 (routes whose AS_PATH contains the local AS are excluded)",
			"RFC 4271 §5.1.2 (AS_PATH)",
			refAWSLogs,
		},
		Messages: []string{
			"DENIED due to: as-path contains our own AS",
		},
	},
	{
		Category:   RouteDeniedNextHop,
		Layer:      "route",
		Title:      "Route denied: next hop not connected",
		Meaning:    "AWS rejected a prefix because its BGP next hop is not on a network directly connected to the AWS side of this tunnel (the tunnel inside /30). The route must point at the gateway's tunnel inside IP.",
		ActingSide: "customer_gateway",
		Severity:   SevError,
		Anomaly:    true,
		Causes: []string{
			"An outbound route-map or export policy towards AWS sets the next hop explicitly (for example to a LAN router's address). On eBGP the gateway advertises its own address as next hop unless a policy overrides it.",
			"The session is sourced from another interface (loopback, LAN) instead of the tunnel interface.",
		},
		Checks: []string{
			checkNextHop,
			"Peer from the tunnel interface (update-source / local address), so the default next hop is the gateway's tunnel inside IP.",
		},
		GatewayHints: []GatewayHint{
			{Vendor: vIOS, Hint: "show ip bgp neighbors <aws-inside-ip> advertised-routes (Next Hop column); show running-config | section router bgp (neighbor <aws-inside-ip> route-map <name> out); show route-map <name>: remove its set ip next-hop clause, or no neighbor <aws-inside-ip> route-map <name> out"},
			{Vendor: vASA, Hint: "show bgp neighbors <aws-inside-ip> advertised-routes; show running-config route-map (set ip next-hop in the route-map applied out to <aws-inside-ip>): remove that clause"},
			{Vendor: vSRX, Hint: "show route advertising-protocol bgp <aws-inside-ip> detail (Nexthop); show configuration policy-options (a then next-hop <address> action in the export policy of the AWS group): delete it, or use then next-hop self"},
			{Vendor: vPAN, Hint: "Network > Virtual Routers > BGP > Export: the rule for the AWS peer must not set an explicit next hop; show routing protocol bgp rib-out"},
			{Vendor: vForti, Hint: "get router info bgp neighbors <aws-inside-ip> advertised-routes; show router route-map (set-ip-nexthop in the route-map-out of the neighbor): unset set-ip-nexthop in that rule, or unset route-map-out on the neighbor"},
		},
		References: []string{
			"RFC 4271 §5.1.3 (NEXT_HOP)",
			"RFC 4271 §9.1.2 (routes with an unresolvable NEXT_HOP are excluded)",
			refAWSLogs,
		},
		Messages: []string{
			"DENIED due to: non-connected next-hop",
		},
	},
	{
		Category:   RouteDeniedOther,
		Layer:      "route",
		Title:      "Route denied",
		Meaning:    "AWS rejected a prefix from the customer gateway for the reason given in the record (deny reason).",
		ActingSide: "customer_gateway",
		Severity:   SevError,
		Anomaly:    true,
		Causes: []string{
			"A route attribute or prefix AWS does not accept; the reason text says which.",
		},
		Checks: []string{
			"Read the deny reason and compare the route's attributes with what the gateway means to advertise.",
		},
		References: []string{
			"RFC 4271 §9.1 (Decision process)",
			refAWSLogs,
		},
		Messages: []string{
			"DENIED due to: xxxx",
		},
	},
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
	// Extensions beyond the contract.
	{
		Category:   BGPCeaseOther,
		Layer:      "bgp",
		Title:      "Cease with another subcode",
		Meaning:    "A NOTIFICATION 6/N with a subcode outside 6/1–6/7 closed the BGP connection: 6/8 Out of Resources (the sender ran out of memory or session capacity), 6/9 Hard Reset (a graceful-restart-aware peer reset the session and flushed its routes), 6/10 BFD Down (BFD declared the path dead). " + ceaseDirection,
		ActingSide: "either",
		Severity:   SevCritical,
		Anomaly:    true,
		Causes: []string{
			"6/8: the sender is short of memory or has reached its session or route capacity.",
			"6/9: an operator or process hard-reset the session (RFC 8538 graceful restart in use).",
			"6/10: BFD on the sender lost the path.",
		},
		Checks: []string{
			"Received: read the customer gateway's BGP log and resource usage (memory, CPU, session count) at that time.",
			"Sent: compare with the tunnel's IKE records at the same second; a BFD or resource event on the AWS side usually follows a tunnel problem.",
		},
		GatewayHints: []GatewayHint{
			{Vendor: vIOS, Hint: "show ip bgp neighbors <aws-inside-ip> | include Last reset; show processes memory sorted"},
			{Vendor: vSRX, Hint: "show bgp neighbor <aws-inside-ip> | match \"Last error\"; show system processes extensive"},
			{Vendor: vForti, Hint: "get router info bgp neighbors <aws-inside-ip>; diagnose sys top"},
		},
		References: []string{
			refRFC4271Ceas,
			"RFC 4486 §4 (Cease subcode 8: Out of Resources)",
			"RFC 8538 §3 (Cease subcode 9: Hard Reset)",
			"RFC 9384 (Cease subcode 10: BFD Down)",
		},
		Messages: []string{
			"AWS-side peer sent a notification 6/8 (Cease/Out of Resources) to neighbor {ip: xxx}",
			"AWS-side peer received notification 6/9 (Cease/Hard Reset) from neighbor {ip: xxx}",
		},
	},
}

// ceaseEntry builds a Cease entry: the shared text says how direction
// decides whose logs to read.
func ceaseEntry(c Category, sub int, name string, sev Severity, meaning string, causes, checks []string, hints []GatewayHint) CatalogEntry {
	code := ceaseCodeStrings[sub]
	return CatalogEntry{
		Category:     c,
		Layer:        "bgp",
		Title:        "Cease " + code + ": " + name,
		Meaning:      "A NOTIFICATION " + code + " (Cease / " + name + ") closed the BGP connection. " + meaning + " " + ceaseDirection,
		ActingSide:   "either",
		Severity:     sev,
		Anomaly:      true,
		Causes:       causes,
		Checks:       checks,
		GatewayHints: hints,
		References: []string{
			refRFC4271Note,
			refRFC4271Ceas,
			"RFC 4486 (Cease subcode " + code[2:] + ": " + ceaseRFCName(sub, name) + ")",
			refAWSLogs,
		},
		Messages: []string{
			"AWS-side peer sent a notification " + code + " (Cease/" + ceaseAWSName(sub, name) + ") to neighbor {ip: xxx}",
			"AWS-side peer received notification " + code + " (Cease/" + ceaseAWSName(sub, name) + ") from neighbor {ip: xxx}",
		},
	}
}

// AWS's table calls 6/3 "Peer Unconfigured"; RFC 4486 says "Peer De-configured".
func ceaseAWSName(sub int, name string) string {
	if sub == 3 {
		return "Peer Unconfigured"
	}
	return name
}

func ceaseRFCName(sub int, name string) string {
	if sub == 7 {
		return name + "; see also RFC 4271 §6.8"
	}
	return name
}

// Generic checks that advice for a known tunnel replaces with the tunnel's
// own values (or leaves out when the tunnel already has what they suggest).
const (
	checkDPDAction     = "On the AWS side, consider DPD timeout action restart and startup action start for the tunnel, so AWS re-initiates it after a DPD timeout instead of waiting for the gateway."
	checkIKEVersion    = "Match the IKE version with the tunnel's IkeVersions and read the gateway's IKE log for the same minute."
	checkPhase2Options = "Compare the phase 2 settings and PFS group with the tunnel options."
	checkNextHop       = "Remove or fix what sets the next hop on routes advertised to AWS: on eBGP the gateway advertises itself (its tunnel inside IP) as next hop unless an outbound route-map or export policy sets another one."
)

// Condition prefixes of checks and gateway hints. An item that starts with
// one applies only in that case: "Sent: " when AWS sent the notification
// (AWS closed the session), "Received: " when the customer gateway sent it,
// "IKEv1: "/"IKEv2: " for that IKE version, "Phase 1: "/"Phase 2: " for a
// failure in that phase, "With certificates: " for certificate
// authentication. The whole catalogue shows them as written; Advise keeps
// an item only when its condition holds (or is unknown) and drops the
// prefix once it is known to hold.
const (
	condSent         = "Sent: "
	condReceived     = "Received: "
	condIKEv1        = "IKEv1: "
	condIKEv2        = "IKEv2: "
	condPhase1       = "Phase 1: "
	condPhase2       = "Phase 2: "
	condCertificates = "With certificates: "
)

// AdviceContext is what a diagnosis knows beyond a record's class, so that
// advice fits the case: which side sent a notification, which IKE phase
// and version failed, the tunnel's own settings and addresses.
type AdviceContext struct {
	// Record is the cause's first record (direction, IKE phase and
	// version, route attributes); nil when there is none.
	Record *Event
	// Tunnel is the tunnel's options; nil when unknown.
	Tunnel *TunnelPolicy
	// OutsideIP is the tunnel's AWS outside IP; InsideCIDR its inside /30
	// (AWS's inside address is the first host, the gateway's the second).
	OutsideIP  string
	InsideCIDR string
}

// TunnelPolicy is what advice needs of a tunnel's options, with AWS's
// names in the comments. An empty list or zero value means the option is
// not set, so AWS's default applies.
type TunnelPolicy struct {
	IKEVersions       []string // IkeVersions: "ikev1", "ikev2"
	Phase1Encryption  []string // Phase1EncryptionAlgorithms: AES128, AES256, AES128-GCM-16, AES256-GCM-16
	Phase1Integrity   []string // Phase1IntegrityAlgorithms: SHA1, SHA2-256, SHA2-384, SHA2-512
	Phase1DHGroups    []int    // Phase1DHGroupNumbers
	Phase1LifetimeSec int      // Phase1LifetimeSeconds
	Phase2Encryption  []string
	Phase2Integrity   []string
	Phase2DHGroups    []int
	Phase2LifetimeSec int
	DPDTimeoutAction  string // clear (default), none, restart
	StartupAction     string // add (default), start
	// Certificates: the tunnel authenticates with certificates rather than
	// a pre-shared key.
	Certificates bool
}

// AWS's defaults for tunnel options that are not set (AWS Site-to-Site VPN
// User Guide: Tunnel options for your Site-to-Site VPN connection).
var (
	defaultIKEVersions = []string{"ikev1", "ikev2"}
	defaultEncryption  = []string{"AES128", "AES256", "AES128-GCM-16", "AES256-GCM-16"}
	defaultIntegrity   = []string{"SHA1", "SHA2-256", "SHA2-384", "SHA2-512"}
	defaultPhase1DH    = []int{2, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24}
	defaultPhase2DH    = []int{2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24}
)

const (
	defaultPhase1Lifetime = 28800
	defaultPhase2Lifetime = 3600
)

// Advice is what to check and which gateway commands help, for one cause.
type Advice struct {
	Checks       []string
	GatewayHints []GatewayHint
}

// adviceFacts are the conditions Advise decides on; zero means unknown.
type adviceFacts struct {
	dir          Direction
	ikeVersion   int
	phase        int
	certsKnown   bool
	certificates bool
}

func (ctx *AdviceContext) facts(c Category) adviceFacts {
	var f adviceFacts
	if r := ctx.Record; r != nil {
		f.dir, f.ikeVersion, f.phase = r.Direction, r.Fields.IKEVersion, r.Fields.Phase
	}
	switch c {
	case IKEPhase2Failed, IKETSUnacceptable, IKECGWDeleteChildSA:
		f.phase = 2
	case IKEPSKMismatch, IKEAuthFailed, IKEPhase1Timeout, IKECGWDeleteIKESA:
		f.phase = 1
	}
	if t := ctx.Tunnel; t != nil {
		f.certsKnown, f.certificates = true, t.Certificates
		if vs := t.ikeVersions(); f.ikeVersion == 0 && len(vs) == 1 {
			f.ikeVersion = vs[0]
		}
	}
	return f
}

// applies keeps an item whose condition holds or is unknown; a condition
// known to hold is dropped from the text.
func (f adviceFacts) applies(s string) (string, bool) {
	known := func(is, isNot bool) (string, bool) {
		i := strings.Index(s, ": ") + 2
		switch {
		case isNot:
			return "", false
		case is:
			return s[i:], true
		}
		return s, true
	}
	switch {
	case strings.HasPrefix(s, condSent):
		return known(f.dir == DirSent, f.dir == DirReceived)
	case strings.HasPrefix(s, condReceived):
		return known(f.dir == DirReceived, f.dir == DirSent)
	case strings.HasPrefix(s, condIKEv1):
		return known(f.ikeVersion == 1, f.ikeVersion == 2)
	case strings.HasPrefix(s, condIKEv2):
		return known(f.ikeVersion == 2, f.ikeVersion == 1)
	case strings.HasPrefix(s, condPhase1):
		return known(f.phase == 1, f.phase == 2)
	case strings.HasPrefix(s, condPhase2):
		return known(f.phase == 2, f.phase == 1)
	case strings.HasPrefix(s, condCertificates):
		return known(f.certsKnown && f.certificates, f.certsKnown && !f.certificates)
	}
	return s, true
}

// Advise returns the checks and gateway hints for cause c, fitted to what
// ctx knows: the advice for the side that did not act is left out, as are
// commands for the other IKE version, certificate advice for a tunnel that
// does not use certificates, and settings the tunnel already has; the
// tunnel's own algorithms, addresses and next hops are filled in.
func Advise(c Category, ctx AdviceContext) (Advice, bool) {
	i, ok := catalogIndex[c]
	if !ok {
		return Advice{}, false
	}
	e := &catalogEntries[i]
	f := ctx.facts(c)
	if c == IKEProposalMismatch && ctx.Tunnel != nil {
		return ctx.fill(proposalAdvice(ctx.Tunnel, f)), true
	}
	var adv Advice
	for _, ch := range e.Checks {
		if ctx.Tunnel != nil || ctx.Record != nil {
			ch = ctx.tailor(ch)
		}
		if ch == "" {
			continue
		}
		if s, ok := f.applies(ch); ok {
			adv.Checks = append(adv.Checks, upperFirst(s))
		}
	}
	for _, h := range e.GatewayHints {
		if s, ok := f.applies(h.Hint); ok {
			adv.GatewayHints = append(adv.GatewayHints, GatewayHint{Vendor: h.Vendor, Hint: s})
		}
	}
	return ctx.fill(adv), true
}

// tailor replaces a generic check with the tunnel's own case, or "" when
// the tunnel already has what the check suggests.
func (ctx *AdviceContext) tailor(ch string) string {
	t := ctx.Tunnel
	switch {
	case ch == checkDPDAction && t != nil:
		return dpdActionAdvice(t, ctx.vpnID(), ctx.OutsideIP)
	case ch == checkIKEVersion && t != nil:
		vs := t.ikeVersions()
		if len(vs) == 1 {
			return fmt.Sprintf("This tunnel allows only IKEv%d (IkeVersions): make sure the gateway initiates IKEv%d towards <aws-outside-ip>, and read the gateway's IKE log for the same minute.", vs[0], vs[0])
		}
		return "This tunnel allows IKEv1 and IKEv2: make sure the gateway uses one version consistently for this peer, and read the gateway's IKE log for the same minute."
	case ch == checkPhase2Options && t != nil:
		return accepts(t, 2) + " Compare the gateway's IPsec (ESP) proposal and PFS group with it."
	case ch == checkNextHop && ctx.Record != nil && ctx.Record.Route != nil && ctx.Record.Route.NextHopIP != "":
		want := "the gateway's tunnel inside IP"
		if _, cgw := insideAddrs(ctx.InsideCIDR); cgw != "" {
			want += " " + cgw
		}
		return fmt.Sprintf("AWS denied routes whose next hop is %s; it must be %s. On eBGP the gateway advertises itself as next hop unless an outbound route-map or export policy sets another one: remove or fix the clause that sets next hop %s on routes to AWS (or the route-map on the AWS neighbor); the routes are accepted at the next update.",
			ctx.Record.Route.NextHopIP, want, ctx.Record.Route.NextHopIP)
	}
	return ch
}

func (ctx *AdviceContext) vpnID() string {
	if ctx.Record != nil && ctx.Record.VPNConnectionID != "" {
		return ctx.Record.VPNConnectionID
	}
	return "<vpn-connection-id>"
}

// dpdActionAdvice suggests DPD timeout action restart unless the tunnel has it.
func dpdActionAdvice(t *TunnelPolicy, vpn, outsideIP string) string {
	action := strings.ToLower(t.DPDTimeoutAction)
	if action == "" {
		action = "clear"
	}
	if action == "restart" {
		return "" // AWS already re-initiates after a DPD timeout
	}
	what := "AWS ends the IKE session and waits for the gateway to initiate again"
	if action == "none" {
		what = "AWS keeps the dead tunnel's SAs and does not renegotiate"
	}
	set := "DPDTimeoutAction=restart"
	if !strings.EqualFold(t.StartupAction, "start") {
		set += ",StartupAction=start"
	}
	if outsideIP == "" {
		outsideIP = "<aws-outside-ip>"
	}
	return fmt.Sprintf("The tunnel's DPD timeout action is %s: after a DPD timeout %s. To have AWS re-initiate by itself, set %s: aws ec2 modify-vpn-tunnel-options --vpn-connection-id %s --vpn-tunnel-outside-ip-address %s --tunnel-options %s (the tunnel is briefly unavailable while it is modified).",
		action, what, set, vpn, outsideIP, set)
}

// fill puts the tunnel's addresses in place of the placeholders.
func (ctx *AdviceContext) fill(a Advice) Advice {
	var pairs []string
	if ctx.OutsideIP != "" {
		pairs = append(pairs, "<aws-outside-ip>", ctx.OutsideIP)
	}
	if aws, cgw := insideAddrs(ctx.InsideCIDR); aws != "" {
		pairs = append(pairs, "<aws-inside-ip>", aws, "<cgw-inside-ip>", cgw)
	}
	if len(pairs) == 0 {
		return a
	}
	r := strings.NewReplacer(pairs...)
	for i := range a.Checks {
		a.Checks[i] = r.Replace(a.Checks[i])
	}
	for i := range a.GatewayHints {
		a.GatewayHints[i].Hint = r.Replace(a.GatewayHints[i].Hint)
	}
	return a
}

// insideAddrs are AWS's and the customer gateway's addresses in a tunnel's
// inside /30: its first and second hosts.
func insideAddrs(cidr string) (aws, cgw string) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() || p.Bits() > 30 {
		return "", ""
	}
	a := p.Masked().Addr().Next()
	return a.String(), a.Next().String()
}

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// ikeVersions are the IKE versions the tunnel allows, as numbers.
func (t *TunnelPolicy) ikeVersions() []int {
	vs := t.IKEVersions
	if len(vs) == 0 {
		vs = defaultIKEVersions
	}
	var out []int
	for _, v := range vs {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "ikev1":
			out = append(out, 1)
		case "ikev2":
			out = append(out, 2)
		}
	}
	return out
}

// phaseOptions are one phase's allowed algorithms, AWS defaults filled in.
type phaseOptions struct {
	enc, integ              []string
	dh                      []int
	life                    int
	encDef, integDef, dhDef bool
}

func (t *TunnelPolicy) phase(n int) phaseOptions {
	o := phaseOptions{enc: t.Phase1Encryption, integ: t.Phase1Integrity, dh: t.Phase1DHGroups, life: t.Phase1LifetimeSec}
	defDH, defLife := defaultPhase1DH, defaultPhase1Lifetime
	if n == 2 {
		o = phaseOptions{enc: t.Phase2Encryption, integ: t.Phase2Integrity, dh: t.Phase2DHGroups, life: t.Phase2LifetimeSec}
		defDH, defLife = defaultPhase2DH, defaultPhase2Lifetime
	}
	if len(o.enc) == 0 {
		o.enc, o.encDef = defaultEncryption, true
	}
	if len(o.integ) == 0 {
		o.integ, o.integDef = defaultIntegrity, true
	}
	if len(o.dh) == 0 {
		o.dh, o.dhDef = defDH, true
	}
	if o.life == 0 {
		o.life = defLife
	}
	return o
}

// accepts says what AWS accepts for one phase on this tunnel.
func accepts(t *TunnelPolicy, n int) string {
	o := t.phase(n)
	def := func(d bool) string {
		if d {
			return " (the AWS default)"
		}
		return ""
	}
	groups := make([]string, len(o.dh))
	for i, g := range o.dh {
		groups[i] = fmt.Sprint(g)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "AWS accepts for phase %d on this tunnel: ", n)
	if n == 1 {
		vs := t.ikeVersions()
		names := make([]string, len(vs))
		for i, v := range vs {
			names[i] = fmt.Sprintf("IKEv%d", v)
		}
		fmt.Fprintf(&b, "%s; ", strings.Join(names, " or "))
	}
	fmt.Fprintf(&b, "encryption %s%s; integrity %s%s; ", strings.Join(o.enc, ", "), def(o.encDef), strings.Join(o.integ, ", "), def(o.integDef))
	if n == 2 {
		b.WriteString("PFS with ")
	}
	noun := "DH group"
	if len(groups) > 1 {
		noun = "DH groups"
	}
	fmt.Fprintf(&b, "%s %s%s; lifetime up to %d s.", noun, strings.Join(groups, ", "), def(o.dhDef), o.life)
	return b.String()
}

// suite is one combination a gateway can propose: AWS algorithm names.
type suite struct {
	enc, integ string
	dh, life   int
}

func (s suite) gcm() bool { return strings.Contains(strings.ToUpper(s.enc), "GCM") }

func (s suite) keyBits() string {
	if strings.Contains(s.enc, "128") {
		return "128"
	}
	return "256"
}

// shaBits is the SHA variant: "1", "256", "384" or "512".
func (s suite) shaBits() string {
	switch strings.ToUpper(s.integ) {
	case "SHA1":
		return "1"
	case "SHA2-384":
		return "384"
	case "SHA2-512":
		return "512"
	}
	return "256"
}

// pickSuite chooses the combination the gateway snippets use: CBC before
// GCM (IKEv1 has no GCM for phase 1, and every platform has CBC), SHA2-256
// first, and a widely supported DH group.
func pickSuite(o phaseOptions) suite {
	pick := func(list, pref []string) string {
		for _, p := range pref {
			for _, v := range list {
				if strings.EqualFold(v, p) {
					return v
				}
			}
		}
		return list[0]
	}
	s := suite{enc: pick(o.enc, []string{"AES256", "AES128", "AES256-GCM-16", "AES128-GCM-16"}),
		integ: pick(o.integ, []string{"SHA2-256", "SHA2-384", "SHA2-512", "SHA1"}), dh: o.dh[0], life: o.life}
	for _, g := range []int{14, 20, 19, 21, 15, 16, 24, 17, 18, 23, 22, 5, 2} {
		if containsInt(o.dh, g) {
			s.dh = g
			break
		}
	}
	return s
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// proposalAdvice is the advice for a proposal mismatch on a tunnel whose
// options are known: which phase failed, what AWS accepts for it, and
// per-platform configuration with those values.
func proposalAdvice(t *TunnelPolicy, f adviceFacts) Advice {
	var adv Advice
	switch f.phase {
	case 1:
		adv.Checks = append(adv.Checks, "Phase 1 (the IKE SA) failed: AWS accepted none of the IKE proposals the gateway offered.")
	case 2:
		sa := map[int]string{0: "the CHILD_SA / IKEv1 quick mode", 1: "IKEv1 quick mode", 2: "the CHILD_SA"}[f.ikeVersion]
		adv.Checks = append(adv.Checks, "Phase 2 ("+sa+") failed with phase 1 up: the gateway's IPsec (ESP) proposal or PFS group does not match.")
	default:
		adv.Checks = append(adv.Checks, "The record does not say which phase failed: compare both phases.")
	}
	phases := []int{1, 2}
	switch f.phase {
	case 1:
		phases = []int{1}
	case 2:
		phases = []int{2}
	}
	suites := map[int]suite{}
	var used []string
	for _, n := range phases {
		adv.Checks = append(adv.Checks, accepts(t, n))
		s := pickSuite(t.phase(n))
		suites[n] = s
		if s.gcm() && n == 2 {
			used = append(used, fmt.Sprintf("phase %d %s, DH group %d", n, s.enc, s.dh))
		} else {
			used = append(used, fmt.Sprintf("phase %d %s, %s, DH group %d", n, s.enc, s.integ, s.dh))
		}
	}
	which := "phase 1 proposal"
	switch f.phase {
	case 2:
		which = "phase 2 proposal and PFS group"
	case 0:
		which = "proposals for both phases"
	}
	adv.Checks = append(adv.Checks, fmt.Sprintf("Configure the gateway's %s to one of these (it may offer others too, as long as one matches), then clear the SA so it renegotiates. The commands below use %s.", which, strings.Join(used, "; ")))
	if f.phase != 1 {
		adv.Checks = append(adv.Checks, "Enable PFS on the gateway's phase 2 with one of the DH groups above: AWS requires it.")
		if f.ikeVersion != 1 {
			adv.Checks = append(adv.Checks, fmt.Sprintf("With IKEv2 the first CHILD_SA is created inside IKE_AUTH without a Diffie-Hellman exchange, so a missing or different PFS group shows only at the first rekey (CREATE_CHILD_SA), shortly before the phase 2 lifetime (%d s) runs out.", t.phase(2).life))
		}
	}
	adv.Checks = append(adv.Checks, "Keep the gateway's lifetimes at or below the tunnel's.")
	adv.GatewayHints = proposalHints(suites, f.ikeVersion)
	return adv
}

// proposalHints writes each platform's configuration for the chosen suites
// and IKE version v (0: the tunnel allows both and the record does not
// say, so the version is left as it is; platforms whose commands differ by
// version get one hint per version, labelled).
func proposalHints(suites map[int]suite, v int) []GatewayHint {
	p1, has1 := suites[1]
	p2, has2 := suites[2]
	var out []GatewayHint
	add := func(vendor, tag string, parts ...string) {
		var keep []string
		for _, p := range parts {
			if p != "" {
				keep = append(keep, p)
			}
		}
		out = append(out, GatewayHint{Vendor: vendor, Hint: tag + strings.Join(keep, "; ")})
	}
	sha := func(s suite) string { return "sha" + s.shaBits() }
	versions, tag := []int{v}, func(int) string { return "" }
	if v == 0 {
		versions, tag = []int{2, 1}, func(v int) string { return fmt.Sprintf("IKEv%d: ", v) }
	}
	// Cisco IOS: phase 1 differs by version (ikev2 proposal, isakmp
	// policy); phase 2 is the same transform set and profile.
	var ios2 string
	if has2 {
		ts := fmt.Sprintf("esp-aes %s esp-%s-hmac", p2.keyBits(), strings.Replace(sha(p2), "sha1", "sha", 1))
		if p2.gcm() {
			ts = "esp-gcm " + p2.keyBits()
		}
		ios2 = fmt.Sprintf("crypto ipsec transform-set AWS %s / mode tunnel; in the crypto ipsec profile (or crypto map entry): set transform-set AWS / set pfs group%d / set security-association lifetime seconds %d; show crypto ipsec transform-set", ts, p2.dh, p2.life)
	}
	if !has1 {
		add(vIOS, "", ios2)
	}
	for _, ver := range versions {
		if !has1 {
			break
		}
		var a string
		switch {
		case ver == 1:
			hash := strings.Replace(sha(p1), "sha1", "sha", 1)
			a = fmt.Sprintf("crypto isakmp policy 10 / encryption aes %s / hash %s / authentication pre-share / group %d / lifetime %d; show crypto isakmp policy; debug crypto isakmp", p1.keyBits(), hash, p1.dh, p1.life)
		case p1.gcm():
			a = fmt.Sprintf("crypto ikev2 proposal AWS / encryption aes-gcm-%s / prf %s / group %d; lifetime %d in the crypto ikev2 profile; show crypto ikev2 proposal; debug crypto ikev2", p1.keyBits(), sha(p1), p1.dh, p1.life)
		default:
			a = fmt.Sprintf("crypto ikev2 proposal AWS / encryption aes-cbc-%s / integrity %s / group %d; lifetime %d in the crypto ikev2 profile; show crypto ikev2 proposal; debug crypto ikev2", p1.keyBits(), sha(p1), p1.dh, p1.life)
		}
		add(vIOS, tag(ver), a, ios2)
	}
	// Cisco ASA: both phases differ by version.
	asaEnc := func(s suite) string {
		e := "aes"
		if s.gcm() {
			e = "aes-gcm"
		}
		if s.keyBits() == "256" {
			e += "-256"
		}
		return e
	}
	for _, ver := range versions {
		var a, b string
		if has1 {
			integ := strings.Replace(sha(p1), "sha1", "sha", 1)
			switch {
			case ver == 1:
				a = fmt.Sprintf("a crypto ikev1 policy with authentication pre-share, encryption %s, hash %s, DH group %d, lifetime %d; show running-config crypto ikev1", p1.enc, p1.integ, p1.dh, p1.life)
			case p1.gcm():
				a = fmt.Sprintf("crypto ikev2 policy 10 / encryption %s / integrity null / prf %s / group %d / lifetime seconds %d; show running-config crypto ikev2", asaEnc(p1), integ, p1.dh, p1.life)
			default:
				a = fmt.Sprintf("crypto ikev2 policy 10 / encryption %s / integrity %s / prf %s / group %d / lifetime seconds %d; show running-config crypto ikev2", asaEnc(p1), integ, integ, p1.dh, p1.life)
			}
		}
		if has2 {
			if ver == 1 {
				b = fmt.Sprintf("an ikev1 transform-set with ESP %s and %s HMAC; set pfs group%d and set security-association lifetime seconds %d in the crypto map entry; show running-config crypto ipsec", p2.enc, p2.integ, p2.dh, p2.life)
			} else {
				integ := "sha-" + p2.shaBits()
				if p2.gcm() {
					integ = "null"
				}
				b = fmt.Sprintf("crypto ipsec ikev2 ipsec-proposal AWS / protocol esp encryption %s / protocol esp integrity %s; set pfs group%d and set security-association lifetime seconds %d in the crypto map entry or ipsec-profile; show running-config crypto ipsec", asaEnc(p2), integ, p2.dh, p2.life)
			}
		}
		add(vASA, tag(ver), a, b)
	}
	// The other platforms set the version with one statement; it is named
	// only when known.
	withVersion := func(s string) string {
		if v == 0 || !has1 {
			return ""
		}
		return fmt.Sprintf(s, v)
	}
	cbc := func(s suite) string {
		if s.gcm() {
			return "aes-" + s.keyBits() + "-gcm"
		}
		return "aes-" + s.keyBits() + "-cbc"
	}
	{ // Juniper SRX
		var a, b string
		if has1 {
			auth := " authentication-algorithm " + strings.Replace("sha-"+p1.shaBits(), "sha-1", "sha1", 1)
			if p1.gcm() {
				auth = ""
			}
			a = fmt.Sprintf("set security ike proposal AWS-P1 authentication-method pre-shared-keys dh-group group%d%s encryption-algorithm %s lifetime-seconds %d", p1.dh, auth, cbc(p1), p1.life)
		}
		if has2 {
			auth := " authentication-algorithm " + map[string]string{"1": "hmac-sha1-96", "256": "hmac-sha-256-128", "384": "hmac-sha-384", "512": "hmac-sha-512"}[p2.shaBits()]
			if p2.gcm() {
				auth = ""
			}
			b = fmt.Sprintf("set security ipsec proposal AWS-P2 protocol esp%s encryption-algorithm %s lifetime-seconds %d; set security ipsec policy <policy> perfect-forward-secrecy keys group%d", auth, cbc(p2), p2.life, p2.dh)
		}
		show := "show security ike security-associations detail"
		if !has1 {
			show = "show security ipsec security-associations detail"
		}
		add(vSRX, "", a, withVersion("set security ike gateway <gw> version v%d-only"), b, show)
	}
	{ // Palo Alto
		var a, b string
		if has1 {
			a = fmt.Sprintf("IKE Crypto profile: encryption %s, authentication %s, DH group group%d, key lifetime %d seconds", cbc(p1), sha(p1), p1.dh, p1.life)
		}
		if has2 {
			auth := sha(p2)
			if p2.gcm() {
				auth = "none"
			}
			b = fmt.Sprintf("IPSec Crypto profile: ESP encryption %s, authentication %s, DH group group%d, lifetime %d seconds", cbc(p2), auth, p2.dh, p2.life)
		}
		add(vPAN, "", a, withVersion("IKE Gateway > Version: IKEv%d only mode"), b, "less mp-log ikemgr.log")
	}
	{ // FortiGate
		var a, b string
		enc := func(s suite) string {
			if s.gcm() {
				return "aes" + s.keyBits() + "gcm"
			}
			return "aes" + s.keyBits()
		}
		if has1 {
			prop := enc(p1) + "-" + sha(p1)
			if p1.gcm() {
				prop = enc(p1) + "-prf" + sha(p1)
			}
			a = "config vpn ipsec phase1-interface / edit <name>" + withVersion(" / set ike-version %d") +
				fmt.Sprintf(" / set proposal %s / set dhgrp %d / set keylife %d", prop, p1.dh, p1.life)
		}
		if has2 {
			prop := enc(p2) + "-" + sha(p2)
			if p2.gcm() {
				prop = enc(p2)
			}
			b = fmt.Sprintf("config vpn ipsec phase2-interface / edit <name> / set proposal %s / set pfs enable / set dhgrp %d / set keylifeseconds %d", prop, p2.dh, p2.life)
		}
		show := "diagnose vpn ike gateway list name <name>"
		if !has1 {
			show = "diagnose vpn tunnel list name <name>"
		}
		add(vForti, "", a, b, show)
	}
	{ // strongSwan
		var a, b string
		enc := func(s suite) string {
			if s.gcm() {
				return "aes" + s.keyBits() + "gcm16"
			}
			return "aes" + s.keyBits()
		}
		if has1 {
			prop := enc(p1) + "-" + sha(p1) + "-" + swanDH(p1.dh)
			if p1.gcm() {
				prop = enc(p1) + "-prf" + sha(p1) + "-" + swanDH(p1.dh)
			}
			a = withVersion("version = %d and ") + "proposals = " + prop + " in the connection"
		}
		if has2 {
			prop := enc(p2) + "-" + sha(p2) + "-" + swanDH(p2.dh)
			if p2.gcm() {
				prop = enc(p2) + "-" + swanDH(p2.dh)
			}
			b = fmt.Sprintf("esp_proposals = %s in the child (its DH group is the PFS group)", prop)
		}
		add(vStrong, "", a, b, "swanctl --load-conns, then swanctl --list-conns")
	}
	return out
}

// swanDH is strongSwan's keyword for a DH group.
func swanDH(g int) string {
	if n, ok := map[int]string{2: "modp1024", 5: "modp1536", 14: "modp2048", 15: "modp3072", 16: "modp4096", 17: "modp6144", 18: "modp8192",
		19: "ecp256", 20: "ecp384", 21: "ecp521", 22: "modp1024s160", 23: "modp2048s224", 24: "modp2048s256"}[g]; ok {
		return n
	}
	return fmt.Sprintf("<group %d>", g)
}
