package catalog

// Category is a message class id from the interface contract
// (../shared/contract/categories.tsv). Every record gets exactly one.
type Category string

// The contract's ids. Their meaning is fixed; a test keeps this list equal to
// the contract file.
const (
	IKEPSKMismatch       Category = "ike.psk_mismatch"
	IKEAuthFailed        Category = "ike.auth_failed"
	IKEProposalMismatch  Category = "ike.proposal_mismatch"
	IKETSUnacceptable    Category = "ike.ts_unacceptable"
	IKEPhase2Failed      Category = "ike.phase2_failed"
	IKEDPDTimeout        Category = "ike.dpd_timeout"
	IKEPhase1Timeout     Category = "ike.phase1_timeout"
	IKECGWDeleteIKESA    Category = "ike.cgw_delete_ike_sa"
	IKECGWDeleteChildSA  Category = "ike.cgw_delete_child_sa"
	IKERekeyCollision    Category = "ike.rekey_collision"
	IKENegotiation       Category = "ike.negotiation"
	IKEStateReport       Category = "ike.state"
	BGPEstablished       Category = "bgp.established"
	BGPStateChange       Category = "bgp.state_change"
	BGPConnectActive     Category = "bgp.connect_active"
	BGPConnecting        Category = "bgp.connecting"
	BGPOpen              Category = "bgp.open"
	BGPBadOpenASN        Category = "bgp.bad_open_asn"
	BGPHoldTimerExpired  Category = "bgp.hold_timer_expired"
	BGPPrefixLimitWarn   Category = "bgp.prefix_limit_warning"
	BGPPrefixLimitExceed Category = "bgp.prefix_limit_exceeded"
	BGPCeaseMaxPrefixes  Category = "bgp.cease.max_prefixes"
	BGPCeaseAdminShut    Category = "bgp.cease.admin_shutdown"
	BGPCeasePeerDeconf   Category = "bgp.cease.peer_deconfigured"
	BGPCeaseAdminReset   Category = "bgp.cease.admin_reset"
	BGPCeaseConnRejected Category = "bgp.cease.connection_rejected"
	BGPCeaseConfigChange Category = "bgp.cease.config_change"
	BGPCeaseCollision    Category = "bgp.cease.collision_resolution"
	BGPEndOfRIB          Category = "bgp.end_of_rib"
	BGPUpdateReceived    Category = "bgp.update_received"
	RouteAdvertised      Category = "route.advertised"
	RouteUpdated         Category = "route.updated"
	RouteWithdrawn       Category = "route.withdrawn"
	RouteDeniedASLoop    Category = "route.denied.as_path_loop"
	RouteDeniedNextHop   Category = "route.denied.next_hop_unconnected"
	RouteDeniedOther     Category = "route.denied.other"
	Unknown              Category = "unknown"

	// AWSTunnelOptionsChanged is a change made through the EC2 API (a
	// CloudTrail event, not a log record) that renegotiates a tunnel:
	// its options, certificate or the tunnel itself replaced.
	AWSTunnelOptionsChanged Category = "aws.tunnel_options_changed"
	// AWSTunnelReplaced is AWS's endpoint maintenance of a tunnel
	// (GetVpnTunnelReplacementStatus), applied when the tunnel dropped.
	AWSTunnelReplaced Category = "aws.tunnel_replaced"

	// Extensions beyond the contract (same layer.name form, as it allows).

	// BGPCeaseOther is a Cease with a subcode the contract has no id for:
	// 6/8 Out of Resources (RFC 4486), 6/9 Hard Reset (RFC 8538), 6/10 BFD
	// Down (RFC 9384). It still closes the session, so it must not hide as
	// unknown.
	BGPCeaseOther Category = "bgp.cease.other"
)

// AllCategories lists every id: the contract's in contract order, then the
// extensions.
var AllCategories = []Category{
	IKEPSKMismatch, IKEAuthFailed, IKEProposalMismatch, IKETSUnacceptable, IKEPhase2Failed,
	IKEDPDTimeout, IKEPhase1Timeout, IKECGWDeleteIKESA, IKECGWDeleteChildSA, IKERekeyCollision,
	IKENegotiation, IKEStateReport,
	BGPEstablished, BGPStateChange, BGPConnectActive, BGPConnecting, BGPOpen, BGPBadOpenASN,
	BGPHoldTimerExpired, BGPPrefixLimitWarn, BGPPrefixLimitExceed,
	BGPCeaseMaxPrefixes, BGPCeaseAdminShut, BGPCeasePeerDeconf, BGPCeaseAdminReset,
	BGPCeaseConnRejected, BGPCeaseConfigChange, BGPCeaseCollision,
	BGPEndOfRIB, BGPUpdateReceived,
	RouteAdvertised, RouteUpdated, RouteWithdrawn, RouteDeniedASLoop, RouteDeniedNextHop, RouteDeniedOther,
	Unknown,
	AWSTunnelOptionsChanged, AWSTunnelReplaced,
	BGPCeaseOther,
}

// ContractCategories is how many leading AllCategories come from the contract.
const ContractCategories = 39
