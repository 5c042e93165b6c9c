package catalog

import (
	"fmt"
	"net/netip"
	"strings"
)

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
	// Record is what the cause's first record says (direction, IKE phase
	// and version, route next hop); nil when there is none.
	Record *AdviceRecord
	// Tunnel is the tunnel's options; nil when unknown.
	Tunnel *TunnelPolicy
	// OutsideIP is the tunnel's AWS outside IP; InsideCIDR its inside /30
	// (AWS's inside address is the first host, the gateway's the second).
	OutsideIP  string
	InsideCIDR string
}

// AdviceRecord is what advice reads of the record that shows a cause. The
// catalogue knows no log records (package vpnlog reads them, and
// vpnlog.Event.AdviceRecord gives this view of one), so the few facts of a
// record that advice depends on come in this form. Zero values mean the
// record does not say.
type AdviceRecord struct {
	// Sent is true when the AWS side sent the BGP notification (AWS closed
	// the session), Received when the customer gateway sent it; at most
	// one is true.
	Sent, Received bool
	// IKEVersion (1 or 2) and Phase (1 or 2) are the IKE version and phase
	// the record is about.
	IKEVersion int
	Phase      int
	// VPNConnectionID is the record's connection (vpn-0123456789abcdef0).
	VPNConnectionID string
	// NextHopIP is a route record's next hop.
	NextHopIP string
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
	// LastNegotiated is what AWS last negotiated with the customer
	// gateway (nil: not known); proposal-mismatch advice sets it beside
	// the options.
	LastNegotiated *Negotiated
}

// Negotiated is what AWS reports as negotiated on a tunnel (EC2
// GetActiveVpnTunnelStatus): on this tunnel, or on the connection's other
// tunnel, which usually shares the customer gateway's configuration.
// Empty and zero fields were not reported.
type Negotiated struct {
	// Where names the tunnel it was negotiated on: "this tunnel", or the
	// other one ("tunnel 1 (203.0.113.10)").
	Where            string
	OtherTunnel      bool
	IKEVersion       string // ikev1, ikev2
	Phase1Encryption string
	Phase1Integrity  string
	Phase1DHGroup    int
	Phase2Encryption string
	Phase2Integrity  string
	Phase2DHGroup    int
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
	sent         bool // the AWS side sent the notification
	received     bool // the customer gateway sent it
	ikeVersion   int
	phase        int
	certsKnown   bool
	certificates bool
}

func (ctx *AdviceContext) facts(c Category) adviceFacts {
	var f adviceFacts
	if r := ctx.Record; r != nil {
		f.sent, f.received, f.ikeVersion, f.phase = r.Sent, r.Received, r.IKEVersion, r.Phase
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
		return known(f.sent, f.received)
	case strings.HasPrefix(s, condReceived):
		return known(f.received, f.sent)
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
	case ch == checkNextHop && ctx.Record != nil && ctx.Record.NextHopIP != "":
		want := "the gateway's tunnel inside IP"
		if _, cgw := insideAddrs(ctx.InsideCIDR); cgw != "" {
			want += " " + cgw
		}
		return fmt.Sprintf("AWS denied routes whose next hop is %s; it must be %s. On eBGP the gateway advertises itself as next hop unless an outbound route-map or export policy sets another one: remove or fix the clause that sets next hop %s on routes to AWS (or the route-map on the AWS neighbor); the routes are accepted at the next update.",
			ctx.Record.NextHopIP, want, ctx.Record.NextHopIP)
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
