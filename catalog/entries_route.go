package catalog

// routeEntries are the contract's route (RouteStatus record) entries, in
// contract order.
var routeEntries = []Entry{
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
}
