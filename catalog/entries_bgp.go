package catalog

// ceaseChecks are shared by the Cease entries: the direction decides which
// side's logs explain the notification.
const ceaseDirection = "Direction tells who ended the session: \"sent\" means the AWS side sent the NOTIFICATION to the customer gateway; \"received\" means the customer gateway sent it and the reason lies in its configuration or operation."

// bgpEntries are the contract's BGP entries, in contract order.
var bgpEntries = []Entry{
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
}

// extensionEntries are the entries beyond the contract (same layer.name
// form, as it allows).
var extensionEntries = []Entry{
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
func ceaseEntry(c Category, sub int, name string, sev Severity, meaning string, causes, checks []string, hints []GatewayHint) Entry {
	code := ceaseCodeStrings[sub]
	return Entry{
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

// ceaseCodeStrings are the Cease codes by subcode, as the entries' titles and
// messages write them (the classifier in package vpnlog has its own copy).
var ceaseCodeStrings = [8]string{"", "6/1", "6/2", "6/3", "6/4", "6/5", "6/6", "6/7"}
